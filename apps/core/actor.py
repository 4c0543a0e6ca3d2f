"""Who is calling: one answer for every context, whichever way the caller came in.

An ``Actor`` is plain data (no Django): the user's id, their Eldo staff role, whether they
are platform staff (superusers) and their memberships with each organization's kind. The
monolith builds it from the database (``accounts.api.actor_for``), a carved service from
the access token's claims (``apps.core.principal``); services and selectors authorize with
its predicates, so that "may this caller do that" has one meaning everywhere.

The enums are ``StrEnum``: their values are the strings stored in the database, written in
the token's claims and sent in JSON.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class StaffRole(enum.StrEnum):
    NONE = ""
    ADVISOR = "advisor"
    MODERATOR = "moderator"


class MemberRole(enum.StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    SALES_REP = "sales_rep"


class OrganizationKind(enum.StrEnum):
    COMPANY = "company"
    NETWORK = "network"
    MANUFACTURER = "manufacturer"
    ELDO = "eldo"


# Owners and managers run their organization; sales reps work the leads given to them.
MANAGING_ROLES = frozenset({MemberRole.OWNER, MemberRole.MANAGER})
# Organizations that route leads to installers and follow them, without working them.
PARTNER_KINDS = frozenset({OrganizationKind.NETWORK, OrganizationKind.MANUFACTURER})


@dataclass(frozen=True)
class ActorMembership:
    organization_id: int
    role: MemberRole
    organization_kind: OrganizationKind

    @property
    def is_managing(self) -> bool:
        return self.role in MANAGING_ROLES


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None  # None: anonymous, or an organization's API key
    staff_role: StaffRole = StaffRole.NONE
    is_superuser: bool = False  # platform staff: may do everything
    memberships: tuple[ActorMembership, ...] = field(default_factory=tuple)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_platform_staff(self) -> bool:
        return self.is_authenticated and self.is_superuser

    @property
    def is_advisor(self) -> bool:
        """Follows up quotes and leads on every pro's behalf."""
        return self.is_platform_staff or (
            self.is_authenticated and self.staff_role == StaffRole.ADVISOR
        )

    @property
    def is_moderator(self) -> bool:
        return self.is_platform_staff or (
            self.is_authenticated and self.staff_role == StaffRole.MODERATOR
        )

    @property
    def is_eldo_staff(self) -> bool:
        """Anyone working for Eldo (platform staff, advisors, moderators)."""
        return self.is_platform_staff or (
            self.is_authenticated and self.staff_role != StaffRole.NONE
        )

    def membership_in(self, organization_id: int) -> ActorMembership | None:
        return next((m for m in self.memberships if m.organization_id == organization_id), None)

    def role_in(self, organization_id: int) -> MemberRole | None:
        membership = self.membership_in(organization_id)
        return membership.role if membership else None

    def is_member_of(self, organization_id: int) -> bool:
        return self.membership_in(organization_id) is not None

    def manages(self, organization_id: int) -> bool:
        """Owner or manager of the organization, or platform staff."""
        membership = self.membership_in(organization_id)
        return self.is_platform_staff or bool(membership and membership.is_managing)

    def organization_ids(self) -> frozenset[int]:
        return frozenset(m.organization_id for m in self.memberships)

    def company_ids(self) -> frozenset[int]:
        """The companies (pros) the actor works for, whatever their role."""
        return frozenset(
            m.organization_id
            for m in self.memberships
            if m.organization_kind == OrganizationKind.COMPANY
        )

    def managed_company_ids(self) -> frozenset[int]:
        return frozenset(
            m.organization_id
            for m in self.memberships
            if m.organization_kind == OrganizationKind.COMPANY and m.is_managing
        )

    def network_ids(self) -> frozenset[int]:
        """The networks and manufacturers the actor runs (owner or manager)."""
        return frozenset(
            m.organization_id
            for m in self.memberships
            if m.organization_kind in PARTNER_KINDS and m.is_managing
        )

    def without_staff_powers(self) -> Actor:
        """The same person as a member of their organizations only (a pro's own views)."""
        return Actor(user_id=self.user_id, memberships=self.memberships)


ANONYMOUS = Actor()


def actor_membership(*, organization_id: Any, role: Any, organization_kind: Any) -> ActorMembership:
    """A membership from plain values (a database row, a token claim); ValueError if one is
    not a known role or kind."""
    return ActorMembership(
        organization_id=int(organization_id),
        role=MemberRole(str(role)),
        organization_kind=OrganizationKind(str(organization_kind)),
    )


def actor_from_claims(
    *, user_id: Any, staff_role: Any, roles: Iterable[Any], memberships: Iterable[dict]
) -> Actor:
    """The actor an access token describes (``roles`` holds "staff" for platform staff);
    ValueError, KeyError or TypeError when a claim is malformed."""
    return Actor(
        user_id=int(user_id),
        staff_role=StaffRole(str(staff_role or "")),
        is_superuser="staff" in {str(role) for role in roles},
        memberships=tuple(
            actor_membership(
                organization_id=m["organization_id"],
                role=m["role"],
                organization_kind=m["organization_kind"],
            )
            for m in memberships
        ),
    )


def actor_of(request: Any) -> Actor:
    """The actor of a request, read once per request: what its authenticated user says it
    is (accounts' ``User`` and the token's ``Principal`` both expose ``actor``), else
    anonymous (a visitor, an organization's API key)."""
    cached = getattr(request, "_eldo_actor", None)
    if isinstance(cached, Actor):
        return cached
    user = getattr(request, "user", None)
    actor = getattr(user, "actor", None) if getattr(user, "is_authenticated", False) else None
    actor = actor if isinstance(actor, Actor) else ANONYMOUS
    request._eldo_actor = actor
    return actor
