"""A lead Eldo dispatched marked "gagnée": Eldo invites the homeowner to review the pro
("avis vérifié") after the pro's delay, once per lead and once per customer and pro."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from apps.leads.models import Lead
from apps.reviews import automatic
from apps.reviews.models import ReviewInvitation, ScheduledInvitation
from apps.reviews.tasks import scheduled_invitations_send

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


def test_won_schedules_the_invitation_14_days_later_and_the_task_sends_it_once(
    client, claire_lead, midi_team, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(midi_team["owner"])
    _win(client, claire_lead)
    scheduled = ScheduledInvitation.objects.get(lead_id=claire_lead.pk)
    assert scheduled.customer_email == "claire@exemple.fr"
    assert scheduled.customer_name == "Claire"
    assert abs(scheduled.due_at - (claire_lead.closed_at + timedelta(days=14))) < timedelta(
        seconds=1
    )
    # Not yet due: nothing leaves.
    assert scheduled_invitations_send() == 0
    assert not ReviewInvitation.objects.exists()

    later = timezone.now() + timedelta(days=14, minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert automatic.scheduled_invitations_send(now=later) == 1
    invitation = ReviewInvitation.objects.get()
    assert (invitation.source, invitation.lead_id) == ("eldo", claire_lead.pk)
    (message,) = [m for m in mailoutbox if m.to == ["claire@exemple.fr"]]
    assert "Façades du Midi" in message.subject + message.body
    # Idempotent: a second run (or a second worker) sends nothing more.
    assert automatic.scheduled_invitations_send(now=later) == 0
    assert ReviewInvitation.objects.count() == 1


def test_the_pros_delay_is_used_and_moves_waiting_invitations(client, claire_lead, midi_team):
    client.force_login(midi_team["owner"])
    response = client.post(
        "/espace-pro/invitations/delais/", {"days_after_work_end": "2", "days_after_won": "5"}
    )
    assert response.status_code == 302
    _win(client, claire_lead)
    scheduled = ScheduledInvitation.objects.get()
    assert abs(scheduled.due_at - (claire_lead.closed_at + timedelta(days=5))) < timedelta(
        seconds=1
    )
    client.post(
        "/espace-pro/invitations/delais/", {"days_after_work_end": "2", "days_after_won": "1"}
    )
    scheduled.refresh_from_db()
    assert abs(scheduled.due_at - (claire_lead.closed_at + timedelta(days=1))) < timedelta(
        seconds=1
    )


def test_a_project_already_closed_by_the_homeowner_gets_no_second_invitation(
    client, claire_lead, midi_team, facade_pros, django_capture_on_commit_callbacks
):
    from apps.accounts.tests.factories import UserFactory
    from apps.leads.homeowner import homeowner_project_close

    claire = UserFactory(
        email="claire@exemple.fr", first_name="Claire", email_verified_at=timezone.now()
    )
    client.force_login(midi_team["owner"])
    _win(client, claire_lead)
    with django_capture_on_commit_callbacks(execute=True):
        homeowner_project_close(
            user_id=claire.pk,
            quote_id=claire_lead.quote_id,
            outcome="done",
            pro_id=facade_pros["midi"].id,
        )
    assert ReviewInvitation.objects.count() == 1
    later = timezone.now() + timedelta(days=15)
    assert automatic.scheduled_invitations_send(now=later) == 0
    assert ReviewInvitation.objects.count() == 1
    assert ScheduledInvitation.objects.get().processed_at is not None


def test_the_same_customer_won_twice_with_the_same_pro_gets_one_slot(
    client, dispatch, facade_pros, midi_team, django_capture_on_commit_callbacks
):
    client.force_login(midi_team["owner"])
    leads = []
    for _ in range(2):
        quote = dispatch(["facades-du-midi"], email="claire@exemple.fr", first_name="Claire")
        leads.append(Lead.objects.get(quote_id=quote.pk))
    for lead in leads:
        _win(client, lead)
    assert ScheduledInvitation.objects.count() == 2
    later = timezone.now() + timedelta(days=15)
    with django_capture_on_commit_callbacks(execute=True):
        assert automatic.scheduled_invitations_send(now=later) == 1
    assert ReviewInvitation.objects.count() == 1
    skipped = ScheduledInvitation.objects.exclude(skipped_reason="").get()
    assert "déjà été invité" in skipped.skipped_reason


def test_a_lead_that_is_not_won_schedules_nothing(client, claire_lead, midi_team):
    client.force_login(midi_team["owner"])
    client.post(f"{INBOX}{claire_lead.pk}/", {"action": "status", "status": "contacted"})
    assert not ScheduledInvitation.objects.exists()
