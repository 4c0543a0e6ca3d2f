"""The monolith's pages when the reviews service does not answer (eldo.degraded): the home
page, a pro's profile and the landing pages still answer 200, the profile with the rating
the directory holds and « Avis momentanément indisponibles » in place of the list, and none
of these degraded pages is kept by the public response cache.
"""

from __future__ import annotations

import socket
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from apps.directory.tests.conftest import directory_data  # noqa: F401 (module-scoped fixture)
from apps.directory.tests.factories import make_pro
from apps.reviews.models import ReviewStatus
from apps.reviews.tests.factories import ReviewFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

UNAVAILABLE = "Avis momentanément indisponibles"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def reviews_down(settings):
    settings.PUBLIC_RESPONSE_CACHE_SECONDS = 600
    settings.FACADES_TOKEN = "a-facades-token-for-tests"  # pragma: allowlist secret
    settings.REMOTE_FACADES = {"reviews": f"http://127.0.0.1:{closed_port()}"}
    return settings


@pytest.fixture
def midi():
    pro = make_pro("Façades du Midi", departments=("31",), rating=(4.5, 12))
    for i in range(3):
        published = timezone.now() - timedelta(days=i + 2)
        ReviewFactory(
            pro_id=pro.pk,
            status=ReviewStatus.PUBLISHED,
            title=f"Ravalement numéro {i}",
            work_date=published.date(),
            published_at=published,
        )
    return pro


def text(response) -> str:
    return unescape(response.content.decode())


def test_the_profile_shows_the_directory_rating_and_says_reviews_are_unavailable(
    client, reviews_down, midi
):
    response = client.get(f"/pro/{midi.slug}/")
    assert response.status_code == 200
    html = text(response)
    assert UNAVAILABLE in html
    assert "Ravalement numéro" not in html
    assert "12 avis" in html  # the rating the directory holds
    assert "X-Response-Cache" not in response  # not stored
    assert "X-Response-Cache" not in client.get(f"/pro/{midi.slug}/")
    # Reviews back: the page is whole at once (the degraded one was never stored).
    reviews_down.REMOTE_FACADES = {}
    whole = client.get(f"/pro/{midi.slug}/")
    assert UNAVAILABLE not in text(whole)
    assert "Ravalement numéro 0" in text(whole)


def test_the_home_page_answers_without_the_reviews(client, reviews_down, midi):
    response = client.get("/")
    assert response.status_code == 200
    assert "Ravalement numéro" not in text(response)
    assert "X-Response-Cache" not in response
    reviews_down.REMOTE_FACADES = {}
    assert "Ravalement numéro 0" in text(client.get("/"))


def test_a_landing_page_answers_without_its_reviews_section(client, reviews_down, midi):
    url = "/artisans/facade/toulouse-31/"
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-section="reviews-nearby"' not in text(response)
    assert "X-Response-Cache" not in response
    reviews_down.REMOTE_FACADES = {}
    assert 'data-section="reviews-nearby"' in text(client.get(url))
