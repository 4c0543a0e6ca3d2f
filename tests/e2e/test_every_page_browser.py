"""Every HTML page, public and back-office, walked in Chromium at 1366 and 390 px: axe-core
finds no serious or critical violation, and at 390 px nothing scrolls sideways.

The pages are the rows of the authorization matrix (tests/security/matrix.py), so a new URL
is walked as soon as it has its row. Each page is visited by the first role that gets it
(anonymous for public pages, the pro owner for the pro space, the network manager, the
advisor, the moderator, Eldo staff), in the security suite's world; the home page is also
visited by each signed-in role, whose header carries that role's entries.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security.conftest import _build_world
from tests.security.matrix import MATRIX, ROLES
from tests.security.routes import concrete

pytestmark = [pytest.mark.browser, pytest.mark.layout, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}

# GET rows that are not HTML pages a person reads, each for a reason.
NOT_PAGES = (
    "healthz",  # operations probes and metrics: plain text
    "readyz",
    "metrics",
    "robots.txt",
    "sw.js",  # the Web Push service worker
    "sitemap",  # XML
    "pro/<slug:slug>/site-web/",  # a redirect to the pro's own site
    "mon-compte/donnees/telecharger/",  # a JSON download
    # Django's admin: its own templates and styles, for Eldo staff only; not themed by
    # the design system, so not held to its rules.
    "admin/",
)
NOT_PAGE_SUFFIXES = (".png", ".svg", ".pdf", ".csv", ".xml", ".txt", ".js", ".json")
# Error pages: one of each status is enough, they share their template.
ERROR_PAGES = ("avis/invitation/<str:token>/", "equipe/invitation/<str:token>/")
# Swagger UI (api/docs/) is drf-spectacular's bundled page, not ours: its markup and
# colours come from the swagger-ui package. It is for developers integrating the API and
# is not walked; its rows are api/ rows of the matrix, excluded below with every API route.


def _pages() -> list[tuple[str, str]]:
    """(route, role) for every HTML page of the matrix."""
    pages = []
    for row in MATRIX:
        if row.method != "GET" or row.api:
            continue
        if row.route.startswith(NOT_PAGES) or row.route.endswith(NOT_PAGE_SUFFIXES):
            continue
        if row.route in ERROR_PAGES:
            pages.append((row.route, "anonymous"))
            continue
        role = next((role for role in ROLES if row.expect(role) == 200), None)
        if role is not None:
            pages.append((row.route, role))
    # The header of each signed-in role, on the home page.
    pages += [("", role) for role in ROLES if role not in ("anonymous", "partner")]
    return pages


PAGES = _pages()


# The deepest element that sticks out on the right, to name in the failure.
WIDEST_ELEMENT = """
const limit = window.innerWidth + 1;
let found = null;
for (const el of document.body.querySelectorAll('*')) {
  if (el.getBoundingClientRect().right > limit) found = el;
}
if (!found) {  // text spilling out of a box that itself fits
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  while (walker.nextNode()) {
    range.selectNodeContents(walker.currentNode);
    if (range.getBoundingClientRect().right > limit) {
      found = walker.currentNode.parentElement;
      break;
    }
  }
}
if (!found) return 'no element found';
const classes = [...found.classList].map((c) => '.' + c).join('');
const name = found.tagName.toLowerCase() + classes;
return name + ': ' + (found.textContent || '').trim().slice(0, 60);
"""


def _settled(browser) -> None:
    """Wait for a page that changes itself after loading: a lead's page marks it viewed by
    a POST, then reloads (static/js/lead-viewed.js)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser.driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete'"
            " && !document.querySelector('form[data-mark-viewed]')"
        )
    )


def _sign_in(browser, user) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    browser.driver.delete_all_cookies()
    browser.get("/robots.txt")  # a cookie is set on the domain of the current page
    browser.driver.add_cookie({"name": "sessionid", "value": cookie.value, "path": "/"})


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_is_accessible_and_fits(browser, width):
    world = _build_world()
    size = WIDTHS[width]
    problems: list[str] = []
    signed_in_as = "anonymous"
    browser.driver.delete_all_cookies()
    for route, role in PAGES:
        if role != signed_in_as:
            if role == "anonymous":
                browser.driver.delete_all_cookies()
            else:
                _sign_in(browser, world.users[role])
            signed_in_as = role
        browser.set_viewport(*size)
        url = concrete(route, world.ids)
        browser.get(url)
        _settled(browser)
        where = f"{url} as {role}"
        if browser.js("return document.contentType") != "text/html":
            problems.append(f"{where}: not an HTML page")
            continue
        problems += [f"{where}: {line}" for line in browser.axe()]
        if width == "phone":
            overflow = browser.js("return document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                culprit = browser.js(WIDEST_ELEMENT)
                problems.append(f"{where}: scrolls sideways by {overflow}px ({culprit})")
    assert problems == [], "\n".join(problems)
