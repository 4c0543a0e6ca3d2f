"""Two pytest-xdist workers never share a Redis database or a directory: one worker's
FLUSHDB, throttle counters or files would otherwise change what the other's tests see."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests import parallel


def test_each_worker_adds_its_number_to_the_redis_database():
    assert parallel.redis_url_for_worker("redis://127.0.0.1:6379/15", 0).endswith(":6379/15")
    assert parallel.redis_url_for_worker("redis://127.0.0.1:6379/15", 1).endswith(":6379/0")
    assert parallel.redis_url_for_worker("redis://:pw@redis:6379", 2) == "redis://:pw@redis:6379/2"


def test_django_reads_the_settings_of_this_worker():
    worker = parallel.worker_id()
    if worker is None:
        pytest.skip("only in a pytest-xdist worker (make test runs the suite with -n)")
    assert settings.VAR_DIR.name == worker
    if settings.REDIS_URL:
        workers_url = os.environ["REDIS_URL"]
        assert settings.CACHES["default"]["LOCATION"] == workers_url
        broker = settings.CELERY_BROKER_URL
        assert broker == workers_url
