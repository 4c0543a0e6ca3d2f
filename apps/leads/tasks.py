from celery import shared_task

from apps.leads import alerts, contact_check, services


@shared_task(name="leads.first_contact_check", ignore_result=True)
def first_contact_check() -> int:
    """Every 15 minutes (beat): reminders to pros, then alerts to advisors."""
    return services.leads_first_contact_check()


@shared_task(name="leads.alert_send", acks_late=True, ignore_result=True)
def alert_send(alert_id: int) -> str:
    """One new-lead alert (SMS or push); idempotent: a sent alert is never sent again."""
    return alerts.alert_send(alert_id=alert_id)


@shared_task(name="leads.alerts_send_due", ignore_result=True)
def alerts_send_due() -> int:
    """Every minute (beat): night-time SMS at 08:00, retries, alerts whose task was lost."""
    return alerts.alerts_send_due()


@shared_task(name="leads.contact_checks_send_due", ignore_result=True)
def contact_checks_send_due() -> int:
    """Every 15 minutes (beat): "L'artisan X vous a-t-il contacté ?" to the homeowners whose
    leads were dispatched LEADS_CONTACT_CHECK_HOURS ago; each lead is asked once."""
    return contact_check.contact_checks_send_due()


@shared_task(name="leads.webhook_send", acks_late=True, ignore_result=True)
def webhook_send(delivery_id: int) -> str:
    """One attempt of a signed webhook (apps/leads/webhooks.py); idempotent: a delivered,
    failed, claimed or not-yet-due delivery is left alone."""
    from apps.leads import webhooks

    return webhooks.delivery_send(delivery_id=delivery_id)


@shared_task(name="leads.webhooks_send_due", ignore_result=True)
def webhooks_send_due() -> int:
    """Every minute (beat): the webhook retries that are due, and deliveries whose task was lost."""
    from apps.leads import webhooks

    return webhooks.deliveries_send_due()
