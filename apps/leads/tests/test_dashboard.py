"""The pro dashboard opens on the leads waiting for a first contact: new and overdue ones,
with the client's name, the commune, the age and the countdown to the deadline; the inbox
shows name, commune, age and status (cards under 640 px: tests/e2e)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.leads.models import Lead

pytestmark = pytest.mark.django_db

DASHBOARD = "/espace-pro/"


@pytest.fixture
def waiting(dispatch, midi_team):
    """Three leads of Façades du Midi: a fresh one, one 50 h old (late), one contacted."""
    fresh = Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk)
    late = Lead.objects.get(quote_id=dispatch(["facades-du-midi"], first_name="Jean").pk)
    done = Lead.objects.get(quote_id=dispatch(["facades-du-midi"], first_name="Paul").pk)
    Lead.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(hours=50))
    Lead.objects.filter(pk=done.pk).update(status="contacted")
    return {"fresh": fresh, "late": late, "done": done}


def test_the_dashboard_opens_on_new_and_overdue_leads(
    client, waiting, midi_team, django_assert_max_num_queries
):
    client.force_login(midi_team["owner"])
    with django_assert_max_num_queries(26):
        page = client.get(DASHBOARD).content.decode()
    assert "Demandes à traiter" in page and "1 en retard" in page
    todo = page.split('id="todo-title"', 1)[1].split("</section>", 1)[0]
    assert f"/espace-pro/demandes/{waiting['fresh'].pk}/" in todo
    assert f"/espace-pro/demandes/{waiting['late'].pk}/" in todo
    assert f"/espace-pro/demandes/{waiting['done'].pk}/" not in todo
    assert "Luce Moreau" in todo and "Jean Moreau" in todo and "Toulouse" in todo
    assert "À contacter sous 47 h" in todo or "À contacter sous 48 h" in todo
    assert "En retard de 2 h" in todo or "En retard de 3 h" in todo
    assert todo.index("Jean Moreau") < todo.index("Luce Moreau")  # the oldest first
    assert "Nouvelle" in todo


def test_a_sales_rep_sees_its_own_leads_only(client, waiting, midi_team):
    Lead.objects.filter(pk=waiting["fresh"].pk).update(assigned_to_id=midi_team["rep"].pk)
    client.force_login(midi_team["rep"])
    todo = client.get(DASHBOARD).content.decode().split('id="todo-title"', 1)[1]
    assert "Luce Moreau" in todo and "Jean Moreau" not in todo


def test_nothing_waiting_says_so(client, facade_pros, midi_team):
    client.force_login(midi_team["owner"])
    assert "Aucune demande en attente" in client.get(DASHBOARD).content.decode()


def test_the_inbox_shows_name_commune_age_and_status(client, waiting, midi_team):
    client.force_login(midi_team["owner"])
    page = client.get("/espace-pro/demandes/").content.decode()
    before, after = page.split(f"/espace-pro/demandes/{waiting['late'].pk}/", 1)
    row = before.rsplit("<tr", 1)[1] + after.split("</tr>", 1)[0]
    assert "Jean Moreau" in row and "Toulouse (31000)" in row
    assert "il y a 2" in row and "Nouvelle" in row
    assert 'data-label="Statut"' in row
