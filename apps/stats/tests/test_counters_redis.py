"""Services pass (PostgreSQL + Redis): concurrent profile views are all in the pro's day."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from apps.core import counters, outbox
from apps.core.models import OutboxEvent
from apps.stats.models import CounterDay, ProDay

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_concurrent_views_are_all_counted_after_a_flush(
    facade_pros, monkeypatch, django_capture_on_commit_callbacks
):
    # Keys of their own: other processes on the same Redis may be counting and flushing.
    monkeypatch.setattr(counters, "KEY_PREFIX", f"eldo:stats-test-{uuid.uuid4().hex}")
    midi, garonne = facade_pros["midi"], facade_pros["garonne"]

    def view(i: int) -> None:
        counters.counter_incr("directory.ProProfileViewed", midi.slug)
        if i % 4 == 0:
            counters.counter_incr_many("directory.SearchImpression", [midi.slug, garonne.slug])

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(view, range(2000)))
    assert not CounterDay.objects.exists()  # a view never writes to the database
    with django_capture_on_commit_callbacks(execute=False):
        counters.counters_flush()
        counters.counters_flush()  # nothing left: nothing published twice
    flushed = OutboxEvent.objects.filter(name="core.CountersFlushed")
    assert flushed.count() == 2  # one per counter
    for event in flushed:  # what the worker does with each event
        assert outbox.deliver(event.id)

    today = timezone.localdate()
    row = ProDay.objects.get(pro_id=midi.id, day=today)
    assert (row.profile_views, row.search_impressions) == (2000, 500)
    assert ProDay.objects.get(pro_id=garonne.id, day=today).search_impressions == 500
