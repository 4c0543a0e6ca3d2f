"""A sales rep's e-mail address stays inside their company: the lead API names the assignee
to everyone who may read the lead, but gives the address only to members of the
receiving organization (not to the network that routed it, nor to Eldo's advisors)."""

from __future__ import annotations

import pytest

from apps.leads.models import Lead


@pytest.fixture
def routed_by_the_network(world, db):
    Lead.objects.filter(pk=world.ids["lead_id"]).update(network_id=world.ids["network_id"])
    return world.ids["lead_id"]


def _assignees(client_as, role, lead_id):
    client = client_as(role, api=True)
    detail = client.get(f"/api/v1/leads/{lead_id}/")
    listed = client.get("/api/v1/leads/")
    assert detail.status_code == 200 and listed.status_code == 200, role
    rows = [row for row in listed.json()["results"] if row["id"] == lead_id]
    return [detail.json()["assigned_to"], *(row["assigned_to"] for row in rows)]


@pytest.mark.parametrize("role", ["network_manager", "advisor"])
def test_outsiders_see_the_name_not_the_address(client_as, world, routed_by_the_network, role):
    rep = world.users["pro_sales_rep"]
    for assignee in _assignees(client_as, role, routed_by_the_network):
        assert assignee["full_name"] == rep.get_full_name()
        assert assignee["email"] is None
    body = client_as(role, api=True).get("/api/v1/leads/").content.decode()
    assert rep.email not in body


@pytest.mark.parametrize("role", ["pro_owner", "pro_manager"])
def test_the_company_sees_its_rep_s_address(client_as, world, routed_by_the_network, role):
    rep = world.users["pro_sales_rep"]
    for assignee in _assignees(client_as, role, routed_by_the_network):
        assert assignee["email"] == rep.email
