"""Legal pages (mentions légales, CGU, confidentialité, cookies) and the pro offer, linked
from every page's footer; the cookies page names every cookie the site sets."""

import re

import pytest
from django.test import Client

from apps.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "/mentions-legales/": "Mentions légales",
    "/conditions-generales/": "Conditions générales d'utilisation",
    "/confidentialite/": "Politique de confidentialité",
    "/cookies/": "Cookies",
    "/vous-etes-artisan/": "Vous êtes artisan ?",
}


@pytest.mark.parametrize(("path", "title"), PAGES.items())
def test_each_page_answers_in_french_and_is_linked_from_the_footer(client, path, title):
    response = client.get(path)
    assert response.status_code == 200
    # French typography puts a no-break space before "?": what a reader sees is a space.
    html = response.content.decode().replace("\xa0", " ")
    assert f"<h1>{title}</h1>" in html.replace("&#x27;", "'")

    footer = client.get("/").content.decode().split('class="site-footer"', 1)[1]
    assert f'href="{path}"' in footer


def test_the_cookies_page_says_no_banner_because_only_essential_cookies(client):
    html = client.get("/cookies/").content.decode()
    assert "que des cookies indispensables" in html
    assert "aucun bandeau" in html


def test_every_cookie_the_site_sets_is_on_the_cookies_page(client):
    UserFactory(email="claire@exemple.fr")
    seen = set()
    for response in (
        client.get("/connexion/"),
        client.post("/connexion/", {"username": "claire@exemple.fr", "password": PASSWORD}),
        client.get("/"),
    ):
        seen |= set(response.cookies)
    listed = set(
        re.findall(r"<td><code>([\w-]+)</code></td>", Client().get("/cookies/").content.decode())
    )
    assert seen, "signing in sets cookies"
    assert seen <= listed, f"cookies set but not listed: {seen - listed}"


def test_the_footer_has_entries_for_homeowners_and_pros(client):
    footer = client.get("/").content.decode().split('class="site-footer"', 1)[1]
    assert "Particuliers" in footer and 'href="/devis/"' in footer
    footer = footer.replace("\xa0", " ")
    assert "Professionnels" in footer and "Vous êtes artisan ?" in footer
