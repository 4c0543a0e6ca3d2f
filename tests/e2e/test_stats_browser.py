"""The demo pro opens its statistics, changes the period, invites a customer for a review
and sees the review-collection funnel move. In a real browser; screenshots in
var/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By

from apps.accounts.tests.factories import PASSWORD, MembershipFactory, UserFactory
from apps.directory.tests.factories import make_pro
from apps.stats import demo as stats

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATS = "/espace-pro/statistiques/"


@pytest.fixture
def demo_pro(directory_live_data):
    pro = make_pro("Façades du Midi", departments=("31",), rating=(4.7, 12))
    owner = UserFactory(email="pro@eldo.test", first_name="Philippe", last_name="Garcia")
    rep = UserFactory(email="commercial@eldo.test", first_name="Sophie", last_name="Bernard")
    MembershipFactory(user=owner, organization_id=pro.organization_id, role="owner")
    MembershipFactory(user=rep, organization_id=pro.organization_id, role="sales_rep")
    stats.demo_seed(
        company_slug=pro.slug,
        member_user_ids=[rep.pk, owner.pk],
        network_id=pro.organization_id,
        installer_slugs=[],
    )
    return pro


def _login(browser, email: str, next_path: str) -> None:
    browser.get(f"/connexion/?next={next_path}")
    browser.driver.find_element(By.CSS_SELECTOR, "main [name='username']").send_keys(email)
    browser.driver.find_element(By.CSS_SELECTOR, "main [name='password']").send_keys(PASSWORD)
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Se connecter"]')
    )


def _figure(browser, name: str) -> int:
    text = browser.driver.find_element(By.CSS_SELECTOR, f"[data-figure='{name}'] .stat__value").text
    return int("".join(ch for ch in text if ch.isdigit()))


def _collection_bars(browser) -> list[str]:
    return [
        e.get_attribute("textContent").strip()
        for e in browser.driver.find_elements(
            By.CSS_SELECTOR, "[data-chart='collection'] .chart-bar__value"
        )
    ]


def _heading(browser) -> str:
    return browser.driver.find_element(By.ID, "range-title").text


def test_the_pro_reads_its_statistics_and_sees_an_invitation_count(browser, demo_pro):
    today = timezone.localdate()
    _login(browser, "pro@eldo.test", STATS)
    assert browser.driver.find_element(By.TAG_NAME, "h1").text == "Statistiques"
    start = today - timedelta(days=29)
    assert f"du {start:%d/%m/%Y} au {today:%d/%m/%Y}" in _heading(browser)
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "svg.chart-line__svg")) == 6
    invitations_before = _figure(browser, "invitations_sent")
    bars_before = _collection_bars(browser)
    assert invitations_before > 0

    # The "12 mois" preset: a year, drawn month by month.
    browser.click_and_wait(browser.driver.find_element(By.LINK_TEXT, "12 mois"))
    year_start = today - timedelta(days=364)
    assert f"du {year_start:%d/%m/%Y}" in _heading(browser)
    assert _figure(browser, "invitations_sent") > invitations_before
    ticks = [t.text for t in browser.driver.find_elements(By.CSS_SELECTOR, ".chart-line__tick")]
    assert any(t.startswith(("janv.", "févr.", "mars")) for t in ticks)
    browser.screenshot("stats-dashboard-12-mois.png")

    # A period of one's own with the form: the last 7 days.
    week_start = today - timedelta(days=6)
    from_input = browser.driver.find_element(By.ID, "range-from")
    browser.js("arguments[0].value = arguments[1]", from_input, week_start.isoformat())
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Afficher"]')
    )
    assert f"du {week_start:%d/%m/%Y} au {today:%d/%m/%Y}" in _heading(browser)
    table = browser.driver.find_element(By.CSS_SELECTOR, "#chart-visibility-title")
    assert table.text == "Vues du profil et clics contact"
    browser.screenshot("stats-dashboard-7-jours.png")

    # Invite a customer for a review...
    browser.get("/espace-pro/invitations/")
    field = browser.driver.find_element
    field(By.NAME, "customer_name").send_keys("Jeanne Dupuis")
    field(By.NAME, "customer_email").send_keys("jeanne.dupuis@exemple.fr")
    field(By.NAME, "work_description").send_keys("Ravalement de façade")
    browser.js(
        "arguments[0].value = arguments[1]",
        field(By.NAME, "work_date"),
        (today - timedelta(days=12)).isoformat(),
    )
    browser.click_and_wait(
        field(By.XPATH, '//button[normalize-space()="Envoyer l\'invitation"]'), scroll=True
    )
    assert "Invitation envoyée à jeanne.dupuis@exemple.fr" in browser.driver.page_source

    # ... and the funnel moved: one more invitation sent over the last 30 days.
    browser.get(STATS)
    assert _figure(browser, "invitations_sent") == invitations_before + 1
    bars_after = _collection_bars(browser)
    assert bars_after[0] != bars_before[0] and bars_after[1] == bars_before[1]
    browser.screenshot("stats-dashboard-apres-invitation.png")
