"""The network's routing rules, self-service: pages (list, add, edit, pause/resume), the
preview, bad input, overlaps resolved by priority then weight, the network's monthly cap."""

from __future__ import annotations

import re

import pytest

from apps.directory.tests.factories import make_pro
from apps.leads import services
from apps.leads.models import NetworkInstaller

pytestmark = pytest.mark.django_db

RULES = "/espace-pro/reseau/regles/"


@pytest.fixture
def rules(network, facade_pros):
    org_id = network["org"].pk
    midi = services.network_installer_ensure(
        network_id=org_id, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    garonne = services.network_installer_ensure(
        network_id=org_id,
        pro_id=facade_pros["garonne"].id,
        department_codes=["31"],
        category_slugs=["facade"],
    )
    bordeaux = services.network_installer_ensure(
        network_id=org_id, pro_id=facade_pros["bordeaux"].id, department_codes=["33"]
    )
    return {"midi": midi, "garonne": garonne, "bordeaux": bordeaux}


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_rules_page_shows_each_rule_and_its_overlaps(
    client, network, rules, facade_pros, django_assert_max_num_queries
):
    client.force_login(network["manager"])
    with django_assert_max_num_queries(16):
        response = client.get(RULES)
    assert response.status_code == 200
    page = _text(response)
    midi_row = page.split("<td>Façades du Midi</td>")[1].split("</tr>")[0]
    assert "Enduits de Garonne" in midi_row  # both take façade leads in 31
    bordeaux_row = page.split("<td>Façades Bordelaises</td>")[1].split("</tr>")[0]
    assert "<td>—</td>" in bordeaux_row


def test_edit_a_rule_then_preview_who_would_receive(client, network, rules, facade_pros):
    client.force_login(network["manager"])
    edit = f"{RULES}{rules['garonne'].pk}/"
    assert client.get(edit).status_code == 200
    response = client.post(
        edit,
        {
            "department_codes": ["31", "33"],
            "category_slugs": ["facade"],
            "priority": "1",
            "weight": "2",
            "monthly_cap": "5",
        },
    )
    assert response.status_code == 302
    rule = NetworkInstaller.objects.get(pk=rules["garonne"].pk)
    assert (rule.department_codes, rule.priority, rule.weight, rule.monthly_cap) == (
        ["31", "33"],
        1,
        2,
        5,
    )
    preview = _text(client.get(RULES, {"category": "facade", "postcode": "31000"}))
    assert "<strong>Enduits de Garonne</strong> recevrait cette demande" in preview
    assert "Façades Bordelaises — Sa règle ne couvre pas" in preview


def test_unknown_departement_or_trade_is_a_form_error(client, network, rules):
    client.force_login(network["manager"])
    response = client.post(
        f"{RULES}{rules['midi'].pk}/",
        {"department_codes": ["31", "999"], "category_slugs": ["facade", "plomberie-martienne"]},
    )
    assert response.status_code == 400
    page = response.content.decode().replace("\xa0", " ")
    # The pickers offer only known départements and trades: anything else is refused.
    assert "999 n’en fait pas partie" in page or "999 n'en fait pas partie" in page
    assert "plomberie-martienne n’en fait pas partie" in page or (
        "plomberie-martienne n'en fait pas partie" in page
    )
    assert NetworkInstaller.objects.get(pk=rules["midi"].pk).department_codes == ["31"]
    preview = client.get(RULES, {"category": "inconnu", "postcode": "31000"})
    assert "Métier inconnu : inconnu." in preview.content.decode()


def test_pause_and_resume(client, network, rules):
    client.force_login(network["manager"])
    toggle = f"{RULES}{rules['midi'].pk}/pause/"
    assert client.post(toggle).status_code == 302
    assert not NetworkInstaller.objects.get(pk=rules["midi"].pk).is_active
    preview = _text(client.get(RULES, {"category": "facade", "postcode": "31000"}))
    assert "Façades du Midi — En pause" in preview
    client.post(toggle)
    assert NetworkInstaller.objects.get(pk=rules["midi"].pk).is_active


def test_add_an_installer_by_its_profile(client, network, rules):
    heating = make_pro("Chauffage Toulousain", departments=("31",), trades=("chauffage",))
    client.force_login(network["manager"])
    response = client.post(RULES, {"pro": heating.slug, "department_codes": ["31"]})
    assert response.status_code == 302
    assert NetworkInstaller.objects.filter(network_id=network["org"].pk, pro_id=heating.id).exists()
    again = client.post(RULES, {"pro": heating.slug})
    assert again.status_code == 400 and "déjà une règle" in again.content.decode()


def test_priority_then_weight_decide_between_overlapping_rules(network, rules, facade_pros):
    actor = network["manager"].actor
    org_id = network["org"].pk

    def chosen():
        return services.routing_preview(
            actor=actor, network_id=org_id, category_slug="facade", postcode="31000"
        )[1]

    services.network_rule_update(
        actor=actor, network_id=org_id, rule_id=rules["midi"].pk, data={"priority": 5}
    )
    assert chosen().pk == rules["midi"].pk
    services.network_rule_update(
        actor=actor, network_id=org_id, rule_id=rules["midi"].pk, data={"monthly_cap": 0}
    )
    verdicts, pick = services.routing_preview(
        actor=actor, network_id=org_id, category_slug="facade", postcode="31000"
    )
    assert pick.pk == rules["garonne"].pk
    assert any("Plafond du réseau atteint" in v.reason for v in verdicts)


def test_another_network_cannot_touch_the_rules(client, network, rules, midi_team):
    client.force_login(midi_team["owner"])
    assert client.get(RULES).status_code == 404
    assert client.post(f"{RULES}{rules['midi'].pk}/pause/").status_code == 404
    assert NetworkInstaller.objects.get(pk=rules["midi"].pk).is_active
