"""A submission never changes another request nor returns another request's reference.

Same e-mail and same phone within the window: the new description becomes a note on the
existing request and its link is e-mailed to the address on file; the submitter gets a
receipt of its own. Anything else that looks like an earlier request is a new request
flagged "doublon possible" for the advisors.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from apps.quotes.models import QuoteRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

URL = "/api/v1/quotes/"

ATTACKER = {
    "first_name": "Marc",
    "last_name": "Escroc",
    "phone": "07 99 88 77 66",
    "description": "Appelez-moi plutôt au 07 99 88 77 66, j'ai changé de numéro, merci.",
    "address": "1 impasse du Faux",
}


def _submitted_page(client, status_url: str) -> str:
    """The success page of the request a status link belongs to (same token)."""
    token = urlsplit(status_url).path.rstrip("/").rsplit("/", 1)[-1]
    return client.get(f"/devis/envoyee/{token}/").content.decode()


def test_another_persons_email_never_overwrites_their_request(
    api_as, payload, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        victim = api_as(None).post(URL, {**payload, "address": "12 rue des Lilas"}, format="json")
        attacker = api_as(None).post(URL, {**payload, **ATTACKER}, format="json")

    assert (victim.status_code, attacker.status_code) == (201, 201)
    assert attacker.json()["reference"] != victim.json()["reference"]
    assert attacker.json()["status_url"] != victim.json()["status_url"]
    mine = QuoteRequest.objects.get(reference=victim.json()["reference"])
    assert (mine.first_name, mine.last_name, mine.phone, mine.address) == (
        "Luce",
        "Moreau",
        "+33612345678",
        "12 rue des Lilas",
    )
    assert mine.description == payload["description"]
    page = _submitted_page(client, attacker.json()["status_url"])
    assert "06 12 34 56 78" not in page and "Moreau" not in page


def test_the_first_submitter_never_reads_the_second_ones_phone(
    api_as, payload, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attacker = api_as(None).post(URL, {**payload, **ATTACKER}, format="json")
        victim = api_as(None).post(URL, payload, format="json")

    assert victim.status_code == 201
    assert victim.json()["reference"] != attacker.json()["reference"]
    page = _submitted_page(client, attacker.json()["status_url"])
    assert "06 12 34 56 78" not in page and "Moreau" not in page
    status = client.get(urlsplit(attacker.json()["status_url"]).path).content.decode()
    assert "06 12 34 56 78" not in status and "Moreau" not in status


def test_a_different_phone_makes_a_new_request_flagged_for_the_advisor(
    api_as, payload, advisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = api_as(None).post(URL, payload, format="json").json()
        second = api_as(None).post(URL, {**payload, **ATTACKER}, format="json").json()

    assert QuoteRequest.objects.count() == 2
    flagged = QuoteRequest.objects.get(reference=second["reference"])
    assert flagged.possible_duplicate_of.reference == first["reference"]
    assert QuoteRequest.objects.get(reference=first["reference"]).possible_duplicate_of is None
    # Both homeowners get their own confirmation.
    assert len(mail.outbox) == 2

    queue = api_as(advisor).get(URL).json()["results"]
    by_reference = {row["reference"]: row for row in queue}
    assert by_reference[second["reference"]]["possible_duplicate_of"] == first["reference"]
    assert by_reference[first["reference"]]["possible_duplicate_of"] is None
    detail = api_as(advisor).get(f"{URL}{second['reference']}/").json()
    assert detail["possible_duplicate_of"] == first["reference"]


def test_the_advisor_console_shows_the_possible_duplicate(client, make_quote, advisor):
    first = make_quote(email="luce@exemple.fr")
    second = make_quote(email="luce@exemple.fr", phone="07 99 88 77 66")
    client.force_login(advisor)

    queue = client.get("/conseiller/demandes/").content.decode()
    detail = client.get(f"/conseiller/demandes/{second.reference}/").content.decode()

    assert "Doublon possible" in queue
    assert "Doublon possible" in detail and first.reference in detail


def test_same_email_and_phone_adds_a_note_and_mails_the_existing_link_to_its_owner(
    api_as, payload, client, advisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = api_as(None).post(URL, {**payload, "address": "12 rue des Lilas"}, format="json")
    mail.outbox.clear()
    again_payload = {
        **payload,
        "first_name": "Lucie",
        "address": "3 rue Autre",
        "description": "J'ajoute : la façade nord est aussi à reprendre, environ 40 m².",
    }
    with django_capture_on_commit_callbacks(execute=True):
        again = api_as(None).post(URL, again_payload, format="json")

    # The contract holds, and the answer reveals nothing of the existing request.
    assert again.status_code == 201, again.content
    body = again.json()
    assert body["reference"] != first.json()["reference"]
    assert body["status"] == "new"
    assert "merged" not in body
    page = _submitted_page(client, body["status_url"])
    assert first.json()["reference"] not in page and "12 rue des Lilas" not in page
    status = client.get(urlsplit(body["status_url"]).path).content.decode()
    assert first.json()["reference"] not in status

    # The existing request: nothing changed but a note.
    existing = QuoteRequest.objects.get(reference=first.json()["reference"])
    assert (existing.first_name, existing.address) == ("Luce", "12 rue des Lilas")
    assert existing.description == payload["description"]
    assert [n.body for n in existing.notes.all()] == [again_payload["description"]]
    # Only the existing request is in the advisors' queue.
    queue = api_as(advisor).get(URL).json()
    assert [row["reference"] for row in queue["results"]] == [existing.reference]
    detail = api_as(advisor).get(f"{URL}{existing.reference}/").json()
    assert detail["notes"][0]["body"] == again_payload["description"]

    # The owner (the address on file) receives the existing link, no second confirmation.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["luce.moreau@exemple.fr"]
    assert existing.reference in message.subject
    link = re.search(r"https?://\S+/devis/suivi/\S+/", message.body).group(0)
    assert existing.reference in client.get(urlsplit(link).path).content.decode()


def test_same_email_and_phone_after_the_window_is_a_new_flagged_request(make_quote, settings):
    from datetime import timedelta

    from django.utils import timezone

    from apps.quotes import services
    from apps.quotes.models import QuoteChannel, QuoteKind

    first = make_quote(email="luce@exemple.fr", phone="06 12 34 56 78")
    later = services.quote_submit(
        kind=QuoteKind.QUOTE,
        channel=QuoteChannel.API,
        category="facade",
        description=first.description,
        postcode="31000",
        first_name="Luce",
        email="luce@exemple.fr",
        phone="0612345678",
        consent=True,
        now=timezone.now() + timedelta(minutes=30),
    )
    assert later.quote.reference != first.reference
    assert later.quote.possible_duplicate_of_id == first.pk
