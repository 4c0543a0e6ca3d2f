"""POST /api/v1/reviews/: invited (verified) and spontaneous reviews, every validation,
tokens that cannot be used, uploads, throttling. Nothing is written on a refusal."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image

from apps.core.models import OutboxEvent
from apps.directory import api as directory
from apps.reviews.models import InvitationSource, Review, ReviewInvitation, ReviewPhoto
from apps.reviews.tests.support import invite, jpeg, review_payload, token_in, upload, work_date

pytestmark = pytest.mark.django_db

URL = "/api/v1/reviews/"


def _nothing_written():
    return not Review.objects.exists() and not ReviewPhoto.objects.exists()


def test_a_review_invited_by_eldo_is_verified_published_and_counted(
    api, pro, committed, mailoutbox
):
    with committed():
        invitation, token = invite(pro, email="jeanne@exemple.fr", source=InvitationSource.ELDO)
    assert len(mailoutbox) == 1  # the invitation
    data = review_payload(invitation_token=token, rating=4, rating_quality=5, rating_value=3)
    del data["author_email"]

    with committed():
        response = api.post(URL, data, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "published"
    assert body["is_verified"] is True
    assert body["email_confirmation_required"] is False
    review = Review.objects.get(pk=body["id"])
    assert review.author_email == "jeanne@exemple.fr"  # from the invitation
    assert review.invitation_id == invitation.pk
    invitation.refresh_from_db()
    assert invitation.completed_at is not None
    profile = directory.pro_profile(pro.slug)
    assert profile["rating"]["count"] == 1
    assert profile["rating"]["average"] == 4.0
    assert profile["histogram"]["4"] == 1
    assert profile["criteria"] == {"quality": 5.0, "value": 3.0}


def test_a_spontaneous_review_asks_for_an_email_confirmation_then_waits_for_moderation(
    api, pro, committed, mailoutbox, as_user, moderator
):
    with committed():
        response = api.post(URL, review_payload(pro=pro.slug), format="json")

    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"],
        "status": "pending",
        "label": "spontaneous",
        "is_verified": False,
        "email_confirmation_required": True,
        "proof_token": response.json()["proof_token"],
    }
    (mail,) = mailoutbox
    assert mail.to == ["philippe.client@exemple.fr"]
    assert mail.subject == "Confirmez votre avis sur Eldo"
    html = mail.alternatives[0][0]
    assert "Confirmer mon avis" in html
    queue = as_user(moderator).get("/api/v1/moderation/reviews/").json()
    assert queue["count"] == 0  # not before the address is confirmed
    public = api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()
    assert public["count"] == 0

    token = token_in(mail.body, "/avis/confirmation/")
    assert api.get(f"/avis/confirmation/{token}/").status_code == 200  # shows the button
    assert as_user(moderator).get("/api/v1/moderation/reviews/").json()["count"] == 0
    page = api.post(f"/avis/confirmation/{token}/")

    assert page.status_code == 302
    queue = as_user(moderator).get("/api/v1/moderation/reviews/").json()
    assert [r["id"] for r in queue["results"]] == [response.json()["id"]]
    assert queue["results"][0]["checks"][0]["code"] == "spontaneous"


def test_one_spontaneous_review_per_email_per_pro_per_12_months(api, pro, committed):
    with committed():
        assert api.post(URL, review_payload(pro=pro.slug), format="json").status_code == 201
    cache.clear()
    second = api.post(
        URL, review_payload(pro=pro.slug, title="Encore un avis", body="x" * 40), format="json"
    )
    assert second.status_code == 400
    assert "12 derniers mois" in second.json()["author_email"][0]
    Review.objects.update(created_at=timezone.now() - timedelta(days=370))
    third = api.post(URL, review_payload(pro=pro.slug, body="y" * 40), format="json")
    assert third.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rating": 0}, "rating", "entre 1 et 5"),
        ({"rating": 6}, "rating", "entre 1 et 5"),
        ({"rating": "cinq"}, "rating", ""),
        ({"rating_quality": 9}, "rating_quality", "de 1 à 5"),
        ({"title": "ok"}, "title", "de 3 à 120 caractères"),
        ({"title": "t" * 121}, "title", "de 3 à 120 caractères"),
        ({"body": "Trop court."}, "body", "de 30 à 5"),
        ({"body": "b" * 5001}, "body", "de 30 à 5"),
        ({"author_postcode": "99999"}, "author_postcode", "code postal français valide"),
        ({"author_postcode": "3100"}, "author_postcode", "code postal français valide"),
        ({"work_date": work_date(-3)}, "work_date", "dans le futur"),
        ({"work_date": work_date(800)}, "work_date", "moins de 24 mois"),
        ({"work_date": "hier"}, "work_date", ""),
        ({"work_category": "astrologie"}, "work_category", "Catégorie de travaux inconnue"),
        ({"author_email": "pas-une-adresse"}, "author_email", "adresse e-mail valide"),
        ({"author_name": "   "}, "author_name", "prénom"),
        ({"pro": "nulle-part"}, "pro", "Entreprise inconnue"),
        ({"pro": ""}, "pro", "Indiquez l'entreprise"),
    ],
)
def test_bad_input_is_refused_field_by_field_in_french(api, pro, overrides, field, message):
    data = review_payload(pro=pro.slug)
    data.update(overrides)
    response = api.post(URL, data, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors
    assert message in " ".join(errors[field])
    assert _nothing_written()


@pytest.mark.parametrize(
    ("make_token", "status_word"),
    [
        (lambda token: token[:-3] + "abc", "pas valide"),  # forged signature
        (lambda token: "n'importe-quoi", "pas valide"),
        (lambda token: token, "expiré"),  # expired (see below)
    ],
)
def test_forged_and_expired_tokens_are_refused_and_write_nothing(api, pro, make_token, status_word):
    invitation, token = invite(pro)
    if status_word == "expiré":
        ReviewInvitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    data = review_payload(invitation_token=make_token(token))
    response = api.post(URL, data, format="json")
    assert response.status_code == 400
    assert status_word in response.json()["invitation_token"][0]
    assert _nothing_written()


def test_a_token_of_another_invitation_nonce_is_refused(api, pro):
    invitation, token = invite(pro)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(nonce="0" * 32)  # links revoked
    response = api.post(URL, review_payload(invitation_token=token), format="json")
    assert response.status_code == 400
    assert _nothing_written()


def test_a_token_serves_once(api, pro, committed):
    _invitation, token = invite(pro)
    with committed():
        assert (
            api.post(URL, review_payload(invitation_token=token), format="json").status_code == 201
        )
    again = api.post(
        URL, review_payload(invitation_token=token, body="Deuxième avis " * 4), format="json"
    )
    assert again.status_code == 400
    assert "déjà donné votre avis" in again.json()["invitation_token"][0]
    assert Review.objects.count() == 1


def test_photos_are_decoded_reencoded_stripped_of_gps_and_thumbnailed(api, pro, committed):
    _invitation, token = invite(pro, source=InvitationSource.ELDO)
    data = review_payload(invitation_token=token)
    data["photos"] = [upload(jpeg((1200, 900))), upload(jpeg((800, 600)), name="b.png")]
    with committed():
        response = api.post(URL, data, format="multipart")
    assert response.status_code == 201, response.content
    photos = list(ReviewPhoto.objects.order_by("position"))
    assert len(photos) == 2
    for photo in photos:
        with photo.image.open("rb") as stored:
            picture = Image.open(BytesIO(stored.read()))
            assert picture.format == "JPEG"
            assert not picture.getexif()  # EXIF, GPS included, is gone
        assert photo.thumbnail.name.endswith("-thumb.jpg")
        assert "chantier" not in photo.image.name  # never the uploaded name
    listed = api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"][0]
    # Absolute from SITE_URL, never from the Host header.
    assert listed["photos"][0]["url"].startswith("http://127.0.0.1:8000/media/reviews/photos/")
    assert listed["photos"][0]["thumbnail"].endswith("-thumb.jpg")


def _bomb_png() -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 6251))
        + chunk(b"IEND", b"")
    )


def _gif_html_polyglot() -> bytes:
    buffer = BytesIO()
    Image.new("P", (8, 8)).save(buffer, "GIF", comment=b"<script>alert(1)</script>")
    return buffer.getvalue() + b"<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Ceci n'est pas une image, juste du texte.", "pas une image lisible"),
        (b"<html><script>alert(1)</script></html>", "pas une image lisible"),
        (_gif_html_polyglot(), "Format non accepté"),
        (_bomb_png(), "Image trop grande"),
        (b"", "vide"),
        (b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 10), "dépasse 10 Mo"),
    ],
    ids=["text", "html", "gif-html-polyglot", "decompression-bomb", "empty", "oversized"],
)
def test_bad_uploads_are_refused_with_a_french_message_and_nothing_is_stored(
    api, pro, content, message, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    data = review_payload(pro=pro.slug)
    data["photos"] = [upload(jpeg()), upload(content, name="photo.jpg")]
    response = api.post(URL, data, format="multipart")
    assert response.status_code == 400, response.content
    errors = response.json()["photos"]
    assert any(message in e for e in errors), errors
    assert errors[0].startswith("Photo 2 :")
    assert _nothing_written()
    assert not OutboxEvent.objects.exists()


def test_a_php_payload_appended_to_a_jpeg_never_reaches_the_storage(api, pro, committed):
    payload = b"<?php system($_GET['c']); ?>"
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("shell.php", payload)
    data = review_payload(pro=pro.slug)
    data["photos"] = [upload(jpeg() + payload + archive.getvalue(), name="shell.php.jpg")]
    with committed():
        assert api.post(URL, data, format="multipart").status_code == 201
    photo = ReviewPhoto.objects.get()
    with photo.image.open("rb") as stored:
        assert payload not in stored.read()
    assert photo.image.name.endswith(".jpg") and "shell" not in photo.image.name


def test_more_than_six_photos_are_refused(api, pro):
    data = review_payload(pro=pro.slug)
    data["photos"] = [upload(jpeg((40, 40))) for _ in range(7)]
    response = api.post(URL, data, format="multipart")
    assert response.status_code == 400
    assert "6 photos au maximum" in response.json()["photos"][0]
    assert _nothing_written()


def test_anonymous_submissions_are_throttled_per_client_address(api, pro, low_rates):
    statuses = [
        api.post(URL, review_payload(pro="nulle-part"), format="json").status_code for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    other_address = api.post(
        URL, review_payload(pro="nulle-part"), format="json", REMOTE_ADDR="198.51.100.7"
    )
    assert other_address.status_code == 400


def test_emoji_sequences_survive_and_bidi_overrides_are_removed(api, pro, committed):
    with committed():
        _invitation, token = invite(pro, email="jeanne@exemple.fr")
    data = review_payload(invitation_token=token)
    del data["author_email"]
    data["body"] = "Équipe au top 👩‍🔧👨‍👩‍👧 : chantier propre,\u202e tenu dans les délais. Merci !"

    with committed():
        response = api.post(URL, data, format="json")

    assert response.status_code == 201, response.content
    body = Review.objects.get(pk=response.json()["id"]).body
    assert "👩\u200d🔧" in body and "👨\u200d👩\u200d👧" in body  # one emoji each, not three
    assert "\u202e" not in body
