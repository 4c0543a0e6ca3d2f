"""The domain-event bus: publish through the transactional outbox, subscribe with ``on``.

An event is a frozen dataclass of plain JSON-able fields with class attributes ``name``
("<context>.<EventName>") and ``version``. ``publish`` stores it in the caller's
transaction; once that transaction commits, the relay sends it as an envelope through the
configured transport (``apps.core.transports``: in-process, Celery or RabbitMQ). A handler
runs at most once per event (the inbox, ``apps.core.inbox``), so redelivery is always safe.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DomainEvent:
    name: ClassVar[str] = ""
    # Bumped when the payload changes incompatibly; consumers reject versions they do not read.
    version: ClassVar[int] = 1

    def to_payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[..., None]  # (event) or (event, prepared): see prepared_by

_event_types: dict[str, type[DomainEvent]] = {}
_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_upcasters: dict[tuple[str, int], Upcaster] = {}


def register_event(cls: type[E]) -> type[E]:
    """Class decorator: makes an event type known to the bus by its ``name``."""
    if not cls.name:
        raise TypeError(f"{cls.__qualname__} needs a 'name' class attribute")
    _event_types[cls.name] = cls
    return cls


def registered_events() -> list[type[DomainEvent]]:
    """Every event type the bus knows, by name."""
    return [_event_types[name] for name in sorted(_event_types)]


class NoUpcaster(LookupError):
    """An older version of an event with no upcaster to the current one."""


def upcaster(event_type: type[DomainEvent], *, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register the decorated function as the step turning a payload of ``event_type`` at
    ``from_version`` into one at ``from_version + 1``. An envelope of an older version (an
    outbox row written before a deploy, a message from a producer not yet upgraded) is
    brought to the current version through these steps before anyone reads it."""

    def decorator(func: Upcaster) -> Upcaster:
        _upcasters[(event_type.name, from_version)] = func
        return func

    return decorator


def upcast(event_name: str, version: int, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """``payload`` of ``event_name`` at ``version`` brought to the version this code reads.
    Unchanged when it is current, newer or of an unknown event; ``LookupError`` when a step
    is missing (``NoUpcaster``: the caller rejects it as an unsupported version)."""
    cls = _event_types.get(event_name)
    if cls is None:
        return version, payload
    while version < cls.version:
        step = _upcasters.get((event_name, version))
        if step is None:
            raise NoUpcaster(f"{event_name} has no upcaster from version {version}")
        payload, version = step(dict(payload)), version + 1
    return version, payload


def on(event_type: type[DomainEvent]) -> Callable[[Handler], Handler]:
    """Subscribe the decorated function to ``event_type``; its dotted path is its identity."""

    def decorator(func: Handler) -> Handler:
        register_event(event_type)
        _handlers[event_type.name][handler_name(func)] = func
        return func

    return decorator


def prepared_by(prepare: Callable[[Any], Any]) -> Callable[[Handler], Handler]:
    """Give the decorated handler a ``prepare`` step (placed under ``@on``): the inbox runs
    ``prepare(event)`` before it opens the handler's transaction and calls
    ``handler(event, prepared)`` with its result. It is where a handler asks other contexts
    (possibly over HTTP) what it needs, so that its transaction calls none: ``prepare``
    only reads, and may run again on a redelivery until the handler's writes commit."""

    def decorator(func: Handler) -> Handler:
        func.inbox_prepare = prepare  # type: ignore[attr-defined]
        return func

    return decorator


def without_transaction(func: Handler) -> Handler:
    """Mark the decorated handler (placed under ``@on``) as one whose effect is a call into
    another context (possibly over HTTP): the inbox runs it outside any transaction and
    records it once it returned. At least once rather than exactly once, so the call must
    be idempotent; a failure leaves it to the outbox's retries."""
    func.inbox_without_transaction = True  # type: ignore[attr-defined]
    return func


def on_named(event_name: str) -> Callable[[Handler], Handler]:
    """Subscribe to an event by its name, without importing its class: how a context reacts
    to the event of one above it in the dependency order (the directory to reviews'
    ``ProRatingChanged``). The handler receives the producer's event and reads its payload
    fields only; ``tests/test_architecture.py`` checks that every such name is published."""

    def decorator(func: Handler) -> Handler:
        _handlers[event_name][handler_name(func)] = func
        return func

    return decorator


def handler_name(func: Handler) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def consumer_of(handler: str) -> str:
    """The context a handler belongs to ("apps.stats.handlers.f" → "stats")."""
    parts = handler.split(".")
    return parts[1] if parts[0] == "apps" and len(parts) > 2 else parts[0]


def consumed_elsewhere() -> frozenset[str]:
    """Contexts whose handlers this process never runs: they run as their own service
    (``settings.EVENTS_CONSUMED_ELSEWHERE``) and consume their own queue there."""
    return frozenset(getattr(settings, "EVENTS_CONSUMED_ELSEWHERE", ()))


def handlers_for(event_name: str, *, consumer: str | None = None) -> dict[str, Handler]:
    """The handlers of ``event_name`` this process runs, only those of context ``consumer``
    when given."""
    elsewhere = consumed_elsewhere()
    return {
        name: func
        for name, func in _handlers.get(event_name, {}).items()
        if (consumer is None or consumer_of(name) == consumer)
        and consumer_of(name) not in elsewhere
    }


def events_handled_by(consumer: str) -> list[str]:
    """Names of the events the context ``consumer`` has handlers for."""
    return sorted(name for name in _handlers if handlers_for(name, consumer=consumer))


def consumers() -> list[str]:
    """Every context that handles at least one event in this process."""
    every = {consumer_of(h) for handlers in _handlers.values() for h in handlers}
    return sorted(every - consumed_elsewhere())


def event_type(event_name: str) -> type[DomainEvent] | None:
    return _event_types.get(event_name)


def publish(event: DomainEvent) -> str:
    """Write ``event`` to the outbox in the current transaction; deliver after commit."""
    from apps.core import outbox

    register_event(type(event))
    record_id = outbox.store(name=event.name, payload=event.to_payload(), version=event.version)
    transaction.on_commit(lambda: outbox.dispatch(record_id), robust=True)
    return record_id
