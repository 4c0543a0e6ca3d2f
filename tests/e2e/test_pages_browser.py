"""The site in a real browser: layout, keyboard access, login round trip."""

from __future__ import annotations

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide-2026"


def _wait(browser, timeout: float = 10):
    return WebDriverWait(browser.driver, timeout)


def _horizontal_overflow(browser) -> int:
    return browser.js(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _login(browser, email: str, password: str) -> None:
    browser.get(reverse("accounts:login"))
    browser.driver.find_element(By.NAME, "username").send_keys(email)
    browser.driver.find_element(By.NAME, "password").send_keys(password)
    browser.driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]").click()


def test_home_page_renders_with_its_title_and_hero(browser):
    browser.get("/")

    assert browser.driver.title.endswith("· Eldo")
    heading = browser.driver.find_element(By.TAG_NAME, "h1")
    assert heading.text == "Trouvez un artisan de confiance près de chez vous"
    steps = browser.driver.find_elements(By.CSS_SELECTOR, ".steps__item")
    assert len(steps) == 3
    # The stylesheet is served and applied: the hero has its dark background.
    assert browser.js(
        "return getComputedStyle(document.querySelector('.hero')).backgroundImage"
    ).startswith(("linear-gradient", "radial-gradient"))


def test_home_page_screenshots_desktop_and_mobile(browser):
    browser.get("/")
    desktop = browser.screenshot("home.png")

    browser.set_viewport(*MOBILE)
    browser.get("/")
    mobile = browser.screenshot("home-mobile.png")

    assert desktop.stat().st_size > 10_000
    assert mobile.stat().st_size > 10_000


def test_skip_link_is_the_first_focusable_element(browser):
    browser.get("/")
    browser.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)

    active = browser.driver.switch_to.active_element
    assert active.get_attribute("class") == "skip-link"
    assert active.text == "Aller au contenu"
    assert active.get_attribute("href").endswith("#contenu")
    # Focused, it slides into view instead of staying off-screen.
    top = browser.js("return arguments[0].getBoundingClientRect().top", active)
    assert top >= 0

    active.send_keys(Keys.ENTER)
    assert browser.js("return document.activeElement.id") == "contenu"


@pytest.mark.parametrize("path", ["/", "/connexion/", "/page-qui-n-existe-pas/"])
def test_no_horizontal_scroll_on_a_small_phone(browser, path):
    browser.set_viewport(*MOBILE)
    browser.get(path)

    assert browser.js("return window.innerWidth") == MOBILE[0]
    assert _horizontal_overflow(browser) <= 0
    browser.screenshot(f"mobile{path.rstrip('/').replace('/', '-') or '-home'}.png")


@pytest.mark.parametrize("path", ["/", "/connexion/", "/page-qui-n-existe-pas/"])
def test_every_image_has_an_alt_attribute(browser, path):
    browser.get(path)

    missing = browser.js(
        "return Array.from(document.images).filter(img => !img.hasAttribute('alt'))"
        ".map(img => img.outerHTML)"
    )
    assert missing == []


def test_login_with_wrong_credentials_shows_a_french_error(browser, django_user_model):
    django_user_model.objects.create_user(email="marie@example.fr", password=PASSWORD)

    _login(browser, "marie@example.fr", "pas-le-bon-mot-de-passe")

    alert = _wait(browser).until(
        EC.visibility_of_element_located((By.CSS_SELECTOR, "form [role=alert]"))
    )
    assert "mot de passe" in alert.text
    assert "Saisissez une adresse e-mail et un mot de passe valides" in alert.text
    assert browser.driver.title.endswith("· Eldo")
    assert _horizontal_overflow(browser) <= 0
    browser.screenshot("login-error.png")


def test_login_then_logout_round_trip(browser, django_user_model):
    django_user_model.objects.create_user(email="paul@example.fr", password=PASSWORD)

    _login(browser, "paul@example.fr", PASSWORD)

    logout = _wait(browser).until(
        EC.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Se déconnecter']"))
    )
    # A homeowner lands on "Mes projets" (apps.accounts.navigation).
    assert browser.driver.current_url == browser.base_url + reverse("leads-homeowner:projects")
    assert "paul@example.fr" in browser.driver.find_element(By.CSS_SELECTOR, ".site-nav").text
    # The e-mail in the header must not push the page sideways on a phone.
    browser.set_viewport(*MOBILE)
    browser.get(reverse("home"))
    assert _horizontal_overflow(browser) <= 0
    browser.screenshot("mobile-home-member.png", full_page=False)
    logout = browser.driver.find_element(By.XPATH, "//button[normalize-space()='Se déconnecter']")
    # On a phone the entries are folded: open "Menu", then the account menu, as a person would.
    for menu in logout.find_elements(By.XPATH, "ancestor::details"):
        if menu.get_attribute("open") is None:
            menu.find_element(By.XPATH, "./summary").click()
    _wait(browser).until(EC.element_to_be_clickable(logout))
    logout.click()
    _wait(browser).until(EC.presence_of_element_located((By.LINK_TEXT, "Connexion")))
    assert not browser.driver.find_elements(
        By.XPATH, "//button[normalize-space()='Se déconnecter']"
    )
