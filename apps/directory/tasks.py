"""Periodic jobs of the directory context (Celery beat). Thin and idempotent."""

from celery import shared_task


@shared_task(name="directory.checks_daily", ignore_result=True)
def checks_daily() -> dict[str, int]:
    """Daily: verified checks past their validity expire (their label or insurance switches
    off and the cached pages are rebuilt), then the 30- and 7-day reminders are sent, once
    each (docs/verification.md)."""
    from apps.directory.verification.checks import checks_expire, expiry_reminders_send

    return {"expired": checks_expire(), "reminders": expiry_reminders_send()}
