"""Who may do what with reviews, shared by the API and the pages.

- anyone: read public reviews, write one (throttled);
- a signed-in user: report a public review (throttled);
- members (owner, manager, sales rep) of a pro's organization: invite customers, see their
  invitations and funnel, reply to their pro's reviews; another organization's objects
  answer 404; importing a CSV of customers is for owners and managers only;
- moderators and staff: the moderation queue and decisions. Staff may also act on any
  pro's invitations (naming the pro).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.http import Http404, HttpRequest

from apps.accounts import api as accounts
from apps.accounts.contracts import Identity
from apps.core.backoffice import backoffice_context_of
from apps.core.throttling import ScopedRateThrottle
from apps.directory import api as directory
from apps.directory.contracts import ProRef

MODERATION_ROLES = {"moderator", "staff"}


def identity_of(request) -> Identity | None:
    """The signed-in user's identity, looked up once per request."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(request, "_eldo_identity", None)
    if cached is None:
        cached = accounts.identity_for_user_id(user.pk)
        request._eldo_identity = cached
    return cached


def is_moderator(identity: Identity | None) -> bool:
    return bool(identity and MODERATION_ROLES & set(identity.roles))


def is_staff(identity: Identity | None) -> bool:
    return bool(identity and "staff" in identity.roles)


def member_pros(identity: Identity | None) -> list[ProRef]:
    """The pros whose organization the user is a member of."""
    if identity is None or not identity.memberships:
        return []
    return sorted(
        directory.pros_for_organizations(sorted(identity.organization_ids())),
        key=lambda pro: pro.name,
    )


def may_invite(identity: Identity | None) -> bool:
    return is_staff(identity) or bool(member_pros(identity))


IMPORT_ROLES = {"owner", "manager"}


def may_import(identity: Identity | None, *, organization_id: int) -> bool:
    """A CSV of customers: the owners and managers of the organization, and staff; not the
    sales reps (a file is hundreds of e-mails under Eldo's name)."""
    if is_staff(identity):
        return True
    return bool(
        identity
        and any(
            m.organization_id == organization_id and m.role in IMPORT_ROLES
            for m in identity.memberships
        )
    )


def submission_allowed(request, scope: str) -> bool:
    """DRF's scoped throttle, for the pages too: one counter per client and scope."""
    return ScopedRateThrottle().allow_request(request, SimpleNamespace(throttle_scope=scope))


def client_address(request) -> str | None:
    """The client's address as the throttles see it (NUM_PROXIES honoured)."""
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request) or None


def backoffice_scope(request: HttpRequest, section: str) -> tuple[dict[str, Any], ProRef]:
    """(template context, the organization's pro) for a member of a pro's organization in
    the back office; 404 otherwise, like every other organization's object."""
    context = backoffice_context_of(request, accounts.backoffice_context, section=section)
    if context is None:
        raise Http404
    pros = directory.pros_for_organizations([context["backoffice_org"].organization_id])
    if not pros:
        raise Http404
    return context, pros[0]


def backoffice_may_import(context: dict[str, Any]) -> bool:
    """A CSV of customers (and the company's tool keys): owners and managers only."""
    return context["backoffice_org"].role in IMPORT_ROLES
