"""Which organization a back-office page acts for.

A pro may belong to several organizations: the one asked for (``?org=<id>``, when the user
is a member), else the one remembered for the session, else the first of the right kinds
they belong to. Every back-office view asks this first; a user with no membership gets
"not found". Plain data in and out: the request and its session are read and written on
the presentation side (``apps.core.backoffice``).
"""

from __future__ import annotations

from apps.accounts.contracts import BackofficeContext, OrganizationKind, OrgMembership
from apps.accounts.models import MemberRole, User
from apps.accounts.selectors import identity_for_user

COMPANIES = (OrganizationKind.COMPANY,)


def backoffice_memberships(*, user_id: int | None, kinds: tuple[str, ...]) -> list[OrgMembership]:
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return []
    return [m for m in identity_for_user(user=user).memberships if m.kind in kinds]


def _chosen(
    memberships: list[OrgMembership], *, requested_org_id: int | None, remembered_org_id: int | None
) -> OrgMembership | None:
    by_id = {m.organization_id: m for m in memberships}
    for wanted in (requested_org_id, remembered_org_id):
        if wanted in by_id:
            return by_id[wanted]
    return memberships[0] if memberships else None


def backoffice_membership(
    *,
    user_id: int | None,
    kinds: tuple[str, ...] = COMPANIES,
    requested_org_id: int | None = None,
    remembered_org_id: int | None = None,
) -> OrgMembership | None:
    memberships = backoffice_memberships(user_id=user_id, kinds=kinds)
    return _chosen(
        memberships, requested_org_id=requested_org_id, remembered_org_id=remembered_org_id
    )


def backoffice_context(
    *,
    user_id: int | None,
    section: str,
    kinds: tuple[str, ...] = COMPANIES,
    requested_org_id: int | None = None,
    remembered_org_id: int | None = None,
) -> BackofficeContext | None:
    """Template context for templates/backoffice/base.html, or None (→ 404) for non-members."""
    memberships = backoffice_memberships(user_id=user_id, kinds=kinds)
    current = _chosen(
        memberships, requested_org_id=requested_org_id, remembered_org_id=remembered_org_id
    )
    if current is None:
        return None
    return {
        "backoffice_org": current,
        "backoffice_orgs": memberships,
        "backoffice_role_label": str(MemberRole(current.role).label)
        if current.role in MemberRole.values
        else current.role,
        "section": section,
    }
