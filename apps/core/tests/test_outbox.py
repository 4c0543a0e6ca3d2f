"""The transactional outbox: never deliver a rolled-back event, deliver a committed one
exactly once whatever the relay does, and keep events while the broker is down."""

import pytest
from django.db import transaction

from apps.core import outbox
from apps.core.events import publish
from apps.core.models import HandledEvent, OutboxEvent
from apps.core.tests import probe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reset_probe():
    probe.received.clear()
    probe.fragile_calls.clear()
    probe.steady_calls.clear()
    probe.failing_state["fail"] = False


def test_event_published_in_a_rolled_back_transaction_is_never_delivered(
    django_capture_on_commit_callbacks,
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish(probe.ProbeHappened(label="rolled-back"))
        raise RuntimeError("the caller fails after publishing")
    outbox.sweep(grace_seconds=0)
    assert probe.received == []
    assert not OutboxEvent.objects.exists()


def test_committed_event_is_delivered_after_commit_not_before(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event_id = publish(probe.ProbeHappened(label="committed"))
        assert probe.received == []  # nothing leaves before the commit
    assert probe.received == ["committed"]
    assert OutboxEvent.objects.get(id=event_id).delivered_at is not None


def test_committed_event_is_delivered_exactly_once_when_the_relay_runs_twice(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.ProbeHappened(label="once"))
    outbox.deliver(event_id)
    outbox.sweep(grace_seconds=0)
    # A relay that died after running the handler but before marking the event delivered:
    OutboxEvent.objects.filter(id=event_id).update(delivered_at=None)
    outbox.deliver(event_id)
    outbox.sweep(grace_seconds=0)
    assert probe.received == ["once"]
    assert HandledEvent.objects.filter(event_id=event_id).count() == 1


def test_a_failing_handler_is_retried_by_the_sweep_without_repeating_the_others(
    django_capture_on_commit_callbacks,
):
    probe.failing_state["fail"] = True
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.FragileHappened(label="x"))
    record = OutboxEvent.objects.get(id=event_id)
    assert record.delivered_at is None
    assert record.attempts == 1
    assert "downstream unavailable" in record.last_error
    assert probe.steady_calls == ["x"]

    probe.failing_state["fail"] = False
    assert outbox.sweep(grace_seconds=0) == 1
    assert probe.fragile_calls == ["x"]
    assert probe.steady_calls == ["x"]
    assert OutboxEvent.objects.get(id=event_id).delivered_at is not None


def test_with_the_broker_unreachable_publishing_commits_and_the_sweep_delivers_later(
    settings, django_capture_on_commit_callbacks
):
    from celery import current_app as app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app._pool = None
    app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event_id = publish(probe.ProbeHappened(label="broker-down"))
    finally:
        app.conf.broker_url = saved
        app._pool = None
        app.amqp._producer_pool = None
    assert probe.received == []
    assert OutboxEvent.objects.get(id=event_id).delivered_at is None

    # The broker is back: the periodic sweep (run by beat in production) delivers it.
    assert outbox.sweep(grace_seconds=0) == 1
    assert probe.received == ["broker-down"]


def test_sweep_respects_the_grace_period(django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    OutboxEvent.objects.create(name=probe.ProbeHappened.name, payload={"label": "fresh"})
    # A fresh event is left to its own after-commit relay for a while.
    assert outbox.sweep(grace_seconds=60) == 0
    assert outbox.sweep(grace_seconds=0) == 1
    assert probe.received == ["fresh"]
