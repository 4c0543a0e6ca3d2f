"""Retention of the outbox: delivered events (whose payloads may name people) are deleted
with their delivery ids after OUTBOX_RETENTION_DAYS; recent and undelivered ones stay."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from apps.core import outbox
from apps.core.events import publish
from apps.core.models import HandledEvent, OutboxEvent
from apps.core.tasks import outbox_purge
from apps.core.tests import probe
from tests.schedules import once_a_day

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reset_probe():
    probe.received.clear()


def test_only_delivered_events_past_the_period_are_deleted(
    settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_RETENTION_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        old = publish(probe.ProbeHappened(label="old"))
        recent = publish(probe.ProbeHappened(label="recent"))
    stuck = outbox.store(name="probe.Unknown", payload={})  # never delivered
    now = timezone.now()
    OutboxEvent.objects.filter(id=old).update(delivered_at=now - timedelta(days=31))
    OutboxEvent.objects.filter(id=recent).update(delivered_at=now - timedelta(days=29))
    OutboxEvent.objects.filter(id=stuck).update(created_at=now - timedelta(days=90))

    assert outbox_purge() == 1

    assert set(OutboxEvent.objects.values_list("id", flat=True)) == {
        OutboxEvent.objects.get(id=recent).id,
        OutboxEvent.objects.get(id=stuck).id,
    }
    assert not HandledEvent.objects.filter(event_id=old).exists()
    assert outbox_purge() == 0


def test_the_purge_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["core-outbox-purge"]
    assert entry["task"] == "core.outbox_purge"
    assert once_a_day(entry["schedule"])
