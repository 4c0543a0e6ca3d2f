"""Reactions of the leads context, run after commit through the outbox (apps.core.outbox):
at most once per (event, handler), so a redelivery creates and sends nothing twice."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts import api as accounts
from apps.accounts.events import OrganizationDeleted
from apps.core.events import on, without_transaction
from apps.core.facade_ports import facade
from apps.core.mail import send_templated
from apps.directory import api as directory
from apps.leads import alerts, contact_check, selectors, services, webhooks
from apps.leads.events import (
    HomeownerContactCheckDue,
    LeadContactConfirmed,
    LeadDispatched,
    LeadFirstContactOverdue,
    LeadReassigned,
    LeadStatusChanged,
    LeadWorkEnded,
)
from apps.leads.models import Lead
from apps.leads.selectors import lead_contact, lead_summary
from apps.quotes.events import QuoteDispatchRequested, QuoteSubmitted
from apps.reviews.contracts import ReviewsFacade

reviews: ReviewsFacade = facade("reviews")


def _send(*, template: str, subject: str, recipients: list[str], **context) -> None:
    """One French e-mail, text with an HTML alternative, to all ``recipients`` at once."""
    send_templated(
        to=recipients, template=f"leads/email/{template}", context=context, subject=subject
    )


def _lead_url(lead: Lead) -> str:
    return settings.SITE_URL + reverse("leads-backoffice:detail", args=[lead.pk])


def _category_name(slug: str) -> str:
    return next((c.name for c in directory.categories() if c.slug == slug), slug)


@on(QuoteDispatchRequested)
def create_leads(event: QuoteDispatchRequested) -> None:
    services.leads_dispatch_for_quote(
        quote_id=event.quote_id, pro_ids=list(event.pro_ids), advisor_id=event.advisor_id
    )


@on(QuoteSubmitted)
def route_brand_request(event: QuoteSubmitted) -> None:
    """A request asked from a brand's page goes to one of its certified installers."""
    if event.brand_organization_id is None or event.kind != "quote":
        return
    services.brand_quote_route(
        quote_id=event.quote_id,
        brand_organization_id=event.brand_organization_id,
        department_code=event.department_code,
        category_slug=event.category_slug,
    )


@on(LeadDispatched)
def notify_pro(event: LeadDispatched) -> None:
    """One e-mail per lead, to the members of the receiving company who keep e-mail on."""
    lead = Lead.objects.select_for_update().filter(pk=event.lead_id).first()
    if lead is None or lead.notified_at is not None:
        return
    category_name = _category_name(lead.category_slug)
    # Marked first, sent last: only the commit separates the hand-off to the mail relay from
    # the record of it, so a worker killed in between (the one case that sends it again on
    # redelivery) has the smallest window (docs/reliability.md).
    lead.notified_at = timezone.now()
    lead.save(update_fields=["notified_at"])
    _send(
        template="new_lead",
        subject=f"Nouvelle demande de devis ({category_name}, {lead.postcode})",
        recipients=[r.email for r in accounts.alert_recipients(lead.organization_id) if r.by_email],
        lead=lead,
        category_name=category_name,
        summary=lead_summary(lead, actor=None),  # the receiving company: with the address
        lead_url=_lead_url(lead),
        hours=settings.LEADS_FIRST_CONTACT_HOURS,
    )


@on(LeadDispatched)
def record_lead_load(event: LeadDispatched) -> None:
    """Capacity and fairness live in the directory (it never reads our tables)."""
    directory.pro_lead_load_store(
        pro_id=event.pro_id, served_at=datetime.fromisoformat(event.dispatched_at)
    )


@on(LeadDispatched)
def alert_members(event: LeadDispatched) -> None:
    """SMS and Web Push to the members who chose them (apps/leads/alerts.py)."""
    alerts.alerts_schedule(lead_id=event.lead_id)


@on(LeadStatusChanged)
def release_declined_slot(event: LeadStatusChanged) -> None:
    """A refused lead does not count against the pro's monthly capacity."""
    if event.to_status == "declined":
        services.lead_slot_release(lead_id=event.lead_id)


@on(LeadStatusChanged)
def refresh_response_time(event: LeadStatusChanged) -> None:
    """A lead leaves "sent"/"viewed": the pro's typical response time, shown on its result
    card, is computed again from its leads and kept by the directory."""
    if event.from_status in ("sent", "viewed"):
        directory.pro_response_time_store(
            pro_id=event.pro_id, minutes=selectors.pro_response_minutes(pro_id=event.pro_id)
        )


@on(LeadFirstContactOverdue)
def notify_overdue(event: LeadFirstContactOverdue) -> None:
    lead = Lead.objects.filter(pk=event.lead_id).first()
    if lead is None or lead.status != "sent":
        return  # opened in the meantime
    pro = directory.pros_by_ids([lead.pro_id]).get(lead.pro_id)
    context = {
        "lead": lead,
        "pro_name": pro.name if pro else "",
        "category_name": _category_name(lead.category_slug),
        "lead_url": _lead_url(lead),
        "hours": settings.LEADS_FIRST_CONTACT_HOURS,
    }
    if event.stage == "reminder":
        _send(
            template="reminder",
            subject=f"Rappel : une demande de devis attend votre réponse ({lead.postcode})",
            recipients=accounts.organization_member_emails(lead.organization_id),
            **context,
        )
        return
    if lead.advisor_id:
        advisor = accounts.identity_for_user_id(lead.advisor_id)
        recipients = [advisor.email] if advisor else []
    else:  # a network's lead: its managers follow up
        recipients = accounts.organization_member_emails(lead.network_id) if lead.network_id else []
    _send(
        template="advisor_alert",
        subject=f"Demande {lead.reference} sans réponse de {context['pro_name']}",
        recipients=recipients,
        console_url=settings.SITE_URL + reverse("leads-advisor:detail", args=[lead.pk]),
        **context,
    )


@on(LeadReassigned)
def tell_homeowner_of_reassignment(event: LeadReassigned) -> None:
    old = Lead.objects.filter(pk=event.lead_id).first()
    new = Lead.objects.filter(pk=event.new_lead_id).first()
    if old is None or new is None:
        return
    contact = lead_contact(new)
    if not contact or not contact["email"]:
        return
    pros = directory.pros_by_ids([old.pro_id, new.pro_id])
    _send(
        template="reassigned",
        subject=f"Votre projet {new.reference} : un autre artisan va vous contacter",
        recipients=[contact["email"]],
        first_name=contact["first_name"],
        lead=new,
        old_pro=pros.get(old.pro_id),
        new_pro=pros.get(new.pro_id),
    )


@on(LeadReassigned)
def audit_reassignment(event: LeadReassigned) -> None:
    """The staff audit log: an advisor gave an expired lead's request to another pro."""
    accounts.audit_record(
        actor_id=event.actor_id,
        action="leads.reassign",
        summary=f"Lead n° {event.lead_id} réattribué (nouveau lead : n° {event.new_lead_id})",
        target_type="lead",
        target_ref=str(event.lead_id),
        occurred_at=event.reassigned_at,
        details={"new_lead_id": event.new_lead_id, "quote_id": event.quote_id},
    )


@on(HomeownerContactCheckDue)
def ask_homeowner_about_contact(event: HomeownerContactCheckDue) -> None:
    """ "L'artisan X vous a-t-il contacté ?" (apps/leads/contact_check.py)."""
    contact_check.homeowner_email_send(lead_ids=list(event.lead_ids))


@on(LeadContactConfirmed)
def alert_on_unconfirmed_contact(event: LeadContactConfirmed) -> None:
    """ "Non": the advisor who dispatched the lead (a network's managers for theirs)."""
    if event.answer == "no":
        contact_check.unconfirmed_alert_send(lead_id=event.lead_id)


@on(LeadDispatched)
def webhook_lead_created(event: LeadDispatched) -> None:
    """The network's webhooks hear of its new lead (apps/leads/webhooks.py)."""
    if event.network_id:
        webhooks.lead_event_record(
            lead_id=event.lead_id,
            event_type="lead.created",
            occurred_at=event.dispatched_at,
            status="sent",
        )


@on(LeadStatusChanged)
def webhook_lead_status_changed(event: LeadStatusChanged) -> None:
    """``lead.expired`` when the first-contact deadline closed it, else
    ``lead.status_changed`` (only for a network's leads: webhooks looks the lead up)."""
    webhooks.lead_event_record(
        lead_id=event.lead_id,
        event_type="lead.expired" if event.to_status == "expired" else "lead.status_changed",
        occurred_at=event.changed_at,
        status=event.to_status,
        previous_status=event.from_status,
    )


@on(LeadStatusChanged)
@without_transaction
def schedule_eldo_review_invitation(event: LeadStatusChanged) -> None:
    """A lead marked won: Eldo's review invitation (reviews decides; idempotent per lead)."""
    if event.to_status == "won":
        services.review_invitation_schedule(
            lead_id=event.lead_id, won_at=datetime.fromisoformat(event.changed_at)
        )


@on(LeadWorkEnded)
@without_transaction
def move_review_invitation_to_work_end(event: LeadWorkEnded) -> None:
    """Eldo's review invitation of a won lead waits the pro's delay after the end of the
    works rather than after "gagné" (reviews decides; idempotent)."""
    reviews.eldo_review_invitation_work_end(
        lead_id=event.lead_id, work_end_date=date.fromisoformat(event.work_ended_on)
    )


@on(OrganizationDeleted)
def forget_deleted_organization(event: OrganizationDeleted) -> None:
    services.organization_forget(organization_id=event.organization_id)
