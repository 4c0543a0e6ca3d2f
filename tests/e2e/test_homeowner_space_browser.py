"""The homeowner's space in Chromium: the magic link of the quote confirmation e-mail opens
"Mes projets" (no password), the homeowner closes the project "réalisé avec" the pro, and
the "avis vérifié" invitation e-mail arrives."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.directory.tests.factories import make_pro
from apps.reviews.models import ReviewInvitation
from tests.e2e.test_leads_browser import _dispatched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project(directory_live_data):
    pro = make_pro("Façades du Midi", departments=("31",), rating=(4.7, 12))
    owner = UserFactory(email="pro@eldo.test", first_name="Philippe")
    MembershipFactory(user=owner, organization_id=pro.organization_id, role="owner")
    advisor = UserFactory(email="conseiller@eldo.test", advisor=True)
    mail.outbox.clear()
    lead = _dispatched(
        advisor,
        first_name="Luce",
        email="luce.moreau@exemple.fr",
        description="Ravalement de la façade côté rue, environ 90 m², fissures à reprendre.",
    )
    confirmation = next(m for m in mail.outbox if "bien reçue" in m.subject)
    link = re.search(r"https?://\S+/connexion/lien/[^/\s]+/", confirmation.body)[0]
    mail.outbox.clear()
    return {"pro": pro, "lead": lead, "path": re.sub(r"^https?://[^/]+", "", link)}


def test_magic_link_mes_projets_close_done_with_the_pro_and_the_invitation_arrives(
    browser, project
):
    browser.get(project["path"])
    button = browser.driver.find_element(By.CSS_SELECTOR, "main form button")
    assert button.text == "Accéder à mes projets"
    browser.click_and_wait(button)

    assert browser.driver.current_url.endswith("/mes-projets/")
    main = browser.driver.find_element(By.TAG_NAME, "main").text
    assert "Mes projets" in main and "Façades du Midi" in main
    browser.screenshot("homeowner-1-mes-projets.png")

    radio = browser.driver.find_element(
        By.CSS_SELECTOR, f'input[name="pro_id"][value="{project["pro"].id}"]'
    )
    browser.js("arguments[0].scrollIntoView({block: 'center'})", radio)
    radio.click()
    done = browser.driver.find_element(By.CSS_SELECTOR, 'button[name="outcome"][value="done"]')
    browser.click_and_wait(done, scroll=True)

    WebDriverWait(browser.driver, 10).until(
        ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Projet clôturé")
    )
    main = browser.driver.find_element(By.TAG_NAME, "main").text
    assert "Travaux réalisés" in main and "Avis vérifié" in main
    browser.screenshot("homeowner-2-closed.png")

    invitation = ReviewInvitation.objects.get(customer_email="luce.moreau@exemple.fr")
    assert invitation.pro_id == project["pro"].id and invitation.source == "eldo"
    WebDriverWait(browser.driver, 10).until(
        lambda _d: any(m.to == ["luce.moreau@exemple.fr"] for m in mail.outbox)
    )
    (message,) = [m for m in mail.outbox if m.to == ["luce.moreau@exemple.fr"]]
    assert "Façades du Midi" in message.subject + message.body
    assert "/avis/invitation/" in message.body

    browser.get(project["path"])  # the link again: spent, nothing changes
    assert "déjà servi" in browser.driver.find_element(By.TAG_NAME, "main").text
