"""Business hours ("heures ouvrées"): Monday to Friday, 09:00 to 18:00, Europe/Paris.

Pure functions of aware datetimes, used for the advisors' promise "rappel sous 4 h
ouvrées" (quotes' queue, the staff statistics). Opening and closing times are local wall
clock times, so a day keeps its nine hours across the daylight-saving changes (which
happen at night); durations are measured in UTC. Public holidays are not taken out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
OPENS = time(9, 0)
CLOSES = time(18, 0)
WORKDAYS = frozenset(range(5))  # Monday = 0 … Friday = 4


def _window(day: date) -> tuple[datetime, datetime] | None:
    """The business window of a local date, in UTC (None on weekends)."""
    if day.weekday() not in WORKDAYS:
        return None
    return (
        datetime.combine(day, OPENS, tzinfo=PARIS).astimezone(UTC),
        datetime.combine(day, CLOSES, tzinfo=PARIS).astimezone(UTC),
    )


def business_seconds_between(start: datetime, end: datetime) -> float:
    """Business time elapsed from ``start`` to ``end`` in seconds (0 if end <= start)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(PARIS).date()
    last = end.astimezone(PARIS).date()
    while day <= last:
        window = _window(day)
        if window is not None:
            low, high = max(start, window[0]), min(end, window[1])
            if high > low:
                total += (high - low).total_seconds()
        day += timedelta(days=1)
    return total


def business_deadline(start: datetime, hours: float) -> datetime:
    """The moment when ``hours`` business hours have elapsed since ``start`` (UTC)."""
    remaining = timedelta(hours=hours)
    start = start.astimezone(UTC)
    day = start.astimezone(PARIS).date()
    while True:
        window = _window(day)
        if window is not None:
            low = max(start, window[0])
            if low < window[1]:
                if low + remaining <= window[1]:
                    return low + remaining
                remaining -= window[1] - low
        day += timedelta(days=1)
