"""Networks: inbound partner leads, routing rules, round-robin within capacity."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.directory.models import ProLeadLoad
from apps.directory.tests.factories import make_pro
from apps.leads import services
from apps.leads.models import Lead, UnroutedLead

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/inbound/"


@pytest.fixture
def installers(network, facade_pros):
    org_id = network["org"].pk
    services.network_installer_ensure(
        network_id=org_id, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    services.network_installer_ensure(
        network_id=org_id,
        pro_id=facade_pros["garonne"].id,
        department_codes=["31"],
        category_slugs=["facade"],
    )
    services.network_installer_ensure(
        network_id=org_id, pro_id=facade_pros["bordeaux"].id, department_codes=["33"]
    )
    return facade_pros


def _payload(n: int, **extra) -> dict:
    return {
        "external_id": f"RCH-{n}",
        "category": "facade",
        "postcode": "31000",
        "first_name": "Jeanne",
        "last_name": "Petit",
        "email": f"jeanne{n}@exemple.fr",
        "phone": "06 11 22 33 44",
        "description": "Reprise d'enduit sur pignon, 40 m².",
        **extra,
    }


def test_round_robin_among_fitting_installers_and_idempotent_replay(
    api_as, network, installers, django_capture_on_commit_callbacks, mailoutbox
):
    api = api_as(network["manager"])
    routed = []
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(4):
            response = api.post(URL, _payload(n), format="json")
            assert response.status_code == 201, response.content
            routed.append(response.json()["pro"]["slug"])
    assert routed == [
        "facades-du-midi",
        "enduits-de-garonne",
        "facades-du-midi",
        "enduits-de-garonne",
    ]
    first = Lead.objects.get(external_id="RCH-0")
    replay = api.post(URL, _payload(0), format="json")
    assert replay.status_code == 200 and replay.json()["id"] == first.pk
    assert Lead.objects.count() == 4
    assert first.phone == "+33611223344" and first.source == "inbound"
    # Gironde goes to the Bordeaux installer only.
    bordeaux = api.post(URL, _payload(9, postcode="33000"), format="json").json()
    assert bordeaux["pro"]["slug"] == "facades-bordelaises"


def test_routing_respects_capacity_and_says_when_nobody_can_take_it(api_as, network, installers):
    month = timezone.localdate().replace(day=1)
    midi = installers["midi"]
    ProLeadLoad.objects.create(pro=midi, month=month, leads_this_month=midi.monthly_lead_cap)
    api = api_as(network["manager"])
    assert api.post(URL, _payload(1), format="json").json()["pro"]["slug"] == "enduits-de-garonne"
    assert api.post(URL, _payload(2), format="json").json()["pro"]["slug"] == "enduits-de-garonne"
    # Painting in 31: only Midi's rule covers it, and Midi is full (and paints no walls):
    # 202, the lead waits in the network's "à router" queue, nothing created.
    response = api.post(URL, _payload(3, category="peinture"), format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "unrouted" and response.json()["id"] is None
    assert not Lead.objects.filter(external_id="RCH-3").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"postcode": "3100"}, "postcode"),
        ({"postcode": "99999"}, "postcode"),
        ({"category": "inconnu"}, "category"),
        ({"email": "pas-un-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"first_name": ""}, "first_name"),
        ({"description": "court"}, "description"),
        ({"external_id": ""}, "external_id"),
    ],
)
def test_invalid_inbound_leads_get_field_errors(api_as, network, installers, change, field):
    response = api_as(network["manager"]).post(URL, _payload(1, **change), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Lead.objects.exists()


def test_only_network_managers_push_leads(api_as, installers, midi_team, homeowner):
    assert api_as(None).post(URL, _payload(1), format="json").status_code == 401
    for user in (midi_team["owner"], homeowner):
        assert api_as(user).post(URL, _payload(1), format="json").status_code == 403


def test_the_network_sees_its_routed_leads_read_only(api_as, network, installers, midi_team):
    api = api_as(network["manager"])
    lead_id = api.post(URL, _payload(1), format="json").json()["id"]
    assert api.get("/api/v1/leads/").json()["count"] == 1
    detail = api.get(f"/api/v1/leads/{lead_id}/").json()
    assert detail["contact"] is None  # for the receiving installer only
    assert (
        api.patch(f"/api/v1/leads/{lead_id}/", {"status": "viewed"}, format="json").status_code
        == 403
    )
    # The installer works it like any lead.
    owner = api_as(midi_team["owner"])
    assert owner.get(f"/api/v1/leads/{lead_id}/").json()["contact"]["email"] == "jeanne1@exemple.fr"


def test_demo_seed_is_idempotent_and_covers_every_status(network, facade_pros, midi_team):
    from apps.leads import demo as api
    from apps.leads.models import LeadStatus, NetworkInstaller

    kwargs = {
        "scale": "small",
        "company_slug": "facades-du-midi",
        "sales_rep_user_id": midi_team["rep"].pk,
        "network_id": network["org"].pk,
        "installer_slugs": ["enduits-de-garonne", "facades-bordelaises"],
    }
    added = api.demo_seed(**kwargs)
    assert added == Lead.objects.count() == 3 * len(LeadStatus.values)
    assert set(Lead.objects.values_list("status", flat=True)) == set(LeadStatus.values)
    assert Lead.objects.filter(assigned_to_id=midi_team["rep"].pk).exists()
    assert NetworkInstaller.objects.filter(network_id=network["org"].pk).count() == 3
    assert api.demo_seed(**kwargs) == 0
    # The heating lead the façade company cannot take waits "à router", once.
    waiting = UnroutedLead.objects.get(network_id=network["org"].pk)
    assert waiting.data["category_slug"] == "chauffage" and waiting.lead_id is None


@pytest.mark.parametrize("insurance_required", [False, True])
def test_heating_never_goes_to_a_facade_company_whatever_its_rule_says(
    api_as, network, installers, settings, insurance_required
):
    """Midi's rule says "tous métiers" in 31, but Midi does façades only: a heating lead is
    not its (even when no insurance is required). A heating installer in 31 gets it."""
    settings.LEADS_REQUIRE_INSURANCE = insurance_required
    api = api_as(network["manager"])
    response = api.post(URL, _payload(1, category="chauffage"), format="json")
    assert response.status_code == 202
    assert not Lead.objects.filter(external_id="RCH-1", pro_id=installers["midi"].id).exists()
    heating = make_pro("Chauffage Toulousain", departments=("31",), trades=("chauffage",))
    services.network_installer_ensure(network_id=network["org"].pk, pro_id=heating.id)
    routed = api.post(URL, _payload(2, category="chauffage"), format="json")
    assert routed.status_code == 201, routed.content
    assert routed.status_code == 201, routed.content
    assert routed.json()["pro"]["slug"] == heating.slug


def test_a_replayed_external_id_with_another_project_is_a_conflict(api_as, network, installers):
    api = api_as(network["manager"])
    first = api.post(URL, _payload(1), format="json")
    assert first.status_code == 201
    same = api.post(URL, _payload(1, phone="0611223344"), format="json")
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    other = api.post(URL, _payload(1, description="Isolation des combles, 80 m²."), format="json")
    assert other.status_code == 409
    assert "RCH-1" in other.content.decode()
    assert Lead.objects.filter(external_id="RCH-1").count() == 1


def test_the_network_reassigns_its_expired_or_refused_leads_among_its_installers(
    api_as, network, installers, midi_team
):
    api = api_as(network["manager"])
    first = api.post(URL, _payload(1), format="json").json()
    lead = Lead.objects.get(pk=first["id"])
    assert lead.pro_id == installers["midi"].id
    reassign = f"/api/v1/leads/{lead.pk}/reassign/"
    # Still open: not yet.
    assert api.post(reassign, {}, format="json").status_code == 409
    Lead.objects.filter(pk=lead.pk).update(status="declined")
    # A façade company outside the network cannot be named.
    outsider = api.post(reassign, {"pro": installers["rose"].slug}, format="json")
    assert outsider.status_code == 400
    response = api.post(reassign, {}, format="json")
    assert response.status_code == 201, response.content
    new = Lead.objects.get(pk=response.json()["id"])
    assert new.pro_id == installers["garonne"].id and new.external_id == "RCH-1"
    lead.refresh_from_db()
    assert lead.replaced_by_id == new.pk and lead.status == "declined"
    # A replay of the external id answers the lead that now holds it.
    assert api.post(URL, _payload(1), format="json").json()["id"] == new.pk
    # Done once; and a pro of the network cannot reassign.
    assert api.post(reassign, {}, format="json").status_code == 409
    pro_api = api_as(midi_team["owner"])
    assert pro_api.post(reassign, {}, format="json").status_code == 403
