"""Plain data that crosses the accounts boundary (no Django imports)."""

from dataclasses import dataclass, field

# Who is calling, as every context authorizes it (defined in the shared kernel so that a
# carved service builds the same Actor from its token).
from apps.core.actor import (
    Actor,
    ActorMembership,
    MemberRole,
    OrganizationKind,
    StaffRole,
)

__all__ = [
    "DEVICE_COOKIE",
    "Actor",
    "ActorMembership",
    "AlertRecipient",
    "Identity",
    "MemberRef",
    "MemberRole",
    "NotificationSettings",
    "OrgMembership",
    "OrganizationInfo",
    "OrganizationKind",
    "PartnerCredential",
    "PushTarget",
    "StaffRole",
]

# The per-browser cookie set at sign-in (its hash is compared by member_sign_in_matches).
DEVICE_COOKIE = "eldo_device"


@dataclass(frozen=True)
class OrgMembership:
    organization_id: int
    slug: str
    name: str
    kind: str  # company | network | manufacturer | eldo
    role: str  # owner | manager | sales_rep


@dataclass(frozen=True)
class Identity:
    user_id: int
    email: str
    first_name: str
    last_name: str
    is_staff: bool
    staff_role: str  # "" | advisor | moderator
    roles: tuple[str, ...]
    memberships: tuple[OrgMembership, ...] = field(default_factory=tuple)

    def organization_ids(self) -> set[int]:
        return {m.organization_id for m in self.memberships}


@dataclass(frozen=True)
class OrganizationInfo:
    id: int
    slug: str
    name: str
    kind: str


@dataclass(frozen=True)
class MemberRef:
    """An active member of an organization, as other contexts need it (assignment lists)."""

    user_id: int
    email: str
    full_name: str
    role: str  # owner | manager | sales_rep


@dataclass(frozen=True)
class PartnerCredential:
    """Who an API key speaks for (``request.auth`` of a key-authenticated API call)."""

    organization_id: int
    organization_kind: str  # network | manufacturer | company (its own tools)
    key_prefix: str
    name: str


@dataclass(frozen=True)
class PushTarget:
    """One browser subscribed to Web Push (the keys encrypt what is sent to it)."""

    id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class AlertRecipient:
    """An active member of an organization and how they want to hear of a new lead."""

    user_id: int
    email: str
    first_name: str
    phone: str  # E.164 or ""
    by_email: bool
    by_sms: bool
    by_push: bool
    push_targets: tuple[PushTarget, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class NotificationSettings:
    new_lead_email: bool
    new_lead_sms: bool
    new_lead_push: bool
    phone: str
    push_devices: int


@dataclass(frozen=True)
class UserRef:
    """A person another context keeps by id (who is assigned, who wrote, who decided).
    An erased account keeps its id with no name and a placeholder address."""

    user_id: int
    email: str
    full_name: str
