"""Who may do what with reviews, shared by the API and the pages.

- anyone: read public reviews, write one (throttled);
- a signed-in user: report a public review (throttled);
- members (owner, manager, sales rep) of a pro's organization: invite customers, see their
  invitations and funnel, reply to their pro's reviews; another organization's objects
  answer 404; importing a CSV of customers is for owners and managers only;
- moderators and staff: the moderation queue and decisions. Staff may also act on any
  pro's invitations (naming the pro).

Who is calling is the request's ``Actor`` (``apps.core.actor.actor_of``); its predicates
(``is_moderator``, ``is_platform_staff``, ``manages``) are the rules above.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.http import Http404, HttpRequest

from apps.accounts.contracts import AccountsFacade
from apps.core.actor import MANAGING_ROLES, Actor
from apps.core.backoffice import backoffice_context_of
from apps.core.facade_ports import facade
from apps.core.throttling import ScopedRateThrottle
from apps.directory.contracts import DirectoryFacade, ProRef

directory: DirectoryFacade = facade("directory")
accounts: AccountsFacade = facade("accounts")


def member_pros(actor: Actor) -> list[ProRef]:
    """The pros whose organization the actor is a member of."""
    if not actor.memberships:
        return []
    return sorted(
        directory.pros_for_organizations(sorted(actor.organization_ids())),
        key=lambda pro: pro.name,
    )


def may_invite(actor: Actor) -> bool:
    """Staff for any pro; members (whatever their role) for their own pros."""
    return actor.is_platform_staff or bool(member_pros(actor))


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
    return context["backoffice_org"].role in MANAGING_ROLES
