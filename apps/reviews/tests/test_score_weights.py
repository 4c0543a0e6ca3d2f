"""The ranking score weighs Eldo-verified reviews above collected and spontaneous ones; the
weights are settings, published on the how-it-works page."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from apps.directory.tests.factories import make_pro
from apps.reviews.models import InvitationSource, ProReviewStats
from apps.reviews.proofs import proof_token
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db

BODY_A = "Excellent ravalement, équipe soigneuse et délais tenus du début à la fin."
BODY_B = "Très belle peinture des volets, chantier propre, je recommande sans hésiter."


@pytest.fixture(autouse=True)
def _collected_published_at_once(settings, tmp_path, monkeypatch):
    # Collected reviews go online without a moderator here (no sampling, and answering an
    # invitation at once is fine): only the score is looked at.
    monkeypatch.setattr("apps.reviews.checks.QUICK_ANSWER", timedelta(0))
    settings.REVIEWS_COLLECTED_FIRST_MODERATED = 0
    settings.REVIEWS_COLLECTED_SAMPLE_PERCENT = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": tmp_path}},
    }


def _score(pro) -> float:
    return ProReviewStats.objects.get(pro_id=pro.id).score


def _three_average_reviews(pro, committed):
    with committed():
        for i in range(3):
            submit_invited(
                pro,
                email=f"{pro.slug}.{i}@orange.fr",
                rating=3,
                body=f"Chantier correct chez {pro.slug}, numéro {i}, quelques retards.",
            )


def test_a_verified_review_moves_the_score_more_than_a_collected_one(
    pro, other_pro, committed, directory_data
):
    third = make_pro("Peintures du Lauragais", trades=("peinture",))
    for each in (pro, other_pro, third):
        _three_average_reviews(each, committed)
    before = _score(pro)
    assert before == _score(other_pro) == _score(third)

    with committed():
        verified = submit_invited(pro, email="v@orange.fr", rating=5, body=BODY_A)
        collected = submit_invited(
            other_pro, email="c@orange.fr", rating=5, source=InvitationSource.SINGLE, body=BODY_B
        )
    assert (verified.label, verified.status) == ("verified", "published")
    assert (collected.label, collected.status) == ("collected", "published")

    assert _score(pro) > _score(other_pro) > before
    # The displayed average counts every review once, whatever its label.
    stats = ProReviewStats.objects.in_bulk([pro.id, other_pro.id])
    assert stats[pro.id].average == stats[other_pro.id].average


def test_the_weights_are_settings(pro, other_pro, committed, settings):
    settings.REVIEWS_SCORE_WEIGHTS = {"verified": 100, "collected": 100, "spontaneous": 100}
    for each in (pro, other_pro):
        _three_average_reviews(each, committed)
    with committed():
        submit_invited(pro, email="v@orange.fr", rating=5, body=BODY_A)
        submit_invited(
            other_pro, email="c@orange.fr", rating=5, source=InvitationSource.SINGLE, body=BODY_B
        )
    assert _score(pro) == _score(other_pro)


def test_an_accepted_proof_raises_the_weight_of_a_published_review(
    api, as_user, moderator, pro, committed
):
    _three_average_reviews(pro, committed)
    with committed():
        review = submit_invited(pro, email="b@orange.fr", rating=5, source=InvitationSource.SINGLE)
    before = _score(pro)
    writer, buffer = PdfWriter(), BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    upload = SimpleUploadedFile("facture.pdf", buffer.getvalue(), "application/pdf")
    response = api.post(
        f"/api/v1/reviews/{review.pk}/proof/",
        {"token": proof_token(review), "file": upload},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    with committed():
        decided = as_user(moderator).post(
            f"/api/v1/moderation/reviews/{review.pk}/proofs/{response.json()['id']}/decision/",
            {"decision": "accept"},
            format="json",
        )
    assert decided.status_code == 200
    assert _score(pro) > before


def test_the_how_it_works_page_publishes_the_weights(client, settings):
    html = client.get("/avis/comment-ca-marche/").content.decode()
    assert "Avis vérifié : <strong>100 %</strong>" in html
    assert "Avis collecté par l&#x27;entreprise : <strong>50 %</strong>" in html
    assert "Avis spontané : <strong>60 %</strong>" in html
    settings.REVIEWS_SCORE_WEIGHTS = {"verified": 100, "collected": 40, "spontaneous": 70}
    html = client.get("/avis/comment-ca-marche/").content.decode()
    assert "Avis collecté par l&#x27;entreprise : <strong>40 %</strong>" in html
