"""Time from a request to the advisor's first call, against the promise "rappel sous 4 h
ouvrées", in the staff statistics (fed by quotes.QuoteSubmitted and QuoteCallLogged)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.quotes import services as quote_services
from apps.stats import selectors, services
from apps.stats.models import QuoteFact

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
WEEK = selectors.Period(start=date(2026, 11, 23), end=date(2026, 11, 29))


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def _request(quote_id: int, submitted: datetime, called: datetime | None = None, **steps):
    services.quote_submitted_record(
        quote_id=quote_id, kind="quote", target_pro_id=None, submitted_at=submitted
    )
    if called is not None:
        services.quote_first_call_record(quote_id=quote_id, called_at=called.isoformat())
    for step, at in steps.items():
        services.quote_step_record(quote_id=quote_id, step=step, at=at.isoformat())


def test_median_and_share_within_the_promise_in_business_hours(settings):
    settings.QUOTES_CALLBACK_PROMISE_HOURS = 4
    # Monday 10 h, called at 11 h: 1 business hour.
    _request(1, paris(2026, 11, 23, 10), paris(2026, 11, 23, 11), qualified=paris(2026, 11, 23, 12))
    # Friday 17 h, called Monday 10 h: 2 business hours (the weekend does not count).
    _request(2, paris(2026, 11, 27, 17), paris(2026, 11, 30, 10))
    # Tuesday 9 h, called Tuesday 15 h: 6 business hours, promise broken.
    _request(3, paris(2026, 11, 24, 9), paris(2026, 11, 24, 15))
    # Wednesday 9 h, never called and still waiting: broken.
    _request(4, paris(2026, 11, 25, 9))
    # Rejected as spam without a call: not counted.
    _request(5, paris(2026, 11, 25, 9), rejected=paris(2026, 11, 25, 9, 30))
    # Called twice: the earliest call counts (events in any order).
    _request(6, paris(2026, 11, 26, 9), paris(2026, 11, 26, 12))
    services.quote_first_call_record(quote_id=6, called_at=paris(2026, 11, 26, 9, 30).isoformat())
    assert QuoteFact.objects.get(quote_id=6).first_call_at == paris(2026, 11, 26, 9, 30)

    figures = selectors.first_call_figures(period=WEEK, now=paris(2026, 12, 3, 12))
    assert figures["promise_hours"] == 4
    assert figures["called"] == 4  # 1, 2, 6 and 0.5 business hours
    assert figures["median_business_hours"] == 1.5
    assert figures["within_promise"] == 3
    assert figures["late_not_called"] == 1
    assert figures["within_rate"] == 60.0  # 3 of (4 called + 1 still waiting past the promise)

    # A request still within its promise is pending, not a failure.
    _request(7, paris(2026, 11, 29, 20))  # Sunday evening: due Monday 13 h
    figures = selectors.first_call_figures(period=WEEK, now=paris(2026, 11, 30, 12))
    assert figures["pending"] == 1


def test_a_logged_call_reaches_the_staff_page(
    client, staff, advisor, make_quote, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        quote = make_quote()
    with django_capture_on_commit_callbacks(execute=True):
        quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
        quote_services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="reached")
    fact = QuoteFact.objects.get(quote_id=quote.pk)
    assert fact.first_call_at is not None
    client.force_login(staff)
    page = client.get("/conseiller/statistiques/").content.decode()
    section = page[page.index('data-figure="first_call_median"') :]
    assert re.search(r'class="stat__value">[\d,]+ h ouvrées<', section)
    assert "Rappelés sous 4 h ouvrées (promesse)" in page
