"""The transactional outbox: storage, relay through the configured transport, the sweep.

A row becomes an ``Envelope`` when it leaves; it is marked delivered once the transport
took responsibility for it (in-process: every handler ran; RabbitMQ: the broker confirmed
it) or, through Celery, once the worker ran the handlers. Until then the sweep relays it
again, so a broker that is down at publish time loses nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.core.envelope import Envelope, envelope_of
from apps.core.models import HandledEvent, OutboxEvent

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 25


def store(*, name: str, payload: dict, version: int = 1) -> str:
    return str(OutboxEvent.objects.create(name=name, payload=payload, version=version).id)


def envelope_for(record: OutboxEvent) -> Envelope:
    return envelope_of(
        event_id=record.id,
        name=record.name,
        version=record.version,
        occurred_at=record.created_at,
        payload=record.payload,
    )


def dispatch(event_id: str) -> None:
    """Hand a committed event to the transport. Never raises: the sweep is the safety net."""
    try:
        relay(event_id)
    except Exception:
        logger.exception("outbox: relay of %s failed; the sweep retries", event_id)


def relay(event_id: str | UUID, *, transport=None) -> bool:
    """Send the event through ``transport`` (the configured one by default). True when it
    is delivered; False when it failed (kept for the sweep) or awaits a Celery worker."""
    from apps.core.transports import HandlersFailed, get_transport

    record = OutboxEvent.objects.filter(id=event_id).first()
    if record is None or record.delivered_at is not None:
        return True
    transport = transport or get_transport()
    envelope = envelope_for(record)
    if envelope.version != record.version:
        # Written before its event's current version (a deploy in between): the row takes
        # the upcast payload too, so the older one (an address, say) does not stay here.
        OutboxEvent.objects.filter(id=record.id).update(
            version=envelope.version, payload=envelope.payload
        )
    try:
        transport.send(envelope)
    except HandlersFailed as exc:
        record_outcome(envelope=envelope, errors=[str(exc)])
        return False
    except Exception as exc:
        # Broker unreachable: not an attempt of the handlers, so an outage, however long,
        # never makes the sweep give up on the event.
        logger.warning("outbox: %s not sent (%r); kept for the sweep", record.id, exc)
        OutboxEvent.objects.filter(id=record.id).update(last_error=repr(exc)[:4000])
        return False
    if not transport.delivered_on_send:
        return False
    record_outcome(envelope=envelope, errors=[])
    return True


def deliver(event_id: str | UUID) -> bool:
    """Run every subscribed handler not yet run for this event, in this process."""
    from apps.core.transports import InProcessTransport

    return relay(event_id, transport=InProcessTransport())


def record_outcome(*, envelope: Envelope, errors: list[str]) -> None:
    """Mark the outbox row delivered, or count the failed attempt and keep its error."""
    if errors:
        OutboxEvent.objects.filter(id=envelope.id).update(
            attempts=F("attempts") + 1, last_error="\n".join(errors)[:4000]
        )
        return
    done = {"delivered_at": timezone.now(), "attempts": F("attempts") + 1, "last_error": ""}
    OutboxEvent.objects.filter(id=envelope.id, delivered_at__isnull=True).update(**done)


def purge(*, now=None, batch_size: int = 1000) -> int:
    """Delete delivered events older than OUTBOX_RETENTION_DAYS, and inbox rows as old.

    A handler never runs twice for an event that no longer exists: the sweep only reads
    undelivered rows, and a delivered row is past any redelivery long before this age.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    total = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(delivered_at__isnull=False, delivered_at__lt=cutoff)
            .order_by("delivered_at")
            .values_list("id", flat=True)[:batch_size]
        )
        if not ids:
            break
        with transaction.atomic():
            HandledEvent.objects.filter(event_id__in=ids).delete()
            OutboxEvent.objects.filter(id__in=ids).delete()
        total += len(ids)
    # Inbox rows of events received from other processes (no outbox row here).
    HandledEvent.objects.filter(handled_at__lt=cutoff).delete()
    return total


def sweep(*, grace_seconds: int | None = None, limit: int = 500) -> int:
    """Relay events left undelivered (broker down, worker killed, handler error)."""
    from apps.core.transports import get_transport

    grace = settings.OUTBOX_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = timezone.now() - timedelta(seconds=grace)
    pending = list(
        OutboxEvent.objects.filter(
            delivered_at__isnull=True, created_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    transport = get_transport(sweeping=True)
    delivered = 0
    for event_id in pending:
        try:
            delivered += relay(event_id, transport=transport)
        except Exception:
            logger.exception("outbox: sweep could not deliver %s", event_id)
    return delivered
