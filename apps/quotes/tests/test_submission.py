"""The homeowner's side: POST /api/v1/quotes/, /devis/, /rappel/, the status page, e-mails."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from apps.core import outbox
from apps.core.models import OutboxEvent
from apps.quotes import services
from apps.quotes.models import QuoteChannel, QuoteKind, QuoteRequest, QuoteStatus
from apps.quotes.validators import phone_normalise

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

URL = "/api/v1/quotes/"
REFERENCE = re.compile(r"^ELD-\d{4}-\d{6}$")


def test_public_submission_answers_201_with_a_reference_and_a_status_link(api_as, payload):
    response = api_as(None).post(URL, payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert REFERENCE.match(body["reference"])
    assert body["reference"].startswith(f"ELD-{timezone.localdate().year}-")
    assert (body["status"], body["kind"]) == ("new", "quote")
    quote = QuoteRequest.objects.get(reference=body["reference"])
    assert quote.phone == "+33612345678"
    assert (quote.commune_name, quote.department_code) == ("Toulouse", "31")
    assert quote.consent_text == services.CONSENT_TEXT
    assert quote.channel == QuoteChannel.API
    assert OutboxEvent.objects.filter(name="quotes.QuoteSubmitted").count() == 1
    status_path = urlsplit(body["status_url"]).path
    assert status_path.startswith("/devis/suivi/")
    assert "Demande reçue" in api_as(None).get(status_path).content.decode()


def test_references_are_unique_and_follow_the_id(make_quote):
    first, second = make_quote(), make_quote(postcode="31450")
    assert first.reference != second.reference
    assert int(second.reference[-6:]) == second.pk


@pytest.mark.parametrize(
    "raw",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "+33 06 12 34 56 78",
    ],
)
def test_french_mobile_numbers_in_every_usual_form_become_e164(raw):
    assert phone_normalise(raw) == "+33612345678"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("05 61 22 33 44", "+33561223344"),
        ("01 42 68 53 00", "+33142685300"),
        ("0970112233", "+33970112233"),
        ("07 81 00 00 01", "+33781000001"),
    ],
)
def test_landlines_and_07_mobiles_are_accepted(raw, e164):
    assert phone_normalise(raw) == e164


BAD_FIELDS = [
    ({"category": ""}, "category"),
    ({"category": "plomberie-spatiale"}, "category"),
    ({"description": "Trop court"}, "description"),
    ({"description": "x" * 5_001}, "description"),
    ({"description": "Ravalement de façade\x00 avec un octet nul dedans"}, "description"),
    ({"postcode": "310"}, "postcode"),
    ({"postcode": "abcde"}, "postcode"),
    ({"postcode": "99999"}, "postcode"),
    ({"postcode": ""}, "postcode"),
    ({"commune": "Bordeaux"}, "commune"),
    ({"first_name": ""}, "first_name"),
    ({"first_name": "x" * 101}, "first_name"),
    ({"last_name": "x" * 101}, "last_name"),
    ({"email": "pas-une-adresse"}, "email"),
    ({"email": ""}, "email"),
    ({"phone": "12345"}, "phone"),
    ({"phone": "08 00 00 00 00"}, "phone"),
    ({"phone": "+44 20 7946 0958"}, "phone"),
    ({"phone": ""}, "phone"),
    ({"consent": False}, "consent"),
    ({"consent": "peut-être"}, "consent"),
    ({"budget_range": "beaucoup"}, "budget_range"),
    ({"timeline": "demain"}, "timeline"),
    ({"property_type": "chateau"}, "property_type"),
    ({"callback_slot": "la-nuit"}, "callback_slot"),
    ({"pro": "artisan-inconnu"}, "pro"),
    ({"kind": "lettre"}, "kind"),
    ({"first_name": ["liste"]}, "first_name"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_FIELDS)
def test_api_bad_input_gives_400_with_the_field_named(api_as, payload, overrides, field):
    response = api_as(None).post(URL, {**payload, **overrides}, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert all(isinstance(message, str) and message for message in body[field])
    assert not QuoteRequest.objects.exists()


@pytest.mark.parametrize("missing", ["postcode", "first_name", "email", "phone", "consent"])
def test_api_missing_fields_give_400(api_as, payload, missing):
    data = {k: v for k, v in payload.items() if k != missing}
    response = api_as(None).post(URL, data, format="json")
    assert response.status_code == 400
    assert missing in response.json()


def test_api_messages_are_french(api_as, payload):
    body = (
        api_as(None)
        .post(
            URL, {**payload, "phone": "123", "postcode": "99999", "consent": False}, format="json"
        )
        .json()
    )
    assert "numéro de téléphone français" in body["phone"][0]
    assert "code postal n'existe pas" in body["postcode"][0]
    assert "accepter" in body["consent"][0]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{pas du json", "application/json"),
        ("[1, 2]", "application/json"),
        ("", "application/json"),
    ],
)
def test_api_malformed_bodies_are_400_not_500(api_as, body, content_type):
    response = api_as(None).generic("POST", URL, body, content_type=content_type)
    assert response.status_code == 400


def test_a_callback_request_needs_no_category_nor_description(api_as, payload):
    data = {
        "kind": "callback",
        "postcode": "31000",
        "first_name": "Luce",
        "email": "luce@exemple.fr",
        "phone": "0561223344",
        "consent": True,
        "callback_slot": "evening",
    }
    response = api_as(None).post(URL, data, format="json")
    assert response.status_code == 201, response.content
    quote = QuoteRequest.objects.get()
    assert (quote.kind, quote.category_slug, quote.description) == ("callback", "", "")
    # Received at any time, a request waits for the start of the homeowner's slot.
    assert 18 <= timezone.localtime(quote.next_call_at).hour < 20


def test_a_resubmission_within_minutes_is_a_note_not_a_second_request_to_work(
    api_as, payload, django_capture_on_commit_callbacks
):
    client = api_as(None)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(URL, payload, format="json")
        again = client.post(
            URL, {**payload, "description": payload["description"] + " Urgent."}, format="json"
        )

    assert (first.status_code, again.status_code) == (201, 201)
    quote = QuoteRequest.objects.get(reference=first.json()["reference"])
    assert quote.description == payload["description"]
    assert quote.notes.get().body.endswith("Urgent.")
    assert quote.merged_submissions == 1
    receipt = QuoteRequest.objects.get(reference=again.json()["reference"])
    assert (receipt.status, receipt.attached_to) == (QuoteStatus.REJECTED, quote)
    # One confirmation, then the link of the first request again: no second request to follow.
    assert [m.to for m in mail.outbox] == [["luce.moreau@exemple.fr"]] * 2
    assert quote.reference in mail.outbox[1].subject


def test_the_same_request_after_the_window_is_a_new_one(make_quote):
    first = make_quote(email="luce@exemple.fr")
    later = services.quote_submit(
        kind=QuoteKind.QUOTE,
        channel=QuoteChannel.API,
        **{
            "category": "facade",
            "description": first.description,
            "postcode": "31000",
            "first_name": "Luce",
            "email": "luce@exemple.fr",
            "phone": "0612345678",
            "consent": True,
        },
        now=timezone.now() + timedelta(minutes=30),
    )
    assert later.merged is False
    assert later.quote.reference != first.reference


def test_confirmation_email_leaves_after_commit_with_a_working_status_link(
    api_as, payload, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reference = api_as(None).post(URL, payload, format="json").json()["reference"]

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["luce.moreau@exemple.fr"]
    assert reference in message.subject
    assert "06 12 34 56 78" in message.body
    link = re.search(r"https?://\S+/devis/suivi/\S+/", message.body).group(0)
    page = client.get(urlsplit(link).path)
    assert page.status_code == 200
    assert reference in page.content.decode()


def test_with_the_broker_down_the_request_is_kept_and_the_email_leaves_later(
    api_as, payload, settings, django_capture_on_commit_callbacks
):
    from celery import current_app as app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    app._pool = None
    app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = api_as(None).post(URL, payload, format="json")
    finally:
        app.conf.broker_url = saved
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.task_always_eager = True
        settings.CELERY_TASK_ALWAYS_EAGER = True

    assert response.status_code == 201
    assert mail.outbox == []
    assert OutboxEvent.objects.get(name="quotes.QuoteSubmitted").delivered_at is None
    assert outbox.sweep(grace_seconds=0) == 1  # beat's sweep, once the broker is back
    assert len(mail.outbox) == 1


# --- Pages ----------------------------------------------------------------------------------

FORM = {
    "category": "facade",
    "description": "Ravalement complet de la façade d'une maison de 120 m², enduit à refaire.",
    "postcode": "31000",
    "first_name": "Luce",
    "last_name": "Moreau",
    "email": "luce.moreau@exemple.fr",
    "phone": "06 12 34 56 78",
    "callback_slot": "morning",
    "consent": "on",
}


def test_quote_page_shows_the_form_and_the_consent_wording(client):
    response = client.get("/devis/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Décrivez votre projet en ligne, c&#x27;est simple et gratuit" in html
    assert "dpo@eldo.fr" in html  # the consent text, as stored
    assert 'name="website"' in html  # the honeypot


def test_quote_page_flow_success_page_then_status_page(client):
    response = client.post("/devis/", FORM)
    assert response.status_code == 302
    quote = QuoteRequest.objects.get()
    assert quote.channel == QuoteChannel.WEB
    assert quote.callback_slot == "morning"
    done = client.get(response["Location"])
    html = done.content.decode()
    assert quote.reference in html
    assert "Suivre ma demande" in html
    status_link = re.search(r'href="(/devis/suivi/[^"]+)"', html).group(1)
    status = client.get(status_link)
    assert status.status_code == 200
    assert status["Cache-Control"] == "private, no-store"
    page = status.content.decode()
    assert 'aria-current="step"' in page
    assert "Demande reçue" in page and "Transmise aux artisans" in page


PAGE_BAD = [
    ({"category": ""}, "Choisissez le type de travaux"),
    ({"category": "inconnue"}, "Type de travaux inconnu"),
    ({"description": "Trop court"}, "20 caractères au moins"),
    ({"description": "x" * 5_001}, "5 000 caractères"),
    ({"postcode": "310"}, "Un code postal compte 5 chiffres"),
    ({"postcode": "99999"}, "Ce code postal n&#x27;existe pas"),
    ({"commune": "Bordeaux"}, "ne correspond pas au code postal"),
    ({"first_name": ""}, "Indiquez votre prénom"),
    ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide"),
    ({"phone": "12 34"}, "numéro de téléphone français valide"),
    ({"consent": ""}, "Vous devez accepter"),
    ({"budget_range": "beaucoup"}, "Sélectionnez un choix valide"),
    ({"callback_slot": "la-nuit"}, "Sélectionnez un choix valide"),
]


@pytest.mark.parametrize(("overrides", "message"), PAGE_BAD)
def test_quote_page_bad_input_gives_a_french_message_next_to_the_field(client, overrides, message):
    response = client.post("/devis/", {**FORM, **overrides})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'class="field__errors"' in html
    assert not QuoteRequest.objects.exists()


def test_honeypot_pretends_success_and_records_nothing(client):
    response = client.post("/devis/", {**FORM, "website": "http://spam.example"})
    assert response.status_code == 200
    assert "Votre demande a bien été envoyée" in response.content.decode()
    assert not QuoteRequest.objects.exists()
    assert mail.outbox == []


def test_quote_form_from_a_pro_profile_targets_that_pro(client, facade_pros):
    page = client.get("/devis/", {"pro": "facades-du-midi"}).content.decode()
    assert "proposée en priorité à <strong>Façades du Midi</strong>" in page
    response = client.post("/devis/?pro=facades-du-midi", {**FORM, "pro": "facades-du-midi"})
    assert response.status_code == 302
    quote = QuoteRequest.objects.get()
    assert quote.target_pro_slug == "facades-du-midi"
    assert quote.target_pro_id == facade_pros["midi"].id


def test_an_unknown_pro_in_the_link_just_gives_the_ordinary_form(client):
    page = client.get("/devis/", {"pro": "nobody"})
    assert page.status_code == 200
    assert "en priorité" not in page.content.decode()


def test_profile_and_home_link_to_the_quote_and_callback_forms(client, facade_pros):
    assert (
        'href="/devis/?pro=facades-du-midi"' in client.get("/pro/facades-du-midi/").content.decode()
    )
    home = client.get("/").content.decode()
    assert 'href="/devis/"' in home and 'href="/rappel/"' in home


def test_callback_page(client):
    page = client.get("/rappel/").content.decode()
    assert "Un conseiller Eldo vous rappelle" in page
    response = client.post(
        "/rappel/",
        {
            "postcode": "31000",
            "first_name": "Luce",
            "phone": "+33 5 61 22 33 44",
            "email": "luce@exemple.fr",
            "callback_slot": "any",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    quote = QuoteRequest.objects.get()
    assert (quote.kind, quote.phone) == ("callback", "+33561223344")


def test_callback_page_bad_input(client):
    response = client.post("/rappel/", {"postcode": "1", "phone": "abc", "email": "x"})
    html = response.content.decode()
    assert response.status_code == 400
    for message in (
        "Un code postal compte 5 chiffres",
        "Indiquez votre prénom",
        "Vous devez accepter",
    ):
        assert message in html


@pytest.mark.parametrize("token", ["nimporte-quoi", "eyJxIjoxfQ:1xXI32:faux"])
def test_status_page_with_a_bad_token_is_404(client, make_quote, token):
    make_quote()
    assert client.get(f"/devis/suivi/{token}/").status_code == 404
    assert client.get(f"/devis/envoyee/{token}/").status_code == 404


def test_status_page_after_dispatch_lists_the_pros(client, make_quote, advisor, facade_pros):
    from apps.quotes.selectors import quote_status_token

    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    services.quote_dispatch(
        quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-du-midi", "ville-rose-facades"]
    )
    html = client.get(f"/devis/suivi/{quote_status_token(quote.pk)}/").content.decode()
    assert "Les artisans qui vont vous contacter" in html
    assert 'href="/pro/facades-du-midi/"' in html and "Ville Rose Façades" in html
    assert QuoteRequest.objects.get().status == QuoteStatus.DISPATCHED


def test_status_page_of_a_rejected_request_gives_the_reason(client, make_quote, advisor):
    from apps.quotes.selectors import quote_status_token

    quote = make_quote()
    services.quote_reject(
        quote_id=quote.pk,
        actor=advisor.actor,
        reason="out_of_scope",
        note="Nous ne traitons pas ce type de chantier.",
    )
    html = client.get(f"/devis/suivi/{quote_status_token(quote.pk)}/").content.decode()
    assert "hors du champ d&#x27;eldo" in html
    assert "Nous ne traitons pas ce type de chantier." in html
