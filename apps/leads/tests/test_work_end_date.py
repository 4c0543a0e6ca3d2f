"""The pro marks a won lead "travaux terminés le <date>": the date is kept on the lead,
published as LeadWorkEnded, and Eldo's review invitation then waits the pro's delay after it
(3 days by default) instead of 14 days after "gagnée"."""

from __future__ import annotations

import html
from datetime import datetime, time, timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from apps.core.models import OutboxEvent
from apps.leads.models import Lead
from apps.reviews.models import ScheduledInvitation

pytestmark = pytest.mark.django_db

INBOX = "/espace-pro/demandes/"


def _win(client, lead):
    # Committed: the invitation is asked of reviews by a handler, after commit.
    with TestCase.captureOnCommitCallbacks(execute=True):
        for status in ("contacted", "won"):
            client.post(f"{INBOX}{lead.pk}/", {"action": "status", "status": status}, follow=True)
    lead.refresh_from_db()
    assert lead.status == "won"


@pytest.fixture
def claire_lead(dispatch, facade_pros, midi_team, mailoutbox):
    quote = dispatch(["facades-du-midi"], email="claire@exemple.fr", first_name="Claire")
    mailoutbox.clear()
    return Lead.objects.get(quote_id=quote.pk)


def _text(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ")


def test_the_end_of_works_moves_the_invitation_to_3_days_after_it(
    client, claire_lead, midi_team, django_capture_on_commit_callbacks
):
    client.force_login(midi_team["owner"])
    _win(client, claire_lead)
    page = _text(client.get(f"{INBOX}{claire_lead.pk}/"))
    assert "Travaux terminés le" in page
    ended = timezone.localdate()
    url = f"{INBOX}{claire_lead.pk}/travaux-termines/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"work_ended_on": ended.isoformat()}, follow=True)
    assert response.status_code == 200
    assert f"Travaux terminés le {ended:%d/%m/%Y}" in _text(response)
    claire_lead.refresh_from_db()
    assert claire_lead.work_ended_on == ended
    assert OutboxEvent.objects.filter(name="leads.LeadWorkEnded").exists()
    scheduled = ScheduledInvitation.objects.get(lead_id=claire_lead.pk)
    assert scheduled.work_end_date == ended
    expected = timezone.make_aware(datetime.combine(ended, time(9, 0))) + timedelta(days=3)
    assert scheduled.due_at == expected


def test_a_future_date_or_a_lead_not_won_is_refused_in_french(client, claire_lead, midi_team):
    client.force_login(midi_team["owner"])
    url = f"{INBOX}{claire_lead.pk}/travaux-termines/"
    today = timezone.localdate()
    not_won = client.post(url, {"work_ended_on": today.isoformat()}, follow=True)
    assert "Seule une demande gagnée" in _text(not_won)
    _win(client, claire_lead)
    future = client.post(
        url, {"work_ended_on": (today + timedelta(days=2)).isoformat()}, follow=True
    )
    assert "ne peut pas être dans le futur" in _text(future)
    garbage = client.post(url, {"work_ended_on": "31/02/2026"}, follow=True)
    assert garbage.status_code == 200 and "illisible" in _text(garbage)
    claire_lead.refresh_from_db()
    assert claire_lead.work_ended_on is None
    scheduled = ScheduledInvitation.objects.get(lead_id=claire_lead.pk)
    assert scheduled.work_end_date is None  # still 14 days after "gagnée"
    assert abs(scheduled.due_at - (claire_lead.closed_at + timedelta(days=14))) < timedelta(
        seconds=1
    )


def test_another_company_gets_404(client, claire_lead, midi_team, django_user_model):
    from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

    client.force_login(midi_team["owner"])
    _win(client, claire_lead)
    stranger = UserFactory(email="autre@exemple.fr")
    MembershipFactory(user=stranger, organization=OrganizationFactory(), role="owner")
    client.force_login(stranger)
    response = client.post(
        f"{INBOX}{claire_lead.pk}/travaux-termines/",
        {"work_ended_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404
    claire_lead.refresh_from_db()
    assert claire_lead.work_ended_on is None
