"""Vérifications Eldo in a real browser: a pro uploads its décennale certificate and
declares a label, Eldo staff verify both in the queue, and the public profile shows them."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfWriter
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from apps.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNTIL = date.today() + timedelta(days=300)


@pytest.fixture
def people(directory_live_data):
    pro = make_pro("Façades du Midi", departments=("31",), insured=False)
    owner = UserFactory(email="pro@eldo.test", first_name="Philippe")
    MembershipFactory(user=owner, organization_id=pro.organization_id, role="owner")
    staff = UserFactory(email="alice@eldo.test", is_superuser=True, is_staff=True)
    return {"pro": pro, "owner": owner, "staff": staff}


@pytest.fixture
def certificate(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = BytesIO()
    writer.write(buffer)
    path = tmp_path / "attestation-decennale.pdf"
    path.write_bytes(buffer.getvalue())
    return path


def _login(browser, email: str, next_path: str) -> None:
    browser.driver.delete_all_cookies()
    browser.get(f"/connexion/?next={next_path}")
    browser.driver.find_element(By.CSS_SELECTOR, "main [name='username']").send_keys(email)
    browser.driver.find_element(By.CSS_SELECTOR, "main [name='password']").send_keys(PASSWORD)
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Se connecter"]')
    )


def _form(browser, action: str):
    return browser.driver.find_element(
        By.XPATH, f"//form[.//input[@name='action'][@value='{action}']]"
    )


def _set(browser, form, name: str, value: str) -> None:
    field = form.find_element(By.NAME, name)
    if field.get_attribute("type") == "date":  # typing into a date input depends on locale
        browser.js("arguments[0].value = arguments[1]", field, value)
    else:
        field.clear()
        field.send_keys(value)


def _submit(browser, form) -> None:
    button = form.find_element(By.CSS_SELECTOR, "button[type='submit']")
    browser.click_and_wait(button, scroll=True)


def _messages(browser) -> str:
    return browser.driver.find_element(By.CSS_SELECTOR, ".messages").text


def _decide_first(browser, what: str) -> None:
    """From the queue, open the check named ``what`` and verify it as it was declared."""
    browser.get("/equipe/verifications/")
    row = browser.driver.find_element(
        By.XPATH, f"//tr[@data-check-id][.//td[normalize-space()='{what}']]"
    )
    browser.click_and_wait(row.find_element(By.LINK_TEXT, "Examiner"))
    verify = browser.driver.find_element(By.CSS_SELECTOR, "input[name='decision'][value='verify']")
    browser.js("arguments[0].click()", verify)
    form = browser.driver.find_element(By.XPATH, "//form[.//input[@name='decision']]")
    _submit(browser, form)
    assert "Décision enregistrée." in _messages(browser)


def test_staff_verify_a_decennale_and_a_label_which_then_show_on_the_profile(
    browser, people, certificate
):
    pro = people["pro"]
    # --- The owner uploads the certificate and declares a label. ---
    _login(browser, people["owner"].email, "/espace-pro/profil/")
    form = _form(browser, "insurance")
    form.find_element(By.NAME, "certificate").send_keys(str(certificate))
    _set(browser, form, "insurer", "SMABTP")
    _set(browser, form, "policy_number", "POL-2027-001")
    _set(browser, form, "valid_until", UNTIL.isoformat())
    facade = form.find_element(
        By.XPATH,
        ".//label[normalize-space()='Façade']/preceding-sibling::input"
        " | .//label[normalize-space()='Façade']/input",
    )
    browser.js("arguments[0].click()", facade)
    _submit(browser, form)
    assert "Attestation envoyée" in _messages(browser)
    form = _form(browser, "certification")
    browser.js("arguments[0].value = 'qualibat'", form.find_element(By.NAME, "kind"))
    _set(browser, form, "number", "QB-7131")
    _set(browser, form, "valid_until", UNTIL.isoformat())
    _submit(browser, form)
    page = browser.driver.find_element(By.TAG_NAME, "main").text
    assert "en attente de vérification" in page
    browser.screenshot("verification-backoffice.png")

    # --- Nothing public yet. ---
    browser.driver.delete_all_cookies()
    browser.get(f"/pro/{pro.slug}/")
    panel = browser.driver.find_element(By.ID, "verifications")
    assert "Assurance décennale" not in panel.text
    assert "Qualibat" not in browser.driver.find_element(By.TAG_NAME, "main").text

    # --- Eldo staff verify both from the queue (the certificate is there to read). ---
    _login(browser, people["staff"].email, "/equipe/verifications/")
    browser.screenshot("verification-queue.png")
    _decide_first(browser, "Assurance décennale")
    _decide_first(browser, "Qualibat")
    assert browser.driver.find_elements(By.CSS_SELECTOR, "tr[data-check-id]") == []

    # --- The public profile shows them, never the document. ---
    browser.driver.delete_all_cookies()
    browser.get(f"/pro/{pro.slug}/")
    WebDriverWait(browser.driver, 10).until(
        lambda d: "Assurance décennale" in d.find_element(By.ID, "verifications").text
    )
    browser.screenshot("verification-profile.png")
    panel = browser.driver.find_element(By.ID, "verifications").text
    assert "Vérifiée" in panel and "métiers couverts : Façade" in panel
    assert "Qualibat" in browser.driver.find_element(By.TAG_NAME, "main").text
    assert "/document/" not in browser.driver.page_source
    assert "POL-2027-001" not in panel  # the policy number stays with staff and the pro
