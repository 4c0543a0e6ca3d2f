"""Cached public pages and API lists of the directory (apps.core.pagecache): a hit runs no
SQL, a profile change (ProProfileChanged) or a new rating shows on the next request, a
visitor's counters still count, signed-in users and a Redis outage bypass the cache.

Runs on the local-memory cache in the SQLite pass and on Redis in the services pass."""

import pytest
from django.core.cache import caches

from apps.directory.models import ProProfile
from apps.directory.services import pro_profile_changed, pro_rating_store
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

SEARCH = ("/artisans/", {"category": "facade", "place": "31000"})
CACHED_URLS = [
    "/",
    "/artisans/?category=facade&place=31000",
    "/artisans/facade/toulouse/",
    "/pro/facades-du-midi/",
    "/api/v1/pros/?category=facade&postcode=31000",
    "/api/v1/pros/facades-du-midi/",
]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit work (outbox delivery, handlers) of what happens in the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.parametrize("url", CACHED_URLS)
def test_a_second_anonymous_get_is_served_from_the_cache_without_sql(
    client, url, django_assert_num_queries
):
    make_pro("Façades du Midi", departments=("31",))
    first = client.get(url)
    assert first.status_code == 200 and first["X-Response-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["X-Response-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert "Cookie" in second["Vary"]


def test_a_profile_change_shows_at_once_on_every_cached_page(client, committed):
    pro = make_pro("Façades du Midi", departments=("31",))
    assert "Façades du Midi" in client.get(*SEARCH).content.decode()
    assert "Façades du Midi" in client.get("/pro/facades-du-midi/").content.decode()
    client.get("/api/v1/pros/facades-du-midi/")

    with committed():
        ProProfile.objects.filter(pk=pro.pk).update(name="Façades et Toitures du Midi")
        pro_profile_changed(pro_ids=[pro.pk])

    search = client.get(*SEARCH)
    assert search["X-Response-Cache"] == "miss"
    assert "Façades et Toitures du Midi" in search.content.decode()
    assert "Façades et Toitures du Midi" in client.get("/pro/facades-du-midi/").content.decode()
    assert client.get("/api/v1/pros/facades-du-midi/").json()["name"] == (
        "Façades et Toitures du Midi"
    )


def test_a_new_rating_shows_on_lists_and_profile(client, committed):
    pro = make_pro("Façades du Midi", departments=("31",))
    assert "Pas encore d'avis" in client.get(*SEARCH).content.decode()
    client.get("/pro/facades-du-midi/")

    with committed():
        pro_rating_store(
            pro_id=pro.pk,
            average=4.5,
            count=2,
            histogram={"4": 1, "5": 1},
            criteria={},
            score=4.4,
        )

    assert "Pas encore d'avis" not in client.get(*SEARCH).content.decode()
    assert client.get("/api/v1/pros/facades-du-midi/").json()["rating"]["count"] == 2


def test_an_unpublished_pro_leaves_the_cached_pages(client, committed):
    pro = make_pro("Façades du Midi", departments=("31",))
    assert client.get("/pro/facades-du-midi/").status_code == 200
    with committed():
        ProProfile.objects.filter(pk=pro.pk).update(is_published=False)
        pro_profile_changed(pro_ids=[pro.pk])
    assert client.get("/pro/facades-du-midi/").status_code == 404
    assert "Façades du Midi" not in client.get(*SEARCH).content.decode()


def test_cached_hits_still_count_views_and_impressions(client, monkeypatch):
    counted = []
    monkeypatch.setattr(
        "apps.core.counters.counter_incr",
        lambda counter, key, amount=1: counted.append((counter, key)),
    )
    monkeypatch.setattr(
        "apps.core.counters.counter_incr_many",
        lambda counter, keys: counted.extend((counter, k) for k in keys),
    )
    # The views imported the functions by name: patch where they are used too.
    monkeypatch.setattr(
        "apps.directory.presentation.pages.counter_incr_many",
        lambda counter, keys: counted.extend((counter, k) for k in keys),
    )
    make_pro("Façades du Midi", departments=("31",))
    for _ in range(2):
        client.get("/pro/facades-du-midi/")
        client.get(*SEARCH)
    assert counted.count(("directory.ProProfileViewed", "facades-du-midi")) == 2
    assert counted.count(("directory.SearchImpression", "facades-du-midi")) == 2


def test_signed_in_users_get_their_own_page(client, django_user_model):
    make_pro("Façades du Midi", departments=("31",))
    client.get("/pro/facades-du-midi/")  # cached for visitors
    user = django_user_model.objects.create_user(email="luce@exemple.fr", password="x" * 12)
    client.force_login(user)
    response = client.get("/pro/facades-du-midi/")
    assert "X-Response-Cache" not in response
    assert "luce@exemple.fr" in response.content.decode()


def test_the_pages_are_served_uncached_while_redis_is_down(client, settings):
    make_pro("Façades du Midi", departments=("31",))
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    try:
        for _ in range(2):
            response = client.get("/pro/facades-du-midi/")
            assert response.status_code == 200
            assert "X-Response-Cache" not in response  # neither served nor stored
        assert client.get(*SEARCH).status_code == 200
    finally:
        caches["default"].close()


def test_unknown_parameters_and_odd_formats_bypass_the_cache(client):
    make_pro("Façades du Midi", departments=("31",))
    for _ in range(2):
        tagged = client.get("/artisans/", {"category": "facade", "utm_source": "x"})
        assert tagged.status_code == 200 and "X-Response-Cache" not in tagged
        odd = client.get("/api/v1/pros/facades-du-midi/", HTTP_ACCEPT="application/xml")
        assert "X-Response-Cache" not in odd


def _rate(pro, committed, count=3):
    with committed():
        pro_rating_store(
            pro_id=pro.pk,
            average=4.0,
            count=count,
            histogram={"4": count},
            criteria={},
            score=4.1,
        )


def test_a_new_rating_keeps_the_cached_lists_of_other_trades(client, committed):
    roofer = make_pro("Toitures Occitanes", departments=("31",), trades=("toiture",))
    make_pro("Façades du Midi", departments=("31",), trades=("facade",))
    roofs = ("/artisans/", {"category": "toiture", "place": "31000"})
    facades_api = "/api/v1/pros/?category=facade&postcode=31000"
    for url in (SEARCH, roofs):
        client.get(*url)
    client.get(facades_api)

    _rate(roofer, committed)

    assert client.get(*SEARCH)["X-Response-Cache"] == "hit"
    assert client.get(facades_api)["X-Response-Cache"] == "hit"
    roofs_page = client.get(*roofs)
    assert roofs_page["X-Response-Cache"] == "miss"
    assert "3 avis" in roofs_page.content.decode()


def test_a_new_rating_refreshes_the_parent_trade_and_the_lists_without_trade(client, committed):
    installer = make_pro("PAC Service", departments=("31",), trades=("pompe-a-chaleur",))
    heating = ("/artisans/", {"category": "chauffage", "place": "31000"})
    by_place = ("/artisans/", {"place": "31000"})
    client.get(*heating)
    client.get(*by_place)

    _rate(installer, committed)

    assert client.get(*heating)["X-Response-Cache"] == "miss"
    assert client.get(*by_place)["X-Response-Cache"] == "miss"


def test_a_trade_removed_from_a_profile_leaves_that_trade_s_cached_lists(client, committed):
    from apps.directory.models import Category
    from apps.directory.services import pro_search_index_refresh

    pro = make_pro("Façades du Midi", departments=("31",), trades=("facade", "toiture"))
    roofs = ("/artisans/", {"category": "toiture", "place": "31000"})
    assert "Façades du Midi" in client.get(*roofs).content.decode()

    with committed():
        pro.categories.set(Category.objects.filter(slug="facade"))
        pro_search_index_refresh(pro_ids=[pro.pk])
        pro_profile_changed(pro_ids=[pro.pk])

    assert "Façades du Midi" not in client.get(*roofs).content.decode()


def test_a_renamed_trade_shows_at_once_on_its_landing_page(client, admin_client, committed):
    from apps.directory.models import Category

    make_pro("Façades du Midi", departments=("31",), trades=("facade",))
    assert client.get("/artisans/facade/toulouse/").status_code == 200
    facade = Category.objects.get(slug="facade")
    with committed():
        response = admin_client.post(
            f"/admin/directory/category/{facade.pk}/change/",
            {
                "name": "Façade et ravalement",
                "slug": "facade",
                "description": facade.description,
                "icon": facade.icon,
                "position": facade.position,
                "is_active": "on",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get("/artisans/facade/toulouse/")
    assert page["X-Response-Cache"] == "miss"
    assert "Façade et ravalement" in page.content.decode()


def test_a_landing_page_s_figures_are_kept_until_its_trade_s_lists_change(
    client, committed, django_user_model
):
    """Signed-in visitors get their own page, but its figures (pros, rating, reviews) and
    the pros its sections read are kept while the trade's lists hold."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/artisans/facade/toulouse-31/"
    client.force_login(django_user_model.objects.create_user(email="j@exemple.fr", password="x"))
    midi = make_pro("Façades du Midi", departments=("31",), rating=(4.0, 3))
    make_pro("Enduits de Garonne", departments=("31",), rating=(5.0, 1))

    def page() -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200 and "X-Response-Cache" not in response
        sql = [q["sql"].upper() for q in captured.captured_queries]
        return response.content.decode().replace("\xa0", " "), sql

    def figures(sql: list[str]) -> list[str]:
        """The summary's aggregate and the sections' pros (at most 500 ids)."""
        return [q for q in sql if "AVG(" in q or "LIMIT 500" in q]

    first, built = page()
    assert "2 professionnels façade interviennent à Toulouse" in first
    assert "sur 4 avis vérifiés" in first
    assert len(figures(built)) == 2
    again, reused = page()
    assert figures(reused) == []  # neither the summary nor the sections' pros read again
    assert len(reused) <= len(built) - 2
    assert "sur 4 avis vérifiés" in again
    # A filter is another set of figures.
    filtered = client.get(url, {"min_rating": "4.5"}).content.decode().replace("\xa0", " ")
    assert "1 professionnel façade intervient à Toulouse" in filtered

    with committed():
        pro_rating_store(
            pro_id=midi.pk, average=4.2, count=5, histogram={"4": 4, "5": 1}, criteria={}, score=4
        )
    assert "sur 6 avis vérifiés" in page()[0]
