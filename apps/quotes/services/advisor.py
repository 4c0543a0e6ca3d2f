"""The advisors' work on a request: claim, calls (→ unreachable), qualify, reject.

State machine (docs/quotes.md)::

    new ──claim──► in_qualification ──qualify──► qualified ──dispatch──► dispatched
    new | in_qualification | qualified ──reject──► rejected
    in_qualification ──N failed calls in a row, or a wrong number──► unreachable
    unreachable ──claim──► in_qualification

The dispatch itself is in ``dispatch``; the moves in ``_transitions``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.actor import Actor
from apps.core.events import publish
from apps.quotes import validators
from apps.quotes.events import (
    QuoteCallLogged,
    QuoteClaimed,
    QuoteMarkedUnreachable,
    QuoteQualified,
    QuoteRejected,
)
from apps.quotes.models import (
    CallOutcome,
    QuoteCall,
    QuoteRequest,
    QuoteStatus,
    QuoteTransition,
    RejectionReason,
)
from apps.quotes.services._common import QuoteConflict, _collect, _fields_clean, next_call_slot
from apps.quotes.services._transitions import (
    _check,
    _holder_name,
    _locked,
    _require_advisor,
    _transition,
)

NOTES_MAX = 2_000


RETRY_DELAY = timedelta(hours=2)  # a failed call is retried in the next slot after this


# Fields an advisor may correct when qualifying (required ones: see _fields_clean).
QUALIFY_FIELDS = (
    "category",
    "description",
    "postcode",
    "commune",
    "address",
    "budget_range",
    "timeline",
    "property_type",
    "first_name",
    "last_name",
    "email",
    "phone",
    "callback_slot",
    "pro_note",
)


PRO_NOTE_MAX = 1_000


def max_failed_calls() -> int:
    """Failed calls in a row after which a request is marked unreachable (default 3)."""
    return int(getattr(settings, "QUOTES_MAX_FAILED_CALLS", 3))


def quote_claim(*, quote_id: int, actor: Actor, now: datetime | None = None) -> QuoteRequest:
    """Take a request: from then on only this advisor (or staff) works on it.

    One conditional UPDATE decides between concurrent claims (no lock is read first), so
    that of two advisors claiming at once on PostgreSQL the second gets QuoteConflict.
    Claiming a request one already holds changes nothing.
    """
    _require_advisor(actor)
    now = now or timezone.now()
    with transaction.atomic():
        quote = QuoteRequest.objects.get(pk=quote_id)
        if quote.status == QuoteStatus.IN_QUALIFICATION and quote.assigned_to_id == actor.user_id:
            return quote
        if quote.status == QuoteStatus.IN_QUALIFICATION:
            raise QuoteConflict(
                _("Cette demande est déjà prise en charge par %(name)s.")
                % {"name": _holder_name(quote)}
            )
        _check(
            quote,
            action=_("prendre en charge"),
            actor=actor,
            allowed_from=(QuoteStatus.NEW, QuoteStatus.UNREACHABLE),
        )
        matched = QuoteRequest.objects.filter(
            pk=quote.pk, status__in=(QuoteStatus.NEW, QuoteStatus.UNREACHABLE)
        ).update(
            status=QuoteStatus.IN_QUALIFICATION,
            assigned_to_id=actor.user_id,
            claimed_at=now,
            closed_at=None,
            failed_calls=0,
            next_call_at=now if quote.status == QuoteStatus.UNREACHABLE else quote.next_call_at,
            last_activity_at=now,
        )
        if not matched:
            # Another claim won the race between our read and our UPDATE.
            winner = QuoteRequest.objects.get(pk=quote.pk)
            if (
                winner.status == QuoteStatus.IN_QUALIFICATION
                and winner.assigned_to_id == actor.user_id
            ):
                return winner
            raise QuoteConflict(
                _("Cette demande vient d'être prise en charge par %(name)s.")
                % {"name": _holder_name(winner)}
            )
        QuoteTransition.objects.create(
            quote_id=quote.pk,
            from_status=quote.status,
            to_status=QuoteStatus.IN_QUALIFICATION,
            actor_id=actor.user_id,
            created_at=now,
        )
        publish(
            QuoteClaimed(
                quote_id=quote.pk,
                reference=quote.reference,
                from_status=quote.status,
                advisor_id=actor.user_id,
                claimed_at=now.isoformat(),
            )
        )
    return QuoteRequest.objects.get(pk=quote.pk)


def _next_call_clean(value: datetime | None, *, now: datetime) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value < now - timedelta(minutes=5):
        raise ValidationError({"next_call_at": [_("La date de rappel doit être dans le futur.")]})
    if value > now + timedelta(days=366):
        raise ValidationError(
            {"next_call_at": [_("La date de rappel doit être dans moins d'un an.")]}
        )
    return value


def quote_call_log(
    *,
    quote_id: int,
    actor: Actor,
    outcome: str,
    notes: str = "",
    next_call_at: datetime | None = None,
    now: datetime | None = None,
) -> QuoteCall:
    """Record a call; after N failed calls in a row (or a wrong number) → unreachable."""
    _require_advisor(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if outcome not in CallOutcome.values:
        errors["outcome"] = [_("Choisissez le résultat de l'appel dans la liste.")]
    notes = _collect(errors, "notes", validators.text_clean, notes, max_length=NOTES_MAX) or ""
    try:
        next_call_at = _next_call_clean(next_call_at, now=now)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    with transaction.atomic():
        quote = _locked(quote_id)
        _check(
            quote,
            action=_("noter un appel sur"),
            actor=actor,
            allowed_from=(QuoteStatus.IN_QUALIFICATION,),
        )
        if errors:
            raise ValidationError(errors)
        call = QuoteCall.objects.create(
            quote=quote,
            advisor_id=actor.user_id,
            outcome=outcome,
            notes=notes,
            next_call_at=next_call_at,
            created_at=now,
        )
        if quote.first_call_at is None:  # the callback promise is measured to this call
            quote.first_call_at = now
            QuoteRequest.objects.filter(pk=quote.pk).update(first_call_at=now)
        publish(
            QuoteCallLogged(
                quote_id=quote.pk,
                reference=quote.reference,
                call_id=call.pk,
                outcome=outcome,
                advisor_id=actor.user_id,
                called_at=now.isoformat(),
            )
        )
        failed = 0 if outcome == CallOutcome.REACHED else quote.failed_calls + 1
        if outcome == CallOutcome.WRONG_NUMBER or failed >= max_failed_calls():
            note = (
                _("Faux numéro")
                if outcome == CallOutcome.WRONG_NUMBER
                else _("%(count)d appels sans réponse") % {"count": failed}
            )
            quote = _transition(
                quote,
                to=QuoteStatus.UNREACHABLE,
                actor=actor,
                now=now,
                note=note,
                failed_calls=failed,
                next_call_at=None,
                closed_at=now,
            )
            publish(
                QuoteMarkedUnreachable(
                    quote_id=quote.pk,
                    reference=quote.reference,
                    failed_calls=failed,
                    advisor_id=actor.user_id,
                    marked_at=now.isoformat(),
                )
            )
            return call
        if next_call_at is None:
            next_call_at = (
                now if failed == 0 else next_call_slot(now + RETRY_DELAY, quote.callback_slot)
            )
        QuoteRequest.objects.filter(pk=quote.pk).update(
            failed_calls=failed, next_call_at=next_call_at, last_activity_at=now
        )
    return call


def quote_qualify(
    *, quote_id: int, actor: Actor, changes: dict[str, Any], now: datetime | None = None
) -> QuoteRequest:
    """Correct the project's details and mark it qualified (required fields checked)."""
    _require_advisor(actor)
    now = now or timezone.now()
    unknown = set(changes) - set(QUALIFY_FIELDS)
    if unknown:
        raise ValidationError(
            {field: [_("Ce champ ne peut pas être modifié.")] for field in unknown}
        )
    changes = dict(changes)
    pro_note = changes.pop("pro_note", None)
    if pro_note is not None:
        try:
            pro_note = validators.text_clean(pro_note, max_length=PRO_NOTE_MAX)
        except ValidationError as exc:
            raise ValidationError({"pro_note": exc.messages}) from exc
    with transaction.atomic():
        quote = _locked(quote_id)
        _check(
            quote,
            action=_("qualifier"),
            actor=actor,
            allowed_from=(QuoteStatus.IN_QUALIFICATION,),
        )
        current = {
            "category": quote.category_slug,
            "description": quote.description,
            "postcode": quote.postcode,
            "commune": quote.commune_insee,
            "address": quote.address,
            "budget_range": quote.budget_range,
            "timeline": quote.timeline,
            "property_type": quote.property_type,
            "first_name": quote.first_name,
            "last_name": quote.last_name,
            "email": quote.email,
            "phone": quote.phone,
            "callback_slot": quote.callback_slot,
        }
        if "postcode" in changes and "commune" not in changes:
            current["commune"] = ""  # a new postcode: its main commune unless one is named
        merged = {**current, **{k: "" if v is None else v for k, v in changes.items()}}
        fields = _fields_clean(merged, kind=quote.kind, for_qualification=True)
        if pro_note is not None:
            fields["pro_note"] = pro_note
        quote = _transition(
            quote,
            to=QuoteStatus.QUALIFIED,
            actor=actor,
            now=now,
            qualified_at=now,
            next_call_at=now,  # dispatch comes next, as soon as possible
            **fields,
        )
        publish(
            QuoteQualified(
                quote_id=quote.pk,
                reference=quote.reference,
                category_slug=quote.category_slug,
                postcode=quote.postcode,
                department_code=quote.department_code,
                advisor_id=actor.user_id,
                qualified_at=now.isoformat(),
            )
        )
    return quote


def quote_reject(
    *, quote_id: int, actor: Actor, reason: str, note: str = "", now: datetime | None = None
) -> QuoteRequest:
    """Close a request that will not go to pros; the homeowner is told why by e-mail."""
    _require_advisor(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if reason not in RejectionReason.values:
        errors["reason"] = [_("Choisissez un motif de refus dans la liste.")]
    note = _collect(errors, "note", validators.text_clean, note, max_length=1_000) or ""
    with transaction.atomic():
        quote = _locked(quote_id)
        _check(
            quote,
            action=_("refuser"),
            actor=actor,
            allowed_from=(
                QuoteStatus.NEW,
                QuoteStatus.IN_QUALIFICATION,
                QuoteStatus.QUALIFIED,
            ),
        )
        if errors:
            raise ValidationError(errors)
        quote = _transition(
            quote,
            to=QuoteStatus.REJECTED,
            actor=actor,
            now=now,
            note=str(RejectionReason(reason).label),
            rejection_reason=reason,
            rejection_note=note,
            next_call_at=None,
            closed_at=now,
        )
        publish(
            QuoteRejected(
                quote_id=quote.pk,
                reference=quote.reference,
                reason=reason,
                advisor_id=actor.user_id,
                rejected_at=now.isoformat(),
            )
        )
    return quote
