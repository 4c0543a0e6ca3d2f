"""Facts from events, and idempotent daily roll-ups: what the pro's figures are made of."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core import counters
from apps.leads import services as lead_services
from apps.leads.models import Lead
from apps.reviews import invitations
from apps.stats import selectors, services
from apps.stats.models import CounterDay, LeadFact, PlatformDay, ProDay

pytestmark = pytest.mark.django_db


def _today_period():
    today = timezone.localdate()
    return selectors.Period(start=today, end=today)


def _around_today():
    """Yesterday to tomorrow: a test's events an hour apart may straddle midnight."""
    today = timezone.localdate()
    return selectors.Period(start=today - timedelta(days=1), end=today + timedelta(days=1))


def _day_row(pro_id):
    return ProDay.objects.get(pro_id=pro_id, day=timezone.localdate())


def test_counter_flushes_become_the_pros_daily_visibility(
    facade_pros, django_capture_on_commit_callbacks
):
    midi, garonne = facade_pros["midi"], facade_pros["garonne"]
    for _ in range(3):
        counters.counter_incr("directory.ProProfileViewed", midi.slug)
    counters.counter_incr_many("directory.SearchImpression", [midi.slug, garonne.slug, "inconnu"])
    with django_capture_on_commit_callbacks(execute=True):
        counters.counters_flush()
    counters.counter_incr("directory.ProProfileViewed", midi.slug)
    with django_capture_on_commit_callbacks(execute=True):
        counters.counters_flush()

    row = _day_row(midi.id)
    assert (row.profile_views, row.search_impressions) == (4, 1)
    assert _day_row(garonne.id).search_impressions == 1
    totals = selectors.pro_summary(pro_id=midi.id, period=_today_period())["totals"]
    assert totals["profile_views"] == 4


def test_a_lead_worked_at_the_pro_moves_its_funnel_and_response_time(
    facade_pros, midi_team, dispatch, django_capture_on_commit_callbacks
):
    midi = facade_pros["midi"]
    dispatch([midi.slug])
    lead = Lead.objects.get(pro_id=midi.id)
    owner = midi_team["owner"].actor
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_update(actor=owner, lead_id=lead.pk, assigned_to=midi_team["rep"].pk)
    rep = midi_team["rep"].actor
    later = timezone.now() + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_update(actor=rep, lead_id=lead.pk, status="contacted", now=later)
    with django_capture_on_commit_callbacks(execute=True):
        lead_services.lead_update(
            actor=rep, lead_id=lead.pk, status="quote_sent", now=later + timedelta(hours=1)
        )

    summary = selectors.pro_summary(pro_id=midi.id, period=_around_today())
    funnel = {step["step"]: step["count"] for step in summary["funnel"]}
    assert funnel == {
        "leads_received": 1,
        "leads_viewed": 1,
        "leads_contacted": 1,
        "leads_quote_sent": 1,
        "leads_won": 0,
        "leads_lost": 0,
    }
    assert summary["first_response"]["count"] == 1
    assert summary["first_response"]["median_hours"] < 0.1  # contacted a minute later
    team = selectors.team_summary(organization_id=midi_team["org_id"], period=_around_today())
    sophie = next(line for line in team if line["user_id"] == midi_team["rep"].pk)
    assert (sophie["leads_assigned"], sophie["contacted_within_24h"], sophie["won"]) == (1, 1, 0)
    karim = next(line for line in team if line["user_id"] == midi_team["other_rep"].pk)
    assert karim["leads_assigned"] == 0
    # The platform saw the request qualified and dispatched.
    day = PlatformDay.objects.get(day=timezone.localdate())
    assert (day.quote_requests, day.quotes_qualified, day.quotes_dispatched) == (1, 1, 1)


def test_a_redelivered_status_change_counts_once(facade_pros):
    midi = facade_pros["midi"]
    # Noon today: the dispatch three hours earlier is on the same day whenever the suite runs.
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    event = {
        "lead_id": 41,
        "pro_id": midi.id,
        "organization_id": midi.organization_id,
        "dispatched_at": (now - timedelta(hours=3)).isoformat(),
    }
    services.lead_dispatched_record(**event, network_id=None, source="quote")
    for _ in range(2):
        services.lead_status_record(**event, to_status="contacted", changed_at=now.isoformat())
    row = _day_row(midi.id)
    assert (row.leads_received, row.leads_viewed, row.leads_contacted) == (1, 1, 1)
    # An older event arriving late does not roll the status back.
    services.lead_status_record(
        **event, to_status="viewed", changed_at=(now - timedelta(hours=1)).isoformat()
    )
    fact = LeadFact.objects.get(lead_id=41)
    assert fact.status == "contacted"
    assert fact.first_response_at == now


def test_rolling_a_day_up_again_gives_the_same_rows(year_of_stats, facade_pros):
    def snapshot():
        return list(ProDay.objects.order_by("pro_id", "day").values())

    first = snapshot()
    platform = list(PlatformDay.objects.order_by("day").values())
    day = timezone.localdate() - timedelta(days=40)
    services.rollup(start=day, end=day)
    services.platform_rollup(start=day, end=day)
    services.rollup(start=day - timedelta(days=200), end=timezone.localdate())
    # Rows are rebuilt (new primary keys) with the same figures.
    strip = [{k: v for k, v in row.items() if k != "id"} for row in first]
    assert [{k: v for k, v in row.items() if k != "id"} for row in snapshot()] == strip
    assert [
        {k: v for k, v in row.items() if k != "id"}
        for row in PlatformDay.objects.order_by("day").values()
    ] == [{k: v for k, v in row.items() if k != "id"} for row in platform]
    # A lost row comes back identical.
    lost = ProDay.objects.filter(pro_id=facade_pros["midi"].id, day=day).first()
    assert lost is not None
    lost.delete()
    services.rollup(start=day, end=day, pro_ids=[facade_pros["midi"].id])
    assert [{k: v for k, v in row.items() if k != "id"} for row in snapshot()] == strip


def test_demo_backfill_is_idempotent(year_of_stats, facade_pros, midi_team, network):
    from apps.stats import demo as stats

    before = (LeadFact.objects.count(), ProDay.objects.count(), CounterDay.objects.count())
    again = stats.demo_seed(
        company_slug=facade_pros["midi"].slug,
        member_user_ids=[midi_team["rep"].pk],
        network_id=network["org"].pk,
        installer_slugs=[facade_pros["garonne"].slug],
    )
    assert again == 0
    assert (LeadFact.objects.count(), ProDay.objects.count(), CounterDay.objects.count()) == before
    year = selectors.Period(
        start=timezone.localdate() - timedelta(days=364), end=timezone.localdate()
    )
    summary = selectors.pro_summary(pro_id=facade_pros["midi"].id, period=year)
    assert summary["totals"]["profile_views"] > 5000
    assert 40 < summary["totals"]["collection_rate"] < 90
    assert len(summary["rating"]["trend"]) >= 12
    network_summary = selectors.network_summary(network_id=network["org"].pk, period=year)
    assert {i["pro"]["slug"] for i in network_summary["installers"]} == {
        facade_pros["garonne"].slug,
        facade_pros["rose"].slug,
    }


def test_a_review_invitation_sent_counts_in_the_collection_funnel(
    facade_pros, midi_team, django_capture_on_commit_callbacks, mailoutbox
):
    midi = facade_pros["midi"]
    with django_capture_on_commit_callbacks(execute=True):
        invitations.review_request_create(
            pro_id=midi.id,
            organization_id=midi.organization_id,
            created_by_id=midi_team["owner"].pk,
            customer_name="Jeanne Client",
            customer_email="jeanne.client@exemple.fr",
            work_description="Ravalement de façade",
            work_date=timezone.localdate() - timedelta(days=10),
        )
    assert len(mailoutbox) == 1
    totals = selectors.pro_summary(pro_id=midi.id, period=_today_period())["totals"]
    assert (totals["invitations_sent"], totals["reviews_collected"]) == (1, 0)
    assert totals["collection_rate"] == 0
