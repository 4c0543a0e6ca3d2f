"""A pro's typical response time: the median time from dispatch to first contact over its
leads of the last year, kept by the directory once there are enough leads, and shown on its
result card; never a figure without those leads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.directory.models import ProProfile
from apps.leads import services
from apps.leads.models import Lead

pytestmark = pytest.mark.django_db


def _contact(actor, lead: Lead, *, after: timedelta, capture) -> None:
    with capture(execute=True):
        services.lead_update(
            actor=actor, lead_id=lead.pk, status="contacted", now=lead.created_at + after
        )


def _minutes(pro) -> int | None:
    return ProProfile.objects.get(pk=pro.pk).response_minutes


def test_the_median_first_contact_becomes_the_pro_s_response_time(
    dispatch, facade_pros, midi_team, django_capture_on_commit_callbacks
):
    midi = facade_pros["midi"]
    actor = midi_team["owner"].actor
    for _ in range(3):
        dispatch([midi.slug])
    leads = list(Lead.objects.filter(pro_id=midi.pk).order_by("id"))

    _contact(actor, leads[0], after=timedelta(hours=2), capture=django_capture_on_commit_callbacks)
    _contact(actor, leads[1], after=timedelta(hours=30), capture=django_capture_on_commit_callbacks)
    assert _minutes(midi) is None  # two leads are too few to say

    _contact(actor, leads[2], after=timedelta(hours=4), capture=django_capture_on_commit_callbacks)
    assert _minutes(midi) == 240  # 2 h, 4 h, 30 h: the median


def test_the_result_card_shows_it_only_when_known(client, facade_pros):
    midi, garonne = facade_pros["midi"], facade_pros["garonne"]
    ProProfile.objects.filter(pk=midi.pk).update(response_minutes=250)

    page = client.get("/artisans/", {"q": "façade", "place": "31"}).content.decode()
    page = page.replace("\xa0", " ")

    card = page.split(f'href="/pro/{midi.slug}/"')[1].split("</article>")[0]
    assert "Répond en 4 h en général" in card
    other = page.split(f'href="/pro/{garonne.slug}/"')[1].split("</article>")[0]
    assert "Répond" not in other
