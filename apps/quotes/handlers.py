"""Reactions of the quotes context to its own events: the e-mails to the homeowner.

They run after commit through the outbox (apps.core.outbox), at most once per event: with
the broker down the request is still recorded, and the e-mail leaves when it is back.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from apps.core.events import on
from apps.quotes.events import (
    QuoteDispatchRequested,
    QuoteMarkedUnreachable,
    QuoteRejected,
    QuoteSubmitted,
)
from apps.quotes.models import QuoteKind, QuoteRequest, RejectionReason
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
        "site_url": settings.SITE_URL,
        **extra,
    }
    send_mail(
        subject=subject,
        message=render_to_string(f"quotes/email/{template}.txt", context),
        from_email=None,
        recipient_list=[quote.email],
        html_message=render_to_string(f"quotes/email/{template}.html", context),
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
    )


@on(QuoteRejected)
def notify_rejection(event: QuoteRejected) -> None:
    # An address typed into a spam submission belongs to someone who asked for nothing.
    if event.reason == RejectionReason.SPAM:
        return
    quote = QuoteRequest.objects.filter(pk=event.quote_id).first()
    if quote is None:
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
