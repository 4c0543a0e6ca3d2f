"""A pro's rating aggregates, recomputed from the review rows and stored in the directory.

What is computed (over the pro's public reviews: published and "en cours de vérification"):

- ``average``: plain mean of the overall ratings, one decimal; ``count``; ``histogram``
  {"1".."5": n}; ``criteria``: mean of each optional criterion over the reviews that rated
  it, one decimal.
- ``score``, the ranking value: a Bayesian mean of recency-weighted ratings::

      w_i   = l_i × 0.5 ** (age_i / HALF_LIFE_DAYS)  age_i: days since publication
      score = (C × m + Σ w_i × r_i) / (C + Σ w_i)     C = PRIOR_WEIGHT = 7, m = platform mean

  ``l_i`` is the weight of the review's label (``settings.REVIEWS_SCORE_WEIGHTS``, published
  on /avis/comment-ca-marche/): 1 for an "avis vérifié" (Eldo tied it to a real job), 0.6
  for a spontaneous one (moderated), 0.5 for one the pro collected (the pro chose whom to
  ask). A verified review moves the score more than any other.

  A review published today weighs 1, one published a year ago 0.5, two years ago 0.25: a pro
  is ranked on its recent work, and a pro whose reviews are all old drifts back towards the
  platform mean (less confidence), as one with few reviews does. A pro without any review
  scores 0 (ranked after rated pros). The platform mean ``m`` is the mean of every public
  review (computed from the per-pro totals kept in ``ProReviewStats``).

Concurrency: two publications for one pro may be handled at the same time (two workers).
Each recomputation locks the pro's ``ProReviewStats`` row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers anyway), then reads the rows: whoever stores last has
read after the previous one committed, so the stored figures always match the rows.
Because weights decay with time, scores are also refreshed daily (``aggregates_rebuild``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from apps.core.events import publish
from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade, ProRatings
from apps.reviews.events import ProRatingChanged
from apps.reviews.models import PUBLIC_STATUSES, ProReviewStats, Review
from apps.reviews.rules import CRITERIA

directory: DirectoryFacade = facade("directory")

HALF_LIFE_DAYS = 365
PRIOR_WEIGHT = 7
FALLBACK_PRIOR_MEAN = 4.0  # before the platform has its first review
# Ratings sent to the directory per call: a few hundred kilobytes of JSON once the directory
# answers over HTTP (the request body limit is 1 MB).
RATINGS_PER_STORE = 1000
PLATFORM_MEAN_CACHE_KEY = "reviews:platform-mean"
PLATFORM_MEAN_CACHE_SECONDS = 300
WIDGET_CACHE_PREFIX = "reviews:widget:"


@dataclass
class Aggregates:
    count: int = 0
    rating_sum: int = 0
    average: float = 0.0
    histogram: dict[str, int] = field(default_factory=lambda: {str(k): 0 for k in range(1, 6)})
    criteria: dict[str, float] = field(default_factory=dict)
    weighted_sum: float = 0.0
    weight: float = 0.0

    def score(self, prior_mean: float) -> float:
        if not self.count:
            return 0.0
        value = (PRIOR_WEIGHT * prior_mean + self.weighted_sum) / (PRIOR_WEIGHT + self.weight)
        return round(value, 4)


def recency_weight(age_days: int) -> float:
    return 0.5 ** (max(age_days, 0) / HALF_LIFE_DAYS)


def label_weights() -> dict[str, float]:
    """The weight of each label in the score, from the settings (percent)."""
    return {label: percent / 100 for label, percent in settings.REVIEWS_SCORE_WEIGHTS.items()}


# The widget's variants (?type=, ?theme=): the first of each is the default.
WIDGET_TYPES = ("carousel", "list", "badge")
WIDGET_THEMES = ("light", "dark")


def widget_cache_key(slug: str, kind: str = "carousel", theme: str = "light") -> str:
    return f"{WIDGET_CACHE_PREFIX}{slug}:{kind}:{theme}"


def widget_cache_keys(slug: str) -> list[str]:
    """Every variant's cached copy of a pro's widget."""
    return [widget_cache_key(slug, kind, theme) for kind in WIDGET_TYPES for theme in WIDGET_THEMES]


def _compute(pro_ids: list[int], *, today: date) -> dict[int, Aggregates]:
    """Aggregates of these pros from their public reviews: one grouped query for the
    totals, one pass over (rating, date) for the recency weights."""
    public = Review.objects.filter(pro_id__in=pro_ids, status__in=PUBLIC_STATUSES).order_by()
    result = {pro_id: Aggregates() for pro_id in pro_ids}
    totals = public.values("pro_id").annotate(
        n=Count("id"),
        total=Sum("rating"),
        **{f"star{k}": Count("id", filter=Q(rating=k)) for k in range(1, 6)},
        **{f"crit_{name}": Avg(model_field) for name, (model_field, _label) in CRITERIA.items()},
    )
    for row in totals:
        agg = result[row["pro_id"]]
        agg.count, agg.rating_sum = row["n"], row["total"] or 0
        agg.average = round(agg.rating_sum / agg.count, 1) if agg.count else 0.0
        agg.histogram = {str(k): row[f"star{k}"] for k in range(1, 6)}
        agg.criteria = {
            name: round(float(row[f"crit_{name}"]), 1)
            for name in CRITERIA
            if row[f"crit_{name}"] is not None
        }
    # Recency weights from the publication dates, summed in Python: portable (no per-row
    # SQL date function, which SQLite runs in Python anyway) and one pass over the rows.
    weights: dict[int, float] = {}
    by_label = label_weights()
    rows = public.values_list("pro_id", "rating", "published_at", "label")
    for pro_id, rating, published, label in rows.iterator(chunk_size=20_000):
        age = (today - published.date()).days if published else 0
        weight = weights.get(age)
        if weight is None:
            weight = weights[age] = recency_weight(age)
        weight *= by_label.get(label, 1.0)
        agg = result[pro_id]
        agg.weight += weight
        agg.weighted_sum += weight * rating
    return result


def platform_mean(*, fresh: bool = False) -> float:
    value = None if fresh else cache.get(PLATFORM_MEAN_CACHE_KEY)
    if value is None:
        totals = ProReviewStats.objects.aggregate(n=Sum("count"), total=Sum("rating_sum"))
        value = totals["total"] / totals["n"] if totals["n"] else FALLBACK_PRIOR_MEAN
        cache.set(PLATFORM_MEAN_CACHE_KEY, value, PLATFORM_MEAN_CACHE_SECONDS)
    return value


def _store(*, pro_id: int, agg: Aggregates, score: float) -> None:
    """Tell the directory, through the outbox: it stores the rating after this commit."""
    publish(
        ProRatingChanged(
            pro_id=pro_id,
            average=agg.average,
            count=agg.count,
            histogram={str(stars): n for stars, n in agg.histogram.items()},
            criteria=agg.criteria,
            score=score,
            computed_at=timezone.now().isoformat(),
        )
    )


def widget_caches_invalidate(*, pro_ids: list[int]) -> None:
    slugs = [ref.slug for ref in directory.pros_by_ids(pro_ids).values()]
    cache.delete_many([key for slug in slugs for key in widget_cache_keys(slug)])


@transaction.atomic
def pro_aggregates_refresh(*, pro_id: int) -> Aggregates:
    """Recompute one pro's aggregates from its rows and store them (idempotent)."""
    ProReviewStats.objects.bulk_create([ProReviewStats(pro_id=pro_id)], ignore_conflicts=True)
    stats = ProReviewStats.objects.select_for_update().get(pro_id=pro_id)
    agg = _compute([pro_id], today=timezone.localdate())[pro_id]
    score = agg.score(platform_mean())
    stats.count, stats.rating_sum, stats.average, stats.score = (
        agg.count,
        agg.rating_sum,
        agg.average,
        score,
    )
    stats.updated_at = timezone.now()
    stats.save()
    _store(pro_id=pro_id, agg=agg, score=score)
    transaction.on_commit(lambda: widget_caches_invalidate(pro_ids=[pro_id]))
    return agg


def aggregates_rebuild(*, pro_ids: list[int] | None = None, batch_size: int = 2000) -> int:
    """Recompute the aggregates of many pros at once (seed data, daily recency refresh).

    A few grouped queries per batch of pros, then one store per pro through the directory.
    """
    if pro_ids is None:
        with_reviews = set(Review.objects.values_list("pro_id", flat=True).distinct())
        pro_ids = sorted(
            with_reviews | set(ProReviewStats.objects.values_list("pro_id", flat=True))
        )
    today = timezone.localdate()
    computed: dict[int, Aggregates] = {}
    for start in range(0, len(pro_ids), batch_size):
        computed.update(_compute(pro_ids[start : start + batch_size], today=today))
    totals = Review.objects.filter(status__in=PUBLIC_STATUSES).aggregate(
        n=Count("id"), total=Sum("rating")
    )
    mean = totals["total"] / totals["n"] if totals["n"] else FALLBACK_PRIOR_MEAN
    now = timezone.now()
    rows: list[ProReviewStats] = []
    ratings: list[ProRatings] = []
    with transaction.atomic():
        for pro_id, agg in computed.items():
            score = agg.score(mean)
            rows.append(
                ProReviewStats(
                    pro_id=pro_id,
                    count=agg.count,
                    rating_sum=agg.rating_sum,
                    average=agg.average,
                    score=score,
                    updated_at=now,
                )
            )
            ratings.append(
                {
                    "pro_id": pro_id,
                    "average": agg.average,
                    "count": agg.count,
                    "histogram": agg.histogram,
                    "criteria": agg.criteria,
                    "score": score,
                }
            )
        ProReviewStats.objects.bulk_create(
            rows,
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["pro_id"],
            update_fields=["count", "rating_sum", "average", "score", "updated_at"],
        )
    # Batched upserts in the directory, not two queries per pro; after the commit, so that
    # the call (possibly over HTTP) holds no lock. Idempotent: the next rebuild redoes it.
    for start in range(0, len(ratings), RATINGS_PER_STORE):
        directory.pro_ratings_store_many(ratings[start : start + RATINGS_PER_STORE])
    cache.set(PLATFORM_MEAN_CACHE_KEY, mean, PLATFORM_MEAN_CACHE_SECONDS)
    widget_caches_invalidate(pro_ids=list(computed))
    return len(computed)
