"""Lead dispatch against real services (CI's services pass): a PostgreSQL test database, a
private redis-server stopped while the advisor dispatches, and a real Celery worker.

The dispatch commits (the request is `dispatched`, its event waits in the outbox) although
the broker is down; once Redis is back the sweep reaches the worker, which creates the
leads, e-mails each pro's members once and tells the homeowner once — and relaying every
event again sends nothing more.
"""

from __future__ import annotations

import email
from email.header import decode_header, make_header
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.core.models import OutboxEvent
from apps.leads.models import Lead
from apps.quotes.models import QuoteChannel, QuoteRequest
from tests.integration.support import wait_until_worker_idle
from tests.waiting import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SEPARATOR = "-" * 79


def sent_mails(mail_dir: Path) -> list[dict]:
    """Every message the worker's file backend wrote: subject (decoded) and recipients."""
    mails = []
    for path in sorted(mail_dir.iterdir()):
        for chunk in path.read_text().split(SEPARATOR):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.lstrip("\n"))
            mails.append(
                {
                    "subject": str(make_header(decode_header(message["Subject"] or ""))),
                    "to": {a.strip() for a in (message["To"] or "").split(",") if a.strip()},
                }
            )
    return mails


@pytest.fixture
def qualified_request(broker_and_worker):
    """With the worker running: Haute-Garonne and the trades (the database is flushed after
    each test), two façade pros with their teams, and a request qualified by an advisor."""
    from apps.accounts.tests.factories import MembershipFactory, UserFactory
    from apps.directory.services import categories_sync
    from apps.directory.tests.factories import make_pro
    from apps.quotes import services as quote_services

    call_command("load_geography", departments="31", stdout=StringIO())
    categories_sync()
    midi = make_pro("Façades du Midi", departments=("31",), rating=(4.8, 40))
    garonne = make_pro("Enduits de Garonne", departments=("31",), rating=(4.5, 12))
    for user_email, pro, role in (
        ("philippe@facades-du-midi.fr", midi, "owner"),
        ("sophie@facades-du-midi.fr", midi, "sales_rep"),
        ("marc@enduits-garonne.fr", garonne, "owner"),
    ):
        MembershipFactory(
            user=UserFactory(email=user_email), organization_id=pro.organization_id, role=role
        )
    advisor = UserFactory(email="camille.durand@eldo.test", first_name="Camille", advisor=True)
    quote = quote_services.quote_submit(
        channel=QuoteChannel.API,
        kind="quote",
        category="facade",
        description="Ravalement complet de la façade d'une maison de 120 m², enduit à refaire.",
        postcode="31000",
        first_name="Luce",
        last_name="Moreau",
        email="luce.moreau@exemple.fr",
        phone="06 12 34 56 78",
        consent=True,
        budget_range="5k_15k",
        timeline="3_months",
    ).quote
    quote_services.quote_claim(quote_id=quote.pk, actor=advisor.actor)
    quote_services.quote_qualify(quote_id=quote.pk, actor=advisor.actor, changes={})
    return {"quote": quote, "advisor": advisor, "midi": midi, "garonne": garonne}


def test_dispatch_with_redis_down_commits_then_every_email_goes_out_exactly_once(
    qualified_request, broker_and_worker
):
    redis, mail_dir = broker_and_worker
    quote = qualified_request["quote"]
    # The confirmation e-mail of the submission reached the worker: the pipeline runs.
    assert wait_for(lambda: any(mail_dir.iterdir()), timeout=30)
    assert wait_for(
        lambda: not OutboxEvent.objects.filter(delivered_at__isnull=True).exists(), timeout=30
    )
    before = len(sent_mails(mail_dir))
    wait_until_worker_idle(redis)  # nothing in flight: with the broker down, nothing can run

    redis.stop()  # the broker is unreachable while the advisor dispatches
    client = APIClient()
    client.force_authenticate(qualified_request["advisor"])
    response = client.post(
        f"/api/v1/quotes/{quote.reference}/dispatch/",
        {"pros": ["facades-du-midi", "enduits-de-garonne"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    # Committed: the request is dispatched and its event waits in the outbox.
    assert QuoteRequest.objects.get(pk=quote.pk).status == "dispatched"
    pending = OutboxEvent.objects.get(name="quotes.QuoteDispatchRequested")
    assert pending.delivered_at is None
    assert len(sent_mails(mail_dir)) == before  # nothing could leave

    redis.start()  # the broker is back: beat's periodic sweep reaches the real worker
    from apps.core.tasks import outbox_deliver, outbox_sweep

    def pro_mails() -> list[dict]:
        return [m for m in sent_mails(mail_dir) if m["subject"].startswith("Nouvelle demande")]

    def swept_until_pros_mailed() -> bool:
        try:
            outbox_sweep.delay()
        except Exception:
            return False  # worker or broker still reconnecting
        return wait_for(lambda: len(pro_mails()) >= 2, timeout=3)

    assert wait_for(swept_until_pros_mailed, timeout=90), "the worker never sent the leads"
    leads = Lead.objects.filter(quote_id=quote.pk)
    assert {lead.pro_id for lead in leads} == {
        qualified_request["midi"].id,
        qualified_request["garonne"].id,
    }
    assert wait_for(
        lambda: not OutboxEvent.objects.filter(delivered_at__isnull=True).exists(), timeout=30
    )

    # Relaying every event again (a sweep after a lost ack, direct deliveries) changes nothing.
    outbox_sweep.delay()
    for event_id in OutboxEvent.objects.values_list("id", flat=True):
        outbox_deliver.delay(str(event_id))
    wait_until_worker_idle(redis)  # every redelivery ran, and what it sent in turn

    assert Lead.objects.filter(quote_id=quote.pk).count() == 2
    mails = sent_mails(mail_dir)[before:]
    by_pro = sorted(sorted(m["to"]) for m in mails if m["subject"].startswith("Nouvelle demande"))
    assert by_pro == [
        ["marc@enduits-garonne.fr"],
        ["philippe@facades-du-midi.fr", "sophie@facades-du-midi.fr"],
    ]
    homeowner = [m for m in mails if "luce.moreau@exemple.fr" in m["to"]]
    assert len(homeowner) == 1, [m["subject"] for m in homeowner]
    assert "transmis à des artisans" in homeowner[0]["subject"]
    assert len(mails) == 3  # two pros, one homeowner: nothing else, nothing twice
    assert all(lead.notified_at is not None for lead in leads.all())
