from dataclasses import dataclass

from apps.core.events import DomainEvent, register_event, upcaster
from apps.core.privacy import email_digest


@register_event
@dataclass(frozen=True)
class PasswordChanged(DomainEvent):
    name = "accounts.PasswordChanged"
    user_id: int
    changed_at: str  # ISO 8601


@register_event
@dataclass(frozen=True)
class MemberInvited(DomainEvent):
    name = "accounts.MemberInvited"
    invitation_id: int


@register_event
@dataclass(frozen=True)
class MembershipChanged(DomainEvent):
    """A member joined, changed role or left (stats and leads keep rep lists in sync)."""

    name = "accounts.MembershipChanged"
    organization_id: int
    user_id: int
    role: str  # "" when the member left


@register_event
@dataclass(frozen=True)
class UserErased(DomainEvent):
    """A person erased their account (GDPR): every context forgets or anonymises them.

    ``email_sha256`` is ``apps.core.privacy.email_digest`` of the address the homeowner used
    in quotes and reviews before (or without) an account: each context finds its rows by
    that digest, and the address itself never travels nor stays in the outbox.
    """

    name = "accounts.UserErased"
    version = 2  # 1 carried the raw address ("email")
    user_id: int
    email_sha256: str  # "" when there is no address to match
    erased_at: str  # ISO 8601


@upcaster(UserErased, from_version=1)
def _user_erased_v1_to_v2(payload: dict) -> dict:
    """An erasure published before version 2 (still in an outbox, or from a producer not yet
    upgraded): its address becomes the digest before it leaves or reaches a handler. Rows
    delivered before carry a blanked address, which upcasts to "" (matches nothing)."""
    return {
        "user_id": payload["user_id"],
        "email_sha256": email_digest(payload.get("email")),
        "erased_at": payload["erased_at"],
    }


@register_event
@dataclass(frozen=True)
class OrganizationDeleted(DomainEvent):
    """An organization is gone (an administrator deleted it): every context that keeps rows
    by its id (a pro's profile, its reviews' settings, its leads) removes or detaches them."""

    name = "accounts.OrganizationDeleted"
    organization_id: int
    kind: str  # company | network | manufacturer | eldo
    deleted_at: str  # ISO 8601


@register_event
@dataclass(frozen=True)
class EmailChanged(DomainEvent):
    """The sign-in address changed (confirmed from the new address): the old one is told.

    No address travels: ``notice_id`` names accounts' own ``EmailChangeNotice`` row, which
    its handler reads, then deletes once the notice is sent."""

    name = "accounts.EmailChanged"
    version = 2  # 1 carried old_email and new_email
    user_id: int
    notice_id: int
    changed_at: str  # ISO 8601


@register_event
@dataclass(frozen=True)
class TokensRevoked(DomainEvent):
    """Every API token of the user issued before ``before`` is refused from now on (logout,
    password change, deactivation, erasure, refresh-token reuse). The monolith checks its
    own revocation cache; a service authorizing from the token alone
    (apps.core.principal) keeps ``before`` per user and compares the token's ``iat``."""

    name = "accounts.TokensRevoked"
    user_id: int
    before: str  # ISO 8601
