"""The hand-off: the advisor's qualification (property type, budget, timeline, best time to
call, place, the note for the pro) reaches the pro in the lead API, the lead page and the
new-lead e-mail; a network sees the summary of the leads it routed, never the contact."""

from __future__ import annotations

import pytest

from apps.core.privacy import email_digest
from apps.leads.models import Lead
from apps.quotes import services as quote_services

pytestmark = pytest.mark.django_db

NOTE = "Portail à code 4512B ; la cliente préfère un devis en deux lots (façade puis volets)."
ADDRESS = "12 rue des Lilas"


@pytest.fixture
def handed_off(make_quote, advisor, facade_pros, midi_team, django_capture_on_commit_callbacks):
    """A request the advisor qualified on the phone, with a note for the pro, dispatched to
    Façades du Midi (the new-lead e-mail is sent)."""
    quote = make_quote(callback_slot="evening")
    with django_capture_on_commit_callbacks(execute=True):
        quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
        quote_services.quote_qualify(
            quote_id=quote.pk,
            actor=advisor.actor,
            changes={
                "property_type": "house",
                "budget_range": "15k_50k",
                "timeline": "3_months",
                "address": ADDRESS,
                "pro_note": NOTE,
            },
        )
        quote_services.quote_dispatch(
            quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-du-midi"]
        )
    return Lead.objects.get(quote_id=quote.pk)


SUMMARY_TEXTS = (
    "Maison",
    "De 15 000 à 50 000 €",
    "Dans les 3 mois",
    "En fin de journée (18 h – 20 h)",
    "Toulouse",
)


def test_the_lead_api_carries_the_summary(api_as, handed_off, midi_team, advisor):
    body = api_as(midi_team["owner"]).get(f"/api/v1/leads/{handed_off.pk}/").json()
    summary = body["summary"]
    assert summary["property_type"] == "house" and summary["property_type_label"] == "Maison"
    assert summary["budget_range"] == "15k_50k"
    assert summary["budget_range_label"] == "De 15 000 à 50 000 €"
    assert summary["timeline_label"] == "Dans les 3 mois"
    assert summary["callback_slot"] == "evening"
    assert summary["commune"] == "Toulouse" and summary["postcode"] == "31000"
    assert summary["address"] == ADDRESS
    assert summary["pro_note"] == NOTE
    # An advisor follows the lead: the summary, but neither the contact nor the address.
    seen = api_as(advisor).get(f"/api/v1/leads/{handed_off.pk}/").json()
    assert seen["contact"] is None
    assert seen["summary"]["pro_note"] == NOTE and seen["summary"]["address"] == ""


def test_the_advisor_follow_up_page_shows_the_summary(client, handed_off, advisor):
    client.force_login(advisor)
    body = client.get(f"/conseiller/transmissions/{handed_off.pk}/").content.decode()
    for text in (*SUMMARY_TEXTS, "Portail à code 4512B"):
        assert text in body, text
    assert ADDRESS not in body  # the street address is the receiving company's


def test_the_summary_is_documented_as_a_nested_object(api_as, staff):
    schema = api_as(staff).get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    ref = components["LeadDetail"]["properties"]["summary"]
    target = ref.get("$ref") or ref["allOf"][0]["$ref"]
    assert target.endswith("/LeadSummary")
    assert {"budget_range_label", "pro_note", "callback_slot", "address"} <= set(
        components["LeadSummary"]["properties"]
    )


def test_the_lead_page_shows_the_summary_and_the_note(client, handed_off, midi_team):
    client.force_login(midi_team["owner"])
    body = client.get(f"/espace-pro/demandes/{handed_off.pk}/").content.decode()
    for text in (*SUMMARY_TEXTS, ADDRESS, "Note du conseiller Eldo pour vous"):
        assert text in body, text
    assert "Portail à code 4512B" in body


def test_the_new_lead_email_carries_the_summary(handed_off, mailoutbox):
    message = next(m for m in mailoutbox if m.subject.startswith("Nouvelle demande"))
    html = message.alternatives[0][0].replace("&#x27;", "'")
    for part in (html, message.body):
        for text in (*SUMMARY_TEXTS, ADDRESS, NOTE.split(" ;")[0]):
            assert text in part, text
    # The contact stays in the back office.
    assert "+33612345678" not in html and "luce.moreau" not in message.body


def test_the_network_sees_the_summary_never_the_contact(client, api_as, network, facade_pros):
    from apps.leads import services

    services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    response = api_as(network["manager"]).post(
        "/api/v1/leads/inbound/",
        {
            "external_id": "RCH-501",
            "category": "facade",
            "postcode": "31000",
            "first_name": "Jeanne",
            "last_name": "Vidalou",
            "email": "jeanne.vidalou@exemple.fr",
            "phone": "0611223344",
            "description": "Reprise d'enduit sur pignon, 40 m².",
        },
        format="json",
    )
    assert response.status_code == 201
    lead_id = response.json()["id"]
    detail = api_as(network["manager"]).get(f"/api/v1/leads/{lead_id}/").json()
    assert detail["contact"] is None
    assert detail["summary"]["commune"] == "Toulouse"
    client.force_login(network["manager"])
    page = client.get("/espace-pro/reseau/demandes/").content.decode()
    assert "Toulouse (31000)" in page and "RCH-501" in page
    for contact in ("Jeanne", "Vidalou", "jeanne.vidalou", "0611223344", "+33611223344"):
        assert contact not in page and contact not in str(detail), contact


def test_the_pro_note_is_written_when_qualifying_and_checked(api_as, make_quote, advisor):
    quote = make_quote()
    api = api_as(advisor)
    api.post(f"/api/v1/quotes/{quote.reference}/claim/")
    url = f"/api/v1/quotes/{quote.reference}/qualify/"
    response = api.post(url, {"pro_note": "x" * 1001}, format="json")
    assert response.status_code == 400 and "pro_note" in response.json()
    response = api.post(url, {"pro_note": "  Chien dans le jardin.  "}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["pro_note"] == "Chien dans le jardin."


def test_the_console_qualify_form_has_the_note(client, make_quote, advisor):
    quote = make_quote()
    quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    client.force_login(advisor)
    url = f"/conseiller/demandes/{quote.reference}/"
    assert "Note pour l&#x27;artisan" in client.get(url).content.decode()
    client.post(
        f"{url}qualifier/",
        {
            "category": "facade",
            "description": quote.description,
            "postcode": "31000",
            "budget_range": "5k_15k",
            "timeline": "3_months",
            "first_name": "Luce",
            "email": quote.email,
            "phone": "0612345678",
            "pro_note": "Accès par la ruelle.",
        },
    )
    quote.refresh_from_db()
    assert quote.status == "qualified" and quote.pro_note == "Accès par la ruelle."


def test_erasure_empties_the_note_and_the_address(handed_off, api_as, midi_team):
    from apps.quotes.api import quote_by_id

    email = quote_by_id(handed_off.quote_id).contact.email
    quote_services.quotes_erase_for_contact(email_sha256=email_digest(email))
    summary = api_as(midi_team["owner"]).get(f"/api/v1/leads/{handed_off.pk}/").json()["summary"]
    assert summary["pro_note"] == "" and summary["address"] == ""
    assert summary["budget_range"] == "15k_50k"  # the project's facts stay
