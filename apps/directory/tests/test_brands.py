"""Brands (manufacturers): the public list and page, the certified-installer badge, the
``brand`` filter of the search page and of GET /api/v1/pros/, the sitemap and JSON-LD."""

from __future__ import annotations

import json
import re

import pytest

from apps.accounts.tests.factories import OrganizationFactory
from apps.directory.tests.factories import link_network, make_brand, make_pro

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode()).replace("\xa0", " ")


@pytest.fixture
def thermaris(directory_data):
    """A heat-pump brand with certified installers in Haute-Garonne and Gironde, and a pro
    of the same trade that is not one of them."""
    brand = make_brand("Thermaris", slug="thermaris")
    installers = {
        "toulouse": make_pro(
            "Chaleur Toulousaine",
            trades=("pompe-a-chaleur",),
            departments=("31",),
            rating=(4.7, 30),
            verified=True,
        ),
        "muret": make_pro("PAC Muretaine", trades=("pompe-a-chaleur",), departments=("31",)),
        "bordeaux": make_pro(
            "Bordeaux Climat",
            commune="33063",
            trades=("pompe-a-chaleur",),
            departments=("33",),
            rating=(4.2, 8),
        ),
    }
    for pro in installers.values():
        link_network(pro, brand.organization_id)
    outsider = make_pro("Clim Indépendante", trades=("pompe-a-chaleur",), departments=("31",))
    return {"brand": brand, "installers": installers, "outsider": outsider}


def test_the_list_shows_published_brands_with_their_installers(client, thermaris):
    make_brand("Marque Cachée", slug="marque-cachee", published=False)
    response = client.get("/marques/")
    assert response.status_code == 200
    page = _text(response)
    assert "Thermaris" in page and "/marques/thermaris/" in page
    assert "3 installateurs certifiés" in page
    assert "Marque Cachée" not in page


def test_the_brand_page_shows_its_trades_families_and_installers_by_department(client, thermaris):
    response = client.get("/marques/thermaris/")
    assert response.status_code == 200
    page = _text(response)
    assert "Pompes à chaleur fabriquées en France" in page
    assert "Fabricant de pompes à chaleur depuis 1987." in page
    assert "Pompes à chaleur air/eau" in page  # product family
    assert "Pompe à chaleur" in page  # trade
    haute_garonne = page.split('data-department="31"')[1].split("</section>")[0]
    gironde = page.split('data-department="33"')[1].split("</section>")[0]
    assert "Chaleur Toulousaine" in haute_garonne and "PAC Muretaine" in haute_garonne
    assert "Bordeaux Climat" in gironde and "Chaleur Toulousaine" not in gironde
    assert "Entreprise vérifiée" in haute_garonne  # Eldo's checks on the card
    assert "Clim Indépendante" not in page
    assert "/devis/?brand=thermaris" in page
    assert "Demander un devis à un installateur certifié" in page
    data = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert data["@type"] == "Brand" and data["name"] == "Thermaris"


def test_unknown_or_unpublished_brands_answer_404(client, thermaris):
    make_brand("Marque Cachée", slug="marque-cachee", published=False)
    assert client.get("/marques/inconnue/").status_code == 404
    assert client.get("/marques/marque-cachee/").status_code == 404


def test_an_unpublished_installer_is_not_listed(client, thermaris):
    hidden = make_pro("PAC Fantôme", trades=("pompe-a-chaleur",), published=False)
    link_network(hidden, thermaris["brand"].organization_id)
    assert "PAC Fantôme" not in _text(client.get("/marques/thermaris/"))


def test_the_brand_page_query_count_does_not_grow_with_installers(
    client, thermaris, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12) as few:
        assert client.get("/marques/thermaris/").status_code == 200
    for n in range(6):
        pro = make_pro(f"Installateur {n}", trades=("pompe-a-chaleur",), departments=("81",))
        link_network(pro, thermaris["brand"].organization_id)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/marques/thermaris/?fresh=1")
    assert "Installateur 5" in _text(response)


def test_the_profile_shows_the_certified_installer_badge_instead_of_networks(client, thermaris):
    network = OrganizationFactory(name="Réseau Confort", slug="reseau-confort", kind="network")
    pro = thermaris["installers"]["toulouse"]
    link_network(pro, network.pk)
    page = _text(client.get(f"/pro/{pro.slug}/"))
    assert "Installateur certifié Thermaris" in page
    assert 'href="http://testserver/marques/thermaris/"' in page or "/marques/thermaris/" in page
    networks_line = page.split("<dt>Réseaux</dt>")[1].split("</dd>")[0]
    assert "Réseau Confort" in networks_line and "Thermaris" not in networks_line
    outsider = _text(client.get(f"/pro/{thermaris['outsider'].slug}/"))
    assert "Installateur certifié" not in outsider


def test_the_profile_json_ld_names_the_brand(client, thermaris):
    pro = thermaris["installers"]["toulouse"]
    page = client.get(f"/pro/{pro.slug}/").content.decode()
    data = json.loads(page.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert [m["name"] for m in data["memberOf"]] == ["Thermaris"]
    assert data["memberOf"][0]["url"].endswith("/marques/thermaris/")
    assert data["brand"][0] == {
        "@type": "Brand",
        "name": "Thermaris",
        "url": data["memberOf"][0]["url"],
    }


def test_the_api_profile_lists_brands(client, thermaris):
    pro = thermaris["installers"]["toulouse"]
    data = client.get(f"/api/v1/pros/{pro.slug}/").json()
    assert [b["slug"] for b in data["brands"]] == ["thermaris"]
    assert "Thermaris" not in data["networks"]


def test_search_page_filters_by_brand(client, thermaris):
    response = client.get("/artisans/?brand=thermaris&place=31000")
    assert response.status_code == 200
    page = _text(response)
    assert "Chaleur Toulousaine" in page and "PAC Muretaine" in page
    assert "Clim Indépendante" not in page and "Bordeaux Climat" not in page
    assert "Installateurs certifiés Thermaris" in page
    assert 'name="brand" value="thermaris"' in page  # kept when the filters change


def test_search_page_unknown_brand_is_a_french_message(client, thermaris):
    response = client.get("/artisans/?brand=inconnue")
    assert response.status_code == 200
    assert "Marque inconnue." in _text(response)
    response = client.get("/artisans/?brand=%3Cscript%3E")
    assert response.status_code == 200 and "Marque inconnue." in _text(response)


def test_api_filters_by_brand(client, thermaris):
    data = client.get("/api/v1/pros/?brand=thermaris").json()
    assert sorted(r["slug"] for r in data["results"]) == sorted(
        p.slug for p in thermaris["installers"].values()
    )
    data = client.get("/api/v1/pros/?brand=thermaris&department=33").json()
    assert [r["slug"] for r in data["results"]] == ["bordeaux-climat"]


def test_api_unknown_brand_is_a_field_error(client, thermaris):
    make_brand("Marque Cachée", slug="marque-cachee", published=False)
    for slug in ("inconnue", "marque-cachee", "x" * 300, "<b>"):
        response = client.get("/api/v1/pros/", {"brand": slug})
        assert response.status_code == 400, slug
        assert "brand" in response.json()


def test_brands_are_in_the_sitemap(client, thermaris):
    make_brand("Marque Cachée", slug="marque-cachee", published=False)
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-brands.xml" in index
    section = client.get("/sitemap-brands.xml").content.decode()
    assert "/marques/</loc>" in section and "/marques/thermaris/</loc>" in section
    assert "marque-cachee" not in section


def test_openapi_documents_the_brand_filter(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert '"brand"' in schema or "name: brand" in schema
