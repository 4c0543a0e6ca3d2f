"""A quote request in a real browser: the homeowner submits /devis/ and follows it; an
advisor logs in, claims the request, logs a call and qualifies it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.directory.tests.factories import make_pro
from tests.e2e.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _wait(browser, timeout: float = 10):
    return WebDriverWait(browser.driver, timeout)


def _submit(browser, button) -> None:
    """Click a submit button and wait for the page it leads to."""
    browser.click_and_wait(button, scroll=True)


def _field(browser, name: str):
    # Scoped to the page's content: <meta name="description"> is a "description" too.
    return browser.driver.find_element(By.CSS_SELECTOR, f"main [name='{name}']")


def _fill(browser, values: dict[str, str]) -> None:
    for name, value in values.items():
        element = _field(browser, name)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.clear()
            element.send_keys(value)


def _button(browser, label: str, scope: str = "//"):
    return browser.driver.find_element(By.XPATH, f'{scope}button[normalize-space()="{label}"]')


@pytest.fixture
def advisor(directory_live_data):
    make_pro("Façades du Midi", departments=("31",), rating=(4.7, 12))
    make_pro("Enduits de Garonne", departments=("31",), rating=(4.4, 8))
    return UserFactory(
        email="conseiller@eldo.test", first_name="Camille", last_name="Durand", advisor=True
    )


def _homeowner_opens_the_quote_form(browser) -> None:
    browser.get("/")
    _submit(browser, browser.driver.find_element(By.LINK_TEXT, "Demander un devis gratuit"))
    assert urlsplit(browser.driver.current_url).path == "/devis/"
    assert browser.driver.find_element(By.TAG_NAME, "h1").text.startswith("Décrivez votre projet")


def _homeowner_sends_a_bad_phone_number(browser) -> None:
    """A first try with a bad phone number: the French message appears next to the field."""
    _fill(
        browser,
        {
            "category": "facade",
            "description": "Ravalement de la façade côté rue, environ 90 m², fissures à reprendre.",
            "postcode": "31000",
            "property_type": "house",
            "first_name": "Luce",
            "last_name": "Moreau",
            "email": "luce.moreau@exemple.fr",
            "phone": "12 34",
        },
    )
    browser.driver.find_element(By.CSS_SELECTOR, "label[for='id_callback_slot_1']").click()
    browser.driver.find_element(By.CSS_SELECTOR, "label[for='id_consent']").click()
    _submit(browser, _button(browser, "Envoyer ma demande de devis"))
    phone = _field(browser, "phone")
    assert phone.get_attribute("aria-invalid") == "true"
    error = browser.driver.find_element(By.ID, "id_phone_error")
    assert "numéro de téléphone français" in error.text
    browser.screenshot("quotes-1-form-error.png")


def _homeowner_corrects_and_sends(browser) -> str:
    """The corrected request is sent: the success page gives its reference (returned)."""
    _fill(browser, {"phone": "06 12 34 56 78"})
    if not _field(browser, "consent").is_selected():
        browser.driver.find_element(By.CSS_SELECTOR, "label[for='id_consent']").click()
    _submit(browser, _button(browser, "Envoyer ma demande de devis"))
    assert urlsplit(browser.driver.current_url).path.startswith("/devis/envoyee/")
    page = browser.driver.find_element(By.TAG_NAME, "main").text
    reference = re.search(r"ELD-\d{4}-\d{6}", page).group(0)
    browser.screenshot("quotes-2-submitted.png")
    return reference


def _homeowner_follows_the_request(browser) -> str:
    """From the success page to the status page, at its first step; returns its URL."""
    _submit(browser, browser.driver.find_element(By.LINK_TEXT, "Suivre ma demande"))
    assert urlsplit(browser.driver.current_url).path.startswith("/devis/suivi/")
    current = browser.driver.find_element(By.CSS_SELECTOR, "[aria-current='step']")
    assert "Demande reçue" in current.text
    status_url = browser.driver.current_url
    browser.screenshot("quotes-3-status.png")
    return status_url


def _advisor_opens_the_request_from_the_queue(browser, advisor, reference: str) -> None:
    browser.get("/connexion/?next=/conseiller/demandes/")
    _fill(browser, {"username": advisor.email, "password": PASSWORD})
    _submit(browser, _button(browser, "Se connecter"))
    assert urlsplit(browser.driver.current_url).path == "/conseiller/demandes/"
    assert (
        browser.driver.find_element(By.LINK_TEXT, "Demandes").get_attribute("aria-current")
        == "page"
    )
    browser.screenshot("quotes-4-queue.png")
    _submit(browser, browser.driver.find_element(By.LINK_TEXT, reference))


def _advisor_claims_and_logs_a_call(browser) -> None:
    _submit(browser, _button(browser, "Prendre en charge"))
    assert (
        "Demande prise en charge" in browser.driver.find_element(By.CSS_SELECTOR, ".messages").text
    )
    browser.driver.find_element(By.CSS_SELECTOR, "label[for='id_outcome_0']").click()  # Joint
    _fill(browser, {"notes": "Projet confirmé, devis souhaités avant l'été."})
    _submit(browser, _button(browser, "Enregistrer l'appel"))
    assert "Appel enregistré" in browser.driver.find_element(By.CSS_SELECTOR, ".messages").text
    assert (
        "Projet confirmé"
        in browser.driver.find_element(By.ID, "calls-title").find_element(By.XPATH, "..").text
    )


def _advisor_qualifies(browser) -> None:
    """Qualified, the request shows the pros it could go to, with their capacity."""
    _fill(browser, {"budget_range": "5k_15k", "timeline": "3_months"})
    _submit(browser, _button(browser, "Marquer comme qualifiée"))
    assert "Projet qualifié" in browser.driver.find_element(By.CSS_SELECTOR, ".messages").text
    assert browser.driver.find_element(By.CSS_SELECTOR, ".quote-status").text == "Qualifiée"
    suggestions = (
        browser.driver.find_element(By.ID, "matches-title").find_element(By.XPATH, "..").text
    )
    assert "Façades du Midi" in suggestions and "Capacité restante" in suggestions
    browser.screenshot("quotes-5-qualified.png")


def _homeowner_sees_it_qualified(browser, status_url: str) -> None:
    """The homeowner's page follows, without sideways scrolling on a phone."""
    browser.get(urlsplit(status_url).path)
    current = browser.driver.find_element(By.CSS_SELECTOR, "[aria-current='step']")
    assert "Projet qualifié" in current.text

    browser.set_viewport(*MOBILE)
    browser.get(urlsplit(status_url).path)
    assert (
        browser.js(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        <= 0
    )
    browser.screenshot("quotes-6-status-mobile.png")


def test_homeowner_submits_and_an_advisor_claims_calls_and_qualifies(browser, advisor):
    # --- The homeowner describes the project and follows it. ---
    _homeowner_opens_the_quote_form(browser)
    _homeowner_sends_a_bad_phone_number(browser)
    reference = _homeowner_corrects_and_sends(browser)
    status_url = _homeowner_follows_the_request(browser)

    # --- An advisor logs in and works the queue. ---
    _advisor_opens_the_request_from_the_queue(browser, advisor, reference)
    _advisor_claims_and_logs_a_call(browser)
    _advisor_qualifies(browser)

    _homeowner_sees_it_qualified(browser, status_url)
