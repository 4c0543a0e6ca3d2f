"""Counters on a real Redis: concurrent increments from many threads are all counted."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.core import counters
from apps.core.models import OutboxEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_concurrent_increments_are_all_counted_after_a_flush(django_capture_on_commit_callbacks):
    counters.counters_flush()  # start from an empty Redis hash
    OutboxEvent.objects.all().delete()

    def hit(i: int) -> None:
        counters.counter_incr("directory.ProProfileViewed", i % 3)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(hit, range(3000)))
    with django_capture_on_commit_callbacks(execute=False):
        assert counters.counters_flush() == 1
    counts = OutboxEvent.objects.get(name="core.CountersFlushed").payload["counts"]
    assert counts == {"0": 1000, "1": 1000, "2": 1000}
