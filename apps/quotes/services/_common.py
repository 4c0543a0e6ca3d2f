"""What the submission and the advisors share: the conflict error, the open statuses, the
callback slots, and the checks of the project's and the homeowner's fields (one set of
rules for the pages, the API and the advisors' corrections)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import Conflict
from apps.directory import api as directory
from apps.quotes import validators
from apps.quotes.models import (
    BudgetRange,
    CallbackSlot,
    PropertyType,
    QuoteKind,
    QuoteStatus,
    Timeline,
)


class QuoteConflict(Conflict):
    """The action is not possible in the request's current state (HTTP 409)."""


OPEN_STATUSES = (QuoteStatus.NEW, QuoteStatus.IN_QUALIFICATION, QuoteStatus.QUALIFIED)


# Local hours of the callback slots the homeowner can choose.
SLOT_HOURS = {
    CallbackSlot.ANY: (9, 20),
    CallbackSlot.MORNING: (9, 12),
    CallbackSlot.LUNCH: (12, 14),
    CallbackSlot.AFTERNOON: (14, 18),
    CallbackSlot.EVENING: (18, 20),
}


def next_call_slot(moment: datetime, slot: str) -> datetime:
    """The first moment at or after ``moment`` inside the homeowner's callback slot."""
    start, end = SLOT_HOURS.get(slot, SLOT_HOURS[CallbackSlot.ANY])
    local = timezone.localtime(moment)
    if start <= local.hour < end:
        return moment
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(start)), local.tzinfo)


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
