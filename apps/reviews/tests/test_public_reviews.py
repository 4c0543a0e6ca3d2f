"""What the public sees: a pro's reviews (API and profile), the latest reviews (home,
/avis/, API), the widget and the badge, the rules page. Bounded queries, escaped text."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from apps.reviews.models import Review
from apps.reviews.services import review_reply_create
from apps.reviews.tests.support import jpeg, submit_invited, upload

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _many(pro, owner, n: int, *, photos: bool = True):
    """n published reviews, every other one answered, some with photos, spread in time."""
    reviews = []
    for i in range(n):
        review = submit_invited(
            pro,
            email=f"client{i}@exemple.fr",
            rating=1 + i % 5,
            body=f"Avis numéro {i} : travail soigné, équipe ponctuelle et chantier propre.",
            photos=[upload(jpeg((80, 60)))] if photos and i % 3 == 0 else [],
        )
        Review.objects.filter(pk=review.pk).update(
            published_at=timezone.now() - timedelta(days=n - i)
        )
        if owner and i % 2 == 0:
            review_reply_create(review_id=review.pk, user_id=owner.pk, body=f"Merci {i} !")
        reviews.append(review)
    return reviews


# --- API lists -------------------------------------------------------------------------------


def test_a_pros_reviews_newest_first_with_every_public_field_and_no_email(api, pro, owner):
    _many(pro, owner, 3)
    submit_invited(pro, email="held@exemple.fr", title="Des escrocs")  # pending: not listed
    response = api.get(f"/api/v1/pros/{pro.slug}/reviews/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    first = body["results"][0]
    assert first["author_name"] == "Philippe"
    assert first["pro"] == pro.slug and first["pro_name"] == "Façades du Midi"
    assert first["author_commune"] == "Toulouse" and first["author_postcode"] == "31000"
    assert first["is_verified"] is True and first["source"] == "invited"
    assert first["work_category"] == "facade" and first["work_date"]
    assert "@" not in str(body)  # no e-mail address, ever
    dates = [row["published_at"] for row in body["results"]]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(
    ("ordering", "key", "reverse"),
    [
        ("recent", "published_at", True),
        ("oldest", "published_at", False),
        ("best", "rating", True),
        ("worst", "rating", False),
    ],
)
def test_reviews_can_be_sorted(api, pro, ordering, key, reverse):
    _many(pro, None, 5, photos=False)
    rows = api.get(f"/api/v1/pros/{pro.slug}/reviews/", {"ordering": ordering}).json()["results"]
    values = [row[key] for row in rows]
    assert values == sorted(values, reverse=reverse)


def test_bad_ordering_and_unknown_pro(api, pro):
    assert api.get(f"/api/v1/pros/{pro.slug}/reviews/", {"ordering": "prix"}).status_code == 400
    assert api.get("/api/v1/pros/nulle-part/reviews/").status_code == 404


def test_the_latest_feed_lists_every_pro(api, pro, other_pro):
    submit_invited(pro, email="a@exemple.fr")
    submit_invited(
        other_pro,
        email="b@exemple.fr",
        work_category="toiture",
        body="Toiture refaite, aucune fuite depuis, équipe au top.",
    )
    body = api.get("/api/v1/reviews/latest/").json()
    assert body["count"] == 2
    assert [row["pro"] for row in body["results"]] == [other_pro.slug, pro.slug]


def test_lists_run_a_bounded_number_of_queries(api, pro, owner, django_assert_max_num_queries):
    _many(pro, owner, 30)
    with django_assert_max_num_queries(5):
        response = api.get(f"/api/v1/pros/{pro.slug}/reviews/", {"page_size": 100})
    assert len(response.json()["results"]) == 30
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/reviews/latest/", {"page_size": 100}).json()["results"]) == 30


def test_moderation_and_invitation_lists_are_bounded_too(
    as_user, moderator, owner, pro, django_assert_max_num_queries
):
    for i in range(15):
        submit_invited(pro, email=f"held{i}@exemple.fr", title=f"Des escrocs {i}")
    with django_assert_max_num_queries(8):
        assert (
            as_user(moderator)
            .get("/api/v1/moderation/reviews/", {"page_size": 100})
            .json()["count"]
            == 15
        )
    with django_assert_max_num_queries(8):
        assert (
            as_user(owner).get("/api/v1/review-requests/", {"page_size": 100}).json()["count"] == 15
        )


# --- Pages -----------------------------------------------------------------------------------


def test_the_profile_shows_reviews_as_the_law_asks(
    client, pro, owner, django_assert_max_num_queries
):
    _many(pro, owner, 14)
    spontaneous = Review.objects.order_by("-published_at").first()
    Review.objects.filter(pk=spontaneous.pk).update(source="spontaneous", label="spontaneous")
    with django_assert_max_num_queries(12):
        response = client.get(f"/pro/{pro.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    text = _text(html)
    assert text.count("Avis vérifié") >= 9
    assert "Avis spontané" in text
    assert "Publié le" in text and "réalisés en" in text
    assert "Réponse de Façades du Midi" in text
    assert "Comment fonctionnent les avis sur Eldo" in text
    assert 'href="/avis/comment-ca-marche/"' in html
    assert "Les plus anciens d'abord" in text  # the chronological sort option
    assert 'alt="Photo 1 du chantier' in html
    assert "client1@exemple.fr" not in html
    assert html.count('class="card review"') == 10
    assert 'rel="next"' in html

    oldest = client.get(f"/pro/{pro.slug}/", {"tri": "oldest"}).content.decode()
    assert oldest.index("Avis numéro 0 ") < oldest.index("Avis numéro 1 ")
    second = client.get(f"/pro/{pro.slug}/", {"page": 2}).content.decode()
    assert second.count('class="card review"') == 4
    assert client.get(f"/pro/{pro.slug}/", {"page": 9}).status_code == 404
    assert client.get(f"/pro/{pro.slug}/", {"page": "x"}).status_code == 404


def test_html_in_reviews_and_replies_is_displayed_escaped(client, api, pro, owner):
    review = submit_invited(
        pro,
        title="<script>alert('titre')</script>",
        body="<img src=x onerror=alert(1)> Très bon travail, je recommande l'entreprise.",
        author_name="<b>Jean</b>",
    )
    review_reply_create(review_id=review.pk, user_id=owner.pk, body="<script>alert('r')</script>")
    for url in (f"/pro/{pro.slug}/", "/avis/", "/", f"/widget/{pro.slug}/"):
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;alert(" in html, url
    assert api.get(f"/api/v1/pros/{pro.slug}/reviews/").json()["results"][0]["title"] == (
        "<script>alert('titre')</script>"  # JSON carries the text; clients escape it
    )


def test_home_shows_the_latest_reviews_and_the_review_count(
    client, pro, django_assert_max_num_queries
):
    review = submit_invited(
        pro, title="Réfection façade", body="Un chantier impeccable, rapide et propre, bravo !"
    )
    published_at = timezone.now() - timedelta(hours=3, minutes=5)
    Review.objects.filter(pk=review.pk).update(published_at=published_at)
    from apps.reviews.aggregates import pro_aggregates_refresh

    pro_aggregates_refresh(pro_id=pro.id)
    with django_assert_max_num_queries(7):
        response = client.get("/")
    html = response.content.decode()
    text = _text(html)
    assert "Consultez les derniers avis" in text
    assert "Réfection façade" in text
    # "Philippe – Toulouse, 31000 · il y a 3 heures", the exact moment machine-readable.
    assert "Philippe – Toulouse, 31000 · il y a 3 heures" in text
    assert f'<time datetime="{timezone.localtime(published_at).isoformat()}"' in html
    assert "Avis sur Façades du Midi" in text
    assert "Avis clients publiés" in text
    assert 'href="/avis/"' in html


def test_latest_reviews_page(client, pro, owner, django_assert_max_num_queries):
    _many(pro, owner, 15)
    with django_assert_max_num_queries(6):
        response = client.get("/avis/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Les derniers avis de nos clients" in html
    assert html.count('class="card review"') == 12
    assert "Avis sur" in html
    assert client.get("/avis/", {"page": 2}).status_code == 200
    assert client.get("/avis/", {"page": 3}).status_code == 404


def test_the_rules_page_explains_checks_delays_reasons_and_retention(client):
    text = _text(client.get("/avis/comment-ca-marche/").content.decode())
    assert "Comment fonctionnent les avis sur Eldo" in text
    for words in (
        "L111-7-2",
        "D111-16 à D111-19",
        "Avis vérifié",
        "sous 3 jours ouvrés",
        "Pour quelles raisons un avis peut-il être refusé",
        "propos injurieux",
        "date de publication",
        "date des travaux",
        "du plus récent au plus ancien",
        "Aucune contrepartie",
        "Combien de temps les avis sont-ils conservés",
        "signaler",
    ):
        assert words in text, words


# --- Widget and badge ------------------------------------------------------------------------


def test_the_widget_is_embeddable_cached_and_refreshed_by_a_new_review(
    client, pro, committed, django_assert_max_num_queries
):
    with committed():
        submit_invited(pro, email="a@exemple.fr", rating=5)
    first = client.get(f"/widget/{pro.slug}/")
    assert first.status_code == 200
    assert "X-Frame-Options" not in first  # this page only may be framed
    assert first["Cache-Control"] == "public, max-age=300"
    assert "1 avis" in first.content.decode()
    with django_assert_max_num_queries(0):
        assert client.get(f"/widget/{pro.slug}/").content == first.content  # cached
    assert client.get(f"/pro/{pro.slug}/")["X-Frame-Options"] == "DENY"

    with committed():
        submit_invited(
            pro,
            email="b@exemple.fr",
            rating=3,
            body="Correct, quelques retards mais bon résultat final.",
        )
    html = client.get(f"/widget/{pro.slug}/").content.decode()
    assert "2 avis" in html
    assert "4,0" in html


def test_the_badge_changes_after_a_new_review(api, pro, committed):
    badge = api.get(f"/api/v1/pros/{pro.slug}/badge/").json()
    assert badge["rating"]["count"] == 0
    with committed():
        submit_invited(pro, rating=4)
    badge = api.get(f"/api/v1/pros/{pro.slug}/badge/").json()
    assert badge["rating"]["count"] == 1
    assert badge["rating"]["average"] == 4.0


def test_unknown_widget_is_404(client, pro):
    assert client.get("/widget/nulle-part/").status_code == 404
