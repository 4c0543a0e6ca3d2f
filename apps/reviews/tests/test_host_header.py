"""The Host header never reaches a cached page: the widget, the badge, the sitemap, the
profile's structured data and robots.txt link to SITE_URL, whatever Host a visitor sends
(a poisoned entry would otherwise be served to every visitor for minutes). An erased
author's name leaves the widget at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from apps.accounts.events import UserErased
from apps.core.events import publish
from apps.core.privacy import email_digest
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db

SITE = "https://eldo.example"
EVIL = "localhost:6666"


@pytest.fixture
def site_url(settings):
    # Ports not pinned (development): even a Host that gets through changes no link.
    settings.HOST_PORTS_PINNED = False
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["localhost", "testserver", "eldo.example"]
    return SITE


def _evil_then_honest(path: str) -> tuple[str, str]:
    first = Client(HTTP_HOST=EVIL).get(path)
    assert first.status_code == 200, first.content[:300]
    second = Client().get(path)
    assert second.status_code == 200
    return first.content.decode(), second.content.decode()


def test_the_widget_links_to_the_site_whatever_the_host(site_url, pro, committed):
    with committed():
        submit_invited(pro, email="luce@exemple.fr")
    poisoned, served = _evil_then_honest(f"/widget/{pro.slug}/")
    for html in (poisoned, served):
        assert EVIL not in html
        assert f"{SITE}/pro/{pro.slug}/" in html


def test_the_badge_links_to_the_site_whatever_the_host(site_url, pro):
    poisoned, served = _evil_then_honest(f"/api/v1/pros/{pro.slug}/badge/")
    for body in (poisoned, served):
        assert EVIL not in body
        assert f"{SITE}/pro/{pro.slug}/" in body


def test_the_public_pro_api_and_the_profile_s_json_ld_use_the_site(site_url, pro, committed):
    with committed():
        submit_invited(pro, email="luce@exemple.fr")
    for path in (f"/api/v1/pros/{pro.slug}/", f"/pro/{pro.slug}/", "/api/v1/pros/"):
        poisoned, served = _evil_then_honest(path)
        for body in (poisoned, served):
            assert EVIL not in body, path


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemap-pros.xml", "/robots.txt"])
def test_the_sitemap_and_robots_use_the_site(site_url, pro, path):
    cache.clear()
    poisoned, served = _evil_then_honest(path)
    for body in (poisoned, served):
        assert EVIL not in body
        assert SITE in body


def test_the_widget_forgets_an_erased_author_at_once(pro, committed, client):
    with committed():
        submit_invited(pro, email="luce@exemple.fr", author_name="Lucette")
    assert "Lucette" in client.get(f"/widget/{pro.slug}/").content.decode()  # now cached

    with committed():
        publish(
            UserErased(user_id=987654, email_sha256=email_digest("luce@exemple.fr"), erased_at="")
        )

    html = client.get(f"/widget/{pro.slug}/").content.decode()
    assert "Lucette" not in html
    assert "Ancien utilisateur" in html


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("eldo.example", 200),
        ("eldo.example:443", 400),
        ("eldo.example:6666", 400),
        ("localhost:8000", 200),
        ("localhost:6666", 400),
    ],
)
def test_production_accepts_a_port_only_when_pinned(settings, host, status):
    settings.HOST_PORTS_PINNED = True  # the production default
    settings.ALLOWED_HOSTS = ["eldo.example", "localhost", "localhost:8000"]
    assert Client(HTTP_HOST=host).get("/healthz").status_code == status
