"""The form renderer writes every <select> exactly as Django's templates do."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.utils.safestring import mark_safe

from apps.core.form_renderer import FormRenderer


class Everything(forms.Form):
    trade = forms.ChoiceField(
        choices=[("", "Tous les métiers"), ("isolation", "Isolation"), ("toit", 'Toit "& co" <b>')]
    )
    grouped = forms.ChoiceField(
        choices=[
            ("Nord", [("59", "Nord (59)"), ("62", "Pas-de-Calais")]),
            ("Sud", [("31", mark_safe("Haute-Garonne <em>31</em>"))]),
            ("75", "Paris"),
        ],
        required=False,
    )
    numbers = forms.TypedChoiceField(choices=[(1, 1500), (2, 2500000)], coerce=int)
    many = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B"), ("c", "C")],
        widget=forms.SelectMultiple(attrs={"size": 3, "aria-describedby": "aide'x"}),
    )
    maybe = forms.NullBooleanField()
    off = forms.ChoiceField(
        choices=[("x", "X")], disabled=True, widget=forms.Select(attrs={"data-empty": ""})
    )


DATA = [
    {},
    {"trade": "toit", "grouped": "31", "numbers": "2", "many": ["a", "c"], "maybe": "true"},
    {"trade": "inconnu", "grouped": "<script>", "numbers": "x", "many": ["z"], "maybe": "x"},
]


@pytest.mark.parametrize("data", DATA)
@pytest.mark.parametrize("localize", [False, True])
def test_selects_are_written_byte_for_byte_as_django_writes_them(data, localize):
    with override_settings(USE_THOUSAND_SEPARATOR=localize):
        ours = Everything(data or None, renderer=FormRenderer())
        django = Everything(data or None, renderer=DjangoTemplates())
        for name in Everything.base_fields:
            assert str(ours[name]) == str(django[name]), name
        assert "<option" in str(ours["trade"]) and "&lt;b&gt;" in str(ours["trade"])


def test_the_project_renders_forms_with_it():
    form = Everything()
    assert isinstance(form.renderer, FormRenderer)


def test_a_select_with_another_option_template_goes_through_django_templates():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    class Odd(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A")], widget=Custom)

    ours, django = Odd(renderer=FormRenderer()), Odd(renderer=DjangoTemplates())
    assert str(ours["pick"]) == str(django["pick"])
    assert "<option" not in str(ours["pick"])
