"""Back-office pages: the inbox, a lead (viewed on open, status, assignment, notes), the
network's view; other organizations get 404; bounded query counts."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.template import Context, Template

from apps.leads.models import Lead

pytestmark = pytest.mark.django_db

INBOX = "/espace-pro/demandes/"


@pytest.fixture
def lead(dispatch, facade_pros, midi_team):
    quote = dispatch(["facades-du-midi"])
    return Lead.objects.get(quote_id=quote.pk)


def test_owner_opens_a_lead_marks_it_contacted_and_assigns_it(client, lead, midi_team):
    client.force_login(midi_team["owner"])
    page = client.get(INBOX)
    assert page.status_code == 200
    assert f"/espace-pro/demandes/{lead.pk}/" in page.content.decode()
    detail = client.get(f"{INBOX}{lead.pk}/")
    body = detail.content.decode()
    assert detail.status_code == 200
    assert "+33612345678" in body and "Luce" in body
    # Opening the page (a link preview, a prefetch) changes nothing; the page's POST does.
    lead.refresh_from_db()
    assert lead.status == "sent" and lead.viewed_at is None
    assert 'name="action" value="viewed"' in body
    # The page's script gets a 204 and reloads; the button without JavaScript, the page.
    marked = client.post(
        f"{INBOX}{lead.pk}/", {"action": "viewed"}, headers={"X-Requested-With": "fetch"}
    )
    assert marked.status_code == 204
    again = client.post(f"{INBOX}{lead.pk}/", {"action": "viewed"})
    assert again.status_code == 302 and again["Location"] == f"{INBOX}{lead.pk}/"
    lead.refresh_from_db()
    assert lead.status == "viewed" and lead.viewed_at
    response = client.post(f"{INBOX}{lead.pk}/", {"action": "status", "status": "contacted"})
    assert response.status_code == 302
    client.post(f"{INBOX}{lead.pk}/", {"action": "assign", "assigned_to": midi_team["rep"].pk})
    client.post(f"{INBOX}{lead.pk}/", {"action": "note", "note": "Visite prévue mardi."})
    lead.refresh_from_db()
    assert lead.status == "contacted" and lead.assigned_to_id == midi_team["rep"].pk
    assert lead.notes.get().body == "Visite prévue mardi."
    # An invalid transition is a French message, not an error page.
    response = client.post(
        f"{INBOX}{lead.pk}/", {"action": "status", "status": "sent"}, follow=True
    )
    assert response.status_code == 200
    assert "Statut inconnu" in response.content.decode()


def test_the_sales_rep_sees_its_leads_only(client, lead, midi_team):
    client.force_login(midi_team["rep"])
    assert f"/espace-pro/demandes/{lead.pk}/" not in client.get(INBOX).content.decode()
    assert client.get(f"{INBOX}{lead.pk}/").status_code == 404
    Lead.objects.filter(pk=lead.pk).update(assigned_to_id=midi_team["rep"].pk)
    assert client.get(f"{INBOX}{lead.pk}/").status_code == 200
    assert Lead.objects.get(pk=lead.pk).status == "sent"  # a GET writes nothing
    # The page's POST by the rep counts as viewed.
    client.post(f"{INBOX}{lead.pk}/", {"action": "viewed"})
    assert Lead.objects.get(pk=lead.pk).status == "viewed"


def test_other_organizations_get_404(client, lead, garonne_owner, homeowner):
    client.force_login(garonne_owner)
    assert client.get(INBOX).status_code == 200
    assert client.get(f"{INBOX}{lead.pk}/").status_code == 404
    client.force_login(homeowner)
    assert client.get(INBOX).status_code == 404
    assert Lead.objects.get(pk=lead.pk).status == "sent"


def test_inbox_filters_and_query_count(client, dispatch, midi_team, django_assert_max_num_queries):
    for _ in range(5):
        dispatch(["facades-du-midi"])
    Lead.objects.filter(pk=Lead.objects.order_by("id").first().pk).update(status="viewed")
    client.force_login(midi_team["owner"])
    with django_assert_max_num_queries(16):
        page = client.get(INBOX, {"status": "sent"})
    assert page.content.decode().count('class="lead-row') == 4
    with django_assert_max_num_queries(16):
        client.get(INBOX)


@pytest.mark.parametrize(
    ("created_at", "iso", "on", "at"),
    [
        # 23:30 UTC is already the next day in Paris: winter (+01:00), then summer (+02:00).
        ("2024-01-31T23:30:00+00:00", "2024-02-01T00:30:00+01:00", "01/02/2024", "00:30"),
        ("2024-06-30T22:30:00+00:00", "2024-07-01T00:30:00+02:00", "01/07/2024", "00:30"),
    ],
)
def test_inbox_shows_when_a_lead_arrived_in_paris_time(
    client, lead, midi_team, created_at, iso, on, at
):
    received = datetime.fromisoformat(created_at)
    Lead.objects.filter(pk=lead.pk).update(created_at=received)
    client.force_login(midi_team["owner"])
    body = client.get(INBOX).content.decode()
    since = Template("{{ received|timesince }}").render(Context({"received": received}))
    assert f'<time datetime="{iso}" title="{on} {at}">il y a {since}</time>' in body
    assert f"reçue le {on})</label>" in body


def test_network_page_lists_routed_leads(client, network, facade_pros, api_as):
    from apps.leads import services

    services.network_installer_ensure(network_id=network["org"].pk, pro_id=facade_pros["midi"].id)
    response = api_as(network["manager"]).post(
        "/api/v1/leads/inbound/",
        {
            "external_id": "RCH-77",
            "category": "facade",
            "postcode": "31000",
            "first_name": "Jeanne",
            "email": "jeanne@exemple.fr",
            "phone": "0611223344",
            "description": "Reprise d'enduit sur pignon.",
        },
        format="json",
    )
    assert response.status_code == 201
    client.force_login(network["manager"])
    page = client.get("/espace-pro/reseau/demandes/")
    assert page.status_code == 200
    assert "RCH-77" in page.content.decode() and "Façades du Midi" in page.content.decode()
