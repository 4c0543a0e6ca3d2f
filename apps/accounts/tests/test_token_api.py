"""Obtain, refresh, verify, logout and me: the auth half of API contract v1."""

import json

import pytest

from apps.accounts.models import MemberRole, Membership
from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from apps.accounts.tests.tokens import decode

TOKEN_URL = "/api/v1/auth/token/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
VERIFY_URL = "/api/v1/auth/token/verify/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/auth/me/"

pytestmark = pytest.mark.django_db


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict) and body
    return body


# --- Obtain ------------------------------------------------------------------------------


def test_obtain_returns_a_pair_with_audience_and_issuer(api_client, user, password):
    response = api_client.post(
        TOKEN_URL, {"email": user.email, "password": password}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    access, refresh = decode(body["access"]), decode(body["refresh"])
    assert access["aud"] == "eldo-api" and refresh["aud"] == "eldo-api"
    assert access["iss"] == "https://eldo.fr" and refresh["iss"] == "https://eldo.fr"
    assert access["token_type"] == "access" and refresh["token_type"] == "refresh"
    assert access["user_id"] == str(user.pk)


@pytest.mark.parametrize("typed", ["CLAIRE.HOMEOWNER@EXEMPLE.FR", "  Claire.Homeowner@Exemple.fr "])
def test_obtain_email_is_case_insensitive(api_client, user, password, typed):
    response = api_client.post(TOKEN_URL, {"email": typed, "password": password}, format="json")

    assert response.status_code == 200, response.content
    assert decode(response.json()["access"])["user_id"] == str(user.pk)


def test_pro_owner_claims(obtain_pair, pro_owner, company):
    claims = decode(obtain_pair(pro_owner.email)["access"])

    assert "owner" in claims["roles"]
    assert "homeowner" not in claims["roles"]
    assert claims["orgs"] == [
        {"id": company.pk, "slug": "toitures-durand", "kind": "company", "role": "owner"}
    ]


def test_advisor_claims(obtain_pair, advisor):
    """An advisor works quotes; "staff" ("may do everything") is for superusers only."""
    claims = decode(obtain_pair(advisor.email)["access"])

    assert claims["roles"] == ["advisor"]
    assert claims["orgs"] == []


def test_moderator_claims(obtain_pair):
    moderator = UserFactory(email="mod@eldo.fr", moderator=True)

    assert decode(obtain_pair(moderator.email)["access"])["roles"] == ["moderator"]


def test_superuser_claims(obtain_pair):
    admin = UserFactory(email="admin@eldo.fr", is_staff=True, is_superuser=True)

    assert "staff" in decode(obtain_pair(admin.email)["access"])["roles"]


def test_homeowner_claims(obtain_pair, user):
    claims = decode(obtain_pair(user.email)["access"])

    assert claims["roles"] == ["homeowner"]
    assert claims["orgs"] == []


def test_refresh_token_carries_the_same_claims(obtain_pair, pro_owner):
    pair = obtain_pair(pro_owner.email)

    access, refresh = decode(pair["access"]), decode(pair["refresh"])
    assert refresh["roles"] == access["roles"]
    assert refresh["orgs"] == access["orgs"]


def test_inactive_organization_is_not_in_claims(obtain_pair, pro_owner, company):
    company.is_active = False
    company.save()

    claims = decode(obtain_pair(pro_owner.email)["access"])

    assert claims["orgs"] == []
    assert claims["roles"] == ["homeowner"]


def test_wrong_password_is_401_in_french(api_client, user):
    response = api_client.post(
        TOKEN_URL, {"email": user.email, "password": "pas-le-bon-mot"}, format="json"
    )

    body = assert_json_error(response, 401)
    assert body["detail"] == "E-mail ou mot de passe incorrect."
    assert "access" not in body


def test_unknown_email_answers_like_a_wrong_password(api_client, user, password):
    response = api_client.post(
        TOKEN_URL, {"email": "personne@exemple.fr", "password": password}, format="json"
    )

    assert assert_json_error(response, 401)["detail"] == "E-mail ou mot de passe incorrect."


def test_inactive_user_cannot_obtain_a_token(api_client, password):
    dormant = UserFactory(email="dormant@exemple.fr", is_active=False)

    response = api_client.post(
        TOKEN_URL, {"email": dormant.email, "password": password}, format="json"
    )

    assert_json_error(response, 401)


def test_missing_fields_are_field_errors(api_client, db):
    response = api_client.post(TOKEN_URL, {}, format="json")

    body = assert_json_error(response, 400)
    assert set(body) >= {"email", "password"}
    assert isinstance(body["email"], list) and body["email"]


def test_missing_password_only(api_client, user):
    response = api_client.post(TOKEN_URL, {"email": user.email}, format="json")

    body = assert_json_error(response, 400)
    assert "password" in body and "email" not in body


@pytest.mark.parametrize(
    "raw",
    [
        '{"email": "a@b.fr", "password": ',  # truncated
        "{email: 'a@b.fr'}",  # not JSON
        '["a@b.fr", "secret"]',  # a list
        '"a@b.fr"',  # a bare string
        "null",
        "42",
        "\x00\xff",
    ],
)
def test_malformed_bodies_are_400_json(api_client, db, raw):
    response = api_client.generic(
        "POST", TOKEN_URL, raw.encode("utf-8", "surrogatepass"), content_type="application/json"
    )

    assert_json_error(response, 400)


@pytest.mark.parametrize(
    "payload",
    [
        {"email": ["a@b.fr"], "password": "x"},
        {"email": {"$ne": ""}, "password": "x"},
        {"email": True, "password": "x"},
        {"email": None, "password": "x"},
        {"email": "a@b.fr", "password": None},
        {"email": "a@b.fr", "password": ["x"]},
        {"email": "", "password": ""},
    ],
)
def test_wrongly_typed_fields_are_400(api_client, db, payload):
    response = api_client.post(TOKEN_URL, payload, format="json")

    assert_json_error(response, 400)


@pytest.mark.parametrize(
    "payload",
    [
        {"email": 12345, "password": "x"},
        {"email": "a" * 100_000 + "@exemple.fr", "password": "x"},
        {"email": "claire.homeowner@exemple.fr", "password": "p" * 100_000},
        {"email": "é\u202e\U0001f600@exemple.fr", "password": "x"},
    ],
)
def test_odd_but_well_typed_credentials_are_401(api_client, user, payload):
    response = api_client.post(TOKEN_URL, payload, format="json")

    assert_json_error(response, 401)


@pytest.mark.parametrize(
    "raw",
    [
        r'{"email": "\ud800@exemple.fr", "password": "x"}',
        r'{"email": "claire.homeowner@exemple.fr", "password": "\udfff"}',
        r'{"email": "a\u0000b@exemple.fr", "password": "x"}',
        r'{"email": "claire.homeowner@exemple.fr", "password": "a\u0000"}',
    ],
)
def test_lone_surrogates_and_nul_characters_are_never_500(api_client, user, raw):
    response = api_client.generic("POST", TOKEN_URL, raw, content_type="application/json")

    assert response.status_code in (400, 401), response.content
    assert response["Content-Type"].startswith("application/json")


def test_form_encoded_login_works_too(api_client, user, password):
    response = api_client.post(TOKEN_URL, {"email": user.email, "password": password})

    assert response.status_code == 200


def test_get_on_token_endpoint_is_405(api_client, db):
    assert_json_error(api_client.get(TOKEN_URL), 405)


# --- Refresh -----------------------------------------------------------------------------


def test_refresh_rotates_and_blacklists_the_old_refresh(api_client, obtain_pair, user):
    pair = obtain_pair(user.email)

    response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 200, response.content
    rotated = response.json()
    assert set(rotated) == {"access", "refresh"}
    assert rotated["refresh"] != pair["refresh"] and rotated["access"] != pair["access"]
    assert decode(rotated["access"])["user_id"] == str(user.pk)
    assert decode(rotated["access"])["token_type"] == "access"

    reused = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    assert_json_error(reused, 401)

    # Reuse detection: the reuse revoked the whole family, the newer refresh included
    # (apps/accounts/tests/test_token_revocation.py).
    again = api_client.post(REFRESH_URL, {"refresh": rotated["refresh"]}, format="json")
    assert again.status_code == 401


def test_refresh_recomputes_claims(api_client, obtain_pair, pro_owner, company):
    pair = obtain_pair(pro_owner.email)
    Membership.objects.filter(user=pro_owner).update(role=MemberRole.SALES_REP)
    network = OrganizationFactory(slug="reseau-habitat", kind="network")
    MembershipFactory(user=pro_owner, organization=network, role=MemberRole.MANAGER)

    response = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 200
    claims = decode(response.json()["access"])
    assert "owner" not in claims["roles"]
    assert {"sales_rep", "manager"} <= set(claims["roles"])
    assert {"id": company.pk, "slug": company.slug, "kind": "company", "role": "sales_rep"} in (
        claims["orgs"]
    )
    assert {"id": network.pk, "slug": "reseau-habitat", "kind": "network", "role": "manager"} in (
        claims["orgs"]
    )
    assert decode(response.json()["refresh"])["orgs"] == claims["orgs"]


def test_access_token_cannot_refresh(api_client, obtain_pair, user):
    pair = obtain_pair(user.email)

    response = api_client.post(REFRESH_URL, {"refresh": pair["access"]}, format="json")

    assert_json_error(response, 401)


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "", " ", "x" * 50_000])
def test_refresh_garbage_is_rejected_as_json(api_client, db, garbage):
    response = api_client.post(REFRESH_URL, {"refresh": garbage}, format="json")

    assert response.status_code in (400, 401)
    assert response["Content-Type"].startswith("application/json")


def test_refresh_missing_field_is_400(api_client, db):
    body = assert_json_error(api_client.post(REFRESH_URL, {}, format="json"), 400)
    assert "refresh" in body


@pytest.mark.parametrize("raw", ["[1, 2]", "{not json", "null"])
def test_refresh_malformed_body_is_400(api_client, db, raw):
    response = api_client.generic("POST", REFRESH_URL, raw, content_type="application/json")

    assert_json_error(response, 400)


def test_concurrent_reuse_of_a_refresh_token_yields_only_one_pair(
    api_client, obtain_pair, user, monkeypatch
):
    """Two refreshes racing with one token: the loser finds it blacklisted by the winner.

    The race is simulated by letting the second request slip past the blacklist check
    (as it would when both requests read before either writes).
    """
    from rest_framework_simplejwt.tokens import RefreshToken

    pair = obtain_pair(user.email)
    first = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    assert first.status_code == 200
    monkeypatch.setattr(RefreshToken, "check_blacklist", lambda self: None)

    second = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert_json_error(second, 401)


# --- Verify ------------------------------------------------------------------------------


def test_verify_accepts_a_good_token(api_client, obtain_pair, user):
    pair = obtain_pair(user.email)

    assert api_client.post(VERIFY_URL, {"token": pair["access"]}, format="json").status_code == 200
    assert api_client.post(VERIFY_URL, {"token": pair["refresh"]}, format="json").status_code == 200


def test_verify_rejects_a_tampered_token(api_client, obtain_pair, user):
    access = obtain_pair(user.email)["access"]
    header, payload, signature = access.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")

    response = api_client.post(
        VERIFY_URL, {"token": f"{header}.{payload}.{flipped}"}, format="json"
    )

    assert_json_error(response, 401)


def test_verify_rejects_garbage_and_missing(api_client, db):
    assert_json_error(api_client.post(VERIFY_URL, {"token": "nope"}, format="json"), 401)
    assert "token" in assert_json_error(api_client.post(VERIFY_URL, {}, format="json"), 400)


def test_verify_rejects_a_blacklisted_refresh(api_client, obtain_pair, user):
    pair = obtain_pair(user.email)
    assert (
        api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json").status_code == 205
    )

    response = api_client.post(VERIFY_URL, {"token": pair["refresh"]}, format="json")

    assert_json_error(response, 401)


# --- Logout ------------------------------------------------------------------------------


def test_logout_blacklists_the_refresh(api_client, obtain_pair, user):
    pair = obtain_pair(user.email)

    response = api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 205
    refused = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    assert_json_error(refused, 401)


def test_logout_twice_is_401(api_client, obtain_pair, user):
    pair = obtain_pair(user.email)
    api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json")

    again = api_client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json")

    assert_json_error(again, 401)


@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "x" * 50_000])
def test_logout_with_garbage_is_401_json(api_client, db, garbage):
    response = api_client.post(LOGOUT_URL, {"refresh": garbage}, format="json")

    assert_json_error(response, 401)


def test_logout_with_an_access_token_is_401(api_client, obtain_pair, user):
    pair = obtain_pair(user.email)

    assert_json_error(api_client.post(LOGOUT_URL, {"refresh": pair["access"]}, format="json"), 401)


def test_logout_missing_field_is_400(api_client, db):
    body = assert_json_error(api_client.post(LOGOUT_URL, {}, format="json"), 400)
    assert "refresh" in body


@pytest.mark.parametrize("raw", ["[1]", "{oops", "null"])
def test_logout_malformed_body_is_400(api_client, db, raw):
    response = api_client.generic("POST", LOGOUT_URL, raw, content_type="application/json")

    assert_json_error(response, 400)


# --- Me ----------------------------------------------------------------------------------


def test_me_with_bearer(obtain_pair, bearer, pro_owner, company):
    access = obtain_pair(pro_owner.email)["access"]

    response = bearer(access).get(ME_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "paul.durand@toitures-durand.fr"
    assert body["user_id"] == pro_owner.pk
    assert "owner" in body["roles"]
    assert body["memberships"] == [
        {
            "organization_id": company.pk,
            "slug": "toitures-durand",
            "name": "Toitures Durand",
            "kind": "company",
            "role": "owner",
        }
    ]


def test_me_of_a_homeowner(obtain_pair, bearer, user):
    body = bearer(obtain_pair(user.email)["access"]).get(ME_URL).json()

    assert body["roles"] == ["homeowner"]
    assert body["memberships"] == []
    assert body["email"] == user.email


def test_me_does_not_leak_the_password(obtain_pair, bearer, user):
    body = bearer(obtain_pair(user.email)["access"]).get(ME_URL).json()

    assert "password" not in json.dumps(body)


def test_me_without_token_is_401(api_client, db):
    response = api_client.get(ME_URL)

    assert_json_error(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer a b", "Bearer garbage", "Bearer " + "x" * 20_000]
)
def test_me_with_malformed_authorization_is_401(api_client, db, header):
    response = api_client.get(ME_URL, HTTP_AUTHORIZATION=header)

    assert_json_error(response, 401)
