"""A test-only event and handler, importable by a real worker with ``celery -I``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from apps.core.events import DomainEvent, on, register_event

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
