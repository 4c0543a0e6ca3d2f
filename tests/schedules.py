"""Beat schedules as tests read them: daily jobs run at one fixed time of day (a crontab),
never every 24 hours from whenever beat last started (tests/deploy/test_beat_schedule.py
checks the first run of each against a fresh scheduler)."""

from __future__ import annotations

from celery.schedules import crontab


def once_a_day(schedule: object) -> bool:
    """A crontab that fires once a day, every day: one hour, one minute, no day filter."""
    return (
        isinstance(schedule, crontab)
        and len(schedule.hour) == 1
        and len(schedule.minute) == 1
        and len(schedule.day_of_week) == 7
        and len(schedule.day_of_month) == 31
        and len(schedule.month_of_year) == 12
    )
