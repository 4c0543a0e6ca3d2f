"""How an envelope leaves the outbox: in-process, through Celery, or through RabbitMQ.

``EVENTS_TRANSPORT`` chooses (``inprocess`` when tasks run eagerly, ``celery`` otherwise,
unless set). ``send`` raises when the envelope could not be handed over; the outbox then
keeps the row for the sweep. ``delivered_on_send`` says whether a successful ``send`` is the
end of the outbox's responsibility (in-process handlers ran, RabbitMQ confirmed the message)
or whether the Celery worker marks the row once its handlers ran.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

from apps.core.envelope import Envelope
from apps.core.inbox import inbox_handle


class HandlersFailed(RuntimeError):
    """At least one in-process handler failed; the others ran and are not run again."""


class Transport(Protocol):
    delivered_on_send: bool

    def send(self, envelope: Envelope) -> None: ...


class InProcessTransport:
    """Embedded mode and tests: every local handler runs now, in this process."""

    delivered_on_send = True

    def send(self, envelope: Envelope) -> None:
        errors = inbox_handle(envelope=envelope)
        if errors:
            raise HandlersFailed("\n".join(errors))


class CeleryTransport:
    """A ``core.outbox_deliver`` task carrying the whole envelope: the worker needs no read
    of the outbox. It marks the row delivered once the handlers ran, so a worker killed
    mid-task leaves the row to the sweep."""

    delivered_on_send = False

    def send(self, envelope: Envelope) -> None:
        from apps.core.tasks import outbox_deliver

        outbox_deliver.delay(envelope.to_json())


class RabbitMQTransport:
    """A persistent message on the durable topic exchange, routed by event name to one
    durable queue per consuming context; returns once the broker confirmed it.

    Publishers come from kombu's pools (``kombu.pools.producers``, one pool per broker URL
    and options, at most ``kombu.pools.get_limit()`` connections a process): a send reuses
    an open connection and its confirm channel instead of opening one per event. A
    connection is only opened on first use, with the fail-fast options of
    ``broker.connect``, so a broker that is down still makes ``send`` raise at once."""

    delivered_on_send = True
    # Waiting for a pooled publisher when every one is busy (threads): then send raises.
    pool_timeout = 5.0

    def __init__(self, url: str | None = None, prefix: str | None = None):
        from apps.core.broker import Topology

        self.topology = Topology(prefix or settings.EVENTS_BROKER_PREFIX)
        self.url = url or settings.EVENTS_BROKER_URL

    def send(self, envelope: Envelope) -> None:
        from kombu.pools import producers

        from apps.core.broker import connect

        # A description of the connection only: the pool is found by its parameters.
        _pooled_urls.add(self.url)
        pool = producers[connect(self.url)]
        with pool.acquire(block=True, timeout=self.pool_timeout) as producer:
            try:
                # Declared once per process and broker (Topology.declare): a consumer's
                # queue exists before the consumer first runs, so no event is lost.
                self.topology.declare(producer.connection)
                producer.publish(
                    envelope.to_json(),
                    exchange=self.topology.exchange,
                    routing_key=envelope.name,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,  # persistent
                    message_id=envelope.id,
                    retry=False,
                )
            except Exception:
                # The connection may be dead (broker restarted): it goes back to the pool
                # closed, and the next send opens a new one instead of failing on it.
                producer.connection.collect()
                raise


# The broker URLs this process has pooled publishers for (publisher_pools_close).
_pooled_urls: set[str] = set()


def publisher_pools_close() -> None:
    """Close this process's pooled connections to the events broker, and only those:
    kombu's pools are shared with Celery's producers, which ``kombu.pools.reset()`` would
    close too (the next task sent would fail on a closed pool)."""
    from kombu.pools import connections, producers
    from kombu.utils.collections import eqhash

    from apps.core.broker import connect

    for url in list(_pooled_urls):
        key = connect(url)
        for group in (producers, connections):
            if eqhash(key) in group:
                pool = group[key]
                del group[key]
                pool.force_close_all()
    _pooled_urls.clear()


def get_transport(*, sweeping: bool = False) -> Transport:
    """The configured transport. The Celery sweep runs in a worker already: it delivers
    in-process there rather than enqueue a task per event (as it always did)."""
    name = settings.EVENTS_TRANSPORT or (
        "inprocess" if settings.CELERY_TASK_ALWAYS_EAGER else "celery"
    )
    if name == "rabbitmq":
        return RabbitMQTransport()
    if name == "celery" and not sweeping:
        return CeleryTransport()
    if name not in {"inprocess", "celery"}:
        raise ValueError(f"EVENTS_TRANSPORT={name!r}: inprocess, celery or rabbitmq")
    return InProcessTransport()
