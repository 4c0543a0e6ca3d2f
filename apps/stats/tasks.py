"""Periodic jobs of the stats context (Celery beat). Thin and idempotent."""

from datetime import date

from celery import shared_task

from apps.stats import services


@shared_task(name="stats.rollup", ignore_result=True)
def rollup(day: str = "") -> int:
    """Every 15 minutes: rebuild yesterday's and today's daily rows from the facts (the
    handlers already refresh the days they touch; this catches anything they missed).
    With ``day`` (ISO date): rebuild that day only — the same rows however often it runs."""
    if day:
        the_day = date.fromisoformat(day)
        services.platform_rollup(start=the_day, end=the_day)
        return services.rollup(start=the_day, end=the_day)
    return services.rollup_recent()
