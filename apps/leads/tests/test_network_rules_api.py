"""The routing rules over the API: list, create, change, pause, delete, preview; bad input
is 400 by field, another network's rule 404, a pro 403."""

from __future__ import annotations

import pytest

from apps.leads import services
from apps.leads.models import NetworkInstaller

pytestmark = pytest.mark.django_db

RULES = "/api/v1/network/rules/"


@pytest.fixture
def midi_rule(network, facade_pros):
    return services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )


def test_crud_and_preview(api_as, network, midi_rule, facade_pros):
    api = api_as(network["manager"])
    listed = api.get(RULES)
    assert listed.status_code == 200
    assert [r["pro"]["slug"] for r in listed.json()] == ["facades-du-midi"]
    created = api.post(
        RULES,
        {"pro": "enduits-de-garonne", "department_codes": ["31"], "priority": 1, "weight": 2},
        format="json",
    )
    assert created.status_code == 201, created.content
    garonne = created.json()
    assert garonne["overlaps"] == [midi_rule.pk]
    preview = api.get(f"{RULES}preview/", {"category": "facade", "postcode": "31000"})
    assert preview.status_code == 200
    assert preview.json()["chosen"]["slug"] == "enduits-de-garonne"
    paused = api.patch(f"{RULES}{garonne['id']}/", {"is_active": False}, format="json")
    assert paused.status_code == 200 and paused.json()["is_active"] is False
    preview = api.get(f"{RULES}preview/", {"category": "facade", "postcode": "31000"}).json()
    assert preview["chosen"]["slug"] == "facades-du-midi"
    assert {"rule_id": garonne["id"], "eligible": False, "reason": "En pause"}.items() <= next(
        row for row in preview["installers"] if row["rule_id"] == garonne["id"]
    ).items()
    heating = api.get(f"{RULES}preview/", {"category": "chauffage", "postcode": "31000"}).json()
    assert heating["chosen"] is None
    assert api.delete(f"{RULES}{garonne['id']}/").status_code == 204
    assert not NetworkInstaller.objects.filter(pk=garonne["id"]).exists()


def test_bad_input_is_400_by_field(api_as, network, midi_rule):
    api = api_as(network["manager"])
    response = api.patch(
        f"{RULES}{midi_rule.pk}/",
        {"department_codes": ["31", "999"], "category_slugs": ["martien"], "weight": 0},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"department_codes", "category_slugs", "weight"}
    preview = api.get(f"{RULES}preview/", {"category": "facade", "postcode": "00000"})
    assert preview.status_code == 400 and "postcode" in preview.json()


def test_other_networks_and_pros(api_as, network, midi_rule, midi_team):
    from apps.accounts.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

    other = OrganizationFactory(name="Autre réseau", slug="autre-reseau", kind="network")
    manager = UserFactory(email="zoe@autre-reseau.fr")
    MembershipFactory(user=manager, organization=other, role="manager")
    api = api_as(manager)
    assert api.get(RULES).json() == []
    assert api.patch(f"{RULES}{midi_rule.pk}/", {"weight": 3}, format="json").status_code == 404
    assert api.delete(f"{RULES}{midi_rule.pk}/").status_code == 404
    assert api.get(RULES, {"network": network["org"].pk}).status_code == 404
    assert api_as(midi_team["owner"]).get(RULES).status_code == 403
