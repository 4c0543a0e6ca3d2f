"""The inbox as CSV: the actor's leads with the inbox's current filters, amounts in euros,
spreadsheet formulas neutralised; bounded queries."""

from __future__ import annotations

import csv
import io

import pytest

from apps.leads import services
from apps.leads.models import Lead

pytestmark = pytest.mark.django_db

EXPORT = "/espace-pro/demandes/export.csv"


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_the_export_follows_the_inbox_filters(client, dispatch, midi_team):
    won = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    Lead.objects.get(quote_id=dispatch(["facades-du-midi"], first_name="Jean").pk)
    actor = midi_team["owner"].actor
    for status, extra in (
        ("contacted", {}),
        ("quote_sent", {"quote_amount": "12500"}),
        ("won", {"won_amount": "12800.50"}),
    ):
        services.lead_update(actor=actor, lead_id=won.pk, status=status, **extra)
    client.force_login(midi_team["owner"])

    rows = _rows(client.get(EXPORT))
    assert rows[0][:3] == ["Référence", "Reçue le", "Métier"]
    assert len(rows) == 3
    rows = _rows(client.get(EXPORT, {"status": "won"}))
    assert len(rows) == 2
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["Client"] == "Luce Moreau" and line["Commune"] == "Toulouse"
    assert line["Statut"] == "Gagnée" and line["Métier"] == "Façade"
    assert line["Montant du devis (€)"] == "12500.00"
    assert line["Montant gagné (€)"] == "12800.50"
    # The inbox links to the export with its filters.
    inbox = client.get("/espace-pro/demandes/?status=won").content.decode()
    assert f'{EXPORT}?status=won"' in inbox


def test_formulas_are_neutralised(client, api_as, network, facade_pros, midi_team):
    services.network_installer_ensure(
        network_id=network["org"].pk, pro_id=facade_pros["midi"].id, department_codes=["31"]
    )
    response = api_as(network["manager"]).post(
        "/api/v1/leads/inbound/",
        {
            "external_id": '=HYPERLINK("http://x")',
            "category": "facade",
            "postcode": "31000",
            "first_name": "=cmd|' /C calc'!A0",
            "email": "jeanne@exemple.fr",
            "phone": "0611223344",
            "description": "Reprise d'enduit sur pignon, 40 m².",
        },
        format="json",
    )
    assert response.status_code == 201
    client.force_login(midi_team["owner"])
    line = dict(zip(*_rows(client.get(EXPORT))[:2], strict=True))
    assert line["Client"].startswith("'=cmd")
    assert line["Référence"].startswith("'=HYPERLINK")


def test_each_sees_its_own_leads_only(client, dispatch, midi_team, garonne_owner, homeowner):
    lead = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    client.force_login(midi_team["rep"])
    assert len(_rows(client.get(EXPORT))) == 1  # nothing assigned to the rep yet
    Lead.objects.filter(pk=lead.pk).update(assigned_to_id=midi_team["rep"].pk)
    assert len(_rows(client.get(EXPORT))) == 2
    client.force_login(garonne_owner)
    assert len(_rows(client.get(EXPORT))) == 1
    client.force_login(homeowner)
    assert client.get(EXPORT).status_code == 404


def test_the_export_reads_in_bounded_queries(
    client, dispatch, midi_team, django_assert_max_num_queries
):
    for _ in range(6):
        dispatch(["facades-du-midi"])
    client.force_login(midi_team["owner"])
    with django_assert_max_num_queries(14):
        assert len(_rows(client.get(EXPORT))) == 7
