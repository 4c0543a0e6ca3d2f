"""Public lists and landing pages run the same number of queries whatever their size.

Each case renders the same URL with few and with many rows and compares the counts. The
response cache (apps.core.pagecache) is off, so every request is a real render: a cached
page would run no query at all and prove nothing.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.directory.models import Category
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


@pytest.fixture(autouse=True)
def _every_request_renders(settings):
    settings.PUBLIC_RESPONSE_CACHE_SECONDS = 0


def _measured(client, url: str, params: dict | None = None) -> tuple[int, object]:
    """(queries, response) of one request with a cold cache, as after a deploy or a bump."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    assert response.get("X-Response-Cache") != "hit"
    return len(queries), response


def _pros(count: int, *, start: int = 0) -> None:
    """Façade pros around Toulouse, with what a list shows: rating and labels."""
    for i in range(start, start + count):
        make_pro(
            f"Façades Toulousaines {i}",
            departments=("31",),
            rating=(4.0 + (i % 10) / 10, 3 + i),
            certifications=(("rge", 100), ("qualibat", 100)),
            verified=i % 2 == 0,
        )


@pytest.fixture
def warm(client):
    """One request first: the process-wide caches (content types…) of a running server."""
    client.get("/api/v1/categories/")
    return client


def test_category_list_does_not_grow_with_the_number_of_categories(warm):
    few, response = _measured(warm, "/api/v1/categories/", {"page_size": 2})
    assert len(response.json()["results"]) == 2

    parent = Category.objects.get(slug="facade")
    Category.objects.bulk_create(
        Category(slug=f"facade-variante-{i}", name=f"Façade variante {i}", parent=parent)
        for i in range(30)
    )
    many, response = _measured(warm, "/api/v1/categories/", {"page_size": 100})
    results = response.json()["results"]
    assert len(results) >= 55
    assert sum(1 for c in results if c["parent"] == "facade") >= 30

    assert few == many


def test_commune_autocomplete_does_not_grow_with_the_number_of_matches(warm):
    # One commune (a single postcode) against a full page of them (several postcodes each).
    few, response = _measured(warm, "/api/v1/communes/", {"q": "Perpignan"})
    assert [c["name"] for c in response.json()] == ["Perpignan"]

    many, response = _measured(warm, "/api/v1/communes/", {"q": "Saint"})
    communes = response.json()
    assert len(communes) == 10
    assert sum(len(c["postcodes"]) for c in communes) >= 10

    assert few == many


@pytest.mark.parametrize("url", ["/artisans/facade/", "/artisans/facade/toulouse-31/"])
def test_landing_pages_do_not_grow_with_the_number_of_pros(warm, url):
    _pros(2)
    few, response = _measured(warm, url)
    assert response.content.decode().count("Façades Toulousaines") >= 2

    _pros(28, start=2)
    many, response = _measured(warm, url)
    html = response.content.decode()
    assert "30 professionnels" in html
    assert 'rel="next"' in html  # a full page, and more behind it

    assert few == many
