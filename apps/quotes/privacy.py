"""GDPR for the quotes context: a homeowner's requests in the export, and their erasure.

Requests are matched by the e-mail address they were made with (they carry no account):
the account's address, trusted because accounts are created by staff or invitation.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from apps.accounts.events import UserErased
from apps.core.events import on
from apps.core.privacy import iso, register_exporter
from apps.quotes import services
from apps.quotes.models import QuoteCall, QuoteDispatchChoice, QuoteRequest
from apps.quotes.selectors import category_names, quote_ids_for_contact


def export_for(*, user_id: int, email: str) -> list[dict[str, Any]]:
    """Each request made with this address: the project, the contact, what became of it."""
    ids = quote_ids_for_contact(email)
    if not ids:
        return []
    names = category_names()
    quotes = (
        QuoteRequest.objects.filter(pk__in=ids)
        .prefetch_related(
            Prefetch("calls", queryset=QuoteCall.objects.order_by("created_at", "id")),
            Prefetch("dispatches", queryset=QuoteDispatchChoice.objects.order_by("position")),
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "reference": quote.reference,
            "kind": quote.kind,
            "status": quote.status,
            "status_label": str(quote.get_status_display()),
            "category": names.get(quote.category_slug, quote.category_slug),
            "description": quote.description,
            "postcode": quote.postcode,
            "commune": quote.commune_name,
            "address": quote.address,
            "budget_range": quote.budget_range,
            "timeline": quote.timeline,
            "property_type": quote.property_type,
            "pro_note": quote.pro_note,
            "first_name": quote.first_name,
            "last_name": quote.last_name,
            "email": quote.email,
            "phone": quote.phone,
            "callback_slot": quote.callback_slot,
            "consent_text": quote.consent_text,
            "consent_at": iso(quote.consent_at),
            "created_at": iso(quote.created_at),
            "qualified_at": iso(quote.qualified_at),
            "dispatched_at": iso(quote.dispatched_at),
            "closed_at": iso(quote.closed_at),
            "rejection_reason": quote.rejection_reason,
            "rejection_note": quote.rejection_note,
            "calls": [
                {"at": iso(call.created_at), "outcome": call.outcome} for call in quote.calls.all()
            ],
            "pros": [{"name": d.pro_name, "slug": d.pro_slug} for d in quote.dispatches.all()],
        }
        for quote in quotes
    ]


register_exporter("quote_requests", export_for)


@on(UserErased)
def erase_quote_requests(event: UserErased) -> None:
    """The homeowner's requests are closed and anonymised (leads follow on the event)."""
    services.quotes_erase_for_contact(email_sha256=event.email_sha256)
