"""``get_FOO_display()`` at the cost of a dictionary look-up.

Django's ``Model._get_FIELD_display`` rebuilds a dictionary of every choice on each call,
hashing each lazy label on the way (which translates it): 0.2 ms for a lead's status, 5 ms
of a lead inbox's 25 rows. ``ChoiceLabels``, put before ``models.Model`` in a model's
bases, keeps that dictionary on the field the first time (labels stay lazy: the active
language still picks the translation) and answers exactly as Django does, including an
unknown value (shown as it is) and an empty one.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.encoding import force_str

_CACHE = "_eldo_choice_labels"


def _labels(field: models.Field) -> dict[Any, Any]:
    labels = field.__dict__.get(_CACHE)
    if labels is None:
        labels = dict(field.flatchoices)
        field.__dict__[_CACHE] = labels
    return labels


class ChoiceLabels:
    def _get_FIELD_display(self, field: models.Field) -> Any:
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # an unhashable value (a list in a JSON field): Django's way
            return models.Model._get_FIELD_display(self, field)  # type: ignore[attr-defined]
        return force_str(label, strings_only=True)
