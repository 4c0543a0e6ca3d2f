"""Domain events over a real RabbitMQ (127.0.0.1:5672): each consuming context gets every
event once from its own durable queue, redelivery runs nothing twice, what cannot be read
is dead-lettered without stopping the consumer, publishers share pooled connections, a
broker down at publish time loses nothing and a consumer outlives a broker restart.

The broker is shared with everyone on the machine, so it is never stopped: an outage is a
TCP proxy of the test's own (``tests.plugins.tcp_proxy``) between the code and RabbitMQ,
cut then restored. Every test works under its own exchange and queue names, deleted
afterwards."""

from __future__ import annotations

import io
import json
import threading
import uuid
from urllib.parse import urlsplit

import kombu
import kombu.pools
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone
from kombu import Queue
from kombu.utils.collections import eqhash

from apps.core import broker, outbox
from apps.core.envelope import envelope_of
from apps.core.events import consumers, publish
from apps.core.models import HandledEvent, OutboxEvent
from apps.core.tests import probe
from apps.core.transports import RabbitMQTransport, publisher_pools_close
from tests.waiting import wait_for

pytestmark = [pytest.mark.rabbitmq, pytest.mark.django_db]

# The broker itself, whatever a test points EVENTS_BROKER_URL at (a proxy).
BROKER_URL = django_settings.EVENTS_BROKER_URL


@pytest.fixture(autouse=True)
def _reset_probe():
    probe.shared_calls.clear()
    probe.shared_failing["probe_b"] = False


@pytest.fixture(autouse=True)
def _fresh_publisher_pools():
    """Pooled connections are per process: none outlives the test (nor its proxy). Only
    the events broker's: Celery's producers share kombu's pools and must stay open."""
    yield
    publisher_pools_close()


@pytest.fixture
def topology(settings):
    prefix = f"eldo-test-{uuid.uuid4().hex[:12]}"
    settings.EVENTS_TRANSPORT = "rabbitmq"
    settings.EVENTS_BROKER_PREFIX = prefix
    settings.EVENTS_RETRY_DELAY_MS = 50
    settings.EVENTS_MAX_DELIVERIES = 3
    topology = broker.Topology(prefix)
    yield topology
    with broker.connect(BROKER_URL) as connection:
        channel = connection.default_channel
        for consumer in consumers():
            for queue in topology.queues(consumer):
                queue(channel).delete()
        topology.exchange(channel).delete()
        topology.dead_letters(channel).delete()


def _depth(settings, name: str) -> int:
    with broker.connect(BROKER_URL) as connection:
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
    with broker.connect(BROKER_URL) as connection:
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
    with broker.connect(BROKER_URL) as connection:
        message = Queue(dead)(connection.default_channel).get(no_ack=True)
    assert json.loads(message.body)["id"] == envelope.id
    assert message.headers[broker.ATTEMPTS_HEADER] == settings.EVENTS_MAX_DELIVERIES
    # Nothing is left to loop on.
    assert _consume("probe_b") == 0
    assert _depth(settings, f"{topology.prefix}.probe_b.retry") == 0


def _behind(proxy) -> str:
    """EVENTS_BROKER_URL through ``proxy``."""
    url = urlsplit(BROKER_URL)
    return url._replace(netloc=f"{url.username}:{url.password}@127.0.0.1:{proxy.port}").geturl()


@pytest.fixture
def broker_proxy(tcp_proxy):
    url = urlsplit(BROKER_URL)
    return tcp_proxy((url.hostname, url.port or 5672))


@pytest.fixture
def connections_opened(monkeypatch) -> list[str]:
    """Every connection kombu opens (its URL) from now on; attempts refused are not in."""
    opened: list[str] = []
    establish = kombu.Connection._establish_connection

    def counting(connection):
        established = establish(connection)  # raises when refused: not counted
        opened.append(connection.as_uri())
        return established

    monkeypatch.setattr(kombu.Connection, "_establish_connection", counting)
    return opened


def test_sends_reuse_one_pooled_connection_and_each_is_confirmed(
    topology, settings, connections_opened
):
    envelopes = [_envelope(f"toit {n}") for n in range(5)]

    for envelope in envelopes:
        RabbitMQTransport().send(envelope)  # a new transport per relay, as the outbox does

    assert len(connections_opened) == 1
    # Each send returned after the broker's confirm: every message is already queued.
    assert _depth(settings, f"{topology.prefix}.probe_a") == 5
    # The connection is the one of kombu's pool of this broker's publishers.
    assert eqhash(broker.connect(BROKER_URL)) in kombu.pools.producers
    assert _consume("probe_a") == 5
    assert sorted(label for _c, label in probe.shared_calls) == sorted(
        json.loads(e.to_json())["payload"]["label"] for e in envelopes
    )


def test_with_the_broker_down_at_publish_the_outbox_keeps_the_event_and_the_sweep_sends_it(
    topology, settings, broker_proxy, connections_opened, django_capture_on_commit_callbacks
):
    settings.EVENTS_BROKER_URL = _behind(broker_proxy)
    with django_capture_on_commit_callbacks(execute=True):
        before = publish(probe.SharedHappened(label="avant"))
    assert OutboxEvent.objects.get(id=before).delivered_at is not None

    broker_proxy.cut()  # the broker goes away under the pooled connection
    with django_capture_on_commit_callbacks(execute=True):
        event_id = publish(probe.SharedHappened(label="plus tard"))
    record = OutboxEvent.objects.get(id=event_id)
    assert record.delivered_at is None
    assert record.last_error  # the send failed at once, saying why
    assert record.attempts == 0  # an outage is not a failed attempt: the sweep never gives up
    assert outbox.sweep(grace_seconds=0) == 0  # still down

    broker_proxy.restore()
    assert outbox.sweep(grace_seconds=0) == 1
    assert OutboxEvent.objects.get(id=event_id).delivered_at is not None
    assert outbox.sweep(grace_seconds=0) == 0  # delivered: nothing sent twice
    # The dead connection was dropped, not reused: one new connection after the outage.
    assert len(connections_opened) == 2
    assert _consume("probe_a") == 2
    assert _consume("probe_b") == 2
    assert sorted(probe.shared_calls) == [
        ("probe_a", "avant"),
        ("probe_a", "plus tard"),
        ("probe_b", "avant"),
        ("probe_b", "plus tard"),
    ]
    assert _consume("probe_a") == 0


@pytest.mark.django_db(transaction=True)  # the consumer thread reads what the test wrote
def test_the_consumer_outlives_a_broker_restart_and_handles_what_came_meanwhile_once(
    topology, settings, broker_proxy, caplog
):
    stop = threading.Event()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            broker.consume_forever(
                consumer="probe_a",
                stop=stop,
                url=_behind(broker_proxy),
                idle_timeout=0.2,
                first_backoff=0.1,
                max_backoff=0.5,
            )
        except BaseException as exc:  # pragma: no cover - reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    consumer = threading.Thread(target=run, daemon=True)
    consumer.start()
    try:
        first = _envelope("avant la coupure")
        RabbitMQTransport(url=BROKER_URL).send(first)
        assert wait_for(lambda: ("probe_a", "avant la coupure") in probe.shared_calls, 20)

        broker_proxy.cut()
        assert wait_for(lambda: "broker unreachable" in caplog.text, 20), "cut not noticed"
        second = _envelope("pendant la coupure")
        RabbitMQTransport(url=BROKER_URL).send(second)  # the broker itself never stopped
        assert _depth(settings, f"{topology.prefix}.probe_a") == 1

        broker_proxy.restore()
        assert wait_for(lambda: ("probe_a", "pendant la coupure") in probe.shared_calls, 20)
        assert wait_for(lambda: _depth(settings, f"{topology.prefix}.probe_a") == 0, 10)
        assert consumer.is_alive() and failures == []
    finally:
        stop.set()
        consumer.join(timeout=20)
    assert not consumer.is_alive(), "the consumer did not stop when asked"
    assert probe.shared_calls == [
        ("probe_a", "avant la coupure"),
        ("probe_a", "pendant la coupure"),
    ]
    for envelope in (first, second):
        assert HandledEvent.objects.filter(event_id=envelope.id, consumer="probe_a").count() == 1


def test_closing_the_events_publishers_leaves_celery_s_producers_open(topology):
    """Celery sends its tasks through kombu's pools too: the events broker's publishers are
    closed alone (a task sent afterwards does not meet a closed pool)."""
    from eldo.celery import app

    RabbitMQTransport().send(_envelope("avant"))
    with app.producer_or_acquire() as producer:
        assert producer is not None
    publisher_pools_close()

    with app.producer_or_acquire() as producer:  # raised "Acquire on closed pool" before
        assert producer is not None
    RabbitMQTransport().send(_envelope("après"))  # a new pool for the events broker
