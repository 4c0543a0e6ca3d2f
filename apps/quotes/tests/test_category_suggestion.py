"""The quote form suggests the trade from the homeowner's words."""

import pytest

from apps.quotes.presentation.forms import QuoteRequestForm

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def test_a_forgotten_trade_is_suggested_from_the_description():
    form = QuoteRequestForm(
        data={"description": "Notre couvreur a pris sa retraite, des tuiles ont glissé."}
    )
    assert not form.is_valid()
    assert form.data["category"] == "toiture"
    assert "d'après votre description, « Toiture »" in form.errors["category"][0]


def test_without_a_trade_word_the_usual_message_stays():
    form = QuoteRequestForm(data={"description": "Bonjour, j'ai un projet."})
    assert not form.is_valid()
    assert form.errors["category"] == ["Choisissez le type de travaux."], form.data
