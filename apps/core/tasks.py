import logging

from celery import shared_task

from apps.core import outbox
from apps.core.envelope import Envelope, MalformedEvent
from apps.core.inbox import inbox_handle

logger = logging.getLogger(__name__)


@shared_task(name="core.outbox_deliver", acks_late=True, ignore_result=True)
def outbox_deliver(message: str) -> None:
    """Run the handlers of an envelope (JSON), then settle its outbox row: delivered, or
    the failure counted for the sweep. A bare event id (a task queued before envelopes)
    is delivered from the outbox row as before."""
    if not message.lstrip().startswith("{"):
        outbox.deliver(message)
        return
    try:
        envelope = Envelope.from_json(message)
    except MalformedEvent as exc:
        logger.error("outbox_deliver: message dropped, %s", exc)
        return
    outbox.record_outcome(envelope=envelope, errors=inbox_handle(envelope=envelope))


@shared_task(name="core.outbox_sweep", ignore_result=True)
def outbox_sweep() -> int:
    return outbox.sweep()


@shared_task(name="core.outbox_purge", ignore_result=True)
def outbox_purge() -> int:
    """Daily (beat): delivered events past OUTBOX_RETENTION_DAYS are deleted."""
    return outbox.purge()


@shared_task(name="core.counters_flush", ignore_result=True)
def counters_flush() -> int:
    from apps.core.counters import counters_flush as flush

    return flush()
