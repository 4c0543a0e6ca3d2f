"""GDPR plumbing shared by every context: the registry of personal-data exporters.

The shared kernel knows no context. Each context that holds personal data registers, from
its own ``privacy`` module (imported at start-up like ``handlers``), a function
``export_for(*, user_id, email)`` returning plain JSON-able data about that person; the
accounts context assembles the export from all of them. Erasure travels the other way, as
the ``accounts.UserErased`` domain event each context handles.

No address travels in an event: it carries ``email_digest(address)`` and each context finds
its rows with ``rows_with_email_digest`` (the same SHA-256, computed by the database).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import SHA256, Lower

Exporter = Callable[..., Any]

_exporters: dict[str, Exporter] = {}


def register_exporter(name: str, exporter: Exporter) -> Exporter:
    """Declare ``exporter(*, user_id, email)`` as the source of the export's ``name`` part."""
    _exporters[name] = exporter
    return exporter


def exporter_names() -> list[str]:
    return sorted(_exporters)


def personal_data_collect(*, user_id: int, email: str) -> dict[str, Any]:
    """Every registered context's data about this person, keyed by the exporter's name."""
    return {name: _exporters[name](user_id=user_id, email=email) for name in exporter_names()}


def iso(moment) -> str | None:
    """An optional date or datetime as ISO 8601, the export's one date format."""
    return moment.isoformat() if moment is not None else None


def email_digest(email: str | None) -> str:
    """SHA-256 (hex) of the normalised address (stripped, lower-case); "" for no address,
    so that an empty digest never matches the rows whose address is blank."""
    normalised = (email or "").strip().lower()
    return hashlib.sha256(normalised.encode()).hexdigest() if normalised else ""


class EmailDigest(SHA256):
    """``SHA256(Lower(field))`` in SQL: the database's side of ``email_digest`` (addresses
    are stored already stripped). Django's SHA256 needs the pgcrypto extension on
    PostgreSQL; the built-in ``sha256()`` (PostgreSQL 11+) gives the same hex without it."""

    def __init__(self, field: str, **extra):
        super().__init__(Lower(field), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="ENCODE(SHA256(CONVERT_TO(%(expressions)s, 'UTF8')), 'hex')",
            **extra_context,
        )


def rows_with_email_digest(queryset: QuerySet, *, field: str, digest: str) -> QuerySet:
    """The rows of ``queryset`` whose ``field`` address has ``digest``; none for "".

    A digest cannot use an index on the address: the blank addresses (most erased or
    anonymised rows) are left out before hashing, and callers narrow ``queryset`` to the
    rows still holding personal data, so the scan hashes only those."""
    if not digest:
        return queryset.none()
    return (
        queryset.exclude(**{field: ""})
        .alias(_email_digest=EmailDigest(field))
        .filter(_email_digest=digest)
    )
