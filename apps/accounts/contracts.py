"""Plain data that crosses the accounts boundary (no Django imports)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# typing_extensions' TypedDict: pydantic (facades over HTTP) needs it on Python < 3.12.
from typing_extensions import TypedDict

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
    "AccountsFacade",
    "Actor",
    "ActorMembership",
    "AlertRecipient",
    "BackofficeContext",
    "Identity",
    "MemberRef",
    "MemberRole",
    "MenuLink",
    "NotificationSettings",
    "OrgMembership",
    "OrganizationInfo",
    "OrganizationKind",
    "PartnerCredential",
    "PartnerKeyRow",
    "PushTarget",
    "SessionClaims",
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


@dataclass(frozen=True)
class MenuLink:
    """An entry of the header's account menu (a path of the public site)."""

    label: str
    url: str


@dataclass(frozen=True)
class SessionClaims:
    """The person behind a monolith session, for a service that cannot read the session
    table: the access token's claims (``user_id``, ``staff_role``, ``roles``,
    ``memberships``) and what the shared header shows. ``staff_account`` with
    ``second_factor_verified`` false is a staff session not yet verified by a code: it has
    no staff rights while staff two-factor is required."""

    user_id: int
    email: str
    first_name: str
    last_name: str
    is_superuser: bool
    is_staff: bool
    staff_role: str  # "" | advisor | moderator
    roles: tuple[str, ...]
    memberships: tuple[OrgMembership, ...]
    staff_account: bool
    second_factor_verified: bool
    has_backoffice: bool  # a member of a company: the header links to the pro space
    account_menu: tuple[MenuLink, ...] = field(default_factory=tuple)


class PartnerKeyRow(TypedDict):
    """An API key of a network, a manufacturer or a company, as its owners see it: never
    the key itself."""

    prefix: str
    name: str
    created: datetime
    expires_at: datetime | None
    revoked: bool
    last_used_at: datetime | None


class BackofficeContext(TypedDict):
    """The template context of templates/backoffice/base.html: the organization acted for,
    the others to switch to, the user's role there (French label), the page's section."""

    backoffice_org: OrgMembership
    backoffice_orgs: list[OrgMembership]
    backoffice_role_label: str
    section: str


class AccountsFacade(Protocol):
    """What other contexts call on accounts (``facade("accounts")``), in-process or over
    HTTP (apps.core.remote_facades): the signatures of ``apps.accounts.api``'s functions."""

    def audit_record(
        self,
        *,
        actor_id: int | None,
        action: str,
        summary: str,
        target_type: str,
        target_ref: str,
        occurred_at: str,
        details: dict[str, Any] | None = None,
    ) -> int: ...

    def backoffice_context(
        self,
        *,
        user_id: int | None,
        section: str,
        kinds: tuple[str, ...] = (OrganizationKind.COMPANY,),
        requested_org_id: int | None = None,
        remembered_org_id: int | None = None,
    ) -> BackofficeContext | None: ...

    def company_credential_for_key(self, key: str) -> PartnerCredential | None: ...

    def company_key_create(
        self, *, organization_id: int, name: str, created_by_id: int
    ) -> tuple[PartnerKeyRow, str]: ...

    def device_hash(self, cookie_value: str) -> str: ...

    def identity_for_user_id(self, user_id: int) -> Identity | None: ...

    def member_sign_in_matches(
        self, *, organization_id: int, ip: str | None, device_hash: str
    ) -> bool: ...

    def organization_ids_by_slugs(self, slugs: list[str]) -> dict[str, int]: ...

    def organization_member_emails(self, organization_id: int) -> list[str]: ...

    def organization_members(self, organization_id: int) -> list[MemberRef]: ...

    def organizations_by_ids(self, ids: list[int]) -> dict[int, OrganizationInfo]: ...

    def partner_key_revoke(self, *, organization_id: int, prefix: str) -> None: ...

    def partner_keys(self, organization_id: int) -> list[PartnerKeyRow]: ...

    def session_claims(self, session_key: str) -> SessionClaims | None: ...

    def verified_email_for_user_id(self, user_id: int) -> str | None: ...
