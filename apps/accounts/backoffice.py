"""Which organization a back-office request acts for.

A pro may belong to several organizations: the current one is kept in the session
(``?org=<id>`` switches, when the user is a member), else the first company they belong to.
Every back-office view asks this first; a user with no membership gets "not found".
"""

from __future__ import annotations

from apps.accounts.contracts import OrgMembership
from apps.accounts.selectors import identity_for_user

SESSION_KEY = "eldo_backoffice_org"


def backoffice_memberships(request, *, kinds: tuple[str, ...]) -> list[OrgMembership]:
    if not request.user.is_authenticated:
        return []
    return [m for m in identity_for_user(user=request.user).memberships if m.kind in kinds]


def backoffice_membership(
    request, *, kinds: tuple[str, ...] = ("company",)
) -> OrgMembership | None:
    memberships = backoffice_memberships(request, kinds=kinds)
    if not memberships:
        return None
    by_id = {m.organization_id: m for m in memberships}
    wanted = request.GET.get("org")
    if wanted and wanted.isdigit() and int(wanted) in by_id:
        request.session[SESSION_KEY] = int(wanted)
    current = by_id.get(request.session.get(SESSION_KEY))
    return current or memberships[0]


ROLE_LABELS = {"owner": "Gérant", "manager": "Responsable", "sales_rep": "Commercial"}


def backoffice_context(
    request, *, section: str, kinds: tuple[str, ...] = ("company",)
) -> dict | None:
    """Template context for templates/backoffice/base.html, or None (→ 404) for non-members."""
    current = backoffice_membership(request, kinds=kinds)
    if current is None:
        return None
    return {
        "backoffice_org": current,
        "backoffice_orgs": backoffice_memberships(request, kinds=kinds),
        "backoffice_role_label": ROLE_LABELS.get(current.role, current.role),
        "section": section,
    }
