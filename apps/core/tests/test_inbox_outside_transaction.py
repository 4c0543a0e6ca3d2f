"""Handlers that ask another context (possibly over HTTP) do it outside any transaction: a
``prepare`` step (``prepared_by``) runs before the inbox opens the handler's transaction,
and a ``without_transaction`` handler runs with none. The handler's writes still happen
once per event, however often it is delivered."""

import pytest
from django.db import connection

from apps.core import outbox
from apps.core.events import publish
from apps.core.models import HandledEvent, OutboxEvent
from apps.core.tests import probe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reset():
    for calls in probe.asking.values():
        calls.clear()
    probe.asking_failing.update(handler=False, remote=False)


def _redeliver(event_id) -> None:
    # A relay that died after running the handlers but before marking the event delivered.
    OutboxEvent.objects.filter(id=event_id).update(delivered_at=None)
    outbox.deliver(event_id)


def test_prepare_runs_before_the_transaction_and_its_result_reaches_the_handler(
    django_capture_on_commit_callbacks,
):
    outside = len(connection.atomic_blocks)  # the test's own transaction
    with django_capture_on_commit_callbacks(execute=True):
        publish(probe.AskingHappened(label="a"))
    assert probe.asking["prepare"] == [outside]
    assert probe.asking["handler"] == [(outside + 1, "a (préparé)")]
    assert probe.asking["remote"] == [(outside, "a")]


def test_a_redelivered_event_runs_neither_the_writes_nor_the_calls_again(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.AskingHappened(label="once"))
    _redeliver(event_id)
    outbox.sweep(grace_seconds=0)
    assert len(probe.asking["handler"]) == 1
    assert len(probe.asking["remote"]) == 1
    assert probe.asking["prepare"] == probe.asking["prepare"][:1]  # not asked again
    assert HandledEvent.objects.filter(event_id=event_id).count() == 2


def test_a_failed_handler_is_retried_with_a_new_prepare_and_writes_once(
    django_capture_on_commit_callbacks,
):
    probe.asking_failing.update(handler=True, remote=True)
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.AskingHappened(label="retry"))
    assert probe.asking["handler"] == [] and probe.asking["remote"] == []
    assert not HandledEvent.objects.filter(event_id=event_id).exists()  # nothing recorded

    probe.asking_failing.update(handler=False, remote=False)
    assert outbox.sweep(grace_seconds=0) == 1
    _redeliver(event_id)
    assert len(probe.asking["prepare"]) == 2  # asked again: the first writes rolled back
    assert [prepared for _depth, prepared in probe.asking["handler"]] == ["retry (préparé)"]
    assert [label for _depth, label in probe.asking["remote"]] == ["retry"]
    assert OutboxEvent.objects.get(id=event_id).delivered_at is not None
