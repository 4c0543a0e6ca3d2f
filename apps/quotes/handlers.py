"""Reactions of the quotes context to its own events: the e-mails to the homeowner.

They run after commit through the outbox (apps.core.outbox), at most once per event: with
the broker down the request is still recorded, and the e-mail leaves when it is back.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from apps.accounts import api as accounts
from apps.core.events import on
from apps.core.mail import send_templated
from apps.quotes.events import (
    QuoteCallLogged,
    QuoteClaimed,
    QuoteDispatchRequested,
    QuoteMarkedUnreachable,
    QuoteQualified,
    QuoteRejected,
    QuoteSubmissionAttached,
    QuoteSubmitted,
)
from apps.quotes.models import CallOutcome, QuoteKind, QuoteRequest, QuoteStatus, RejectionReason
from apps.quotes.selectors import category_names, quote_status_token
from apps.quotes.validators import phone_display


def _send(quote: QuoteRequest, *, template: str, subject: str, **extra) -> None:
    if not quote.email:  # anonymised in the meantime
        return
    status_path = reverse("quotes:status", args=[quote_status_token(quote.pk)])
    context = {
        "quote": quote,
        "is_callback": quote.kind == QuoteKind.CALLBACK,
        "category_name": category_names().get(quote.category_slug, ""),
        "phone": phone_display(quote.phone),
        "status_url": settings.SITE_URL + status_path,
        **extra,
    }
    send_templated(
        to=quote.email, template=f"quotes/email/{template}", context=context, subject=subject
    )


@on(QuoteSubmitted)
def confirm_submission(event: QuoteSubmitted) -> None:
    quote = QuoteRequest.objects.filter(pk=event.quote_id).first()
    if quote is None:
        return
    what = "rappel" if quote.kind == QuoteKind.CALLBACK else "devis"
    _send(
        quote,
        template="submitted",
        subject=f"Votre demande de {what} {quote.reference} est bien reçue",
        # "Mes projets": a single-use link that opens (or creates) the homeowner's account.
        account_url=accounts.magic_link_url(email=quote.email),
    )


@on(QuoteSubmissionAttached)
def notify_attached_submission(event: QuoteSubmissionAttached) -> None:
    # To the address on file of the earlier request, with its own link: whoever sent the
    # resubmission learns nothing of it unless they read that mailbox.
    quote = QuoteRequest.objects.filter(pk=event.quote_id).first()
    if quote is None or quote.anonymised_at is not None:
        return
    _send(
        quote,
        template="attached",
        subject=f"Votre message a été ajouté à votre demande {quote.reference}",
    )


@on(QuoteRejected)
def notify_rejection(event: QuoteRejected) -> None:
    # An address typed into a spam submission belongs to someone who asked for nothing.
    if event.reason == RejectionReason.SPAM:
        return
    quote = QuoteRequest.objects.filter(pk=event.quote_id).first()
    if quote is None or quote.anonymised_at is not None:  # erased: nobody to write to
        return
    _send(
        quote,
        template="rejected",
        subject=f"Votre demande {quote.reference} ne peut pas être transmise",
        reason=RejectionReason(event.reason).label,
    )


@on(QuoteMarkedUnreachable)
def notify_unreachable(event: QuoteMarkedUnreachable) -> None:
    quote = QuoteRequest.objects.filter(pk=event.quote_id).first()
    if quote is None:
        return
    _send(
        quote,
        template="unreachable",
        subject=f"Nous n'avons pas réussi à vous joindre ({quote.reference})",
    )


@on(QuoteDispatchRequested)
def notify_dispatch(event: QuoteDispatchRequested) -> None:
    quote = QuoteRequest.objects.filter(pk=event.quote_id).first()
    if quote is None:
        return
    _send(
        quote,
        template="dispatched",
        subject=f"Votre projet {quote.reference} est transmis à des artisans",
        pros=list(quote.dispatches.all()),
    )


# --- Audit log: what the advisors did (read by staff) ---------------------------------------


def _status_label(status: str) -> str:
    return str(QuoteStatus(status).label) if status in QuoteStatus.values else status


def _audit(event, *, action: str, summary: str, at: str, **details) -> None:
    accounts.audit_record(
        actor_id=event.advisor_id,
        action=action,
        summary=summary,
        target_type="quote",
        target_ref=event.reference,
        occurred_at=at,
        details=details,
    )


@on(QuoteClaimed)
def audit_claim(event: QuoteClaimed) -> None:
    _audit(
        event,
        action="quotes.claim",
        summary=f"Prise en charge (la demande était « {_status_label(event.from_status)} »)",
        at=event.claimed_at,
        from_status=event.from_status,
    )


@on(QuoteCallLogged)
def audit_call(event: QuoteCallLogged) -> None:
    outcome = CallOutcome(event.outcome).label if event.outcome in CallOutcome.values else ""
    _audit(
        event,
        action="quotes.call",
        summary=f"Appel noté : {outcome or event.outcome}",
        at=event.called_at,
        outcome=event.outcome,
        call_id=event.call_id,
    )


@on(QuoteQualified)
def audit_qualify(event: QuoteQualified) -> None:
    _audit(
        event,
        action="quotes.qualify",
        summary=f"Demande qualifiée ({event.category_slug}, {event.postcode})",
        at=event.qualified_at,
        category=event.category_slug,
    )


@on(QuoteRejected)
def audit_reject(event: QuoteRejected) -> None:
    label = RejectionReason(event.reason).label if event.reason in RejectionReason.values else ""
    _audit(
        event,
        action="quotes.reject",
        summary=f"Demande refusée : {label or event.reason}",
        at=event.rejected_at,
        reason=event.reason,
    )


@on(QuoteDispatchRequested)
def audit_dispatch(event: QuoteDispatchRequested) -> None:
    _audit(
        event,
        action="quotes.dispatch",
        summary=f"Demande transmise à : {', '.join(event.pro_slugs)}",
        at=event.requested_at,
        pros=list(event.pro_slugs),
    )
