"""The caller from the access token alone: what a carved-out service authorizes with."""

import time
import uuid

import pytest
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from apps.core.principal import (
    Principal,
    PrincipalError,
    PrincipalMembership,
    StatelessJWTAuthentication,
    stateless_jwt_principal,
)
from apps.core.token_keys import generate_key, token_backend

MEMBERSHIPS = [
    {"organization_id": 7, "role": "owner", "organization_kind": "company"},
    {"organization_id": 9, "role": "sales_rep", "organization_kind": "network"},
]


def access_payload(**overrides) -> dict:
    moment = int(time.time())
    return {
        "token_type": "access",
        "exp": moment + 900,
        "iat": moment,
        "jti": uuid.uuid4().hex,
        "user_id": "42",
        "roles": ["owner", "sales_rep"],
        "staff_role": "",
        "memberships": MEMBERSHIPS,
        **overrides,
    }


class WhoAmI(APIView):
    authentication_classes = [StatelessJWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        user = request.user
        return Response(
            {
                "user_id": user.user_id,
                "staff_role": user.staff_role,
                "organizations": sorted(m.organization_id for m in user.memberships),
            }
        )


def call(token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return WhoAmI.as_view()(APIRequestFactory().get("/qui-suis-je/", **headers))


def test_principal_from_the_claims():
    principal = stateless_jwt_principal(access_payload(staff_role="advisor", roles=["advisor"]))

    assert principal == Principal(
        user_id=42,
        staff_role="advisor",
        roles=("advisor",),
        memberships=(
            PrincipalMembership(organization_id=7, role="owner", organization_kind="company"),
            PrincipalMembership(organization_id=9, role="sales_rep", organization_kind="network"),
        ),
        issued_at=principal.issued_at,
    )
    assert principal.is_authenticated and principal.pk == 42
    assert not principal.is_staff


@pytest.mark.parametrize(
    "broken",
    [{"user_id": None}, {"user_id": "abc"}, {"memberships": [{"role": "owner"}]}],
    ids=["no-user", "user-not-a-number", "membership-without-organization"],
)
def test_malformed_claims_make_no_principal(broken):
    with pytest.raises(PrincipalError):
        stateless_jwt_principal(access_payload(**broken))


@pytest.mark.django_db
def test_a_signed_access_token_authenticates_with_zero_queries(django_assert_num_queries):
    token = token_backend().encode(access_payload())

    with django_assert_num_queries(0):
        response = call(token)

    assert response.status_code == 200
    assert response.data == {"user_id": 42, "staff_role": "", "organizations": [7, 9]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [{"token_type": "refresh"}, {"exp": int(time.time()) - 1}, {"aud": "autre-api"}],
    ids=["refresh-token", "expired", "other-audience"],
)
def test_tokens_the_stateless_authentication_refuses(overrides):
    payload = access_payload(**overrides)
    backend = token_backend()
    token = backend.encode(payload)
    if "aud" in overrides:  # encode() sets our audience: sign the other one by hand
        import jwt

        token = jwt.encode(
            {**payload, "iss": backend.issuer},
            backend.keys.active_key,
            algorithm="ES256",
            headers={"kid": backend.keys.active_kid},
        )

    response = call(token)

    assert response.status_code == 401
    assert call(None).status_code == 401


@pytest.mark.django_db
def test_a_token_of_another_key_is_refused():
    import jwt

    backend = token_backend()
    forged = jwt.encode(
        {**access_payload(), "aud": backend.audience, "iss": backend.issuer},
        generate_key(),
        algorithm="ES256",
        headers={"kid": backend.keys.active_kid},
    )

    assert call(forged).status_code == 401


@pytest.mark.django_db
def test_claims_describing_nobody_are_refused():
    token = token_backend().encode(access_payload(user_id="abc"))

    response = call(token)

    assert response.status_code == 401
    assert response.data["detail"] == "Ce jeton ne décrit aucun compte."


def test_principal_actor_from_the_claims_without_a_query(db, django_assert_num_queries):
    from apps.core.actor import MemberRole, OrganizationKind, StaffRole

    principal = stateless_jwt_principal(
        access_payload(staff_role="advisor", roles=["advisor", "owner", "sales_rep"])
    )
    with django_assert_num_queries(0):
        actor = principal.actor
    assert actor.user_id == 42 and actor.staff_role == StaffRole.ADVISOR and actor.is_advisor
    assert not actor.is_platform_staff
    assert actor.manages(7) and actor.role_in(9) == MemberRole.SALES_REP
    assert actor.company_ids() == {7} and actor.network_ids() == set()  # a rep runs nothing
    assert actor.membership_in(9).organization_kind == OrganizationKind.NETWORK
    assert stateless_jwt_principal(access_payload(roles=["staff"])).actor.is_platform_staff


def test_a_token_with_an_unknown_role_or_kind_is_malformed():
    for memberships in (
        [{"organization_id": 7, "role": "emperor", "organization_kind": "company"}],
        [{"organization_id": 7, "role": "owner", "organization_kind": "guild"}],
    ):
        with pytest.raises(PrincipalError):
            stateless_jwt_principal(access_payload(memberships=memberships))
    with pytest.raises(PrincipalError):
        stateless_jwt_principal(access_payload(staff_role="emperor"))
