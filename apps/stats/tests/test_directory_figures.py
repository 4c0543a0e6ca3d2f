"""Figures the directory feeds: contact clicks (a counter) and new pros (an event)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core import counters
from apps.directory.events import ProCreated
from apps.directory.services import pros_created
from apps.directory.tests.factories import make_pro
from apps.stats import handlers, selectors
from apps.stats.models import PlatformDay, ProDay

pytestmark = pytest.mark.django_db

STAFF_URL = "/conseiller/statistiques/"


def _today_period():
    today = timezone.localdate()
    return selectors.Period(start=today, end=today)


def test_phone_and_website_reveals_become_the_pros_contact_clicks(
    client, facade_pros, django_capture_on_commit_callbacks
):
    midi = facade_pros["midi"]
    midi.phone, midi.website = "05 61 00 00 00", "https://facades-midi.fr"
    midi.save(update_fields=["phone", "website"])
    assert client.get(f"/pro/{midi.slug}/telephone/").status_code == 200
    assert client.get(f"/pro/{midi.slug}/site-web/").status_code == 302
    assert client.get(f"/pro/{midi.slug}/telephone/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        counters.counters_flush()

    row = ProDay.objects.get(pro_id=midi.id, day=timezone.localdate())
    # The phone shown twice to the same visitor counts once (apps.directory, per day).
    assert row.contact_clicks == 2
    totals = selectors.pro_summary(pro_id=midi.id, period=_today_period())["totals"]
    assert totals["contact_clicks"] == 2


def test_a_new_pro_shows_on_the_staff_dashboard_once(
    client, staff, directory_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pro = make_pro("Nouvelle Entreprise")
        pros_created(pro_ids=[pro.id])

    client.force_login(staff)
    response = client.get(STAFF_URL)
    assert response.status_code == 200
    assert response.context["summary"]["totals"]["pros_created"] == 1
    assert "Nouveaux pros" in response.content.decode()
    # A redelivered event changes nothing.
    handlers.record_pro_created(
        ProCreated(
            pro_id=pro.id,
            organization_id=pro.organization_id,
            created_at=pro.created_at.isoformat(),
        )
    )
    assert PlatformDay.objects.get(day=timezone.localdate()).pros_created == 1
    rows = client.get(STAFF_URL + "export.csv").content.decode("utf-8-sig").splitlines()
    assert rows[0].split(";")[-1] == "Nouveaux pros"
    assert rows[-1].split(";")[-1] == "1"
