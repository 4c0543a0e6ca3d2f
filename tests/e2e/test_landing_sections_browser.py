"""A landing page with its latest reviews nearby and typical budgets, in Chromium at 390
and 1366 px: both sections show, nothing scrolls sideways, axe-core finds no serious or
critical violation."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from apps.directory.tests.factories import make_pro
from tests.test_landing_sections import qualified_requests, review

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)])
def test_landing_sections_fit_and_pass_axe(browser, directory_live_data, size):
    midi = make_pro("Façades du Midi", departments=("31",), rating=(4.6, 12))
    for i in range(4):
        review(midi, title=f"Ravalement impeccable numéro {i}", days_ago=i + 1)
    qualified_requests(["lt_5k"] * 2 + ["5k_15k"] * 6 + ["15k_50k"] * 3 + ["gt_50k"])
    browser.set_viewport(*size)
    browser.get("/artisans/facade/toulouse-31/")
    for name in ("reviews-nearby", "budgets"):
        section = browser.driver.find_element(By.CSS_SELECTOR, f'[data-section="{name}"]')
        assert section.is_displayed()
    overflow = browser.js(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert browser.axe() == []
