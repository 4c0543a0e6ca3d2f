"""On a phone (390 px wide): the demo pro opens a new lead from the dashboard, taps "J'ai
appelé le client", then "Devis envoyé" with 12 500 €; the inbox is a list of cards with the
status in view."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.directory.tests.factories import make_pro
from apps.leads.models import Lead
from tests.e2e.test_leads_browser import _dispatched, _login, _messages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (390, 844)


@pytest.fixture
def demo_pro(directory_live_data):
    pro = make_pro("Façades du Midi", departments=("31",), rating=(4.7, 12))
    owner = UserFactory(email="pro@eldo.test", first_name="Philippe", last_name="Garcia")
    MembershipFactory(user=owner, organization_id=pro.organization_id, role="owner")
    advisor = UserFactory(email="conseiller@eldo.test", advisor=True)
    return _dispatched(
        advisor,
        first_name="Luce",
        email="luce.moreau@exemple.fr",
        description="Ravalement de la façade côté rue, environ 90 m², fissures à reprendre.",
    )


def _status(browser) -> str:
    return browser.driver.find_element(By.CSS_SELECTOR, ".lead-status").text


def _no_horizontal_scroll(browser) -> bool:
    return browser.js("return document.documentElement.scrollWidth <= window.innerWidth")


def test_the_pro_follows_a_new_lead_in_two_taps_on_a_phone(browser, demo_pro):
    browser.set_viewport(*PHONE)
    lead_path = f"/espace-pro/demandes/{demo_pro.pk}/"

    # --- The dashboard opens on the new lead: name, commune, countdown. ---
    _login(browser, "pro@eldo.test", "/espace-pro/")
    card = browser.driver.find_element(By.CSS_SELECTOR, ".lead-card")
    assert "Luce Moreau" in card.text and "Toulouse" in card.text
    assert "À contacter sous" in card.text and "Nouvelle" in card.text
    assert _no_horizontal_scroll(browser)
    browser.screenshot("leads-mobile-1-dashboard.png")
    browser.click_and_wait(card.find_element(By.CSS_SELECTOR, ".lead-card__link"))
    assert urlsplit(browser.driver.current_url).path == lead_path
    # The page's own POST (static/js/lead-viewed.js) marks it viewed, then shows it again.
    WebDriverWait(browser.driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: _status(browser) == "Consultée"
    )
    assert "De 5 000 à 15 000 €" in browser.driver.find_element(By.TAG_NAME, "main").text

    # --- One tap: called. ---
    called = browser.driver.find_element(
        By.XPATH, '//button[normalize-space()="J\'ai appelé le client"]'
    )
    assert called.size["width"] >= 200  # a full-width target on a phone
    browser.click_and_wait(called, scroll=True)
    assert "Statut mis à jour" in _messages(browser)
    assert _status(browser) == "Client contacté"

    # --- Quote sent, 12 500 €. ---
    amount = browser.driver.find_element(By.ID, "quote-amount")
    browser.js("arguments[0].scrollIntoView({block: 'center'})", amount)
    amount.send_keys("12 500")
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Devis envoyé"]'),
        scroll=True,
    )
    WebDriverWait(browser.driver, 10).until(lambda d: _status(browser) == "Devis envoyé")
    shown = browser.driver.find_element(By.CSS_SELECTOR, ".lead-amount").text
    assert shown.replace("\u00a0", " ") == "12 500 €"
    assert _no_horizontal_scroll(browser)
    browser.screenshot("leads-mobile-2-quote-sent.png")
    lead = Lead.objects.get(pk=demo_pro.pk)
    assert lead.status == "quote_sent" and lead.quote_amount == Decimal("12500")

    # --- The inbox is a list of cards, the status in view. ---
    browser.get("/espace-pro/demandes/")
    header = browser.driver.find_element(By.CSS_SELECTOR, ".lead-table thead")
    assert header.size["height"] <= 1  # table headings hidden: each card labels its fields
    row = browser.driver.find_element(By.CSS_SELECTOR, ".lead-row")
    status = row.find_element(By.CSS_SELECTOR, ".lead-status")
    assert status.is_displayed() and status.text == "Devis envoyé"
    assert row.location["x"] + row.size["width"] <= PHONE[0]
    assert _no_horizontal_scroll(browser)
    browser.screenshot("leads-mobile-3-inbox-cards.png")
