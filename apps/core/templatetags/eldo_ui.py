"""Template helpers of the design system (templates/components/).

French number formatting is done here rather than with ``floatformat`` so that a
component renders the same whatever language is active, and so that numbers written
into SVG attributes never pick up a decimal comma.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

# Django's French locale groups thousands with a no-break space; we do the same.
THOUSANDS_SEPARATOR = "\xa0"
MAX_RATING = 5


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


@register.filter
def fr_number(value, decimals=0):
    """Format a number the French way: ``1234.5|fr_number:1`` gives ``1 234,5``."""
    number = _to_decimal(value)
    if number is None:
        return ""
    try:
        places = max(int(decimals), 0)
    except (TypeError, ValueError):
        places = 0
    # Half up, as people round, not the banker's rounding of format().
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    formatted = f"{number:,.{places}f}"
    return formatted.replace(",", THOUSANDS_SEPARATOR).replace(".", ",")


@register.filter
def euros(value):
    """An amount in euros the French way: ``12500`` gives ``12 500 €``, ``13000.5``
    ``13 000,50 €`` (cents only when there are some); "" for no amount."""
    number = _to_decimal(value)
    if number is None:
        return ""
    decimals = 0 if number == number.to_integral_value() else 2
    return f"{fr_number(number, decimals)}\xa0€"


@register.filter
def star_slots(rating):
    """The five star slots for a 0–5 rating, rounded to the nearest half star.

    ``4.5|star_slots`` gives ``["full", "full", "full", "full", "half"]``.
    """
    number = _to_decimal(rating) or Decimal(0)
    clamped = min(max(number, Decimal(0)), Decimal(MAX_RATING))
    halves = int((clamped * 2).to_integral_value(rounding=ROUND_HALF_UP))
    full, half = divmod(halves, 2)
    return ["full"] * full + ["half"] * half + ["empty"] * (MAX_RATING - full - half)


STAR_VIEWBOX = 24  # the width of a star in its SVG viewBox


@register.filter
def star_fills(rating):
    """The five stars of a 0–5 rating drawn exactly, at the precision shown (one decimal).

    Each star is ``{"state", "width"}``: ``full``, ``half`` (exactly half), ``partial``
    (another fraction) or ``empty``, and the width of its coloured part in viewBox units
    (a dot-decimal string, safe in an SVG attribute). ``4.3|star_fills`` gives four full
    stars and one filled to 30 %.
    """
    number = _to_decimal(rating) or Decimal(0)
    shown = min(max(number, Decimal(0)), Decimal(MAX_RATING)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    stars = []
    for position in range(MAX_RATING):
        fraction = min(max(shown - position, Decimal(0)), Decimal(1))
        if fraction == 1:
            state = "full"
        elif fraction == Decimal("0.5"):
            state = "half"
        elif fraction > 0:
            state = "partial"
        else:
            state = "empty"
        width = (fraction * STAR_VIEWBOX).normalize()
        stars.append({"state": state, "width": f"{width:f}", "percent": int(fraction * 100)})
    return stars


def _item_value(item, key):
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


@register.simple_tag
def chart_rows(items, max_value=None, decimals=0):
    """Rows of a horizontal bar chart from ``{label, value}`` items.

    Each row has ``label``, ``value``, ``display`` (French formatted) and ``percent``,
    the bar length as a dot-decimal string safe to write into an SVG attribute.
    The longest bar spans the whole track unless ``max_value`` is given.
    """
    rows = []
    for item in items or ():
        value = _to_decimal(_item_value(item, "value")) or Decimal(0)
        rows.append({"label": _item_value(item, "label"), "value": value})
    scale = _to_decimal(max_value) or max((row["value"] for row in rows), default=Decimal(0))
    for row in rows:
        ratio = row["value"] / scale if scale > 0 else Decimal(0)
        row["percent"] = f"{min(max(ratio, Decimal(0)), Decimal(1)) * 100:.2f}"
        row["display"] = fr_number(row["value"], decimals)
    return rows


@register.filter
def step_items(steps):
    """Steps as ``{title, text}`` mappings; a plain string is a step with a title only.

    Needed because ``{{ step.title }}`` on a string would call ``str.title()``.
    """
    items = []
    for step in steps or ():
        if isinstance(step, str):
            items.append({"title": step, "text": ""})
        else:
            items.append({"title": _item_value(step, "title"), "text": _item_value(step, "text")})
    return items


@register.simple_tag
def as_list(*items):
    """Build a list in a template: ``{% as_list a b c as things %}``."""
    return list(items)


@register.simple_tag
def as_dict(**values):
    """Build a mapping in a template: ``{% as_dict title="…" text="…" as step %}``."""
    return values


@register.simple_tag
def page_window(page, on_each_side=2, on_ends=1):
    """Page numbers around the current page, with ``…`` for the gaps."""
    paginator = page.paginator
    return list(
        paginator.get_elided_page_range(page.number, on_each_side=on_each_side, on_ends=on_ends)
    )


@register.filter
def is_image_url(value) -> bool:
    """True when a string looks like an image address rather than a text glyph."""
    text = str(value or "")
    return text.startswith(("/", "http://", "https://", "data:image/"))


_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \t]+([?!:;»])")
_SPACE_AFTER_GUILLEMET = re.compile(r"(«)[ \t]+")
_SPACE_IN_NUMBER = re.compile(r"(?<=\d) (?=\d{3}\b)")
_SPACE_BEFORE_UNIT = re.compile(r"(?<=\d) (?=(€|%|km|m²|m2|ans?|jours?|h|min)\b|€|%)")


@register.filter(is_safe=True)
def fr_typo(value):
    """French typography on a text: a no-break space before ? ! : ; », after «, inside
    numbers ("10 500") and before their unit ("12 €", "30 km"), so that no line starts
    with "?" and no number is cut in two."""
    if value is None:
        return ""
    text = str(value)
    text = _SPACE_BEFORE_PUNCTUATION.sub("\xa0\\1", text)
    text = _SPACE_AFTER_GUILLEMET.sub("\\1\xa0", text)
    text = _SPACE_IN_NUMBER.sub("\xa0", text)
    text = _SPACE_BEFORE_UNIT.sub("\xa0", text)
    if isinstance(value, SafeData):
        # Only spaces were changed in a text that was already safe.
        return mark_safe(text)  # noqa: S308 # nosec B308 B703
    return text


@register.filter
def ago(value, now=None):
    """ "à l'instant" under a minute, else "il y a 3 heures" (Django's timesince)."""
    from django.utils import timezone
    from django.utils.timesince import timesince

    if not value:
        return ""
    now = now or timezone.now()
    if (now - value).total_seconds() < 60:
        return "à l'instant"
    return f"il y a {timesince(value, now)}"


@register.filter
def response_delay(minutes) -> str:
    """A typical response time in words: "en moins d'une heure", "en 4\xa0h", "en 2\xa0jours"."""
    if minutes is None or minutes == "":
        return ""
    minutes = int(minutes)
    if minutes < 60:
        return "en moins d'une heure"
    hours = round(minutes / 60)
    if hours < 48:
        return f"en {hours}\xa0h"
    days = round(hours / 24)
    return f"en {days}\xa0jours"


@register.filter
def messages_urgent(messages) -> bool:
    """Whether a list of flash messages holds an error or a warning."""
    return any(getattr(m, "level_tag", "") in {"error", "warning"} for m in messages)
