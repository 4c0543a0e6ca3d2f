"""Counters on a real Redis: concurrent increments from many threads are all counted."""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.core import counters
from apps.core.models import OutboxEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_concurrent_increments_are_all_counted_after_a_flush(django_capture_on_commit_callbacks):
    # A counter of its own: other processes on the same Redis may be counting too.
    name = f"tests.ConcurrentIncrements.{uuid.uuid4().hex}"

    def hit(i: int) -> None:
        counters.counter_incr(name, i % 3)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(hit, range(3000)))
    with django_capture_on_commit_callbacks(execute=False):
        assert counters.counters_flush() >= 1
    events = [
        e
        for e in OutboxEvent.objects.filter(name="core.CountersFlushed")
        if e.payload["counter"] == name
    ]
    assert len(events) == 1
    assert events[0].payload["counts"] == {"0": 1000, "1": 1000, "2": 1000}
    # Flushed means gone from Redis: nothing of this counter is published twice.
    counters.counters_flush()
    again = [
        e
        for e in OutboxEvent.objects.filter(name="core.CountersFlushed")
        if e.payload["counter"] == name
    ]
    assert len(again) == 1
