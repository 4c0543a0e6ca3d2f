"""Periodic jobs of the reviews context (Celery beat). Thin and idempotent."""

from celery import shared_task


@shared_task(name="reviews.invitation_reminders_send", ignore_result=True)
def invitation_reminders_send() -> int:
    """Queue the reminders due (the pro's schedule, 7 and 14 days by default) inside the
    pro's sending hours; hourly."""
    from apps.reviews.invitations import invitation_reminders_send as send

    return send()


@shared_task(name="reviews.aggregates_refresh_all", ignore_result=True)
def aggregates_refresh_all() -> int:
    """Recompute every pro's score: recency weights decay with time; daily."""
    from apps.reviews.aggregates import aggregates_rebuild

    return aggregates_rebuild()


@shared_task(name="reviews.retention_purge", ignore_result=True)
def retention_purge() -> dict[str, int]:
    """Daily: invitations' customer data and reviewers' IP addresses past retention."""
    from apps.reviews.privacy import retention_purge as purge

    return purge()


@shared_task(name="reviews.scheduled_invitations_send", ignore_result=True)
def scheduled_invitations_send() -> int:
    """Hourly: Eldo's "avis vérifié" invitations whose date came (leads marked won)."""
    from apps.reviews.automatic import scheduled_invitations_send as send

    return send()


@shared_task(name="reviews.queued_invitations_send", ignore_result=True)
def queued_invitations_send() -> int:
    """Twice an hour: invitations created outside their pro's sending hours, once open."""
    from apps.reviews.sending import queued_invitations_send as send

    return send()


@shared_task(name="reviews.weekly_digests_send", ignore_result=True)
def weekly_digests_send() -> int:
    """Daily at 08:00: each company's review digest, sent by the week's first run."""
    from apps.reviews.digest import weekly_digests_send as send

    return send()
