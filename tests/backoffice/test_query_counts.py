"""The signed-in pages measured at scale keep the same number of SQL queries whatever the
amount of data behind them: the largest pro's dashboard, lead inbox and twelve months of
statistics, the advisors' queue and the network's dashboard, each with a little data
(3 leads, reviews, installers, months) then ten times more (30).

A query added per row (an N+1) shows here before it shows in the benchmark at 10x
(bench/README.md).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.directory.tests.factories import make_pro
from apps.leads.models import NetworkInstaller
from apps.leads.tests.factories import LeadFactory
from apps.quotes import services as quote_services
from apps.reviews.tests.factories import ReviewFactory
from apps.stats.models import LeadFact, ProDay
from apps.stats.tests.conftest import (  # noqa: F401  (fixtures)
    directory_data,
    facade_pros,
    homeowner,
    make_quote,
    midi_team,
    network,
    other_advisor,
    payload,
)

pytestmark = pytest.mark.django_db

STATUSES = ["sent", "viewed", "contacted", "quote_sent", "won", "lost"]


def _queries(client, url: str, params: dict | None = None) -> list[str]:
    """The SQL of one GET (after a first one: the session and caches are warm)."""
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return [q["sql"] for q in captured.captured_queries]


def _same_count(small: list[str], more: list[str]) -> None:
    assert len(more) == len(small), "\n".join(
        ["queries with more data:", *more, "", "with a little:", *small]
    )


def _leads(pro, n: int, *, start: int = 0, **fields) -> None:
    now = timezone.now()
    for index in range(start, start + n):
        status = STATUSES[index % len(STATUSES)]
        LeadFactory(
            pro=pro,
            status=status,
            created_at=now - timedelta(days=index % 300, hours=1),
            contacted_at=now - timedelta(days=index % 300) if status != "sent" else None,
            **fields,
        )


def test_the_pro_dashboard(client, facade_pros, midi_team):  # noqa: F811
    midi = facade_pros["midi"]
    client.force_login(midi_team["owner"])
    _leads(midi, 3, assigned_to_id=midi_team["owner"].pk)
    ReviewFactory.create_batch(3, pro_id=midi.id)
    small = _queries(client, "/espace-pro/")
    _leads(midi, 27, start=3, assigned_to_id=midi_team["owner"].pk)
    ReviewFactory.create_batch(27, pro_id=midi.id)
    _same_count(small, _queries(client, "/espace-pro/"))


def test_the_pro_dashboard_reads_who_the_person_is_once(client, facade_pros, midi_team):  # noqa: F811
    """The actor (account and memberships, one query) serves the leads' scope and the
    header's menu; the back office's organizations are the only other memberships read."""
    client.force_login(midi_team["owner"])
    _leads(facade_pros["midi"], 3, assigned_to_id=midi_team["owner"].pk)
    queries = _queries(client, "/espace-pro/")
    memberships = [sql for sql in queries if '"accounts_membership"' in sql]
    assert len(memberships) == 2, "\n\n".join(memberships)


def test_the_lead_inbox(client, facade_pros, midi_team):  # noqa: F811
    midi = facade_pros["midi"]
    client.force_login(midi_team["owner"])
    _leads(midi, 3, assigned_to_id=midi_team["rep"].pk)
    small = _queries(client, "/espace-pro/demandes/")
    # More leads than a page, assigned to every member, some to nobody.
    _leads(midi, 9, start=3, assigned_to_id=midi_team["other_rep"].pk)
    _leads(midi, 9, start=12, assigned_to_id=midi_team["owner"].pk)
    _leads(midi, 9, start=21)
    _same_count(small, _queries(client, "/espace-pro/demandes/"))
    assert _queries(client, "/espace-pro/demandes/", {"page": "2"})


def _months_of_stats(pro, months: int, leads: int) -> None:
    today = timezone.localdate()
    ProDay.objects.bulk_create(
        ProDay(
            pro_id=pro.id,
            day=today - timedelta(days=offset),
            profile_views=10,
            search_impressions=70,
            leads_received=1,
            leads_won=offset % 2,
            reviews_published=1,
            stars_5=1,
        )
        for offset in range(0, months * 30, 3)
    )
    now = timezone.now()
    LeadFact.objects.bulk_create(
        LeadFact(
            lead_id=-(LeadFact.objects.count() + n + 1),
            pro_id=pro.id,
            organization_id=pro.organization_id,
            dispatched_at=now - timedelta(days=(n * 11) % (months * 30)),
            first_response_at=now - timedelta(days=(n * 11) % (months * 30), hours=-2),
            status="won" if n % 3 == 0 else "contacted",
            assigned_to_id=None,
        )
        for n in range(leads)
    )


def test_twelve_months_of_statistics(client, facade_pros, midi_team):  # noqa: F811
    client.force_login(midi_team["owner"])
    today = timezone.localdate()
    year = {"from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()}
    _months_of_stats(facade_pros["midi"], 3, 3)
    small = _queries(client, "/espace-pro/statistiques/", year)
    ProDay.objects.all().delete()
    _months_of_stats(facade_pros["midi"], 12, 30)
    _same_count(small, _queries(client, "/espace-pro/statistiques/", year))


def test_the_advisors_queue(client, advisor, make_quote):  # noqa: F811
    client.force_login(advisor)
    for _ in range(3):
        quote_services.quote_claim(quote_id=make_quote().pk, actor=advisor.actor)
    small = _queries(client, "/conseiller/demandes/")
    for n in range(27):
        quote = make_quote()
        if n % 2:
            quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    _same_count(small, _queries(client, "/conseiller/demandes/"))


def _installers(network_id: int, names: list[str]) -> None:
    for name in names:
        pro = make_pro(name)
        NetworkInstaller.objects.create(
            network_id=network_id, pro_id=pro.id, department_codes=["31"]
        )
        _leads(pro, 1, network_id=network_id, external_id=f"RCH-{pro.id}")


def test_the_network_dashboard(client, directory_data, network):  # noqa: F811
    network_id = network["org"].pk
    client.force_login(network["manager"])
    _installers(network_id, [f"Installateur {n}" for n in range(3)])
    small = _queries(client, "/espace-pro/reseau/")
    _installers(network_id, [f"Installateur {n}" for n in range(3, 30)])
    _same_count(small, _queries(client, "/espace-pro/reseau/"))
