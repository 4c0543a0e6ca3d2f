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
