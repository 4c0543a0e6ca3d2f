"""A pro downloads its QR-code flyer (a valid one-page PDF) and configures its review widget
(variant, theme, live preview, snippet) in a real browser; the widget's carousel takes the
keyboard focus and no variant scrolls sideways at 320 px."""

from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from apps.accounts.models import MemberRole
from apps.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from apps.directory.tests.factories import make_pro
from apps.reviews.tests.support import submit_invited

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK_PAGE = "/espace-pro/invitations/lien-permanent/"
WIDGET_PAGE = "/espace-pro/avis/widget/"

# The browser fetches the file with its own session, as a download would.
FETCH = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {credentials: "same-origin"})
  .then(r => r.arrayBuffer().then(b => [r.status, r.headers.get("content-type"), b]))
  .then(([status, type, buffer]) => {
    let binary = ""; const bytes = new Uint8Array(buffer);
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    done([status, type, btoa(binary)]);
  });
"""


@pytest.fixture
def owner_of_a_reviewed_pro(directory_live_data):
    pro = make_pro("Façades du Midi", departments=("31",), trades=("facade",))
    owner = UserFactory(email="pro@eldo.test", first_name="Philippe")
    MembershipFactory(user=owner, organization=pro.organization, role=MemberRole.OWNER)
    submit_invited(pro, email="jeanne@exemple.fr", rating=5, title="Façade impeccable")
    return pro


def _login(browser, next_path: str) -> None:
    browser.get(f"/connexion/?next={next_path}")
    browser.driver.find_element(By.CSS_SELECTOR, "main [name='username']").send_keys(
        "pro@eldo.test"
    )
    browser.driver.find_element(By.CSS_SELECTOR, "main [name='password']").send_keys(PASSWORD)
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Se connecter"]')
    )


def _no_sideways_scroll(browser) -> bool:
    return browser.js(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_the_pro_downloads_the_flyer_and_configures_the_widget(browser, owner_of_a_reviewed_pro):
    pro = owner_of_a_reviewed_pro
    _login(browser, LINK_PAGE)
    flyer = browser.driver.find_element(By.CSS_SELECTOR, "a[href$='flyer.pdf']")
    status, content_type, payload = browser.driver.execute_async_script(
        FETCH, flyer.get_attribute("href")
    )
    assert (status, content_type) == (200, "application/pdf")
    reader = PdfReader(io.BytesIO(base64.b64decode(payload)), strict=True)
    assert len(reader.pages) == 1
    assert "Façades du Midi" in reader.pages[0].extract_text()

    browser.get(WIDGET_PAGE)
    browser.driver.find_element(By.CSS_SELECTOR, "input[name=type][value=badge]").click()
    browser.driver.find_element(By.CSS_SELECTOR, "input[name=theme][value=dark]").click()
    browser.click_and_wait(
        browser.driver.find_element(
            By.XPATH, '//button[normalize-space()="Mettre à jour l\'aperçu"]'
        )
    )
    snippet = browser.driver.find_element(By.ID, "widget-snippet").get_attribute("value")
    assert f"/widget/{pro.slug}/?type=badge&theme=dark" in snippet and 'height="90"' in snippet
    preview = browser.driver.find_element(By.ID, "widget-preview")
    browser.driver.switch_to.frame(preview)
    try:
        WebDriverWait(browser.driver, 10).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "body.w-dark .w--badge")
        )
        assert "1 avis" in browser.driver.find_element(By.TAG_NAME, "body").text
    finally:
        browser.driver.switch_to.default_content()


def test_the_carousel_takes_the_focus_and_nothing_overflows_at_320_px(
    browser, owner_of_a_reviewed_pro
):
    pro = owner_of_a_reviewed_pro
    browser.set_viewport(320, 640)
    for query in ("", "?type=list&theme=dark", "?type=badge"):
        browser.get(f"/widget/{pro.slug}/{query}")
        assert _no_sideways_scroll(browser), query
    browser.get(f"/widget/{pro.slug}/")
    body = browser.driver.find_element(By.TAG_NAME, "body")
    reached = []
    for _ in range(6):
        body = browser.driver.switch_to.active_element
        body.send_keys(Keys.TAB)
        reached.append(browser.js("return document.activeElement.className"))
    assert "w__list" in reached and "w__item" in reached, reached
