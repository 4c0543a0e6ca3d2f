"""GDPR plumbing shared by every context: the registry of personal-data exporters.

The shared kernel knows no context. Each context that holds personal data registers, from
its own ``privacy`` module (imported at start-up like ``handlers``), a function
``export_for(*, user_id, email)`` returning plain JSON-able data about that person; the
accounts context assembles the export from all of them. Erasure travels the other way, as
the ``accounts.UserErased`` domain event each context handles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
