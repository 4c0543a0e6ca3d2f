"""Accounts in a real browser: a forgotten password reset from the e-mail, then a sign-in;
a moderator signs in with a TOTP code and lands on the moderation queue."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.accounts.tests.two_factor import staff_device, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Nouvelle-Charpente-2025!"


def _field(browser, name: str):
    return browser.driver.find_element(By.NAME, name)


def _submit(browser) -> None:
    browser.click_and_wait(
        browser.driver.find_element(By.CSS_SELECTOR, "main form.form button[type=submit]")
    )


def _main_text(browser) -> str:
    return browser.driver.find_element(By.TAG_NAME, "main").text


def test_a_forgotten_password_is_reset_from_the_email_then_used(browser, mailoutbox):
    UserFactory(email="claire@exemple.fr", first_name="Claire")

    browser.get("/connexion/")
    browser.click_and_wait(browser.driver.find_element(By.LINK_TEXT, "Mot de passe oublié ?"))
    _field(browser, "email").send_keys("claire@exemple.fr")
    _submit(browser)
    assert "Si un compte Eldo existe pour cette adresse" in _main_text(browser)

    (mail,) = mailoutbox
    link = re.search(r"https?://[^/\s]+(/mot-de-passe-oublie/\S+/)", mail.body).group(1)
    browser.get(link)
    _field(browser, "new_password1").send_keys(NEW_PASSWORD)
    _field(browser, "new_password2").send_keys(NEW_PASSWORD)
    _submit(browser)
    assert "Mot de passe enregistré" in _main_text(browser)
    browser.screenshot("accounts-1-password-reset-done.png")

    browser.click_and_wait(browser.driver.find_element(By.LINK_TEXT, "Se connecter"))
    _field(browser, "username").send_keys("claire@exemple.fr")
    _field(browser, "password").send_keys(NEW_PASSWORD)
    _submit(browser)
    assert browser.driver.current_url == browser.base_url + "/mes-projets/"  # her home
    assert "claire@exemple.fr" in browser.driver.find_element(By.CSS_SELECTOR, ".site-nav").text

    # The same link a second time: a clear page, nothing changes.
    browser.get(link)
    assert "a déjà servi ou a expiré" in _main_text(browser)


@pytest.mark.browser_otp
def test_a_moderator_signs_in_with_a_code_and_lands_on_moderation(browser):
    moderator = UserFactory(email="modo@eldo.fr", moderator=True)
    device = staff_device(moderator)

    browser.get("/connexion/")
    _field(browser, "username").send_keys(moderator.email)
    _field(browser, "password").send_keys(PASSWORD)
    _submit(browser)
    assert "/mon-compte/double-authentification/" in browser.driver.current_url
    browser.screenshot("accounts-2-two-factor.png")

    _field(browser, "code").send_keys(totp_now(device))
    _submit(browser)

    assert browser.driver.current_url == browser.base_url + "/moderation/avis/"
    browser.driver.find_element(By.CSS_SELECTOR, ".account-menu summary").click()
    menu = browser.driver.find_element(By.CSS_SELECTOR, ".account-menu__list")
    assert "Modération" in menu.text and "Mon compte" in menu.text
    browser.screenshot("accounts-3-moderator-menu.png", full_page=False)
