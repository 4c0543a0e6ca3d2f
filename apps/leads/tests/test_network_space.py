"""The network's space: /espace-pro/ sends it there, its dashboard (installers, open and
overdue leads, first-response time, conversion), network-only sidebar, one installer's leads."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.leads import services
from apps.leads.models import Lead
from apps.leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(network, facade_pros):
    """Two installers; Midi got 3 leads (one overdue, one contacted in 2 h and won, one lost
    after a 4 h first contact), Bordeaux one lead still fresh."""
    org_id = network["org"].pk
    services.network_installer_ensure(
        network_id=org_id, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    services.network_installer_ensure(
        network_id=org_id,
        pro_id=facade_pros["bordeaux"].id,
        department_codes=["33"],
        category_slugs=["facade"],
    )
    now = timezone.now()

    def lead(pro, n, **extra):
        return LeadFactory(
            pro=pro,
            source="inbound",
            network_id=org_id,
            external_id=f"RCH-{n}",
            reference=f"RCH-{n}",
            **extra,
        )

    midi, bordeaux = facade_pros["midi"], facade_pros["bordeaux"]
    lead(midi, 1, created_at=now - timedelta(days=3))  # overdue
    lead(
        midi,
        2,
        created_at=now - timedelta(days=5),
        contacted_at=now - timedelta(days=5) + timedelta(hours=2),
        status="won",
    )
    lead(
        midi,
        3,
        created_at=now - timedelta(days=6),
        contacted_at=now - timedelta(days=6) + timedelta(hours=4),
        status="lost",
    )
    lead(bordeaux, 4, created_at=now - timedelta(hours=1))
    return facade_pros


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_espace_pro_sends_a_network_to_its_dashboard(client, network, routed):
    client.force_login(network["manager"])
    response = client.get("/espace-pro/")
    assert response.status_code == 302
    assert response["Location"] == "/espace-pro/reseau/"


def test_dashboard_shows_each_installer_with_its_figures(
    client, network, routed, django_assert_max_num_queries
):
    client.force_login(network["manager"])
    with django_assert_max_num_queries(16):
        response = client.get("/espace-pro/reseau/")
    assert response.status_code == 200
    page = _text(response)
    midi_row = re.search(
        r"<tr> <td><a href=\"[^\"]*\?pro=(\d+)\">Façades du Midi</a>.*?</tr>", page
    )
    assert midi_row and int(midi_row.group(1)) == routed["midi"].id
    cells = re.findall(r"<td>(.*?)</td>", midi_row.group(0))
    # open (the overdue one), overdue, median first contact (2 h and 4 h → 4.0), conversion
    assert cells[1] == "1"
    assert "<strong>1</strong>" in cells[2]
    assert cells[3] == "4,0 h"
    assert cells[4].startswith("50 %")
    assert routed["bordeaux"].name in page


def test_sidebar_holds_network_entries_only_and_each_opens(client, network, routed):
    client.force_login(network["manager"])
    page = client.get("/espace-pro/reseau/").content.decode()
    nav = page.split('aria-label="Menu de l')[1].split("</nav>")[0]
    links = re.findall(r'href="([^"]+)"', nav)
    assert links == [
        "/espace-pro/reseau/",
        "/espace-pro/reseau/demandes/",
        "/espace-pro/reseau/regles/",
        "/espace-pro/reseau/cles-api/",
        "/espace-pro/reseau/webhooks/",
        "/espace-pro/statistiques/",
    ]
    for link in links:
        assert client.get(link).status_code == 200, link


def test_header_offers_the_network_space(client, network, routed):
    client.force_login(network["manager"])
    page = client.get("/").content.decode()
    assert 'href="/espace-pro/reseau/"' in page and "Espace réseau" in page


def test_an_installer_opens_onto_its_leads(client, network, routed):
    client.force_login(network["manager"])
    page = client.get(f"/espace-pro/reseau/demandes/?pro={routed['bordeaux'].id}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "RCH-4" in text and "RCH-1" not in text


def test_another_network_or_a_company_gets_no_dashboard(client, network, routed, midi_team):
    client.force_login(midi_team["owner"])
    assert client.get("/espace-pro/reseau/").status_code == 404
    assert midi_team["owner"].actor.network_ids() == frozenset()


def test_a_lead_nobody_can_take_waits_a_router_and_the_network_routes_it(
    client, api_as, network, routed, mailoutbox, django_capture_on_commit_callbacks
):
    """Heating in 31: no installer of the network does heating → 202, the lead waits in the
    "à router" queue, the manager gets one e-mail; a façade company cannot be chosen, a
    heating installer added to the network can."""
    from apps.directory.tests.factories import make_pro

    payload = {
        "external_id": "RCH-CH1",
        "category": "chauffage",
        "postcode": "31000",
        "first_name": "Jeanne",
        "email": "jeanne@exemple.fr",
        "phone": "0611223344",
        "description": "Remplacement d'une chaudière fioul.",
    }
    api = api_as(network["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/leads/inbound/", payload, format="json")
    assert response.status_code == 202
    assert [m.to for m in mailoutbox] == [["nadia@reseau-confort.fr"]]
    assert "RCH-CH1" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post("/api/v1/leads/inbound/", payload, format="json")
    assert again.status_code == 202 and len(mailoutbox) == 1
    client.force_login(network["manager"])
    page = client.get("/espace-pro/reseau/").content.decode()
    assert "À router (1)" in page and "RCH-CH1" in page
    action = re.search(r'href="(/espace-pro/reseau/a-router/\d+/)"', page).group(1)
    routing = client.get(action).content.decode()
    assert "Aucun de vos installateurs n'exerce ce métier" in routing  # none to offer
    midi_rule = services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=routed["midi"].id
    )
    refused = client.post(action, {"installer": midi_rule.pk})
    assert refused.status_code == 400 and "Choisissez un de vos installateurs" in _text(refused)
    assert not Lead.objects.filter(external_id="RCH-CH1").exists()
    heating = make_pro("Chauffage Toulousain", departments=("31",), trades=("chauffage",))
    rule = services.network_installer_ensure(network_id=network["org"].pk, pro_id=heating.id)
    routing = client.get(action).content.decode()
    assert re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', routing) == [
        (str(rule.pk), "Chauffage Toulousain")  # the heating installer only, not the façades
    ]
    client.post(action, {"installer": rule.pk})
    lead = Lead.objects.get(external_id="RCH-CH1")
    assert lead.pro_id == heating.id and lead.network_id == network["org"].pk
    assert "À router" not in client.get("/espace-pro/reseau/").content.decode()


def test_the_network_reassigns_a_refused_lead_from_its_page(client, network, routed):
    garonne_rule = services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=routed["garonne"].id, department_codes=["31"]
    )
    lead = Lead.objects.get(external_id="RCH-1")
    Lead.objects.filter(pk=lead.pk).update(status="declined")
    client.force_login(network["manager"])
    page = client.get("/espace-pro/reseau/demandes/").content.decode()
    action = f"/espace-pro/reseau/demandes/{lead.pk}/reattribuer/"
    assert f'action="{action}"' in page
    client.post(action)
    new = Lead.objects.get(external_id="RCH-1")
    assert new.pk != lead.pk and new.pro_id == garonne_rule.pro_id
    assert "Réattribuée" in client.get("/espace-pro/reseau/demandes/").content.decode()


def test_installers_come_most_urgent_first_a_page_at_a_time(network, routed):
    """Overdue first, then open leads, then by name; the totals cover every page."""
    from apps.leads import selectors

    org_id = network["org"].pk
    garonne = routed["garonne"]  # no lead: last
    services.network_installer_ensure(network_id=org_id, pro_id=garonne.id)
    board = selectors.network_dashboard(
        network_id=org_id, overdue_before=timezone.now() - timedelta(days=2), per_page=2
    )
    first = [row["name"] for row in board["installers"]]
    assert first == [routed["midi"].name, routed["bordeaux"].name]  # 1 overdue, then 1 open
    assert board["installers"].paginator.num_pages == 2
    assert (board["installer_count"], board["open"], board["overdue"]) == (3, 2, 1)
    second = selectors.network_dashboard(
        network_id=org_id, overdue_before=timezone.now() - timedelta(days=2), page=2, per_page=2
    )["installers"]
    assert [row["name"] for row in second] == [garonne.name]
    assert second[0]["total"] == 0 and second[0]["first_response_hours"] is None
