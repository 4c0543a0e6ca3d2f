"""The consumer's inbox: run each handler at most once per event id.

A handler's database effects and its ``HandledEvent`` row commit together, so whichever
transport delivers an envelope, and however often, a handler never runs twice for it.

A handler declared with ``apps.core.events.prepared_by`` has its ``prepare`` step run first,
outside any transaction (skipped when the handler already ran): its reads of other
contexts never hold the handler's transaction open. Only the handler's writes are
exactly-once; ``prepare`` may run again on a redelivery until they commit. A handler
declared ``without_transaction`` (an idempotent call into another context) runs outside
any transaction and is recorded once it returned: at least once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from apps.core.envelope import Envelope
from apps.core.events import consumer_of, handlers_for
from apps.core.models import HandledEvent

logger = logging.getLogger(__name__)


def inbox_handle(*, envelope: Envelope, consumer: str | None = None) -> list[str]:
    """Run the handlers of ``envelope`` (of context ``consumer`` only, when given) not yet
    run for its id. Returns the errors of the handlers that failed (empty: all done).
    Raises ``MalformedEvent`` when the payload does not fit the event."""
    handlers = handlers_for(envelope.name, consumer=consumer)
    if not handlers:
        return []
    event = envelope.event()
    errors: list[str] = []
    for name, handler in handlers.items():
        try:
            _handle(envelope, event, name, handler)
        except Exception as exc:
            logger.exception("inbox: handler %s failed on %s %s", name, envelope.name, envelope.id)
            errors.append(f"{name}: {exc!r}")
    return errors


def _handle(envelope: Envelope, event, name: str, handler) -> None:
    once: dict[str, Any] = {
        "event_id": envelope.id,
        "consumer": consumer_of(name),
        "handler": name,
    }
    prepare = getattr(handler, "inbox_prepare", None)
    outside = getattr(handler, "inbox_without_transaction", False)
    args: tuple = ()
    if prepare is not None or outside:
        if HandledEvent.objects.filter(**once).exists():
            return  # already ran: no need to ask (or call) other contexts again
        if prepare is not None:
            args = (prepare(event),)  # outside any transaction: reads of other contexts
    if outside:
        handler(event, *args)
        HandledEvent.objects.get_or_create(**once)
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                HandledEvent.objects.create(**once)
        except IntegrityError:
            return  # this handler already ran for this event
        handler(event, *args)
