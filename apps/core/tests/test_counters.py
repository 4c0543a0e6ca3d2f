"""Counters: no database write per increment; a flush publishes the totals once."""

import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core import counters
from apps.core.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_increments_touch_no_database_and_a_flush_publishes_the_totals(
    django_capture_on_commit_callbacks,
):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            counters.counter_incr("directory.ProProfileViewed", 12)
        counters.counter_incr("directory.ProProfileViewed", 7, amount=2)
        counters.counter_incr_many("directory.SearchImpression", [12, 7, 12])
    assert len(queries) == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert counters.counters_flush() == 2
    events = {e.payload["counter"]: e.payload for e in OutboxEvent.objects.all()}
    assert events["directory.ProProfileViewed"]["counts"] == {"12": 5, "7": 2}
    assert events["directory.SearchImpression"]["counts"] == {"12": 2, "7": 1}

    # Nothing counted twice: a second flush has nothing to publish.
    assert counters.counters_flush() == 0
    assert OutboxEvent.objects.count() == 2


def test_with_redis_unreachable_counts_are_buffered_not_lost(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(counters, "_redis_client", None)
    counters.counter_incr("directory.ProProfileViewed", 3)
    monkeypatch.setattr(counters, "_redis_client", None)
    settings.REDIS_URL = ""
    assert counters.counters_flush() == 1
    event = OutboxEvent.objects.get()
    assert event.payload["counts"] == {"3": 1}


def test_with_redis_configured_counting_makes_no_network_call(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    def no_redis_on_the_request_path():
        raise AssertionError("counting reached for Redis")

    monkeypatch.setattr(counters, "_redis", no_redis_on_the_request_path)
    counters.counter_incr("directory.ProProfileViewed", 3)
    counters.counter_incr_many("directory.SearchImpression", [3, 4])
    assert counters._drain_buffer() == {
        ("directory.ProProfileViewed", counters._today()): {"3": 1},
        ("directory.SearchImpression", counters._today()): {"3": 1, "4": 1},
    }


def test_a_failed_push_keeps_the_amounts_for_the_next(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens
    monkeypatch.setattr(counters, "_redis_client", None)
    counters.counter_incr("directory.ProProfileViewed", 3, amount=2)
    counters.counter_incr_many("directory.SearchImpression", [3, 4])
    assert counters._push() is False
    counters.counter_incr("directory.ProProfileViewed", 3)
    assert counters._push() is False  # retried: still nothing lost, nothing doubled
    monkeypatch.setattr(counters, "_redis_client", None)
    settings.REDIS_URL = ""
    assert counters.counters_flush() == 2
    counts = {e.payload["counter"]: e.payload["counts"] for e in OutboxEvent.objects.all()}
    assert counts == {
        "directory.ProProfileViewed": {"3": 3},
        "directory.SearchImpression": {"3": 1, "4": 1},
    }


def test_a_forked_worker_starts_empty_and_pushes_from_its_own_thread(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    monkeypatch.setattr(counters, "_redis_client", None)
    counters.counter_incr("directory.ProProfileViewed", 1)  # the parent's, to push itself
    pid = os.fork()
    if pid == 0:  # the worker: report through the exit status, run no pytest teardown
        code = 1
        try:
            settings.COUNTERS_MANUAL_FLUSH = False
            inherited = dict(counters._buffer)
            counters.counter_incr("directory.ProProfileViewed", 2)
            pusher = counters._pusher
            if not inherited and pusher.is_alive() and counters._pusher_pid == os.getpid():
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert counters._drain_buffer() == {("directory.ProProfileViewed", counters._today()): {"1": 1}}


@pytest.mark.services
def test_the_push_thread_moves_counts_to_redis_and_a_flush_counts_them_all(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    # Keys of their own: other processes on the same Redis may be counting and flushing.
    monkeypatch.setattr(counters, "KEY_PREFIX", f"eldo:core-test-{uuid.uuid4().hex}")
    settings.COUNTERS_MANUAL_FLUSH = False
    name = "directory.ProProfileViewed"
    client = counters._redis()
    hash_key = f"{counters.KEY_PREFIX}:{counters._today()}:{name}"
    callers = []
    real_redis = counters._redis

    def recording_redis():
        callers.append(threading.current_thread().name)
        return real_redis()

    monkeypatch.setattr(counters, "_redis", recording_redis)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: counters.counter_incr(name, i % 2), range(1000)))
    counters.counter_incr_many(name, [0, 1])

    def in_redis():
        return {k.decode(): int(v) for k, v in client.hgetall(hash_key).items()}

    deadline = time.monotonic() + 5
    while in_redis() != {"0": 501, "1": 501} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_redis() == {"0": 501, "1": 501}
    assert set(callers) == {"counters-push"}  # the request path never waited on Redis

    counters.counter_incr(name, 0)  # pushed or still buffered: counted either way
    with django_capture_on_commit_callbacks(execute=False):
        counters.counters_flush()
    totals: dict[str, int] = {}
    for event in OutboxEvent.objects.filter(name="core.CountersFlushed"):
        if event.payload["counter"] == name:
            for key, amount in event.payload["counts"].items():
                totals[key] = totals.get(key, 0) + amount
    assert totals == {"0": 502, "1": 501}
    assert not client.exists(hash_key)

    settings.COUNTERS_MANUAL_FLUSH = True  # the thread ends at its next turn
    counters._pusher.join(timeout=3)
    assert not counters._pusher.is_alive()


@pytest.mark.parametrize(
    ("before", "utc", "day"),
    [
        ("2026-12-07T12:00:00", "2026-12-07T22:59:59", "2026-12-07"),  # 23:59:59 in Paris
        ("2026-12-07T12:00:00", "2026-12-07T23:00:00", "2026-12-08"),  # midnight in Paris
        ("2026-12-07T23:30:00", "2026-12-07T22:30:00", "2026-12-07"),  # the clock set back
        ("2026-03-28T12:00:00", "2026-03-28T22:59:59", "2026-03-28"),
        ("2026-03-28T12:00:00", "2026-03-28T23:00:00", "2026-03-29"),  # spring: 23 hours
        ("2026-03-29T12:00:00", "2026-03-29T21:59:59", "2026-03-29"),
        ("2026-03-29T12:00:00", "2026-03-29T22:00:00", "2026-03-30"),
        ("2026-10-25T12:00:00", "2026-10-25T22:59:59", "2026-10-25"),  # autumn: 25 hours
        ("2026-10-25T12:00:00", "2026-10-25T23:00:00", "2026-10-26"),
    ],
)
def test_counts_are_filed_under_the_day_in_france(monkeypatch, before, utc, day):
    """The day is worked out once and kept: it must still change at midnight in Paris,
    on the days the clocks change too, and follow a clock set back."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    def epoch(text: str) -> float:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()

    clock = SimpleNamespace(time=lambda: epoch(before), sleep=time.sleep)
    monkeypatch.setattr(counters, "time", clock)
    counters._today()  # the day a running process has kept
    clock.time = lambda: epoch(utc)
    assert counters._today() == day
