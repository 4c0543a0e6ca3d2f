"""The network in a real browser: reseau@eldo.test signs in and lands in its space, opens its
routing rules, edits one, then previews who would receive a lead."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By

from apps.accounts.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from apps.directory.tests.factories import make_pro
from apps.leads import services
from apps.leads.models import NetworkInstaller

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_network(directory_live_data):
    network = OrganizationFactory(name="Réseau Confort Habitat", slug="reseau-eldo", kind="network")
    manager = UserFactory(email="reseau@eldo.test", first_name="Nadia")
    MembershipFactory(user=manager, organization=network, role="manager")
    midi = make_pro("Façades du Midi", departments=("31",))
    garonne = make_pro("Enduits de Garonne", departments=("31",))
    services.network_installer_ensure(
        network_id=network.pk, pro_id=midi.id, department_codes=["31"]
    )
    rule = services.network_installer_ensure(
        network_id=network.pk, pro_id=garonne.id, department_codes=["31"]
    )
    return {"network": network, "manager": manager, "garonne_rule": rule}


def _field(browser, name: str):
    return browser.driver.find_element(By.CSS_SELECTOR, f"main [name='{name}']")


def test_network_signs_in_edits_a_rule_and_previews_it(browser, demo_network):
    browser.get("/connexion/")
    _field(browser, "username").send_keys("reseau@eldo.test")
    _field(browser, "password").send_keys(PASSWORD)
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Se connecter"]')
    )
    assert urlsplit(browser.driver.current_url).path == "/espace-pro/reseau/"
    assert "Tableau de bord du réseau" in browser.driver.find_element(By.TAG_NAME, "h1").text
    header = browser.driver.find_element(By.TAG_NAME, "header").text
    assert "Espace réseau" in header

    browser.click_and_wait(browser.driver.find_element(By.LINK_TEXT, "Règles de routage"))
    browser.click_and_wait(
        browser.driver.find_element(
            By.XPATH, '//a[contains(normalize-space(), "la règle de Enduits de Garonne")]'
        )
    )
    priority = _field(browser, "priority")
    priority.clear()
    priority.send_keys("1")
    weight = _field(browser, "weight")
    weight.clear()
    weight.send_keys("3")
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Enregistrer la règle"]')
    )
    assert urlsplit(browser.driver.current_url).path == "/espace-pro/reseau/regles/"
    rule = NetworkInstaller.objects.get(pk=demo_network["garonne_rule"].pk)
    assert (rule.priority, rule.weight) == (1, 3)

    _field(browser, "category").send_keys("facade")
    _field(browser, "postcode").send_keys("31000")
    browser.click_and_wait(
        browser.driver.find_element(By.XPATH, '//button[normalize-space()="Voir qui la recevrait"]')
    )
    result = browser.driver.find_element(By.ID, "preview-result").text
    assert "Enduits de Garonne recevrait cette demande" in result
    browser.screenshot("network-rules-preview.png")
