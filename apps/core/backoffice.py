"""The back office's organization switch, on the request side.

accounts decides which organization a back-office page acts for from plain data (the
user, the organization asked for with ``?org=<id>``, the one remembered for the session);
this module reads those from the request and remembers the choice in the session. The
accounts facade is passed in: the shared kernel imports no context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

SESSION_KEY = "eldo_backoffice_org"


def _as_id(value: Any) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and len(text) < 19 else None


def org_choice(request: Any) -> dict[str, int | None]:
    """The plain arguments of accounts' back-office functions for this request."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    return {
        "user_id": user.pk if user is not None and user.is_authenticated else None,
        "requested_org_id": _as_id(request.GET.get("org")),
        "remembered_org_id": _as_id(session.get(SESSION_KEY)) if session is not None else None,
    }


def backoffice_context_of(
    request: Any, context_for: Callable[..., Mapping[str, Any] | None], **arguments: Any
) -> dict[str, Any] | None:
    """``context_for`` (``accounts.api.backoffice_context``) called for this request; a
    switch asked for with ``?org=`` and granted is remembered for the session."""
    choice = org_choice(request)
    context = context_for(**choice, **arguments)
    if context is None:
        return None
    _remember(request, choice, context["backoffice_org"].organization_id)
    return dict(context)  # the page adds its own keys


def backoffice_membership_of(request: Any, membership_for: Callable[..., Any], **arguments: Any):
    """``membership_for`` (``accounts.api.backoffice_membership``) called for this request."""
    choice = org_choice(request)
    membership = membership_for(**choice, **arguments)
    if membership is not None:
        _remember(request, choice, membership.organization_id)
    return membership


def _remember(request: Any, choice: dict[str, int | None], organization_id: int) -> None:
    if choice["requested_org_id"] == organization_id != choice["remembered_org_id"]:
        request.session[SESSION_KEY] = organization_id
