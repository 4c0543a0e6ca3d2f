"""Celery beat's first run of every periodic job, from a fresh scheduler.

Beat's schedule file is not kept across releases (an emptyDir; the beat pod is recreated
by every deploy), so each release starts a scheduler with no memory. A `timedelta(days=1)`
entry would then first run 24 h after the start, i.e. never on an environment deployed
more than once a day. Daily and longer jobs are crontabs at a fixed Paris hour: whatever
the start time, their first run is their next slot.

The scheduler here is Celery's own (celery.beat.Scheduler over the settings'
CELERY_BEAT_SCHEDULE), with the clock set to each start time.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from celery.beat import Scheduler
from celery.schedules import crontab, schedule
from django.conf import settings

from eldo.celery import app

PARIS = ZoneInfo("Europe/Paris")
# Starts across the day, a month boundary, and both daylight-saving changes.
STARTS = [
    datetime(2026, 3, 10, 0, 5, tzinfo=PARIS),
    datetime(2026, 3, 10, 3, 9, tzinfo=PARIS),
    datetime(2026, 3, 10, 3, 11, tzinfo=PARIS),
    datetime(2026, 6, 30, 23, 59, tzinfo=PARIS),
    datetime(2026, 3, 28, 22, 0, tzinfo=PARIS),
    datetime(2026, 10, 24, 22, 0, tzinfo=PARIS),
    datetime(2026, 12, 3, 14, 47, tzinfo=PARIS),
]
# The retention and housekeeping jobs the seed of the bug named: they must stay daily slots.
DAILY_JOBS = {
    "core-outbox-purge",
    "accounts-retention",
    "reviews-retention",
    "quotes-anonymise-inactive",
    "reviews-scores",
    "directory-checks-daily",
}


def _next_slot(cron: crontab, after: datetime) -> datetime:
    """The first minute strictly after ``after`` (Paris wall clock) that the crontab names,
    found by walking the minutes: independent of Celery's own arithmetic."""
    moment = after.astimezone(PARIS).replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(60 * 24 * 62):
        if (
            moment.minute in cron.minute
            and moment.hour in cron.hour
            and moment.isoweekday() % 7 in cron.day_of_week
            and moment.day in cron.day_of_month
            and moment.month in cron.month_of_year
        ):
            return moment
        moment = (moment.astimezone(UTC) + timedelta(minutes=1)).astimezone(PARIS)
    raise AssertionError(f"{cron} has no slot within two months of {after}")


def test_beat_runs_in_paris_time():
    assert settings.CELERY_TIMEZONE == "Europe/Paris"
    assert str(app.timezone) == "Europe/Paris"


def test_no_entry_waits_a_day_or_more_from_its_start():
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        every = entry["schedule"]
        if isinstance(every, timedelta):
            assert every < timedelta(days=1), f"{name}: a daily job must be a crontab"
        else:
            assert isinstance(every, crontab), name
    for name in DAILY_JOBS:
        assert isinstance(settings.CELERY_BEAT_SCHEDULE[name]["schedule"], crontab), name
    # 02:00-03:00 Paris is skipped in March and repeated in October: a job at named hours
    # would not run, or run twice, that day (every-hour crontabs only lose or repeat a turn).
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        schedule = entry["schedule"]
        if isinstance(schedule, crontab) and len(schedule.hour) < 24:
            assert 2 not in schedule.hour, name


@pytest.mark.parametrize("start", STARTS, ids=lambda d: d.strftime("%Y-%m-%dT%H:%M"))
def test_a_fresh_scheduler_runs_every_job_at_its_slot(start):
    clock = {"now": start.astimezone(UTC)}
    with mock.patch.object(type(app), "now", lambda self: clock["now"]):
        scheduler = Scheduler(app=app, lazy=False, max_interval=300)
        entries = {
            name: entry
            for name, entry in scheduler.schedule.items()
            if name in settings.CELERY_BEAT_SCHEDULE
        }
        assert set(entries) == set(settings.CELERY_BEAT_SCHEDULE)

        for name, entry in entries.items():
            due, _ = entry.is_due()
            assert not due, f"{name} ran at the scheduler's start {start}"
            remaining = entry.schedule.remaining_estimate(entry.last_run_at)
            first_run = clock["now"] + remaining
            if isinstance(entry.schedule, crontab):
                expected = _next_slot(entry.schedule, start)
                assert abs(first_run - expected) < timedelta(seconds=1), (name, start, first_run)
                assert remaining <= timedelta(days=1), name
                assert first_run.astimezone(PARIS).hour in entry.schedule.hour
            else:
                assert isinstance(entry.schedule, schedule)
                assert entry.schedule.run_every < timedelta(days=1), name
                assert remaining <= entry.schedule.run_every, name

            # One second before its slot it is not due; at its slot it is.
            clock["now"] = first_run - timedelta(seconds=1)
            assert not entry.is_due()[0], (name, start)
            clock["now"] = first_run + timedelta(seconds=1)
            assert entry.is_due()[0], (name, start)
            clock["now"] = start.astimezone(UTC)


def test_daily_jobs_run_every_day_when_beat_restarts_every_five_hours():
    """The bug itself: each release restarts beat with no memory; a job must still run
    once a day, in whichever window between two restarts holds its slot."""
    restarts = [
        datetime(2026, 5, 4, 0, 0, tzinfo=PARIS) + timedelta(hours=5 * n) for n in range(15)
    ]
    days = {(restarts[0] + timedelta(days=d)).date() for d in range(3)}
    for name in DAILY_JOBS:
        cron = settings.CELERY_BEAT_SCHEDULE[name]["schedule"]
        runs = [
            _next_slot(cron, start)
            for start, restart in itertools.pairwise(restarts)
            if _next_slot(cron, start) < restart
        ]
        assert {run.date() for run in runs} == days, name
        assert len(runs) == len(days), name
