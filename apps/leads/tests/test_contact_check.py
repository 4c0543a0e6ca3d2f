"""Homeowner confirmation: "L'artisan X vous a-t-il contacté ?" 48 h after dispatch, once,
answered by a POST from the page the signed link opens; "non" alerts the advisor."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from apps.core import outbox
from apps.core.models import HandledEvent, OutboxEvent
from apps.leads import contact_check
from apps.leads.models import Lead
from apps.leads.services import lead_update
from apps.leads.tasks import contact_checks_send_due

pytestmark = pytest.mark.django_db


def _age(leads, hours):
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(
        created_at=timezone.now() - timedelta(hours=hours)
    )


def _ask(capture) -> int:
    with capture(execute=True):
        return contact_checks_send_due()


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.fixture
def midi_lead(dispatch, facade_pros, midi_team, mailoutbox):
    quote = dispatch(["facades-du-midi"])
    lead = Lead.objects.get(quote_id=quote.pk)
    mailoutbox.clear()
    return lead


@pytest.fixture
def asked(midi_lead, mailoutbox, django_capture_on_commit_callbacks):
    """The Façades du Midi lead, 49 h old, its homeowner asked; the e-mail and its links."""
    _age([midi_lead], 49)
    assert _ask(django_capture_on_commit_callbacks) == 1
    (message,) = mailoutbox
    mailoutbox.clear()
    midi_lead.refresh_from_db()
    yes_url, no_url = (_path(u) for u in re.findall(r"(http\S+reponse=\w+)", message.body))
    return {"lead": midi_lead, "message": message, "yes": yes_url, "no": no_url}


# --- Asking ---------------------------------------------------------------------------------


def test_asked_once_48_hours_after_dispatch_in_a_french_html_and_text_email(
    midi_lead, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.LEADS_CONTACT_CHECK_HOURS = 48
    _age([midi_lead], 47)
    assert _ask(django_capture_on_commit_callbacks) == 0
    assert not mailoutbox
    _age([midi_lead], 49)
    assert _ask(django_capture_on_commit_callbacks) == 1
    assert _ask(django_capture_on_commit_callbacks) == 0  # the beat again: nothing more
    (message,) = mailoutbox
    assert message.subject == "L'artisan Façades du Midi vous a-t-il contacté ?"
    assert message.to == ["particulier1@exemple.fr"]
    html = message.alternatives[0][0]
    assert "L'artisan Façades du Midi vous a-t-il contacté ?" in html
    assert "reponse=oui" in html and "reponse=non" in html
    assert "Bonjour Luce" in message.body and midi_lead.reference in message.body
    midi_lead.refresh_from_db()
    assert midi_lead.contact_check == "asked"
    assert midi_lead.contact_check_asked_at and midi_lead.contact_check_sent_at


def test_a_redelivered_event_sends_the_question_once(asked, mailoutbox):
    event = OutboxEvent.objects.get(
        name="leads.HomeownerContactCheckDue", payload__lead_ids=[asked["lead"].pk]
    )
    # Delivery records lost (a worker died before recording them): the event runs again.
    HandledEvent.objects.filter(event_id=event.pk).delete()
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    outbox.deliver(event.pk)
    contact_check.homeowner_email_send(lead_ids=[asked["lead"].pk])
    assert not mailoutbox


def test_the_pros_of_one_request_are_asked_in_one_email(
    dispatch, facade_pros, midi_team, mailoutbox, django_capture_on_commit_callbacks
):
    quote = dispatch(["facades-du-midi", "enduits-de-garonne"])
    leads = list(Lead.objects.filter(quote_id=quote.pk))
    mailoutbox.clear()
    _age(leads, 49)
    assert _ask(django_capture_on_commit_callbacks) == 2
    (message,) = mailoutbox
    assert "les artisans vous ont-ils contacté ?" in message.subject
    assert "L'artisan Façades du Midi vous a-t-il contacté ?" in message.body
    assert "L'artisan Enduits de Garonne vous a-t-il contacté ?" in message.body
    assert len(re.findall(r"reponse=oui", message.body)) == 2


def test_refused_leads_anonymised_requests_and_old_leads_are_not_asked(
    dispatch,
    facade_pros,
    midi_team,
    garonne_owner,
    mailoutbox,
    settings,
    django_capture_on_commit_callbacks,
):
    from apps.quotes.models import QuoteRequest

    settings.LEADS_CONTACT_CHECK_WINDOW_DAYS = 7
    refused = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    lead_update(
        actor=midi_team["owner"].actor,
        lead_id=refused.pk,
        status="declined",
        reason_code="unavailable",
    )
    erased_quote = dispatch(["enduits-de-garonne"])
    erased = Lead.objects.get(quote_id=erased_quote.pk)
    QuoteRequest.objects.filter(pk=erased_quote.pk).update(email="", anonymised_at=timezone.now())
    old = Lead.objects.get(quote_id=dispatch(["ville-rose-facades"]).pk)
    mailoutbox.clear()
    _age([refused, erased], 49)
    _age([old], 48 + 8 * 24)  # before the feature: outside the window, never asked
    assert _ask(django_capture_on_commit_callbacks) == 0
    assert not mailoutbox
    assert Lead.objects.get(pk=refused.pk).contact_check == "skipped"
    assert Lead.objects.get(pk=erased.pk).contact_check == "skipped"
    assert Lead.objects.get(pk=old.pk).contact_check == ""


# --- Answering ------------------------------------------------------------------------------


def test_the_link_opens_a_page_and_a_get_records_nothing(client, asked):
    for url in (asked["yes"], asked["no"]):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert "noindex" in response["X-Robots-Tag"]
        assert "L'artisan Façades du Midi vous a-t-il contacté ?" in response.content.decode()
    asked["lead"].refresh_from_db()
    assert asked["lead"].contact_check == "asked"
    page = client.get(asked["no"]).content.decode()
    # The "Non" link offers "Non" first, with room for a word to the advisor.
    assert page.index('value="no"') < page.index('value="yes"')
    assert 'name="comment"' in page


def test_yes_is_recorded_once_and_a_reused_link_is_gone(client, asked, mailoutbox):
    response = client.post(asked["yes"], {"answer": "yes"})
    assert response.status_code == 200
    assert "Merci pour votre réponse" in response.content.decode()
    lead = Lead.objects.get(pk=asked["lead"].pk)
    assert lead.contact_check == "yes" and lead.contact_check_answered_at
    assert not mailoutbox  # nobody to alert
    answered_at = lead.contact_check_answered_at
    for url, data in ((asked["yes"], {}), (asked["no"], {"answer": "no"})):
        response = client.post(url, data) if data else client.get(url)
        assert response.status_code == 410
        assert "déjà répondu" in response.content.decode()
    lead.refresh_from_db()
    assert (lead.contact_check, lead.contact_check_answered_at) == ("yes", answered_at)
    assert OutboxEvent.objects.filter(name="leads.LeadContactConfirmed").count() == 1


def test_no_alerts_the_advisor_and_marks_the_lead_for_advisor_and_pro(
    client, api_as, asked, advisor, midi_team, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            asked["no"], {"answer": "no", "comment": "Joignable le soir après 18 h."}
        )
    assert response.status_code == 200
    assert "Votre conseiller Eldo est prévenu" in response.content.decode()
    lead = Lead.objects.get(pk=asked["lead"].pk)
    assert lead.contact_check == "no"
    (alert,) = mailoutbox
    assert alert.to == [advisor.email]
    assert alert.subject == f"Contact non confirmé : {lead.reference} chez Façades du Midi"
    assert "Joignable le soir après 18 h." in alert.body
    assert f"/conseiller/transmissions/{lead.pk}/" in alert.body
    assert "Joignable le soir" in alert.alternatives[0][0]

    client.force_login(advisor)
    listing = client.get("/conseiller/transmissions/?contact=non").content.decode()
    assert "Contact non confirmé" in listing and lead.reference in listing
    detail = client.get(f"/conseiller/transmissions/{lead.pk}/").content.decode()
    assert "Contact non confirmé" in detail and "Joignable le soir" in detail

    client.force_login(midi_team["owner"])
    page = client.get(f"/espace-pro/demandes/{lead.pk}/").content.decode()
    assert "Contact non confirmé" in page
    assert "Joignable le soir" not in page  # the homeowner wrote to the advisor, not the pro
    data = api_as(midi_team["owner"]).get(f"/api/v1/leads/{lead.pk}/").json()
    assert data["contact_check"] == "no" and data["contact_check_answered_at"]
    assert "Joignable" not in str(data)


def test_a_redelivered_no_alerts_once(
    client, asked, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(asked["no"], {"answer": "no"})
    assert len(mailoutbox) == 1
    event = OutboxEvent.objects.get(name="leads.LeadContactConfirmed")
    HandledEvent.objects.filter(event_id=event.pk).delete()
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    outbox.deliver(event.pk)
    assert len(mailoutbox) == 1
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check_alerted_at


def test_the_advisors_address_when_the_lead_has_no_advisor(
    client, asked, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.LEADS_ADVISORS_EMAIL = "conseillers@eldo.test"
    Lead.objects.filter(pk=asked["lead"].pk).update(advisor_id=None)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(asked["no"], {"answer": "no"})
    assert [m.to for m in mailoutbox] == [["conseillers@eldo.test"]]


@pytest.mark.parametrize(
    "token",
    [
        "jeton-inconnu",
        signing.TimestampSigner(salt="autre.usage").sign_object({"l": 1}),
        signing.TimestampSigner(salt=contact_check.TOKEN_SALT).sign_object({"l": "1"}),
        signing.TimestampSigner(salt=contact_check.TOKEN_SALT).sign_object({"l": 999999}),
    ],
    ids=["garbage", "other-salt", "not-an-id", "unknown-lead"],
)
def test_forged_links_are_404_and_record_nothing(client, asked, token):
    url = f"/devis/contact-artisan/{token}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"answer": "no"}).status_code == 404
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check == "asked"
    assert not OutboxEvent.objects.filter(name="leads.LeadContactConfirmed").exists()


def test_a_tampered_link_is_404(client, asked):
    """Another lead's id under this link's signature, or the signature altered."""
    token = asked["yes"].split("/")[3]
    payload, stamp, signature = token.split(":")
    other = signing.b64_encode(b'{"l":%d}' % (asked["lead"].pk + 1)).decode()
    altered = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for forged in (f"{other}:{stamp}:{signature}", f"{payload}:{stamp}:{altered}"):
        response = client.post(f"/devis/contact-artisan/{forged}/", {"answer": "no"})
        assert response.status_code == 404
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check == "asked"


def test_an_expired_link_is_410_and_records_nothing(client, asked, settings):
    settings.LEADS_CONTACT_CHECK_LINK_DAYS = 30
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 31 * 86400):
        token = contact_check.contact_check_token(asked["lead"].pk)
    url = f"/devis/contact-artisan/{token}/"
    response = client.get(url)
    assert response.status_code == 410
    assert "expiré" in response.content.decode()
    assert client.post(url, {"answer": "no"}).status_code == 410
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check == "asked"


def test_the_answer_needs_the_pages_csrf_token(asked):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(asked["no"], {"answer": "no"}).status_code == 403
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check == "asked"
    page = browser.get(asked["no"])
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = browser.post(asked["no"], {"answer": "no", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 200
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check == "no"


def test_a_word_too_long_is_a_french_400(client, asked):
    response = client.post(asked["no"], {"answer": "no", "comment": "x" * 1001})
    assert response.status_code == 400
    assert "1000 caractères" in response.content.decode()
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check == "asked"


def test_a_bad_answer_is_a_french_400(client, asked):
    response = client.post(asked["yes"], {"answer": "peut-etre"})
    assert response.status_code == 400
    assert "Choisissez « Oui » ou « Non »." in response.content.decode()
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check == "asked"


# --- Networks' inbound leads ----------------------------------------------------------------


def test_a_networks_lead_is_asked_and_no_alerts_the_network(
    client, network, facade_pros, midi_team, mailoutbox, django_capture_on_commit_callbacks
):
    from apps.leads import services

    services.network_installer_ensure(network_id=network["org"].pk, pro_id=facade_pros["midi"].id)
    with django_capture_on_commit_callbacks(execute=True):
        lead, _created = services.inbound_lead_receive(
            actor=network["manager"].actor,
            data={
                "external_id": "RCH-42",
                "category": "facade",
                "postcode": "31000",
                "first_name": "Jeanne",
                "email": "jeanne@exemple.fr",
                "phone": "06 11 22 33 44",
                "description": "Façade fissurée à reprendre entièrement.",
            },
        )
    mailoutbox.clear()
    _age([lead], 49)
    assert _ask(django_capture_on_commit_callbacks) == 1
    (question,) = mailoutbox
    assert question.to == ["jeanne@exemple.fr"]
    assert "Réseau Confort Habitat" in question.body
    no_url = _path(re.findall(r"(http\S+reponse=non)", question.body)[0])
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(no_url, {"answer": "no"}).status_code == 200
    (alert,) = mailoutbox
    assert alert.to == ["nadia@reseau-confort.fr"]


def test_inbound_leads_can_be_left_out(
    network, facade_pros, midi_team, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from apps.leads import services

    settings.LEADS_CONTACT_CHECK_INBOUND = False
    services.network_installer_ensure(network_id=network["org"].pk, pro_id=facade_pros["midi"].id)
    lead, _created = services.inbound_lead_receive(
        actor=network["manager"].actor,
        data={
            "external_id": "RCH-43",
            "category": "facade",
            "postcode": "31000",
            "first_name": "Jeanne",
            "email": "jeanne@exemple.fr",
            "phone": "06 11 22 33 44",
            "description": "Façade fissurée à reprendre entièrement.",
        },
    )
    mailoutbox.clear()
    _age([lead], 49)
    assert _ask(django_capture_on_commit_callbacks) == 0
    assert not mailoutbox
    assert Lead.objects.get(pk=lead.pk).contact_check == "skipped"
