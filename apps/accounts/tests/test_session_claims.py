"""``api.session_claims``: who a monolith session belongs to, for a carved service."""

import pytest

from apps.accounts import api
from apps.accounts.models import MemberRole
from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _signed_in(client, user) -> str:
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_a_pro_s_session_gives_the_token_s_claims_and_the_header_s(client):
    user = UserFactory(email="philippe@facades-du-midi.fr", first_name="Philippe")
    company = OrganizationFactory(name="Façades du Midi", kind="company")
    MembershipFactory(user=user, organization=company, role=MemberRole.OWNER)

    claims = api.session_claims(_signed_in(client, user))

    assert claims.user_id == user.pk
    assert (claims.email, claims.first_name) == ("philippe@facades-du-midi.fr", "Philippe")
    assert claims.staff_role == "" and claims.roles == ("owner",)
    assert [(m.organization_id, m.role, m.kind) for m in claims.memberships] == [
        (company.pk, "owner", "company")
    ]
    assert claims.has_backoffice
    assert not claims.staff_account
    assert "Espace pro" in [entry.label for entry in claims.account_menu]


def test_unknown_signed_out_and_inactive_are_nobody(client):
    assert api.session_claims("") is None
    assert api.session_claims("aucune-session-de-ce-nom") is None
    user = UserFactory()
    key = _signed_in(client, user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert api.session_claims(key) is None

    other = _signed_in(client, UserFactory())
    client.logout()
    assert api.session_claims(other) is None


def test_a_staff_session_says_whether_its_second_factor_was_given(client, moderator):
    claims = api.session_claims(_signed_in(client, moderator))  # verified by the test login

    assert claims.staff_account and claims.staff_role == "moderator"
    assert claims.second_factor_verified


@pytest.mark.no_auto_otp
def test_a_staff_session_without_its_code_is_not_verified(client, moderator):
    claims = api.session_claims(_signed_in(client, moderator))

    assert claims.staff_account
    assert not claims.second_factor_verified
