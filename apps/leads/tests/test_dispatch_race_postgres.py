"""Two deliveries of the same dispatch at the same moment, on PostgreSQL with one
connection each (a redelivery racing the first delivery): each lead exists once and each
pro gets one e-mail.

Runs in CI's services pass (DATABASE_URL, REDIS_URL); skipped otherwise, saying why.
"""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection

from apps.core import outbox
from apps.core.models import OutboxEvent
from apps.leads import services
from apps.leads.models import Lead
from apps.quotes import services as quote_services

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dispatched_quote(make_quote, advisor, facade_pros, midi_team, garonne_owner, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the race is meaningful on PostgreSQL only (row locks, READ COMMITTED)")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = False  # deliveries are driven by the test
    quote = make_quote()
    quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    quote_services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    quote_services.quote_dispatch(
        quote_id=quote.pk, actor=advisor.actor, pro_slugs=["facades-du-midi", "enduits-de-garonne"]
    )
    return quote


def _concurrently(target, times: int = 2) -> list[BaseException]:
    barrier = threading.Barrier(times)
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait(10)
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors


def test_concurrent_dispatch_and_deliveries_create_each_lead_once_and_mail_once(
    dispatched_quote, advisor, facade_pros
):
    # One test only: a transactional test flushes the module's geography when it ends.
    pro_ids = [facade_pros["midi"].id, facade_pros["garonne"].id]
    errors = _concurrently(
        lambda: services.leads_dispatch_for_quote(
            quote_id=dispatched_quote.pk, pro_ids=pro_ids, advisor_id=advisor.pk
        )
    )
    assert not errors, errors
    assert Lead.objects.filter(quote_id=dispatched_quote.pk).count() == 2
    assert OutboxEvent.objects.filter(name="leads.LeadDispatched").count() == 2

    # The relay delivers the dispatch event twice at once: still two leads.
    mail.outbox = []
    event = OutboxEvent.objects.get(name="quotes.QuoteDispatchRequested")
    assert not _concurrently(lambda: outbox.deliver(event.pk))
    assert Lead.objects.filter(quote_id=dispatched_quote.pk).count() == 2
    # Each LeadDispatched delivered twice at once: one e-mail per pro.
    for dispatched in OutboxEvent.objects.filter(name="leads.LeadDispatched"):
        assert not _concurrently(lambda d=dispatched: outbox.deliver(d.pk))
    pro_mails = [m for m in mail.outbox if m.subject.startswith("Nouvelle demande")]
    assert len(pro_mails) == 2
