"""Search behaviour a homeowner notices: words, typos, places, filters and ordering.

Runs on both backends (SQLite in the embedded pass, PostgreSQL in the services pass)."""

import pytest

from apps.directory.models import Category
from apps.directory.search import SearchCriteria, place_resolve, pro_search
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def names(**criteria) -> list[str]:
    if "place" in criteria and isinstance(criteria["place"], str):
        criteria["place"] = place_resolve(criteria["place"])
    if "category" in criteria and isinstance(criteria["category"], str):
        criteria["category"] = Category.objects.get(slug=criteria["category"])
    return [p.name for p in pro_search(SearchCriteria(**criteria))]


def test_unaccented_query_finds_the_accented_trade():
    make_pro("Ravalement Martin", trades=("facade",))
    make_pro("Plomberie Roux", trades=("plomberie",))
    assert names(q="facade") == ["Ravalement Martin"]
    assert names(q="FAÇADE") == ["Ravalement Martin"]


@pytest.mark.parametrize("typo", ["facde", "toiturre", "plombrie", "menuiseri"])
def test_a_one_letter_typo_in_a_trade_still_finds_it(typo):
    make_pro("Ravalement Martin", trades=("facade",))
    make_pro("Couverture Dubois", trades=("toiture",))
    make_pro("Plomberie Roux", trades=("plomberie",))
    make_pro("Bois et Fenêtres", trades=("menuiserie",))
    expected = {
        "facde": "Ravalement Martin",
        "toiturre": "Couverture Dubois",
        "plombrie": "Plomberie Roux",
        "menuiseri": "Bois et Fenêtres",
    }[typo]
    assert names(q=typo) == [expected]


def test_every_word_must_match_and_the_commune_counts_as_a_word():
    make_pro("Peinture Garcia", trades=("peinture",), commune="31555")  # Toulouse
    make_pro("Peinture Lopez", trades=("peinture",), commune="33063")  # Bordeaux
    assert names(q="peinture toulouse") == ["Peinture Garcia"]
    assert set(names(q="peinture")) == {"Peinture Garcia", "Peinture Lopez"}


def test_postcode_finds_pros_serving_its_departement_and_not_others():
    make_pro("Façades Toulousaines", departments=("31",), commune="31555")
    make_pro("Façades Bordelaises", departments=("33",), commune="33063")
    make_pro("Multi Sud", departments=("33", "31"), commune="33063")
    assert set(names(place="31450")) == {"Façades Toulousaines", "Multi Sud"}
    assert set(names(place="33000")) == {"Façades Bordelaises", "Multi Sud"}


def test_a_radius_covers_nearby_places_across_a_departement_border():
    # No département listed: the radius around the base commune is the whole service area.
    make_pro("Rayon Toulouse", commune="31555", radius_km=40)
    make_pro("Rayon Perpignan", commune="66136", radius_km=30)
    assert names(place="31450") == ["Rayon Toulouse"]  # Deyme, ~20 km from Toulouse
    assert names(place="33000") == []
    assert names(place="66000") == ["Rayon Perpignan"]


def test_category_filter_includes_sub_categories():
    make_pro("Chauffage Central", trades=("chauffage",))
    make_pro("PAC Service", trades=("pompe-a-chaleur",))
    make_pro("Plâtres Vidal", trades=("platrerie",))
    assert set(names(category="chauffage")) == {"Chauffage Central", "PAC Service"}
    assert names(category="pompe-a-chaleur") == ["PAC Service"]


def test_default_order_uses_the_bayesian_score_not_the_raw_average():
    make_pro("Un seul avis", rating=(5.0, 1))
    make_pro("Deux cents avis", rating=(4.8, 200))
    make_pro("Moyen", rating=(3.9, 40))
    assert names() == ["Deux cents avis", "Un seul avis", "Moyen"]
    assert names(ordering="rating")[0] == "Un seul avis"
    assert names(ordering="reviews")[0] == "Deux cents avis"


def test_distance_ordering_puts_the_closest_first():
    make_pro("Loin", commune="31555", departments=("31", "66"))  # Toulouse
    make_pro("Près", commune="66136", departments=("66",))  # Perpignan
    assert names(place="66000", ordering="distance") == ["Près", "Loin"]


def test_filters_rating_certification_verified():
    make_pro("Bien noté RGE", rating=(4.7, 30), certifications=(("rge", 200),), verified=True)
    make_pro("RGE expiré", rating=(4.6, 30), certifications=(("rge", -5),))
    make_pro("Mal noté", rating=(2.1, 30))
    assert set(names(min_rating=4.5)) == {"Bien noté RGE", "RGE expiré"}
    assert names(certification="rge") == ["Bien noté RGE"]
    assert names(verified=True) == ["Bien noté RGE"]


def test_unpublished_pros_never_appear():
    make_pro("Caché", published=False)
    assert names() == []
    assert names(q="cache") == []


@pytest.mark.parametrize(
    "query", ["", "   ", "x" * 2000, "🏠🔨", "'; DROP TABLE x; --", "%_\\", "ـﻻ عربي"]
)
def test_odd_queries_never_fail(query):
    make_pro("Ravalement Martin")
    result = names(q=query)
    assert isinstance(result, list)


def test_place_resolution():
    assert place_resolve("31450").department_codes == ("31",)
    assert place_resolve("31").kind == "department"
    assert place_resolve("toulouse-31").kind == "commune"
    assert place_resolve("Toulouse").slug == "toulouse-31"
    assert place_resolve("haute-garonne").department_codes == ("31",)
    assert place_resolve("99999") is None
    assert place_resolve("nulle-part") is None


def test_words_in_another_script_find_nobody_and_emoji_alone_are_ignored():
    make_pro("Ravalement Martin")
    assert names(q="مرحبا بالعالم") == []
    assert names(q="שלום") == []
    assert names(q="🏠🔨") == ["Ravalement Martin"]
    assert names(q="façade 🏠") == ["Ravalement Martin"]
