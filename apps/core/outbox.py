"""The transactional outbox: storage, delivery with a recorded delivery id, and the sweep."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.events import event_from_payload, handlers_for
from apps.core.models import HandledEvent, OutboxEvent

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 25


def store(*, name: str, payload: dict) -> str:
    return str(OutboxEvent.objects.create(name=name, payload=payload).id)


def dispatch(event_id: str) -> None:
    """Hand a committed event to the relay. Never raises: the sweep is the safety net."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            deliver(event_id)
        except Exception:
            logger.exception(
                "outbox: in-process delivery of %s failed; the sweep retries", event_id
            )
        return
    from apps.core.tasks import outbox_deliver

    try:
        outbox_deliver.delay(event_id)
    except Exception as exc:  # broker unreachable: the event stays in the outbox
        logger.warning(
            "outbox: broker unavailable (%s); event %s kept for the sweep", exc, event_id
        )


def deliver(event_id: str | UUID) -> bool:
    """Run every subscribed handler not yet run for this event. True when fully delivered."""
    record = OutboxEvent.objects.filter(id=event_id).first()
    if record is None or record.delivered_at is not None:
        return True
    event = event_from_payload(record.name, record.payload)
    errors: list[str] = []
    if event is not None:
        for name, handler in handlers_for(record.name).items():
            try:
                with transaction.atomic():
                    try:
                        with transaction.atomic():
                            HandledEvent.objects.create(event_id=record.id, handler=name)
                    except IntegrityError:
                        continue  # this handler already ran for this event
                    handler(event)
            except Exception as exc:
                logger.exception("outbox: handler %s failed on %s %s", name, record.name, record.id)
                errors.append(f"{name}: {exc!r}")
    if errors:
        OutboxEvent.objects.filter(id=record.id).update(
            attempts=record.attempts + 1, last_error="\n".join(errors)[:4000]
        )
        return False
    done = {"delivered_at": timezone.now(), "attempts": record.attempts + 1, "last_error": ""}
    # Personal data an event carried only for its handlers (an erased user's address) is
    # not kept once every handler has run.
    scrubbed = getattr(type(event), "scrub_after_delivery", ())
    if scrubbed:
        done["payload"] = {k: "" if k in scrubbed else v for k, v in record.payload.items()}
    OutboxEvent.objects.filter(id=record.id, delivered_at__isnull=True).update(**done)
    return True


def purge(*, now=None, batch_size: int = 1000) -> int:
    """Delete delivered events older than OUTBOX_RETENTION_DAYS, with their delivery ids.

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
            return total
        with transaction.atomic():
            HandledEvent.objects.filter(event_id__in=ids).delete()
            OutboxEvent.objects.filter(id__in=ids).delete()
        total += len(ids)


def sweep(*, grace_seconds: int | None = None, limit: int = 500) -> int:
    """Deliver events left undelivered (broker down, worker killed, handler error)."""
    grace = settings.OUTBOX_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    cutoff = timezone.now() - timedelta(seconds=grace)
    pending = list(
        OutboxEvent.objects.filter(
            delivered_at__isnull=True, created_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    delivered = 0
    for event_id in pending:
        try:
            delivered += deliver(event_id)
        except Exception:
            logger.exception("outbox: sweep could not deliver %s", event_id)
    return delivered
