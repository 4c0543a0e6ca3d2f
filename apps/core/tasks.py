from celery import shared_task

from apps.core import outbox


@shared_task(name="core.outbox_deliver", acks_late=True, ignore_result=True)
def outbox_deliver(event_id: str) -> None:
    outbox.deliver(event_id)


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
