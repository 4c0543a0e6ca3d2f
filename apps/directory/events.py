"""Events the directory context publishes (through the core outbox)."""

from dataclasses import dataclass

from apps.core.events import DomainEvent, register_event


@register_event
@dataclass(frozen=True)
class ProProfileChanged(DomainEvent):
    """A pro's public profile changed (details, trades, area, photos, labels, publication):
    pages and lists showing it must be rebuilt."""

    name = "directory.ProProfileChanged"
    pro_id: int
    slug: str


@register_event
@dataclass(frozen=True)
class ProCreated(DomainEvent):
    """A pro profile was created on Eldo (staff KPI "nouveaux pros"). Bulk creations (demo
    data, the legacy import of the PHP monolith's pros) publish none."""

    name = "directory.ProCreated"
    pro_id: int
    organization_id: int
    created_at: str  # ISO 8601
