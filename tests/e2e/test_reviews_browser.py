"""A customer writes a review from the invitation e-mail, with a photo; a moderator
publishes it; it shows on the pro's profile. In a real browser, without JavaScript needs."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from apps.accounts.tests.factories import PASSWORD, UserFactory
from apps.directory.tests.factories import make_pro
from apps.reviews.tests.support import invite
from tests.e2e.conftest import MOBILE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = (
    "On nous avait dit que c'étaient des escrocs : c'est tout le contraire ! Devis respecté, "
    "échafaudage monté en une journée, enduit impeccable et chantier nettoyé chaque soir."
)


def _wait(browser, timeout: float = 10):
    return WebDriverWait(browser.driver, timeout)


def _submit_and_wait(browser, button) -> None:
    browser.click_and_wait(button)


def _field(browser, name: str):
    return browser.driver.find_element(By.NAME, name)


@pytest.fixture
def photo_file(tmp_path) -> Path:
    image = Image.new("RGB", (1200, 800), (196, 150, 110))
    for x in range(0, 1200, 100):  # a few stripes: something to see in the thumbnail
        image.paste((120, 80, 60), (x, 0, x + 30, 800))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path = tmp_path / "facade-terminee.jpg"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def invitation_link(directory_live_data, mailoutbox):
    pro = make_pro("Façades du Midi", departments=("31",), trades=("facade",))
    invite(pro, email="jeanne.dupuis@exemple.fr", name="Jeanne Dupuis")
    (mail,) = mailoutbox  # sent after commit by the outbox handler
    match = re.search(r"http://[^/]+(/avis/invitation/[^/\s]+/)", mail.body)
    assert match, mail.body
    return pro, match.group(1)


def _customer_writes_from_the_invitation(browser, link: str, photo_file: Path) -> None:
    """The customer opens the link of the e-mail: the form is pre-filled, verified."""
    browser.get(link)
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Votre avis sur Façades du Midi"
    assert _field(browser, "author_name").get_attribute("value") == "Jeanne"
    assert _field(browser, "title").get_attribute("value") == "Ravalement de façade"
    assert "avis vérifié" in browser.driver.find_element(By.CSS_SELECTOR, "main").text
    browser.driver.find_element(By.CSS_SELECTOR, "input[name=rating][value='5']").click()
    _field(browser, "body").send_keys(BODY)
    _field(browser, "author_postcode").send_keys("31000")
    _field(browser, "photos").send_keys(str(photo_file))
    browser.driver.find_element(By.CSS_SELECTOR, "input[name=certify]").click()
    browser.screenshot("reviews-1-invitation-form.png")
    _submit_and_wait(
        browser, browser.driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]")
    )


def _review_waits_for_a_moderator(browser, pro) -> None:
    """The wording trips an automatic check: the review waits for a moderator."""
    assert browser.driver.current_url.endswith("/avis/merci/moderation/")
    assert (
        "relu par notre équipe de modération"
        in browser.driver.find_element(By.TAG_NAME, "main").text
    )
    browser.screenshot("reviews-2-thanks.png")
    browser.get(f"/pro/{pro.slug}/")
    assert "On nous avait dit" not in browser.driver.page_source


def _moderator_publishes_it(browser, moderator) -> None:
    """The moderator signs in, reads why it waits, and publishes it."""
    browser.get("/connexion/?next=/moderation/avis/")
    _field(browser, "username").send_keys(moderator.email)
    _field(browser, "password").send_keys(PASSWORD)
    _submit_and_wait(
        browser, browser.driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]")
    )
    assert browser.driver.current_url.endswith("/moderation/avis/")
    queue = browser.driver.find_element(By.TAG_NAME, "main").text
    assert "Ravalement de façade" in queue
    assert "Propos potentiellement injurieux" in queue
    browser.screenshot("reviews-3-moderation-queue.png")
    _submit_and_wait(browser, browser.driver.find_element(By.LINK_TEXT, "Examiner et décider"))
    browser.driver.find_element(By.CSS_SELECTOR, "input[name=decision][value=publish]").click()
    reason = browser.driver.find_element(By.NAME, "reason")
    reason.find_element(By.CSS_SELECTOR, "option[value=compliant]").click()
    browser.screenshot("reviews-4-moderation-decision.png")
    _submit_and_wait(
        browser, browser.driver.find_element(By.CSS_SELECTOR, "aside form button[type=submit]")
    )
    assert "publié" in browser.driver.find_element(By.CSS_SELECTOR, ".messages").text


def _anyone_sees_it_on_the_profile(browser, pro) -> None:
    """Collected by the pro (its own invitation), dated, with its photo."""
    browser.driver.delete_all_cookies()
    browser.get(f"/pro/{pro.slug}/")
    review = _wait(browser).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, "#avis .review"))
    )
    text = review.text
    assert "Ravalement de façade" in text
    assert "Avis collecté par l'entreprise" in text
    assert "Jeanne, Toulouse (31000)" in text
    assert "Publié le" in text and "réalisés en" in text
    thumbnail = review.find_element(By.CSS_SELECTOR, ".review__photos img")
    assert browser.js("return arguments[0].naturalWidth", thumbnail) > 0  # really served
    assert "Note : 5,0 sur 5" in browser.driver.find_element(
        By.CSS_SELECTOR, ".page-header ~ .stack .rating"
    ).get_attribute("textContent")
    browser.js("document.getElementById('avis').scrollIntoView()")
    shot = browser.screenshot("reviews-5-profile.png")
    assert shot.stat().st_size > 10_000


def _the_widget_and_the_phone_show_it(browser, pro) -> None:
    """The widget a pro embeds on its own site shows it too; the profile fits a phone."""
    browser.set_viewport(600, 300)
    browser.get(f"/widget/{pro.slug}/")
    assert "Ravalement de façade" in browser.driver.find_element(By.TAG_NAME, "body").text
    browser.screenshot("reviews-7-widget.png", full_page=False)

    browser.set_viewport(*MOBILE)
    browser.get(f"/pro/{pro.slug}/")
    overflow = browser.js(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    browser.screenshot("reviews-6-profile-mobile.png")


def test_invited_review_with_a_photo_is_moderated_then_shown_on_the_profile(
    browser, invitation_link, photo_file
):
    pro, link = invitation_link
    moderator = UserFactory(email="mathieu@eldo.test", moderator=True)

    _customer_writes_from_the_invitation(browser, link, photo_file)
    _review_waits_for_a_moderator(browser, pro)
    _moderator_publishes_it(browser, moderator)
    _anyone_sees_it_on_the_profile(browser, pro)
    _the_widget_and_the_phone_show_it(browser, pro)


def test_a_pro_invites_a_customer_from_its_back_office(browser, directory_live_data, mailoutbox):
    from apps.accounts.models import MemberRole
    from apps.accounts.tests.factories import MembershipFactory

    pro = make_pro("Façades du Midi", departments=("31",), trades=("facade",))
    owner = UserFactory(email="philippe@facades-du-midi.fr", first_name="Philippe")
    MembershipFactory(user=owner, organization=pro.organization, role=MemberRole.OWNER)

    browser.get("/connexion/?next=/espace-pro/invitations/")
    _field(browser, "username").send_keys(owner.email)
    _field(browser, "password").send_keys(PASSWORD)
    _submit_and_wait(
        browser, browser.driver.find_element(By.CSS_SELECTOR, "form.form button[type=submit]")
    )
    assert browser.driver.current_url.endswith("/espace-pro/invitations/")

    _field(browser, "customer_name").send_keys("Jeanne Dupuis")
    _field(browser, "customer_email").send_keys("jeanne.dupuis@exemple.fr")
    _field(browser, "work_description").send_keys("Ravalement de façade")
    browser.js(
        "document.querySelector('input[name=work_date]').value = arguments[0]",
        (timezone.localdate() - timedelta(days=12)).isoformat(),
    )
    form = browser.driver.find_element(By.XPATH, "//section[@aria-labelledby='invite-title']//form")
    _submit_and_wait(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    assert (
        "Invitation envoyée à jeanne.dupuis@exemple.fr"
        in browser.driver.find_element(By.CSS_SELECTOR, ".messages").text
    )
    table = browser.driver.find_element(By.CSS_SELECTOR, ".data-table").text
    assert "Jeanne Dupuis" in table and "Envoyée" in table
    assert [m.to for m in mailoutbox] == [["jeanne.dupuis@exemple.fr"]]
    browser.screenshot("reviews-8-backoffice-invitations.png")
    browser.get("/espace-pro/avis/")
    assert "Vos avis clients" in browser.driver.find_element(By.TAG_NAME, "h1").text
    browser.screenshot("reviews-9-backoffice-reviews.png")
