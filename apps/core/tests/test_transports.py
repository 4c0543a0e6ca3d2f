"""The in-process and Celery transports, and the inbox that makes every delivery safe to
repeat: a Celery worker handles an event from the envelope alone."""

import uuid

import pytest
from django.utils import timezone

from apps.core import outbox
from apps.core.envelope import envelope_of
from apps.core.events import publish
from apps.core.models import HandledEvent, OutboxEvent
from apps.core.tests import probe
from apps.core.transports import (
    CeleryTransport,
    InProcessTransport,
    RabbitMQTransport,
    get_transport,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _reset_probe():
    probe.received.clear()
    probe.shared_calls.clear()


def test_the_default_transport_is_in_process_when_tasks_are_eager_and_celery_otherwise(
    settings,
):
    settings.EVENTS_TRANSPORT = ""
    assert isinstance(get_transport(), InProcessTransport)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert isinstance(get_transport(), CeleryTransport)
    # The periodic sweep already runs in a worker: it delivers there, as it always did.
    assert isinstance(get_transport(sweeping=True), InProcessTransport)
    settings.EVENTS_TRANSPORT = "rabbitmq"
    assert isinstance(get_transport(), RabbitMQTransport)


def test_the_celery_task_carries_the_whole_envelope_and_the_worker_never_reads_the_outbox(
    settings, django_capture_on_commit_callbacks
):
    settings.EVENTS_TRANSPORT = "celery"  # tasks run eagerly in tests: the task runs here
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.ProbeHappened(label="par celery"))
    assert probe.received == ["par celery"]
    assert OutboxEvent.objects.get(id=event_id).delivered_at is not None

    # An envelope whose outbox row is elsewhere (another database): handled all the same.
    envelope = envelope_of(
        event_id=uuid.uuid4(),
        name=probe.ProbeHappened.name,
        version=1,
        occurred_at=timezone.now(),
        payload={"label": "sans ligne"},
    )
    CeleryTransport().send(envelope)
    CeleryTransport().send(envelope)  # redelivered
    assert probe.received == ["par celery", "sans ligne"]
    assert HandledEvent.objects.filter(event_id=envelope.id).count() == 1


def test_a_task_queued_with_a_bare_event_id_is_still_delivered(
    django_capture_on_commit_callbacks,
):
    from apps.core.tasks import outbox_deliver

    with django_capture_on_commit_callbacks(execute=False):
        event_id = publish(probe.ProbeHappened(label="ancienne tâche"))
    outbox_deliver.delay(event_id)
    outbox_deliver.delay(event_id)
    assert probe.received == ["ancienne tâche"]
    assert OutboxEvent.objects.get(id=event_id).delivered_at is not None


def test_in_process_every_consuming_context_handles_the_event_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.SharedHappened(label="deux contextes"))
    outbox.deliver(event_id)
    assert sorted(probe.shared_calls) == [
        ("probe_a", "deux contextes"),
        ("probe_b", "deux contextes"),
    ]
    assert sorted(
        HandledEvent.objects.filter(event_id=event_id).values_list("consumer", "handler")
    ) == [
        ("probe_a", "apps.probe_a.handlers.shared_seen_by_a"),
        ("probe_b", "apps.probe_b.handlers.shared_seen_by_b"),
    ]


def test_the_admin_shows_which_handlers_ran_for_an_event(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.SharedHappened(label="admin"))
    page = admin_client.get(f"/admin/core/outboxevent/{event_id}/change/")
    assert page.status_code == 200
    assert "apps.probe_a.handlers.shared_seen_by_a" in page.content.decode()
    inbox = admin_client.get("/admin/core/handledevent/", {"q": event_id})
    assert inbox.status_code == 200
    assert "apps.probe_b.handlers.shared_seen_by_b" in inbox.content.decode()
