"""The pro's inbox API: who sees what, status rules (409), assignment, notes, query counts."""

from __future__ import annotations

import pytest

from apps.leads.models import Lead

pytestmark = pytest.mark.django_db

BASE = "/api/v1/leads/"


@pytest.fixture
def lead(dispatch, facade_pros, midi_team):
    quote = dispatch(["facades-du-midi", "enduits-de-garonne"])
    return Lead.objects.get(quote_id=quote.pk, pro_id=facade_pros["midi"].id)


def test_owner_sees_the_company_leads_with_the_homeowner_contact(api_as, lead, midi_team):
    api = api_as(midi_team["owner"])
    listing = api.get(BASE).json()
    assert listing["count"] == 1
    assert listing["results"][0]["id"] == lead.pk
    assert listing["results"][0]["pro"]["slug"] == "facades-du-midi"
    detail = api.get(f"{BASE}{lead.pk}/").json()
    assert detail["contact"]["first_name"] == "Luce"
    assert detail["contact"]["phone"] == "+33612345678"


def test_a_sales_rep_sees_only_the_leads_assigned_to_it(api_as, lead, midi_team):
    rep = api_as(midi_team["rep"])
    assert rep.get(BASE).json()["count"] == 0
    assert rep.get(f"{BASE}{lead.pk}/").status_code == 404
    response = api_as(midi_team["owner"]).patch(
        f"{BASE}{lead.pk}/", {"assigned_to": midi_team["rep"].pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["assigned_to"]["email"] == "sophie@facades-du-midi.fr"
    assert rep.get(BASE).json()["count"] == 1
    assert api_as(midi_team["other_rep"]).get(f"{BASE}{lead.pk}/").status_code == 404
    # A sales rep works its lead but does not reassign it.
    assert rep.patch(f"{BASE}{lead.pk}/", {"status": "contacted"}, format="json").status_code == 200
    response = rep.patch(
        f"{BASE}{lead.pk}/", {"assigned_to": midi_team["other_rep"].pk}, format="json"
    )
    assert response.status_code == 403


def test_other_organizations_and_homeowners_get_404(api_as, lead, garonne_owner, homeowner):
    for user in (garonne_owner, homeowner):
        api = api_as(user)
        assert api.get(f"{BASE}{lead.pk}/").status_code == 404
        assert (
            api.patch(f"{BASE}{lead.pk}/", {"status": "viewed"}, format="json").status_code == 404
        )
    # Garonne sees its own lead of the same request, not Midi's.
    ids = [row["id"] for row in api_as(garonne_owner).get(BASE).json()["results"]]
    assert lead.pk not in ids and len(ids) == 1
    assert api_as(None).get(BASE).status_code == 401


def test_advisors_read_leads_without_the_contact(api_as, lead, advisor):
    detail = api_as(advisor).get(f"{BASE}{lead.pk}/").json()
    assert detail["contact"] is None
    response = api_as(advisor).patch(f"{BASE}{lead.pk}/", {"status": "viewed"}, format="json")
    assert response.status_code == 403


def test_lifecycle_timestamps_and_invalid_transitions(api_as, lead, midi_team):
    api = api_as(midi_team["owner"])
    url = f"{BASE}{lead.pk}/"
    assert api.patch(url, {"status": "won"}, format="json").status_code == 409
    assert api.patch(url, {"status": "expired"}, format="json").status_code == 400
    assert api.patch(url, {"status": "declined"}, format="json").status_code == 400  # reason
    for status in ("viewed", "contacted", "quote_sent", "won"):
        response = api.patch(url, {"status": status}, format="json")
        assert response.status_code == 200, (status, response.content)
    body = response.json()
    assert body["status"] == "won"
    assert (
        body["viewed_at"] and body["contacted_at"] and body["quote_sent_at"] and body["closed_at"]
    )
    assert [t["to_status"] for t in body["transitions"]] == [
        "viewed",
        "contacted",
        "quote_sent",
        "won",
    ]
    response = api.patch(url, {"status": "lost"}, format="json")
    assert response.status_code == 409
    assert "Gagnée" in response.json()["detail"]


def test_decline_with_a_reason_and_notes(api_as, lead, midi_team):
    api = api_as(midi_team["owner"])
    url = f"{BASE}{lead.pk}/"
    response = api.patch(
        url,
        {"status": "declined", "reason": "Trop loin", "note": "Rappelé, hors zone."},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "declined" and body["reason"] == "Trop loin"
    assert body["notes"][0]["body"] == "Rappelé, hors zone."


def test_assignment_to_someone_outside_the_company_is_refused(
    api_as, lead, midi_team, garonne_owner
):
    response = api_as(midi_team["owner"]).patch(
        f"{BASE}{lead.pk}/", {"assigned_to": garonne_owner.pk}, format="json"
    )
    assert response.status_code == 400
    assert "assigned_to" in response.json()


def test_list_filters_and_bounded_queries(
    api_as, dispatch, midi_team, django_assert_max_num_queries
):
    for _ in range(4):
        dispatch(["facades-du-midi"])
    owner = api_as(midi_team["owner"])
    first = Lead.objects.order_by("id").first()
    owner.patch(f"{BASE}{first.pk}/", {"assigned_to": midi_team["rep"].pk}, format="json")
    assert owner.get(BASE, {"assigned_to": midi_team["rep"].pk}).json()["count"] == 1
    assert owner.get(BASE, {"assigned_to": "none"}).json()["count"] == 3
    assert owner.get(BASE, {"status": "sent"}).json()["count"] == 4
    assert owner.get(BASE, {"status": "bof"}).status_code == 400
    with django_assert_max_num_queries(12):
        response = owner.get(BASE, {"page_size": 50})
    assert response.json()["count"] == 4
