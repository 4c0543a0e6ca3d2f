"""A lead at the pro in a real browser: the demo company's owner opens a new lead, marks it
contacted and assigns it to the sales rep; the sales rep then sees that lead and only it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from apps.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from apps.directory.tests.factories import make_pro
from apps.leads.models import Lead
from apps.quotes import services as quote_services
from apps.quotes.models import QuoteChannel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INBOX = "/espace-pro/demandes/"


def _dispatched(advisor, *, first_name: str, email: str, description: str):
    """A request submitted, qualified and dispatched to Façades du Midi through the real
    services (tasks run in-process: the leads exist when this returns)."""
    quote = quote_services.quote_submit(
        channel=QuoteChannel.API,
        kind="quote",
        category="facade",
        description=description,
        postcode="31000",
        first_name=first_name,
        last_name="Moreau",
        email=email,
        phone="06 12 34 56 78",
        consent=True,
        budget_range="5k_15k",
        timeline="3_months",
    ).quote
    quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    quote_services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    quote_services.quote_dispatch(
        quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-du-midi"]
    )
    return Lead.objects.get(quote_id=quote.pk)


@pytest.fixture
def demo_company(directory_live_data):
    """The demo accounts: pro@ (owner) and commercial@ (sales rep) of Façades du
    Midi, and two leads the company received."""
    pro = make_pro("Façades du Midi", departments=("31",), rating=(4.7, 12))
    owner = UserFactory(email="pro@eldo.test", first_name="Philippe", last_name="Garcia")
    rep = UserFactory(email="commercial@eldo.test", first_name="Sophie", last_name="Lambert")
    MembershipFactory(user=owner, organization_id=pro.organization_id, role="owner")
    MembershipFactory(user=rep, organization_id=pro.organization_id, role="sales_rep")
    advisor = UserFactory(email="conseiller@eldo.test", advisor=True)
    lead = _dispatched(
        advisor,
        first_name="Luce",
        email="luce.moreau@exemple.fr",
        description="Ravalement de la façade côté rue, environ 90 m², fissures à reprendre.",
    )
    other = _dispatched(
        advisor,
        first_name="Jean",
        email="jean.moreau@exemple.fr",
        description="Peinture de la façade d'une maison de ville, deux niveaux, volets compris.",
    )
    return {"owner": owner, "rep": rep, "lead": lead, "other": other}


def _login(browser, email: str, next_path: str) -> None:
    browser.get(f"/connexion/?next={next_path}")
    browser.driver.find_element(By.CSS_SELECTOR, "main [name='username']").send_keys(email)
    browser.driver.find_element(By.CSS_SELECTOR, "main [name='password']").send_keys(PASSWORD)
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Se connecter"]')
    )


def _messages(browser) -> str:
    return browser.driver.find_element(By.CSS_SELECTOR, ".messages").text


def _lead_links(browser) -> list[str]:
    return [
        urlsplit(a.get_attribute("href")).path
        for a in browser.driver.find_elements(By.CSS_SELECTOR, ".lead-table tbody a")
    ]


def test_owner_works_a_new_lead_and_the_sales_rep_sees_only_it(browser, demo_company):
    lead, other, rep = demo_company["lead"], demo_company["other"], demo_company["rep"]
    detail_path = f"{INBOX}{lead.pk}/"

    # --- The owner's inbox: two new leads. ---
    _login(browser, "pro@eldo.test", INBOX)
    assert urlsplit(browser.driver.current_url).path == INBOX
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Demandes de devis"
    assert sorted(_lead_links(browser)) == sorted([detail_path, f"{INBOX}{other.pk}/"])
    new_rows = browser.driver.find_elements(By.CSS_SELECTOR, ".lead-row--new")
    assert len(new_rows) == 2
    browser.screenshot("leads-1-owner-inbox.png")

    # --- Opening it shows the homeowner's contact and marks it viewed. ---
    link = browser.driver.find_element(By.CSS_SELECTOR, f".lead-table a[href='{detail_path}']")
    browser.click_and_wait(link)
    assert urlsplit(browser.driver.current_url).path == detail_path
    # The page's own POST (static/js/lead-viewed.js) marks it viewed, then reloads it: the
    # page is read once reloaded (read before, its elements may vanish under the reload).
    WebDriverWait(browser.driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_element(By.CSS_SELECTOR, ".lead-status").text == "Consultée"
    )
    main = browser.driver.find_element(By.TAG_NAME, "main").text
    assert "Luce Moreau" in main and "luce.moreau@exemple.fr" in main
    assert "Façade" in main  # the trade's name, not its slug
    browser.screenshot("leads-2-opened.png")

    # --- Marked contacted, in one tap. ---
    browser.click_and_wait(
        browser.driver.find_element(
            By.XPATH, '//button[normalize-space()="J\'ai appelé le client"]'
        ),
        scroll=True,
    )
    assert "Statut mis à jour" in _messages(browser)
    assert browser.driver.find_element(By.CSS_SELECTOR, ".lead-status").text == "Client contacté"

    # --- Assigned to the sales rep. ---
    Select(browser.driver.find_element(By.ID, "lead-assign")).select_by_value(str(rep.pk))
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Attribuer"]'),
        scroll=True,
    )
    assert "Attribution enregistrée" in _messages(browser)
    selected = Select(browser.driver.find_element(By.ID, "lead-assign")).first_selected_option
    assert "Sophie Lambert" in selected.text
    timeline = browser.driver.find_element(By.CSS_SELECTOR, ".lead-timeline").text
    assert "Consultée" in timeline and "Client contacté" in timeline
    browser.screenshot("leads-3-contacted-assigned.png")

    # Back in the inbox the lead is no longer new and names its assignee.
    browser.get(INBOX)
    row = browser.driver.find_element(By.XPATH, f"//a[@href='{detail_path}']/ancestor::tr").text
    assert "Client contacté" in row and "Sophie Lambert" in row

    # --- The sales rep logs in: that lead and only it. ---
    browser.driver.delete_all_cookies()
    _login(browser, "commercial@eldo.test", INBOX)
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Mes demandes de devis"
    assert _lead_links(browser) == [detail_path]
    browser.screenshot("leads-4-sales-rep-inbox.png")
    browser.click_and_wait(browser.driver.find_element(By.CSS_SELECTOR, ".lead-table tbody a"))
    main = browser.driver.find_element(By.TAG_NAME, "main").text
    assert "Luce Moreau" in main
    assert "Attribuée à Sophie Lambert" in main  # no assignment form for a sales rep
    assert not browser.driver.find_elements(By.ID, "lead-assign")
    # The other lead of the company is not the rep's: as if it did not exist.
    browser.get(f"{INBOX}{other.pk}/")
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Page introuvable"
    assert "jean.moreau" not in browser.driver.find_element(By.TAG_NAME, "body").text
    assert Lead.objects.get(pk=other.pk).status == "sent"
