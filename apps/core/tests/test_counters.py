"""Counters: no database write per increment; a flush publishes the totals once."""

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
