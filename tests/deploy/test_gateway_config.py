"""Kong's edge token check gets the keys the monolith signs with, and nothing else.

``manage.py gateway_config`` completes the routing table (compose) or prints the Kong
Ingress Controller's credential Secrets (Kubernetes) from the configured key set. Kong's
jwt plugin picks the credential whose ``key`` is the token header's ``kid`` and verifies
ES256 with its ``rsa_public_key``: the same check is made here with PyJWT.
"""

from __future__ import annotations

import io

import jsonschema
import jwt
import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.test import override_settings

from apps.accounts.tokens import AccessToken
from apps.core.token_keys import generate_key, key_set, private_key_pem
from tests.deploy.test_kong_routes import KONG_SCHEMA, KONG_TABLE, TOKEN_ISSUER


def _keys(*kids: str) -> str:
    import json

    return json.dumps({kid: private_key_pem(generate_key()) for kid in kids})


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("gateway_config", *args, stdout=out)
    return out.getvalue()


def _issuer_credentials(table: dict) -> dict[str, dict]:
    (issuer,) = [c for c in table["consumers"] if c["username"] == TOKEN_ISSUER]
    return {credential["key"]: credential for credential in issuer["jwt_secrets"]}


def _kong_accepts(credentials: dict[str, dict], token: str) -> bool:
    """What Kong's jwt plugin decides on the signature (key by kid, the credential's alg)."""
    credential = credentials.get(jwt.get_unverified_header(token).get("kid"))
    if credential is None:
        return False
    try:
        jwt.decode(
            token,
            credential["rsa_public_key"],
            algorithms=[credential["algorithm"]],
            options={"verify_aud": False},
        )
    except jwt.InvalidTokenError:
        return False
    return True


@pytest.fixture
def two_keys():
    with override_settings(JWT_PRIVATE_KEYS=_keys("2026-11", "2026-12"), JWT_ACTIVE_KID="2026-12"):
        key_set.cache_clear()
        yield
    key_set.cache_clear()


def test_the_table_gets_one_credential_per_signing_key(two_keys):
    table = yaml.safe_load(_run("--kong-yml", str(KONG_TABLE)))

    jsonschema.validate(table, KONG_SCHEMA)
    credentials = _issuer_credentials(table)
    assert list(credentials) == ["2026-12", "2026-11"]  # the active key first
    assert {c["algorithm"] for c in credentials.values()} == {"ES256"}
    # Everything else is the shared table, unchanged.
    shared = yaml.safe_load(KONG_TABLE.read_text())
    assert table["routes"] == shared["routes"] and table["plugins"] == shared["plugins"]
    assert "PRIVATE" not in yaml.safe_dump(table)


def test_kong_accepts_the_monolith_s_tokens_and_no_forgery(two_keys):
    credentials = _issuer_credentials(yaml.safe_load(_run("--kong-yml", str(KONG_TABLE))))
    token = str(AccessToken())

    assert jwt.get_unverified_header(token)["kid"] == "2026-12"
    assert _kong_accepts(credentials, token)
    # The same kid signed by another key, an unknown kid, HS256 with the public key as the
    # secret (algorithm confusion), no signature at all: refused.
    claims = jwt.decode(token, options={"verify_signature": False})
    stranger = ec.generate_private_key(ec.SECP256R1())
    public_pem = credentials["2026-12"]["rsa_public_key"]
    forged = [
        jwt.encode(claims, stranger, algorithm="ES256", headers={"kid": "2026-12"}),
        jwt.encode(claims, stranger, algorithm="ES256", headers={"kid": "inconnu"}),
        _hs256_with(public_pem, claims),
        jwt.encode(claims, None, algorithm="none", headers={"kid": "2026-12"}),
    ]
    for token in forged:
        assert not _kong_accepts(credentials, token)


def _hs256_with(secret: str, claims: dict) -> str:
    """An HS256 token whose secret is the public key: PyJWT refuses to sign with a PEM, so
    the signature is computed by hand, as an attacker would."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "2026-12"}).encode())
    body = b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def test_kubernetes_credentials_are_labelled_secrets_of_public_keys(two_keys):
    secrets = list(yaml.safe_load_all(_run("--kic-secrets", "eldo-jwt-edge")))

    assert [s["metadata"]["name"] for s in secrets] == [
        "eldo-jwt-edge-active",
        "eldo-jwt-edge-2026-11",
    ]
    for secret in secrets:
        assert secret["metadata"]["labels"] == {"konghq.com/credential": "jwt"}
        assert set(secret["stringData"]) == {"key", "algorithm", "rsa_public_key"}
        assert secret["stringData"]["rsa_public_key"].startswith("-----BEGIN PUBLIC KEY-----")


def test_a_table_without_the_issuer_is_refused(tmp_path, two_keys):
    from django.core.management.base import CommandError

    table = yaml.safe_load(KONG_TABLE.read_text())
    table["consumers"] = []
    path = tmp_path / "kong.yml"
    path.write_text(yaml.safe_dump(table))
    with pytest.raises(CommandError, match=TOKEN_ISSUER):
        _run("--kong-yml", str(path))
