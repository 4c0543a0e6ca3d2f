"""Access and refresh tokens the API must refuse: forged, expired, revoked, orphaned."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from apps.accounts.tests.tokens import craft, craft_unsigned, decode, now, sign, tamper
from apps.core.token_keys import generate_key, key_set

ME_URL = "/api/v1/auth/me/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
VERIFY_URL = "/api/v1/auth/token/verify/"

pytestmark = pytest.mark.django_db


def assert_refused(response):
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.fixture
def pair(obtain_pair, pro_owner):
    return obtain_pair(pro_owner.email)


@pytest.fixture
def claims(pair):
    return decode(pair["access"])


def test_genuine_access_is_accepted(bearer, pair):
    """Baseline for every refusal below: the untouched token works."""
    assert bearer(pair["access"]).get(ME_URL).status_code == 200


def test_a_token_recrafted_with_the_real_key_is_accepted(bearer, claims):
    """Baseline for the crafted tokens: only the altered claim makes them fail."""
    assert bearer(craft(claims)).get(ME_URL).status_code == 200


def test_expired_access_is_refused(bearer, claims):
    token = craft(claims, exp=now() - 5, iat=now() - 905)

    assert_refused(bearer(token).get(ME_URL))


def test_expired_refresh_is_refused(api_client, pair):
    token = craft(decode(pair["refresh"]), exp=now() - 5)

    assert_refused(api_client.post(REFRESH_URL, {"refresh": token}, format="json"))


def test_access_without_exp_is_refused(bearer, claims):
    claims = {k: v for k, v in claims.items() if k != "exp"}

    assert_refused(bearer(craft(claims)).get(ME_URL))


def test_tampered_payload_is_refused(bearer, pair):
    assert_refused(bearer(tamper(pair["access"])).get(ME_URL))


def test_alg_none_is_refused(bearer, claims):
    assert_refused(bearer(craft_unsigned(claims)).get(ME_URL))


def test_alg_none_is_refused_by_verify_and_refresh(api_client, pair):
    refresh_claims = decode(pair["refresh"])
    token = craft_unsigned(refresh_claims)

    assert_refused(api_client.post(VERIFY_URL, {"token": token}, format="json"))
    assert_refused(api_client.post(REFRESH_URL, {"refresh": token}, format="json"))


def test_wrong_audience_is_refused(bearer, claims):
    assert_refused(bearer(craft(claims, aud="autre-api")).get(ME_URL))


def test_missing_audience_is_refused(bearer, claims):
    claims = {k: v for k, v in claims.items() if k != "aud"}

    assert_refused(bearer(craft(claims)).get(ME_URL))


def test_wrong_issuer_is_refused(bearer, claims):
    assert_refused(bearer(craft(claims, iss="https://evil.example")).get(ME_URL))


def test_other_signing_key_under_the_real_kid_is_refused(bearer, claims):
    token = craft(claims, key=generate_key())

    assert_refused(bearer(token).get(ME_URL))


def test_unknown_kid_is_refused(bearer, claims):
    """Signed by a key of its own, named by a kid the key set does not hold."""
    assert_refused(bearer(craft(claims, key=generate_key(), kid="cle-inconnue")).get(ME_URL))


@pytest.mark.parametrize("header", [{"alg": "ES256"}, {"alg": "ES256", "kid": 42}])
def test_token_without_a_usable_kid_is_refused(bearer, claims, header):
    assert_refused(bearer(sign(claims, header, key_set().active_key)).get(ME_URL))


@pytest.mark.parametrize("algorithm", ["HS256", "HS512"])
def test_hmac_token_is_refused_whatever_the_secret(bearer, claims, settings, algorithm):
    """HS256 was the previous signing algorithm: a token signed with the old secret (the
    secret key) or with the public key's PEM (algorithm confusion) is refused."""
    public_pem = (
        key_set()
        .active_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = {"alg": algorithm, "kid": key_set().active_kid, "typ": "JWT"}
    for secret in (settings.SECRET_KEY.encode(), public_pem):
        assert_refused(bearer(sign(claims, header, secret)).get(ME_URL))


def test_other_elliptic_curve_algorithm_is_refused(bearer, claims):
    token = craft(claims, key=ec.generate_private_key(ec.SECP384R1()), algorithm="ES384")

    assert_refused(bearer(token).get(ME_URL))


def test_refresh_used_as_access_is_refused(bearer, pair):
    assert_refused(bearer(pair["refresh"]).get(ME_URL))


def test_forged_claims_for_another_user_are_refused(bearer, claims, user):
    """Right key, but the revocation claim cannot match the other user's password."""
    token = craft(claims, user_id=str(user.pk))

    assert_refused(bearer(token).get(ME_URL))


def test_token_without_revocation_claim_is_refused(bearer, claims):
    claims = {k: v for k, v in claims.items() if k != "hash_password"}

    assert_refused(bearer(craft(claims)).get(ME_URL))


def test_user_deactivated_after_issue(api_client, bearer, pair, pro_owner):
    pro_owner.is_active = False
    pro_owner.save()

    assert_refused(bearer(pair["access"]).get(ME_URL))
    assert_refused(api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json"))
    assert_refused(api_client.post(VERIFY_URL, {"token": pair["access"]}, format="json"))


def test_deleted_user_tokens_are_401_not_500(api_client, bearer, pair, pro_owner):
    pro_owner.delete()

    assert_refused(api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json"))
    assert_refused(bearer(pair["access"]).get(ME_URL))
    assert_refused(api_client.post(VERIFY_URL, {"token": pair["access"]}, format="json"))


def test_deleted_user_refresh_can_still_be_logged_out(api_client, pair, pro_owner):
    """Logging out an orphaned refresh token is harmless and never a 500."""
    pro_owner.delete()

    response = api_client.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code in (205, 401)
