"""ChoiceLabels answers get_FOO_display() exactly as Django does, only faster."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from apps.core.choices import ChoiceLabels
from apps.leads.models import Lead
from apps.quotes.models import QuoteRequest


@pytest.mark.parametrize("model", [Lead, QuoteRequest])
def test_every_choice_field_reads_as_django_reads_it(model):
    assert issubclass(model, ChoiceLabels)
    fields = [f for f in model._meta.concrete_fields if f.choices]
    assert fields
    for field in fields:
        values = [value for value, _label in field.flatchoices] + ["inconnu", "", None]
        for language in ("fr", "en"):
            with translation.override(language):
                for value in values:
                    instance = model(**{field.attname: value})
                    ours = getattr(instance, f"get_{field.name}_display")()
                    django = models.Model._get_FIELD_display(instance, field)
                    assert ours == django and type(ours) is type(django), (field, value)


def test_an_unknown_value_is_shown_as_it_is():
    assert Lead(status="archivée").get_status_display() == "archivée"
