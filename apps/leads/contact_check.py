"""Homeowner confirmation: "L'artisan X vous a-t-il contacté ?"

``LEADS_CONTACT_CHECK_HOURS`` (48) after dispatch, the beat task
``leads.contact_checks_send_due`` asks the homeowner, once per lead, whether the pro called.
The leads of one request due together make one e-mail (one question per pro). Each pro's
"Oui" / "Non" links carry a token signed for that lead (``django.core.signing``, salt
below, valid ``LEADS_CONTACT_CHECK_LINK_DAYS``): it opens a page, and the answer is a
POST from that page's form (CSRF-protected) — a GET never records anything, so a mail
scanner following links answers nothing. "Non" marks the lead "contact non confirmé" and
alerts whoever follows the lead up: the advisor who dispatched it (else the advisors'
address ``LEADS_ADVISORS_EMAIL``), or the network's managers for a network's lead.

Who is asked: every lead that is not closed as refused or expired and whose homeowner has
an e-mail address — an Eldo request's (read through ``quotes.api``) or a network's inbound
lead's (the partner gives it; ``LEADS_CONTACT_CHECK_INBOUND`` turns that off). Leads
dispatched more than ``LEADS_CONTACT_CHECK_WINDOW_DAYS`` before they became due are never
asked (those that existed before this feature). The others are marked "skipped".

Idempotent: the lead's ``contact_check`` moves "" → asked → yes | no under a row lock, and
the e-mail is sent by an outbox handler, at most once per event.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts import api as accounts
from apps.core.errors import Gone
from apps.core.events import publish
from apps.core.mail import send_templated
from apps.directory import api as directory
from apps.leads.events import HomeownerContactCheckDue, LeadContactCheckSent, LeadContactConfirmed
from apps.leads.models import ContactCheck, Lead, LeadSource, LeadStatus
from apps.quotes import api as quotes

logger = logging.getLogger(__name__)

TOKEN_SALT = "eldo.leads.contact-check"
ANSWERS = {"oui": ContactCheck.YES, "non": ContactCheck.NO}
NOT_ASKED_STATUSES = {LeadStatus.DECLINED, LeadStatus.EXPIRED}
COMMENT_MAX = 1000


class ContactCheckLinkError(Gone):
    """A link that cannot be used: ``code`` "invalid" (forged, unknown: 404), "expired" or
    "answered" (410). ``message`` is French, for the page."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def http_status(self) -> int:
        return 404 if self.code == "invalid" else 410


def due_delay() -> timedelta:
    return timedelta(hours=settings.LEADS_CONTACT_CHECK_HOURS)


def link_max_age() -> timedelta:
    return timedelta(days=settings.LEADS_CONTACT_CHECK_LINK_DAYS)


# --- Asking ---------------------------------------------------------------------------------


def _homeowner_emails(leads: list[Lead]) -> dict[int, str]:
    """The homeowner's address of each lead, by lead id ("" when there is none)."""
    quote_ids = sorted({lead.quote_id for lead in leads if lead.quote_id})
    quote_infos = quotes.quotes_by_ids(quote_ids) if quote_ids else {}
    emails = {}
    for lead in leads:
        if lead.source == LeadSource.QUOTE:
            request = quote_infos.get(lead.quote_id)
            emails[lead.pk] = request.contact.email if request and not request.anonymised else ""
        else:
            emails[lead.pk] = lead.email if settings.LEADS_CONTACT_CHECK_INBOUND else ""
    return emails


def contact_checks_send_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Ask the homeowners of the leads that became due (dispatched ``LEADS_CONTACT_CHECK_HOURS``
    ago, not asked yet). Returns how many leads were asked. Rows are locked with SKIP LOCKED,
    so two beats running at once never ask twice."""
    now = now or timezone.now()
    due_before = now - due_delay()
    oldest = due_before - timedelta(days=settings.LEADS_CONTACT_CHECK_WINDOW_DAYS)
    with transaction.atomic():
        leads = list(
            Lead.objects.select_for_update(skip_locked=True)
            .filter(
                contact_check=ContactCheck.NOT_ASKED,
                created_at__lte=due_before,
                created_at__gt=oldest,
            )
            .order_by("created_at", "pk")[:batch]
        )
        emails = _homeowner_emails(leads)
        groups: dict[str, list[int]] = defaultdict(list)
        for lead in leads:
            if lead.status in NOT_ASKED_STATUSES or not emails.get(lead.pk):
                lead.contact_check = ContactCheck.SKIPPED
                lead.save(update_fields=["contact_check", "updated_at"])
                continue
            lead.contact_check = ContactCheck.ASKED
            lead.contact_check_asked_at = now
            lead.save(update_fields=["contact_check", "contact_check_asked_at", "updated_at"])
            publish(
                LeadContactCheckSent(
                    lead_id=lead.pk,
                    pro_id=lead.pro_id,
                    organization_id=lead.organization_id,
                    network_id=lead.network_id,
                    source=lead.source,
                    asked_at=now.isoformat(),
                    dispatched_at=lead.created_at.isoformat(),
                )
            )
            groups[f"quote-{lead.quote_id}" if lead.quote_id else f"lead-{lead.pk}"].append(lead.pk)
        for lead_ids in groups.values():
            publish(HomeownerContactCheckDue(lead_ids=tuple(lead_ids)))
    return sum(len(ids) for ids in groups.values())


def contact_check_token(lead_id: int) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign_object({"l": lead_id})


def contact_check_url(lead_id: int, answer: str) -> str:
    path = reverse("leads-contact-check:answer", args=[contact_check_token(lead_id)])
    return f"{settings.SITE_URL}{path}?reponse={answer}"


def _category_names() -> dict[str, str]:
    return {c.slug: c.name for c in directory.categories()}


def homeowner_email_send(*, lead_ids: list[int], now: datetime | None = None) -> bool:
    """The question, for the leads of one homeowner asked together. Sent once: the leads are
    locked and stamped ``contact_check_sent_at`` in the same transaction, so a redelivered
    event (or a second worker) finds nothing left to send."""
    with transaction.atomic():
        leads = list(
            Lead.objects.select_for_update()
            .filter(
                pk__in=lead_ids,
                contact_check=ContactCheck.ASKED,
                contact_check_sent_at__isnull=True,
            )
            .order_by("pk")
        )
        if not leads or not _email_send(leads):
            return False
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(
            contact_check_sent_at=now or timezone.now()
        )
    return True


def _network_name(network_id: int | None) -> str:
    found = accounts.organizations_by_ids([network_id]) if network_id else {}
    return found[network_id].name if network_id in found else ""


def _email_send(leads: list[Lead]) -> bool:
    first = leads[0]
    if first.source == LeadSource.QUOTE:
        request = quotes.quote_by_id(first.quote_id) if first.quote_id else None
        if request is None or request.anonymised or not request.contact.email:
            return False
        email, first_name = request.contact.email, request.contact.first_name
    else:
        email, first_name = first.email, first.first_name
    if not email:
        return False
    pros = directory.pros_by_ids(sorted({lead.pro_id for lead in leads}))
    items = [
        {
            "lead": lead,
            "pro_name": pros[lead.pro_id].name if lead.pro_id in pros else _("l'artisan"),
            "yes_url": contact_check_url(lead.pk, "oui"),
            "no_url": contact_check_url(lead.pk, "non"),
        }
        for lead in leads
    ]
    if len(items) == 1:
        subject = _("L'artisan %(pro)s vous a-t-il contacté ?") % {"pro": items[0]["pro_name"]}
    else:
        subject = _("Votre projet %(reference)s : les artisans vous ont-ils contacté ?") % {
            "reference": first.reference
        }
    context = {
        "first_name": first_name,
        "items": items,
        "reference": first.reference if first.source == LeadSource.QUOTE else "",
        "network_name": _network_name(first.network_id),
        "category_name": _category_names().get(first.category_slug, first.category_slug),
        "hours": settings.LEADS_CONTACT_CHECK_HOURS,
        "link_days": settings.LEADS_CONTACT_CHECK_LINK_DAYS,
    }
    send_templated(to=email, template="leads/email/contact_check", context=context, subject=subject)
    return True


# --- Answering ------------------------------------------------------------------------------


def _answered() -> ContactCheckLinkError:
    return ContactCheckLinkError(
        _("Vous avez déjà répondu à cette question : merci, votre réponse est enregistrée."),
        code="answered",
    )


def contact_check_lead(token: str) -> Lead:
    """The lead a link was signed for, still waiting for the answer; else
    ContactCheckLinkError (forged or unknown: "invalid"; expired; already "answered")."""
    try:
        data = signing.TimestampSigner(salt=TOKEN_SALT).unsign_object(
            token or "", max_age=link_max_age()
        )
    except signing.SignatureExpired as exc:
        raise ContactCheckLinkError(
            _("Ce lien a expiré : il était valable %(days)d jours.")
            % {"days": settings.LEADS_CONTACT_CHECK_LINK_DAYS},
            code="expired",
        ) from exc
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ContactCheckLinkError(_("Ce lien n'est pas valide."), code="invalid") from exc
    lead_id = data.get("l") if isinstance(data, dict) else None
    lead = None
    if isinstance(lead_id, int) and not isinstance(lead_id, bool):
        lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None or lead.contact_check == ContactCheck.NOT_ASKED:
        raise ContactCheckLinkError(_("Ce lien n'est pas valide."), code="invalid")
    if lead.contact_check != ContactCheck.ASKED:
        raise _answered()
    return lead


def contact_check_answer(
    *, token: str, answer: str, comment: str = "", now: datetime | None = None
) -> Lead:
    """Record the homeowner's answer ("yes" or "no") once. The link is checked again under
    the row lock: of two simultaneous answers, the second gets "answered"."""
    if answer not in (ContactCheck.YES, ContactCheck.NO):
        raise ValidationError({"answer": [_("Choisissez « Oui » ou « Non ».")]})
    lead = contact_check_lead(token)
    now = now or timezone.now()
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if lead.contact_check != ContactCheck.ASKED:
            raise _answered()
        lead.contact_check = answer
        lead.contact_check_answered_at = now
        lead.contact_check_comment = (
            comment.strip()[:COMMENT_MAX] if answer == ContactCheck.NO else ""
        )
        lead.save(
            update_fields=[
                "contact_check",
                "contact_check_answered_at",
                "contact_check_comment",
                "updated_at",
            ]
        )
        publish(
            LeadContactConfirmed(
                lead_id=lead.pk,
                pro_id=lead.pro_id,
                organization_id=lead.organization_id,
                network_id=lead.network_id,
                answer=answer,
                asked_at=lead.contact_check_asked_at.isoformat(),
                answered_at=now.isoformat(),
                dispatched_at=lead.created_at.isoformat(),
            )
        )
    return lead


def pro_name(lead: Lead) -> str:
    pro = directory.pros_by_ids([lead.pro_id]).get(lead.pro_id)
    return pro.name if pro else _("l'artisan")


# --- "Non": whoever follows the lead up is alerted ------------------------------------------


def _follow_up_recipients(lead: Lead) -> tuple[list[str], str]:
    """(addresses, link) of who follows this lead up."""
    if lead.source == LeadSource.INBOUND and lead.network_id:
        return (
            accounts.organization_member_emails(lead.network_id),
            settings.SITE_URL + reverse("leads-backoffice:network"),
        )
    link = settings.SITE_URL + reverse("leads-advisor:detail", args=[lead.pk])
    advisor = accounts.identity_for_user_id(lead.advisor_id) if lead.advisor_id else None
    if advisor is not None and advisor.email:
        return [advisor.email], link
    return ([settings.LEADS_ADVISORS_EMAIL] if settings.LEADS_ADVISORS_EMAIL else []), link


def unconfirmed_alert_send(*, lead_id: int, now: datetime | None = None) -> bool:
    """The alert after a "non", once: the lead is locked and stamped with the send, so a
    redelivered event finds it done."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None or lead.contact_check != ContactCheck.NO or lead.contact_check_alerted_at:
            return False
        recipients, link = _follow_up_recipients(lead)
        if not recipients:
            logger.warning("contact not confirmed for lead %s: nobody to alert", lead.pk)
            return False
        context = {
            "lead": lead,
            "pro_name": pro_name(lead),
            "category_name": _category_names().get(lead.category_slug, lead.category_slug),
            "link": link,
            "hours": settings.LEADS_CONTACT_CHECK_HOURS,
        }
        send_templated(
            to=recipients,
            template="leads/email/contact_not_confirmed",
            context=context,
            subject=_("Contact non confirmé : %(reference)s chez %(pro)s")
            % {"reference": lead.reference or lead.external_id, "pro": context["pro_name"]},
        )
        lead.contact_check_alerted_at = now or timezone.now()
        lead.save(update_fields=["contact_check_alerted_at", "updated_at"])
    return True
