"""Periodic jobs of the accounts context (Celery beat). Thin and idempotent."""

from celery import shared_task


@shared_task(name="accounts.retention_purge", ignore_result=True)
def retention_purge() -> dict[str, int]:
    """Daily: audit entries, expired token records and dead team invitations past retention."""
    from apps.accounts.services import retention_purge as purge

    return purge()
