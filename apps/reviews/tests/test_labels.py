"""The three labels: "Avis vérifié" only when Eldo ties the review to a real job (its own
invitation, or a proof accepted by a moderator), "Avis collecté par l'entreprise" for the
pro's invitations, "Avis spontané" otherwise — in the API, the OpenAPI schema, the cards,
the profile's JSON-LD and the how-it-works page."""

from __future__ import annotations

import json
import re
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from apps.core.privacy import email_digest
from apps.reviews import api as reviews_api
from apps.reviews.invitations import invitation_token
from apps.reviews.models import (
    ModerationDecision,
    Review,
    ReviewInvitation,
    ReviewProof,
)
from apps.reviews.tests.support import invite, review_payload, submit_invited, work_date

pytestmark = pytest.mark.django_db

SUBMIT = "/api/v1/reviews/"


def pdf(*, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _invited_payload(token: str, **overrides) -> dict:
    data = review_payload(invitation_token=token, **overrides)
    del data["author_email"]
    return data


@pytest.fixture(autouse=True)
def _private_storage_per_test(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": tmp_path / "private"}},
    }


def _private_files() -> list[Path]:
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- The exploit: a pro's own invitation no longer awards "Avis vérifié" ------------------


def test_a_sales_rep_inviting_an_address_it_controls_gets_no_verified_label(
    as_user, sales_rep, pro, api, committed, mailoutbox
):
    rep = as_user(sales_rep)
    with committed():
        created = rep.post(
            "/api/v1/review-requests/",
            {
                "customer_name": "Client Fictif",
                "customer_email": "moi-meme@boite-perso.fr",
                "work_description": "Ravalement de façade",
                "work_date": work_date(20),
            },
            format="json",
        )
    assert created.status_code == 201, created.content
    token = invitation_token(ReviewInvitation.objects.get(pk=created.json()["id"]))
    assert api.get(f"/avis/invitation/{token}/").status_code == 200

    with committed():
        response = api.post(SUBMIT, _invited_payload(token, rating=5), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["is_verified"] is False
    assert body["label"] == "collected"


def test_an_invitation_eldo_sent_for_a_job_it_dispatched_gives_a_verified_review(
    api, pro, committed
):
    with committed():
        invitation_id = reviews_api.eldo_review_request_create(
            pro_id=pro.id,
            organization_id=pro.organization_id,
            customer_name="Jeanne Client",
            customer_email="jeanne@exemple.fr",
            work_description="Ravalement (demande transmise par Eldo)",
            work_date=date.fromisoformat(work_date(20)),
        )
    token = invitation_token(ReviewInvitation.objects.get(pk=invitation_id))
    with committed():
        response = api.post(SUBMIT, _invited_payload(token), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["is_verified"] is True
    assert response.json()["label"] == "verified"


def test_a_spontaneous_review_is_labelled_spontaneous(api, pro, committed):
    with committed():
        response = api.post(SUBMIT, review_payload(pro=pro.slug), format="json")
    assert response.status_code == 201
    assert response.json()["label"] == "spontaneous"
    assert response.json()["is_verified"] is False


# --- Where the label shows -------------------------------------------------------------


def test_the_api_the_cards_and_the_json_ld_say_which_label_each_review_has(
    api, client, pro, committed
):
    with committed():
        submit_invited(pro, email="eldo@exemple.fr", title="Vérifié par Eldo")
        collected = submit_invited(
            pro, email="pro@exemple.fr", title="Collecté par le pro", source="single"
        )
    Review.objects.filter(pk=collected.pk).update(
        status="published", published_at=collected.created_at
    )

    listed = api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"]
    by_title = {r["title"]: r for r in listed}
    assert by_title["Vérifié par Eldo"]["label"] == "verified"
    assert by_title["Vérifié par Eldo"]["label_name"] == "Avis vérifié"
    assert by_title["Vérifié par Eldo"]["is_verified"] is True
    assert by_title["Collecté par le pro"]["label"] == "collected"
    assert by_title["Collecté par le pro"]["label_name"] == "Avis collecté par l'entreprise"
    assert by_title["Collecté par le pro"]["is_verified"] is False

    html = client.get(f"/pro/{pro.slug}/").content.decode()
    assert "Avis collecté par l&#x27;entreprise" in html
    assert html.count(">Avis vérifié</a>") == 1
    assert 'href="/avis/comment-ca-marche/#labels"' in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    labels = {r["name"]: r["keywords"] for r in data["review"]}
    assert labels == {
        "Vérifié par Eldo": "Avis vérifié",
        "Collecté par le pro": "Avis collecté par l'entreprise",
    }
    types = {r["name"]: r["additionalType"] for r in data["review"]}
    assert types["Vérifié par Eldo"].endswith("/avis/comment-ca-marche/#label-verified")
    assert types["Collecté par le pro"].endswith("/avis/comment-ca-marche/#label-collected")


def test_the_openapi_schema_documents_the_label(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "Avis collecté par l" in schema
    assert "verified" in schema and "collected" in schema


def test_the_how_it_works_page_explains_the_three_labels_and_is_in_the_footer(client):
    html = client.get("/avis/comment-ca-marche/").content.decode()
    for words in ("Avis vérifié", "Avis collecté par l'entreprise", "Avis spontané"):
        assert words in html
    assert "facture ou un devis" in html
    assert "20 %" in html  # the sampled share of collected reviews read by a moderator
    assert 'href="/avis/comment-ca-marche/"' in client.get("/").content.decode()


# --- Proofs of experience -------------------------------------------------------------------


@pytest.fixture
def collected(api, pro, committed):
    _invitation, token = invite(pro, email="marc@exemple.fr")
    with committed():
        response = api.post(SUBMIT, _invited_payload(token), format="json")
    return response.json()


def _upload(api, review_id, token, content=None, name="facture.pdf"):
    file = SimpleUploadedFile(name, pdf() if content is None else content, "application/pdf")
    return api.post(
        f"/api/v1/reviews/{review_id}/proof/", {"token": token, "file": file}, format="multipart"
    )


def test_a_proof_accepted_by_a_moderator_makes_the_review_verified(
    api, as_user, moderator, collected, pro, committed
):
    response = _upload(api, collected["id"], collected["proof_token"])
    assert response.status_code == 201, response.content
    proof = ReviewProof.objects.get()
    assert proof.status == "pending" and proof.content_type == "application/pdf"
    # Private: outside MEDIA_ROOT, no URL.
    assert len(_private_files()) == 1
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))

    mod = as_user(moderator)
    queue = mod.get("/api/v1/moderation/reviews/").json()["results"]
    listed = next(r for r in queue if r["id"] == collected["id"])
    assert listed["proofs"][0]["status"] == "pending"
    file_url = f"/api/v1/moderation/reviews/{collected['id']}/proofs/{proof.pk}/file/"
    download = mod.get(file_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert "no-store" in download["Cache-Control"]

    with committed():
        decided = mod.post(
            f"/api/v1/moderation/reviews/{collected['id']}/proofs/{proof.pk}/decision/",
            {"decision": "accept"},
            format="json",
        )
    assert decided.status_code == 200, decided.content
    review = Review.objects.get(pk=collected["id"])
    assert review.label == "verified"
    assert ModerationDecision.objects.filter(review=review, action="proof_accepted").exists()
    again = mod.post(
        f"/api/v1/moderation/reviews/{collected['id']}/proofs/{proof.pk}/decision/",
        {"decision": "reject"},
        format="json",
    )
    assert again.status_code == 409


def test_nobody_but_the_author_may_upload_a_proof(api, as_user, owner, pro, collected, committed):
    _other, other_token = invite(pro, email="autre@exemple.fr")
    with committed():
        other = api.post(
            SUBMIT,
            _invited_payload(other_token, body=review_payload()["body"] + " Bis."),
            format="json",
        ).json()
    for token in ("", "forged", other["proof_token"], collected["proof_token"][:-2] + "xx"):
        assert _upload(api, collected["id"], token).status_code == 404, token
    # The pro's owner, signed in, has no token either.
    assert _upload(as_user(owner), collected["id"], "").status_code == 404
    assert not ReviewProof.objects.exists() and not _private_files()


@pytest.mark.parametrize(
    ("content", "name", "words"),
    [
        (b"MZ\x90\x00 not a document", "facture.exe", "PDF, un JPEG ou un PNG"),
        (pdf(password="secret"), "facture.pdf", "mot de passe"),
        (pdf() + b"PK\x03\x04 hidden zip PK\x05\x06", "facture.pdf", "après sa fin"),
        (b"", "facture.pdf", "vide"),
    ],
)
def test_bad_proofs_are_refused_in_french_and_nothing_is_stored(
    api, collected, content, name, words
):
    response = _upload(api, collected["id"], collected["proof_token"], content, name)
    assert response.status_code == 400
    assert words in " ".join(response.json()["file"])
    assert not ReviewProof.objects.exists() and not _private_files()


def test_a_proof_over_10_mo_is_refused(api, collected, settings):
    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 10)
    response = _upload(api, collected["id"], collected["proof_token"], big)
    assert response.status_code == 400
    assert "10 Mo" in " ".join(response.json()["file"])
    assert not ReviewProof.objects.exists()


def test_only_moderators_see_a_proof(api, as_user, owner, homeowner, collected):
    assert _upload(api, collected["id"], collected["proof_token"]).status_code == 201
    proof = ReviewProof.objects.get()
    url = f"/api/v1/moderation/reviews/{collected['id']}/proofs/{proof.pk}/file/"
    assert api.get(url).status_code in (401, 403)
    for user in (owner, homeowner):
        assert as_user(user).get(url).status_code == 403


def test_erasing_the_author_deletes_their_proofs(
    api, collected, django_capture_on_commit_callbacks
):
    from apps.reviews.privacy import reviews_erase_author

    assert _upload(api, collected["id"], collected["proof_token"]).status_code == 201
    assert len(_private_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        reviews_erase_author(user_id=None, email_sha256=email_digest("marc@exemple.fr"))
    assert not ReviewProof.objects.exists() and not _private_files()


# --- The author's page -----------------------------------------------------------------------


def test_the_author_joins_an_invoice_from_the_thanks_page(client, pro, committed):
    from apps.reviews.tests.test_pages import _form

    _invitation, token = invite(pro, email="paul@exemple.fr")
    data = _form()
    data.pop("author_email")
    with committed():
        response = client.post(f"/avis/invitation/{token}/", data)
    assert response.status_code == 302
    thanks = client.get(response["Location"]).content.decode()
    link = re.search(r'href="(/avis/justificatif/[^"]+/)"', thanks).group(1)
    assert "Joindre un justificatif" in client.get(link).content.decode()

    refused = client.post(link, {"file": SimpleUploadedFile("f.pdf", pdf(password="x"))})
    assert refused.status_code == 400
    assert "mot de passe" in refused.content.decode()
    assert not ReviewProof.objects.exists()

    sent = client.post(link, {"file": SimpleUploadedFile("facture.pdf", pdf())})
    assert sent.status_code == 302 and sent["Location"] == "/avis/merci/justificatif/"
    assert ReviewProof.objects.get().review.author_email == "paul@exemple.fr"
    assert "Joindre un justificatif" not in client.get(sent["Location"]).content.decode()


def test_the_proof_page_of_an_unknown_token_is_404(client, collected):
    assert client.get("/avis/justificatif/pas-un-jeton/").status_code == 404
    forged = collected["proof_token"][:-3] + "abc"
    assert client.post(f"/avis/justificatif/{forged}/", {}).status_code == 404


def test_the_moderation_page_shows_the_proof_and_accepts_it(client, api, moderator, collected):
    assert _upload(api, collected["id"], collected["proof_token"]).status_code == 201
    proof = ReviewProof.objects.get()
    client.force_login(moderator)
    page = client.get(f"/moderation/avis/{collected['id']}/").content.decode()
    file_url = f"/api/v1/moderation/reviews/{collected['id']}/proofs/{proof.pk}/file/"
    assert file_url in page and "Avis collecté par l&#x27;entreprise" in page
    assert client.get(file_url).status_code == 200
    response = client.post(
        f"/moderation/avis/{collected['id']}/", {"proof": proof.pk, "proof_decision": "accept"}
    )
    assert response.status_code == 302
    assert Review.objects.get(pk=collected["id"]).label == "verified"
    assert "Avis vérifié" in client.get(response["Location"]).content.decode()
