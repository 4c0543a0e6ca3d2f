"""The bad-input corpus: what a careless or hostile client sends to the public writes
(quote request, review, login), the CSV invitation import and the picture uploads.

Refused input gets a 4xx with a message (field-level JSON on the API, French next to the
field on the pages) and changes no row; hostile text that is legitimately accepted is stored
as typed and rendered escaped; every CSV download neutralises formula cells.

Pages keep their contract of re-rendering a form with its errors: 200 for /devis/, the
review form and the profile (as their own tests assert), 400 for the invitation import.
"""

from __future__ import annotations

import csv
import io
import json
import struct
import zlib
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.security.matrix import BODIES

QUOTE = BODIES["quote"]
REVIEW = BODIES["review"]
LOGIN = BODIES["login"]
MB = 1024 * 1024
# Far beyond every field's length, under the request-size guard (1 MB for a form or JSON).
LONG = 200_000
HOSTILE = "<script>alert(1)</script> ' OR 1=1 -- \u202eelbatius\u202c 👍🏠 façade"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
NUL_MESSAGE = "Le caractère nul n’est pas autorisé."

QUOTE_PAGE = {
    **{k: v for k, v in QUOTE.items() if k != "consent"},
    "consent": "on",
    "callback_slot": "morning",
}
REVIEW_PAGE = {
    **{k: v for k, v in REVIEW.items() if k != "pro"},
    "rating": "5",
    "certify": "on",
}
REVIEW_PAGE_URL = f"/pro/{REVIEW['pro']}/donner-mon-avis/"


@pytest.fixture(autouse=True)
def _fresh_throttles(db):
    cache.clear()  # throttle counters and cached pages: each case is a first visit
    yield
    cache.clear()


def _counts() -> dict[str, int]:
    from apps.core.models import OutboxEvent
    from apps.directory.models import ProPhoto, ProProfile
    from apps.quotes.models import QuoteRequest
    from apps.reviews.models import PendingReviewPhoto, Review, ReviewInvitation, ReviewPhoto

    return {
        "quotes": QuoteRequest.objects.count(),
        "reviews": Review.objects.count(),
        "review_photos": ReviewPhoto.objects.count(),
        "review_photos_pending": PendingReviewPhoto.objects.count(),
        "invitations": ReviewInvitation.objects.count(),
        "pro_photos": ProPhoto.objects.count(),
        "logos": ProProfile.objects.exclude(logo="").count(),
        "events": OutboxEvent.objects.count(),
    }


@contextmanager
def nothing_stored():
    before = _counts()
    yield
    assert _counts() == before


def _page_html(response) -> str:
    assert response.status_code < 500, response.status_code
    return response.content.decode()


# --- API: bodies that are not the JSON object expected --------------------------------------

API_WRITES = {
    "quote": ("/api/v1/quotes/", QUOTE),
    "review": ("/api/v1/reviews/", REVIEW),
    "login": ("/api/v1/auth/token/", LOGIN),
}
RAW_BODIES = [
    pytest.param(b'{"email": "luce@exemple.fr",', id="truncated-json"),
    pytest.param(b"{'email': 'luce@exemple.fr'}", id="single-quoted-json"),
    pytest.param(b'{"email": "luce\xff\xfe@exemple.fr"}', id="invalid-utf8"),
    pytest.param(b"\xef\xbb\xbf\xc3\x28", id="bom-then-invalid-utf8"),
    pytest.param(b"[]", id="json-array"),
    pytest.param(b'"une phrase"', id="json-string"),
    pytest.param(b"null", id="json-null"),
    pytest.param(b'{"a": ' * 2000 + b"1" + b"}" * 2000, id="deeply-nested"),
]


@pytest.mark.parametrize("write", API_WRITES)
@pytest.mark.parametrize("raw", RAW_BODIES)
def test_api_refuses_a_body_that_is_not_a_json_object(client_as, write, raw):
    url, _valid = API_WRITES[write]
    with nothing_stored():
        response = client_as("anonymous", api=True).post(url, raw, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert isinstance(body, dict) and body  # "detail" or field keys, never an HTML page
    assert all(isinstance(messages, list | str) for messages in body.values())


# --- API: wrong types, huge fields, NUL bytes ------------------------------------------------

NUL = "Ravalement\x00 de la façade d'une maison de 120 m²."
FIELD_CASES = [
    # (write, overrides, field the 400 names)
    ("quote", {"consent": "peut-être"}, "consent"),
    ("quote", {"consent": False}, "consent"),
    ("quote", {"first_name": ["Luce"]}, "first_name"),
    ("quote", {"description": {"$gt": ""}}, "description"),
    ("quote", {"description": "x" * LONG}, "description"),
    ("quote", {"description": NUL}, "description"),
    ("quote", {"email": "luce\x00@exemple.fr"}, "email"),
    ("quote", {"postcode": "31000'; DROP TABLE quotes_quoterequest; --"}, "postcode"),
    ("quote", {"kind": "devis"}, "kind"),
    ("quote", {"category": "../../etc/passwd"}, "category"),
    ("review", {"rating": "cinq"}, "rating"),
    ("review", {"rating": 9}, "rating"),
    ("review", {"rating": 1e308}, "rating"),
    ("review", {"work_date": "hier"}, "work_date"),
    ("review", {"work_date": 20260901}, "work_date"),
    ("review", {"title": "x" * LONG}, "title"),
    ("review", {"body": "é" * LONG}, "body"),
    ("review", {"body": NUL + " " + NUL}, "body"),
    ("review", {"author_name": None}, "author_name"),
    ("review", {"photos": "chantier.jpg"}, "photos"),
    ("login", {"email": "inconnu\x00@exemple.fr"}, "email"),
    ("login", {"password": ["pas-le-bon-mot"]}, "password"),
]


@pytest.mark.parametrize(
    ("write", "overrides", "field"),
    [pytest.param(*case, id=f"{case[0]}-{case[2]}-{i}") for i, case in enumerate(FIELD_CASES)],
)
def test_api_names_the_field_it_refuses(client_as, write, overrides, field):
    url, valid = API_WRITES[write]
    with nothing_stored():
        response = client_as("anonymous", api=True).post(url, {**valid, **overrides}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json(), response.json()
    assert all(isinstance(m, str) and m for m in response.json()[field])


def test_api_body_beyond_the_upload_limit_is_refused(client_as, settings):
    body = json.dumps({**QUOTE, "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    with nothing_stored():
        response = client_as("anonymous", api=True).post(
            "/api/v1/quotes/", body, content_type="application/json"
        )
    # The request-size guard answers before the body is read, in French.
    assert response.status_code == 413
    assert "trop volumineuse" in response.json()["detail"]


# --- Pages: the same input through the French forms ------------------------------------------

PAGE_CASES = [
    # (page, overrides, French message shown)
    ("quote", {"description": NUL}, NUL_MESSAGE),
    ("quote", {"first_name": "Luce\x00"}, NUL_MESSAGE),
    ("quote", {"description": "x" * LONG}, "La description ne peut pas dépasser 5 000 caractères"),
    ("quote", {"postcode": "31000' OR 1=1 --"}, "code postal"),
    ("quote", {"category": "../../etc/passwd"}, "Type de travaux inconnu."),
    ("review", {"body": NUL}, NUL_MESSAGE),
    ("review", {"title": "x" * LONG}, "120 caractères"),
    ("review", {"rating": "cinq"}, "Sélectionnez un choix valide"),
    ("review", {"work_date": "hier"}, "Saisissez une date valide"),
    ("review", {"work_category": "../../etc/passwd"}, "Catégorie de travaux inconnue."),
]
PAGES = {"quote": ("/devis/", QUOTE_PAGE), "review": (REVIEW_PAGE_URL, REVIEW_PAGE)}


@pytest.mark.parametrize(
    ("page", "overrides", "message"),
    [
        pytest.param(*case, id=f"{case[0]}-{next(iter(case[1]))}-{i}")
        for i, case in enumerate(PAGE_CASES)
    ],
)
def test_page_form_refuses_with_a_french_message(client_as, page, overrides, message):
    url, valid = PAGES[page]
    with nothing_stored():
        response = client_as("anonymous", api=False).post(url, {**valid, **overrides})
    assert response.status_code == 400  # the form again, with its errors (no redirect)
    html = _page_html(response)
    assert message in html
    assert 'class="field__errors"' in html or "errorlist" in html


@pytest.mark.parametrize("page", PAGES)
def test_page_body_beyond_the_upload_limit_is_refused(client_as, settings, page):
    url, valid = PAGES[page]
    field = "body" if page == "review" else "description"
    big = {**valid, field: "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    with nothing_stored():
        response = client_as("anonymous", api=False).post(
            url, urlencode(big), content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 413
    assert "trop volumineuse" in response.content.decode()


# --- Hostile text that is legitimately accepted: stored as typed, rendered escaped ----------


def test_quote_text_is_stored_as_typed_and_rendered_escaped(client_as):
    from apps.quotes.models import QuoteRequest

    description = f"{HOSTILE} — ravalement complet de la façade."
    response = client_as("anonymous", api=True).post(
        "/api/v1/quotes/", {**QUOTE, "description": description}, format="json"
    )
    assert response.status_code == 201, response.json()
    quote = QuoteRequest.objects.get(reference=response.json()["reference"])
    assert quote.description == description  # RTL override, emoji, quotes: as typed
    page = client_as("advisor", api=False).get(f"/conseiller/demandes/{quote.reference}/")
    html = _page_html(page)
    assert page.status_code == 200
    assert ESCAPED in html and "<script>alert(1)" not in html
    assert "&#x27; OR 1=1 --" in html and "👍🏠" in html


def test_review_text_is_stored_and_rendered_escaped(client_as):
    from apps.reviews.models import Review

    title = "<script>alert(1)</script> ' OR 1=1 --"
    body = f"{HOSTILE} — chantier propre, délais tenus, enduit impeccable."
    response = client_as("anonymous", api=True).post(
        "/api/v1/reviews/", {**REVIEW, "title": title, "body": body}, format="json"
    )
    assert response.status_code == 201, response.json()
    review = Review.objects.get(pk=response.json()["id"])
    assert review.title == title
    # Format characters (the U+202E override that reverses what follows) are dropped on
    # purpose by the reviews context; everything else is kept as typed.
    assert review.body == body.replace("\u202e", "").replace("\u202c", "")
    page = client_as("moderator", api=False).get(f"/moderation/avis/{review.pk}/")
    html = _page_html(page)
    assert page.status_code == 200
    assert ESCAPED in html and "<script>alert(1)" not in html
    assert "👍🏠" in html


# --- CSV invitation import (API and back office page) ----------------------------------------

HEADER = b"customer_name,customer_email,work_description,work_date\n"
GOOD_ROW = b"Jean Client,jean.client@exemple.fr,Ravalement,2026-10-01\n"


def _png(width=40, height=30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


BAD_CSV = [
    pytest.param(b"", "Le fichier est vide.", id="empty"),
    pytest.param(HEADER, "aucun client", id="header-only"),
    pytest.param(b"nom,email\nJean,jean@exemple.fr\n", "Colonnes manquantes", id="columns"),
    pytest.param(
        HEADER + b"Jean\x00,jean@exemple.fr,x,2026-10-01\n", "pas un fichier CSV", id="nul"
    ),
    pytest.param(HEADER + b"\x81\x8d\x90,j@exemple.fr,x,2026-10-01\n", "Encodage", id="encoding"),
    pytest.param(HEADER + b'"Jean"x,j@exemple.fr,x,2026-10-01\n', "mal formé", id="quoting"),
    pytest.param(HEADER + b"x" * (2 * MB), "dépasse 2 Mo", id="over-2mb"),
    pytest.param(_png(), "pas un fichier CSV", id="png-named-csv"),
]


def _csv(content: bytes, name="clients.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.parametrize(("content", "message"), BAD_CSV)
def test_csv_import_api_refuses_a_malformed_file_whole(client_as, content, message):
    with nothing_stored():
        response = client_as("pro_owner", api=True).post(
            "/api/v1/review-requests/bulk/", {"file": _csv(content)}, format="multipart"
        )
    assert response.status_code == 400
    assert message in " ".join(response.json()["file"])


@pytest.mark.parametrize(("content", "message"), BAD_CSV)
def test_csv_import_page_refuses_a_malformed_file_whole(client_as, content, message):
    with nothing_stored():
        response = client_as("pro_owner", api=False).post(
            "/espace-pro/invitations/importer/", {"file": _csv(content)}
        )
    assert response.status_code == 400
    assert message in _page_html(response)


def test_csv_import_keeps_hostile_cells_as_text_and_renders_them_escaped(client_as):
    from apps.reviews.models import ReviewInvitation

    content = HEADER + (
        # (A formula without a link: links in the texts are refused, tests in apps/reviews.)
        b'<script>alert(1)</script>,script@exemple.fr,=HYPERLINK("x"),2026-10-01\n'
    )
    client = client_as("pro_owner", api=False)
    response = client.post(
        "/espace-pro/invitations/importer/", {"file": _csv(content, name="../../clients.csv")}
    )
    assert response.status_code == 200
    invitation = ReviewInvitation.objects.get(customer_email="script@exemple.fr")
    assert invitation.customer_name == "<script>alert(1)</script>"
    html = _page_html(client.get("/espace-pro/invitations/"))
    assert ESCAPED in html and "<script>alert(1)" not in html


# --- Picture uploads (review photos, pro logo and gallery) -----------------------------------


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _png_bomb() -> bytes:
    """A PNG whose header claims 50 000 x 50 000 pixels (2.5 billion) over a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + chunk(b"IEND", b"")
    )


BAD_IMAGES = [
    pytest.param("chantier.png", _png_bomb(), id="decompression-bomb"),
    pytest.param(
        "chantier.gif", b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=alert(1)//;", id="gif-js"
    ),
    pytest.param("devis.jpg", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + _jpeg(), id="pdf-jpeg"),
    pytest.param("chantier.jpg", _jpeg()[:300], id="truncated-jpeg"),
    pytest.param("../../x.jpg", b"<?php system($_GET['c']); ?>", id="php-traversal-name"),
    pytest.param(
        "../../x.jpg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        id="svg-traversal-name",
    ),
]


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.mark.parametrize(("name", "content"), BAD_IMAGES)
def test_review_photo_api_refuses_a_bad_picture(client_as, name, content):
    with nothing_stored():
        response = client_as("anonymous", api=True).post(
            "/api/v1/reviews/", {**REVIEW, "photos": [_upload(name, content)]}, format="multipart"
        )
    assert response.status_code == 400
    assert "Photo 1 :" in " ".join(response.json()["photos"])


@pytest.mark.parametrize(("name", "content"), BAD_IMAGES)
def test_review_photo_page_refuses_a_bad_picture(client_as, name, content):
    with nothing_stored():
        response = client_as("anonymous", api=False).post(
            REVIEW_PAGE_URL, {**REVIEW_PAGE, "photos": _upload(name, content)}
        )
    assert response.status_code == 400  # the form again, with the photo's error
    assert "Photo 1 :" in _page_html(response)


@pytest.mark.parametrize("action", ["logo", "photo"])
@pytest.mark.parametrize(("name", "content"), BAD_IMAGES)
def test_profile_picture_refuses_a_bad_picture(client_as, action, name, content):
    field = "logo" if action == "logo" else "image"
    with nothing_stored():
        response = client_as("pro_owner", api=False).post(
            "/espace-pro/profil/", {"action": action, field: _upload(name, content)}
        )
    assert response.status_code == 400  # the profile again, with the field's error
    html = _page_html(response)
    assert any(
        message in html
        for message in (
            "Transférez une image valide",
            "pas une image lisible",
            "Format non accepté",
            "Image trop grande",
        )
    ), html[html.find("logo") : html.find("logo") + 2000]


def test_picture_with_a_payload_is_stored_re_encoded_under_a_fresh_name(client_as):
    from apps.directory.models import ProPhoto

    payload = b"<?php system($_GET['c']); ?>"
    upload = _upload("../../shell.php.jpg", _jpeg() + payload)
    response = client_as("pro_owner", api=False).post(
        "/espace-pro/profil/", {"action": "photo", "image": upload, "caption": HOSTILE}
    )
    assert response.status_code == 302
    photo = ProPhoto.objects.latest("pk")
    assert ".." not in photo.image.name and "shell" not in photo.image.name
    with photo.image.open("rb") as stored:
        assert payload not in stored.read()


# --- CSV downloads: a cell that a spreadsheet would run as a formula is neutralised ----------

FORMULAS = [
    pytest.param('=HYPERLINK("http://x.example";"clic")', id="equals"),
    pytest.param("+33 6 12 34 56 78", id="plus"),
    pytest.param("-2+3+cmd|' /C calc'!A0", id="minus"),
    pytest.param("@SUM(1+1)*cmd|' /C calc'!A0", id="at"),
]


def _csv_cells(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


@pytest.mark.parametrize("formula", FORMULAS)
def test_network_export_neutralises_a_pro_name_formula(client_as, world, formula):
    from django.utils import timezone

    from apps.directory.models import ProProfile
    from apps.stats.models import LeadFact

    pro = ProProfile.objects.get(slug=world.ids["slug"])
    LeadFact.objects.create(  # a lead the network routed to its installer today
        lead_id=10**9,
        pro_id=pro.pk,
        organization_id=pro.organization_id,
        network_id=world.ids["network_id"],
        dispatched_at=timezone.now(),
    )
    ProProfile.objects.filter(pk=pro.pk).update(name=formula)
    cache.clear()
    cells = _csv_cells(
        client_as("network_manager", api=False).get("/espace-pro/statistiques/export.csv")
    )
    assert "'" + formula in cells
    assert formula not in cells


@pytest.mark.parametrize("formula", FORMULAS)
def test_sales_rep_export_neutralises_a_name_formula(client_as, world, formula):
    user = world.users["pro_sales_rep"]
    type(user).objects.filter(pk=user.pk).update(first_name=formula, last_name="")
    cache.clear()
    cells = _csv_cells(
        client_as("pro_sales_rep", api=False).get("/espace-pro/statistiques/export.csv")
    )
    assert any(cell.startswith("'" + formula) for cell in cells), cells
    assert not any(cell.startswith(formula) for cell in cells)
