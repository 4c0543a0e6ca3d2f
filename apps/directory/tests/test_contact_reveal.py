"""Contact reveals on the public profile: counted once per visitor, pro and day (reloading
the page does not inflate the pro's "Clics contact"), never a database write, only ever to
the pro's own number or website. The public API does not give the number away."""

import pytest

from apps.core import counters
from apps.core.models import OutboxEvent
from apps.directory.tests.factories import make_pro

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]


def _contact_pro(
    name="Façades du Midi", *, phone="05 61 00 00 00", website="https://facades-midi.fr"
):
    pro = make_pro(name)
    pro.phone, pro.website = phone, website
    pro.save(update_fields=["phone", "website"])
    return pro


def _flushed_contact_counts() -> dict:
    counters.counters_flush()
    events = OutboxEvent.objects.filter(
        name="core.CountersFlushed", payload__counter="directory.ContactRevealed"
    )
    totals: dict[str, int] = {}
    for event in events:
        for key, amount in event.payload["counts"].items():
            totals[key] = totals.get(key, 0) + amount
    return totals


def test_the_profile_offers_the_reveal_links_not_the_number(client):
    pro = _contact_pro()
    html = client.get(f"/pro/{pro.slug}/").content.decode()
    assert f'href="/pro/{pro.slug}/telephone/" rel="nofollow">Afficher le numéro</a>' in html
    assert f'href="/pro/{pro.slug}/site-web/" rel="nofollow noopener">Voir le site web' in html
    assert 'href="tel:' not in html
    assert "05 61 00 00 00" not in html  # nor in the structured data
    assert 'href="https://facades-midi.fr"' not in html
    # Nothing was revealed by showing the profile.
    assert _flushed_contact_counts() == {}


def test_revealing_the_phone_counts_each_click_without_writing(client, django_assert_num_queries):
    pro = _contact_pro()
    with django_assert_num_queries(1):  # the pro's contact details, nothing written
        response = client.get(f"/pro/{pro.slug}/telephone/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="tel:0561000000">05 61 00 00 00</a>' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    for _ in range(4):  # the same visitor reloads: still one reveal
        client.get(f"/pro/{pro.slug}/telephone/")
    assert _flushed_contact_counts() == {pro.slug: 1}


def test_each_visitor_counts_once_a_day(client):
    from django.test import Client

    pro = _contact_pro()
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.1"):
        Client(REMOTE_ADDR=address).get(f"/pro/{pro.slug}/telephone/")
    assert _flushed_contact_counts() == {pro.slug: 2}


def test_the_public_api_does_not_give_the_number_away(client):
    pro = _contact_pro()
    body = client.get(f"/api/v1/pros/{pro.slug}/").json()
    assert "phone" not in body
    assert "05 61 00 00 00" not in str(body)
    assert _flushed_contact_counts() == {}


def test_the_website_link_counts_and_redirects_to_the_pros_own_site(
    client, django_assert_num_queries
):
    pro = _contact_pro()
    with django_assert_num_queries(1):
        response = client.get(f"/pro/{pro.slug}/site-web/")
    assert response.status_code == 302
    assert response["Location"] == "https://facades-midi.fr"
    # The target is never taken from the request.
    response = client.get(f"/pro/{pro.slug}/site-web/?next=https://evil.example/")
    assert response["Location"] == "https://facades-midi.fr"
    assert _flushed_contact_counts() == {pro.slug: 1}  # one visitor, one day


def test_unknown_unpublished_or_missing_contact_is_a_404_and_counts_nothing(client):
    _contact_pro("Sans Contact", phone="", website="")
    hidden = _contact_pro("Cachée")
    hidden.is_published = False
    hidden.save(update_fields=["is_published"])
    odd = _contact_pro("Lien Douteux", website="javascript:alert(1)")
    for url in (
        "/pro/inconnu/telephone/",
        "/pro/inconnu/site-web/",
        "/pro/sans-contact/telephone/",
        "/pro/sans-contact/site-web/",
        "/pro/cachee/telephone/",
        "/pro/cachee/site-web/",
        f"/pro/{odd.slug}/site-web/",
    ):
        assert client.get(url).status_code == 404, url
    assert _flushed_contact_counts() == {}


def test_reveals_are_get_only_and_kept_out_of_robots(client):
    pro = _contact_pro()
    assert client.post(f"/pro/{pro.slug}/telephone/").status_code == 405
    assert client.post(f"/pro/{pro.slug}/site-web/").status_code == 405
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /pro/*/telephone/" in robots
    assert "Disallow: /pro/*/site-web/" in robots


def test_creating_a_pro_publishes_pro_created_in_the_creating_transaction(
    django_capture_on_commit_callbacks,
):
    from apps.directory.services import pros_created

    pro = make_pro("Nouvelle Entreprise")
    pros_created(pro_ids=[pro.id])
    event = OutboxEvent.objects.get(name="directory.ProCreated")
    assert event.payload == {
        "pro_id": pro.id,
        "organization_id": pro.organization_id,
        "created_at": pro.created_at.isoformat(),
    }
