"""Where each role lands after signing in, and the entries of its account menu.

Pages of other contexts are named by their URL names (``reverse``), never imported; a
page that does not exist (yet) is simply left out. A person with several roles gets the
first home in ``_HOMES``' order and every entry of each role in the menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from apps.accounts.models import MemberRole, Membership, OrganizationKind, StaffRole


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _memberships(user) -> frozenset[tuple[str, bool, str]]:
    """(kind, organization active, role) of the person's memberships: one query, kept on
    the user object for the rest of the request (the header's menu and ``has_backoffice``),
    none when the request's actor was read first (``User.actor`` keeps them)."""
    cached = getattr(user, "_eldo_memberships", None)
    if cached is None:
        cached = frozenset(
            Membership.objects.filter(user=user).values_list(
                "organization__kind", "organization__is_active", "role"
            )
        )
        user._eldo_memberships = cached
    return cached


def organization_kinds(user) -> set[tuple[str, bool]]:
    """(kind, organization active) of the person's memberships (same single query)."""
    return {(kind, active) for kind, active, _role in _memberships(user)}


def _roles(user) -> set[str]:
    roles: set[str] = set()
    if user.staff_role == StaffRole.ADVISOR:
        roles.add("advisor")
    if user.staff_role == StaffRole.MODERATOR:
        roles.add("moderator")
    if user.is_superuser or (user.is_staff and not user.staff_role):
        roles.add("staff")
    memberships = {(kind, role) for kind, active, role in _memberships(user) if active}
    if any(kind == OrganizationKind.COMPANY for kind, _role in memberships):
        roles.add("pro")
    # The network's space is its owners' and managers' (a network's sales rep has none).
    if any(
        kind in (OrganizationKind.NETWORK, OrganizationKind.MANUFACTURER)
        and role in (MemberRole.OWNER, MemberRole.MANAGER)
        for kind, role in memberships
    ):
        roles.add("network")
    # A manufacturer's managers: the same space, called the brand's.
    if any(
        kind == OrganizationKind.MANUFACTURER and role in (MemberRole.OWNER, MemberRole.MANAGER)
        for kind, role in memberships
    ):
        roles.add("brand")
    return roles


# (role, URL name of its home), in order of precedence.
_HOMES = (
    ("staff", "stats-backoffice:platform"),
    ("advisor", "quotes:console"),
    ("moderator", "reviews:moderation"),
    ("pro", "backoffice:dashboard"),
    ("network", "leads-backoffice:network-dashboard"),
)


def home_url_for(user) -> str:
    """The page a person lands on after signing in (no ``next``): their work queue,
    their back office, or "Mes projets" for a homeowner."""
    roles = _roles(user)
    for role, name in _HOMES:
        if role in roles and (url := _url(name)):
            return url
    return _url("leads-homeowner:projects") or _url("home") or "/"


def menu_for(user) -> list[MenuEntry]:
    """The account menu's entries for a signed-in person, their role's pages first."""
    roles = _roles(user)
    wanted: list[tuple[str, str]] = []
    if "advisor" in roles or "staff" in roles:
        wanted += [(_("Demandes à qualifier"), "quotes:console")]
        wanted += [(_("Demandes transmises"), "leads-advisor:list")]
    if "moderator" in roles or "staff" in roles:
        wanted += [(_("Modération"), "reviews:moderation")]
    if "staff" in roles:
        wanted += [
            (_("Vérifications"), "directory-backoffice:verification-queue"),
            (_("Statistiques Eldo"), "stats-backoffice:platform"),
            (_("Journal d'audit"), "accounts-audit:audit-log"),
            (_("Administration"), "admin:index"),
        ]
    if "pro" in roles:
        wanted += [(_("Espace pro"), "backoffice:dashboard")]
    if "network" in roles:
        label = _("Espace marque") if "brand" in roles else _("Espace réseau")
        wanted += [(label, "leads-backoffice:network-dashboard")]
    if not roles:  # a homeowner: their requests and their reviews
        wanted += [(_("Mes projets"), "leads-homeowner:projects")]
        wanted += [(_("Mes avis"), "reviews-author:list")]
    wanted += [(_("Mon compte"), "accounts-account:home")]
    entries, seen = [], set()
    for label, name in wanted:
        url = _url(name)
        if url and url not in seen:
            seen.add(url)
            entries.append(MenuEntry(label=label, url=url))
    return entries
