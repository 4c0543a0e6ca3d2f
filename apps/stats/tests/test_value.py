"""Lead value: the amounts pros enter with "Devis envoyé" and "Gagné" reach the statistics
through the leads' events — pipeline, won revenue, win rate in count and in euros, per
sales rep and per period — and the sums always equal the sums over the leads."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.leads import selectors as lead_selectors
from apps.leads import services as lead_services
from apps.leads.models import Lead
from apps.leads.tests.factories import LeadFactory
from apps.stats import selectors

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/pros/facades-du-midi/"


@pytest.fixture
def work(midi_team, django_capture_on_commit_callbacks):
    """Apply PATCH-like changes to a lead as the owner, running the events' handlers."""
    viewer = lead_selectors.viewer_for(midi_team["owner"])

    def run(lead_id: int, **changes):
        with django_capture_on_commit_callbacks(execute=True):
            lead_services.lead_update(viewer=viewer, lead_id=lead_id, **changes)

    return run


def test_value_in_the_api_the_team_and_the_page(
    api_as, client, dispatch, midi_team, work, django_assert_max_num_queries
):
    won, lost, pending = (
        Lead.objects.get(quote_id=dispatch(["facades-du-midi"]).pk) for _ in range(3)
    )
    work(won.pk, assigned_to=midi_team["rep"].pk)
    work(lost.pk, assigned_to=midi_team["other_rep"].pk)
    for lead, amount in ((won, "12500"), (lost, "8000"), (pending, "5000")):
        work(lead.pk, status="contacted")
        work(lead.pk, status="quote_sent", quote_amount=amount)
    work(won.pk, status="won", won_amount="13000")
    work(lost.pk, status="lost", reason_code="price")

    body = api_as(midi_team["owner"]).get(STATS).json()
    value = body["value"]
    assert value["quotes_sent"] == 3 and value["quotes_sent_amount"] == "25500.00"
    assert value["pipeline"] == 1 and value["pipeline_amount"] == "5000.00"
    assert value["won"] == 1 and value["won_amount"] == "13000.00"
    assert value["lost"] == 1 and value["lost_amount"] == "8000.00"
    assert value["win_rate"] == 50.0 and value["win_rate_amount"] == 61.9
    assert sum(Decimal(b["won_amount"]) for b in value["series"]) == Decimal("13000")

    team = api_as(midi_team["owner"]).get(f"{STATS}team/").json()["results"]
    by_name = {line["full_name"]: line["value"] for line in team}
    sophie = next(v for name, v in by_name.items() if name.startswith("Sophie"))
    karim = next(v for name, v in by_name.items() if name.startswith("Karim"))
    assert sophie["won_amount"] == "13000.00" and sophie["win_rate"] == 100.0
    assert karim["lost"] == 1 and karim["lost_amount"] == "8000.00" and karim["win_rate"] == 0.0
    # A sales rep reads its own line only, value included.
    mine = api_as(midi_team["rep"]).get(f"{STATS}team/").json()["results"]
    assert [line["value"]["won_amount"] for line in mine] == ["13000.00"]

    client.force_login(midi_team["owner"])
    with django_assert_max_num_queries(30):
        page = client.get("/espace-pro/statistiques/").content.decode()
    assert "Valeur des demandes" in page and "Chiffre d&#x27;affaires gagné" in page
    assert "13\u00a0000\u00a0€" in page and "5\u00a0000\u00a0€" in page
    assert 'id="chart-value' in page


FINAL_PATHS = {
    "sent": [],
    "contacted": ["contacted"],
    "appointment": ["contacted", "appointment"],
    "quote_sent": ["contacted", "quote_sent"],
    "quote_corrected": ["contacted", "quote_sent", "correct"],
    "won_after_quote": ["contacted", "quote_sent", "won"],
    "won_directly": ["contacted", "won"],
    "lost_after_quote": ["viewed", "quote_sent", "lost"],
    "lost_early": ["contacted", "lost"],
    "declined": ["declined"],
}
amounts = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False),
)
scripts = st.lists(
    st.tuples(
        st.sampled_from(sorted(FINAL_PATHS)),
        amounts,
        amounts,
        amounts,
        st.sampled_from(["rep", "other_rep", None]),
    ),
    min_size=1,
    max_size=5,
)


def _expected(leads: list[Lead], low, high) -> dict:
    def within(moment) -> bool:
        return moment is not None and low <= moment < high

    quoted = [lead for lead in leads if within(lead.quote_sent_at)]
    won = [lead for lead in leads if lead.status == "won" and within(lead.closed_at)]
    lost = [lead for lead in leads if lead.status == "lost" and within(lead.closed_at)]
    pending = [lead for lead in quoted if lead.status == "quote_sent"]
    return {
        "quotes_sent": len(quoted),
        "quotes_sent_amount": sum((lead.quote_amount or 0 for lead in quoted), Decimal(0)),
        "pipeline": len(pending),
        "pipeline_amount": sum((lead.quote_amount or 0 for lead in pending), Decimal(0)),
        "won": len(won),
        "won_amount": sum((lead.won_amount or 0 for lead in won), Decimal(0)),
        "lost": len(lost),
        "lost_amount": sum((lead.quote_amount or 0 for lead in lost), Decimal(0)),
    }


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=scripts)
def test_statistics_sums_equal_the_sums_over_leads(script, facade_pros, midi_team, work):
    pro = facade_pros["midi"]
    dispatched = timezone.now() - timedelta(days=1)
    for final, quote_amount, won_amount, correction, member in script:
        lead = LeadFactory(pro=pro, created_at=dispatched)
        if member:
            work(lead.pk, assigned_to=midi_team[member].pk)
        for step in FINAL_PATHS[final]:
            if step == "quote_sent":
                work(lead.pk, status=step, quote_amount=quote_amount)
            elif step == "won":
                work(lead.pk, status=step, won_amount=won_amount)
            elif step == "correct":
                work(lead.pk, quote_amount=correction)
            elif step == "declined":
                work(lead.pk, status=step, reason_code="unavailable")
            else:
                work(lead.pk, status=step)

    period = selectors.period_from_params({})
    low, high = selectors.day_bounds(period.start, period.end)
    leads = list(Lead.objects.filter(pro_id=pro.id))
    totals = selectors.pro_summary(pro_id=pro.id, period=period)["value"]["totals"]
    assert {k: totals[k] for k in _expected(leads, low, high)} == _expected(leads, low, high)
    series = selectors.pro_summary(pro_id=pro.id, period=period)["value"]["series"]
    assert sum(b["won_amount"] for b in series) == totals["won_amount"]
    assert sum(b["quotes_sent_amount"] for b in series) == totals["quotes_sent_amount"]
    # Per sales rep: each member's line is the sum over the leads assigned to it.
    team = selectors.team_summary(organization_id=pro.organization_id, period=period)
    for line in team:
        mine = [lead for lead in leads if lead.assigned_to_id == line["user_id"]]
        expected = _expected(mine, low, high)
        assert {k: line["value"][k] for k in expected} == expected
