"""A quote request asked from a brand's page ("Demander un devis à un installateur certifié")
is tagged with the brand and routed by the brand's rules — the networks' engine — to one of
its certified installers that practises the trade in the request's département."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.tests.factories import MembershipFactory, UserFactory
from apps.directory.tests.factories import link_network, make_brand, make_pro
from apps.leads import services
from apps.leads.models import Lead, NetworkInstaller
from apps.quotes import services as quote_services
from apps.quotes.models import QuoteRequest, QuoteStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def thermaris(directory_data):
    """Thermaris and its installers, each with a rule of the brand:
    - toulouse: certified, heat pumps, rule on 31 — the one to receive Toulouse requests;
    - bordeaux: certified, heat pumps, rule on 33 only;
    - facadier: certified, rule on 31, but practises façades only;
    - intrus: heat pumps in 31 with a rule, but Eldo never certified it for the brand."""
    brand = make_brand("Thermaris", slug="thermaris")
    org_id = brand.organization_id
    pros = {
        "toulouse": make_pro(
            "Chaleur Toulousaine", trades=("pompe-a-chaleur",), departments=("31",)
        ),
        "bordeaux": make_pro(
            "Bordeaux Climat", commune="33063", trades=("pompe-a-chaleur",), departments=("33",)
        ),
        "facadier": make_pro("Façades Thermaris", trades=("facade",), departments=("31",)),
        "intrus": make_pro("Clim Indépendante", trades=("pompe-a-chaleur",), departments=("31",)),
    }
    for key in ("toulouse", "bordeaux", "facadier"):
        link_network(pros[key], brand.organization_id)
    # The "intrus" rule is the best priority: only the certification keeps it out.
    services.network_installer_ensure(network_id=org_id, pro_id=pros["intrus"].id)
    NetworkInstaller.objects.filter(network_id=org_id).update(priority=1)
    services.network_installer_ensure(
        network_id=org_id, pro_id=pros["toulouse"].id, department_codes=["31"]
    )
    services.network_installer_ensure(
        network_id=org_id, pro_id=pros["bordeaux"].id, department_codes=["33"]
    )
    services.network_installer_ensure(network_id=org_id, pro_id=pros["facadier"].id)
    installer_owner = UserFactory(email="paul@chaleur-toulousaine.fr", first_name="Paul")
    MembershipFactory(
        user=installer_owner, organization_id=pros["toulouse"].organization_id, role="owner"
    )
    manager = UserFactory(email="marque@thermaris.fr", first_name="Hélène")
    MembershipFactory(user=manager, organization=brand.organization, role="manager")
    return {"brand": brand, "pros": pros, "manager": manager}


def _request(**overrides) -> dict:
    return {
        "category": "pompe-a-chaleur",
        "description": "Remplacement d'une chaudière fioul par une pompe à chaleur air/eau.",
        "postcode": "31000",
        "first_name": "Luce",
        "last_name": "Moreau",
        "email": "luce.moreau@exemple.fr",
        "phone": "06 12 34 56 78",
        "consent": "on",
        **overrides,
    }


def test_the_brand_page_request_goes_to_its_certified_installer_of_the_trade_and_area(
    client, thermaris, django_capture_on_commit_callbacks, mailoutbox
):
    page = client.get("/devis/?brand=thermaris")
    assert page.status_code == 200
    text = page.content.decode().replace("\xa0", " ")
    assert "installateur certifié Thermaris" in text
    assert 'name="brand" value="thermaris"' in text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/devis/?brand=thermaris", _request(brand="thermaris"))
    assert response.status_code == 302, response.content.decode()[:2000]

    quote = QuoteRequest.objects.get()
    assert (quote.brand_slug, quote.brand_organization_id) == (
        "thermaris",
        thermaris["brand"].organization_id,
    )
    assert quote.status == QuoteStatus.DISPATCHED
    lead = Lead.objects.get(quote_id=quote.pk)
    assert lead.pro_id == thermaris["pros"]["toulouse"].id
    assert lead.network_id == thermaris["brand"].organization_id  # tagged with the brand
    assert list(quote.dispatches.values_list("pro_slug", flat=True)) == ["chaleur-toulousaine"]
    told = [m for m in mailoutbox if "Nouvelle demande" in m.subject]
    assert [m.to for m in told] == [["paul@chaleur-toulousaine.fr"]]  # the installer is told

    # The brand sees it in its space, like a network its routed leads.
    api = APIClient()
    api.force_authenticate(thermaris["manager"])
    assert [row["id"] for row in api.get("/api/v1/leads/").json()["results"]] == [lead.pk]


def test_in_another_department_the_request_goes_to_that_departments_installer(
    make_quote, thermaris, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        quote = make_quote(category="pompe-a-chaleur", postcode="33000", brand="thermaris", pro="")
    assert Lead.objects.get(quote_id=quote.pk).pro_id == thermaris["pros"]["bordeaux"].id


def test_nobody_certified_for_the_trade_and_area_leaves_it_with_the_advisors(
    make_quote, thermaris, advisor, client, django_capture_on_commit_callbacks
):
    # In Tarn (81), no certified heat-pump installer's rule covers the request.
    with django_capture_on_commit_callbacks(execute=True):
        quote = make_quote(category="pompe-a-chaleur", postcode="81000", brand="thermaris")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.NEW and quote.brand_slug == "thermaris"
    assert not Lead.objects.filter(quote_id=quote.pk).exists()
    # The advisor sees which brand it came from, and why it is theirs.
    client.force_login(advisor)
    page = client.get(f"/conseiller/demandes/{quote.reference}/").content.decode()
    line = page.replace("\xa0", " ").split('data-brand="thermaris"')[1].split("</dd>")[0]
    assert "aucun installateur certifié n'a pu la recevoir" in line


def test_the_routing_never_picks_an_uncertified_installer(thermaris):
    org_id = thermaris["brand"].organization_id
    verdicts, chosen = services.routing_evaluate(
        network_id=org_id,
        department_code="31",
        category_slug="pompe-a-chaleur",
        certified_pro_ids={thermaris["pros"]["toulouse"].id},
    )
    assert chosen.pro_id == thermaris["pros"]["toulouse"].id
    reasons = {v.installer.pro_id: v.reason for v in verdicts}
    assert reasons[thermaris["pros"]["intrus"].id] == (
        "N'est pas installateur certifié de la marque"
    )


def test_an_unknown_brand_is_refused_by_field(make_quote, thermaris, client):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        make_quote(category="pompe-a-chaleur", brand="inconnue")
    assert "brand" in error.value.message_dict
    response = APIClient().post(
        "/api/v1/quotes/", {**_request(brand="inconnue"), "consent": True}, format="json"
    )
    assert response.status_code == 400 and "brand" in response.json()
    response = client.post("/devis/", _request(brand="x" * 500))
    assert response.status_code == 400
    assert QuoteRequest.objects.count() == 0


def test_the_api_takes_the_brand_too(thermaris, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/quotes/", {**_request(brand="thermaris"), "consent": True}, format="json"
        )
    assert response.status_code == 201, response.content
    quote = QuoteRequest.objects.get(reference=response.json()["reference"])
    assert Lead.objects.get(quote_id=quote.pk).pro_id == thermaris["pros"]["toulouse"].id


def test_an_advisor_dispatching_a_brand_request_tags_only_the_brands_installers(
    make_quote, thermaris, advisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        quote = make_quote(category="pompe-a-chaleur", postcode="81000", brand="thermaris")
    other = make_pro(
        "PAC du Tarn", commune="81004", trades=("pompe-a-chaleur",), departments=("81",)
    )
    with django_capture_on_commit_callbacks(execute=True):
        quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
        quote_services.quote_qualify(
            quote_id=quote.pk,
            actor=advisor.actor,
            changes={"budget_range": "5k_15k", "timeline": "3_months"},
        )
        quote_services.quote_dispatch(
            quote_id=quote.pk, actor=advisor.actor, pro_slugs=[other.slug]
        )
    assert Lead.objects.get(quote_id=quote.pk).network_id is None


def test_the_brand_manager_signs_in_and_lands_in_its_space(thermaris):
    from django.test import Client

    from apps.accounts.tests.factories import PASSWORD

    client = Client()
    response = client.post(
        "/connexion/", {"username": thermaris["manager"].email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/espace-pro/reseau/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert {"private", "no-store"} <= {p.strip() for p in page["Cache-Control"].split(",")}
    text = page.content.decode().replace("\xa0", " ")
    assert "Tableau de bord de la marque" in text
    assert 'href="/marques/thermaris/"' in text.split("data-brand-page")[1]
    assert "Espace marque" in text  # the account menu names it
    assert "Chaleur Toulousaine" in text  # its installers
