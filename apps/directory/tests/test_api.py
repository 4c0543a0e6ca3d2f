"""The directory API as a partner or a front end uses it."""

import pytest
from rest_framework.test import APIClient

from apps.directory import api as directory_api
from apps.directory.services import pro_rating_store
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


@pytest.fixture
def client():
    return APIClient()


def test_categories_are_public_and_named_by_slug(client):
    response = client.get("/api/v1/categories/", {"page_size": 100})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] >= 25
    by_slug = {c["slug"]: c for c in body["results"]}
    assert by_slug["facade"]["name"] == "Façade"
    assert by_slug["pompe-a-chaleur"]["parent"] == "chauffage"


def test_pro_list_filters_and_paginates(client):
    make_pro("Façades Toulousaines", departments=("31",), rating=(4.6, 20))
    make_pro("Façades Bordelaises", commune="33063", departments=("33",))
    response = client.get("/api/v1/pros/", {"category": "facade", "postcode": "31450"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    pro = body["results"][0]
    assert pro["slug"] == "facades-toulousaines"
    assert pro["categories"] == ["facade"]
    assert pro["rating"]["count"] == 20
    assert set(body) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "nope"}, "category"),
        ({"postcode": "123"}, "postcode"),
        ({"postcode": "99999"}, "postcode"),
        ({"department": "XX"}, "department"),
        ({"min_rating": "-1"}, "min_rating"),
        ({"min_rating": "beaucoup"}, "min_rating"),
        ({"min_rating": "6"}, "min_rating"),
        ({"certification": "iso9001"}, "certification"),
        ({"ordering": "price"}, "ordering"),
        ({"place": "nulle-part"}, "place"),
    ],
)
def test_bad_filters_answer_400_with_the_field_named(client, params, field):
    response = client.get("/api/v1/pros/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_pro_detail_has_histogram_certifications_and_service_area(client):
    make_pro(
        "Façades du Midi",
        departments=("31", "81"),
        radius_km=50,
        rating=(4.8, 10),
        certifications=(("rge", 100), ("qualibat", -1)),
    )
    response = client.get("/api/v1/pros/facades-du-midi/")
    assert response.status_code == 200
    body = response.json()
    assert body["histogram"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 10}
    assert body["service_area"] == {"departments": ["31", "81"], "radius_km": 50}
    # Only labels verified and still valid are public: the expired Qualibat is gone.
    validity = {c["kind"]: c["is_valid"] for c in body["certifications"]}
    assert validity == {"rge": True}
    assert body["certifications"] and "siret" in body


def test_unknown_or_unpublished_pro_is_404(client):
    make_pro("Caché", published=False)
    assert client.get("/api/v1/pros/cache/").status_code == 404
    assert client.get("/api/v1/pros/inconnu/").status_code == 404
    assert client.get("/api/v1/pros/inconnu/badge/").status_code == 404


def test_badge_is_cors_open_cacheable_and_refreshed_when_the_rating_changes(
    client, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    settings.PUBLIC_RESPONSE_CACHE_SECONDS = 600
    pro = make_pro("Façades du Midi", rating=(4.0, 3))
    first = client.get("/api/v1/pros/facades-du-midi/badge/")
    assert first.status_code == 200
    assert first["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in first["Cache-Control"]
    assert first.json()["rating"]["count"] == 3
    # Served from the public response cache, with the headers a pro's website needs.
    with django_assert_num_queries(0):
        again = client.get("/api/v1/pros/facades-du-midi/badge/")
    assert again["X-Response-Cache"] == "hit"
    assert again["Access-Control-Allow-Origin"] == "*"
    assert again["Cache-Control"] == first["Cache-Control"]
    assert again.json() == first.json()

    with django_capture_on_commit_callbacks(execute=True):
        pro_rating_store(
            pro_id=pro.id, average=4.2, count=4, histogram={"4": 1, "5": 3}, criteria={}, score=4.3
        )
    second = client.get("/api/v1/pros/facades-du-midi/badge/")
    assert second.json()["rating"]["count"] == 4


def test_list_query_count_does_not_grow_with_page_size(client, django_assert_max_num_queries):
    for i in range(30):
        make_pro(f"Façades {i}", departments=("31",), certifications=(("rge", 10),))
    with django_assert_max_num_queries(8):
        small = client.get(
            "/api/v1/pros/", {"page_size": 5, "category": "facade", "postcode": "31000"}
        )
    with django_assert_max_num_queries(8):
        big = client.get(
            "/api/v1/pros/", {"page_size": 30, "category": "facade", "postcode": "31000"}
        )
    assert len(small.json()["results"]) == 5
    assert len(big.json()["results"]) == 30


def test_detail_query_count_is_bounded(client, django_assert_max_num_queries):
    make_pro(
        "Façades du Midi", departments=("31", "81"), certifications=(("rge", 10), ("qualibat", 10))
    )
    with django_assert_max_num_queries(9):
        assert client.get("/api/v1/pros/facades-du-midi/").status_code == 200


def test_profile_view_writes_nothing_to_the_database(client):
    make_pro("Façades du Midi")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/pros/facades-du-midi/")
    writes = [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    assert writes == []


def test_commune_autocomplete_ignores_accents_and_case(client):
    response = client.get("/api/v1/communes/", {"q": "PERPIG"})
    assert response.status_code == 200
    assert response.json()[0]["name"] == "Perpignan"
    assert "66000" in response.json()[0]["postcodes"]
    assert client.get("/api/v1/communes/", {"q": "3145"}).json()
    assert client.get("/api/v1/communes/", {"q": "x"}).status_code == 400
    assert client.get("/api/v1/communes/").status_code == 400


def test_pros_matching_gives_advisors_reasons_and_best_score_first():
    make_pro("Façades Toulousaines", departments=("31",), rating=(4.8, 40))
    make_pro("Façades Lauragais", commune="31555", radius_km=40, rating=(4.1, 5))
    make_pro("Façades Bordelaises", commune="33063", departments=("33",))
    matches = directory_api.pros_matching(category_slug="facade", postcode="31450")
    assert [m.pro.name for m in matches] == ["Façades Toulousaines", "Façades Lauragais"]
    assert "Intervient dans le département 31" in matches[0].reasons
    assert any("rayon d'intervention 40 km" in r for r in matches[1].reasons)
    assert directory_api.pros_matching(category_slug="nope", postcode="31450") == []
