"""The pro's permanent review link, its QR code (PNG, SVG) and the printable A5 flyer: the
QR decodes to the link, the flyer is one valid page, reviews through the link are
"collectés" and pass the collected-review checks, an unpublished pro is a 404."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from apps.accounts.tests.factories import PASSWORD
from apps.directory.tests.factories import make_pro
from apps.reviews.models import Review, ReviewLabel, ReviewSource, ReviewStatus
from apps.reviews.tests.support import token_in, work_date

pytestmark = pytest.mark.django_db

PAGE = "/espace-pro/invitations/lien-permanent/"


def _form(**overrides) -> dict:
    return {
        "rating": "5",
        "title": "Réfection façade",
        "body": "Chantier propre, délais tenus, enduit impeccable : nous sommes ravis.",
        "work_category": "facade",
        "work_date": work_date(25),
        "author_name": "Jeanne",
        "author_email": "jeanne@exemple.fr",
        "author_postcode": "31000",
        "certify": "on",
        **overrides,
    }


def _decoded(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.fixture
def signed_in(client, owner):
    client.login(username=owner.email, password=PASSWORD)
    return client


def test_the_sticker_decodes_to_the_pros_permanent_link(signed_in, pro, settings):
    response = signed_in.get(PAGE + "qr-code.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert _decoded(response.content) == [f"{settings.SITE_URL}/avis/laisser/{pro.slug}/"]


def test_the_page_shows_the_link_and_the_downloads(signed_in, pro, settings):
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{settings.SITE_URL}/avis/laisser/{pro.slug}/" in body
    for suffix in ("qr-code.png", "qr-code.svg", "flyer.pdf"):
        assert PAGE + suffix in body
    assert PAGE in signed_in.get("/espace-pro/invitations/").content.decode()


def test_the_svg_sticker_is_a_scalable_qr_code(signed_in, pro):
    response = signed_in.get(PAGE + "qr-code.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith((b"<?xml", b"<svg"))
    assert b"<path" in response.content


def test_the_flyer_is_one_valid_a5_page_with_the_link(signed_in, pro, settings):
    response = signed_in.get(PAGE + "flyer.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content), strict=True)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in page.mediabox.upper_right)
    assert (round(width_mm), round(height_mm)) == (148, 210)
    text = page.extract_text()
    assert pro.name in text
    assert f"/avis/laisser/{pro.slug}/" in text.replace("\n", "")
    images = list(page.images)
    assert len(images) == 1
    png = io.BytesIO()
    images[0].image.convert("L").save(png, format="PNG")
    assert _decoded(png.getvalue()) == [f"{settings.SITE_URL}/avis/laisser/{pro.slug}/"]


def test_another_companys_member_or_a_stranger_gets_nothing(client, other_owner, homeowner, pro):
    assert client.get(PAGE).status_code == 302  # sign in first
    client.login(username=homeowner.email, password=PASSWORD)
    for suffix in ("", "qr-code.png", "qr-code.svg", "flyer.pdf"):
        assert client.get(PAGE + suffix).status_code == 404


def test_an_unpublished_pro_has_neither_link_nor_qr_code(client, pro, owner):
    pro.is_published = False
    pro.save(update_fields=["is_published"])
    assert client.get(f"/avis/laisser/{pro.slug}/").status_code == 404
    assert client.post(f"/avis/laisser/{pro.slug}/", _form()).status_code == 404
    client.login(username=owner.email, password=PASSWORD)
    for suffix in ("", "qr-code.png", "qr-code.svg", "flyer.pdf"):
        assert client.get(PAGE + suffix).status_code == 404
    assert not Review.objects.exists()


def test_an_unknown_slug_is_a_404(client, pro):
    assert client.get("/avis/laisser/personne/").status_code == 404


def test_a_review_through_the_link_is_collected_confirmed_then_checked(
    client, pro, committed, mailoutbox, settings
):
    page = client.get(f"/avis/laisser/{pro.slug}/")
    assert page.status_code == 200
    note = "votre avis portera la mention « avis collecté par l'entreprise »"
    assert note in page.content.decode()
    with committed():
        response = client.post(f"/avis/laisser/{pro.slug}/", _form())
    assert response.status_code == 302
    assert response["Location"] == "/avis/merci/confirmation/"
    review = Review.objects.get()
    assert (review.source, review.label) == (ReviewSource.LINK, ReviewLabel.COLLECTED)
    assert review.status == ReviewStatus.PENDING and review.email_confirmed_at is None
    # One of the pro's first collected reviews: read by a moderator after confirmation.
    assert "collected_first" in review.check_flags
    token = token_in(mailoutbox[0].body, "/avis/confirmation/")
    with committed():
        assert client.post(f"/avis/confirmation/{token}/").status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING and review.email_confirmed_at is not None


def test_past_the_first_ten_an_unsampled_link_review_is_published_once_confirmed(
    client, pro, committed, mailoutbox, settings
):
    settings.REVIEWS_COLLECTED_FIRST_MODERATED = 0
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 0
    with committed():
        client.post(f"/avis/laisser/{pro.slug}/", _form())
    review = Review.objects.get()
    assert review.check_flags == [] and review.status == ReviewStatus.PENDING
    token = token_in(mailoutbox[0].body, "/avis/confirmation/")
    with committed():
        response = client.post(f"/avis/confirmation/{token}/")
    assert response["Location"] == "/avis/merci/publie/"
    review.refresh_from_db()
    assert review.status == ReviewStatus.PUBLISHED and review.published_at is not None
    assert Review.objects.filter(pk=review.pk, label=ReviewLabel.COLLECTED).exists()


def test_the_sample_holds_link_reviews_too(client, pro, committed, settings):
    settings.REVIEWS_COLLECTED_FIRST_MODERATED = 0
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 100
    with committed():
        client.post(f"/avis/laisser/{pro.slug}/", _form())
    assert Review.objects.get().check_flags == ["collected_sample"]


def test_one_link_review_per_customer_and_pro(client, pro, committed):
    with committed():
        assert client.post(f"/avis/laisser/{pro.slug}/", _form()).status_code == 302
        again = client.post(
            f"/avis/laisser/{pro.slug}/", _form(body="Encore un avis, tout aussi enthousiaste !")
        )
    assert again.status_code == 400
    assert Review.objects.count() == 1


def test_a_link_review_is_not_published_before_its_author_confirms(client, pro, settings):
    settings.REVIEWS_COLLECTED_FIRST_MODERATED = 0
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 0
    client.post(f"/avis/laisser/{pro.slug}/", _form())
    review = Review.objects.get()
    assert review.status == ReviewStatus.PENDING
    assert not Review.objects.filter(status=ReviewStatus.PUBLISHED).exists()


def test_another_pro_link_is_independent(client, pro, directory_data):
    other = make_pro("Toitures Occitanes", departments=("31",), trades=("toiture",))
    assert client.get(f"/avis/laisser/{other.slug}/").status_code == 200
