"""The reviews service's signed-in pages, from the monolith's session cookie.

The browser signs in on the monolith (a session row, cookie ``sessionid``); the service
asks accounts who it is (``session_claims``, in-process here, over HTTP on the live server
at the end) and serves the pro space, moderation and "Mes avis" as the monolith does.
Each test signs in with the monolith's settings first, then runs as the service: its
URLconf, its middleware (``MonolithSessionMiddleware`` in place of Django's
authentication and django-otp's), its signed-cookie sessions and its sign-in redirect.
"""

from __future__ import annotations

import socket

import pytest
from django.test import RequestFactory
from django.utils import timezone

from apps.accounts import api as accounts_api
from apps.core import monolith_session
from apps.reviews.tests.factories import ReviewFactory
from services.reviews import routes
from tests.carved.test_reviews_service import manage

pytestmark = pytest.mark.django_db

MONOLITH = "https://www.eldo.example"
SIGN_IN = f"{MONOLITH}/connexion/"
_NOT_HERE = {
    "django_otp.middleware.OTPMiddleware",
    "apps.accounts.two_factor.StaffTwoFactorMiddleware",
}
_SWAPPED = {
    "django.contrib.auth.middleware.AuthenticationMiddleware": (
        "apps.core.monolith_session.MonolithSessionMiddleware"
    )
}
_ACCOUNTS_PROCESSORS = {
    "apps.accounts.context_processors.backoffice",
    "apps.accounts.context_processors.account_menu",
}


@pytest.fixture
def as_service(settings):
    """Call after signing in: from then on the client talks to the reviews service."""

    def switch() -> None:
        settings.ROOT_URLCONF = "services.reviews.urls"
        settings.MONOLITH_PUBLIC_URL = MONOLITH
        settings.LOGIN_URL = SIGN_IN
        settings.MONOLITH_SESSION_COOKIE_NAME = "sessionid"
        settings.MONOLITH_SESSION_CACHE_SECONDS = 30
        # SESSION_ENGINE stays the monolith's: accounts answers in this same process and
        # reads the session table with it. The service's own session keeps its own cookie.
        settings.SESSION_COOKIE_NAME = "eldo_reviews_session"
        settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
        settings.MIDDLEWARE = [
            _SWAPPED.get(m, m) for m in settings.MIDDLEWARE if m not in _NOT_HERE
        ]
        template = settings.TEMPLATES[0]
        processors = [
            p for p in template["OPTIONS"]["context_processors"] if p not in _ACCOUNTS_PROCESSORS
        ]
        settings.TEMPLATES = [
            {
                **template,
                "OPTIONS": {
                    **template["OPTIONS"],
                    "context_processors": [*processors, "apps.core.monolith_session.header"],
                },
            }
        ]

    return switch


@pytest.fixture
def calls(monkeypatch):
    """The calls to accounts' session_claims (the port resolves it at call time)."""
    made: list[str] = []
    real = accounts_api.session_claims

    def spy(session_key: str):
        made.append(session_key)
        return real(session_key)

    monkeypatch.setattr(accounts_api, "session_claims", spy)
    return made


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


SETTINGS_PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "middleware": settings.MIDDLEWARE,
    "processors": settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
    "login_url": settings.LOGIN_URL,
    "cookie": settings.MONOLITH_SESSION_COOKIE_NAME,
}))
"""


def test_the_service_s_settings_are_those_the_tests_run_with(tmp_path):
    import json

    result = manage(
        tmp_path, "shell", "-c", SETTINGS_PROBE, MONOLITH_PUBLIC_URL=MONOLITH, DJANGO_DEBUG="1"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])

    assert "apps.core.monolith_session.MonolithSessionMiddleware" in found["middleware"]
    assert not {*_NOT_HERE, *_SWAPPED} & set(found["middleware"])
    assert "apps.core.monolith_session.header" in found["processors"]
    assert not _ACCOUNTS_PROCESSORS & set(found["processors"])
    assert found["login_url"] == SIGN_IN == f"{MONOLITH}/{routes.load()['accounts:login']}"
    assert found["cookie"] == "sessionid"


def test_the_pro_owner_sees_its_reviews(client, owner, pro, as_service, calls):
    ReviewFactory(pro_id=pro.id, title="Ravalement impeccable")
    client.force_login(owner)
    as_service()

    response = client.get("/espace-pro/avis/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ravalement impeccable" in page
    assert "philippe@facades-du-midi.fr" in page  # the header's account menu
    assert len(calls) == 1
    assert client.get("/espace-pro/invitations/").status_code == 200
    assert len(calls) == 1  # the second page: the cached answer


def test_another_company_s_member_gets_404_for_that_pro_s_review(
    client, other_owner, pro, as_service
):
    theirs = ReviewFactory(pro_id=pro.id)
    client.force_login(other_owner)
    as_service()

    replied = client.post(f"/espace-pro/avis/{theirs.pk}/repondre/", {"body": "Bonjour"})

    assert replied.status_code == 404


def test_anonymous_is_sent_to_the_monolith_s_sign_in(client, as_service):
    as_service()

    for url in ("/espace-pro/avis/", "/moderation/avis/", "/mes-avis/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{SIGN_IN}?next="), url


def test_an_unknown_session_is_anonymous(client, as_service, calls):
    as_service()
    client.cookies["sessionid"] = "aucune-session-de-ce-nom"

    assert client.get("/espace-pro/avis/")["Location"].startswith(SIGN_IN)
    assert client.get("/espace-pro/avis/")["Location"].startswith(SIGN_IN)
    assert calls == ["aucune-session-de-ce-nom"]  # the "nobody" answer is cached too


def test_a_moderator_sees_the_moderation_queue(client, moderator, as_service):
    client.force_login(moderator)
    as_service()

    assert client.get("/moderation/avis/").status_code == 200


@pytest.mark.no_auto_otp
def test_a_staff_session_without_its_second_factor_is_not_staff(
    client, moderator, settings, as_service
):
    settings.ELDO_STAFF_2FA = True
    client.force_login(moderator)  # not verified by a code in this session
    as_service()

    response = client.get("/moderation/avis/")

    assert response.status_code == 302
    assert response["Location"].startswith(f"{MONOLITH}/mon-compte/double-authentification/")
    request = RequestFactory().get("/avis/")
    user = monolith_session.session_user(request, client.cookies["sessionid"].value)
    assert user.is_authenticated
    assert not user.actor.is_moderator
    assert user.staff_role == ""
    assert not user.is_staff


def test_accounts_unavailable_is_a_french_503_on_signed_in_pages(
    client, owner, settings, as_service
):
    client.force_login(owner)
    as_service()
    settings.FACADES_TOKEN = "jeton-interne-de-test"
    settings.REMOTE_FACADES = {"accounts": f"http://127.0.0.1:{closed_port()}"}

    response = client.get("/espace-pro/avis/")

    assert response.status_code == 503
    assert "momentanément indisponible" in response.content.decode()
    # A public page is served, to an anonymous visitor.
    assert client.get("/avis/comment-ca-marche/").status_code == 200


def test_a_cached_session_costs_no_query_and_no_call(
    client, owner, as_service, calls, django_assert_num_queries
):
    client.force_login(owner)
    key = client.cookies["sessionid"].value
    as_service()
    request = RequestFactory().get("/espace-pro/avis/")
    first = monolith_session.session_user(request, key)

    with django_assert_num_queries(0):
        again = monolith_session.session_user(request, key)

    assert again == first
    assert again.email == "philippe@facades-du-midi.fr"
    assert len(calls) == 1


def test_a_password_change_drops_the_cached_answer(
    client, owner, as_service, calls, django_capture_on_commit_callbacks
):
    from apps.accounts.services import password_changed_publish

    client.force_login(owner)
    key = client.cookies["sessionid"].value
    as_service()
    request = RequestFactory().get("/espace-pro/avis/")
    assert monolith_session.session_user(request, key).is_authenticated

    # On the monolith: the session's password hash is stale, accounts.TokensRevoked is
    # published and reaches reviews' handler (in-process here).
    with django_capture_on_commit_callbacks(execute=True):
        owner.set_password("un-nouveau-mot-de-passe-2026")
        owner.save(update_fields=["password"])
        password_changed_publish(user_id=owner.pk, changed_at=timezone.now())

    assert not monolith_session.session_user(request, key).is_authenticated
    assert len(calls) == 2


def test_a_homeowner_sees_their_reviews_and_the_form_knows_them(client, pro, as_service):
    from apps.accounts.tests.factories import UserFactory

    luce = UserFactory(email="luce@exemple.fr", first_name="Luce")
    client.force_login(luce)
    as_service()

    assert client.get("/mes-avis/").status_code == 200
    form = client.get(f"/pro/{pro.slug}/donner-mon-avis/")
    assert form.status_code == 200
    assert "luce@exemple.fr" in form.content.decode()


@pytest.mark.django_db(transaction=True)
def test_over_http_the_pro_owner_sees_its_reviews(
    client, owner, pro, settings, as_service, live_server
):
    """accounts answered by another process's facade endpoint (the live server)."""
    ReviewFactory(pro_id=pro.id, title="Ravalement impeccable")
    client.force_login(owner)
    as_service()
    settings.FACADES_TOKEN = "jeton-interne-de-test"
    settings.FACADES_SERVED = ["accounts"]
    settings.REMOTE_FACADES = {"accounts": live_server.url}

    response = client.get("/espace-pro/avis/")

    assert response.status_code == 200
    assert "Ravalement impeccable" in response.content.decode()
