"""The living catalogue of the design system: every component of templates/components/ in
each of its states, and the tokens of static/css/eldo.css, on one page.

Shown to Eldo staff (``is_staff``), and to anyone while DEBUG is on (a developer's machine);
otherwise the page does not exist (404). Every example is labelled as one: the sample names
and figures below exist only to draw the components.
"""

from __future__ import annotations

import re
from pathlib import Path

from csp.decorators import csp_update
from django import forms
from django.conf import settings
from django.contrib.messages.storage.base import Message
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.charts import line_chart

COMPONENTS_DIR = Path(settings.BASE_DIR) / "templates" / "components"
_TOKEN = re.compile(r"^\s*(--[\w-]+):\s*([^;]+);", re.MULTILINE)


def component_files() -> list[str]:
    """The file names of templates/components/, the catalogue's table of contents."""
    return sorted(p.name for p in COMPONENTS_DIR.iterdir() if p.is_file())


def design_tokens() -> list[dict]:
    """The custom properties of the :root block of the stylesheet, in their order."""
    found = finders.find("css/eldo.css")
    if not isinstance(found, str):  # the stylesheet ships with the project
        raise LookupError("css/eldo.css is not among the static files")
    source = Path(found).read_text(encoding="utf-8")
    root = source[source.index(":root {") : source.index("\n}", source.index(":root {"))]
    tokens = []
    for name, value in _TOKEN.findall(root):
        kind = (
            "colour"
            if name.startswith(("--c-", "--color-"))
            else "space"
            if name.startswith("--space-")
            else "text"
            if name.startswith("--text-")
            else "other"
        )
        tokens.append({"name": name, "value": value.strip(), "kind": kind})
    return tokens


class _SampleForm(forms.Form):
    name = forms.CharField(label="Nom de l'entreprise", help_text="Tel qu'au registre.")
    email = forms.EmailField(label="Adresse e-mail")
    trade = forms.ChoiceField(
        label="Métier", choices=[("", "Choisir…"), ("toiture", "Toiture")], required=False
    )
    urgent = forms.BooleanField(label="Travaux urgents", required=False)
    slot = forms.ChoiceField(
        label="Créneau de rappel",
        choices=[("morning", "Le matin"), ("afternoon", "L'après-midi")],
        widget=forms.RadioSelect,
        required=False,
    )


def _sample_pro(**changes) -> dict:
    pro = {
        "name": "Exemple Toitures du Lauragais",
        "slug": "exemple",
        "postcode": "31290",
        "commune": {"name": "Villefranche-de-Lauragais"},
        "distance_km": 12.4,
        "logo": None,
        "rating": {"average": 4.6, "count": 23},
        "categories": {"all": [{"name": "Toiture"}, {"name": "Zinguerie"}]},
        "is_verified": True,
        "valid_certifications": [{"get_label_display": "RGE Qualibat"}],
        "response_minutes": 250,
    }
    pro.update(changes)
    return pro


@never_cache
@require_GET
# The token swatches are painted with inline styles (their colour is the token itself):
# allowed on this staff page only, as on Swagger UI.
@csp_update({"style-src": ["'unsafe-inline'"]})
def catalogue(request):
    if not (settings.DEBUG or request.user.is_staff):
        raise Http404
    refused = {"name": "", "email": "pas-une-adresse", "slot": "morning"}
    # One prefix per form: the same fields appear three times on the page, ids stay unique.
    invalid_fields = _SampleForm(
        data={f"champs-{k}": v for k, v in refused.items()}, prefix="champs"
    )
    invalid = _SampleForm(data={f"form-{k}": v for k, v in refused.items()}, prefix="form")
    invalid_fields.is_valid()
    invalid.is_valid()
    page = Paginator(list(range(60)), 10).get_page(3)
    context = {
        "components": component_files(),
        "tokens": design_tokens(),
        "blank_form": _SampleForm(prefix="vide"),
        "invalid_fields": invalid_fields,
        "invalid_form": invalid,
        "table_headers": ["Référence", "Commune", "Statut", "Reçue"],
        "table_rows": [
            ["EXEMPLE-0001", "Toulouse (31000)", "Nouvelle", "il y a 2 heures"],
            ["EXEMPLE-0002", "Muret (31600)", "Devis envoyé", "il y a 3 jours"],
        ],
        "email_sample": render_to_string(
            "email/base.html",
            {
                "site_url": "https://eldo.example",
                "email_text": "Bonjour Camille,\n\nCeci est un exemple d'e-mail : le haut et "
                "le bas viennent du gabarit commun, le corps de chaque message.\n"
                "Un lien : https://eldo.example/devis/",
            },
        ),
        "page": page,
        "bars": [
            {"label": "Toiture", "value": 42},
            {"label": "Plomberie", "value": 17},
            {"label": "Électricité", "value": 9},
        ],
        "line": line_chart(
            labels=["janv.", "févr.", "mars", "avr."],
            series=[("Demandes", [3, 7, 5, 11]), ("Avis", [1, None, 4, 6])],
        ),
        "pros": {
            "complete": _sample_pro(),
            "new": _sample_pro(
                name="Exemple Plomberie Neuve",
                rating={"average": None, "count": 0},
                is_verified=False,
                valid_certifications=[],
                distance_km=None,
                response_minutes=None,
            ),
        },
        "sample_messages": {
            "success": [Message(25, "Vos modifications sont enregistrées.")],
            "error": [Message(40, "La demande n'a pas pu être envoyée : réessayez.")],
            "mixed": [
                Message(20, "Votre avis est en cours de modération."),
                Message(30, "Votre assurance décennale expire dans 15 jours."),
            ],
        },
        "breadcrumbs": [{"label": "Accueil", "url": "/"}, {"label": "Composants", "url": ""}],
        "site_url": "",
    }
    response = render(request, "pages/catalogue.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [path("eldo/composants/", catalogue, name="component-catalogue")]
