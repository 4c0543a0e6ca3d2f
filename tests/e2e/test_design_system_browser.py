"""The design system in the browser: the header's compact menu on a phone, back-office
tables that become cards under 640 px."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (390, 844)
DESKTOP = (1366, 900)


def _visible(browser, element) -> bool:
    # checkVisibility() knows that the content of a closed <details> is not rendered.
    return browser.js("return arguments[0].checkVisibility()", element)


def _header_height(browser) -> float:
    return browser.js(
        "return document.querySelector('.site-header').getBoundingClientRect().height"
    )


def test_the_header_folds_into_a_menu_on_a_phone(browser):
    browser.set_viewport(*PHONE)
    browser.get("/")
    toggle = browser.driver.find_element(By.CSS_SELECTOR, ".site-menu__toggle")
    link = browser.driver.find_element(By.CSS_SELECTOR, ".site-nav a[href='/artisans/']")
    assert toggle.is_displayed() and not _visible(browser, link)
    assert _header_height(browser) < 90  # one row: the wordmark and "Menu"
    toggle.click()  # a native <details>: no script involved
    assert _visible(browser, link)
    box = browser.js("return arguments[0].getBoundingClientRect()", link)
    assert box["right"] <= PHONE[0]
    browser.screenshot("header-menu-390.png", full_page=False)


def test_the_header_shows_its_entries_on_a_desktop(browser):
    browser.set_viewport(*DESKTOP)
    browser.get("/")
    assert not browser.driver.find_element(By.CSS_SELECTOR, ".site-menu__toggle").is_displayed()
    link = browser.driver.find_element(By.CSS_SELECTOR, ".site-nav a[href='/artisans/']")
    assert _visible(browser, link)
    browser.screenshot("header-1366.png", full_page=False)


def _sign_in(browser, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    browser.get("/robots.txt")  # a cookie is set on the domain of the current page
    browser.driver.add_cookie(
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "path": "/"}
    )


CARD_TABLES = (
    # (role, page, what a card must show besides its title)
    ("advisor", "/conseiller/demandes/?status=all", "Statut"),
    ("advisor", "/conseiller/transmissions/", "Statut"),
    ("pro_owner", "/espace-pro/demandes/", "Statut"),
    ("pro_owner", "/espace-pro/equipe/", "Rôle"),
)


@pytest.mark.parametrize(("role", "path", "label"), CARD_TABLES)
def test_back_office_tables_become_cards_on_a_phone(browser, role, path, label):
    from tests.security.conftest import _build_world

    world = _build_world()
    _sign_in(browser, world.users[role])
    browser.set_viewport(*PHONE)
    browser.get(path)
    table = browser.driver.find_element(By.CSS_SELECTOR, "table.table--cards")
    row = table.find_element(By.CSS_SELECTOR, "tbody tr")
    assert browser.js("return getComputedStyle(arguments[0]).display", row) == "grid"
    # The column headers are out of sight; each cell names its column itself.
    assert browser.js("return arguments[0].tHead.getBoundingClientRect().height", table) <= 1
    cell = row.find_element(By.CSS_SELECTOR, f"td[data-label='{label}']")
    assert cell.is_displayed()
    box = browser.js("return arguments[0].getBoundingClientRect()", cell)
    assert box["left"] >= 0 and box["right"] <= PHONE[0]
    assert browser.js("return document.documentElement.scrollWidth - window.innerWidth") <= 0
    browser.screenshot(f"cards-{path.strip('/').replace('/', '-').split('?')[0]}-390.png")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1366", "390"])
def test_the_component_catalogue_passes_axe(browser, django_user_model, size):
    staff = django_user_model.objects.create_user(
        email="alice@eldo.test", password="x", is_staff=True
    )
    _sign_in(browser, staff)
    browser.set_viewport(*size)
    browser.get("/eldo/composants/")
    assert browser.driver.find_elements(By.CSS_SELECTOR, "[data-component]")
    assert browser.axe() == []
    assert browser.js("return document.documentElement.scrollWidth - window.innerWidth") <= 0
    browser.screenshot(f"catalogue-{size[0]}.png")


def test_a_long_multi_select_becomes_searchable_chips(browser):
    from selenium.webdriver.common.keys import Keys

    from apps.leads.models import NetworkInstaller
    from tests.security.conftest import _build_world

    world = _build_world()
    _sign_in(browser, world.users["network_manager"])
    browser.get(f"/espace-pro/reseau/regles/{world.ids['rule_id']}/")
    native = browser.driver.find_element(By.CSS_SELECTOR, "select[name='department_codes']")
    assert not native.is_displayed()  # still in the form, holding the value
    search = browser.driver.find_element(By.CSS_SELECTOR, "#id_department_codes-search")
    label = browser.driver.find_element(By.CSS_SELECTOR, "label[for='id_department_codes-search']")
    assert label.text.startswith("Départements")
    search.send_keys("haute-gar")
    options = browser.driver.find_elements(By.CSS_SELECTOR, "#id_department_codes-options li")
    assert [o.text for o in options] == ["Haute-Garonne (31)"]
    search.send_keys(Keys.ENTER)  # chooses; does not submit the form
    chip = browser.driver.find_element(By.CSS_SELECTOR, ".chips__chip")
    assert "Haute-Garonne (31)" in chip.text
    assert browser.axe() == []
    browser.js("arguments[0].scrollIntoView({block: 'center'})", chip)
    browser.screenshot("chips-network-rule.png", full_page=False)
    browser.click_and_wait(
        browser.driver.find_element(By.CSS_SELECTOR, "main form button[type='submit']"),
        scroll=True,
    )
    rule = NetworkInstaller.objects.get(pk=world.ids["rule_id"])
    assert "31" in rule.department_codes
