"""On a phone (390 px wide): the homeowner follows the "Non" link of "L'artisan X vous
a-t-il contacté ?", sees the question (nothing recorded by opening it), leaves a word for
the advisor and answers; the link is then spent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from selenium.webdriver.common.by import By

from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.directory.tests.factories import make_pro
from apps.leads.contact_check import contact_checks_send_due
from apps.leads.models import Lead
from tests.e2e.test_leads_browser import _dispatched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (390, 844)


@pytest.fixture
def asked(directory_live_data):
    pro = make_pro("Façades du Midi", departments=("31",), rating=(4.7, 12))
    owner = UserFactory(email="pro@eldo.test", first_name="Philippe")
    MembershipFactory(user=owner, organization_id=pro.organization_id, role="owner")
    advisor = UserFactory(email="conseiller@eldo.test", advisor=True)
    lead = _dispatched(
        advisor,
        first_name="Luce",
        email="luce.moreau@exemple.fr",
        description="Ravalement de la façade côté rue, environ 90 m², fissures à reprendre.",
    )
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(hours=49))
    mail.outbox.clear()
    assert contact_checks_send_due() == 1
    (question,) = [m for m in mail.outbox if m.to == ["luce.moreau@exemple.fr"]]
    mail.outbox.clear()
    no_url = re.search(r"https?://\S+reponse=non", question.body)[0]
    return {"lead": lead, "path": re.sub(r"^https?://[^/]+", "", no_url)}


def test_the_homeowner_says_no_on_a_phone(browser, asked):
    browser.set_viewport(*PHONE)
    browser.get(asked["path"])
    heading = browser.driver.find_element(By.TAG_NAME, "h1").text
    assert heading == "L'artisan Façades du Midi vous a-t-il contacté ?"
    assert Lead.objects.get(pk=asked["lead"].pk).contact_check == "asked"  # a GET records nothing
    assert browser.js("return document.documentElement.scrollWidth <= window.innerWidth")
    browser.screenshot("contact-check-1-question.png")

    browser.driver.find_element(By.ID, "id_comment").send_keys("Plutôt le soir.")
    button = browser.driver.find_element(By.CSS_SELECTOR, 'button[name="answer"][value="no"]')
    assert button.text == "Non, il ne m'a pas contacté"
    browser.click_and_wait(button, scroll=True)
    main = browser.driver.find_element(By.TAG_NAME, "main").text
    assert "Merci pour votre réponse" in main and "conseiller Eldo est prévenu" in main
    browser.screenshot("contact-check-2-thanks.png")

    lead = Lead.objects.get(pk=asked["lead"].pk)
    assert (lead.contact_check, lead.contact_check_comment) == ("no", "Plutôt le soir.")
    assert [m.to for m in mail.outbox] == [["conseiller@eldo.test"]]

    browser.get(asked["path"])  # the same link again: spent
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Réponse déjà enregistrée"
