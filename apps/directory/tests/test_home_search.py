"""The home page's "Quel artisan ? / Où ?" search and the header entries."""

import re

import pytest

from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def test_home_has_a_search_box_that_works_without_javascript(client):
    make_pro("Toits Toulousains", trades=("toiture",), departments=("31",))
    html = client.get("/").content.decode()
    form = re.search(r'<form class="search-box"[^>]*>(.*?)</form>', html, re.S)
    assert form and 'action="/artisans/"' in form.group(0) and 'method="get"' in form.group(0)
    assert "Quel artisan&nbsp;?" in form.group(1) and "Où&nbsp;?" in form.group(1)
    assert 'name="q"' in form.group(1) and 'name="place"' in form.group(1)
    assert 'data-place-autocomplete="/api/v1/communes/"' in form.group(1)
    assert '<option value="Toiture">' in form.group(1)  # trades suggested without a script
    assert "js/place-autocomplete" in html
    # What the form sends, as a homeowner types it (the suggestion's "Toulouse (31)" too).
    for place in ("Toulouse", "Toulouse (31)", "31000"):
        results = client.get("/artisans/", {"q": "Couvreur", "place": place}).content.decode()
        assert "Toits Toulousains" in results, place


def test_the_header_offers_reviews_quotes_and_the_pro_offer(client):
    header = client.get("/").content.decode().split("</header>")[0]
    assert ">Avis</a>" in header
    assert ">Devis</a>" in header
    assert "Vous êtes artisan&nbsp;?</a>" in header


def test_landing_and_search_headings_speak_french_not_slugs(client):
    make_pro("Façades Toulousaines", departments=("31",), radius_km=30)
    html = client.get("/artisans/facade/toulouse-31/").content.decode()
    assert 'value="toulouse-31"' not in html
    assert 'value="Toulouse (31)"' in html
    assert "0 km" not in html
    assert "moins de 1&nbsp;km" in html  # the pro's own commune
    title = client.get("/artisans/", {"place": "haute-garonne"}).content.decode()
    assert "en Haute-Garonne" in re.search(r"<h1[^>]*>(.*?)</h1>", title, re.S).group(1)


def test_landing_page_intro_is_built_from_data(client):
    for i in range(3):
        make_pro(f"Façades {i}", departments=("31",), rating=(4.0 + i / 2, 10))
    html = client.get("/artisans/facade/toulouse-31/").content.decode()
    intro = re.search(r'<section class="landing-intro".*?</section>', html, re.S).group(0)
    assert "3 professionnels façade interviennent à Toulouse" in intro
    assert "4,5/5 en moyenne sur 30 avis" in intro
    assert "Villes proches" in intro and "/artisans/facade/" in intro


def test_trade_town_pages_with_three_pros_are_in_the_sitemap(client):
    for i in range(3):
        make_pro(f"Façades {i}", departments=("31",))
    make_pro("Toits seuls", trades=("toiture",), departments=("31",))
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-trade-towns.xml" in index
    urls = client.get("/sitemap-trade-towns.xml").content.decode()
    assert "/artisans/facade/toulouse-31/" in urls
    assert "/artisans/toiture/" not in urls
