from dataclasses import dataclass

from apps.core.events import DomainEvent, register_event


@register_event
@dataclass(frozen=True)
class PasswordChanged(DomainEvent):
    name = "accounts.PasswordChanged"
    user_id: int
    changed_at: str  # ISO 8601
