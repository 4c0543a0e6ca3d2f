"""One search box that understands homeowners: trade words, places as people write them."""

import csv

import pytest

from apps.directory.places import place_understand
from apps.directory.query import VOCABULARY_FILE, query_understand, trade_understand
from apps.directory.search_quality import PLACE_THRESHOLD, TRADE_THRESHOLD, quality_evaluate
from apps.directory.tests.factories import make_pro


def test_the_vocabulary_is_a_reviewed_file_of_real_categories():
    from apps.directory.catalog import CATEGORIES

    slugs = {slug for slug, *_ in CATEGORIES}
    with VOCABULARY_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 300
    assert {row["category"] for row in rows} <= slugs
    assert len({row["term"].lower() for row in rows}) == len(rows)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("couvreur", "toiture"),
        ("plaquiste", "platrerie"),
        ("ravalement", "facade"),
        ("fenêtre", "menuiserie"),
        ("PAC", "pompe-a-chaleur"),
        ("terrassier", "terrassement"),
        ("plombeir", "plomberie"),  # a typo
        ("rénovation salle de bain", "salle-de-bain"),  # the precise trade wins
        ("Dupont et fils", ""),
    ],
)
def test_trade_words(text, category):
    assert trade_understand(text) == category


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Paris 11", "paris-11e-arrondissement-75"),
        ("paris 11e", "paris-11e-arrondissement-75"),
        ("75011", "75011"),
        ("Lyon 3e", "lyon-3e-arrondissement-69"),
        ("Marseille 13008", "marseille-8e-arrondissement-13"),
        ("St Etienne", "saint-etienne-42"),
        ("st-étienne", "saint-etienne-42"),
        ("Lyonn", "lyon-69"),
        ("les sables d'olonne", "les-sables-d-olonne-85"),
        ("Haute Garonne", "haute-garonne"),
        ("2A", "corse-du-sud"),
        ("villeurb", "villeurbanne-69"),
    ],
)
def test_places_as_people_write_them(text, slug):
    assert place_understand(text).place.slug == slug


def test_an_ambiguous_name_offers_choices_by_population():
    resolution = place_understand("Aix")
    assert resolution.place.label == "Aix-en-Provence (13)"
    labels = [p.label for p in resolution.alternatives]
    assert "Aix (19)" in labels
    populations = [p.population for p in resolution.alternatives]
    assert populations == sorted(populations, reverse=True)


def test_unknown_places_resolve_to_nothing():
    assert place_understand("99999").place is None
    assert place_understand("nulle-part").place is None


def test_one_box_splits_trade_place_and_name():
    understood = query_understand("toiture lyon")
    assert (understood.category, understood.place.slug, understood.rest) == (
        "toiture",
        "lyon-69",
        "",
    )
    understood = query_understand("Menuiserie Durand Toulouse")
    assert (understood.category, understood.place.slug, understood.rest) == (
        "menuiserie",
        "toulouse-31",
        "durand",
    )
    # A company's name is not read as a misspelt village.
    assert query_understand("Martin toiture").place is None


def test_search_quality_set_meets_its_thresholds():
    report = quality_evaluate()
    assert report.total >= 150
    assert report.place_rate >= PLACE_THRESHOLD, report.markdown()
    assert report.trade_rate >= TRADE_THRESHOLD, report.markdown()


@pytest.mark.django_db
@pytest.mark.usefixtures("directory_data")
def test_the_search_page_understands_one_box(client):
    make_pro("Toits Toulousains", trades=("toiture",), departments=("31",))
    make_pro("Façades Toulousaines", trades=("facade",), departments=("31",))
    make_pro("Toits Bordelais", commune="33063", trades=("toiture",), departments=("33",))
    html = client.get("/artisans/", {"q": "couvreur toulouse"}).content.decode()
    assert "Toits Toulousains" in html
    assert "Façades Toulousaines" not in html
    assert "Toits Bordelais" not in html
    assert "Recherche comprise" in html
    html = client.get("/artisans/", {"q": "couvreur", "place": "Toulousse"}).content.decode()
    assert "Toits Toulousains" in html and "Toits Bordelais" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("directory_data")
def test_an_ambiguous_place_is_offered_as_choices(client):
    html = client.get("/artisans/", {"place": "Aix"}).content.decode()
    assert "Vous pensiez à" in html
    assert "Aix (19)" in html


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Paris", "à Paris (75)"),
        ("75", "à Paris (75)"),
        ("Rhône", "dans le Rhône (69)"),
        ("Haute-Garonne", "en Haute-Garonne (31)"),
        ("Bouches-du-Rhône", "dans les Bouches-du-Rhône (13)"),
        ("Hérault", "dans l'Hérault (34)"),
        ("Les Sables-d'Olonne", "aux Sables-d'Olonne (85)"),
        ("Le Mans", "au Mans (72)"),
        ("La Rochelle", "à La Rochelle (17)"),
    ],
)
def test_places_take_their_french_preposition(text, phrase):
    from apps.directory.places import place_phrase

    assert place_phrase(place_understand(text).place) == phrase


def test_concurrent_first_searches_build_the_communes_once(monkeypatch):
    """A gunicorn worker's threads meeting their first searches together: one gazetteer,
    not one each (each is about 30 MB; a worker once reached 340 MiB that way)."""
    import threading

    from apps.directory import places

    built = []
    gate = threading.Event()
    real = places.Gazetteer

    class Counting(real):
        def __init__(self, *args):
            built.append(1)
            gate.wait(timeout=5)  # the other threads arrive while this one builds
            super().__init__(*args)

    monkeypatch.setattr(places, "Gazetteer", Counting)
    places._gazetteer_built.cache_clear()
    try:
        found = []
        threads = [
            threading.Thread(target=lambda: found.append(places.gazetteer())) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        gate.set()
        for thread in threads:
            thread.join()
        assert len(built) == 1
        assert len({id(g) for g in found}) == 1
    finally:
        places._gazetteer_built.cache_clear()


def test_the_communes_take_a_small_share_of_a_worker():
    """Each web worker holds one gazetteer for its life: in columns it is ~11 MB, and
    building it never holds the whole file as dicts (one object per commune kept 25 MB,
    with a 45 MB peak that the worker's allocator kept: the 150 MiB worker budget)."""
    import tracemalloc

    from apps.directory import places

    places._gazetteer_built.cache_clear()
    tracemalloc.start()
    try:
        built = places.gazetteer()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        places._gazetteer_built.cache_clear()
    assert len(built.sorted_keys) > 30000
    assert kept < 16 * 2**20, f"{kept / 2**20:.1f} MB kept"
    assert peak < 24 * 2**20, f"{peak / 2**20:.1f} MB at the peak"
