"""The coverage index behind searches by place: never loses a pro that serves the place,
and follows every change of a pro's trades or service area."""

import random

import pytest

from apps.directory.models import Category, Commune, PostalCode, ProCoverage, ProProfile
from apps.directory.search import SearchCriteria, _covers_place, place_resolve, pro_search
from apps.directory.services import pro_search_index_refresh
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def found(place: str, category: str | None = None) -> set[str]:
    criteria = SearchCriteria(
        place=place_resolve(place),
        category=Category.objects.get(slug=category) if category else None,
    )
    return {pro.name for pro in pro_search(criteria)}


def test_a_radius_reaches_the_neighbouring_departement_and_no_further():
    # Albi (Tarn), 80 km: Toulouse (~70 km away, Haute-Garonne) is inside, Bordeaux is not.
    pro = make_pro("Rayon Albi", commune="81004", radius_km=80, trades=("toiture",))
    departments = set(
        ProCoverage.objects.filter(pro=pro, category__isnull=True).values_list(
            "department_id", flat=True
        )
    )
    assert {"81", "31"} <= departments
    assert "33" not in departments
    assert found("31000", "toiture") == {"Rayon Albi"}
    assert found("33000", "toiture") == set()


def test_changing_the_service_area_or_the_trades_changes_the_results_at_once():
    pro = make_pro("Façades Girondines", commune="33063", departments=("33",), trades=("facade",))
    assert found("31450", "facade") == set()

    pro.service_departments.set(["33", "31"])
    pro_search_index_refresh(pro_ids=[pro.id])
    assert found("31450", "facade") == {"Façades Girondines"}

    pro.categories.set(Category.objects.filter(slug="toiture"))
    pro_search_index_refresh(pro_ids=[pro.id])
    assert found("31450", "facade") == set()
    assert found("31450", "toiture") == {"Façades Girondines"}
    assert found("31450") == {"Façades Girondines"}  # by place only, whatever the trade


def test_the_index_never_loses_a_pro_that_serves_the_place():
    """Against the exact service-area test alone, for varied pros and every kind of place."""
    rng = random.Random(20261128)
    communes = list(Commune.objects.order_by("insee_code").values_list("insee_code", flat=True))
    trades = list(Category.objects.values_list("slug", flat=True))
    for number in range(40):
        make_pro(
            f"Pro {number}",
            commune=rng.choice(communes),
            trades=tuple(rng.sample(trades, rng.randint(1, 3))),
            departments=tuple(rng.sample(["31", "33", "66", "11", "81"], rng.randint(0, 2))),
            radius_km=rng.choice([None, 10, 30, 60, 120]),
        )
    postcodes = list(PostalCode.objects.values_list("code", flat=True).distinct())
    places = [*rng.sample(postcodes, 40), "31", "33", "66", "11", "81", "toulouse-31"]
    published = ProProfile.objects.filter(is_published=True)
    for text in places:
        place = place_resolve(text)
        exact = set(
            published.annotate(**_distance(place))
            .filter(_covers_place(place))
            .values_list("name", flat=True)
        )
        assert found(text) == exact, text


def _distance(place):
    from apps.directory.search import distance_expression

    if place.latitude is None:
        return {}
    return {"distance_km": distance_expression(place.latitude, place.longitude)}
