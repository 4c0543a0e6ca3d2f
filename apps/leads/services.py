"""Writes of the leads context: dispatch, the lead lifecycle, deadlines, network routing.

    sent ─► viewed ─► contacted ─► appointment ─► quote_sent ─► won | lost
      │        │           │              │
      └────────┴───────────┴──────────────┴─► declined (a reason from a list: frees the slot)
    lost from viewed, contacted, appointment ; won from contacted, appointment
    sent | viewed ─► expired (first-contact deadline: the advisor reassigns)

Every transition is timestamped on the lead and logged (LeadTransition), and published as
LeadStatusChanged in the same transaction. A transition the lifecycle forbids raises
LeadConflict (→ 409).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.actor import Actor
from apps.core.errors import Conflict
from apps.core.events import publish
from apps.core.facade_ports import facade
from apps.core.mail import send_templated
from apps.directory import api as directory
from apps.leads.events import (
    LeadAssigned,
    LeadDispatched,
    LeadFirstContactOverdue,
    LeadReassigned,
    LeadStatusChanged,
    LeadValueChanged,
    LeadWorkEnded,
)
from apps.leads.models import (
    DeclineReason,
    Lead,
    LeadNote,
    LeadSource,
    LeadStatus,
    LeadTransition,
    LostReason,
    NetworkInstaller,
    UnroutedLead,
    WebhookEndpoint,
)
from apps.leads.selectors import (
    assignable_members,
    lead_get,
    lead_list,
    reassign_candidates,
)
from apps.quotes import api as quotes
from apps.reviews.contracts import ReviewsFacade

reviews: ReviewsFacade = facade("reviews")

S = LeadStatus
TRANSITIONS: dict[str, set[str]] = {
    S.SENT: {S.VIEWED, S.CONTACTED, S.DECLINED, S.EXPIRED},
    S.VIEWED: {S.CONTACTED, S.APPOINTMENT, S.QUOTE_SENT, S.DECLINED, S.LOST, S.EXPIRED},
    S.CONTACTED: {S.APPOINTMENT, S.QUOTE_SENT, S.WON, S.LOST, S.DECLINED},
    S.APPOINTMENT: {S.QUOTE_SENT, S.WON, S.LOST, S.DECLINED},
    S.QUOTE_SENT: {S.WON, S.LOST},
    S.WON: set(),
    S.LOST: set(),
    S.DECLINED: set(),
    S.EXPIRED: set(),
}
PRO_SETTABLE = [S.VIEWED, S.CONTACTED, S.APPOINTMENT, S.QUOTE_SENT, S.WON, S.LOST, S.DECLINED]
CLOSED = {S.WON, S.LOST, S.DECLINED, S.EXPIRED}
TIMESTAMP_OF = {
    S.VIEWED: "viewed_at",
    S.CONTACTED: "contacted_at",
    S.APPOINTMENT: "appointment_at",
    S.QUOTE_SENT: "quote_sent_at",
}
REASON_CODES = {S.DECLINED: DeclineReason, S.LOST: LostReason}
# Which amount goes with which step: the quote's with "Devis envoyé" (or a later close), the
# job's with "Gagné".
AMOUNT_STATUSES = {
    "quote_amount": {S.QUOTE_SENT, S.WON, S.LOST},
    "won_amount": {S.WON},
}
AMOUNT_MAX = Decimal("10000000")
AMOUNT_STEP_MESSAGES = {
    "quote_amount": gettext_lazy(
        "Le montant du devis va avec « Devis envoyé », « Gagnée » ou « Perdue »."
    ),
    "won_amount": gettext_lazy("Le montant gagné va avec « Gagnée »."),
}
UNSET = object()


class LeadConflict(Conflict):
    """The lead's status does not allow this action (409)."""


class LeadQueued(Exception):
    """An inbound lead no installer could take: it waits in the network's "à router" queue
    (``unrouted``); the API answers 202. An outcome, not a refusal: not a DomainError."""

    def __init__(self, unrouted: UnroutedLead) -> None:
        super().__init__(unrouted.external_id)
        self.unrouted = unrouted


def first_contact_delay() -> timedelta:
    return timedelta(hours=settings.LEADS_FIRST_CONTACT_HOURS)


def amount_clean(value, *, field: str) -> Decimal | None:
    """An amount in euros: a number or its text ("12 500", "12 500,50 €"); empty → None.
    Negative, not a number, more than two decimals or over 10,000,000 € → ValidationError
    on ``field`` with a French message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError({field: [_("Saisissez un montant en euros, par exemple 12 500.")]})
    text = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.removesuffix("€").replace(",", ".")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: [_("Saisissez un montant en euros, par exemple 12 500.")]})
    if amount < 0:
        raise ValidationError({field: [_("Le montant ne peut pas être négatif.")]})
    if amount > AMOUNT_MAX:
        raise ValidationError({field: [_("Le montant ne peut pas dépasser 10 000 000 €.")]})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: [_("Deux décimales au plus (les centimes).")]})
    return amount.quantize(Decimal("0.01"))


def _reason_clean(status: str, reason: str, reason_code: str) -> tuple[str, str]:
    """(code, words) of a refusal or a loss. A code from the list, or — as before the list
    existed — free words, kept as "other". A refusal needs one or the other."""
    choices = REASON_CODES.get(status)
    reason = reason.strip()
    if choices is None:
        return "", reason
    if not reason_code and reason in choices.values:  # the code sent as the reason
        reason_code, reason = reason, ""
    if reason_code and reason_code not in choices.values:
        message = _("Choisissez un motif de la liste : %s.") % ", ".join(choices.values)
        raise ValidationError({"reason_code": [message]})
    if not reason_code and not reason:
        if status == S.DECLINED:
            raise ValidationError({"reason": [_("Indiquez pourquoi vous refusez cette demande.")]})
        return "", ""
    code = reason_code or choices.OTHER
    label = str(choices(code).label)
    words = reason if reason else label
    if reason_code and reason and reason != label:
        words = f"{label} : {reason}"
    return code, words[:300]


# --- Creation -------------------------------------------------------------------------------


def _published(lead: Lead) -> Lead:
    publish(
        LeadDispatched(
            lead_id=lead.pk,
            pro_id=lead.pro_id,
            organization_id=lead.organization_id,
            quote_id=lead.quote_id,
            network_id=lead.network_id,
            source=lead.source,
            category_slug=lead.category_slug,
            department_code=lead.department_code,
            dispatched_at=lead.created_at.isoformat(),
        )
    )
    return lead


def leads_dispatch_for_quote(
    *, quote_id: int, pro_ids: list[int], advisor_id: int | None, now: datetime | None = None
) -> list[Lead]:
    """One lead per chosen pro, idempotently: a redelivered or concurrent second dispatch
    finds the leads already there (unique (quote_id, pro_id)) and publishes nothing."""
    now = now or timezone.now()
    quote = quotes.quote_by_id(quote_id)
    if quote is None:
        return []
    pros = directory.pros_by_ids(pro_ids)
    # A request asked from a brand's page: the leads of the brand's own installers are the
    # brand's too (its space, its statistics), whoever dispatched them.
    brand_installers = (
        set(
            NetworkInstaller.objects.filter(
                network_id=quote.brand_organization_id, pro_id__in=pro_ids
            ).values_list("pro_id", flat=True)
        )
        if quote.brand_organization_id
        else set()
    )
    leads = []
    with transaction.atomic():
        for pro_id in pro_ids:
            pro = pros.get(pro_id)
            if pro is None:
                continue
            lead, created = Lead.objects.get_or_create(
                quote_id=quote.id,
                pro_id=pro.id,
                defaults={
                    "source": LeadSource.QUOTE,
                    "network_id": (
                        quote.brand_organization_id if pro.id in brand_installers else None
                    ),
                    "reference": quote.reference,
                    "organization_id": pro.organization_id,
                    "advisor_id": advisor_id,
                    "category_slug": quote.category_slug,
                    "postcode": quote.postcode,
                    "department_code": quote.department_code,
                    "description": quote.description,
                    "created_at": now,
                },
            )
            leads.append(_published(lead) if created else lead)
    return leads


# --- Lifecycle ------------------------------------------------------------------------------


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _transition(
    lead: Lead,
    *,
    to: str,
    actor_id: int | None,
    now: datetime,
    reason: str = "",
    reason_code: str = "",
    amounts: dict | None = None,
):
    if to not in TRANSITIONS[lead.status]:
        raise LeadConflict(
            _("Impossible de passer la demande de « %(from)s » à « %(to)s ».")
            % {"from": S(lead.status).label, "to": S(to).label}
        )
    previous = lead.status
    lead.status = to
    if to in TIMESTAMP_OF:
        setattr(lead, TIMESTAMP_OF[to], now)
    if to == S.CONTACTED and lead.viewed_at is None:
        lead.viewed_at = now
    if to in CLOSED:
        lead.closed_at = now
        lead.reason = reason[:300]
        lead.reason_code = reason_code
    for name, value in (amounts or {}).items():
        setattr(lead, name, value)
    lead.save()
    LeadTransition.objects.create(
        lead=lead, from_status=previous, to_status=to, actor_id=actor_id, reason=reason, at=now
    )
    publish(
        LeadStatusChanged(
            lead_id=lead.pk,
            pro_id=lead.pro_id,
            organization_id=lead.organization_id,
            from_status=previous,
            to_status=to,
            actor_id=actor_id,
            reason=reason[:300],
            changed_at=now.isoformat(),
            dispatched_at=lead.created_at.isoformat(),
            reason_code=lead.reason_code,
            quote_amount=_money(lead.quote_amount),
            won_amount=_money(lead.won_amount),
        )
    )
    # A won lead: Eldo's review invitation is asked of reviews after commit, by the
    # handler of LeadStatusChanged (handlers.schedule_eldo_review_invitation).


def review_invitation_schedule(*, lead_id: int, won_at: datetime) -> None:
    """A job Eldo dispatched is won: Eldo's "avis vérifié" invitation to the homeowner,
    after the pro's delay (reviews decides when and whether; the contact stays in quotes).
    Leads pushed by a network are not Eldo's jobs: no invitation. Runs outside any
    transaction (reviews may answer over HTTP); idempotent, as reviews' call is."""
    lead = Lead.objects.filter(pk=lead_id, status=S.WON).first()
    info = quotes.quote_by_id(lead.quote_id) if lead is not None and lead.quote_id else None
    if lead is None or info is None or info.anonymised or not info.contact.email:
        return
    category = {c.slug: c.name for c in directory.categories()}.get(lead.category_slug)
    reviews.eldo_review_invitation_schedule(
        lead_id=lead.pk,
        pro_id=lead.pro_id,
        organization_id=lead.organization_id,
        customer_name=info.contact.first_name or lead.first_name,
        customer_email=info.contact.email,
        work_description=category or lead.description[:300],
        won_at=won_at,
        work_end_date=lead.work_ended_on,
    )


def _value_change(lead: Lead, *, amounts: dict, actor_id: int | None, now: datetime) -> None:
    """An amount corrected on a lead already at its step (no status change)."""
    for name, value in amounts.items():
        setattr(lead, name, value)
    lead.save(update_fields=[*amounts, "updated_at"])
    publish(
        LeadValueChanged(
            lead_id=lead.pk,
            pro_id=lead.pro_id,
            organization_id=lead.organization_id,
            quote_amount=_money(lead.quote_amount),
            won_amount=_money(lead.won_amount),
            actor_id=actor_id,
            changed_at=now.isoformat(),
            dispatched_at=lead.created_at.isoformat(),
        )
    )


def _check_assignment(actor: Actor, *, organization_id: int, assigned_to: int | None) -> None:
    if not actor.manages(organization_id):
        raise PermissionDenied(_("Seuls le gérant et les responsables attribuent."))
    if assigned_to is not None:
        members = {m.user_id for m in assignable_members(organization_id=organization_id)}
        if assigned_to not in members:
            raise ValidationError({"assigned_to": [_("Choisissez un membre de votre entreprise.")]})


def _assign(lead: Lead, *, assigned_to: int | None, actor_id: int | None, now: datetime) -> None:
    lead.assigned_to_id = assigned_to
    lead.save(update_fields=["assigned_to_id", "updated_at"])
    publish(
        LeadAssigned(
            lead_id=lead.pk,
            pro_id=lead.pro_id,
            organization_id=lead.organization_id,
            assigned_to_id=assigned_to,
            actor_id=actor_id,
            assigned_at=now.isoformat(),
            dispatched_at=lead.created_at.isoformat(),
        )
    )


def _locked_for(actor: Actor, lead_id: int) -> Lead:
    lead = lead_get(actor=actor, lead_id=lead_id)  # 404 when not visible
    return Lead.objects.select_for_update().get(pk=lead.pk)


def lead_update(
    *,
    actor: Actor,
    lead_id: int,
    status: str = "",
    reason: str = "",
    reason_code: str = "",
    quote_amount=UNSET,
    won_amount=UNSET,
    assigned_to=UNSET,
    note: str = "",
    now: datetime | None = None,
) -> Lead:
    """The pro works its lead: status change (with its reason or amount), assignment to a
    member, a note.

    Members of the receiving company only (and staff); a sales rep may change the status of
    and annotate its own leads, assigning is for owners and managers. Amounts in euros go
    with their step: ``quote_amount`` with quote_sent (or a later won/lost), ``won_amount``
    with won; sent again for a lead already at that step, they correct it.
    """
    now = now or timezone.now()
    amounts = {
        name: amount_clean(value, field=name)
        for name, value in (("quote_amount", quote_amount), ("won_amount", won_amount))
        if value is not UNSET
    }
    with transaction.atomic():
        lead = _locked_for(actor, lead_id)
        if not (actor.is_platform_staff or actor.is_member_of(lead.organization_id)):
            raise PermissionDenied(_("Seule l'entreprise destinataire traite cette demande."))
        if status and status not in PRO_SETTABLE:
            raise ValidationError({"status": [_("Statut inconnu : %s.") % status]})
        target = status or lead.status
        for name in amounts:
            if target not in AMOUNT_STATUSES[name]:
                raise ValidationError({name: [AMOUNT_STEP_MESSAGES[name]]})
        if status and status != lead.status:
            code, words = _reason_clean(status, reason, reason_code)
            _transition(
                lead,
                to=status,
                actor_id=actor.user_id,
                now=now,
                reason=words,
                reason_code=code,
                amounts=amounts,
            )
        elif amounts:
            _value_change(lead, amounts=amounts, actor_id=actor.user_id, now=now)
        if assigned_to is not UNSET:
            _check_assignment(actor, organization_id=lead.organization_id, assigned_to=assigned_to)
            _assign(lead, assigned_to=assigned_to, actor_id=actor.user_id, now=now)
        if note.strip():
            LeadNote.objects.create(
                lead=lead, author_id=actor.user_id, body=note.strip()[:5000], created_at=now
            )
    return lead


def lead_work_end_set(
    *, actor: Actor, lead_id: int, work_ended_on, now: datetime | None = None
) -> Lead:
    """The pro marks a won lead "travaux terminés le <date>": members of the receiving
    company only; a date neither in the future nor before the lead. Published as
    ``LeadWorkEnded`` (its handler moves Eldo's review invitation to the pro's delay after
    that date)."""
    now = now or timezone.now()
    if work_ended_on is None:
        raise ValidationError({"work_ended_on": [_("Indiquez la date de fin des travaux.")]})
    with transaction.atomic():
        lead = _locked_for(actor, lead_id)
        if not (actor.is_platform_staff or actor.is_member_of(lead.organization_id)):
            raise PermissionDenied(_("Seule l'entreprise destinataire traite cette demande."))
        if lead.status != S.WON:
            raise LeadConflict(_("Seule une demande gagnée a une date de fin des travaux."))
        if work_ended_on > timezone.localdate(now):
            raise ValidationError(
                {"work_ended_on": [_("La fin des travaux ne peut pas être dans le futur.")]}
            )
        if work_ended_on < timezone.localdate(lead.created_at):
            raise ValidationError(
                {"work_ended_on": [_("La fin des travaux ne peut pas précéder la demande.")]}
            )
        lead.work_ended_on = work_ended_on
        lead.save(update_fields=["work_ended_on", "updated_at"])
        publish(
            LeadWorkEnded(
                lead_id=lead.pk,
                pro_id=lead.pro_id,
                organization_id=lead.organization_id,
                work_ended_on=work_ended_on.isoformat(),
                actor_id=actor.user_id,
            )
        )
    return lead


def lead_mark_viewed(*, actor: Actor, lead: Lead, now: datetime | None = None) -> Lead:
    """Opening a new lead marks it viewed — only when a member of the receiving company does."""
    if lead.status != S.SENT or not actor.is_member_of(lead.organization_id):
        return lead
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if locked.status == S.SENT:
            _transition(locked, to=S.VIEWED, actor_id=actor.user_id, now=now or timezone.now())
    lead.refresh_from_db()
    return lead


class BulkAction(StrEnum):
    ASSIGN = "assign"
    MARK_VIEWED = "mark_viewed"


BULK_MAX = 100


@dataclass(frozen=True)
class BulkOutcome:
    updated: int
    skipped: int  # marking viewed: leads already viewed or further along


def leads_bulk_update(
    *,
    actor: Actor,
    organization_id: int,
    lead_ids: list[int],
    action: str,
    assigned_to: int | None = None,
    now: datetime | None = None,
) -> BulkOutcome:
    """An owner or manager applies one change to a selection of the company's leads, all or
    nothing. The selection is read through the inbox's selector: a lead outside it (another
    company's, unknown) raises Http404 and nothing changes. Each lead takes the steps of a
    single change (transition log, LeadStatusChanged / LeadAssigned) with constant reads."""
    if not actor.manages(organization_id):
        raise PermissionDenied(_("Seuls le gérant et les responsables traitent par lot."))
    if action not in {a.value for a in BulkAction}:
        raise ValidationError({"action": [_("Choisissez une action.")]})
    ids = set(lead_ids)
    if not ids:
        raise ValidationError({"leads": [_("Sélectionnez au moins une demande.")]})
    if len(ids) > BULK_MAX:
        raise ValidationError({"leads": [_("Sélectionnez au plus %d demandes.") % BULK_MAX]})
    if action == BulkAction.ASSIGN:
        if assigned_to is None:
            raise ValidationError({"assigned_to": [_("Choisissez la personne à qui attribuer.")]})
        _check_assignment(actor, organization_id=organization_id, assigned_to=assigned_to)
    now = now or timezone.now()
    with transaction.atomic():
        leads = list(
            lead_list(actor=actor, organization_id=organization_id)
            .filter(pk__in=ids)
            .select_for_update(of=("self",))
        )
        if len(leads) != len(ids):
            raise Http404
        if action == BulkAction.ASSIGN:
            for lead in leads:
                _assign(lead, assigned_to=assigned_to, actor_id=actor.user_id, now=now)
            return BulkOutcome(updated=len(leads), skipped=0)
        updated = 0
        for lead in leads:
            if lead.status == S.SENT:
                _transition(lead, to=S.VIEWED, actor_id=actor.user_id, now=now)
                updated += 1
        return BulkOutcome(updated=updated, skipped=len(leads) - updated)


def lead_slot_release(*, lead_id: int, now: datetime | None = None) -> bool:
    """A refused lead gives its monthly slot back to the pro (directory capacity), once."""
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None or lead.status != S.DECLINED or lead.slot_released_at is not None:
            return False
        directory.pro_lead_load_release(pro_id=lead.pro_id, served_at=lead.created_at)
        lead.slot_released_at = now or timezone.now()
        lead.save(update_fields=["slot_released_at", "updated_at"])
    return True


# --- First-contact deadline and reassignment ------------------------------------------------


def leads_first_contact_check(*, now: datetime | None = None, batch: int = 500) -> int:
    """Reminder to the pro when a lead is still unopened after the delay, then, after twice
    the delay, an alert to the advisor. Each stage is recorded on the lead: sent once."""
    now = now or timezone.now()
    delay = first_contact_delay()
    published = 0
    stages = [
        ("reminder", "reminded_at", {"reminded_at__isnull": True}, now - delay),
        (
            "advisor",
            "advisor_alerted_at",
            {"advisor_alerted_at__isnull": True, "reminded_at__isnull": False},
            now - 2 * delay,
        ),
    ]
    for stage, field_name, pending, cutoff in stages:
        with transaction.atomic():
            leads = list(
                Lead.objects.select_for_update(skip_locked=True)
                .filter(status=S.SENT, created_at__lte=cutoff, **pending)
                .order_by("created_at")[:batch]
            )
            for lead in leads:
                setattr(lead, field_name, now)
                lead.save(update_fields=[field_name, "updated_at"])
                publish(
                    LeadFirstContactOverdue(
                        lead_id=lead.pk,
                        stage=stage,
                        overdue_since=(lead.created_at + delay).isoformat(),
                    )
                )
                published += 1
    return published


def lead_reassign(
    *, actor: Actor, lead_id: int, pro_slug: str = "", now: datetime | None = None
) -> Lead:
    """The advisor hands the request of an unanswered lead (closed as expired) or of a lead
    the pro refused (it stays refused) to another matching pro: the one named, or the best
    available. Returns the new lead. A network reassigns its own inbound leads instead
    (``network_lead_reassign``)."""
    if not actor.is_advisor and actor.network_ids():
        return network_lead_reassign(actor=actor, lead_id=lead_id, pro_slug=pro_slug, now=now)
    if not actor.is_advisor:
        raise PermissionDenied(_("Réservé aux conseillers Eldo."))
    now = now or timezone.now()
    with transaction.atomic():
        lead = _locked_for(actor, lead_id)
        if lead.source != LeadSource.QUOTE:
            raise LeadConflict(_("Une demande transmise par un réseau est réattribuée par lui."))
        if lead.status not in (S.SENT, S.VIEWED, S.DECLINED):
            raise LeadConflict(
                _("Cette demande est « %(status)s » : elle ne peut plus être réattribuée.")
                % {"status": S(lead.status).label}
            )
        if lead.replaced_by_id is not None:
            raise LeadConflict(_("Cette demande a déjà été confiée à un autre artisan."))
        candidates = reassign_candidates(lead)
        if pro_slug:
            candidates = [p for p in candidates if p.slug == pro_slug]
            if not candidates:
                raise ValidationError(
                    {"pro": [_("Cet artisan ne peut pas recevoir cette demande.")]}
                )
        if not candidates:
            raise LeadConflict(_("Aucun autre artisan disponible pour ce projet."))
        target = candidates[0]
        if lead.status != S.DECLINED:
            _transition(
                lead, to=S.EXPIRED, actor_id=actor.user_id, now=now, reason=_("Réattribuée")
            )
        new = Lead.objects.create(
            source=LeadSource.QUOTE,
            quote_id=lead.quote_id,
            reference=lead.reference,
            pro_id=target.id,
            organization_id=target.organization_id,
            advisor_id=actor.user_id,
            category_slug=lead.category_slug,
            postcode=lead.postcode,
            department_code=lead.department_code,
            description=lead.description,
            created_at=now,
        )
        lead.replaced_by = new
        lead.save(update_fields=["replaced_by", "updated_at"])
        _published(new)
        publish(
            LeadReassigned(
                lead_id=lead.pk,
                new_lead_id=new.pk,
                quote_id=lead.quote_id,
                actor_id=actor.user_id,
                reassigned_at=now.isoformat(),
            )
        )
    return new


def network_lead_reassign(
    *, actor: Actor, lead_id: int, pro_slug: str = "", now: datetime | None = None
) -> Lead:
    """A network hands one of its inbound leads that expired or was refused to another of its
    installers: the one named (by slug; it must practise the trade and be insured for it) or
    the one its rules pick among the others. The new lead takes the external id (a replay
    answers it); the old one keeps its reference, its external id suffixed."""
    now = now or timezone.now()
    with transaction.atomic():
        lead = _locked_for(actor, lead_id)
        if lead.network_id not in actor.network_ids() or lead.source != LeadSource.INBOUND:
            raise PermissionDenied(_("Réservé au réseau qui a transmis la demande."))
        if lead.status not in (S.EXPIRED, S.DECLINED):
            raise LeadConflict(
                _("Seule une demande expirée ou refusée peut être réattribuée (ici « %s »).")
                % S(lead.status).label
            )
        if lead.replaced_by_id is not None:
            raise LeadConflict(_("Cette demande a déjà été confiée à un autre installateur."))
        verdicts, _chosen = routing_evaluate(
            network_id=lead.network_id,
            department_code=lead.department_code,
            category_slug=lead.category_slug,
        )
        taken = set(
            Lead.objects.filter(network_id=lead.network_id, reference=lead.reference).values_list(
                "pro_id", flat=True
            )
        )
        if pro_slug:
            pro = directory.pros_by_slugs([pro_slug]).get(pro_slug)
            rules = [v.installer for v in verdicts if pro and v.installer.pro_id == pro.id]
            ok = (
                bool(rules)
                and rules[0].pro_id
                in directory.pros_practising(
                    pro_ids=[rules[0].pro_id], category_slug=lead.category_slug
                )
                and rules[0].pro_id
                in directory.pros_insured(
                    pro_ids=[rules[0].pro_id], category_slug=lead.category_slug
                )
            )
            if not ok or rules[0].pro_id in taken:
                raise ValidationError(
                    {"pro": [_("Cet installateur ne peut pas recevoir cette demande.")]}
                )
            target = rules[0]
        else:
            eligible = [
                v.installer for v in verdicts if v.eligible and v.installer.pro_id not in taken
            ]
            if not eligible:
                raise LeadConflict(_("Aucun autre installateur du réseau pour ce projet."))
            best = min(i.priority for i in eligible)
            target = next(i for i in eligible if i.priority == best)
        external_id = lead.external_id
        lead.external_id = f"{external_id[:80]}~{lead.pk}"
        lead.save(update_fields=["external_id", "updated_at"])
        pro = directory.pros_by_ids([target.pro_id])[target.pro_id]
        new = Lead.objects.create(
            source=LeadSource.INBOUND,
            network_id=lead.network_id,
            external_id=external_id,
            reference=lead.reference,
            pro_id=pro.id,
            organization_id=pro.organization_id,
            category_slug=lead.category_slug,
            postcode=lead.postcode,
            department_code=lead.department_code,
            commune_name=lead.commune_name,
            description=lead.description,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            created_at=now,
        )
        lead.replaced_by = new
        lead.save(update_fields=["replaced_by", "updated_at"])
        _published(new)
    return new


# --- Networks: inbound partner leads --------------------------------------------------------

_PHONE = re.compile(r"^(?:\+33|0033|0)([1-9]\d{8})$")


def _inbound_clean(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    external_id = str(data.get("external_id") or "").strip()
    if not external_id or len(external_id) > 100:
        errors["external_id"] = [_("Identifiant externe requis (100 caractères au plus).")]
    cleaned["external_id"] = external_id
    category = str(data.get("category") or "").strip()
    if not directory.category_ids_by_slug([category]):
        errors["category"] = [_("Métier inconnu : %s.") % category]
    cleaned["category_slug"] = category
    postcode = str(data.get("postcode") or "").strip()
    communes = directory.communes_for_postcode(postcode) if re.fullmatch(r"\d{5}", postcode) else []
    if not communes:
        errors["postcode"] = [_("Code postal inconnu.")]
    else:
        cleaned["department_code"] = communes[0].department_code
        cleaned["commune_name"] = communes[0].name
    cleaned["postcode"] = postcode
    for name, required, size in (("first_name", True, 100), ("last_name", False, 100)):
        value = str(data.get(name) or "").strip()
        if (required and not value) or len(value) > size:
            errors[name] = [_("Champ requis (%d caractères au plus).") % size]
        cleaned[name] = value
    email = str(data.get("email") or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Adresse e-mail invalide.")]
    cleaned["email"] = email
    phone = re.sub(r"[\s.\-()]", "", str(data.get("phone") or ""))
    match = _PHONE.match(phone)
    if not match:
        errors["phone"] = [_("Numéro de téléphone français invalide.")]
    cleaned["phone"] = f"+33{match.group(1)}" if match else ""
    description = str(data.get("description") or "").strip()
    if len(description) < 10 or len(description) > 5000:
        errors["description"] = [_("Décrivez le projet (10 à 5000 caractères).")]
    cleaned["description"] = description
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass(frozen=True)
class RoutingVerdict:
    """One installer of a network facing a lead of a trade in a département: whether it may
    receive it and, if not, why (French, for the rules page's preview)."""

    installer: NetworkInstaller
    eligible: bool
    reason: str


def routing_evaluate(
    *,
    network_id: int,
    department_code: str,
    category_slug: str,
    lock: bool = False,
    certified_pro_ids: set[int] | None = None,
) -> tuple[list[RoutingVerdict], NetworkInstaller | None]:
    """Every installer of the network against a lead (trade, département): paused, rule not
    covering, trade not practised, not insured, no capacity left (the directory's or the
    network's monthly cap), or eligible; and the one routing picks. Whatever a rule says, an
    installer who does not practise the trade (nor one without a valid insurance, when
    LEADS_REQUIRE_INSURANCE) is never picked. Among the eligible, the best priority (lowest
    number) wins; within it, leads are shared in proportion to the weights (this month's
    leads / weight, then the least recently served, then the oldest rule). With
    ``certified_pro_ids`` (a brand's request), an installer outside that set is never picked."""
    qs = NetworkInstaller.objects.filter(network_id=network_id).order_by("priority", "id")
    installers = list(qs.select_for_update() if lock else qs)
    pro_ids = [i.pro_id for i in installers]
    practising = directory.pros_practising(pro_ids=pro_ids, category_slug=category_slug)
    insured = directory.pros_insured(pro_ids=pro_ids, category_slug=category_slug)
    capacities = directory.pro_capacities(pro_ids)
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    served = {
        row["pro_id"]: row
        for row in Lead.objects.filter(network_id=network_id, pro_id__in=pro_ids)
        .values("pro_id")
        .annotate(last=Max("created_at"), month=Count("id", filter=Q(created_at__gte=month_start)))
    }
    verdicts = []
    for i in installers:
        month = served.get(i.pro_id, {}).get("month", 0)
        if not i.is_active:
            reason = _("En pause")
        elif certified_pro_ids is not None and i.pro_id not in certified_pro_ids:
            reason = _("N'est pas installateur certifié de la marque")
        elif not i.covers(department_code=department_code, category_slug=category_slug):
            reason = _("Sa règle ne couvre pas ce département ou ce métier")
        elif i.pro_id not in practising:
            reason = _("N'exerce pas ce métier")
        elif i.pro_id not in insured:
            reason = _("Pas de décennale vérifiée et valide pour ce métier")
        elif i.pro_id not in capacities or not capacities[i.pro_id].remaining:
            reason = _("Plus de capacité ce mois-ci")
        elif i.monthly_cap is not None and month >= i.monthly_cap:
            reason = _("Plafond du réseau atteint ce mois-ci (%d)") % i.monthly_cap
        else:
            reason = ""
        verdicts.append(RoutingVerdict(installer=i, eligible=not reason, reason=reason))
    eligible = [v.installer for v in verdicts if v.eligible]
    if not eligible:
        return verdicts, None
    best = min(i.priority for i in eligible)
    epoch = datetime.min.replace(tzinfo=timezone.get_current_timezone())
    chosen = min(
        (i for i in eligible if i.priority == best),
        key=lambda i: (
            served.get(i.pro_id, {}).get("month", 0) / max(i.weight, 1),
            served.get(i.pro_id, {}).get("last") or epoch,
            i.id,
        ),
    )
    return verdicts, chosen


def _installer_pick(*, network_id: int, department_code: str, category_slug: str):
    return routing_evaluate(
        network_id=network_id,
        department_code=department_code,
        category_slug=category_slug,
        lock=True,
    )[1]


def brand_quote_route(
    *, quote_id: int, brand_organization_id: int, department_code: str, category_slug: str
) -> int | None:
    """A homeowner asked a brand's page for a quote: the brand's routing rules (the same
    engine as a network's inbound leads) pick one of its certified installers — published,
    showing the brand on its profile, practising the trade, insured when required, with
    capacity — and the request is dispatched to it (quotes.api.quote_brand_route → the
    usual QuoteDispatchRequested → the lead, tagged with the brand). Nobody eligible: the
    request stays with Eldo's advisors. Returns the chosen pro's id, or None."""
    certified = {
        ref.id for ref in directory.pros_in_network(brand_organization_id, published_only=True)
    }
    with transaction.atomic():
        _verdicts, chosen = routing_evaluate(
            network_id=brand_organization_id,
            department_code=department_code,
            category_slug=category_slug,
            lock=True,
            certified_pro_ids=certified,
        )
        if chosen is None:
            return None
        if not quotes.quote_brand_route(quote_id=quote_id, pro_id=chosen.pro_id):
            return None
    return chosen.pro_id


def _replay_differs(lead: Lead, data: dict) -> bool:
    """A replay of an external id is the same push when the project it describes is the same
    (trade, postcode, e-mail, description); anything else is another lead under a taken id."""
    try:
        cleaned = _inbound_clean(data)
    except ValidationError:
        return True
    return any(
        cleaned[name] != getattr(lead, name)
        for name in ("category_slug", "postcode", "email", "description")
    )


def inbound_lead_receive(
    *, actor: Actor, data: dict, network_id: int | None = None, now: datetime | None = None
) -> tuple[Lead, bool]:
    """A network or manufacturer pushes a lead: routed to one of its installers. Idempotent on
    (network, external_id): a replay returns the same lead and False."""
    if not actor.network_ids():
        raise PermissionDenied(_("Réservé aux réseaux et industriels (gérant ou responsable)."))
    if network_id is None:
        network_id = min(actor.network_ids())
    elif network_id not in actor.network_ids():
        raise ValidationError({"network": [_("Vous ne gérez pas ce réseau.")]})
    external_id = str(data.get("external_id") or "").strip()
    existing = Lead.objects.filter(network_id=network_id, external_id=external_id).first()
    if external_id and existing:
        if _replay_differs(existing, data):
            raise LeadConflict(
                _("Identifiant externe déjà utilisé pour une autre demande : %s.") % external_id
            )
        return existing, False
    waiting = UnroutedLead.objects.filter(network_id=network_id, external_id=external_id).first()
    if external_id and waiting and waiting.lead_id is None:
        raise LeadQueued(waiting)
    cleaned = _inbound_clean(data)
    now = now or timezone.now()
    unrouted = None
    try:
        with transaction.atomic():
            installer = _installer_pick(
                network_id=network_id,
                department_code=cleaned["department_code"],
                category_slug=cleaned["category_slug"],
            )
            if installer is None:
                unrouted = UnroutedLead.objects.create(
                    network_id=network_id,
                    external_id=cleaned["external_id"],
                    data=cleaned,
                    created_at=now,
                )
                transaction.on_commit(lambda: unrouted_alert_send(unrouted_id=unrouted.pk))
            else:
                lead = _inbound_lead_create(
                    network_id=network_id, pro_id=installer.pro_id, cleaned=cleaned, now=now
                )
    except IntegrityError:  # the same external_id pushed concurrently: answer the first
        return Lead.objects.get(network_id=network_id, external_id=external_id), False
    if unrouted is not None:
        raise LeadQueued(unrouted)
    return lead, True


def _inbound_lead_create(*, network_id: int, pro_id: int, cleaned: dict, now) -> Lead:
    pro = directory.pros_by_ids([pro_id])[pro_id]
    lead = Lead.objects.create(
        source=LeadSource.INBOUND,
        network_id=network_id,
        pro_id=pro.id,
        organization_id=pro.organization_id,
        reference=cleaned["external_id"][:40],
        created_at=now,
        **cleaned,
    )
    _published(lead)
    return lead


def unrouted_alert_send(*, unrouted_id: int) -> bool:
    """E-mail the network's members once: a lead waits in their "à router" queue."""
    from django.urls import reverse

    from apps.accounts import api as accounts

    with transaction.atomic():
        unrouted = (
            UnroutedLead.objects.select_for_update().filter(pk=unrouted_id, alerted_at=None).first()
        )
        if unrouted is None:
            return False
        send_templated(
            to=accounts.organization_member_emails(unrouted.network_id),
            template="leads/email/unrouted",
            context={
                "reference": unrouted.external_id,
                "trade": unrouted.data.get("category_slug", ""),
                "postcode": unrouted.data.get("postcode", ""),
                "link": settings.SITE_URL + reverse("leads-backoffice:network-dashboard"),
            },
            subject=_("Demande à router : %s") % unrouted.external_id,
        )
        unrouted.alerted_at = timezone.now()
        unrouted.save(update_fields=["alerted_at"])
    return True


def unrouted_route(*, actor: Actor, network_id: int, unrouted_id: int, rule_id: int) -> Lead:
    """The network hands a lead of its "à router" queue to one of its installers, who must
    practise the trade (and be insured for it, when required); its rule's départements,
    pause and caps are the network's to override."""
    _network_of(actor, network_id)
    with transaction.atomic():
        unrouted = (
            UnroutedLead.objects.select_for_update()
            .filter(pk=unrouted_id, network_id=network_id)
            .first()
        )
        rule = NetworkInstaller.objects.filter(pk=rule_id, network_id=network_id).first()
        if unrouted is None:
            raise Http404
        if unrouted.lead_id is not None:
            raise LeadConflict(_("Cette demande a déjà été confiée à un installateur."))
        if rule is None:
            raise ValidationError({"installer": [_("Choisissez un de vos installateurs.")]})
        trade = unrouted.data["category_slug"]
        if rule.pro_id not in directory.pros_practising(pro_ids=[rule.pro_id], category_slug=trade):
            raise ValidationError({"installer": [_("Cet installateur n'exerce pas ce métier.")]})
        if rule.pro_id not in directory.pros_insured(pro_ids=[rule.pro_id], category_slug=trade):
            raise ValidationError(
                {"installer": [_("Cet installateur n'est pas assuré pour ce métier.")]}
            )
        lead = _inbound_lead_create(
            network_id=network_id, pro_id=rule.pro_id, cleaned=unrouted.data, now=timezone.now()
        )
        unrouted.lead = lead
        unrouted.save(update_fields=["lead"])
    return lead


# --- Networks: self-service routing rules ---------------------------------------------------


def _codes(value) -> list[str]:
    """A list of codes from a list or a text ("31, 32 81")."""
    if isinstance(value, str):
        value = re.split(r"[\s,;]+", value)
    return sorted({str(v).strip() for v in (value or []) if str(v).strip()})


def _small_int(value, *, field: str, default: int | None, low: int, high: int, errors):
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        errors[field] = [_("Un nombre entier entre %(low)d et %(high)d.") % locals()]
        return default
    return number


def network_rule_clean(data: dict, *, partial: bool = False) -> dict:
    """A routing rule's fields from a form or a JSON body: départements and trades (codes
    and slugs that exist; empty: all), priority 1–1000, weight 1–100, monthly cap 0–10000
    (empty: none), is_active. Unknown codes → ValidationError by field, in French."""
    errors: dict[str, list[str]] = {}
    cleaned: dict = {}
    if not partial or "department_codes" in data:
        codes = _codes(data.get("department_codes"))
        unknown = sorted(set(codes) - directory.department_codes_known(codes))
        if unknown:
            errors["department_codes"] = [_("Département inconnu : %s.") % ", ".join(unknown)]
        cleaned["department_codes"] = codes
    if not partial or "category_slugs" in data:
        slugs = _codes(data.get("category_slugs"))
        unknown = sorted(set(slugs) - set(directory.category_ids_by_slug(slugs)))
        if unknown:
            errors["category_slugs"] = [_("Métier inconnu : %s.") % ", ".join(unknown)]
        cleaned["category_slugs"] = slugs
    for field, default, low, high in (
        ("priority", 100, 1, 1000),
        ("weight", 1, 1, 100),
        ("monthly_cap", None, 0, 10000),
    ):
        if not partial or field in data:
            cleaned[field] = _small_int(
                data.get(field), field=field, default=default, low=low, high=high, errors=errors
            )
    if "is_active" in data:
        value = data.get("is_active")
        cleaned["is_active"] = value in (True, "true", "on", "1", 1, "True")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _network_of(actor: Actor, network_id: int) -> None:
    if network_id not in actor.network_ids():
        raise Http404


def network_rule_create(*, actor: Actor, network_id: int, pro_slug: str, data: dict):
    """The network adds an installer (a published directory pro, by its slug) with its rule."""
    _network_of(actor, network_id)
    pro = directory.pros_by_slugs([pro_slug]).get(pro_slug) if pro_slug else None
    if pro is None:
        raise ValidationError({"pro": [_("Installateur introuvable dans l'annuaire.")]})
    cleaned = network_rule_clean(data)
    if NetworkInstaller.objects.filter(network_id=network_id, pro_id=pro.id).exists():
        raise ValidationError({"pro": [_("Cet installateur a déjà une règle : modifiez-la.")]})
    return NetworkInstaller.objects.create(network_id=network_id, pro_id=pro.id, **cleaned)


def network_rule_update(
    *, actor: Actor, network_id: int, rule_id: int, data: dict, partial: bool = True
):
    """Changes a rule of the network (another network's rule: 404); pause/resume is
    ``is_active``."""
    _network_of(actor, network_id)
    rule = NetworkInstaller.objects.filter(network_id=network_id, pk=rule_id).first()
    if rule is None:
        raise Http404
    for name, value in network_rule_clean(data, partial=partial).items():
        setattr(rule, name, value)
    rule.save()
    return rule


def network_rule_delete(*, actor: Actor, network_id: int, rule_id: int) -> None:
    _network_of(actor, network_id)
    deleted, _details = NetworkInstaller.objects.filter(network_id=network_id, pk=rule_id).delete()
    if not deleted:
        raise Http404


def rule_overlaps(rules: list[NetworkInstaller]) -> dict[int, list[NetworkInstaller]]:
    """For each active rule, the other active rules that could take the same lead (their
    départements and trades meet; an empty list is "all"): routing resolves them by
    priority, then weight."""

    def meet(a: list[str], b: list[str]) -> bool:
        return not a or not b or bool(set(a) & set(b))

    active = [r for r in rules if r.is_active]
    return {
        r.pk: [
            o
            for o in active
            if o.pk != r.pk
            and meet(r.department_codes, o.department_codes)
            and meet(r.category_slugs, o.category_slugs)
        ]
        for r in active
    }


def routing_preview(*, actor: Actor, network_id: int, category_slug: str, postcode: str):
    """Who would receive a lead of this trade in this postcode, and why each other installer
    would not: (verdicts, chosen installer or None). Unknown trade or postcode →
    ValidationError by field."""
    _network_of(actor, network_id)
    errors = {}
    if not directory.category_ids_by_slug([category_slug]):
        errors["category"] = [_("Métier inconnu : %s.") % category_slug]
    communes = directory.communes_for_postcode(postcode) if re.fullmatch(r"\d{5}", postcode) else []
    if not communes:
        errors["postcode"] = [_("Code postal inconnu.")]
    if errors:
        raise ValidationError(errors)
    return routing_evaluate(
        network_id=network_id,
        department_code=communes[0].department_code,
        category_slug=category_slug,
    )


def network_installer_ensure(
    *,
    network_id: int,
    pro_id: int,
    department_codes: list[str] | None = None,
    category_slugs: list[str] | None = None,
) -> NetworkInstaller:
    installer, _created = NetworkInstaller.objects.update_or_create(
        network_id=network_id,
        pro_id=pro_id,
        defaults={
            "department_codes": list(department_codes or []),
            "category_slugs": list(category_slugs or []),
            "is_active": True,
        },
    )
    return installer


@transaction.atomic
def organization_forget(*, organization_id: int) -> None:
    """An organization is gone (accounts): what its foreign keys' cascade deleted goes — the
    leads it received or routed (with their history, notes and alerts), and, for a network
    or manufacturer, its installers, its "à router" queue and its webhooks (with their
    deliveries). Idempotent: a second run finds nothing."""
    Lead.objects.filter(Q(organization_id=organization_id) | Q(network_id=organization_id)).delete()
    NetworkInstaller.objects.filter(network_id=organization_id).delete()
    UnroutedLead.objects.filter(network_id=organization_id).delete()
    WebhookEndpoint.objects.filter(network_id=organization_id).delete()
