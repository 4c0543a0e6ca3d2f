"""The atomic throttles (apps.core.throttling): a burst of concurrent requests never gets
more than the limit through, the refusal says how long to wait, and a Redis outage fails
open. Runs on the local-memory cache (SQLite pass) and on Redis (services pass)."""

import threading
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache, caches
from django.test import RequestFactory
from rest_framework.throttling import SimpleRateThrottle as DrfSimpleRateThrottle

from apps.core.throttling import ScopedRateThrottle

LIMIT = 20
VIEW = SimpleNamespace(throttle_scope="review_report")


@pytest.fixture
def twenty_an_hour(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "review_report": f"{LIMIT}/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    saved = DrfSimpleRateThrottle.THROTTLE_RATES
    DrfSimpleRateThrottle.THROTTLE_RATES = rates
    cache.clear()
    yield
    DrfSimpleRateThrottle.THROTTLE_RATES = saved


def _request(address="203.0.113.7"):
    request = RequestFactory().post("/api/v1/reviews/1/reports/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


def test_a_concurrent_burst_gets_exactly_the_limit_through(twenty_an_hour):
    start = threading.Barrier(60)
    allowed = []

    def attempt():
        throttle = ScopedRateThrottle()
        start.wait()
        allowed.append(throttle.allow_request(_request(), VIEW))

    threads = [threading.Thread(target=attempt) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == LIMIT
    # Another client is not affected.
    assert ScopedRateThrottle().allow_request(_request("198.51.100.1"), VIEW)


def test_a_refusal_says_how_long_to_wait(twenty_an_hour):
    for _ in range(LIMIT):
        assert ScopedRateThrottle().allow_request(_request(), VIEW)
    refused = ScopedRateThrottle()
    assert not refused.allow_request(_request(), VIEW)
    assert 3500 < refused.wait() <= 3600


def test_the_throttle_fails_open_while_redis_is_down(twenty_an_hour, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    try:
        assert all(ScopedRateThrottle().allow_request(_request(), VIEW) for _ in range(LIMIT + 5))
    finally:
        caches["default"].close()
