"""Public French pages: search, landing pages, profile, SEO files."""

import json
import re

import pytest

from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def test_home_shows_the_categories_and_live_figures(client):
    make_pro("Façades du Midi")
    html = client.get("/").content.decode()
    assert "Choisissez votre catégorie de travaux" in html
    assert 'href="/artisans/facade/"' in html
    assert "Pros qualifiés" in html


def test_search_page_lists_matching_pros(client):
    make_pro("Façades Toulousaines", departments=("31",))
    make_pro("Façades Bordelaises", commune="33063", departments=("33",))
    response = client.get("/artisans/", {"category": "facade", "place": "31450"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Façades Toulousaines" in html
    assert "Façades Bordelaises" not in html
    assert "1 professionnel" in html


FOUND = "1 professionnel"
NOTHING = "Aucun professionnel ne correspond à votre recherche"


@pytest.mark.parametrize(
    ("params", "messages"),
    [
        ({"place": "99999"}, ["Lieu introuvable"]),
        ({"category": "inconnue"}, ["Catégorie inconnue."]),
        ({"min_rating": "-3"}, ["supérieure ou égale à 0"]),
        ({"min_rating": "abc"}, ["Saisissez un nombre."]),
        ({"min_rating": "NaN"}, ["Saisissez un nombre."]),
        ({"min_rating": "1e999"}, ["inférieure ou égale à 5"]),
        ({"q": "x" * 2000}, ["au plus 200 caractères"]),
        ({"q": "fa\x00cade"}, ["Le caractère nul n’est pas autorisé."]),
        # Valid input: an empty text searches everything.
        ({"q": ""}, [FOUND]),
        # Bidi controls (RTL override) are dropped, a decomposed "ç" matches "façade".
        ({"q": "\u202efaçade\u202c"}, [FOUND]),
        ({"q": "fac\u0327ade"}, [FOUND]),
        ({"q": "façade 🏠🔨"}, [FOUND]),
        # Right-to-left script and stacked combining marks: results or the empty state.
        ({"q": "מרחבא بالعالم"}, [FOUND, NOTHING]),
        ({"q": "Z\u0337\u0322a\u0334l\u0338g\u0335o\u0336"}, [FOUND, NOTHING]),
    ],
)
def test_bad_search_input_gives_a_french_message_not_an_error(client, params, messages):
    make_pro("Façades du Midi", departments=("31",))
    response = client.get("/artisans/", params)
    # The page form answers 200 with its errors next to the fields (never a 500 nor a 400).
    assert response.status_code == 200
    html = response.content.decode()
    assert any(message in html for message in messages), html
    if FOUND not in messages and NOTHING not in messages:
        assert 'aria-invalid="true"' in html


def test_unknown_place_is_explained_next_to_the_field(client):
    html = client.get("/artisans/", {"place": "99999"}).content.decode()
    assert "Lieu introuvable" in html


def test_category_and_commune_landing_pages(client):
    make_pro("Façades Toulousaines", departments=("31",))
    page = client.get("/artisans/facade/toulouse-31/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Façade à Toulouse" in html
    assert "Façades Toulousaines" in html
    assert client.get("/artisans/facade/").status_code == 200
    assert client.get("/artisans/inconnue/").status_code == 404
    assert client.get("/artisans/facade/nulle-part/").status_code == 404


def test_profile_page_has_json_ld_and_hides_expired_labels(client):
    make_pro(
        "Façades du Midi",
        rating=(4.8, 12),
        certifications=(("rge", 100), ("qualibat", -3)),
        description="<script>alert(1)</script> Ravalement soigné.",
    )
    response = client.get("/pro/facades-du-midi/")
    assert response.status_code == 200
    html = response.content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "LocalBusiness"
    assert data["aggregateRating"]["reviewCount"] == 12
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "Qualibat" not in html and "RGE" in html
    assert [c["name"] for c in data["hasCredential"]] == ["RGE"]


def test_pages_keep_a_bounded_query_count(client, django_assert_max_num_queries):
    for i in range(25):
        make_pro(f"Façades {i}", departments=("31",), certifications=(("rge", 10),))
    with django_assert_max_num_queries(12):
        assert client.get("/artisans/", {"category": "facade", "place": "31000"}).status_code == 200
    # A landing page (its sections empty here): one search compiled for the results, one
    # aggregate for the summary and the results' count, one for the sections' pros.
    with django_assert_max_num_queries(9):
        assert client.get("/artisans/facade/toulouse/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/pro/facades-3/").status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get("/").status_code == 200


def test_sitemap_and_robots(client):
    make_pro("Façades du Midi")
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    assert b"sitemap-pros.xml" in index.content
    pros = client.get("/sitemap-pros.xml")
    assert b"/pro/facades-du-midi/" in pros.content
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots  # SITE_URL, not Host
    assert "Disallow: /admin/" in robots
