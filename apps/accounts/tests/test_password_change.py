"""POST auth/password/: new pair, older tokens revoked, security e-mail sent."""

import pytest

from apps.accounts.tests.tokens import decode

PASSWORD_URL = "/api/v1/auth/password/"
ME_URL = "/api/v1/auth/me/"
REFRESH_URL = "/api/v1/auth/token/refresh/"
VERIFY_URL = "/api/v1/auth/token/verify/"
TOKEN_URL = "/api/v1/auth/token/"
NEW_PASSWORD = "Nouvelle-Charpente-2025!"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_relay(settings):
    """The outbox relay delivers in-process, whatever broker the environment names."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def pair(obtain_pair, pro_owner):
    return obtain_pair(pro_owner.email)


def change(client, current: str, new: str = NEW_PASSWORD):
    return client.post(
        PASSWORD_URL, {"current_password": current, "new_password": new}, format="json"
    )


def test_change_returns_a_new_working_pair(bearer, pair, password, pro_owner):
    response = change(bearer(pair["access"]), password)

    assert response.status_code == 200, response.content
    fresh = response.json()
    assert set(fresh) == {"access", "refresh"}
    claims = decode(fresh["access"])
    assert claims["user_id"] == str(pro_owner.pk)
    assert "owner" in claims["roles"]
    assert bearer(fresh["access"]).get(ME_URL).status_code == 200


def test_change_revokes_older_tokens(api_client, bearer, pair, password):
    fresh = change(bearer(pair["access"]), password).json()

    assert bearer(pair["access"]).get(ME_URL).status_code == 401
    old_refresh = api_client.post(REFRESH_URL, {"refresh": pair["refresh"]}, format="json")
    assert old_refresh.status_code == 401
    assert old_refresh["Content-Type"].startswith("application/json")
    assert api_client.post(VERIFY_URL, {"token": pair["access"]}, format="json").status_code == 401
    new_refresh = api_client.post(REFRESH_URL, {"refresh": fresh["refresh"]}, format="json")
    assert new_refresh.status_code == 200


def test_login_uses_the_new_password(api_client, bearer, pair, password, pro_owner):
    change(bearer(pair["access"]), password)

    old = api_client.post(
        TOKEN_URL, {"email": pro_owner.email, "password": password}, format="json"
    )
    new = api_client.post(
        TOKEN_URL, {"email": pro_owner.email, "password": NEW_PASSWORD}, format="json"
    )

    assert old.status_code == 401
    assert new.status_code == 200


def test_change_sends_the_security_email(
    bearer, pair, password, pro_owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = change(bearer(pair["access"]), password)

    assert response.status_code == 200
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [pro_owner.email]
    assert message.subject == "Votre mot de passe Eldo a été modifié"
    assert NEW_PASSWORD not in message.body


def test_wrong_current_password_is_a_field_error(
    bearer, pair, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = change(bearer(pair["access"]), "pas-le-bon")

    assert response.status_code == 400
    body = response.json()
    assert body["current_password"] == ["Mot de passe actuel incorrect."]
    assert "new_password" not in body
    assert mailoutbox == []
    assert bearer(pair["access"]).get(ME_URL).status_code == 200


@pytest.mark.parametrize(
    ("weak", "fragment"),
    [
        ("azerty", "trop court"),
        ("password123", "trop courant"),
        ("8451209375", "entièrement numérique"),
        ("paul.durand@toitures", "trop semblable"),
    ],
)
def test_weak_new_password_is_a_french_field_error(
    api_client, bearer, pair, password, pro_owner, mailoutbox, weak, fragment
):
    response = change(bearer(pair["access"]), password, weak)

    assert response.status_code == 400, response.content
    body = response.json()
    assert "current_password" not in body
    assert any(fragment in message for message in body["new_password"]), body
    assert bearer(pair["access"]).get(ME_URL).status_code == 200
    login = api_client.post(TOKEN_URL, {"email": pro_owner.email, "password": weak}, format="json")
    assert login.status_code == 401


def test_missing_fields_are_field_errors(bearer, pair):
    response = bearer(pair["access"]).post(PASSWORD_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) >= {"current_password", "new_password"}


@pytest.mark.parametrize("raw", ["[1]", "{oops", "null"])
def test_malformed_body_is_400(bearer, pair, raw):
    response = bearer(pair["access"]).generic(
        "POST", PASSWORD_URL, raw, content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_anonymous_cannot_change_a_password(api_client, db, password):
    response = change(api_client, password)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_guessing_the_current_password_is_throttled(bearer, pair):
    client = bearer(pair["access"])
    for n in range(5):
        assert change(client, f"essai-{n}").status_code == 400

    response = change(client, "essai-5")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
