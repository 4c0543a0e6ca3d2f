from celery import shared_task

from apps.quotes import services


@shared_task(name="quotes.anonymise_inactive", ignore_result=True)
def anonymise_inactive() -> int:
    """Daily (beat): personal data of requests inactive for three years is anonymised."""
    return services.quotes_anonymise_inactive()
