"""Which organization a back-office page acts for.

A pro may belong to several organizations: the one asked for (``?org=<id>``, when the user
is a member), else the one remembered for the session, else the first of the right kinds
they belong to. Every back-office view asks this first; a user with no membership gets
"not found". Plain data in and out: the request and its session are read and written on
the presentation side (``apps.core.backoffice``).
"""

from __future__ import annotations

from apps.accounts.contracts import BackofficeContext, OrganizationKind, OrgMembership
from apps.accounts.models import MemberRole, Membership

COMPANIES = (OrganizationKind.COMPANY,)


def backoffice_memberships(*, user_id: int | None, kinds: tuple[str, ...]) -> list[OrgMembership]:
    """The active account's memberships of active organizations of these kinds, by name:
    one query (every back-office page asks)."""
    if not user_id:
        return []
    rows = (
        Membership.objects.filter(
            user_id=user_id,
            user__is_active=True,
            organization__is_active=True,
            organization__kind__in=kinds,
        )
        .order_by("organization__name")
        .values_list(
            "organization_id",
            "organization__slug",
            "organization__name",
            "organization__kind",
            "role",
        )
    )
    return [
        OrgMembership(organization_id=org_id, slug=slug, name=name, kind=kind, role=role)
        for org_id, slug, name, kind, role in rows
    ]


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
