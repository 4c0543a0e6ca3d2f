"""At 390 px: nothing scrolls sideways, the results come before the filters, and a
profile's "Demander un devis" is on screen without scrolling."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (390, 844)


@pytest.fixture
def pros(directory_live_data):
    return [
        make_pro(
            f"Toitures Occitanes Réunies {i}",
            trades=("toiture",),
            departments=("31",),
            rating=(4.5, 10 + i),
            verified=True,
        )
        for i in range(3)
    ]


def _overflow(browser) -> int:
    return browser.js(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize(
    "path", ["/", "/artisans/?q=couvreur+toulouse", "/artisans/toiture/toulouse-31/"]
)
def test_no_page_scrolls_sideways_at_390_px(browser, pros, path):
    browser.set_viewport(*PHONE)
    browser.get(path)
    assert browser.js("return window.innerWidth") == PHONE[0]
    assert _overflow(browser) <= 0


def test_first_result_comes_before_the_filters_on_a_phone(browser, pros):
    browser.set_viewport(*PHONE)
    browser.get("/artisans/?q=couvreur+toulouse")
    first = browser.driver.find_element(By.CSS_SELECTOR, ".results .pro-card")
    top = browser.js("return arguments[0].getBoundingClientRect().top", first)
    assert top < PHONE[1], f"first result at {top}px"
    details = browser.driver.find_element(By.CSS_SELECTOR, "details.search-filters")
    assert details.get_attribute("open") is None
    assert "Filtres (1)" in details.find_element(By.TAG_NAME, "summary").text
    # A card offers the quote straight away.
    assert first.find_element(By.PARTIAL_LINK_TEXT, "Demander un devis").is_displayed()


def test_profile_call_to_action_is_visible_without_scrolling(browser, pros):
    browser.set_viewport(*PHONE)
    browser.get(f"/pro/{pros[0].slug}/")
    assert _overflow(browser) <= 0
    cta = browser.driver.find_element(By.CSS_SELECTOR, ".profile-cta a.btn--primary")
    assert cta.is_displayed()
    box = browser.js("return arguments[0].getBoundingClientRect()", cta)
    assert box["top"] >= 0 and box["bottom"] <= PHONE[1]
