"""Login throttles: 5/min per targeted account, 10/min per client address."""

import warnings

import pytest
from django.core.cache import CacheKeyWarning

TOKEN_URL = "/api/v1/auth/token/"

pytestmark = pytest.mark.django_db


def login(client, email, password="pas-le-bon", ip="203.0.113.7", **headers):
    return client.post(
        TOKEN_URL, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip, **headers
    )


def test_failed_logins_per_account_are_throttled(api_client, user):
    for _ in range(5):
        assert login(api_client, user.email).status_code == 401

    response = login(api_client, user.email)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_account_throttle_holds_across_addresses_and_case(api_client, user, password):
    for n in range(5):
        assert login(api_client, user.email.upper(), ip=f"198.51.100.{n}").status_code == 401

    response = login(api_client, f"  {user.email.title()} ", password=password, ip="192.0.2.99")

    assert response.status_code == 429, "even the right password waits once the account is locked"


def test_account_throttle_does_not_lock_other_accounts(api_client, user, pro_owner, password):
    for n in range(6):
        login(api_client, user.email, ip=f"198.51.100.{n}")

    assert login(api_client, pro_owner.email, password=password, ip="192.0.2.1").status_code == 200


def test_attempts_per_address_are_throttled(api_client, db):
    for n in range(10):
        assert login(api_client, f"inconnu{n}@exemple.fr").status_code == 401

    response = login(api_client, "encore@exemple.fr")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_address_throttle_cannot_be_dodged_with_x_forwarded_for(api_client, db):
    for n in range(10):
        response = login(api_client, f"inconnu{n}@exemple.fr", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        assert response.status_code == 401

    response = login(api_client, "encore@exemple.fr", HTTP_X_FORWARDED_FOR="10.0.1.1")

    assert response.status_code == 429


def test_huge_email_makes_a_valid_cache_key(api_client, db):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        response = login(api_client, "a" * 5_000 + "@exemple.fr")
        spaced = login(api_client, "un\tdeux trois\x01@exemple.fr")

    assert response.status_code == 401
    assert spaced.status_code in (400, 401)


@pytest.mark.parametrize("turn", ["one", "two"])
def test_throttles_do_not_leak_from_one_test_to_the_next(turn, api_client, user, password):
    """Each turn starts with the account free and leaves it locked: in whichever order the
    two run (pytest-randomly shuffles them), the later one proves that the cache was emptied
    in between (the root conftest's autouse ``_clean_cache``)."""
    assert login(api_client, user.email, password=password).status_code == 200
    for _ in range(6):
        login(api_client, user.email)
    assert login(api_client, user.email, password=password).status_code == 429
