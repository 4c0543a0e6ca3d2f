"""GDPR for the leads context: a homeowner's leads in the export, and their anonymisation.

An Eldo request's lead keeps no contact (it is read from quotes, anonymised there), but it
keeps a snapshot of the project description and the pro team's notes: both go when the
request is anonymised (``quotes.QuoteRequestsAnonymised``, on erasure or after the
retention period). A network's inbound lead stores the homeowner's contact itself: it is
emptied when that person erases their account (``accounts.UserErased``). What statistics
need stays: category, postcode, département, pro, statuses and their timestamps.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from apps.accounts import api as accounts
from apps.accounts.events import UserErased
from apps.core.events import on
from apps.core.privacy import iso, register_exporter, rows_with_email_digest
from apps.directory import api as directory
from apps.leads.models import Lead, LeadAlert, LeadNote, LeadSource
from apps.quotes import api as quotes
from apps.quotes.events import QuoteRequestsAnonymised


def _leads_of(email: str):
    email = (email or "").strip().lower()
    if not email:
        return Lead.objects.none()
    quote_ids = quotes.quote_ids_for_contact(email)
    return Lead.objects.filter(
        Q(source=LeadSource.INBOUND, email=email) | Q(quote_id__in=quote_ids)
    )


def export_for(*, user_id: int, email: str) -> list[dict[str, Any]]:
    """The leads made of this person's requests: which pro, and what the pro did."""
    leads = list(_leads_of(email).order_by("created_at", "pk"))
    pros = directory.pros_by_ids(sorted({lead.pro_id for lead in leads}))
    network_ids = sorted({lead.network_id for lead in leads if lead.network_id})
    networks = accounts.organizations_by_ids(network_ids) if network_ids else {}
    return [
        {
            "reference": lead.reference or lead.external_id,
            "source": lead.source,
            "pro": pros[lead.pro_id].name if lead.pro_id in pros else "",
            "network": networks[lead.network_id].name if lead.network_id in networks else None,
            "category": lead.category_slug,
            "postcode": lead.postcode,
            "description": lead.description,
            "first_name": lead.first_name,
            "last_name": lead.last_name,
            "email": lead.email,
            "phone": lead.phone,
            "status": lead.status,
            "created_at": iso(lead.created_at),
            "viewed_at": iso(lead.viewed_at),
            "contacted_at": iso(lead.contacted_at),
            "quote_sent_at": iso(lead.quote_sent_at),
            "closed_at": iso(lead.closed_at),
            "contact_check": lead.contact_check,
            "contact_check_answered_at": iso(lead.contact_check_answered_at),
            "contact_check_comment": lead.contact_check_comment,
        }
        for lead in leads
    ]


register_exporter("leads", export_for)


def _anonymise(leads) -> int:
    ids = list(leads.values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        Lead.objects.filter(pk__in=ids).update(
            first_name="",
            last_name="",
            email="",
            phone="",
            description="",
            contact_check_comment="",
        )
        LeadNote.objects.filter(lead_id__in=ids).delete()
    return len(ids)


@on(QuoteRequestsAnonymised)
def anonymise_leads_of_requests(event: QuoteRequestsAnonymised) -> None:
    _anonymise(Lead.objects.filter(quote_id__in=event.quote_ids))


@on(UserErased)
def anonymise_inbound_leads(event: UserErased) -> None:
    _anonymise(
        rows_with_email_digest(
            Lead.objects.filter(source=LeadSource.INBOUND),
            field="email",
            digest=event.email_sha256,
        )
    )


@on(UserErased)
def forget_member_alerts(event: UserErased) -> None:
    """The new-lead alerts (SMS, push) addressed to that member are theirs only: they go."""
    LeadAlert.objects.filter(user_id=event.user_id).delete()
