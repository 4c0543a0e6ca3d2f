"""The public response cache (apps.core.pagecache): a hit costs one cache round trip once
the process knows the entry's generations, and generations still invalidate on that path.

Runs on the local-memory cache in the SQLite pass and on Redis in the services pass."""

import pickle
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory

from apps.core import pagecache
from apps.core.pagecache import (
    cache_depends,
    cache_skip,
    generations_bump,
    public_response_cache,
)

GENERATIONS = ["tests:listing", "tests:pro:42"]
DEPENDS_ON = list(GENERATIONS)


@public_response_cache
def listing(request):
    cache_depends(request, *DEPENDS_ON)
    return HttpResponse("liste", content_type="text/html")


def _get(path="/liste/"):
    return listing(RequestFactory().get(path, HTTP_ACCEPT="text/html"))


class _CountingCache:
    """The cache, recording each call made through it: on Redis, a round trip each."""

    def __init__(self, inner):
        self._inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args, **kwargs):
            # On Redis, reads go through the process's copies of the keys: still one read.
            self.calls.append(name.removesuffix("_near"))
            return attr(*args, **kwargs)

        return counted


@pytest.fixture
def cache_calls(monkeypatch):
    monkeypatch.setattr(pagecache, "_known_names", {})  # a fresh worker
    counting = _CountingCache(pagecache.cache)
    monkeypatch.setattr(pagecache, "cache", counting)
    return counting.calls


def test_a_hit_whose_generations_are_known_costs_one_cache_call(cache_calls):
    assert _get()["X-Response-Cache"] == "miss"
    cache_calls.clear()
    response = _get()
    assert response["X-Response-Cache"] == "hit"
    assert response.content == b"liste"
    assert cache_calls == ["get_many"]


def _on_redis() -> bool:
    return hasattr(caches["default"], "get_many_near")


@pytest.mark.skipif("not _on_redis()", reason="the copies are kept on Redis only")
def test_on_redis_a_steady_hit_makes_no_round_trip_and_a_change_elsewhere_misses_at_once(
    monkeypatch,
):
    backend = caches["default"]
    round_trips: list[str] = []
    get_client = backend._cache.get_client

    def counted_get_client(*args, **kwargs):
        round_trips.append("redis")
        return get_client(*args, **kwargs)

    monkeypatch.setattr(backend._cache, "get_client", counted_get_client)
    assert _get()["X-Response-Cache"] == "miss"
    _get()  # the entry and its generations are now copied in this process
    round_trips.clear()
    assert _get()["X-Response-Cache"] == "hit"
    assert round_trips == []

    # Another process bumps a generation: it writes to Redis, not to these copies.
    other_process = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    other_process.set(backend.make_key("gen:tests:pro:42"), pickle.dumps("autre-jeton"))
    other_process.close()
    assert _get()["X-Response-Cache"] == "miss"


def test_a_worker_that_did_not_store_the_entry_learns_its_generations(cache_calls, monkeypatch):
    _get()
    monkeypatch.setattr(pagecache, "_known_names", {})  # as another worker sees it
    cache_calls.clear()
    assert _get()["X-Response-Cache"] == "hit"
    assert cache_calls == ["get_many", "get_many"]  # the entry, then its generations
    cache_calls.clear()
    assert _get()["X-Response-Cache"] == "hit"
    assert cache_calls == ["get_many"]


@pytest.mark.parametrize("name", GENERATIONS)
def test_a_bumped_generation_invalidates_on_the_one_call_path(cache_calls, name):
    _get()
    assert _get()["X-Response-Cache"] == "hit"
    generations_bump([name])
    cache_calls.clear()
    assert _get()["X-Response-Cache"] == "miss"  # rebuilt and stored again
    assert cache_calls[0] == "get_many"  # the one-call path answered "stale"
    assert _get()["X-Response-Cache"] == "hit"


def test_a_missing_generation_is_a_mismatch(cache_calls):
    _get()
    assert _get()["X-Response-Cache"] == "hit"
    pagecache.cache.delete(pagecache.GENERATION_PREFIX + "tests:pro:42")  # evicted
    assert _get()["X-Response-Cache"] == "miss"
    assert _get()["X-Response-Cache"] == "hit"


def test_an_entry_rebuilt_on_more_generations_is_checked_against_its_own(cache_calls, monkeypatch):
    monkeypatch.setattr(f"{__name__}.DEPENDS_ON", ["tests:listing"])
    _get()
    known_here = dict(pagecache._known_names)
    # Another worker rebuilds the entry on one generation more...
    generations_bump(["tests:listing"])
    monkeypatch.setattr(f"{__name__}.DEPENDS_ON", GENERATIONS)
    assert _get()["X-Response-Cache"] == "miss"
    # ...while this one still knows the old list of names.
    monkeypatch.setattr(pagecache, "_known_names", known_here)
    assert _get()["X-Response-Cache"] == "hit"
    monkeypatch.setattr(pagecache, "_known_names", known_here.copy())
    generations_bump(["tests:pro:42"])
    assert _get()["X-Response-Cache"] == "miss"


def test_the_known_names_are_bounded(cache_calls, monkeypatch):
    monkeypatch.setattr(pagecache, "KNOWN_ENTRIES_MAX", 3)
    for page in range(5):
        _get(f"/liste/?page={page}")
    assert len(pagecache._known_names) == 3
    cache_calls.clear()
    assert _get("/liste/?page=4")["X-Response-Cache"] == "hit"
    assert cache_calls == ["get_many"]


@contextmanager
def _redis_down(settings):
    """The default cache is Redis on a port where nothing listens, for the block."""
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    try:
        yield
    finally:
        caches["default"].close()


def test_with_redis_down_known_entries_are_served_uncached(cache_calls, settings):
    _get()
    assert _get()["X-Response-Cache"] == "hit"
    with _redis_down(settings):
        for _ in range(2):
            response = _get()
            assert response.status_code == 200 and response.content == b"liste"
            assert "X-Response-Cache" not in response  # neither served nor stored


@public_response_cache
def degraded_listing(request):
    cache_depends(request, *DEPENDS_ON)
    cache_skip(request)  # a part of the page is missing
    return HttpResponse("liste sans les avis", content_type="text/html")


def test_a_degraded_response_is_not_stored(cache_calls):
    request = RequestFactory().get("/liste-degradee/", HTTP_ACCEPT="text/html")
    assert "X-Response-Cache" not in degraded_listing(request)
    assert "set" not in cache_calls
    again = RequestFactory().get("/liste-degradee/", HTTP_ACCEPT="text/html")
    assert "X-Response-Cache" not in degraded_listing(again)


# --- A piece of a signed-in page ------------------------------------------------------------


def _fragment(builds: list[str], key: str = "pro:7 du 1er au 30") -> str:
    def build() -> str:
        builds.append(key)
        return f"<p>{len(builds)} calculs</p>"

    return pagecache.cached_fragment(GENERATIONS, key, build)


def test_a_fragment_is_built_once_until_a_generation_it_reads_is_bumped(cache_calls):
    builds: list[str] = []
    assert _fragment(builds) == _fragment(builds) == "<p>1 calculs</p>"
    assert _fragment(builds, key="pro:7 du 1er au 31") == "<p>2 calculs</p>"  # another key
    generations_bump(["tests:pro:42"])
    assert _fragment(builds) == "<p>3 calculs</p>"
    generations_bump(["tests:other"])  # not one it reads
    assert _fragment(builds) == "<p>3 calculs</p>"


def test_with_redis_down_a_fragment_is_built_each_time_and_not_stored(cache_calls, settings):
    builds: list[str] = []
    _fragment(builds)
    with _redis_down(settings):
        cache_calls.clear()
        assert _fragment(builds) == "<p>2 calculs</p>"
        assert _fragment(builds) == "<p>3 calculs</p>"
        assert "set" not in cache_calls


def test_an_empty_piece_or_a_zero_is_kept_like_any_other_value(cache_calls):
    """A section with nothing to show renders "": it is kept too, not rebuilt each time
    (a backend may answer falsy values as misses)."""
    builds: list[str] = []

    def build(value):
        def run():
            builds.append("built")
            return value

        return run

    for value in ("", 0, None, {"pros": 0}):
        builds.clear()
        key = f"vide:{value!r}"
        assert pagecache.cached_value(GENERATIONS, key, build(value)) == value
        assert pagecache.cached_value(GENERATIONS, key, build(value)) == value
        assert builds == ["built"], value
