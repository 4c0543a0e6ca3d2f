"""Security headers and the Content-Security-Policy, as a browser receives them, and pages
that the policy does not break (no inline script or style it would block)."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import path

# This module is also a URLconf (for the 500 page): the project's URLs plus one that fails.
from eldo.urls import handler500  # noqa: F401
from eldo.urls import urlpatterns as _project_urls
from tests.deploy.support import production_env, run


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", _boom), *_project_urls]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes, inline
    event handlers, <style> blocks (with their hash) and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.attributes = [], [], []
        self._in = None
        self._data = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name == "style" or name.startswith("on"):
                self.attributes.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").startswith("javascript:"):
                self.attributes.append(f"<{tag} {name}=javascript:>")
        data_block = attrs.get("type") in ("application/ld+json", "application/json")
        if tag == "script" and not attrs.get("src") and not data_block:
            self._in, self._data = "script", []
        if tag == "style":
            self._in, self._data = "style", []

    def handle_data(self, data):
        if self._in:
            self._data.append(data)

    def handle_endtag(self, tag):
        if tag == self._in:
            content = "".join(self._data)
            (self.scripts if tag == "script" else self.styles).append(content)
            self._in = None


def inline(response) -> _Inline:
    parser = _Inline()
    parser.feed(response.content.decode())
    return parser


def sha256(content: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()}'"


PAGES = [
    ("anonymous", "/"),
    ("anonymous", "/artisans/"),
    ("anonymous", "/artisans/facade/toulouse/"),
    ("anonymous", "/pro/facades-du-midi/"),
    ("anonymous", "/pro/facades-du-midi/donner-mon-avis/"),
    ("anonymous", "/avis/"),
    ("anonymous", "/devis/"),
    ("anonymous", "/rappel/"),
    ("anonymous", "/connexion/"),
    ("anonymous", "/pas-une-page/"),
    ("pro_owner", "/espace-pro/"),
    ("pro_owner", "/espace-pro/profil/"),
    ("pro_owner", "/espace-pro/avis/"),
    ("pro_owner", "/espace-pro/invitations/"),
    ("pro_owner", "/espace-pro/demandes/"),
    ("pro_owner", "/espace-pro/equipe/"),
    ("pro_owner", "/espace-pro/statistiques/"),
    ("network_manager", "/espace-pro/reseau/"),
    ("network_manager", "/espace-pro/reseau/demandes/"),
    ("advisor", "/conseiller/demandes/"),
    ("advisor", "/conseiller/transmissions/"),
    ("moderator", "/moderation/avis/"),
    ("homeowner", "/mon-compte/donnees/"),
    ("staff", "/admin/"),
    ("staff", "/admin/accounts/user/"),
]


@pytest.mark.parametrize(("role", "url"), PAGES, ids=[url for _role, url in PAGES])
def test_pages_send_a_strict_policy_they_comply_with(client_as, world, role, url):
    response = client_as(role, api=False).get(url)

    assert response.status_code in (200, 404)
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"]
    found = inline(response)
    assert found.scripts == [], "inline <script> the policy would block"
    assert found.attributes == [], "inline style/event attributes the policy would block"
    assert [css for css in found.styles if sha256(css) not in policy["style-src"]] == []


@pytest.mark.parametrize(
    "url", ["/", "/api/v1/categories/", "/api/v1/auth/me/", "/healthz", "/pas-une-page/"]
)
def test_every_response_carries_the_security_headers(client, db, url):
    response = client.get(url)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_review_widget_may_be_framed_by_any_site(client, db, world):
    response = client.get("/widget/facades-du-midi/")

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = directives(response)
    assert policy["frame-ancestors"] == ["*"]
    assert policy["script-src"] == ["'self'"]
    found = inline(response)
    assert (found.scripts, found.styles, found.attributes) == ([], [], [])
    # Its look comes from a stylesheet of our own origin, which must exist.
    assert finders.find("reviews/widget.css")
    assert "/static/reviews/widget.css" in response.content.decode()


def test_swagger_ui_runs_under_its_own_policy(client, db):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    policy = directives(page)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]  # Swagger UI sets element styles
    assert policy["frame-ancestors"] == ["'none'"]
    assert inline(page).scripts == []
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200
    assert "/api/schema/" in init.content.decode()
    assert "SwaggerUIBundle" in init.content.decode()


@pytest.mark.urls("tests.security.test_headers")
def test_the_500_page_style_is_allowed_by_its_hash_only(client, db):
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    styles = inline(response).styles
    assert len(styles) == 1
    policy = directives(response)
    assert sha256(styles[0]) in policy["style-src"]
    assert "'unsafe-inline'" not in policy["style-src"]


_PRODUCTION_REQUEST = """
import json, django
from django.conf import settings
from django.test import Client
django.setup()
https = Client().get("/robots.txt", headers={"host": "eldo.example", "x-forwarded-proto": "https"})
plain = Client().get("/robots.txt", headers={"host": "eldo.example"})
print(json.dumps({
    "https": [https.status_code, https.get("Strict-Transport-Security")],
    "plain": [plain.status_code, plain.get("Location")],
    "session": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                settings.SESSION_COOKIE_SAMESITE],
    "csrf": [settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_SAMESITE],
}))
"""


def test_production_sends_hsts_redirects_to_https_and_secures_cookies(tmp_path):
    result = run([sys.executable, "-c", _PRODUCTION_REQUEST], env=production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["https"] == [200, "max-age=31536000; includeSubDomains; preload"]
    assert seen["plain"] == [301, "https://eldo.example/robots.txt"]
    # Session and CSRF cookies: HTTPS only, session unreadable by scripts, no cross-site POST.
    assert seen["session"] == [True, True, "Lax"]
    assert seen["csrf"] == [True, "Lax"]
