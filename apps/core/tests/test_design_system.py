"""The design system: base layout, home page, error pages and components."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import RequestFactory

HERO = "Trouvez un artisan de confiance près de chez vous"
STEPS = (
    "Décrivez votre projet en ligne, c'est simple et gratuit",
    "Un expert vous recontacte pour valider votre projet",
    "Vous êtes mis en relation avec un artisan de confiance",
)


def _text(html: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(without_tags)).strip()


def _render(source: str, **context) -> str:
    return Template("{% load eldo_ui %}" + source).render(Context(context))


# --- Pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_page_shows_the_hero_and_the_three_steps(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert re.search(r"<title>[^<]+ · Eldo</title>", html)
    assert 'name="viewport"' in html
    text = _text(html)
    assert HERO in text
    for step in STEPS:
        assert step in text
    assert "Vous ne trouvez pas votre bonheur ?" in text
    assert 'href="#contenu"' in html
    assert '<main id="contenu"' in html


@pytest.mark.django_db
def test_home_page_hides_sections_without_data(client):
    text = _text(client.get("/").content.decode())

    assert "Choisissez votre catégorie de travaux" not in text
    assert "Consultez les derniers avis" not in text


@pytest.mark.django_db
def test_home_page_renders_the_optional_sections_from_its_context(rf):
    request = rf.get("/")
    request.user = _anonymous()
    html = render_to_string(
        "home.html",
        {
            "categories": [{"name": "Façade", "url": "/artisans/facade/", "icon": "/f.svg"}],
            "latest_reviews": [
                {
                    "author_name": "Philippe",
                    "rating": 5,
                    "title": "Réfection façade",
                    "pro_name": "GF Peinture",
                }
            ],
            "figures": [{"value": "+ 2 500", "label": "Pros qualifiés"}],
        },
        request=request,
    )
    text = _text(html)

    assert "Choisissez votre catégorie de travaux" in text
    assert 'href="/artisans/facade/"' in html
    assert '<img src="/f.svg" alt=""' in html
    assert "Consultez les derniers avis" in text
    assert "Réfection façade" in text
    assert "Avis sur GF Peinture" in text
    assert "+ 2 500 Pros qualifiés" in text


@pytest.mark.django_db
def test_navigation_offers_login_to_visitors_and_logout_to_members(client, django_user_model):
    assert "Connexion" in _text(client.get("/").content.decode())

    user = django_user_model.objects.create_user(email="lea@example.fr", password="x" * 12)
    client.force_login(user)
    html = client.get("/").content.decode()

    assert "lea@example.fr" in html
    assert re.search(r'<form[^>]+method="post"[^>]+action="/deconnexion/"', html)
    assert "Se déconnecter" in html
    assert "csrfmiddlewaretoken" in html


@pytest.mark.django_db
def test_unknown_page_uses_the_french_404_template(client):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    assert "errors/404.html" in [template.name for template in response.templates]
    assert "Page introuvable" in _text(response.content.decode())
    assert '<html lang="fr">' in response.content.decode()


@pytest.mark.django_db
def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.parametrize(("code", "title"), [(400, "Requête invalide"), (403, "Accès refusé")])
def test_error_pages_render_in_french(rf, code, title):
    request = rf.get("/")
    request.user = _anonymous()
    html = render_to_string(f"errors/{code}.html", request=request)

    assert title in _text(html)
    assert str(code) in html


def test_server_error_page_stands_alone():
    source = render_to_string("errors/500.html")

    assert '<html lang="fr">' in source
    assert "Une erreur est survenue" in source
    assert "{%" not in source
    with open(_template_path("errors/500.html"), encoding="utf-8") as handle:
        raw = re.sub(r"{% comment %}.*?{% endcomment %}", "", handle.read(), flags=re.S)
    assert "extends" not in raw
    assert "{% url" not in raw
    assert "{{" not in raw


# --- Components ----------------------------------------------------------------------


def test_rating_stars_speak_french_and_draw_half_stars():
    html = _render('{% include "components/rating_stars.html" with rating=4.5 count=1234 %}')

    assert "Note : 4,5 sur 5" in html
    assert "1\xa0234 avis" in html
    assert html.count("star--full") == 4
    assert html.count("star--half") == 1
    assert html.count("star--empty") == 0


@pytest.mark.parametrize(
    ("rating", "full", "partial", "empty"),
    [(0, 0, 0, 5), (3.24, 3, 1, 1), (3.25, 3, 1, 1), (4.8, 4, 1, 0), (7, 5, 0, 0), (None, 0, 0, 5)],
)
def test_rating_stars_are_drawn_at_the_decimal_shown(rating, full, partial, empty):
    html = _render('{% include "components/rating_stars.html" %}', rating=rating)

    assert html.count("star--full") == full
    assert html.count("star--partial") + html.count("star--half") == partial
    assert html.count("star--empty") == empty


def test_numbers_are_rounded_half_up_the_french_way():
    html = _render(
        "{{ a|fr_number:1 }}|{{ b|fr_number }}|{{ c|fr_number:2 }}", a=3.25, b=2500, c="x"
    )

    assert html == "3,3|2\xa0500|"


class ContactForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail", help_text="Nous ne la partageons pas.")
    message = forms.CharField(label="Message", widget=forms.Textarea, required=False)
    kind = forms.ChoiceField(label="Type", choices=[("a", "Façade"), ("b", "Toiture")])
    consent = forms.BooleanField(label="J'accepte d'être recontacté")

    def clean(self):
        raise forms.ValidationError("Ce formulaire est fermé.")


def test_field_shows_french_errors_and_marks_the_input_invalid():
    form = ContactForm(data={"email": "pas-un-email", "kind": "a"})
    assert not form.is_valid()

    html = _render('{% include "components/field.html" with field=form.email %}', form=form)

    assert "Saisissez une adresse e-mail valide." in unescape(html)
    assert 'aria-invalid="true"' in html
    described = re.search(r'aria-describedby="([^"]+)"', html).group(1).split()
    assert described == ["id_email_helptext", "id_email_error"]
    for element_id in described:
        assert f'id="{element_id}"' in html
    assert '<label class="field__label" for="id_email">Adresse e-mail</label>' in html


def test_field_handles_checkboxes_selects_and_textareas():
    form = ContactForm(data={"email": "lea@example.fr"})
    form.is_valid()

    checkbox = _render('{% include "components/field.html" with field=form.consent %}', form=form)
    select = _render('{% include "components/field.html" with field=form.kind %}', form=form)
    textarea = _render('{% include "components/field.html" with field=form.message %}', form=form)

    assert "field--checkbox" in checkbox
    assert checkbox.index('type="checkbox"') < checkbox.index("<label")
    assert "Ce champ est obligatoire." in checkbox
    assert "<select" in select and 'aria-invalid="true"' in select
    assert "<textarea" in textarea and "(facultatif)" in textarea
    assert "aria-invalid" not in textarea


def test_valid_field_is_not_marked_invalid():
    form = ContactForm(data={"email": "lea@example.fr"})
    form.is_valid()

    html = _render('{% include "components/field.html" with field=form.email %}', form=form)

    assert "aria-invalid" not in html
    assert "field__errors" not in html


def test_form_renders_csrf_non_field_errors_and_submit_label(rf):
    form = ContactForm(data={"email": "lea@example.fr", "kind": "a", "consent": "on"})
    assert not form.is_valid()
    request = rf.get("/")

    html = render_to_string(
        "components/form.html", {"form": form, "submit_label": "Envoyer ma demande"}, request
    )

    assert "csrfmiddlewaretoken" in html
    assert re.search(r'role="alert"[^>]*>.*Ce formulaire est fermé\.', html, re.S)
    assert html.count('class="field ') == 4
    assert re.search(r'<button class="btn btn--primary"\s+type="submit">Envoyer ma demande', html)


def test_chart_bar_draws_one_bar_per_item_and_a_table_for_screen_readers():
    items = [
        {"label": "Façade", "value": 80},
        {"label": "Toiture", "value": 20},
        {"label": "Isolation", "value": 1234.5},
    ]

    html = _render(
        '{% include "components/chart_bar.html" with title="Demandes par catégorie" '
        'items=items unit=" demandes" %}',
        items=items,
    )

    assert html.count('class="chart-bar__row"') == 3
    assert html.count('class="chart-bar__fill"') == 3
    assert 'width="100.00%"' in html
    # Dot decimals in SVG whatever the locale: 80 / 1234.5 = 6.48 %.
    assert 'width="6.48%"' in html
    table = re.search(r'<div class="visually-hidden">.*<table[^>]*>(.*)</table>', html, re.S).group(
        1
    )
    assert "<caption>Demandes par catégorie</caption>" in table
    assert table.count("<tr>") == 4  # header + 3 rows
    assert "1\xa0235 demandes" in table  # 1234.5 rounded half up
    assert 'aria-hidden="true"' in html.split("<table")[0]


def test_chart_bar_without_data_says_so():
    html = _render(
        '{% include "components/chart_bar.html" with title="Vues" items=items %}', items=[]
    )

    assert "Aucune donnée" in html
    assert "<table" not in html


def test_pagination_marks_the_current_page_and_keeps_the_query():
    page = Paginator(list(range(100)), 10).page(5)
    request = RequestFactory().get("/artisans/", {"q": "façade", "page": 5})

    html = render_to_string("components/pagination.html", {"page": page}, request)

    assert re.search(r'href="\?q=fa%C3%A7ade&amp;page=5" aria-current="page"', html)
    assert "Précédent" in html and "Suivant" in html
    assert 'href="?q=fa%C3%A7ade&amp;page=4" rel="prev"' in html
    assert "…" in html


def test_pagination_is_silent_for_a_single_page():
    page = Paginator([1, 2], 10).page(1)

    html = render_to_string("components/pagination.html", {"page": page}, RequestFactory().get("/"))

    assert html.strip() == ""


def test_small_components_render_their_parameters():
    html = _render(
        '{% include "components/button.html" with label="Voir" href="/x/" variant="ghost" %}'
        '{% include "components/button.html" with label="Envoyer" type="submit" %}'
        '{% include "components/card.html" with title="Carte" href="/c/" body="Texte" %}'
        '{% include "components/empty_state.html" with title="Rien ici" %}'
        '{% include "components/page_header.html" with title="Titre" lead="Intro" %}'
        '{% include "components/stat_figure.html" with value=2500 label="Pros" %}'
        '{% as_list "Un" "Deux" as steps %}{% include "components/steps.html" %}'
    )

    assert '<a class="btn btn--ghost"' in html
    assert '<button class="btn btn--primary"' in html
    assert '<a href="/c/">Carte</a>' in html
    assert "Rien ici" in html
    assert "<h1>Titre</h1>" in html
    assert "2\xa0500" in html
    # A string step keeps its case: str.title() must not be called on it.
    assert html.count('class="steps__item"') == 2 and "Deux" in html


def test_messages_component_uses_alert_for_errors():
    class Message:
        def __init__(self, text, level_tag):
            self.text, self.level_tag, self.extra_tags = text, level_tag, ""

        def __str__(self):
            return self.text

    html = _render(
        '{% include "components/messages.html" %}',
        messages=[Message("Enregistré.", "success"), Message("Échec.", "error")],
    )

    # One live region (axe: no role=status on an <li> of a list), urgent with an error.
    assert html.count('role="alert"') == 1 and 'role="status"' not in html
    assert re.search(r'role="alert">.*Enregistré\..*Échec\.', html, re.S)
    assert not re.search(r"<li[^>]*role=", html)

    html = _render(
        '{% include "components/messages.html" %}', messages=[Message("Enregistré !", "success")]
    )
    assert html.count('role="status"') == 1 and 'role="alert"' not in html
    assert "Enregistré\xa0!" in html


# --- Helpers -------------------------------------------------------------------------


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _template_path(name: str) -> str:
    from django.template import engines

    return engines["django"].engine.find_template(name)[0].origin.name
