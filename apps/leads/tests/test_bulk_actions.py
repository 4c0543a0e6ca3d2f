"""Bulk actions of the inbox (/espace-pro/demandes/actions/): owners and managers assign or
mark viewed a selection of their company's leads, all or nothing; anything outside the
company's inbox changes nothing; events are published as for a single change."""

from __future__ import annotations

import pytest

from apps.core.models import OutboxEvent
from apps.leads.models import Lead

pytestmark = pytest.mark.django_db

INBOX = "/espace-pro/demandes/"
BULK = "/espace-pro/demandes/actions/"


@pytest.fixture
def midi_leads(dispatch, facade_pros, midi_team):
    return [Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk) for _ in range(3)]


@pytest.fixture
def garonne_lead(dispatch, facade_pros, garonne_owner):
    return Lead.objects.get(quote_id=dispatch(["enduits-de-garonne"]).pk)


def _state(*leads) -> list[tuple]:
    return list(
        Lead.objects.filter(pk__in=[lead.pk for lead in leads])
        .order_by("pk")
        .values_list("pk", "status", "assigned_to_id")
    )


def test_owner_assigns_two_leads_to_the_rep_who_then_sees_them(client, midi_leads, midi_team):
    first, second, third = midi_leads
    rep = midi_team["rep"]
    client.force_login(midi_team["owner"])
    inbox = client.get(INBOX).content.decode()
    assert 'name="leads"' in inbox and f'for="lead-select-{first.pk}"' in inbox
    assigned_before = OutboxEvent.objects.filter(name="leads.LeadAssigned").count()

    response = client.post(
        BULK,
        {
            "action": "assign",
            "assigned_to": rep.pk,
            "leads": [first.pk, second.pk],
            "status": "sent",
        },
    )

    assert response.status_code == 303
    assert response["Location"] == f"{INBOX}?status=sent"
    assert [s[2] for s in _state(first, second, third)] == [rep.pk, rep.pk, None]
    assert OutboxEvent.objects.filter(name="leads.LeadAssigned").count() == assigned_before + 2
    page = client.get(response["Location"]).content.decode()
    assert "2 demandes mises à jour." in page
    client.force_login(rep)
    rep_inbox = client.get(INBOX).content.decode()
    assert f"{INBOX}{first.pk}/" in rep_inbox and f"{INBOX}{second.pk}/" in rep_inbox
    assert f"{INBOX}{third.pk}/" not in rep_inbox
    assert 'name="leads"' not in rep_inbox  # no checkboxes for a sales rep


def test_mark_viewed_skips_leads_already_further_along(client, midi_leads, midi_team):
    Lead.objects.filter(pk=midi_leads[2].pk).update(status="contacted")
    changed_before = OutboxEvent.objects.filter(name="leads.LeadStatusChanged").count()
    client.force_login(midi_team["owner"])

    response = client.post(
        BULK, {"action": "mark_viewed", "leads": [lead.pk for lead in midi_leads]}, follow=True
    )

    # Flash messages get French typography (a no-break space before ":").
    assert "2 demandes mises à jour, 1 ignorée : déjà consultée ou traitée." in (
        response.content.decode().replace("\xa0", " ")
    )
    assert [s[1] for s in _state(*midi_leads)] == ["viewed", "viewed", "contacted"]
    assert OutboxEvent.objects.filter(name="leads.LeadStatusChanged").count() == changed_before + 2


def test_a_selection_with_another_companys_lead_changes_nothing(
    client, midi_leads, garonne_lead, midi_team
):
    before = _state(*midi_leads, garonne_lead)
    client.force_login(midi_team["owner"])
    for foreign in (garonne_lead.pk, 999_999):
        response = client.post(
            BULK,
            {
                "action": "mark_viewed",
                "leads": [midi_leads[0].pk, foreign],
            },
        )
        assert response.status_code == 400
        assert "Sélection invalide." in response.content.decode()
        assert _state(*midi_leads, garonne_lead) == before


def test_an_assignee_of_another_company_is_refused(client, midi_leads, garonne_owner, midi_team):
    before = _state(*midi_leads)
    client.force_login(midi_team["owner"])

    response = client.post(
        BULK,
        {"action": "assign", "assigned_to": garonne_owner.pk, "leads": [midi_leads[0].pk]},
    )

    assert response.status_code == 400
    assert "Choisissez un membre de votre entreprise." in response.content.decode()
    assert _state(*midi_leads) == before


def test_a_sales_rep_gets_404_and_anonymous_the_login(client, midi_leads, midi_team):
    Lead.objects.filter(pk=midi_leads[0].pk).update(assigned_to_id=midi_team["rep"].pk)
    before = _state(*midi_leads)
    data = {"action": "mark_viewed", "leads": [midi_leads[0].pk]}

    anonymous = client.post(BULK, data)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/connexion/")
    client.force_login(midi_team["rep"])
    assert client.post(BULK, data).status_code == 404
    assert _state(*midi_leads) == before


def test_query_count_is_bounded_for_twenty_leads(
    client, midi_leads, midi_team, django_assert_max_num_queries
):
    template = midi_leads[0]
    for _ in range(17):
        clone = Lead.objects.get(pk=template.pk)
        clone.pk, clone.quote_id = None, None
        clone.save()
    ids = list(
        Lead.objects.filter(organization_id=midi_team["org_id"]).values_list("pk", flat=True)
    )
    assert len(ids) == 20
    client.force_login(midi_team["owner"])

    # Reads are constant; each lead costs its own writes (save, outbox event).
    with django_assert_max_num_queries(12 + 2 * 20):
        response = client.post(
            BULK, {"action": "assign", "assigned_to": midi_team["rep"].pk, "leads": ids}
        )
    assert response.status_code == 303
    assert Lead.objects.filter(pk__in=ids, assigned_to_id=midi_team["rep"].pk).count() == 20
