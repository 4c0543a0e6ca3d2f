"""Business hours, Monday to Friday 09:00–18:00 Europe/Paris: weekends, nights, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.core.business_hours import PARIS, business_deadline, business_seconds_between


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        (paris(2026, 12, 7, 10, 0), paris(2026, 12, 7, 14, 0)),  # Monday morning: same day
        (paris(2026, 12, 8, 7, 0), paris(2026, 12, 8, 13, 0)),  # before opening
        (paris(2026, 12, 10, 20, 0), paris(2026, 12, 11, 13, 0)),  # evening: next morning
        (paris(2026, 12, 11, 16, 0), paris(2026, 12, 14, 11, 0)),  # Friday 16 h: Monday 11 h
        (paris(2026, 12, 12, 12, 0), paris(2026, 12, 14, 13, 0)),  # Saturday: Monday
        (paris(2026, 12, 13, 23, 59), paris(2026, 12, 14, 13, 0)),  # Sunday night
        (paris(2026, 12, 7, 17, 59), paris(2026, 12, 8, 12, 59)),  # one minute before closing
        # Spring forward (29 March 2026, a Sunday): Friday 16 h CET → Monday 11 h CEST.
        (paris(2026, 3, 27, 16, 0), paris(2026, 3, 30, 11, 0)),
        # Fall back (25 October 2026): Friday 17 h CEST → Monday 12 h CET.
        (paris(2026, 10, 23, 17, 0), paris(2026, 10, 26, 12, 0)),
    ],
)
def test_four_business_hours_later(start, deadline):
    assert business_deadline(start, 4) == deadline
    assert business_seconds_between(start, deadline) == 4 * 3600


def test_elapsed_business_time():
    friday_evening = paris(2026, 12, 11, 17, 0)
    assert business_seconds_between(friday_evening, paris(2026, 12, 14, 10, 0)) == 2 * 3600
    assert business_seconds_between(paris(2026, 12, 12, 9), paris(2026, 12, 13, 18)) == 0  # weekend
    assert business_seconds_between(paris(2026, 12, 7, 12), paris(2026, 12, 7, 11)) == 0
    assert business_seconds_between(paris(2026, 12, 7, 0), paris(2026, 12, 12, 0)) == 45 * 3600
    # Across the spring change: the short night does not shorten Monday's nine hours.
    assert business_seconds_between(paris(2026, 3, 27, 9), paris(2026, 3, 30, 18)) == 18 * 3600
    # Written in UTC: Friday 15:00 UTC is 16 h in Paris (CET), Monday 09:00 UTC is 11 h (CEST).
    start = paris(2026, 3, 27, 16).astimezone(UTC)
    assert business_seconds_between(start, start + timedelta(days=2, hours=18)) == 4 * 3600


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)),
    minutes=st.integers(min_value=0, max_value=60 * 100),
)
def test_the_deadline_is_exactly_that_much_business_time_later(start, minutes):
    start = start.replace(tzinfo=UTC)
    deadline = business_deadline(start, minutes / 60)
    assert deadline >= start
    assert business_seconds_between(start, deadline) == pytest.approx(minutes * 60)
    local = deadline.astimezone(PARIS)
    if minutes:  # a deadline falls inside a business window (or at its closing)
        assert local.weekday() < 5
        assert (9, 0) < (local.hour, local.minute) <= (18, 0) or local.second or local.microsecond
