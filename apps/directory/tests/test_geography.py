"""French geography: the shipped dataset, `load_geography` and the lookups over it."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.directory.geography import (
    commune_autocomplete,
    commune_by_slug,
    communes_for_postcode,
    communes_within_km,
    department_for_code,
    haversine_km,
    normalize_place_name,
)
from apps.directory.models import Commune, Department, PostalCode, Region

SUBSET = "31,33,34,974"

# (lat min, lat max, lon min, lon max): metropolitan France with Corsica, then overseas.
BOUNDING_BOXES = {
    "metro": (41.3, 51.1, -5.2, 9.6),
    "971": (15.8, 16.55, -61.85, -60.95),
    "972": (14.35, 14.9, -61.25, -60.8),
    "973": (2.1, 5.8, -54.65, -51.6),
    "974": (-21.4, -20.85, 55.2, 55.85),
    "975": (46.7, 47.15, -56.45, -56.1),
    "976": (-13.05, -12.6, 45.0, 45.3),
    "977": (17.85, 17.98, -62.95, -62.78),
    "978": (18.0, 18.13, -63.16, -62.96),
    "986": (-14.4, -13.2, -178.2, -176.1),
    "987": (-27.7, -7.8, -154.8, -134.4),
    "988": (-22.8, -19.5, 163.5, 168.2),
}
METROPOLITAN_DEPARTMENTS = {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
OVERSEAS_DEPARTMENTS = {"971", "972", "973", "974", "976"}


def load(**options) -> str:
    out = StringIO()
    call_command("load_geography", stdout=out, **options)
    return out.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Region.objects.count(),
        Department.objects.count(),
        Commune.objects.count(),
        PostalCode.objects.count(),
    )


def assert_nothing_written(output: str) -> None:
    lines = output.splitlines()
    assert len(lines) == 4, output
    for line in lines:
        assert re.search(r"\(0 created, 0 updated, [1-9]\d* unchanged\)$", line), line


def assert_in_france(commune: Commune) -> None:
    box = BOUNDING_BOXES.get(commune.department_id, BOUNDING_BOXES["metro"])
    lat_min, lat_max, lon_min, lon_max = box
    assert lat_min <= commune.latitude <= lat_max, commune
    assert lon_min <= commune.longitude <= lon_max, commune


@pytest.fixture(scope="module")
def geography(django_db_setup, django_db_blocker):
    """Four départements loaded once for the module, removed afterwards."""
    with django_db_blocker.unblock():
        load(departments=SUBSET)
    yield
    with django_db_blocker.unblock():
        PostalCode.objects.all().delete()
        Commune.objects.filter(parent__isnull=False).delete()
        Commune.objects.all().delete()
        Department.objects.all().delete()
        Region.objects.all().delete()


pytestmark = pytest.mark.django_db


def test_normalize_place_name_folds_case_accents_and_punctuation():
    assert normalize_place_name("L'Haÿ-les-Roses") == "l hay les roses"
    assert normalize_place_name("  Vœuil-et-Giget ") == "voeuil et giget"
    assert normalize_place_name("BÉZIERS") == "beziers"


def test_the_subset_holds_its_departements_and_nothing_else(geography):
    assert set(Department.objects.values_list("code", flat=True)) == {"31", "33", "34", "974"}
    assert Commune.objects.filter(department_id="31").count() > 500
    assert not Commune.objects.exclude(department_id__in=["31", "33", "34", "974"]).exists()


def test_postcode_31450_serves_deyme(geography):
    communes = communes_for_postcode("31450")
    assert "31161" in {c.insee_code for c in communes}
    deyme = next(c for c in communes if c.insee_code == "31161")
    assert deyme.name == "Deyme"
    assert deyme.slug == "deyme-31"
    assert deyme.postcodes == ("31450",)
    assert deyme.department_name == "Haute-Garonne"


def test_unknown_or_malformed_postcode_gives_nothing(geography):
    assert communes_for_postcode("99999") == []
    assert communes_for_postcode("3145") == []
    assert communes_for_postcode("toulouse") == []


def test_autocomplete_puts_the_biggest_commune_first(geography):
    assert commune_autocomplete("toul")[0].slug == "toulouse-31"


@pytest.mark.parametrize("query", ["beziers", "Béziers", "BEZIERS", "bézi"])
def test_autocomplete_ignores_case_and_accents(geography, query):
    assert commune_autocomplete(query)[0].insee_code == "34032"


@pytest.mark.parametrize("query", ["saint-denis", "Saint Denis", "st-denis", "ST DENIS"])
def test_autocomplete_finds_saint_denis_of_la_reunion(geography, query):
    found = commune_autocomplete(query)
    reunion = next(c for c in found if c.insee_code == "97411")
    assert reunion.slug == "saint-denis-974"
    assert reunion.department_name == "La Réunion"
    assert_in_france(Commune.objects.get(pk="97411"))


def test_autocomplete_on_digits_suggests_postcode_prefixes(geography):
    found = commune_autocomplete("3145", limit=50)
    assert "31161" in {c.insee_code for c in found}
    assert all(any(p.startswith("3145") for p in c.postcodes) for c in found)
    populations = [Commune.objects.get(pk=c.insee_code).population for c in found]
    assert populations == sorted(populations, reverse=True)


def test_autocomplete_respects_the_limit_and_empty_queries(geography):
    assert len(commune_autocomplete("sa", limit=5)) == 5
    assert commune_autocomplete("") == []
    assert commune_autocomplete(" - ") == []
    assert commune_autocomplete("zzzz") == []


def test_lookups_by_slug_and_department_code(geography):
    assert commune_by_slug("toulouse-31").insee_code == "31555"
    assert commune_by_slug("nowhere-31") is None
    department = department_for_code("31")
    assert (department.name, department.slug, department.region_name) == (
        "Haute-Garonne",
        "haute-garonne",
        "Occitanie",
    )
    assert department_for_code("974").region_code == "04"
    assert department_for_code("2A") is None  # not loaded in this subset


def test_every_loaded_commune_has_coordinates_in_france(geography):
    for commune in Commune.objects.all():
        assert_in_france(commune)
        assert commune.coordinates_source


def test_haversine_toulouse_to_deyme_is_about_15_km():
    # Town-hall coordinates: Toulouse (Capitole) and Deyme.
    assert 14 < haversine_km(43.6045, 1.4440, 43.4858, 1.5275) < 16


def test_communes_within_km_of_toulouse(geography):
    toulouse = Commune.objects.get(pk="31555")
    deyme = Commune.objects.get(pk="31161")
    # GeoNames does not list Deyme: it borrows the coordinates of the biggest commune of
    # its postcode (Baziège), a few kilometres away, hence the wider range than 15 km.
    distance = haversine_km(toulouse.latitude, toulouse.longitude, deyme.latitude, deyme.longitude)
    assert 10 < distance < 25

    nearby = communes_within_km(toulouse.latitude, toulouse.longitude, 25)
    codes = [c.insee_code for c in nearby]
    assert codes[0] == "31555"
    assert "31161" in codes
    assert "33063" not in codes  # Bordeaux
    assert all(c.postcodes for c in nearby)
    assert communes_within_km(toulouse.latitude, toulouse.longitude, 0.1)[0].insee_code == "31555"


def test_lookups_run_a_bounded_number_of_queries(geography, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert len(commune_autocomplete("sa", limit=20)) == 20
    with django_assert_max_num_queries(2):
        assert len(commune_autocomplete("3", limit=20)) == 20
    with django_assert_max_num_queries(2):
        communes_for_postcode("31000")
    with django_assert_max_num_queries(2):
        assert len(communes_within_km(43.6045, 1.4440, 60)) > 300
    with django_assert_max_num_queries(2):
        commune_by_slug("toulouse-31")
    with django_assert_max_num_queries(1):
        department_for_code("33")


def test_reloading_changes_nothing(geography):
    before = counts()
    output = load(departments=SUBSET)
    assert counts() == before
    assert_nothing_written(output)


def test_reloading_repairs_drift(geography):
    Commune.objects.filter(pk="31161").update(name="Deime", latitude=0)
    PostalCode.objects.filter(commune_id="31161").delete()
    PostalCode.objects.create(code="31999", commune_id="31161")

    output = load(departments="31")

    deyme = Commune.objects.get(pk="31161")
    assert deyme.name == "Deyme" and deyme.latitude > 43
    assert list(deyme.postal_codes.values_list("code", flat=True)) == ["31450"]
    assert re.search(r"^communes: \d+ \(0 created, 1 updated", output, re.M)
    assert re.search(
        r"^postcodes: \d+ \(1 created, 0 updated, \d+ unchanged, 1 deleted", output, re.M
    )


def test_unknown_department_is_refused(geography):
    with pytest.raises(CommandError, match="99"):
        load(departments="31,99")


@pytest.mark.services
def test_full_load_covers_every_departement():
    output = load()
    assert Commune.objects.count() > 34_000
    codes = set(Department.objects.values_list("code", flat=True))
    assert codes >= METROPOLITAN_DEPARTMENTS | OVERSEAS_DEPARTMENTS
    assert len(METROPOLITAN_DEPARTMENTS | OVERSEAS_DEPARTMENTS) == 101
    assert not Commune.objects.filter(postal_codes__isnull=True).exists()
    for commune in Commune.objects.only("department_id", "latitude", "longitude").iterator():
        assert_in_france(commune)
    assert "communes:" in output
    assert_nothing_written(load())
