"""Staff two-factor authentication (TOTP + recovery codes): the admin and the staff pages
refuse a staff session without a verified code; enrolment; replayed codes refused."""

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.accounts.tests.two_factor import staff_device, totp_now

pytestmark = pytest.mark.django_db

TWO_FACTOR = "/mon-compte/double-authentification/"
STAFF_PAGES = [
    "/admin/",
    "/conseiller/demandes/",
    "/moderation/avis/",
    "/conseiller/statistiques/",
    "/eldo/journal/",
]


@pytest.fixture
def moderator(db):
    return UserFactory(email="modo@eldo.fr", moderator=True)


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@eldo.fr", is_staff=True, is_superuser=True)


def signed_in(user) -> Client:
    """Signed in through the real page: password only, no second factor yet."""
    client = Client()
    response = client.post("/connexion/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_refuse_a_session_without_a_second_factor(superuser, path):
    response = signed_in(superuser).get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FACTOR + "?next=")


def test_enrolment_shows_a_qr_code_then_recovery_codes_once(moderator):
    client = signed_in(moderator)
    page = client.get(TWO_FACTOR + "?next=/moderation/avis/").content.decode()
    assert "<svg" in page and "Scannez ce QR code" in page
    device = TOTPDevice.objects.get(user=moderator, confirmed=False)

    response = client.post(TWO_FACTOR + "?next=/moderation/avis/", {"code": totp_now(device)})

    assert response.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{10})</code>", response.content.decode())
    assert len(codes) == 10
    assert client.get("/moderation/avis/").status_code == 200
    again = client.get(TWO_FACTOR).content.decode()
    assert not any(code in again for code in codes), "recovery codes are shown once"


def test_a_wrong_enrolment_code_enrols_nothing(moderator):
    client = signed_in(moderator)
    client.get(TWO_FACTOR)

    response = client.post(TWO_FACTOR, {"code": "000000"})

    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=moderator, confirmed=True).exists()
    assert client.get("/moderation/avis/").status_code == 302


def test_a_code_verifies_the_session_and_goes_on_to_next(moderator):
    device = staff_device(moderator)
    client = signed_in(moderator)

    response = client.post(TWO_FACTOR + "?next=/moderation/avis/", {"code": totp_now(device)})

    assert response.status_code == 302
    assert response["Location"] == "/moderation/avis/"
    assert client.get("/moderation/avis/").status_code == 200


def test_next_cannot_send_elsewhere(moderator):
    device = staff_device(moderator)
    client = signed_in(moderator)

    response = client.post(TWO_FACTOR + "?next=https://evil.example/", {"code": totp_now(device)})

    assert response["Location"] == "/mon-compte/"


def test_a_replayed_code_is_refused(moderator):
    device = staff_device(moderator)
    code = totp_now(device)
    first = signed_in(moderator)
    assert first.post(TWO_FACTOR, {"code": code}).status_code == 302

    second = signed_in(moderator)
    response = second.post(TWO_FACTOR, {"code": code})

    assert response.status_code == 400
    assert "déjà utilisé" in response.content.decode()
    assert second.get("/moderation/avis/").status_code == 302


def test_a_recovery_code_works_once(moderator):
    staff_device(moderator)
    from apps.accounts.two_factor import recovery_codes_replace

    code = recovery_codes_replace(moderator)[0]
    assert signed_in(moderator).post(TWO_FACTOR, {"code": code}).status_code == 302
    assert signed_in(moderator).post(TWO_FACTOR, {"code": code}).status_code == 400


def test_the_admin_itself_refuses_a_password_only_session(superuser):
    client = Client()
    client.post("/admin/login/", {"username": superuser.email, "password": PASSWORD})

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FACTOR)


def test_public_pages_stay_open_to_an_unverified_staff_session(moderator):
    client = signed_in(moderator)
    assert client.get("/").status_code == 200
    assert client.get("/mon-compte/").status_code == 200


def test_other_accounts_are_not_asked_for_a_second_factor(db):
    owner = UserFactory(email="pro@exemple.fr")
    assert signed_in(owner).get("/mon-compte/").status_code == 200


@pytest.mark.no_auto_otp
def test_without_the_test_helper_force_login_is_not_verified(client, moderator):
    client.force_login(moderator)
    assert client.get("/moderation/avis/").status_code == 302


def test_the_test_helper_verifies_force_login(client, moderator):
    client.force_login(moderator)
    assert client.get("/moderation/avis/").status_code == 200


def test_production_mode_refuses_to_turn_two_factor_off(monkeypatch):
    import subprocess
    import sys

    env = {
        "DJANGO_DEBUG": "0",
        "ELDO_STAFF_2FA": "0",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_SETTINGS_MODULE": "eldo.settings",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ELDO_STAFF_2FA" in result.stderr


# --- the API: staff tokens need the second factor too -----------------------------------


def api_token(user, **extra):
    from rest_framework.test import APIClient

    data = {"email": user.email, "password": PASSWORD, **extra}
    return APIClient().post("/api/v1/auth/token/", data, format="json")


def test_a_staff_token_needs_a_second_factor(moderator):
    refused = api_token(moderator)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Code de double authentification manquant ou incorrect."

    assert api_token(moderator, otp="000000").status_code == 401
    device = staff_device(moderator)
    assert api_token(moderator, otp=totp_now(device)).status_code == 200


def test_a_replayed_code_gets_no_staff_token(moderator):
    code = totp_now(staff_device(moderator))
    assert api_token(moderator, otp=code).status_code == 200
    assert api_token(moderator, otp=code).status_code == 401


def test_other_accounts_get_tokens_with_the_password(db):
    assert api_token(UserFactory(email="pro@exemple.fr")).status_code == 200
