"""Writes of the quotes context: submission, the advisors' state machine, retention.

State machine (docs/quotes.md)::

    new ──claim──► in_qualification ──qualify──► qualified ──dispatch──► dispatched
    new | in_qualification | qualified ──reject──► rejected
    in_qualification ──N failed calls in a row, or a wrong number──► unreachable
    unreachable ──claim──► in_qualification

Every change of status is a conditional UPDATE (``WHERE status = <seen> [AND holder =
<advisor>]``): when two advisors act on the same request at once, exactly one UPDATE
matches and the other gets ``QuoteConflict`` (HTTP 409). Each one writes a
``QuoteTransition`` row (who, when, from, to) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import Conflict
from apps.core.events import publish
from apps.directory import api as directory
from apps.quotes import validators
from apps.quotes.events import (
    QuoteCallLogged,
    QuoteClaimed,
    QuoteDispatchRequested,
    QuoteMarkedUnreachable,
    QuoteQualified,
    QuoteRejected,
    QuoteRequestsAnonymised,
    QuoteSubmissionAttached,
    QuoteSubmitted,
)
from apps.quotes.models import (
    BudgetRange,
    CallbackSlot,
    CallOutcome,
    HomeownerOutcome,
    PropertyType,
    QuoteCall,
    QuoteChannel,
    QuoteDispatchChoice,
    QuoteKind,
    QuoteNote,
    QuoteRequest,
    QuoteStatus,
    QuoteTransition,
    RejectionReason,
    Timeline,
)

# The wording the homeowner accepts; stored with every request as it was at the time.
CONSENT_TEXT = (
    "J'accepte qu'Eldo utilise ces informations pour me rappeler au sujet de mon projet "
    "et les transmette à trois professionnels au plus, choisis par un conseiller Eldo, "
    "qui me contacteront pour établir un devis. Mes données sont anonymisées trois ans "
    "après le dernier échange ; je peux y accéder, les faire rectifier ou effacer en "
    "écrivant à dpo@eldo.fr."
)

MAX_DISPATCHED_PROS = 3
MATCH_LIMIT = 20  # suggestions shown to the advisor
MATCH_VALIDATION_LIMIT = 200  # how deep a chosen pro is looked for among the matches
NOTES_MAX = 2_000
RETRY_DELAY = timedelta(hours=2)  # a failed call is retried in the next slot after this

# Local hours of the callback slots the homeowner can choose.
SLOT_HOURS = {
    CallbackSlot.ANY: (9, 20),
    CallbackSlot.MORNING: (9, 12),
    CallbackSlot.LUNCH: (12, 14),
    CallbackSlot.AFTERNOON: (14, 18),
    CallbackSlot.EVENING: (18, 20),
}

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

OPEN_STATUSES = (QuoteStatus.NEW, QuoteStatus.IN_QUALIFICATION, QuoteStatus.QUALIFIED)


def max_failed_calls() -> int:
    """Failed calls in a row after which a request is marked unreachable (default 3)."""
    return int(getattr(settings, "QUOTES_MAX_FAILED_CALLS", 3))


def duplicate_window() -> timedelta:
    """A second identical submission within this delay is merged into the first."""
    return timedelta(minutes=int(getattr(settings, "QUOTES_DUPLICATE_WINDOW_MINUTES", 15)))


def retention_period() -> timedelta:
    """Personal data of a request without activity for this long is anonymised (CNIL)."""
    return timedelta(days=int(getattr(settings, "QUOTES_RETENTION_DAYS", 3 * 365)))


class QuoteConflict(Conflict):
    """The action is not possible in the request's current state (HTTP 409)."""


# --- Submission ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    quote: QuoteRequest
    # True: the same person (e-mail and phone) sent the same project a few minutes ago;
    # ``quote`` is then the closed receipt, and the earlier request got a note.
    merged: bool


def _collect(errors: dict[str, list[str]], field: str, check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
        return None


def _choice(value: str, choices, *, message: str) -> str:
    value = (value or "").strip()
    if value and value not in choices.values:
        raise ValidationError(message, code="invalid_choice")
    return value


def _required_text(value: str, *, max_length: int, message: str) -> str:
    text = validators.text_clean(value, max_length=max_length)
    if not text:
        raise ValidationError(message, code="required")
    return text


def _email_clean(value: str) -> str:
    email = (value or "").strip().lower()
    if not email:
        raise ValidationError(_("Indiquez votre adresse e-mail."), code="required")
    if len(email) > 254:
        raise ValidationError(_("Cette adresse e-mail est trop longue."), code="max_length")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("Saisissez une adresse e-mail valide, par exemple prenom.nom@exemple.fr."),
            code="invalid",
        ) from None
    return email


def _category_clean(slug: str, *, required: bool) -> str:
    slug = (slug or "").strip()
    if not slug:
        if required:
            raise ValidationError(_("Choisissez le type de travaux."), code="required")
        return ""
    if slug not in {c.slug for c in directory.categories()}:
        raise ValidationError(_("Type de travaux inconnu."), code="invalid_choice")
    return slug


def _place_clean(postcode: str, commune: str) -> dict[str, str]:
    """Postcode (and optional commune name or INSEE code) → the stored place fields."""
    try:
        code = validators.postcode_clean(postcode)
    except ValidationError as exc:
        raise ValidationError({"postcode": exc.messages}) from None
    communes = directory.communes_for_postcode(code)
    if not communes:
        raise ValidationError(
            {"postcode": [_("Ce code postal n'existe pas : vérifiez-le.")]}, code="unknown"
        )
    chosen = communes[0]  # the most populous commune of the postcode
    wanted = validators.text_clean(commune, max_length=100)
    if wanted:
        key = validators.place_name_key(wanted)
        found = [
            c
            for c in communes
            if c.insee_code == wanted or key == validators.place_name_key(c.name)
        ]
        if not found:
            names = ", ".join(c.name for c in communes[:8])
            raise ValidationError(
                {
                    "commune": [
                        _("Cette commune ne correspond pas au code postal %(code)s (%(names)s).")
                        % {"code": code, "names": names}
                    ]
                }
            )
        chosen = found[0]
    return {
        "postcode": code,
        "commune_insee": chosen.insee_code,
        "commune_name": chosen.name,
        "department_code": chosen.department_code,
    }


def _pro_clean(slug: str) -> dict[str, Any]:
    slug = (slug or "").strip()
    if not slug:
        return {"target_pro_id": None, "target_pro_slug": ""}
    pro = directory.pros_by_slugs([slug]).get(slug)
    if pro is None:
        raise ValidationError(_("Cet artisan n'existe pas ou plus."), code="unknown")
    return {"target_pro_id": pro.id, "target_pro_slug": pro.slug}


def _brand_clean(slug: str) -> dict[str, Any]:
    slug = (slug or "").strip()
    if not slug:
        return {"brand_organization_id": None, "brand_slug": ""}
    brand = directory.brand_by_slug(slug[:120])
    if brand is None:
        raise ValidationError(_("Cette marque n'existe pas ou plus."), code="unknown")
    return {"brand_organization_id": brand.organization_id, "brand_slug": brand.slug}


def _fields_clean(data: dict[str, Any], *, kind: str, for_qualification: bool) -> dict[str, Any]:
    """Check every field, collecting all the errors: {model field: value} or ValidationError."""
    errors: dict[str, list[str]] = {}
    needs_project = kind == QuoteKind.QUOTE or for_qualification
    fields: dict[str, Any] = {}
    fields["category_slug"] = _collect(
        errors, "category", _category_clean, data.get("category", ""), required=needs_project
    )
    fields["description"] = _collect(
        errors,
        "description",
        validators.description_clean,
        data.get("description", ""),
        required=needs_project,
    )
    try:
        fields.update(_place_clean(data.get("postcode", ""), data.get("commune", "")))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    fields["address"] = _collect(
        errors, "address", validators.text_clean, data.get("address", ""), max_length=200
    )
    fields["first_name"] = _collect(
        errors,
        "first_name",
        _required_text,
        data.get("first_name", ""),
        max_length=100,
        message=_("Indiquez votre prénom."),
    )
    fields["last_name"] = _collect(
        errors, "last_name", validators.text_clean, data.get("last_name", ""), max_length=100
    )
    fields["email"] = _collect(errors, "email", _email_clean, data.get("email", ""))
    fields["phone"] = _collect(errors, "phone", validators.phone_normalise, data.get("phone", ""))
    for field, choices, message in (
        ("budget_range", BudgetRange, _("Choisissez une fourchette de budget de la liste.")),
        ("timeline", Timeline, _("Choisissez un délai de la liste.")),
        ("property_type", PropertyType, _("Choisissez un type de bien de la liste.")),
        ("callback_slot", CallbackSlot, _("Choisissez un créneau de la liste.")),
    ):
        fields[field] = _collect(
            errors, field, _choice, data.get(field, ""), choices, message=message
        )
    if for_qualification:
        required_messages = {
            "budget_range": _("Le budget est nécessaire pour qualifier la demande."),
            "timeline": _("Le délai est nécessaire pour qualifier la demande."),
        }
        for field, message in required_messages.items():
            if field not in errors and not fields.get(field):
                errors[field] = [message]
    if errors:
        raise ValidationError(errors)
    fields["callback_slot"] = fields["callback_slot"] or CallbackSlot.ANY
    return fields


def quote_submit(
    *,
    kind: str,
    channel: str,
    category: str = "",
    description: str = "",
    postcode: str = "",
    commune: str = "",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    consent: bool = False,
    budget_range: str = "",
    timeline: str = "",
    property_type: str = "",
    callback_slot: str = "",
    address: str = "",
    pro: str = "",
    brand: str = "",
    now: datetime | None = None,
) -> Submission:
    """Record a homeowner's quote or callback request.

    A submission never changes another request nor answers with its reference: a repeat
    by the same person (same e-mail and phone, same project, within the duplicate window)
    becomes a note on the earlier request; anything else is a new request, flagged as a
    possible duplicate when a recent one shares its e-mail or phone.
    """
    if kind not in QuoteKind.values:
        raise ValidationError({"kind": [_("Type de demande inconnu.")]})
    if channel not in QuoteChannel.values:
        raise ValueError(f"unknown channel {channel!r}")
    data = {
        "category": category,
        "description": description,
        "postcode": postcode,
        "commune": commune,
        "address": address,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
        "budget_range": budget_range,
        "timeline": timeline,
        "property_type": property_type,
        "callback_slot": callback_slot,
    }
    errors: dict[str, list[str]] = {}
    try:
        fields = _fields_clean(data, kind=kind, for_qualification=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        fields = {}
    target = _collect(errors, "pro", _pro_clean, pro)
    brand_fields = _collect(errors, "brand", _brand_clean, brand if kind == QuoteKind.QUOTE else "")
    if consent is not True:
        errors["consent"] = [
            _("Vous devez accepter d'être recontacté(e) pour envoyer votre demande.")
        ]
    if errors:
        raise ValidationError(errors)
    fields.update(target)
    fields.update(brand_fields)
    now = now or timezone.now()
    with transaction.atomic():
        same_person = _recent_same_person(kind=kind, fields=fields, now=now)
        if same_person is not None:
            return Submission(
                quote=_receipt_attach(
                    same_person, kind=kind, channel=channel, fields=fields, now=now
                ),
                merged=True,
            )
        quote = _quote_create(
            kind=kind,
            channel=channel,
            status=QuoteStatus.NEW,
            fields=fields,
            now=now,
            possible_duplicate_of=_possible_duplicate(fields=fields, now=now),
            next_call_at=next_call_slot(now, fields["callback_slot"]),
        )
        publish(
            QuoteSubmitted(
                quote_id=quote.pk,
                reference=quote.reference,
                kind=quote.kind,
                category_slug=quote.category_slug,
                department_code=quote.department_code,
                target_pro_id=quote.target_pro_id,
                brand_organization_id=quote.brand_organization_id,
            )
        )
    return Submission(quote=quote, merged=False)


def _quote_create(*, kind: str, channel: str, status: str, fields: dict[str, Any], now, **extra):
    quote = QuoteRequest.objects.create(
        kind=kind,
        channel=channel,
        status=status,
        consent_text=CONSENT_TEXT,
        consent_at=now,
        created_at=now,
        last_activity_at=now,
        **fields,
        **extra,
    )
    # Derived from the primary key, so concurrent submissions can never collide.
    quote.reference = reference_for(quote.pk, now)
    QuoteRequest.objects.filter(pk=quote.pk).update(reference=quote.reference)
    return quote


def reference_for(pk: int, created_at: datetime) -> str:
    """``ELD-<year>-<zero-padded id>``, e.g. ELD-2026-000123."""
    return f"ELD-{timezone.localtime(created_at).year}-{pk:06d}"


def possible_duplicate_window() -> timedelta:
    """An earlier request with the same e-mail or phone this recent flags a new one."""
    return timedelta(days=int(getattr(settings, "QUOTES_POSSIBLE_DUPLICATE_DAYS", 30)))


def _recent_same_person(*, kind: str, fields: dict[str, Any], now: datetime) -> QuoteRequest | None:
    """The request this submission repeats: same e-mail AND same phone, same project, a few
    minutes ago, not yet worked. The e-mail alone proves nothing (anyone can type it)."""
    return (
        QuoteRequest.objects.select_for_update()
        .filter(
            email=fields["email"],
            phone=fields["phone"],
            kind=kind,
            category_slug=fields["category_slug"],
            postcode=fields["postcode"],
            status=QuoteStatus.NEW,
            attached_to__isnull=True,
            anonymised_at__isnull=True,
            created_at__gte=now - duplicate_window(),
        )
        .order_by("-created_at")
        .first()
    )


def _possible_duplicate(*, fields: dict[str, Any], now: datetime) -> QuoteRequest | None:
    """The latest recent request with the same e-mail or the same phone, for the advisor."""
    return (
        QuoteRequest.objects.filter(
            Q(email=fields["email"]) | Q(phone=fields["phone"]),
            attached_to__isnull=True,
            anonymised_at__isnull=True,
            created_at__gte=now - possible_duplicate_window(),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def _receipt_attach(
    quote: QuoteRequest, *, kind: str, channel: str, fields: dict[str, Any], now: datetime
) -> QuoteRequest:
    """A resubmission by the same person: a note on ``quote`` and a closed receipt.

    Nothing of ``quote`` changes but its note and its activity date. The receipt is a
    request of its own (its own reference and link, showing only what was typed in it),
    closed at once as a duplicate, so that the answer to the submitter reveals nothing of
    ``quote``; the link of ``quote`` goes by e-mail to the address on file.
    """
    receipt = _quote_create(
        kind=kind,
        channel=channel,
        status=QuoteStatus.REJECTED,
        fields=fields,
        now=now,
        attached_to=quote,
        rejection_reason=RejectionReason.DUPLICATE,
        closed_at=now,
    )
    QuoteTransition.objects.create(
        quote=receipt,
        from_status=QuoteStatus.NEW,
        to_status=QuoteStatus.REJECTED,
        note=str(_("Rattachée à la demande %(reference)s") % {"reference": quote.reference}),
        created_at=now,
    )
    if fields.get("description"):
        QuoteNote.objects.create(
            quote=quote, body=fields["description"], receipt=receipt, created_at=now
        )
    QuoteRequest.objects.filter(pk=quote.pk).update(
        merged_submissions=F("merged_submissions") + 1, last_activity_at=now
    )
    publish(
        QuoteSubmissionAttached(quote_id=quote.pk, reference=quote.reference, receipt_id=receipt.pk)
    )
    return receipt


def next_call_slot(moment: datetime, slot: str) -> datetime:
    """The first moment at or after ``moment`` inside the homeowner's callback slot."""
    start, end = SLOT_HOURS.get(slot, SLOT_HOURS[CallbackSlot.ANY])
    local = timezone.localtime(moment)
    if start <= local.hour < end:
        return moment
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(start)), local.tzinfo)


# --- The advisors' state machine ------------------------------------------------------------


def is_advisor(user) -> bool:
    """Eldo advisors (staff role ``advisor``) and platform staff (superusers)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or getattr(user, "staff_role", "") == "advisor")
    )


def _require_advisor(actor) -> None:
    if not is_advisor(actor):
        raise PermissionDenied


def _status_label(status: str) -> str:
    return str(QuoteStatus(status).label).lower()


def _holder_name(quote: QuoteRequest) -> str:
    holder = quote.assigned_to
    return holder.get_full_name() if holder is not None else _("un autre conseiller")


def _check(quote: QuoteRequest, *, action: str, actor, allowed_from: tuple[str, ...]) -> None:
    """Raise QuoteConflict with a French explanation when ``action`` is not allowed now."""
    if quote.anonymised_at is not None:
        raise QuoteConflict(_("Cette demande a été anonymisée : elle ne peut plus être traitée."))
    if quote.status not in allowed_from:
        raise QuoteConflict(
            _("Impossible de %(action)s cette demande : elle est « %(status)s ».")
            % {"action": action, "status": _status_label(quote.status)}
        )
    held = quote.status in (QuoteStatus.IN_QUALIFICATION, QuoteStatus.QUALIFIED)
    if held and quote.assigned_to_id != actor.pk and not actor.is_superuser:
        raise QuoteConflict(
            _("Cette demande est suivie par %(name)s : seul ce conseiller peut la traiter.")
            % {"name": _holder_name(quote)}
        )


def _transition(
    quote: QuoteRequest, *, to: str, actor, now: datetime, note: str = "", **changes
) -> QuoteRequest:
    """Move ``quote`` from the status it was read with to ``to``, or raise QuoteConflict."""
    matched = QuoteRequest.objects.filter(
        pk=quote.pk, status=quote.status, assigned_to_id=quote.assigned_to_id
    ).update(status=to, last_activity_at=now, **changes)
    if not matched:
        raise QuoteConflict(
            _("Cette demande vient d'être modifiée par un autre conseiller : rechargez la page.")
        )
    QuoteTransition.objects.create(
        quote_id=quote.pk,
        from_status=quote.status,
        to_status=to,
        actor_id=actor.pk if actor is not None else None,
        note=note[:300],
        created_at=now,
    )
    quote.refresh_from_db()
    return quote


def _locked(quote_id: int) -> QuoteRequest:
    """The request, its row locked until the end of the transaction (PostgreSQL)."""
    return (
        QuoteRequest.objects.select_for_update(of=("self",))
        .select_related("assigned_to")
        .get(pk=quote_id)
    )


def quote_claim(*, quote_id: int, actor, now: datetime | None = None) -> QuoteRequest:
    """Take a request: from then on only this advisor (or staff) works on it.

    One conditional UPDATE decides between concurrent claims (no lock is read first), so
    that of two advisors claiming at once on PostgreSQL the second gets QuoteConflict.
    Claiming a request one already holds changes nothing.
    """
    _require_advisor(actor)
    now = now or timezone.now()
    with transaction.atomic():
        quote = QuoteRequest.objects.select_related("assigned_to").get(pk=quote_id)
        if quote.status == QuoteStatus.IN_QUALIFICATION and quote.assigned_to_id == actor.pk:
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
            assigned_to_id=actor.pk,
            claimed_at=now,
            closed_at=None,
            failed_calls=0,
            next_call_at=now if quote.status == QuoteStatus.UNREACHABLE else quote.next_call_at,
            last_activity_at=now,
        )
        if not matched:
            # Another claim won the race between our read and our UPDATE.
            winner = QuoteRequest.objects.select_related("assigned_to").get(pk=quote.pk)
            if winner.status == QuoteStatus.IN_QUALIFICATION and winner.assigned_to_id == actor.pk:
                return winner
            raise QuoteConflict(
                _("Cette demande vient d'être prise en charge par %(name)s.")
                % {"name": _holder_name(winner)}
            )
        QuoteTransition.objects.create(
            quote_id=quote.pk,
            from_status=quote.status,
            to_status=QuoteStatus.IN_QUALIFICATION,
            actor_id=actor.pk,
            created_at=now,
        )
        publish(
            QuoteClaimed(
                quote_id=quote.pk,
                reference=quote.reference,
                from_status=quote.status,
                advisor_id=actor.pk,
                claimed_at=now.isoformat(),
            )
        )
    return QuoteRequest.objects.select_related("assigned_to").get(pk=quote.pk)


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
    actor,
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
            advisor_id=actor.pk,
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
                advisor_id=actor.pk,
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
                    advisor_id=actor.pk,
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
    *, quote_id: int, actor, changes: dict[str, Any], now: datetime | None = None
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
                advisor_id=actor.pk,
                qualified_at=now.isoformat(),
            )
        )
    return quote


def quote_reject(
    *, quote_id: int, actor, reason: str, note: str = "", now: datetime | None = None
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
                advisor_id=actor.pk,
                rejected_at=now.isoformat(),
            )
        )
    return quote


def _slugs_clean(pro_slugs) -> list[str]:
    if not isinstance(pro_slugs, list | tuple) or not all(isinstance(s, str) for s in pro_slugs):
        raise ValidationError({"pros": [_("Donnez une liste d'identifiants d'artisans.")]})
    slugs = list(dict.fromkeys(s.strip() for s in pro_slugs if s.strip()))
    if not slugs:
        raise ValidationError({"pros": [_("Choisissez au moins un artisan.")]})
    if len(slugs) > MAX_DISPATCHED_PROS:
        raise ValidationError(
            {
                "pros": [
                    _("Choisissez trois artisans au plus (%(count)d choisis).")
                    % {"count": len(slugs)}
                ]
            }
        )
    return slugs


def quote_dispatch(
    *, quote_id: int, actor, pro_slugs: list[str], now: datetime | None = None
) -> QuoteRequest:
    """Record the advisor's choice of pros and hand the request over to the leads context.

    Idempotent: the same choice sent again returns the dispatched request unchanged; a
    different choice for an already dispatched request is a conflict. The chosen pros must
    be among the directory's matches for the project (trade, area), or be the pro the
    homeowner asked for.
    """
    _require_advisor(actor)
    now = now or timezone.now()
    slugs = _slugs_clean(pro_slugs)
    with transaction.atomic():
        quote = _locked(quote_id)
        if quote.status == QuoteStatus.DISPATCHED:
            chosen = set(quote.dispatches.values_list("pro_slug", flat=True))
            if chosen == set(slugs):
                return quote
            raise QuoteConflict(_("Cette demande a déjà été transmise à d'autres artisans."))
        _check(
            quote,
            action=_("transmettre"),
            actor=actor,
            allowed_from=(QuoteStatus.QUALIFIED,),
        )
        pros = directory.pros_by_slugs(slugs)
        unknown = [slug for slug in slugs if slug not in pros]
        if unknown:
            raise ValidationError(
                {"pros": [_("Artisan inconnu : %(slug)s.") % {"slug": s} for s in unknown]}
            )
        capacities = directory.pro_capacities([pro.id for pro in pros.values()])
        full = [
            pros[s]
            for s in slugs
            if pros[s].id in capacities and not capacities[pros[s].id].remaining
        ]
        if full:
            raise QuoteConflict(
                " ".join(
                    _("%(name)s a atteint son plafond de %(cap)d demandes ce mois-ci.")
                    % {"name": pro.name, "cap": capacities[pro.id].monthly_lead_cap}
                    for pro in full
                )
            )
        # A pro without a verified décennale for the trade gets no lead, even the one the
        # homeowner named (LEADS_REQUIRE_INSURANCE, docs/verification.md).
        insured = directory.pros_insured(
            pro_ids=[pro.id for pro in pros.values()], category_slug=quote.category_slug
        )
        uninsured = [pros[slug] for slug in slugs if pros[slug].id not in insured]
        if uninsured:
            raise ValidationError(
                {
                    "pros": [
                        _(
                            "%(name)s n'a pas d'assurance décennale vérifiée pour ce métier :"
                            " aucune demande ne peut lui être transmise."
                        )
                        % {"name": pro.name}
                        for pro in uninsured
                    ]
                }
            )
        allowed = {
            match.pro.slug
            for match in directory.pros_matching(
                category_slug=quote.category_slug,
                postcode=quote.postcode,
                limit=MATCH_VALIDATION_LIMIT,
            )
        }
        if quote.target_pro_slug:
            allowed.add(quote.target_pro_slug)
        outside = [pros[slug] for slug in slugs if slug not in allowed]
        if outside:
            raise ValidationError(
                {
                    "pros": [
                        _("%(name)s n'intervient pas pour ce projet (métier ou secteur).")
                        % {"name": pro.name}
                        for pro in outside
                    ]
                }
            )
        quote = _transition(
            quote,
            to=QuoteStatus.DISPATCHED,
            actor=actor,
            now=now,
            note=", ".join(slugs)[:300],
            dispatched_at=now,
            next_call_at=None,
            closed_at=now,
        )
        QuoteDispatchChoice.objects.bulk_create(
            [
                QuoteDispatchChoice(
                    quote=quote,
                    pro_id=pros[slug].id,
                    pro_slug=slug,
                    pro_name=pros[slug].name,
                    position=position,
                    created_at=now,
                )
                for position, slug in enumerate(slugs)
            ],
            # A request the homeowner sent back for another pro keeps its earlier choices.
            ignore_conflicts=True,
        )
        publish(
            QuoteDispatchRequested(
                quote_id=quote.pk,
                reference=quote.reference,
                pro_ids=[pros[slug].id for slug in slugs],
                pro_slugs=slugs,
                category_slug=quote.category_slug,
                postcode=quote.postcode,
                department_code=quote.department_code,
                advisor_id=actor.pk,
                requested_at=now.isoformat(),
            )
        )
    return quote


def quote_brand_route(*, quote_id: int, pro_id: int, now: datetime | None = None) -> bool:
    """A request asked from a brand's page goes straight to the certified installer the
    brand's routing rules picked (leads context): dispatched without an advisor, with the
    same hand-over as an advisor's dispatch (QuoteDispatchRequested: the lead, the
    homeowner's e-mail, the audit). Only a new request of that brand, once: False
    otherwise (a redelivery, an advisor already on it)."""
    now = now or timezone.now()
    pro = directory.pros_by_ids([pro_id]).get(pro_id)
    if pro is None:
        return False
    with transaction.atomic():
        quote = _locked(quote_id)
        if (
            quote.status != QuoteStatus.NEW
            or quote.brand_organization_id is None
            or quote.anonymised_at is not None
        ):
            return False
        quote = _transition(
            quote,
            to=QuoteStatus.DISPATCHED,
            actor=None,
            now=now,
            note=_("Marque %(brand)s : %(pro)s") % {"brand": quote.brand_slug, "pro": pro.slug},
            dispatched_at=now,
            next_call_at=None,
            closed_at=now,
        )
        QuoteDispatchChoice.objects.get_or_create(
            quote=quote,
            pro_id=pro.id,
            defaults={"pro_slug": pro.slug, "pro_name": pro.name, "position": 0, "created_at": now},
        )
        publish(
            QuoteDispatchRequested(
                quote_id=quote.pk,
                reference=quote.reference,
                pro_ids=[pro.id],
                pro_slugs=[pro.slug],
                category_slug=quote.category_slug,
                postcode=quote.postcode,
                department_code=quote.department_code,
                advisor_id=None,
                requested_at=now.isoformat(),
            )
        )
    return True


# --- The homeowner's own actions ("Mes projets") ------------------------------------------


def _homeowner_quote(*, quote_id: int, email: str) -> QuoteRequest:
    """The request, locked, if it was made with this (verified) address; else DoesNotExist."""
    email = (email or "").strip().lower()
    quote = _locked(quote_id)
    if not email or quote.email != email or quote.attached_to_id is not None:
        raise QuoteRequest.DoesNotExist
    if quote.anonymised_at is not None:
        raise QuoteConflict(_("Cette demande a été anonymisée : elle ne peut plus être modifiée."))
    if quote.homeowner_closed_at is not None:
        raise QuoteConflict(_("Vous avez déjà clôturé ce projet."))
    return quote


def quote_homeowner_reopen(
    *, quote_id: int, email: str, note: str, now: datetime | None = None
) -> QuoteRequest:
    """ "Demander un autre artisan": the dispatched request goes back to the advisors'
    queue (qualified, to be called first) with the homeowner's note; the pros already
    chosen keep their lead. QuoteRequest.DoesNotExist when it is not this homeowner's."""
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError({"note": [_("1 000 caractères au plus.")]})
    with transaction.atomic():
        quote = _homeowner_quote(quote_id=quote_id, email=email)
        if quote.status != QuoteStatus.DISPATCHED:
            raise QuoteConflict(
                _("Votre demande est encore entre les mains d'un conseiller : il vous appelle.")
            )
        quote = _transition(
            quote,
            to=QuoteStatus.QUALIFIED,
            actor=None,
            now=now,
            note=_("Le particulier demande un autre artisan."),
            next_call_at=now,
            closed_at=None,
        )
        QuoteNote.objects.create(
            quote=quote,
            body=_("Le particulier demande un autre artisan.") + (f" « {note} »" if note else ""),
            created_at=now,
        )
    return quote


def quote_homeowner_close(
    *,
    quote_id: int,
    email: str,
    outcome: str,
    pro_id: int | None = None,
    now: datetime | None = None,
) -> QuoteRequest:
    """ "Clôturer le projet": done with one of the chosen pros (``pro_id``), or abandoned.
    Once. QuoteRequest.DoesNotExist when it is not this homeowner's request."""
    now = now or timezone.now()
    if outcome not in HomeownerOutcome.values:
        raise ValidationError({"outcome": [_("Choisissez comment s'est terminé le projet.")]})
    with transaction.atomic():
        quote = _homeowner_quote(quote_id=quote_id, email=email)
        chosen = set(quote.dispatches.values_list("pro_id", flat=True))
        if outcome == HomeownerOutcome.DONE:
            if pro_id not in chosen:
                raise ValidationError(
                    {"pro_id": [_("Choisissez l'artisan qui a réalisé les travaux.")]}
                )
        else:
            pro_id = None
        QuoteRequest.objects.filter(pk=quote.pk).update(
            homeowner_outcome=outcome,
            homeowner_outcome_pro_id=pro_id,
            homeowner_closed_at=now,
            last_activity_at=now,
            next_call_at=None,
        )
        QuoteNote.objects.create(
            quote=quote,
            body=_("Projet clôturé par le particulier : %(outcome)s.")
            % {"outcome": str(HomeownerOutcome(outcome).label).lower()},
            created_at=now,
        )
        quote.refresh_from_db()
    return quote


# --- Retention ------------------------------------------------------------------------------


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
def quotes_erase_for_contact(*, email: str, now: datetime | None = None) -> list[int]:
    """GDPR erasure: the requests made with this address are closed and anonymised.

    An open request leaves the advisors' queue as "rejected: cancelled" (nobody can call
    a person whose number is gone); statistics keep what retention keeps. Idempotent.
    """
    email = (email or "").strip().lower()
    if not email:
        return []
    now = now or timezone.now()
    quotes = list(
        QuoteRequest.objects.select_for_update()
        .filter(email=email, anonymised_at__isnull=True)
        .order_by("pk")
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
