from celery import shared_task

from apps.leads import services


@shared_task(name="leads.first_contact_check", ignore_result=True)
def first_contact_check() -> int:
    """Every 15 minutes (beat): reminders to pros, then alerts to advisors."""
    return services.leads_first_contact_check()
