"""The advisors' promise "rappel sous 4 h ouvrées": the first call is recorded on the
request, and the queue says which requests are about to break the promise or broke it."""

from __future__ import annotations

import re
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.quotes import selectors, services
from apps.quotes.models import QuoteRequest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

PARIS = ZoneInfo("Europe/Paris")
QUEUE = "/conseiller/demandes/"


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_the_first_call_is_recorded_once(advisor, make_quote):
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    first = paris(2026, 12, 7, 10, 5)
    services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="no_answer", now=first)
    services.quote_call_log(
        quote_id=quote.pk, actor=advisor.actor, outcome="reached", now=paris(2026, 12, 7, 14, 0)
    )
    assert QuoteRequest.objects.get(pk=quote.pk).first_call_at == first


def test_the_first_call_of_a_request_that_becomes_unreachable_is_kept(
    advisor, make_quote, settings
):
    settings.QUOTES_MAX_FAILED_CALLS = 1
    quote = make_quote()
    services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    moment = paris(2026, 12, 7, 10, 5)
    services.quote_call_log(quote_id=quote.pk, actor=advisor.actor, outcome="voicemail", now=moment)
    quote.refresh_from_db()
    assert (quote.status, quote.first_call_at) == ("unreachable", moment)


@pytest.mark.parametrize(
    ("now", "state", "minutes_left"),
    [
        (paris(2026, 12, 11, 16, 30), "on_time", 210),  # Friday, 30 min after the request
        (paris(2026, 12, 12, 11, 0), "on_time", 120),  # Saturday: the clock stands still
        (paris(2026, 12, 14, 10, 15), "due_soon", 45),  # Monday morning
        (paris(2026, 12, 14, 11, 0), "breached", 0),  # Friday 16 h + 4 business hours
    ],
)
def test_where_a_request_stands_against_the_promise(make_quote, settings, now, state, minutes_left):
    settings.QUOTES_CALLBACK_PROMISE_HOURS = 4
    settings.QUOTES_CALLBACK_WARNING_MINUTES = 60
    quote = make_quote()
    quote.created_at = paris(2026, 12, 11, 16, 0)
    promise = selectors.callback_promise(quote, now=now)
    assert promise.deadline == paris(2026, 12, 14, 11, 0)
    assert (promise.state, promise.minutes_left) == (state, minutes_left)


def test_no_promise_once_called_or_closed(advisor, make_quote):
    quote = make_quote()
    quote.first_call_at = timezone.now()
    assert selectors.callback_promise(quote, now=timezone.now()) is None
    quote.first_call_at, quote.status = None, "rejected"
    assert selectors.callback_promise(quote, now=timezone.now()) is None


def test_the_queue_flags_breached_and_due_requests_with_words(
    client, advisor, make_quote, settings, django_assert_max_num_queries
):
    settings.QUOTES_CALLBACK_PROMISE_HOURS = 4
    now = paris(2026, 12, 14, 10, 30)  # a Monday
    client.force_login(advisor)
    late = make_quote()
    QuoteRequest.objects.filter(pk=late.pk).update(created_at=paris(2026, 12, 11, 15, 0))
    with (
        mock.patch("django.utils.timezone.now", return_value=now),
        django_assert_max_num_queries(20) as one_row,
    ):
        client.get(QUEUE)
    soon = make_quote()
    fine = make_quote()
    called = make_quote()
    QuoteRequest.objects.filter(pk=soon.pk).update(created_at=paris(2026, 12, 11, 16, 0))
    QuoteRequest.objects.filter(pk=fine.pk).update(created_at=paris(2026, 12, 14, 9, 45))
    QuoteRequest.objects.filter(pk=called.pk).update(
        created_at=paris(2026, 12, 11, 9, 0), first_call_at=paris(2026, 12, 11, 9, 30)
    )
    # The promise is computed from the rows already read: no query per request.
    with (
        mock.patch("django.utils.timezone.now", return_value=now),
        django_assert_max_num_queries(len(one_row.captured_queries)),
    ):
        page = client.get(QUEUE).content.decode()
    rows = {
        ref: row
        for row in re.findall(r"<tr class=.*?</tr>", page, re.S)
        for ref in [re.search(r"ELD-\d{4}-\d{6}", row)[0]]
    }
    assert "Promesse dépassée" in rows[late.reference]
    assert "quote-queue__row--breached" in rows[late.reference]
    assert "Rappel dû dans 30 min" in rows[soon.reference]
    assert "quote-queue__row--due-soon" in rows[soon.reference]
    for quiet in (fine.reference, called.reference):
        assert "Promesse dépassée" not in rows[quiet] and "Rappel dû" not in rows[quiet]
    assert "appelé le 11/12 09:30" in rows[called.reference]
    assert "rappel sous 4 h ouvrées" in page
