"""Checks of a homeowner's input shared by the pages, the API and the advisors' edits."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DESCRIPTION_MIN = 20
DESCRIPTION_MAX = 5_000

# French numbers only: landlines 01–05 and 09, mobiles 06–07 (08 are service numbers).
_NATIONAL_NUMBER = re.compile(r"[1-79]\d{8}")
_PHONE_SEPARATORS = re.compile(r"[\s.\-/]")
_POSTCODE = re.compile(r"\d{5}")


def phone_normalise(raw: str) -> str:
    """``06 12 34 56 78``, ``+33 6 12 34 56 78``, ``0033612345678``… → ``+33612345678``."""
    compact = _PHONE_SEPARATORS.sub("", raw or "").replace("(0)", "")
    if compact.startswith("+33"):
        national = compact[3:]
    elif compact.startswith("0033"):
        national = compact[4:]
    elif compact.startswith("0"):
        national = compact[1:]
    else:
        national = ""
    if len(national) == 10 and national.startswith("0"):  # "+33 06…", a common slip
        national = national[1:]
    if not _NATIONAL_NUMBER.fullmatch(national):
        raise ValidationError(
            _(
                "Indiquez un numéro de téléphone français valide, fixe ou mobile "
                "(par exemple 06 12 34 56 78 ou +33 6 12 34 56 78)."
            ),
            code="phone",
        )
    return "+33" + national


def phone_display(e164: str) -> str:
    """``+33612345678`` → ``06 12 34 56 78`` (anything else is returned as is)."""
    if not (e164.startswith("+33") and len(e164) == 12):
        return e164
    national = "0" + e164[3:]
    return " ".join(national[i : i + 2] for i in range(0, 10, 2))


def postcode_clean(raw: str) -> str:
    code = (raw or "").replace(" ", "")
    if not _POSTCODE.fullmatch(code):
        raise ValidationError(_("Un code postal compte 5 chiffres."), code="postcode")
    return code


def description_clean(raw: str, *, required: bool) -> str:
    text = (raw or "").strip()
    if not text and not required:
        return ""
    if len(text) < DESCRIPTION_MIN:
        raise ValidationError(
            _("Décrivez votre projet en %(min)d caractères au moins (%(count)d saisis).")
            % {"min": DESCRIPTION_MIN, "count": len(text)},
            code="too_short",
        )
    if len(text) > DESCRIPTION_MAX:
        raise ValidationError(
            _("La description ne peut pas dépasser 5 000 caractères (%(count)d saisis).")
            % {"count": len(text)},
            code="too_long",
        )
    return text


def text_clean(raw: str, *, max_length: int) -> str:
    """Trimmed free text without control characters (NUL bytes break PostgreSQL)."""
    text = "".join(ch for ch in (raw or "") if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    text = text.strip()
    if len(text) > max_length:
        raise ValidationError(
            _("%(max)d caractères au maximum.") % {"max": max_length}, code="max_length"
        )
    return text


def place_name_key(name: str) -> str:
    """Accent-, case- and punctuation-insensitive key of a commune name."""
    folded = unicodedata.normalize("NFKD", name or "")
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    folded = re.sub(r"\bste?\b", lambda m: {"st": "saint", "ste": "sainte"}[m.group()], folded)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())
