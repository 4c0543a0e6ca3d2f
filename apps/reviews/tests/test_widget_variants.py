"""The widget's variants (carousel, list, badge; light or dark) and the back office's
configurator: preview, copy-paste snippet, a keyboard-reachable carousel, each cached copy
dropped when the pro's reviews change."""

from __future__ import annotations

import html

import pytest

from apps.accounts.tests.factories import PASSWORD
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db

CONFIG = "/espace-pro/avis/widget/"


def _page(response) -> str:
    return html.unescape(response.content.decode()).replace("\xa0", " ")


@pytest.fixture
def reviewed(pro, committed):
    with committed():
        submit_invited(pro, email="a@exemple.fr", rating=5, title="Façade impeccable")
    return pro


def test_the_carousel_is_the_default_and_reachable_with_the_keyboard(client, reviewed):
    page = _page(client.get(f"/widget/{reviewed.slug}/"))
    assert 'class="w w--carousel"' in page and 'class="w-light"' in page
    assert (
        '<ul class="w__list" role="list" aria-label="Derniers avis (faites défiler)" tabindex="0">'
        in page
    )
    assert '<li class="w__item" tabindex="0">' in page
    assert "Façade impeccable" in page


def test_the_list_and_the_badge(client, reviewed):
    listed = _page(client.get(f"/widget/{reviewed.slug}/?type=list&theme=dark"))
    assert 'class="w w--list"' in listed and 'class="w-dark"' in listed
    assert "Façade impeccable" in listed and 'tabindex="0"' not in listed
    badge = _page(client.get(f"/widget/{reviewed.slug}/?type=badge"))
    assert 'class="w w--badge"' in badge and "1 avis" in badge
    assert "Façade impeccable" not in badge  # the rating only
    odd = client.get(f"/widget/{reviewed.slug}/?type=<script>&theme=rose")
    assert odd.status_code == 200 and 'class="w w--carousel"' in _page(odd)


def test_every_variant_is_refreshed_when_a_review_is_published(client, reviewed, committed):
    for query in ("", "?type=list", "?type=badge&theme=dark"):
        assert "1 avis" in _page(client.get(f"/widget/{reviewed.slug}/{query}"))
    with committed():
        submit_invited(
            reviewed,
            email="b@exemple.fr",
            rating=4,
            body="Peinture des volets soignée, équipe ponctuelle et chantier laissé propre.",
        )
    for query in ("", "?type=list", "?type=badge&theme=dark"):
        assert "2 avis" in _page(client.get(f"/widget/{reviewed.slug}/{query}")), query


def test_the_configurator_previews_and_gives_the_snippet(client, sales_rep, reviewed, settings):
    client.login(username=sales_rep.email, password=PASSWORD)
    page = client.get(CONFIG, {"type": "list", "theme": "dark"})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = _page(page)
    assert (
        f'<iframe src="http://testserver/widget/{reviewed.slug}/?type=list&theme=dark"' in text
        or (f"/widget/{reviewed.slug}/?type=list&theme=dark" in text)
    )
    assert 'id="widget-preview"' in text and 'height="640"' in text
    assert client.get(CONFIG, {"type": "autre"}).status_code == 400


def test_the_widget_css_keeps_the_page_within_320_px():
    from pathlib import Path

    css = (Path(__file__).parents[1] / "static/reviews/widget.css").read_text()
    assert "overflow-x: hidden" in css and "minmax(220px, 85%)" in css
    assert ".w-dark" in css
