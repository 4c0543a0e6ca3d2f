"""A homeowner looks for a pro in a real browser: home → trade → place → results → profile."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from apps.directory.tests.factories import make_pro
from tests.e2e.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLACE_LABEL = "Lieu (code postal, commune ou département)"
FACADE_TILE = (
    By.XPATH,
    "//section[@aria-labelledby='categories-title']"
    "//a[contains(@class, 'category-tile')][.//*[normalize-space()='Façade']]",
)
RESULT_NAMES = (By.CSS_SELECTOR, ".search-layout__results .pro-card .card__title a")


@pytest.fixture
def facade_pros(directory_live_data):
    """One façade pro serving Haute-Garonne, one serving only Gironde."""
    midi = make_pro(
        "Façades du Midi", departments=("31",), rating=(4.7, 12), certifications=(("rge", 200),)
    )
    bordeaux = make_pro("Façades Bordelaises", commune="33063", departments=("33",))
    return midi, bordeaux


def _wait(browser, timeout: float = 10):
    return WebDriverWait(browser.driver, timeout)


def _click_and_wait_for_new_page(browser, element) -> None:
    """Click ``element`` and wait until the page it leads to has replaced the current one."""
    browser.click_and_wait(element)


def _horizontal_overflow(browser) -> int:
    return browser.js(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _field_by_label(browser, label: str):
    """The form control a <label> names, found the way assistive technology finds it."""
    labels = browser.driver.find_elements(By.CSS_SELECTOR, "label.field__label")
    for candidate in labels:
        # The label ends with a "(facultatif)" hint: match on the leading text.
        if candidate.get_attribute("textContent").strip().startswith(label):
            return browser.driver.find_element(By.ID, candidate.get_attribute("for"))
    raise AssertionError(f"no field labelled {label!r}")


def _result_names(browser) -> list[str]:
    return [link.text for link in browser.driver.find_elements(*RESULT_NAMES)]


def _query(browser) -> dict[str, list[str]]:
    return parse_qs(urlsplit(browser.driver.current_url).query)


def test_homeowner_finds_a_facade_pro_near_31450_and_opens_the_profile(browser, facade_pros):
    midi, _ = facade_pros

    # Home page: the trades are offered under "Choisissez votre catégorie de travaux".
    browser.get("/")
    heading = browser.driver.find_element(By.ID, "categories-title")
    assert heading.text == "Choisissez votre catégorie de travaux"
    home_shot = browser.screenshot("directory-1-home.png")
    _click_and_wait_for_new_page(browser, browser.driver.find_element(*FACADE_TILE))

    # Landing page of the trade, with the trade already chosen in the filters.
    assert urlsplit(browser.driver.current_url).path == "/artisans/facade/"
    assert browser.driver.find_element(By.TAG_NAME, "h1").text.startswith("Façade")
    category = browser.driver.find_element(By.ID, "id_category")
    assert category.get_attribute("value") == "facade"
    landing_shot = browser.screenshot("directory-2-landing.png")

    place = _field_by_label(browser, PLACE_LABEL)
    place.clear()
    place.send_keys("31450")
    submit = browser.driver.find_element(
        By.XPATH, "//form[@role='search']//button[normalize-space()='Rechercher']"
    )
    _click_and_wait_for_new_page(browser, submit)

    # Results: the pro serving Haute-Garonne, not the one serving Gironde only.
    query = _query(browser)
    assert query["place"] == ["31450"]
    assert query["category"] == ["facade"]
    names = _result_names(browser)
    assert names == ["Façades du Midi"]
    assert (
        "Façades Bordelaises"
        not in browser.driver.find_element(By.CSS_SELECTOR, ".search-layout__results").text
    )
    assert browser.driver.find_element(By.ID, "results-title").text == "1 professionnel"
    results_shot = browser.screenshot("directory-3-results.png")

    link = browser.driver.find_element(By.LINK_TEXT, "Façades du Midi")
    _click_and_wait_for_new_page(browser, link)

    # Profile: name, accessible rating, RGE label, LocalBusiness structured data.
    assert urlsplit(browser.driver.current_url).path == f"/pro/{midi.slug}/"
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Façades du Midi"
    rating = browser.driver.find_element(By.CSS_SELECTOR, ".page-header ~ .stack .rating")
    rating_text = " ".join(rating.get_attribute("textContent").split())
    assert "Note : 4,7 sur 5" in rating_text
    assert "12 avis" in rating_text
    labels = [tag.text for tag in browser.driver.find_elements(By.CSS_SELECTOR, ".tag--label")]
    assert "RGE" in labels
    scripts = browser.driver.find_elements(By.CSS_SELECTOR, "script[type='application/ld+json']")
    documents = [json.loads(s.get_attribute("textContent")) for s in scripts]
    business = [d for d in documents if d.get("@type") == "LocalBusiness"]
    assert len(business) == 1
    assert business[0]["name"] == "Façades du Midi"
    assert business[0]["aggregateRating"]["ratingValue"] == pytest.approx(4.7)
    assert business[0]["aggregateRating"]["reviewCount"] == 12
    profile_shot = browser.screenshot("directory-4-profile.png")

    for shot in (home_shot, landing_shot, results_shot, profile_shot):
        assert shot.stat().st_size > 10_000, shot


@pytest.mark.parametrize(
    "path",
    ["/artisans/", "/artisans/facade/", "/artisans/facade/?place=31450"],
    ids=["search", "landing", "results"],
)
def test_search_pages_have_no_horizontal_scroll_on_a_small_phone(browser, facade_pros, path):
    browser.set_viewport(*MOBILE)
    browser.get(path)

    assert browser.js("return window.innerWidth") == MOBILE[0]
    assert _horizontal_overflow(browser) <= 0
    # Nothing is wider than the viewport, even where overflow is clipped by an ancestor.
    too_wide = browser.js(
        "return Array.from(document.querySelectorAll('main *'))"
        ".filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(el => el.tagName + '.' + el.className)"
    )
    assert too_wide == []
    name = {"/artisans/": "search", "/artisans/facade/": "landing"}.get(path, "results")
    browser.screenshot(f"directory-mobile-{name}.png")


def test_search_form_works_with_the_keyboard_only(browser, facade_pros):
    browser.get("/artisans/facade/")
    place = _field_by_label(browser, PLACE_LABEL)

    # Tab from the top of the page until the place field has the focus.
    body = browser.driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    for _ in range(60):
        if browser.driver.switch_to.active_element == place:
            break
        browser.driver.switch_to.active_element.send_keys(Keys.TAB)
    else:
        pytest.fail("the place field cannot be reached with the Tab key")
    # The focused field shows where the focus is.
    outline = browser.js(
        "const s = getComputedStyle(document.activeElement);"
        "return [s.outlineStyle, s.outlineWidth, s.boxShadow];"
    )
    assert outline[0] != "none" or outline[2] != "none", outline

    browser.mark_page()
    active = browser.driver.switch_to.active_element
    active.send_keys("31450")
    active.send_keys(Keys.ENTER)
    browser.wait_for_new_page()

    query = _query(browser)
    assert query["place"] == ["31450"]
    assert query["category"] == ["facade"]
    assert _result_names(browser) == ["Façades du Midi"]
