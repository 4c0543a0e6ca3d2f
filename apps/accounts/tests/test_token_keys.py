"""ES256 signing with a key set: kid in every token, rotation, the published JWKS, the
development key, and the production refusal of a key set that cannot load."""

import json
import os
import stat
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from apps.accounts.models import User
from apps.accounts.tests.tokens import craft, decode, now
from apps.core.token_keys import (
    check_key_set,
    development_key,
    generate_key,
    key_set,
    parse_key_set,
    private_key_pem,
)

ME_URL = "/api/v1/auth/me/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
JWKS_URL = "/.well-known/jwks.json"

pytestmark = pytest.mark.django_db


def keys_json(**keys) -> str:
    return json.dumps({kid: private_key_pem(key) for kid, key in keys.items()})


@pytest.fixture
def two_keys():
    return {"2026-06": generate_key(), "2026-12": generate_key()}


@pytest.fixture
def use_keys(settings):
    """Configure JWT_PRIVATE_KEYS (and the active kid) as production would."""

    def configure(keys: dict, active: str = "") -> None:
        settings.JWT_PRIVATE_KEYS = keys_json(**keys)
        settings.JWT_ACTIVE_KID = active

    return configure


# --- Issued tokens ----------------------------------------------------------------------


def test_every_token_is_es256_with_the_active_kid(obtain_pair, pro_owner):
    pair = obtain_pair(pro_owner.email)

    for token in pair.values():
        header = jwt.get_unverified_header(token)
        assert header["alg"] == "ES256"
        assert header["kid"] == key_set().active_kid
        assert decode(token)["user_id"] == str(pro_owner.pk)


def test_claims_carry_staff_role_and_memberships(obtain_pair, pro_owner, company, advisor):
    claims = decode(obtain_pair(pro_owner.email)["access"])

    assert claims["staff_role"] == ""
    assert claims["memberships"] == [
        {"organization_id": company.pk, "role": "owner", "organization_kind": "company"}
    ]
    advisor_claims = decode(obtain_pair(advisor.email)["access"])
    assert advisor_claims["staff_role"] == "advisor"
    assert advisor_claims["memberships"] == []


def test_refresh_recomputes_the_memberships(api_client, obtain_pair, pro_owner, company):
    pair = obtain_pair(pro_owner.email)
    pro_owner.memberships.update(role="manager")

    fresh = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").json()

    assert decode(fresh["access"])["memberships"][0]["role"] == "manager"


# --- Rotation ---------------------------------------------------------------------------


def test_rotation_keeps_old_tokens_valid_until_their_key_is_removed(
    use_keys, two_keys, obtain_pair, bearer, pro_owner
):
    old, new = two_keys["2026-06"], two_keys["2026-12"]
    use_keys({"2026-06": old})
    before = obtain_pair(pro_owner.email)["access"]
    assert jwt.get_unverified_header(before)["kid"] == "2026-06"

    use_keys({"2026-06": old, "2026-12": new}, active="2026-12")
    after = obtain_pair(pro_owner.email)["access"]

    assert jwt.get_unverified_header(after)["kid"] == "2026-12"
    assert bearer(before).get(ME_URL).status_code == 200
    assert bearer(after).get(ME_URL).status_code == 200

    use_keys({"2026-12": new})
    assert bearer(before).get(ME_URL).status_code == 401
    assert bearer(after).get(ME_URL).status_code == 200


def test_a_token_naming_the_new_kid_but_signed_by_the_old_key_is_refused(
    use_keys, two_keys, bearer, obtain_pair, pro_owner
):
    use_keys(two_keys, active="2026-12")
    claims = decode(obtain_pair(pro_owner.email)["access"])

    forged = craft(claims, key=two_keys["2026-06"], kid="2026-12")

    assert bearer(forged).get(ME_URL).status_code == 401


def test_an_expired_token_of_a_known_kid_is_refused(bearer, obtain_pair, pro_owner):
    claims = decode(obtain_pair(pro_owner.email)["access"])

    response = bearer(craft(claims, exp=now() - 1, iat=now() - 901)).get(ME_URL)

    assert response.status_code == 401


# --- JWKS -------------------------------------------------------------------------------


def test_jwks_publishes_every_public_key_without_a_query(
    client, use_keys, two_keys, django_assert_num_queries
):
    use_keys(two_keys, active="2026-12")

    with django_assert_num_queries(0):
        response = client.get(JWKS_URL)

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"
    keys = {jwk["kid"]: jwk for jwk in response.json()["keys"]}
    assert set(keys) == {"2026-06", "2026-12"}
    for kid, jwk in keys.items():
        assert {k: jwk[k] for k in ("kty", "crv", "use", "alg")} == {
            "kty": "EC",
            "crv": "P-256",
            "use": "sig",
            "alg": "ES256",
        }
        assert "d" not in jwk, "the private part must never be published"
        published = jwt.PyJWK(jwk).key.public_numbers()
        assert published == two_keys[kid].public_key().public_numbers()


def test_a_third_party_verifies_issued_tokens_with_the_jwks_alone(client, obtain_pair, pro_owner):
    access = obtain_pair(pro_owner.email)["access"]
    jwks = jwt.PyJWKSet.from_dict(client.get(JWKS_URL).json())

    key = jwks[jwt.get_unverified_header(access)["kid"]].key
    claims = jwt.decode(access, key, algorithms=["ES256"], audience="eldo-api")

    assert claims["user_id"] == str(pro_owner.pk)


def test_jwks_answers_get_only(client):
    assert client.post(JWKS_URL).status_code == 405


# --- Development key and configuration errors -------------------------------------------


def test_development_key_is_generated_once_private_and_reused(tmp_path):
    path = tmp_path / "jwt" / "dev-signing-key.pem"

    first = development_key(path)
    second = development_key(path)

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.active_kid == second.active_kid
    assert first.active_kid.startswith("dev-")
    assert list(path.parent.iterdir()) == [path], "no temporary file left behind"


def test_without_configured_keys_the_development_key_signs(settings, tmp_path):
    settings.JWT_PRIVATE_KEYS = ""
    settings.JWT_DEVELOPMENT_KEY_FILE = tmp_path / "dev.pem"

    assert key_set().active_kid.startswith("dev-")
    assert (tmp_path / "dev.pem").exists()


def test_production_without_keys_is_refused(settings):
    settings.JWT_PRIVATE_KEYS = ""
    settings.JWT_DEVELOPMENT_KEY_FILE = None

    with pytest.raises(ImproperlyConfigured, match="JWT_PRIVATE_KEYS"):
        key_set()
    assert [error.id for error in check_key_set()] == ["core.E010"]


@pytest.mark.parametrize(
    ("raw", "active", "message"),
    [
        ("pas du json", "", "JSON object"),
        ("[]", "", "JSON object"),
        ("{}", "", "JSON object"),
        ('{"a": "-----BEGIN CERTIFICATE-----\\nabc\\n-----END CERTIFICATE-----"}', "", "PEM"),
        (keys_json(a=rsa.generate_private_key(public_exponent=65537, key_size=2048)), "", "P-256"),
        (keys_json(a=ec.generate_private_key(ec.SECP384R1())), "", "P-256"),
        (keys_json(a=generate_key(), b=generate_key()), "", "JWT_ACTIVE_KID"),
        (keys_json(a=generate_key()), "z", "JWT_ACTIVE_KID"),
    ],
    ids=["not-json", "list", "empty", "bad-pem", "rsa", "p384", "no-active", "unknown-active"],
)
def test_unusable_key_sets_are_refused(raw, active, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_key_set(raw, active)


def test_a_single_key_is_active_without_naming_it():
    assert parse_key_set(keys_json(only=generate_key()), "").active_kid == "only"


def test_jwt_key_command_prints_a_usable_entry(capsys):
    call_command("jwt_key", "--kid", "2027-01")

    printed = capsys.readouterr().out
    assert parse_key_set(printed, "").active_kid == "2027-01"


# --- TokensRevoked ----------------------------------------------------------------------


def revoked_events(user) -> list[dict]:
    from apps.core.models import OutboxEvent

    return [
        event.payload
        for event in OutboxEvent.objects.filter(name="accounts.TokensRevoked")
        if event.payload["user_id"] == user.pk
    ]


def test_logout_publishes_tokens_revoked(api_client, obtain_pair, pro_owner):
    pair = obtain_pair(pro_owner.email)
    issued_at = decode(pair["access"])["iat"]

    response = api_client.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 205
    (event,) = revoked_events(pro_owner)
    from django.utils.dateparse import parse_datetime

    assert parse_datetime(event["before"]).timestamp() >= issued_at


def test_a_refused_logout_publishes_nothing(api_client, pro_owner):
    api_client.post("/api/v1/auth/logout/", {"refresh": "pas-un-jeton"}, format="json")

    assert revoked_events(pro_owner) == []


def test_password_change_publishes_tokens_revoked(bearer, obtain_pair, pro_owner, password):
    access = obtain_pair(pro_owner.email)["access"]

    response = bearer(access).post(
        "/api/v1/auth/password/",
        {"current_password": password, "new_password": "Un-nouveau-mot-de-passe-42"},
        format="json",
    )

    assert response.status_code == 200
    assert len(revoked_events(pro_owner)) == 1


def test_erasure_publishes_tokens_revoked(bearer, obtain_pair, user, password):
    access = obtain_pair(user.email)["access"]

    response = bearer(access).delete("/api/v1/me/", {"password": password}, format="json")

    assert response.status_code in (200, 204)
    assert len(revoked_events(user)) == 1


def test_deactivation_in_the_admin_publishes_tokens_revoked(pro_owner, rf):
    model_admin = admin.site._registry[User]
    pro_owner.is_active = False
    form = SimpleNamespace(changed_data=["is_active"])

    model_admin.save_model(rf.post("/admin/"), pro_owner, form, change=True)

    assert len(revoked_events(pro_owner)) == 1
    model_admin.save_model(rf.post("/admin/"), pro_owner, SimpleNamespace(changed_data=[]), True)
    assert len(revoked_events(pro_owner)) == 1, "only the change to inactive revokes"


def test_refresh_reuse_publishes_tokens_revoked(api_client, obtain_pair, pro_owner):
    pair = obtain_pair(pro_owner.email)
    api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    replay = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")

    assert replay.status_code == 401
    assert len(revoked_events(pro_owner)) == 1
