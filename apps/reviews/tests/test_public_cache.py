"""Cached pages that show reviews (apps.core.pagecache): a review published, answered,
reported or withdrawn shows on the next request to the profile, the pro's API list, the
latest feed, /avis/ and the home page, because the handlers of the reviews events bump
the generations these pages were built on.

Runs on the local-memory cache in the SQLite pass and on Redis in the services pass."""

import pytest

from apps.core.privacy import email_digest
from apps.reviews import caching
from apps.reviews.models import Review
from apps.reviews.services import (
    review_moderate,
    review_reply_create,
    review_report_create,
)
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db

BODY = "Ravalement impeccable, équipe ponctuelle et chantier laissé propre chaque soir."


def _pages(pro) -> list[str]:
    return [
        f"/pro/{pro.slug}/",
        f"/api/v1/pros/{pro.slug}/reviews/",
        "/api/v1/reviews/latest/",
        "/avis/",
        "/",
    ]


def test_a_published_review_shows_on_every_cached_page(
    client, pro, committed, django_assert_num_queries
):
    for url in _pages(pro):
        assert client.get(url)["X-Response-Cache"] == "miss"
        with django_assert_num_queries(0):
            assert client.get(url)["X-Response-Cache"] == "hit"

    with committed():
        submit_invited(pro, body=BODY)

    for url in _pages(pro):
        response = client.get(url)
        assert response["X-Response-Cache"] == "miss", url
        assert "Ravalement impeccable" in response.content.decode(), url


def test_a_reply_a_report_and_a_withdrawal_show_at_once(
    client, pro, owner, homeowner, moderator, committed
):
    with committed():
        review = submit_invited(pro, body=BODY)
    profile = f"/pro/{pro.slug}/"
    client.get(profile)

    with committed():
        review_reply_create(review_id=review.pk, user_id=owner.pk, body="Merci pour votre avis !")
    assert "Merci pour votre avis" in client.get(profile).content.decode()

    with committed():
        review_report_create(review_id=review.pk, user_id=homeowner.pk, reason="not_a_customer")
    assert "en cours de vérification" in client.get(profile).content.decode().lower()

    with committed():
        review_moderate(
            review_id=review.pk,
            moderator_id=moderator.pk,
            decision="reject",
            reason="not_an_experience",
        )
    assert "Ravalement impeccable" not in client.get(profile).content.decode()
    assert "Ravalement impeccable" not in client.get("/api/v1/reviews/latest/").content.decode()


def test_the_reviews_list_of_another_pro_stays_cached(client, pro, other_pro, committed):
    url = f"/api/v1/pros/{other_pro.slug}/reviews/"
    client.get(url)
    with committed():
        submit_invited(pro, body=BODY)
    assert client.get(url)["X-Response-Cache"] == "hit"


def test_an_erased_author_disappears_from_the_cached_pages(client, pro, committed):
    from apps.reviews.privacy import reviews_erase_author

    with committed():
        review = submit_invited(pro, email="jeanne@exemple.fr", body=BODY)
    Review.objects.filter(pk=review.pk).update(author_name="Jeanne-Émilienne")
    with committed():
        caching.public_reviews_changed(pro_id=pro.pk)  # the name change above, published
    for url in _pages(pro):
        assert "Jeanne-Émilienne" in client.get(url).content.decode(), url

    with committed():
        reviews_erase_author(user_id=None, email_sha256=email_digest("jeanne@exemple.fr"))

    for url in _pages(pro):
        assert "Jeanne-Émilienne" not in client.get(url).content.decode(), url
