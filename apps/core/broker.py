"""RabbitMQ topology and the consumer loop of ``consume_events``.

```
producer ──► <prefix>.events (topic, durable) ──[event name]──► <prefix>.<consumer>
                                                                  │ handler failed:
                                                                  ├─► <prefix>.<consumer>.retry
                                                                  │     (waits, comes back)
                          malformed, unknown version, too many    │
<prefix>.<consumer>.dead ◄──[consumer]── <prefix>.events.dlx ◄────┘ failures: rejected
```

Every message is persistent, every queue durable, publishes wait for the broker's confirm.
A consumer acks a message only once its handlers committed (their inbox rows with them),
so a redelivery after a crash runs nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from amqp.exceptions import ConnectionError as AMQPConnectionError
from amqp.exceptions import RecoverableConnectionError
from django.conf import settings
from kombu import Connection, Exchange, Queue, binding
from kombu.exceptions import OperationalError
from kombu.message import Message

from apps.core.envelope import Envelope, MalformedEvent
from apps.core.events import consumers, events_handled_by
from apps.core.inbox import inbox_handle

logger = logging.getLogger(__name__)

ATTEMPTS_HEADER = "x-eldo-attempts"

_declared: set[tuple[str, str]] = set()


def connect(url: str) -> Connection:
    """A py-amqp connection with publisher confirms that fails fast when the broker is down."""
    return Connection(
        url,
        connect_timeout=2,
        transport_options={"confirm_publish": True, "max_retries": 0},
    )


class Topology:
    def __init__(self, prefix: str):
        self.prefix = prefix
        self.exchange = Exchange(f"{prefix}.events", type="topic", durable=True)
        self.dead_letters = Exchange(f"{prefix}.events.dlx", type="direct", durable=True)

    def queue(self, consumer: str) -> Queue:
        return Queue(
            f"{self.prefix}.{consumer}",
            bindings=[binding(self.exchange, routing_key=n) for n in events_handled_by(consumer)],
            durable=True,
            queue_arguments={
                "x-dead-letter-exchange": self.dead_letters.name,
                "x-dead-letter-routing-key": consumer,
            },
        )

    def retry_queue(self, consumer: str) -> Queue:
        """Where a failed message waits EVENTS_RETRY_DELAY_MS before going back to its queue."""
        return Queue(
            f"{self.prefix}.{consumer}.retry",
            durable=True,
            queue_arguments={
                "x-message-ttl": settings.EVENTS_RETRY_DELAY_MS,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": f"{self.prefix}.{consumer}",
            },
        )

    def dead_queue(self, consumer: str) -> Queue:
        return Queue(
            f"{self.prefix}.{consumer}.dead",
            exchange=self.dead_letters,
            routing_key=consumer,
            durable=True,
        )

    def queues(self, consumer: str) -> list[Queue]:
        return [self.queue(consumer), self.retry_queue(consumer), self.dead_queue(consumer)]

    def declare(self, connection: Connection, *, force: bool = False) -> None:
        """Exchanges and every consuming context's queues (idempotent; once per process
        and broker unless ``force``)."""
        key = (connection.as_uri(), self.prefix)
        if key in _declared and not force:
            return
        channel = connection.default_channel
        self.exchange(channel).declare()
        self.dead_letters(channel).declare()
        for consumer in consumers():
            for queue in self.queues(consumer):
                queue(channel).declare()
        _declared.add(key)


# What a lost or refused broker connection raises, from the socket to kombu's wrapper.
CONNECTION_ERRORS = (OSError, OperationalError, AMQPConnectionError, RecoverableConnectionError)


def consume(
    *,
    consumer: str,
    once: bool = False,
    url: str | None = None,
    prefix: str | None = None,
    idle_timeout: float = 1.0,
    on_processed: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Consume the queue of context ``consumer``; with ``once``, until it stays empty for
    ``idle_timeout`` seconds; otherwise until ``stop`` is set (checked at least every
    ``idle_timeout`` seconds). Returns the number of messages taken off the queue. Raises
    one of ``CONNECTION_ERRORS`` when the broker goes away."""
    topology = Topology(prefix or settings.EVENTS_BROKER_PREFIX)
    processed = 0
    with connect(url or settings.EVENTS_BROKER_URL) as connection:
        topology.declare(connection, force=True)
        producer = connection.Producer()

        def on_message(message: Message) -> None:
            nonlocal processed
            handle_message(message, consumer=consumer, topology=topology, producer=producer)
            processed += 1
            if on_processed:
                on_processed()

        with connection.Consumer(
            [topology.queue(consumer)], on_message=on_message, prefetch_count=10
        ):
            while stop is None or not stop.is_set():
                try:
                    connection.drain_events(timeout=idle_timeout)
                except TimeoutError:
                    if once:
                        return processed
                    connection.heartbeat_check()
    return processed


def consume_forever(
    *,
    consumer: str,
    stop: threading.Event | None = None,
    url: str | None = None,
    prefix: str | None = None,
    idle_timeout: float = 1.0,
    first_backoff: float = 1.0,
    max_backoff: float = 30.0,
) -> None:
    """``consume`` until ``stop`` is set, through broker restarts: a lost connection is
    logged and opened again after a wait that doubles up to ``max_backoff`` and starts
    over once a message went through. What was not acked comes back from the broker, and
    the inbox runs no handler twice."""
    stop = stop or threading.Event()
    backoff = first_backoff

    def reset() -> None:
        nonlocal backoff
        backoff = first_backoff

    while not stop.is_set():
        try:
            consume(
                consumer=consumer,
                url=url,
                prefix=prefix,
                idle_timeout=idle_timeout,
                on_processed=reset,
                stop=stop,
            )
        except CONNECTION_ERRORS as exc:
            logger.warning("consume_events: broker unreachable (%r), retry in %s s", exc, backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, max_backoff)


def handle_message(message: Message, *, consumer: str, topology: Topology, producer) -> None:
    """Ack once handled; dead-letter what cannot be read; retry a failure a bounded number
    of times (EVENTS_MAX_DELIVERIES), then dead-letter it. Never raises."""
    try:
        envelope = Envelope.from_json(message.body)
    except MalformedEvent as exc:
        logger.error(
            "consume_events: %s rejected to %s.dead: %s",
            message.delivery_info.get("routing_key"),
            topology.queue(consumer).name,
            exc,
        )
        message.reject(requeue=False)
        return
    try:
        errors = inbox_handle(envelope=envelope, consumer=consumer)
    except Exception as exc:  # database unreachable, payload not fitting: retried, bounded
        logger.exception("consume_events: %s %s failed", envelope.name, envelope.id)
        errors = [repr(exc)]
    if not errors:
        message.ack()
        return
    attempts = int((message.headers or {}).get(ATTEMPTS_HEADER, 1))
    if attempts >= settings.EVENTS_MAX_DELIVERIES:
        logger.error(
            "consume_events: %s %s failed %s times, dead-lettered: %s",
            envelope.name,
            envelope.id,
            attempts,
            "; ".join(errors),
        )
        message.reject(requeue=False)
        return
    producer.publish(
        message.body,
        exchange="",
        routing_key=topology.retry_queue(consumer).name,
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        message_id=envelope.id,
        headers={ATTEMPTS_HEADER: attempts + 1},
        retry=False,
    )
    message.ack()
