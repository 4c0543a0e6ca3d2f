"""A brand's statistics in its space: views of its public page, the quote requests it
generated (and how many went straight to a certified installer), its installers' response
and conversion, as pages and CSV; nobody else's figures, and nobody else sees them."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.core import counters
from apps.directory.tests.factories import make_brand
from apps.leads.tests.test_brand_routing import thermaris  # noqa: F401  (fixture)
from apps.stats.models import BrandCounterDay

pytestmark = pytest.mark.django_db

URL = "/espace-pro/statistiques/"
EXPORT = "/espace-pro/statistiques/export.csv"
BRAND_EXPORT = "/espace-pro/statistiques/marque.csv"


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def brand_activity(client, thermaris, make_quote, django_capture_on_commit_callbacks):  # noqa: F811
    """Two views of the brand's page and one request from it, routed to its installer."""
    for _ in range(2):
        assert client.get("/marques/thermaris/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        counters.counters_flush()
    with django_capture_on_commit_callbacks(execute=True):
        make_quote(category="pompe-a-chaleur", postcode="31000", brand="thermaris")
    return thermaris


@pytest.fixture
def other_brand(directory_data):
    brand = make_brand("Fenestra", slug="fenestra", trades=("menuiserie",))
    manager = UserFactory(email="marque@fenestra.fr")
    MembershipFactory(user=manager, organization=brand.organization, role="manager")
    return {"brand": brand, "manager": manager}


def test_the_brand_page_views_are_counted_per_brand_and_day(brand_activity):
    row = BrandCounterDay.objects.get(brand_organization_id=brand_activity["brand"].organization_id)
    assert (row.day, row.page_views) == (timezone.localdate(), 2)


def test_the_brand_dashboard_and_its_csv(client, brand_activity, django_assert_max_num_queries):
    client.force_login(brand_activity["manager"])
    with django_assert_max_num_queries(24):
        response = client.get(URL)
    assert response.status_code == 200
    assert {"private", "no-store"} <= {p.strip() for p in response["Cache-Control"].split(",")}
    page = response.content.decode().replace("\xa0", " ")
    assert "Statistiques de la marque" in page
    figures = page.split("data-brand-figures")[1].split("</section>")[0]
    assert "Vues de la page marque" in figures and "Demandes de devis générées" in figures
    assert '<p class="stat__value">2</p>' in figures  # views
    assert figures.count('<p class="stat__value">1</p>') == 2  # requests, routed
    assert "Chaleur Toulousaine" in page  # its installers' handling

    rows = _csv(client.get(BRAND_EXPORT))
    assert rows[0] == [
        "Date",
        "Vues de la page marque",
        "Demandes de devis depuis la page",
        "Transmises à un installateur certifié",
    ]
    assert rows[-1] == [timezone.localdate().isoformat(), "2", "1", "1"]

    installers = _csv(client.get(EXPORT))
    assert "Taux de transformation (%)" in installers[0]
    line = next(r for r in installers if r[0] == "Chaleur Toulousaine")
    assert line[1] == "1"  # the request it received


def test_nobody_else_gets_the_brands_figures(
    client, brand_activity, other_brand, network, midi_team
):
    client.force_login(other_brand["manager"])
    rows = _csv(client.get(BRAND_EXPORT))
    assert rows[-1] == [timezone.localdate().isoformat(), "0", "0", "0"]
    assert "Chaleur Toulousaine" not in client.get(URL).content.decode()
    api = APIClient()
    api.force_authenticate(other_brand["manager"])
    org_id = brand_activity["brand"].organization_id
    assert api.get(f"/api/v1/stats/networks/{org_id}/").status_code == 404
    for user in (network["manager"], midi_team["owner"]):
        client.force_login(user)
        assert client.get(BRAND_EXPORT).status_code == 404
    client.logout()
    assert client.get(BRAND_EXPORT).status_code == 302


def test_a_bad_period_is_a_french_400(client, brand_activity):
    client.force_login(brand_activity["manager"])
    response = client.get(BRAND_EXPORT, {"from": "2026-13-40", "to": "hier"})
    assert response.status_code == 400
    assert "<html" in response.content.decode().lower()
