"""One set of sign-in limits on /connexion/, /admin/login/ and POST /api/v1/auth/token/:
failures only, per address (10/min) and per account (5/min); an account attacked from
many addresses stays open to its owner through the code e-mailed to them."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"
OWNER_IP = "192.0.2.10"
LOCKED = "Trop de tentatives de connexion sur ce compte"


@pytest.fixture
def owner(db):
    return UserFactory(email="claire@exemple.fr", first_name="Claire")


@pytest.fixture
def admin_owner(db):
    return UserFactory(email="chef@eldo.fr", is_staff=True, is_superuser=True)


def page_login(email, password, *, ip, code="", url="/connexion/"):
    data = {"username": email, "password": password}
    if code:
        data["code"] = code
    return Client(REMOTE_ADDR=ip).post(url, data)


def api_login(email, password, *, ip, code=""):
    data = {"email": email, "password": password}
    if code:
        data["code"] = code
    return APIClient().post("/api/v1/auth/token/", data, format="json", REMOTE_ADDR=ip)


def code_in(mailoutbox) -> str:
    (message,) = [m for m in mailoutbox if m.subject == "Votre code de connexion Eldo"]
    return re.search(r"\b(\d{6})\b", message.body).group(1)


# --- per address -------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/connexion/", "/admin/login/"])
def test_pages_refuse_an_address_past_ten_failures(url, owner):
    for n in range(10):
        response = page_login(f"inconnu{n}@exemple.fr", "pas-le-bon", ip=ATTACKER, url=url)
        assert "Trop de tentatives" not in response.content.decode()

    response = page_login(owner.email, PASSWORD, ip=ATTACKER, url=url)

    assert "Trop de tentatives de connexion depuis votre adresse" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session
    if url == "/connexion/":
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
    # Another address is not concerned.
    assert page_login(owner.email, PASSWORD, ip=OWNER_IP, url="/connexion/").status_code == 302


def test_api_refuses_an_address_past_ten_failures(owner):
    for n in range(10):
        assert api_login(f"inconnu{n}@exemple.fr", "pas-le-bon", ip=ATTACKER).status_code == 401

    response = api_login(owner.email, PASSWORD, ip=ATTACKER)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["detail"].startswith("Trop de tentatives")


def test_successes_are_not_counted(owner):
    for _ in range(15):
        assert page_login(owner.email, PASSWORD, ip=OWNER_IP).status_code == 302
        assert api_login(owner.email, PASSWORD, ip=OWNER_IP).status_code == 200


# --- per account: the owner still gets in with the e-mailed code --------------------------


def attack(email, *, entrance=page_login, url=None):
    for n in range(5):
        kwargs = {"url": url} if url else {}
        entrance(email, "pas-le-bon", ip=f"203.0.113.{n}", **kwargs)


def test_a_locked_account_answers_the_same_to_right_and_wrong_passwords(owner, mailoutbox):
    attack(owner.email)

    wrong = page_login(owner.email, "encore-faux", ip="203.0.113.99")
    right = page_login(owner.email, PASSWORD, ip=OWNER_IP)

    assert wrong.status_code == right.status_code == 429
    assert LOCKED in wrong.content.decode() and LOCKED in right.content.decode()
    assert "_auth_user_id" not in right.wsgi_request.session
    # One code for the owner, not one per attempt (no mail bombing).
    assert [m.to for m in mailoutbox] == [[owner.email]]


def test_the_owner_signs_in_on_the_page_with_the_emailed_code(owner, mailoutbox):
    attack(owner.email)
    refused = page_login(owner.email, PASSWORD, ip=OWNER_IP)
    assert 'name="code"' in refused.content.decode()
    assert 'type="text"' in refused.content.decode()  # the code field is shown

    response = page_login(owner.email, PASSWORD, ip=OWNER_IP, code=code_in(mailoutbox))

    assert response.status_code == 302
    assert response.wsgi_request.session["_auth_user_id"] == str(owner.pk)


def test_the_code_without_the_password_is_not_enough(owner, mailoutbox):
    attack(owner.email)
    page_login(owner.email, PASSWORD, ip=OWNER_IP)

    response = page_login(owner.email, "pas-le-bon", ip=OWNER_IP, code=code_in(mailoutbox))

    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


def test_wrong_codes_burn_the_code(owner, mailoutbox):
    attack(owner.email)
    page_login(owner.email, PASSWORD, ip=OWNER_IP)
    code = code_in(mailoutbox)
    for n in range(5):
        page_login(owner.email, PASSWORD, ip=f"203.0.113.{50 + n}", code="000000")

    response = page_login(owner.email, PASSWORD, ip=OWNER_IP, code=code)

    assert response.status_code == 429
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_admin_owner_signs_in_with_the_emailed_code(admin_owner, mailoutbox):
    attack(admin_owner.email, url="/admin/login/")
    refused = page_login(admin_owner.email, PASSWORD, ip=OWNER_IP, url="/admin/login/")
    assert LOCKED in refused.content.decode()

    response = page_login(
        admin_owner.email, PASSWORD, ip=OWNER_IP, url="/admin/login/", code=code_in(mailoutbox)
    )

    assert response.status_code == 302
    assert response.wsgi_request.session["_auth_user_id"] == str(admin_owner.pk)


def test_the_api_owner_gets_tokens_with_the_emailed_code(owner, mailoutbox):
    attack(owner.email, entrance=api_login)

    refused = api_login(owner.email, PASSWORD, ip=OWNER_IP)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith(LOCKED)

    response = api_login(owner.email, PASSWORD, ip=OWNER_IP, code=code_in(mailoutbox))

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_an_unknown_address_gets_the_same_answer_and_no_mail(db, mailoutbox):
    attack("personne@exemple.fr")

    response = page_login("personne@exemple.fr", "pas-le-bon", ip=OWNER_IP)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert mailoutbox == []
