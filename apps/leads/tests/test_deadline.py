"""First-contact deadline: reminder to the pro, then alert to the advisor, reassignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.leads import services
from apps.leads.models import Lead
from apps.leads.tasks import first_contact_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_lead(dispatch, facade_pros, midi_team, mailoutbox):
    quote = dispatch(["facades-du-midi"])
    lead = Lead.objects.get(quote_id=quote.pk)
    mailoutbox.clear()
    return lead


def _age(lead, hours):
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(hours=hours))


def test_reminder_then_advisor_alert_each_sent_once(
    old_lead, advisor, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LEADS_FIRST_CONTACT_HOURS = 48
    _age(old_lead, 47)
    with django_capture_on_commit_callbacks(execute=True):
        assert first_contact_check() == 0
    _age(old_lead, 49)
    with django_capture_on_commit_callbacks(execute=True):
        assert first_contact_check() == 1
        assert first_contact_check() == 0
    assert [m.subject[:6] for m in mailoutbox] == ["Rappel"]
    assert "philippe@facades-du-midi.fr" in mailoutbox[0].to
    _age(old_lead, 97)
    with django_capture_on_commit_callbacks(execute=True):
        assert first_contact_check() == 1
        assert first_contact_check() == 0
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == [advisor.email]
    assert "sans réponse" in mailoutbox[1].subject


def test_an_opened_lead_gets_no_reminder(
    old_lead, midi_team, django_capture_on_commit_callbacks, mailoutbox
):

    services.lead_mark_viewed(actor=midi_team["owner"].actor, lead=old_lead)
    _age(old_lead, 200)
    with django_capture_on_commit_callbacks(execute=True):
        assert first_contact_check() == 0
    assert not mailoutbox


def test_the_advisor_reassigns_an_unanswered_lead(
    old_lead,
    advisor,
    api_as,
    facade_pros,
    garonne_owner,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(advisor).post(
            f"/api/v1/leads/{old_lead.pk}/reassign/", {"pro": "enduits-de-garonne"}, format="json"
        )
    assert response.status_code == 201, response.content
    old_lead.refresh_from_db()
    assert old_lead.status == "expired" and old_lead.closed_at
    new = Lead.objects.get(pk=response.json()["id"])
    assert new.pro_id == facade_pros["garonne"].id and new.quote_id == old_lead.quote_id
    assert old_lead.replaced_by_id == new.pk
    homeowner_mail = next(m for m in mailoutbox if "un autre artisan" in m.subject)
    assert "Enduits de Garonne" in homeowner_mail.body
    assert any(
        m.subject.startswith("Nouvelle demande") and m.to == [garonne_owner.email]
        for m in mailoutbox
    )
    # Closed: a second reassignment of the same lead is a conflict.
    again = api_as(advisor).post(f"/api/v1/leads/{old_lead.pk}/reassign/", {}, format="json")
    assert again.status_code == 409


def test_only_advisors_reassign(old_lead, midi_team, api_as):
    response = api_as(midi_team["owner"]).post(
        f"/api/v1/leads/{old_lead.pk}/reassign/", {}, format="json"
    )
    assert response.status_code == 403
