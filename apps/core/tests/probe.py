"""A test-only event and handler, importable by a real worker with ``celery -I``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from apps.core.events import DomainEvent, on, prepared_by, register_event, without_transaction

received: list[str] = []


@register_event
@dataclass(frozen=True)
class ProbeHappened(DomainEvent):
    name = "core_tests.ProbeHappened"
    label: str
    record_to: str = ""  # a file path, when the handler runs in another process


@on(ProbeHappened)
def record_probe(event: ProbeHappened) -> None:
    received.append(event.label)
    if event.record_to:
        with Path(event.record_to).open("a") as fh:
            fh.write(event.label + "\n")


failing_state = {"fail": False}


@dataclass(frozen=True)
class FragileHappened(DomainEvent):
    name = "core_tests.FragileHappened"
    label: str


fragile_calls: list[str] = []
steady_calls: list[str] = []


@on(FragileHappened)
def fragile_handler(event: FragileHappened) -> None:
    if failing_state["fail"]:
        raise RuntimeError("downstream unavailable")
    fragile_calls.append(event.label)


@on(FragileHappened)
def steady_handler(event: FragileHappened) -> None:
    steady_calls.append(event.label)


# An event handled by two consuming contexts, as if declared in apps/probe_a/handlers.py and
# apps/probe_b/handlers.py: each consumes it from its own queue.
@dataclass(frozen=True)
class SharedHappened(DomainEvent):
    name = "core_tests.SharedHappened"
    label: str


shared_calls: list[tuple[str, str]] = []
shared_failing = {"probe_b": False}


def _declared_in(context: str):
    def decorator(func):
        func.__module__ = f"apps.{context}.handlers"
        return func

    return decorator


@on(SharedHappened)
@_declared_in("probe_a")
def shared_seen_by_a(event: SharedHappened) -> None:
    shared_calls.append(("probe_a", event.label))


@on(SharedHappened)
@_declared_in("probe_b")
def shared_seen_by_b(event: SharedHappened) -> None:
    if shared_failing["probe_b"]:
        raise RuntimeError("probe_b en panne")
    shared_calls.append(("probe_b", event.label))


# Handlers that ask another context: ``prepare`` (a read) before the inbox's transaction,
# or the whole handler outside any transaction (an idempotent call). Each entry records the
# connection's ``atomic`` depth it ran at.
@dataclass(frozen=True)
class AskingHappened(DomainEvent):
    name = "core_tests.AskingHappened"
    label: str


asking: dict[str, list] = {"prepare": [], "handler": [], "remote": []}
asking_failing = {"handler": False, "remote": False}


def _ask_other_context(event: AskingHappened) -> str:
    asking["prepare"].append(len(connection.atomic_blocks))
    return f"{event.label} (préparé)"


@on(AskingHappened)
@prepared_by(_ask_other_context)
def write_with_what_was_asked(event: AskingHappened, prepared: str) -> None:
    if asking_failing["handler"]:
        raise RuntimeError("écriture impossible")
    asking["handler"].append((len(connection.atomic_blocks), prepared))


@on(AskingHappened)
@without_transaction
def call_other_context(event: AskingHappened) -> None:
    if asking_failing["remote"]:
        raise RuntimeError("autre contexte injoignable")
    asking["remote"].append((len(connection.atomic_blocks), event.label))
