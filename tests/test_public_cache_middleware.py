"""A hit of the public response cache is answered before the middleware that serve people
(apps.core.pagecache.PublicCacheMiddleware), with the headers of any answer, counted in the
HTTP metrics; a miss, a signed-in visitor and credentials take the whole stack.

Runs on the local-memory cache in the SQLite pass and on Redis in the services pass."""

import pytest
from django.test import Client
from prometheus_client import REGISTRY

from apps.core import pagecache
from apps.directory.tests.conftest import directory_data  # noqa: F401 (module fixture)
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

PROFILE = "/pro/facades-du-midi/"
HIT = "apps.core.pagecache.PublicCacheMiddleware"
# Headers that differ from one answer to the next whatever serves it.
PER_ANSWER = {"X-Request-ID", "Date"}


def _headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_ANSWER}


@pytest.fixture
def pro():
    return make_pro("Façades du Midi", departments=("31",))


@pytest.mark.parametrize(
    "url", ["/", "/artisans/facade/toulouse/", PROFILE, "/api/v1/pros/facades-du-midi/"]
)
def test_a_hit_answers_with_the_headers_the_whole_stack_gives_it(pro, settings, url):
    client = Client(headers={"x-forwarded-proto": "https"})
    first = client.get(url)
    assert first["X-Response-Cache"] == "miss"
    early = client.get(url)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != HIT]
    whole_stack = client.get(url)

    assert early["X-Response-Cache"] == whole_stack["X-Response-Cache"] == "hit"
    assert early.content == whole_stack.content == first.content
    assert _headers(early) == _headers(whole_stack)
    assert (
        early["Content-Language"] == "fr" and "frame-ancestors" in early["Content-Security-Policy"]
    )


def _count(view: str, status: str = "200") -> float:
    labels = {"status": status, "view": view, "method": "GET"}
    return (
        REGISTRY.get_sample_value("django_http_responses_total_by_status_view_method_total", labels)
        or 0.0
    )


def test_a_hit_is_counted_in_the_http_metrics_under_its_route(client, pro):
    client.get(PROFILE)
    before = _count("pro-profile")
    assert client.get(PROFILE)["X-Response-Cache"] == "hit"
    assert _count("pro-profile") == before + 1


def test_a_miss_looks_the_entry_up_once(client, pro, monkeypatch):
    lookups = []
    real = pagecache._entry_lookup
    monkeypatch.setattr(pagecache, "_entry_lookup", lambda key: lookups.append(key) or real(key))
    assert client.get(PROFILE)["X-Response-Cache"] == "miss"
    assert len(lookups) == 1
    assert client.get(PROFILE)["X-Response-Cache"] == "hit"
    assert len(lookups) == 2


def test_a_signed_in_visitor_takes_the_whole_stack(client, pro, django_user_model):
    client.get(PROFILE)
    user = django_user_model.objects.create_user(email="lea@example.fr", password="x")
    client.force_login(user)
    response = client.get(PROFILE)
    assert "X-Response-Cache" not in response
    assert response["Cache-Control"] == "private, no-store"


def test_an_answer_to_a_partner_key_is_still_private(client, pro):
    client.get("/api/v1/pros/facades-du-midi/")
    response = client.get("/api/v1/pros/facades-du-midi/", HTTP_X_API_KEY="cle-partenaire")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"  # no shared cache keeps it


def test_a_path_is_resolved_once_then_remembered(pro, monkeypatch):
    resolved = []
    real = pagecache.resolve
    monkeypatch.setattr(pagecache, "resolve", lambda *a: resolved.append(a[0]) or real(*a))
    client = Client(headers={"x-forwarded-proto": "https"})
    assert client.get(PROFILE)["X-Response-Cache"] == "miss"
    for _ in range(3):
        assert client.get(PROFILE)["X-Response-Cache"] == "hit"
    assert client.get("/page-qui-n-existe-pas/").status_code == 404
    assert client.get("/page-qui-n-existe-pas/").status_code == 404
    assert resolved == [PROFILE, "/page-qui-n-existe-pas/"]


def test_the_remembered_paths_are_bounded_the_oldest_going_first(pro, monkeypatch):
    monkeypatch.setattr(pagecache.PublicCacheMiddleware, "RESOLVED_MAX", 3)
    resolved = []
    real = pagecache.resolve
    monkeypatch.setattr(pagecache, "resolve", lambda *a: resolved.append(a[0]) or real(*a))
    client = Client(headers={"x-forwarded-proto": "https"})
    for path in ("/inconnue-0/", "/inconnue-1/", PROFILE, "/inconnue-2/", "/inconnue-3/"):
        client.get(path)
    resolved.clear()
    client.get("/inconnue-3/")  # among the last three: remembered
    client.get("/inconnue-0/")  # the oldest: forgotten, resolved again
    assert resolved == ["/inconnue-0/"]


SEARCH = "/artisans/?category=facade&postcode=31000"


def test_a_query_is_one_entry_whatever_the_order_of_its_parameters(pro):
    client = Client(headers={"x-forwarded-proto": "https"})
    assert client.get(SEARCH)["X-Response-Cache"] == "miss"
    assert client.get("/artisans/?postcode=31000&category=facade")["X-Response-Cache"] == "hit"
    # A parameter the page does not read: served, not cached, however often it is seen.
    for _ in range(2):
        answer = client.get(SEARCH + "&utm_source=lettre")
        assert answer.status_code == 200 and "X-Response-Cache" not in answer


def test_the_remembered_queries_are_bounded_the_oldest_going_first(pro, monkeypatch):
    monkeypatch.setattr(pagecache, "QUERIES_MAX", 2)
    monkeypatch.setattr(pagecache, "_queries", {})
    client = Client(headers={"x-forwarded-proto": "https"})
    for postcode in ("31000", "31100", "31200"):
        client.get(f"/artisans/?category=facade&postcode={postcode}")
    assert list(pagecache._queries) == [
        "category=facade&postcode=31100",
        "category=facade&postcode=31200",
    ]


def test_hits_of_two_routes_are_counted_each_under_its_own(client, pro):
    client.get(PROFILE)
    client.get(SEARCH)
    profile, search = _count("pro-profile"), _count("directory:search")
    assert client.get(PROFILE)["X-Response-Cache"] == "hit"
    assert client.get(SEARCH)["X-Response-Cache"] == "hit"
    assert client.get(SEARCH)["X-Response-Cache"] == "hit"
    assert (_count("pro-profile"), _count("directory:search")) == (profile + 1, search + 2)
