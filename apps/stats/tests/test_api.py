"""GET /api/v1/stats/…: the figures a user may see, 404 for anyone else's, 400 for bad dates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

YEAR = {
    "from": (timezone.localdate() - timedelta(days=364)).isoformat(),
    "to": timezone.localdate().isoformat(),
}


def _pro_url(slug: str, suffix: str = "") -> str:
    return f"/api/v1/stats/pros/{slug}/{suffix}"


def test_the_owner_reads_its_figures(api_as, facade_pros, midi_team, year_of_stats):
    response = api_as(midi_team["owner"]).get(_pro_url(facade_pros["midi"].slug), YEAR)
    assert response.status_code == 200
    body = response.json()
    assert body["pro"]["slug"] == facade_pros["midi"].slug
    assert (body["from"], body["to"]) == (YEAR["from"], YEAR["to"])
    assert len(body["daily"]) == 365
    assert body["totals"]["profile_views"] == sum(d["profile_views"] for d in body["daily"])
    funnel = [step["count"] for step in body["funnel"]]
    assert funnel[0] >= funnel[1] >= funnel[2] >= funnel[3] > funnel[4] > 0
    assert body["first_response"]["median_hours"] <= body["first_response"]["p90_hours"]
    assert sum(body["rating"]["histogram"].values()) == body["totals"]["reviews_published"]


def test_another_organization_or_an_unknown_slug_is_not_found(
    api_as, facade_pros, midi_team, garonne_owner, network, year_of_stats
):
    slug = facade_pros["midi"].slug
    for user in (garonne_owner, network["manager"]):
        for suffix in ("", "team/"):
            response = api_as(user).get(_pro_url(slug, suffix), YEAR)
            assert response.status_code == 404, (user.email, suffix)
            assert "totals" not in response.json() and "results" not in response.json()
    owner = api_as(midi_team["owner"])
    assert owner.get(_pro_url("entreprise-inconnue")).status_code == 404
    assert owner.get(_pro_url(facade_pros["garonne"].slug, "team/")).status_code == 404
    assert api_as(None).get(_pro_url(slug)).status_code == 401


def test_a_sales_rep_sees_only_its_own_line(api_as, facade_pros, midi_team, year_of_stats):
    rep = api_as(midi_team["rep"])
    slug = facade_pros["midi"].slug
    assert rep.get(_pro_url(slug), YEAR).status_code == 403
    lines = rep.get(_pro_url(slug, "team/"), YEAR).json()["results"]
    assert [line["user_id"] for line in lines] == [midi_team["rep"].pk]
    assert lines[0]["leads_assigned"] > 0
    everyone = api_as(midi_team["owner"]).get(_pro_url(slug, "team/"), YEAR).json()["results"]
    ids = {line["user_id"] for line in everyone}
    assert {midi_team["rep"].pk, midi_team["owner"].pk, midi_team["other_rep"].pk} <= ids
    sophie = next(line for line in everyone if line["user_id"] == midi_team["rep"].pk)
    assert sophie == lines[0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"to": "demain"}, "to"),
        ({"from": "2025-03-10", "to": "2025-03-01"}, "to"),
        ({"from": "0001-01-01", "to": "2025-03-01"}, "from"),
        ({"from": "2020-01-01", "to": "2025-03-01"}, "from"),
        ({"to": "2999-01-01"}, "to"),
        ({"from": "2025-01-01\x00"}, "from"),
    ],
)
def test_bad_periods_are_field_errors(api_as, facade_pros, midi_team, params, field):
    response = api_as(midi_team["owner"]).get(_pro_url(facade_pros["midi"].slug), params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0]  # a French sentence


def test_network_figures_for_its_managers_and_staff_only(
    api_as, network, other_network, midi_team, staff, advisor, year_of_stats, facade_pros
):
    url = f"/api/v1/stats/networks/{network['org'].pk}/"
    body = api_as(network["manager"]).get(url, YEAR).json()
    assert body["network"]["name"] == "Réseau Confort Habitat"
    assert body["totals"]["leads_received"] == sum(i["leads_received"] for i in body["installers"])
    assert {i["pro"]["slug"] for i in body["installers"]} == {
        facade_pros["garonne"].slug,
        facade_pros["rose"].slug,
    }
    assert api_as(staff).get(url, YEAR).status_code == 200
    assert api_as(advisor).get(url, YEAR).status_code == 200
    for stranger in (other_network["manager"], midi_team["owner"]):
        assert api_as(stranger).get(url).status_code == 404
    company = f"/api/v1/stats/networks/{midi_team['org_id']}/"
    assert api_as(staff).get(company).status_code == 404  # not a network
    huge = "/api/v1/stats/networks/99999999999999999999999/"
    assert api_as(network["manager"]).get(huge).status_code == 404
    bad = api_as(network["manager"]).get(url, {"from": "2025-02-30"})
    assert bad.status_code == 400 and "from" in bad.json()


def test_staff_read_any_pro(api_as, staff, moderator, facade_pros, year_of_stats):
    for user in (staff, moderator):
        response = api_as(user).get(_pro_url(facade_pros["midi"].slug), YEAR)
        assert response.status_code == 200
        assert response.json()["totals"]["leads_received"] > 0


def test_the_api_is_bounded_in_queries(
    api_as, facade_pros, midi_team, year_of_stats, django_assert_max_num_queries
):
    client = api_as(midi_team["owner"])
    with django_assert_max_num_queries(8):
        assert client.get(_pro_url(facade_pros["midi"].slug), YEAR).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(_pro_url(facade_pros["midi"].slug, "team/"), YEAR).status_code == 200
