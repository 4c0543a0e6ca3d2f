"""Who is calling: the Actor's predicates are the authorization rules of every context."""

import pytest

from apps.core.actor import (
    ANONYMOUS,
    Actor,
    ActorMembership,
    MemberRole,
    OrganizationKind,
    StaffRole,
    actor_from_claims,
    actor_of,
)

ORG = 7
OTHER_ORG = 8


def member(role: MemberRole, kind: OrganizationKind, organization_id: int = ORG) -> Actor:
    return Actor(
        user_id=42,
        memberships=(
            ActorMembership(organization_id=organization_id, role=role, organization_kind=kind),
        ),
    )


@pytest.mark.parametrize("kind", list(OrganizationKind))
@pytest.mark.parametrize("role", list(MemberRole))
def test_a_member_is_a_member_of_its_organization_only(role, kind):
    actor = member(role, kind)
    assert actor.is_authenticated
    assert actor.is_member_of(ORG) and not actor.is_member_of(OTHER_ORG)
    assert actor.role_in(ORG) == role and actor.role_in(OTHER_ORG) is None
    assert actor.organization_ids() == {ORG}
    managing = role in (MemberRole.OWNER, MemberRole.MANAGER)
    assert actor.manages(ORG) is managing
    assert not actor.manages(OTHER_ORG)
    assert actor.company_ids() == ({ORG} if kind == OrganizationKind.COMPANY else set())
    assert actor.managed_company_ids() == (
        {ORG} if kind == OrganizationKind.COMPANY and managing else set()
    )
    partner = kind in (OrganizationKind.NETWORK, OrganizationKind.MANUFACTURER)
    assert actor.network_ids() == ({ORG} if partner and managing else set())
    # Membership gives no Eldo powers, whatever the role.
    assert not (actor.is_advisor or actor.is_moderator or actor.is_platform_staff)
    assert not actor.is_eldo_staff


@pytest.mark.parametrize(
    ("actor", "advisor", "moderator", "platform_staff", "eldo_staff"),
    [
        (Actor(user_id=1, staff_role=StaffRole.ADVISOR), True, False, False, True),
        (Actor(user_id=1, staff_role=StaffRole.MODERATOR), False, True, False, True),
        (Actor(user_id=1, is_superuser=True), True, True, True, True),
        (Actor(user_id=1), False, False, False, False),
    ],
    ids=["advisor", "moderator", "platform staff", "homeowner"],
)
def test_eldo_powers(actor, advisor, moderator, platform_staff, eldo_staff):
    assert actor.is_advisor is advisor
    assert actor.is_moderator is moderator
    assert actor.is_platform_staff is platform_staff
    assert actor.is_eldo_staff is eldo_staff
    # Only platform staff manages an organization it does not belong to.
    assert actor.manages(ORG) is platform_staff
    assert not actor.is_member_of(ORG)


def test_anonymous_has_no_power_even_with_flags():
    forged = Actor(user_id=None, staff_role=StaffRole.ADVISOR, is_superuser=True)
    for actor in (ANONYMOUS, forged):
        assert not actor.is_authenticated
        assert not (actor.is_advisor or actor.is_moderator or actor.is_platform_staff)
        assert not actor.manages(ORG)


def test_without_staff_powers_keeps_the_memberships_only():
    boss = Actor(
        user_id=3,
        is_superuser=True,
        staff_role=StaffRole.ADVISOR,
        memberships=member(MemberRole.SALES_REP, OrganizationKind.COMPANY).memberships,
    )
    plain = boss.without_staff_powers()
    assert plain.user_id == 3 and plain.memberships == boss.memberships
    assert not plain.is_advisor and not plain.manages(ORG) and plain.is_member_of(ORG)


def test_enum_values_are_the_strings_stored_and_sent():
    assert StaffRole.ADVISOR == "advisor" and f"{MemberRole.SALES_REP}" == "sales_rep"
    assert OrganizationKind("manufacturer") is OrganizationKind.MANUFACTURER


def test_actor_from_claims():
    actor = actor_from_claims(
        user_id="42",
        staff_role="moderator",
        roles=["moderator", "owner"],
        memberships=[{"organization_id": "7", "role": "owner", "organization_kind": "company"}],
    )
    assert actor == Actor(
        user_id=42,
        staff_role=StaffRole.MODERATOR,
        memberships=(
            ActorMembership(
                organization_id=7, role=MemberRole.OWNER, organization_kind=OrganizationKind.COMPANY
            ),
        ),
    )
    assert actor_from_claims(
        user_id=1, staff_role="", roles=["staff"], memberships=[]
    ).is_platform_staff
    with pytest.raises(ValueError):
        actor_from_claims(user_id=1, staff_role="emperor", roles=[], memberships=[])


class _Request:
    def __init__(self, user):
        self.user = user


class _User:
    is_authenticated = True

    def __init__(self):
        self.reads = 0

    @property
    def actor(self):
        self.reads += 1
        return Actor(user_id=5)


def test_actor_of_a_request_is_read_once_and_anonymous_without_a_user():
    user = _User()
    request = _Request(user)
    assert actor_of(request) == actor_of(request) == Actor(user_id=5)
    assert user.reads == 1
    assert actor_of(_Request(None)) is ANONYMOUS
