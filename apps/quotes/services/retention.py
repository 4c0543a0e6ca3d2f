"""Personal data: anonymised after the retention period without activity (CNIL), or at
once on the homeowner's erasure (GDPR)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import publish
from apps.core.privacy import rows_with_email_digest
from apps.quotes.events import QuoteRejected, QuoteRequestsAnonymised
from apps.quotes.models import (
    QuoteCall,
    QuoteNote,
    QuoteRequest,
    QuoteStatus,
    QuoteTransition,
    RejectionReason,
)
from apps.quotes.services._common import OPEN_STATUSES


def retention_period() -> timedelta:
    """Personal data of a request without activity for this long is anonymised (CNIL)."""
    return timedelta(days=int(getattr(settings, "QUOTES_RETENTION_DAYS", 3 * 365)))


def quotes_anonymise_inactive(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Erase the personal data of requests without activity for the retention period.

    What identifies or describes the homeowner goes (names, e-mail, phone, address, the
    free texts of the request, of the calls and of the refusal); what the statistics need
    stays (category, postcode, commune, département, budget, timeline, status, dates,
    chosen pros). Idempotent; works in batches so that a large backlog never holds a long
    transaction.
    """
    now = now or timezone.now()
    cutoff = now - retention_period()
    total = 0
    while True:
        ids = list(
            QuoteRequest.objects.filter(anonymised_at__isnull=True, last_activity_at__lt=cutoff)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return total
        with transaction.atomic():
            _quotes_anonymise(ids, now=now, reason="retention")
        total += len(ids)


def _quotes_anonymise(ids: list[int], *, now: datetime, reason: str) -> None:
    """Empty what identifies or describes the homeowner in these requests (one batch).

    Called inside a transaction; the leads context drops its copies on the event.
    """
    QuoteRequest.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(
        first_name="",
        last_name="",
        email="",
        phone="",
        address="",
        description="",
        rejection_note="",
        pro_note="",
        anonymised_at=now,
    )
    QuoteCall.objects.filter(quote_id__in=ids).update(notes="")
    QuoteNote.objects.filter(quote_id__in=ids).update(body="")
    QuoteTransition.objects.filter(quote_id__in=ids).update(note="")
    publish(
        QuoteRequestsAnonymised(quote_ids=list(ids), reason=reason, anonymised_at=now.isoformat())
    )


# Not yet final: on erasure these leave the queue (an unreachable one may be claimed again).
_NOT_FINAL = (*OPEN_STATUSES, QuoteStatus.UNREACHABLE)


@transaction.atomic
def quotes_erase_for_contact(*, email_sha256: str, now: datetime | None = None) -> list[int]:
    """GDPR erasure: the requests made with the address whose
    ``apps.core.privacy.email_digest`` is ``email_sha256`` are closed and anonymised.

    An open request leaves the advisors' queue as "rejected: cancelled" (nobody can call
    a person whose number is gone); statistics keep what retention keeps. Idempotent.
    """
    if not email_sha256:
        return []
    now = now or timezone.now()
    # Only the requests not anonymised yet are hashed (retention empties the others).
    quotes = list(
        rows_with_email_digest(
            QuoteRequest.objects.select_for_update().filter(anonymised_at__isnull=True),
            field="email",
            digest=email_sha256,
        ).order_by("pk")
    )
    if not quotes:
        return []
    ids = [q.pk for q in quotes]
    _quotes_anonymise(ids, now=now, reason="erasure")
    still_open = [q for q in quotes if q.status in _NOT_FINAL]
    if still_open:
        QuoteRequest.objects.filter(pk__in=[q.pk for q in still_open]).update(
            status=QuoteStatus.REJECTED,
            rejection_reason=RejectionReason.CANCELLED,
            next_call_at=None,
            closed_at=now,
            last_activity_at=now,
        )
        QuoteTransition.objects.bulk_create(
            QuoteTransition(
                quote_id=q.pk,
                from_status=q.status,
                to_status=QuoteStatus.REJECTED,
                actor_id=None,
                note=str(_("Compte supprimé à la demande du particulier (RGPD)")),
                created_at=now,
            )
            for q in still_open
        )
        # Closed like any refusal for the statistics and the audit log (no advisor: the
        # homeowner's erasure); the homeowner is not written to (the address is gone).
        for q in still_open:
            publish(
                QuoteRejected(
                    quote_id=q.pk,
                    reference=q.reference,
                    reason=RejectionReason.CANCELLED,
                    advisor_id=None,
                    rejected_at=now.isoformat(),
                )
            )
    return ids
