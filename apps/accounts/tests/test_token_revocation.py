"""Logout ends the access token too, and a stolen refresh token gives itself away.

- ``POST /api/v1/auth/logout/`` with the access token in ``Authorization`` revokes that
  token's ``jti``: the API refuses it at once and ``/auth/token/verify/`` says revoked.
- Presenting a refresh token that was already rotated (OWASP refresh-token reuse
  detection) revokes every outstanding token of that user: the thief's and the owner's
  newer pair stop working, the user signs in again."""

import pytest

pytestmark = pytest.mark.django_db

REFRESH_URL = "/api/v1/auth/token/refresh/"
VERIFY_URL = "/api/v1/auth/token/verify/"
LOGOUT_URL = "/api/v1/auth/logout/"
ME_URL = "/api/v1/auth/me/"


def test_logout_revokes_the_access_token_at_once(api_client, obtain_pair, bearer, user):
    pair = obtain_pair(user.email)
    client = bearer(pair["access"])
    assert client.get(ME_URL).status_code == 200

    response = client.post(LOGOUT_URL, {"refresh": pair["refresh"]}, format="json")

    assert response.status_code == 205
    assert bearer(pair["access"]).get(ME_URL).status_code == 401
    verify = api_client.post(VERIFY_URL, {"token": pair["access"]}, format="json")
    assert verify.status_code == 401
    assert "révoqué" in verify.json()["detail"]


def test_logout_of_one_device_leaves_the_others_signed_in(obtain_pair, bearer, user):
    phone, laptop = obtain_pair(user.email), obtain_pair(user.email)

    bearer(phone["access"]).post(LOGOUT_URL, {"refresh": phone["refresh"]}, format="json")

    assert bearer(laptop["access"]).get(ME_URL).status_code == 200


def test_reusing_a_rotated_refresh_token_signs_the_user_out_everywhere(
    api_client, obtain_pair, bearer, user
):
    stolen = obtain_pair(user.email)
    other_device = obtain_pair(user.email)
    rotated = api_client.post(REFRESH_URL, {"refresh": stolen["refresh"]}, format="json").json()
    assert bearer(rotated["access"]).get(ME_URL).status_code == 200

    reuse = api_client.post(REFRESH_URL, {"refresh": stolen["refresh"]}, format="json")

    assert reuse.status_code == 401
    # The whole family is gone: the newer pair, the other device's pair, their access tokens.
    for pair in (rotated, other_device):
        assert (
            api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json").status_code
            == 401
        )
        assert bearer(pair["access"]).get(ME_URL).status_code == 401
        assert (
            api_client.post(VERIFY_URL, {"token": pair["access"]}, format="json").status_code == 401
        )
    # Signing in again works.
    fresh = obtain_pair(user.email)
    assert bearer(fresh["access"]).get(ME_URL).status_code == 200


def test_a_forged_refresh_token_revokes_nothing(api_client, obtain_pair, bearer, user):
    pair = obtain_pair(user.email)
    header, payload, signature = pair["refresh"].split(".")
    forged = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"

    assert api_client.post(REFRESH_URL, {"refresh": forged}, format="json").status_code == 401

    assert bearer(pair["access"]).get(ME_URL).status_code == 200


def test_the_denylist_fails_open_when_the_cache_is_down(obtain_pair, bearer, user, monkeypatch):
    """Documented choice (docs/security.md): a cache outage must not sign everyone out;
    refresh tokens are still checked in the database, access tokens live 15 minutes."""
    from apps.accounts import token_revocation

    pair = obtain_pair(user.email)

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(token_revocation.cache, "get_many", down)
    assert bearer(pair["access"]).get(ME_URL).status_code == 200
