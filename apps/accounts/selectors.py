import hashlib
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apps.accounts.contracts import Identity, MemberRef, OrganizationInfo, OrgMembership
from apps.accounts.models import Membership, Organization, SignIn, User
from apps.core.actor import ANONYMOUS, Actor, StaffRole, actor_membership


def user_roles(*, user: User, memberships: list[OrgMembership]) -> tuple[str, ...]:
    roles: set[str] = set()
    if user.is_superuser:
        roles.add("staff")  # platform staff: may do everything
    if user.staff_role:
        roles.add(user.staff_role)
    roles.update(m.role for m in memberships)
    if not roles:
        roles.add("homeowner")
    return tuple(sorted(roles))


def actor_for_user_id(*, user_id: int | None) -> Actor:
    """The actor of an active account (one query: the user joined to its memberships),
    anonymous for None, an unknown or an inactive account. Memberships of deactivated
    organizations give no rights."""
    return actor_and_memberships(user_id=user_id)[0]


def actor_and_memberships(*, user_id: int | None) -> tuple[Actor, frozenset[tuple[str, bool, str]]]:
    """``actor_for_user_id`` and, from the same query, the (organization kind, organization
    active, role) of every membership: what the account menu reads (accounts.navigation)."""
    if user_id is None:
        return ANONYMOUS, frozenset()
    rows = list(
        User.objects.filter(pk=user_id, is_active=True)
        .order_by("memberships__organization_id")
        .values_list(
            "is_superuser",
            "staff_role",
            "memberships__organization_id",
            "memberships__role",
            "memberships__organization__kind",
            "memberships__organization__is_active",
        )
    )
    if not rows:
        return ANONYMOUS, frozenset()
    is_superuser, staff_role = rows[0][0], rows[0][1]
    actor = Actor(
        user_id=user_id,
        staff_role=StaffRole(staff_role or ""),
        is_superuser=bool(is_superuser),
        memberships=tuple(
            actor_membership(organization_id=org_id, role=role, organization_kind=kind)
            for _su, _sr, org_id, role, kind, org_active in rows
            if org_id is not None and org_active
        ),
    )
    memberships = frozenset(
        (kind, org_active, role)
        for _su, _sr, org_id, role, kind, org_active in rows
        if org_id is not None
    )
    return actor, memberships


def identity_for_user(*, user: User) -> Identity:
    memberships = [
        OrgMembership(
            organization_id=m.organization_id,
            slug=m.organization.slug,
            name=m.organization.name,
            kind=m.organization.kind,
            role=m.role,
        )
        for m in Membership.objects.filter(user=user, organization__is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    ]
    return Identity(
        user_id=user.pk,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        is_staff=user.is_staff,
        staff_role=user.staff_role,
        roles=user_roles(user=user, memberships=memberships),
        memberships=tuple(memberships),
    )


def organizations_by_ids(*, ids: list[int]) -> dict[int, OrganizationInfo]:
    return {
        o.id: OrganizationInfo(id=o.id, slug=o.slug, name=o.name, kind=o.kind)
        for o in Organization.objects.filter(id__in=ids)
    }


def organization_member_emails(*, organization_id: int) -> list[str]:
    return list(
        Membership.objects.filter(organization_id=organization_id, user__is_active=True)
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def organization_members(*, organization_id: int) -> list[MemberRef]:
    return [
        MemberRef(
            user_id=m.user_id,
            email=m.user.email,
            full_name=m.user.get_full_name(),
            role=m.role,
        )
        for m in Membership.objects.filter(organization_id=organization_id, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__email")
    ]


def audit_entry_list(
    *, actor_id: int | None = None, action: str = "", date_from=None, date_to=None
):
    """The staff audit log, newest first, filtered; the actor comes with each entry."""
    from apps.accounts.models import AuditEntry

    entries = AuditEntry.objects.select_related("actor").order_by("-occurred_at", "-id")
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action=action)
    if date_from:
        entries = entries.filter(occurred_at__date__gte=date_from)
    if date_to:
        entries = entries.filter(occurred_at__date__lte=date_to)
    return entries


def audit_filter_choices() -> tuple[list[str], list[tuple[int, str]]]:
    """(actions, actors) present in the log, for the filters: two queries."""
    from apps.accounts.models import AuditEntry

    codes = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    actor_ids = (
        AuditEntry.objects.filter(actor__isnull=False).order_by().values("actor_id").distinct()
    )
    actors = [
        (user.pk, user.get_full_name())
        for user in User.objects.filter(pk__in=actor_ids).order_by("last_name", "first_name")
    ]
    return list(codes), actors


def device_hash(value: str | None) -> str:
    """SHA-256 of a browser's device cookie ("" without one): what a sign-in keeps."""
    return hashlib.sha256(value.encode()).hexdigest() if value else ""


def member_sign_in_matches(
    *, organization_id: int, ip: str | None, device_hash: str, days: int = 90
) -> bool:
    """Did a member of this organization sign in from this address or browser lately?"""
    if not ip and not device_hash:
        return False
    members = Membership.objects.filter(organization_id=organization_id).values("user_id")
    recent = SignIn.objects.filter(
        user_id__in=members, created_at__gte=timezone.now() - timedelta(days=days)
    )
    match = Q()
    if ip:
        match |= Q(ip=ip)
    if device_hash:
        match |= Q(device_hash=device_hash)
    return recent.filter(match).exists()
