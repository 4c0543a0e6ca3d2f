"""A homeowner's quote or callback request: checked, recorded, or merged into the same
person's request of a few minutes ago (a closed receipt), flagged when it looks like a
recent one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.events import publish
from apps.directory import api as directory
from apps.quotes.events import QuoteSubmissionAttached, QuoteSubmitted
from apps.quotes.models import (
    QuoteChannel,
    QuoteKind,
    QuoteNote,
    QuoteRequest,
    QuoteStatus,
    QuoteTransition,
    RejectionReason,
)
from apps.quotes.services._common import _collect, _fields_clean, next_call_slot

# The wording the homeowner accepts; stored with every request as it was at the time.
CONSENT_TEXT = (
    "J'accepte qu'Eldo utilise ces informations pour me rappeler au sujet de mon projet "
    "et les transmette à trois professionnels au plus, choisis par un conseiller Eldo, "
    "qui me contacteront pour établir un devis. Mes données sont anonymisées trois ans "
    "après le dernier échange ; je peux y accéder, les faire rectifier ou effacer en "
    "écrivant à dpo@eldo.fr."
)


def duplicate_window() -> timedelta:
    """A second identical submission within this delay is merged into the first."""
    return timedelta(minutes=int(getattr(settings, "QUOTES_DUPLICATE_WINDOW_MINUTES", 15)))


def possible_duplicate_window() -> timedelta:
    """An earlier request with the same e-mail or phone this recent flags a new one."""
    return timedelta(days=int(getattr(settings, "QUOTES_POSSIBLE_DUPLICATE_DAYS", 30)))


@dataclass(frozen=True)
class Submission:
    quote: QuoteRequest
    # True: the same person (e-mail and phone) sent the same project a few minutes ago;
    # ``quote`` is then the closed receipt, and the earlier request got a note.
    merged: bool


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
