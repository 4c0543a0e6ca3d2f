"""Domain events over a real RabbitMQ (127.0.0.1:5672): each consuming context gets every
event once from its own durable queue, redelivery runs nothing twice, what cannot be read
is dead-lettered without stopping the consumer, and a broker down at publish time loses
nothing. Every test works under its own exchange and queue names, deleted afterwards."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from kombu import Queue

from apps.core import broker, outbox
from apps.core.envelope import envelope_of
from apps.core.events import consumers, publish
from apps.core.models import HandledEvent, OutboxEvent
from apps.core.tests import probe
from apps.core.transports import RabbitMQTransport
from tests.parallel import free_port
from tests.waiting import wait_for

pytestmark = [pytest.mark.rabbitmq, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset_probe():
    probe.shared_calls.clear()
    probe.shared_failing["probe_b"] = False


@pytest.fixture
def topology(settings):
    prefix = f"eldo-test-{uuid.uuid4().hex[:12]}"
    settings.EVENTS_TRANSPORT = "rabbitmq"
    settings.EVENTS_BROKER_PREFIX = prefix
    settings.EVENTS_RETRY_DELAY_MS = 50
    settings.EVENTS_MAX_DELIVERIES = 3
    topology = broker.Topology(prefix)
    yield topology
    with broker.connect(settings.EVENTS_BROKER_URL) as connection:
        channel = connection.default_channel
        for consumer in consumers():
            for queue in topology.queues(consumer):
                queue(channel).delete()
        topology.exchange(channel).delete()
        topology.dead_letters(channel).delete()


def _depth(settings, name: str) -> int:
    with broker.connect(settings.EVENTS_BROKER_URL) as connection:
        _name, count, _consumers = Queue(name)(connection.default_channel).queue_declare(
            passive=True
        )
        return count


def _envelope(label: str, *, version: int = 1):
    return envelope_of(
        event_id=uuid.uuid4(),
        name=probe.SharedHappened.name,
        version=version,
        occurred_at=timezone.now(),
        payload={"label": label},
    )


def _consume(consumer: str) -> int:
    return broker.consume(consumer=consumer, once=True, idle_timeout=0.3)


def test_an_event_is_consumed_once_by_each_consuming_context(
    topology, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.SharedHappened(label="façade"))
    # Confirmed by the broker: the outbox is done with it, no handler ran in this process.
    assert OutboxEvent.objects.get(id=event_id).delivered_at is not None
    assert probe.shared_calls == []
    assert _depth(settings, f"{topology.prefix}.probe_a") == 1
    assert _depth(settings, f"{topology.prefix}.probe_b") == 1

    assert _consume("probe_a") == 1
    out = io.StringIO()
    call_command("consume_events", "--consumer", "probe_b", "--once", stdout=out)
    assert "1 message(s) traité(s)" in out.getvalue()

    assert sorted(probe.shared_calls) == [("probe_a", "façade"), ("probe_b", "façade")]
    assert sorted(
        HandledEvent.objects.filter(event_id=event_id).values_list("consumer", flat=True)
    ) == ["probe_a", "probe_b"]
    assert _consume("probe_a") == 0
    assert _consume("probe_b") == 0
    assert len(probe.shared_calls) == 2


def test_an_unknown_consumer_is_refused_in_french(topology):
    with pytest.raises(CommandError, match="ne traite aucun événement"):
        call_command("consume_events", "--consumer", "inconnu", "--once")


def test_the_same_envelope_delivered_twice_is_handled_once(topology, settings):
    envelope = _envelope("toit")
    transport = RabbitMQTransport()
    transport.send(envelope)
    transport.send(envelope)  # a publisher that died before recording its confirm
    assert wait_for(lambda: _depth(settings, f"{topology.prefix}.probe_a") == 2, timeout=10)

    assert _consume("probe_a") == 2
    assert probe.shared_calls == [("probe_a", "toit")]
    assert HandledEvent.objects.filter(event_id=envelope.id, consumer="probe_a").count() == 1


def _publish_raw(settings, topology, body: bytes) -> None:
    with broker.connect(settings.EVENTS_BROKER_URL) as connection:
        topology.declare(connection)
        connection.Producer().publish(
            body,
            exchange=topology.exchange,
            routing_key=probe.SharedHappened.name,
            content_type="application/json",
            delivery_mode=2,
            retry=False,
        )


def test_malformed_messages_are_dead_lettered_and_the_consumer_keeps_going(
    topology, settings, caplog
):
    unknown_version = _envelope("v9", version=9)
    valid = _envelope("valide")
    _publish_raw(settings, topology, b"{pas du json")
    _publish_raw(settings, topology, unknown_version.to_json().encode())
    _publish_raw(settings, topology, valid.to_json().encode())

    assert _consume("probe_a") == 3
    assert probe.shared_calls == [("probe_a", "valide")]
    dead = f"{topology.prefix}.probe_a.dead"
    assert wait_for(lambda: _depth(settings, dead) == 2, timeout=10)
    assert _depth(settings, f"{topology.prefix}.probe_a") == 0
    assert _depth(settings, f"{topology.prefix}.probe_b.dead") == 0  # not consumed yet
    rejected = [r.getMessage() for r in caplog.records if "rejected to" in r.getMessage()]
    assert len(rejected) == 2
    assert any("version 9 unsupported" in message for message in rejected)


def test_a_failing_handler_is_retried_then_dead_lettered_not_looped_forever(topology, settings):
    probe.shared_failing["probe_b"] = True
    envelope = _envelope("panne")
    RabbitMQTransport().send(envelope)
    dead = f"{topology.prefix}.probe_b.dead"

    def consumed_until_dead() -> bool:
        _consume("probe_b")
        return _depth(settings, dead) == 1

    assert wait_for(consumed_until_dead, timeout=30), "the failing message never reached .dead"
    assert probe.shared_calls == []
    assert not HandledEvent.objects.filter(event_id=envelope.id, consumer="probe_b").exists()
    with broker.connect(settings.EVENTS_BROKER_URL) as connection:
        message = Queue(dead)(connection.default_channel).get(no_ack=True)
    assert json.loads(message.body)["id"] == envelope.id
    assert message.headers[broker.ATTEMPTS_HEADER] == settings.EVENTS_MAX_DELIVERIES
    # Nothing is left to loop on.
    assert _consume("probe_b") == 0
    assert _depth(settings, f"{topology.prefix}.probe_b.retry") == 0


def test_with_the_broker_down_at_publish_the_outbox_keeps_the_event_and_the_sweep_sends_it(
    topology, settings, django_capture_on_commit_callbacks
):
    reachable = settings.EVENTS_BROKER_URL
    # No broker listens on this port.
    settings.EVENTS_BROKER_URL = (
        f"amqp://guest:guest@127.0.0.1:{free_port()}//"  # pragma: allowlist secret
    )
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.SharedHappened(label="plus tard"))
    record = OutboxEvent.objects.get(id=event_id)
    assert record.delivered_at is None
    assert record.attempts == 0  # an outage is not a failed attempt: the sweep never gives up
    assert outbox.sweep(grace_seconds=0) == 0  # still down

    settings.EVENTS_BROKER_URL = reachable  # the broker is back
    assert outbox.sweep(grace_seconds=0) == 1
    assert OutboxEvent.objects.get(id=event_id).delivered_at is not None
    assert _consume("probe_a") == 1
    assert _consume("probe_b") == 1
    assert sorted(probe.shared_calls) == [("probe_a", "plus tard"), ("probe_b", "plus tard")]
    assert outbox.sweep(grace_seconds=0) == 0  # delivered: nothing sent twice
    assert _consume("probe_a") == 0
