"""The envelope: a domain event as a self-contained message between processes.

It carries everything a consumer needs (id, name, version, time, producer, payload), so a
consumer in another process or database never reads the producer's outbox table. Parsing
is strict: whatever does not describe a known event at a supported version is a
``MalformedEvent``, which a consumer dead-letters instead of crashing on. An older version
that has upcasters (``apps.core.events.upcaster``) is supported: the envelope is upcast to
the current version as soon as it is built, so no handler and no wire sees the old payload.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime
from typing import Any

from apps.core.events import DomainEvent, NoUpcaster, event_type, upcast


class MalformedEvent(ValueError):
    """A message that is not a valid envelope of a known event at a supported version."""


_FIELDS: dict[str, type] = {
    "id": str,
    "name": str,
    "version": int,
    "occurred_at": str,
    "producer": str,
    "payload": dict,
}


@dataclasses.dataclass(frozen=True)
class Envelope:
    id: str
    name: str
    version: int
    occurred_at: str
    producer: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: bytes | str) -> Envelope:
        try:
            raw = json.loads(data)
        except (TypeError, ValueError) as exc:
            raise MalformedEvent(f"not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise MalformedEvent("not a JSON object")
        for field, expected in _FIELDS.items():
            if field not in raw:
                raise MalformedEvent(f"missing field {field!r}")
            value = raw[field]
            # bool is an int in Python: a version of true is still ill-typed.
            if not isinstance(value, expected) or isinstance(value, bool):
                raise MalformedEvent(f"field {field!r} is not a {expected.__name__}")
        raw["version"], raw["payload"] = _current(raw["name"], raw["version"], raw["payload"])
        envelope = cls(**{field: raw[field] for field in _FIELDS})
        envelope._validate()
        return envelope

    def _validate(self) -> None:
        try:
            uuid.UUID(self.id)
        except ValueError as exc:
            raise MalformedEvent(f"id {self.id!r} is not a UUID") from exc
        try:
            datetime.fromisoformat(self.occurred_at)
        except ValueError as exc:
            raise MalformedEvent(f"occurred_at {self.occurred_at!r} is not ISO 8601") from exc
        cls = event_type(self.name)
        if cls is None:
            raise MalformedEvent(f"unknown event {self.name!r}")
        if self.version != cls.version:
            raise MalformedEvent(
                f"{self.name} version {self.version} unsupported (this code reads {cls.version})"
            )
        if self.producer != producer_of(self.name):
            raise MalformedEvent(f"{self.name} cannot be produced by {self.producer!r}")
        self.event()

    def event(self) -> DomainEvent:
        """The typed event; ``MalformedEvent`` when the payload does not fit its fields."""
        cls = event_type(self.name)
        if cls is None:
            raise MalformedEvent(f"unknown event {self.name!r}")
        fields = {f.name for f in dataclasses.fields(cls)}
        try:
            return cls(**{k: v for k, v in self.payload.items() if k in fields})
        except TypeError as exc:
            raise MalformedEvent(f"payload does not fit {self.name}: {exc}") from exc


def producer_of(event_name: str) -> str:
    """The context publishing ``event_name`` ("reviews.ReviewPublished" → "reviews")."""
    return event_name.split(".", 1)[0]


def _current(name: str, version: int, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The version and payload upcast to the current version; left as they are when no
    upcaster covers them (``_validate`` then rejects the version)."""
    try:
        return upcast(name, version, payload)
    except NoUpcaster:
        return version, payload
    except (LookupError, TypeError, ValueError, AttributeError) as exc:
        raise MalformedEvent(f"{name} version {version} cannot be upcast: {exc!r}") from exc


def envelope_of(*, event_id, name: str, version: int, occurred_at: datetime, payload: dict):
    version, payload = _current(name, version, dict(payload))
    return Envelope(
        id=str(event_id),
        name=name,
        version=version,
        occurred_at=occurred_at.isoformat(),
        producer=producer_of(name),
        payload=dict(payload),
    )
