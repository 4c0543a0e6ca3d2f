"""The reviews service refuses the same forged tokens as the monolith, from its own keys.

Each forgery is sent to the same endpoint (``/api/v1/me/reviews/``) of both projects: the
monolith (accounts' ``RevocableJWTAuthentication``, the user row) and the reviews service's
URLconf and authentication (``services.reviews.settings``: ``StatelessJWTAuthentication``,
the monolith's public keys only, no private key). Tokens are minted by the monolith before
the service's settings apply.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.test import override_settings
from django.utils.module_loading import import_string
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from apps.accounts.events import TokensRevoked
from apps.accounts.tests.tokens import craft, craft_unsigned, decode, now, sign, tamper
from apps.core.principal import Principal, StatelessJWTAuthentication
from apps.core.token_keys import generate_key, key_set, token_backend, verify_only
from apps.reviews.handlers import refuse_revoked_tokens
from tests.security.conftest import jwt_for

URL = "/api/v1/me/reviews/"

pytestmark = pytest.mark.django_db


SERVICE = importlib.import_module("services.reviews.settings")


@contextmanager
def as_the_service() -> Iterator[None]:
    """What the reviews service changes that matters here, read from its settings module,
    with the monolith's public keys inline (the service fetches them: JWT_JWKS_URL).

    DRF reads DEFAULT_AUTHENTICATION_CLASSES once, when ``APIView`` is defined: in the
    service process that is the stateless authentication (tests/carved checks it in a
    process of its own); here the class attribute is switched for the block."""
    classes = [
        import_string(path) for path in SERVICE.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    ]
    original = APIView.authentication_classes
    APIView.authentication_classes = classes
    try:
        with override_settings(
            ROOT_URLCONF=SERVICE.ROOT_URLCONF,
            REST_FRAMEWORK=SERVICE.REST_FRAMEWORK,
            JWT_PUBLIC_JWKS=json.dumps(key_set().jwks()),
            JWT_DEVELOPMENT_KEY_FILE=SERVICE.JWT_DEVELOPMENT_KEY_FILE,
        ):
            yield
    finally:
        APIView.authentication_classes = original


def _public_pem() -> bytes:
    return (
        key_set()
        .active_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _hmac(secret: Callable[[], bytes]) -> Callable[[dict], str]:
    def forge(claims: dict) -> str:
        header = {"alg": "HS256", "kid": key_set().active_kid, "typ": "JWT"}
        return sign(claims, header, secret())

    return forge


FORGERIES: dict[str, Callable[[dict], str]] = {
    "unknown kid": lambda c: craft(c, key=generate_key(), kid="cle-inconnue"),
    "other key under the real kid": lambda c: craft(c, key=generate_key()),
    "no kid": lambda c: sign(c, {"alg": "ES256"}, key_set().active_key),
    "HS256 with the secret key": _hmac(lambda: settings.SECRET_KEY.encode()),
    "HS256 with the public key": _hmac(_public_pem),
    "alg none": craft_unsigned,
    "expired": lambda c: craft(c, exp=now() - 5, iat=now() - 905),
    "wrong audience": lambda c: craft(c, aud="autre-api"),
    "no audience": lambda c: craft({k: v for k, v in c.items() if k != "aud"}),
    "wrong issuer": lambda c: craft(c, iss="https://evil.example"),
    "not valid yet": lambda c: craft(c, nbf=now() + 3600),
    "tampered": None,  # built from the genuine token itself, below
}


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def genuine(world) -> str:
    return jwt_for(world.users["pro_owner"])


@pytest.mark.parametrize("project", ["monolith", "service"])
@pytest.mark.parametrize("forgery", FORGERIES)
def test_forged_tokens_are_refused_by_both_projects(genuine, project, forgery):
    claims = decode(genuine)
    token = tamper(genuine) if forgery == "tampered" else FORGERIES[forgery](claims)
    with as_the_service() if project == "service" else nullcontext():
        response = bearer(token).get(URL)
        baseline = bearer(genuine).get(URL)

    assert baseline.status_code == 200, baseline.content
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_the_service_verifies_with_public_keys_only(genuine):
    with as_the_service():
        assert verify_only()
        with pytest.raises(Exception, match="verifies tokens only"):
            token_backend().encode({"user_id": "1"})
        assert bearer(genuine).get(URL).status_code == 200


def test_a_genuine_token_costs_the_service_no_query(genuine, world, django_assert_num_queries):
    request = APIRequestFactory().get(URL, HTTP_AUTHORIZATION=f"Bearer {genuine}")

    with as_the_service(), django_assert_num_queries(0):
        user, _token = StatelessJWTAuthentication().authenticate(request)

    assert isinstance(user, Principal)
    assert user.user_id == world.users["pro_owner"].pk


def test_the_service_authorizes_a_moderator_from_the_claims(world):
    token = jwt_for(world.users["moderator"])
    pro_owner = jwt_for(world.users["pro_owner"])

    with as_the_service():
        assert bearer(token).get("/api/v1/moderation/reviews/").status_code == 200
        assert bearer(pro_owner).get("/api/v1/moderation/reviews/").status_code == 403


def test_tokens_revoked_are_refused_from_the_event_on(world):
    """accounts.TokensRevoked reaches reviews' handler: older tokens are 401, newer ones
    (signed in again after the revocation) pass."""
    user = world.users["pro_owner"]
    claims = decode(jwt_for(user))
    older = craft(claims, iat=now() - 60)
    newer = craft(claims, iat=now())

    with as_the_service():
        assert bearer(older).get(URL).status_code == 200
        refuse_revoked_tokens(
            TokensRevoked(user_id=user.pk, before=_iso(now() - 30)),
        )
        refused = bearer(older).get(URL)
        # A late, older revocation does not move the moment back.
        refuse_revoked_tokens(TokensRevoked(user_id=user.pk, before=_iso(now() - 3600)))

        assert refused.status_code == 401
        assert refused.json()["code"] == "token_revoked"
        assert bearer(older).get(URL).status_code == 401
        assert bearer(newer).get(URL).status_code == 200


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()
