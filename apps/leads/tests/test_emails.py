"""The leads' e-mails are French, HTML with a text alternative, and link where they say."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.leads.models import Lead
from apps.leads.tasks import first_contact_check

pytestmark = pytest.mark.django_db


def _html(message) -> str:
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def test_every_lead_email_has_an_html_alternative(
    dispatch, facade_pros, midi_team, garonne_owner, advisor, api_as, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    quote = dispatch(["facades-du-midi"])
    lead = Lead.objects.get(quote_id=quote.pk)
    new_lead = next(m for m in mailoutbox if m.subject.startswith("Nouvelle demande"))
    html = _html(new_lead)
    assert f"/espace-pro/demandes/{lead.pk}/" in html and "Voir la demande" in html
    assert "Façade à Toulouse (31000)" in html and '<html lang="fr">' in html
    assert "48 heures" in new_lead.body  # the text part stays

    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(hours=97))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first_contact_check()
    with django_capture_on_commit_callbacks(execute=True):
        first_contact_check()
    reminder, alert = mailoutbox
    assert "Ouvrir la demande" in _html(reminder)
    assert alert.to == [advisor.email]
    assert f"/conseiller/transmissions/{lead.pk}/" in _html(alert)
    assert f"/conseiller/transmissions/{lead.pk}/" in alert.body

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        api_as(advisor).post(
            f"/api/v1/leads/{lead.pk}/reassign/", {"pro": "enduits-de-garonne"}, format="json"
        )
    homeowner = next(m for m in mailoutbox if "un autre artisan" in m.subject)
    html = _html(homeowner)
    assert "Enduits de Garonne" in html and "/pro/enduits-de-garonne/" in html
    assert "Façades du Midi n'a pas pu donner suite" in html.replace("&#x27;", "'")
