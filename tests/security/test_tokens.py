"""Token refusals not already covered by apps/accounts/tests (alg none, wrong key, unknown
kid, HS256 with the old secret or the public key, expired, audience, issuer, blacklisted
refresh, access as refresh, password change, login brute force live there): a token that
is not valid yet. Crafted tokens are signed ES256 with the real active key and kid."""

from __future__ import annotations

import pytest

from apps.accounts.tests.tokens import craft, decode, now
from tests.security.conftest import jwt_for


@pytest.mark.parametrize("seconds", [5, 3600])
def test_a_token_not_valid_yet_is_refused(client_as, world, seconds):
    claims = decode(jwt_for(world.users["pro_owner"]))
    client = client_as("anonymous", api=True)

    genuine = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {craft(claims)}")
    early = craft(claims, nbf=now() + seconds)
    refused = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {early}")

    assert genuine.status_code == 200
    assert refused.status_code == 401
    assert "detail" in refused.json()
