"""The pro's aggregates: computed from the public review rows, stored in the directory
through its api, correct under repeated and concurrent deliveries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.directory import api as directory
from apps.reviews import aggregates
from apps.reviews.aggregates import (
    FALLBACK_PRIOR_MEAN,
    HALF_LIFE_DAYS,
    PRIOR_WEIGHT,
    pro_aggregates_refresh,
    recency_weight,
)
from apps.reviews.models import ProReviewStats, Review
from apps.reviews.tests.support import submit_invited

pytestmark = pytest.mark.django_db


def _reviews(pro, ratings, *, days_ago=0, criteria=None):
    for n, rating in enumerate(ratings):
        review = submit_invited(
            pro,
            email=f"c{pro.id}-{n}-{days_ago}@exemple.fr",
            rating=rating,
            body=f"Avis {n} sur {pro.name}, {days_ago} jours : chantier sérieux et soigné.",
            criteria=criteria,
        )
        Review.objects.filter(pk=review.pk).update(
            published_at=timezone.now() - timedelta(days=days_ago)
        )


@pytest.fixture
def refresh(committed):
    """Recompute a pro's aggregates and run what follows the commit: the directory stores
    the rating when ``reviews.ProRatingChanged`` reaches it."""

    def run(pro_id: int):
        with committed():
            return pro_aggregates_refresh(pro_id=pro_id)

    return run


def test_average_count_histogram_and_criteria(pro, refresh):
    _reviews(pro, [5, 4, 4], criteria={"quality": 5, "timeliness": 4})
    _reviews(pro, [1], days_ago=1)
    refresh(pro.id)
    profile = directory.pro_profile(pro.slug)
    assert profile["rating"]["count"] == 4
    assert profile["rating"]["average"] == 3.5
    assert profile["histogram"] == {"1": 1, "2": 0, "3": 0, "4": 2, "5": 1}
    assert profile["criteria"] == {"quality": 5.0, "timeliness": 4.0}


def test_the_score_is_a_recency_weighted_bayesian_mean(pro, other_pro, refresh):
    _reviews(other_pro, [4, 4, 4, 4])  # the platform: mean 4.0 with the pro's below
    refresh(other_pro.id)
    _reviews(pro, [5, 5], days_ago=0)
    _reviews(pro, [1], days_ago=HALF_LIFE_DAYS)
    stats = refresh(pro.id)
    m = 16 / 4  # mean of the platform as stored before this refresh
    expected = (PRIOR_WEIGHT * m + 5 + 5 + 0.5 * 1) / (PRIOR_WEIGHT + 2 + 0.5)
    stored = directory.pro_profile(pro.slug)["rating"]["score"]
    assert stored == pytest.approx(expected, abs=1e-3)
    assert stats.average == round(11 / 3, 1)
    assert recency_weight(2 * HALF_LIFE_DAYS) == 0.25


def test_one_review_does_not_outrank_many_good_ones(pro, other_pro, refresh):
    _reviews(pro, [5])
    _reviews(other_pro, [5] * 9 + [4] * 3)
    refresh(pro.id)
    refresh(other_pro.id)
    single = directory.pro_profile(pro.slug)["rating"]["score"]
    many = directory.pro_profile(other_pro.slug)["rating"]["score"]
    assert single < many


def test_without_reviews_the_score_is_zero_and_the_prior_has_a_fallback(pro, refresh):
    assert refresh(pro.id).count == 0
    assert directory.pro_profile(pro.slug)["rating"] == {"average": 0.0, "count": 0, "score": 0.0}
    assert aggregates.platform_mean(fresh=True) == FALLBACK_PRIOR_MEAN


def test_refreshing_twice_changes_nothing(pro, refresh):
    _reviews(pro, [5, 3])
    refresh(pro.id)
    first = directory.pro_profile(pro.slug)["rating"]
    refresh(pro.id)
    assert directory.pro_profile(pro.slug)["rating"] == first
    assert ProReviewStats.objects.get(pro_id=pro.id).count == 2


def test_a_rebuild_matches_per_pro_refreshes(pro, other_pro, refresh):
    _reviews(pro, [5, 4, 2])
    _reviews(other_pro, [3, 3], days_ago=400)
    assert aggregates.aggregates_rebuild() == 2
    rebuilt = [directory.pro_profile(p.slug)["rating"] for p in (pro, other_pro)]
    for p in (pro, other_pro):
        refresh(p.id)
    refreshed = [directory.pro_profile(p.slug)["rating"] for p in (pro, other_pro)]
    assert [r["count"] for r in rebuilt] == [3, 2]
    assert [r["average"] for r in rebuilt] == [r["average"] for r in refreshed]
    for a, b in zip(rebuilt, refreshed, strict=True):
        assert a["score"] == pytest.approx(b["score"], abs=1e-3)
