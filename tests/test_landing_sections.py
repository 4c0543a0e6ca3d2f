"""The landing pages' sections composed by eldo/landing.py from the reviews and quotes
facades: the latest reviews nearby and the typical budgets of qualified requests."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from apps.directory.tests.conftest import directory_data  # noqa: F401 (module-scoped fixture)
from apps.directory.tests.factories import make_pro
from apps.quotes.models import QuoteKind, QuoteRequest, QuoteStatus
from apps.reviews.models import Review, ReviewReport, ReviewStatus
from apps.reviews.tests.factories import ReviewFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

URL = "/artisans/facade/toulouse-31/"
_numbers = itertools.count(1)


def review(pro, *, title: str, status=ReviewStatus.PUBLISHED, days_ago: int = 1) -> Review:
    published = timezone.now() - timedelta(days=days_ago)
    return ReviewFactory(
        pro_id=pro.pk,
        status=status,
        title=title,
        work_date=published.date(),
        published_at=published if status != ReviewStatus.PENDING else None,
    )


def qualified_requests(budgets: list[str], *, category="facade", department="31", **extra):
    now = timezone.now()
    QuoteRequest.objects.bulk_create(
        QuoteRequest(
            kind=QuoteKind.QUOTE,
            channel="api",
            status=extra.get("status", QuoteStatus.DISPATCHED),
            category_slug=category,
            postcode="31000",
            department_code=department,
            budget_range=budget,
            first_name="Jeanne",
            email=f"p{next(_numbers)}@exemple.fr",
            phone="+33612345678",
            consent_text="J'accepte.",
            consent_at=now,
            qualified_at=None if extra.get("unqualified") else now,
        )
        for budget in budgets
    )


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def words(response) -> str:
    """The page's text without its tags."""
    return unescape(re.sub(r"<[^>]+>", "", text(response))).replace("\xa0", " ")


def test_latest_reviews_nearby_link_to_the_pro_and_skip_held_ones(client):
    midi = make_pro("Façades du Midi", departments=("31",))
    garonne = make_pro("Enduits de Garonne", departments=("31",))
    bordeaux = make_pro("Façades Bordelaises", commune="33063", departments=("33",))
    for i in range(3):
        review(midi, title=f"Ravalement numéro {i}", days_ago=i + 2)
    review(garonne, title="Enduit à la chaux", days_ago=1)
    review(garonne, title="Avis en attente", status=ReviewStatus.PENDING, days_ago=0)
    review(midi, title="Avis refusé", status=ReviewStatus.REJECTED, days_ago=0)
    review(midi, title="Avis retiré", status=ReviewStatus.WITHDRAWN, days_ago=0)
    review(midi, title="Avis contesté", status=ReviewStatus.IN_DISPUTE, days_ago=0)
    reported = review(midi, title="Avis signalé", days_ago=0)
    ReviewReport.objects.create(review=reported, reason="fake", details="Faux client")
    review(bordeaux, title="Avis de Bordeaux", days_ago=0)
    for i in range(3):
        review(midi, title=f"Plus ancien {i}", days_ago=30 + i)

    html = text(client.get(URL))
    assert "Derniers avis à Toulouse" in html
    assert 'href="/pro/enduits-de-garonne/">Enduits de Garonne</a>' in html
    assert 'href="/pro/facades-du-midi/">Façades du Midi</a>' in html
    # The five latest published ones, newest first; never held, refused, withdrawn,
    # disputed, reported, nor another area's.
    section = html.split('data-section="reviews-nearby"')[1].split("</section>")[0]
    shown = [t for t in ["Enduit à la chaux", *(f"Ravalement numéro {i}" for i in range(3))]]
    assert [section.index(t) for t in shown] == sorted(section.index(t) for t in shown)
    assert "Plus ancien 0" in section and "Plus ancien 1" not in section
    for hidden in ("Avis en attente", "Avis refusé", "Avis retiré", "Avis contesté"):
        assert hidden not in html
    assert "Avis signalé" not in html and "Avis de Bordeaux" not in html
    assert "Travail soigné : chantier" in html  # French typography (no-break space)


def test_no_reviews_section_below_three_reviews(client):
    midi = make_pro("Façades du Midi", departments=("31",))
    review(midi, title="Un seul avis")
    review(midi, title="Et un deuxième")
    assert 'data-section="reviews-nearby"' not in text(client.get(URL))


def test_budgets_from_ten_qualified_requests_as_median_and_middle_half(client):
    make_pro("Façades du Midi", departments=("31",))
    # 12 in Haute-Garonne: 2 under 5 k, 6 from 5 to 15 k, 3 from 15 to 50 k, 1 over 50 k.
    qualified_requests(["lt_5k"] * 2 + ["5k_15k"] * 6 + ["15k_50k"] * 3 + ["gt_50k"])
    # Not counted: unknown budget, not qualified, another trade, another département.
    qualified_requests(["unknown"] * 5)
    qualified_requests(["gt_50k"] * 5, status=QuoteStatus.NEW, unqualified=True)
    qualified_requests(["gt_50k"] * 5, category="plomberie")
    qualified_requests(["gt_50k"] * 5, department="33")
    page = words(client.get(URL))
    assert "Budget médian : de 5 000 € à 15 000 €" in page
    assert "la moitié des projets entre 5 000 € et 50 000 €" in page
    assert "D'après 12 demandes de devis qualifiées" in page


def test_no_budget_claim_below_ten_qualified_requests(client):
    make_pro("Façades du Midi", departments=("31",))
    qualified_requests(["5k_15k"] * 9)
    qualified_requests(["5k_15k"] * 5, status=QuoteStatus.IN_QUALIFICATION, unqualified=True)
    html = text(client.get(URL))
    assert 'data-section="budgets"' not in html and "Budget médian" not in html


def test_sections_keep_a_constant_query_count(client, django_assert_num_queries):
    def page_queries() -> int:
        from django.core.cache import cache
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    pros = [make_pro(f"Façades {i}", departments=("31",)) for i in range(3)]
    for pro in pros:
        review(pro, title=f"Avis sur {pro.name}")
    qualified_requests(["5k_15k"] * 10)
    few = page_queries()
    pros += [make_pro(f"Façades {i}", departments=("31",)) for i in range(3, 15)]
    for pro in pros:
        for j in range(3):
            review(pro, title=f"Avis {j} sur {pro.name}")
    qualified_requests(["15k_50k"] * 40)
    assert page_queries() == few
    # The results (count, page, trades, labels), the summary, the sections' pros, the
    # latest reviews (photos, pros) and the budgets: 15 before the page handed its area
    # and its count over.
    assert few <= 11


def test_a_new_review_refreshes_the_cached_landing_page(client, settings):
    from apps.reviews.caching import public_reviews_changed

    settings.PUBLIC_RESPONSE_CACHE_SECONDS = 600
    midi = make_pro("Façades du Midi", departments=("31",))
    for i in range(3):
        review(midi, title=f"Ravalement numéro {i}", days_ago=i + 2)
    assert "Tout neuf" not in text(client.get(URL))
    review(midi, title="Tout neuf", days_ago=0)
    assert "Tout neuf" not in text(client.get(URL))  # served from the cache
    public_reviews_changed(pro_id=midi.pk)  # what the ReviewPublished handler does
    assert "Tout neuf" in text(client.get(URL))


def test_a_signed_in_visitor_reuses_the_reviews_section_until_a_publication(
    client, settings, django_user_model
):
    """Signed-in pages are never kept whole: the latest reviews are kept as a fragment
    while the reviews feed and the pros' lists hold."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.reviews.caching import public_reviews_changed

    settings.PUBLIC_RESPONSE_CACHE_SECONDS = 600
    client.force_login(django_user_model.objects.create_user(email="j@exemple.fr", password="x"))
    midi = make_pro("Façades du Midi", departments=("31",))
    for i in range(3):
        review(midi, title=f"Ravalement numéro {i}", days_ago=i + 2)
    cache.clear()

    def page() -> tuple[str, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        assert response.status_code == 200 and "X-Response-Cache" not in response
        section = text(response).split('data-section="reviews-nearby"')[1]
        return section.split("</section>")[0], len(captured)

    first, built = page()
    again, reused = page()
    assert again == first and "Ravalement numéro 0" in first
    assert reused < built  # the section's reads are not made again
    review(midi, title="Tout neuf", days_ago=0)
    assert "Tout neuf" not in page()[0]  # kept: no publication event yet
    public_reviews_changed(pro_id=midi.pk)  # what the ReviewPublished handler does
    assert "Tout neuf" in page()[0]


def test_departement_page_has_both_sections(client):
    midi = make_pro("Façades du Midi", departments=("31",))
    for i in range(3):
        review(midi, title=f"Ravalement numéro {i}", days_ago=i + 1)
    qualified_requests(["15k_50k"] * 10)
    response = client.get("/artisans/facade/haute-garonne/")
    assert response.status_code == 200
    page = words(response)
    assert "Derniers avis en Haute-Garonne" in page
    assert "Budget médian : de 15 000 € à 50 000 €" in page
    assert "la moitié des projets entre 15 000 € et 50 000 €" in page
