"""accounts.api.actor_for: who a user is for authorization, from the database."""

import pytest

from apps.accounts import api
from apps.accounts.models import MemberRole, OrganizationKind, StaffRole
from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.core import actor as kernel
from apps.core.actor import ANONYMOUS, ActorMembership


def test_the_kernel_enums_are_the_model_choices():
    assert [(m.value) for m in kernel.StaffRole] == StaffRole.values
    assert [(m.value) for m in kernel.MemberRole] == MemberRole.values
    assert [(m.value) for m in kernel.OrganizationKind] == OrganizationKind.values


def test_actor_for_a_member_in_one_query(
    db, pro_owner, company, network, django_assert_num_queries
):
    MembershipFactory(user=pro_owner, organization=network, role=MemberRole.SALES_REP)
    closed = OrganizationFactory(slug="fermee", is_active=False)
    MembershipFactory(user=pro_owner, organization=closed, role=MemberRole.OWNER)
    with django_assert_num_queries(1):
        actor = api.actor_for(pro_owner.pk)
    assert actor.user_id == pro_owner.pk and not actor.is_advisor
    assert set(actor.memberships) == {
        ActorMembership(company.pk, kernel.MemberRole.OWNER, kernel.OrganizationKind.COMPANY),
        ActorMembership(network.pk, kernel.MemberRole.SALES_REP, kernel.OrganizationKind.NETWORK),
    }  # a deactivated organization gives no rights
    assert actor.manages(company.pk) and not actor.manages(network.pk)
    assert not actor.is_member_of(closed.pk)


@pytest.mark.parametrize(
    ("fields", "advisor", "moderator", "platform_staff"),
    [
        ({"staff_role": StaffRole.ADVISOR}, True, False, False),
        ({"staff_role": StaffRole.MODERATOR}, False, True, False),
        ({"is_superuser": True}, True, True, True),
    ],
)
def test_actor_for_eldo_staff(db, fields, advisor, moderator, platform_staff):
    actor = api.actor_for(UserFactory(**fields).pk)
    assert (actor.is_advisor, actor.is_moderator, actor.is_platform_staff) == (
        advisor,
        moderator,
        platform_staff,
    )


def test_an_inactive_unknown_or_missing_user_is_anonymous(db, pro_owner):
    pro_owner.is_active = False
    pro_owner.save()
    assert api.actor_for(pro_owner.pk) == ANONYMOUS
    assert api.actor_for(pro_owner.pk + 1000) == ANONYMOUS
    assert api.actor_for(None) == ANONYMOUS
    assert not api.actor_for(pro_owner.pk).manages(0)


def test_the_backoffice_acts_for_the_organization_asked_for_if_a_member(
    db, pro_owner, company, network
):
    other = OrganizationFactory(slug="autre-entreprise", name="Autre entreprise")
    MembershipFactory(user=pro_owner, organization=other, role=MemberRole.SALES_REP)
    first = api.backoffice_membership(user_id=pro_owner.pk)
    assert first.organization_id == other.pk  # alphabetical: "Autre" before "Toitures"

    def chosen(**choice):
        return api.backoffice_membership(user_id=pro_owner.pk, **choice).organization_id

    assert chosen(requested_org_id=company.pk) == company.pk
    assert chosen(remembered_org_id=company.pk) == company.pk
    assert chosen(requested_org_id=other.pk, remembered_org_id=company.pk) == other.pk
    # Not a member (or not a company): never chosen, whatever was asked or remembered.
    assert chosen(requested_org_id=network.pk, remembered_org_id=network.pk) == other.pk
    context = api.backoffice_context(
        user_id=pro_owner.pk, section="team", requested_org_id=company.pk
    )
    assert context["backoffice_role_label"] == "Gérant"
    assert [m.organization_id for m in context["backoffice_orgs"]] == [other.pk, company.pk]
    assert api.backoffice_context(user_id=None, section="team") is None
