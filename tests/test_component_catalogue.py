"""The component catalogue (/eldo/composants/): every file of templates/components/ is
drawn there, with an example of each state; staff only outside DEBUG."""

from __future__ import annotations

import pytest
from django.test import override_settings

from eldo.catalogue import component_files, design_tokens

URL = "/eldo/composants/"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        email="alice@eldo.test", password="x", is_staff=True
    )


def test_every_component_file_is_in_the_catalogue(client, staff):
    client.force_login(staff)
    response = client.get(URL)
    html = response.content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    # Its one CSP exception (docs/reliability.md): inline styles, never inline scripts.
    directives = {
        d.split()[0]: d.split()[1:]
        for d in response["Content-Security-Policy"].split(";")
        if d.strip()
    }
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]
    assert directives["script-src"] == ["'self'"]
    missing = [name for name in component_files() if f'data-component="{name}"' not in html]
    assert missing == []
    assert "pas encore d'exemple" not in html  # each one drawn, not just named
    assert "table_cards.html" in component_files()
    # The e-mails' one layout, drawn with an example text (escaped into the iframe).
    assert 'id="e-mails"' in html and "Bonjour Camille" in html


def test_the_catalogue_shows_the_tokens(client, staff):
    client.force_login(staff)
    html = client.get(URL).content.decode()

    tokens = design_tokens()
    assert len(tokens) > 40
    for token in tokens:
        assert f"<code>{token['name']}</code>" in html


def test_the_catalogue_is_hidden_from_everyone_else(client, django_user_model):
    assert client.get(URL).status_code == 404
    client.force_login(django_user_model.objects.create_user(email="c@exemple.fr", password="x"))
    assert client.get(URL).status_code == 404


@override_settings(DEBUG=True)
def test_in_debug_the_catalogue_is_open(client):
    assert client.get(URL).status_code == 200
