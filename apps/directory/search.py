"""Pro search: free text, category tree, place coverage, filters, ordering.

One query shape for both backends. Every query word must match, either in the pro's
folded search text or through a trade it practises (typo-tolerant on trade names). On
PostgreSQL a word also matches through the stored French search vector (stemming:
"fenetres" finds "fenêtre") or trigram similarity (a typo in a company name), and
relevance uses ts_rank and trigram similarity; on SQLite relevance counts the words found
in the company name.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

__all__ = ["Place", "PlaceResolution", "SearchCriteria", "place_resolve", "pro_search"]

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Sin
from django.utils import timezone

from apps.directory.contracts import LandingArea
from apps.directory.models import (
    Category,
    Commune,
    Department,
    ProCoverage,
    ProNetwork,
    ProProfile,
)
from apps.directory.places import Place, PlaceResolution, place_understand
from apps.directory.text import fold, tokens
from apps.directory.verification.checks import valid_labels

EARTH_RADIUS_KM = 6371.0
MAX_SERVICE_RADIUS_KM = 200
TRIGRAM_THRESHOLD = 0.3
ORDERINGS = ("relevance", "score", "reviews", "rating", "distance")


@dataclass(frozen=True)
class SearchCriteria:
    q: str = ""
    category: Category | None = None
    place: Place | None = None
    min_rating: float | None = None
    certification: str = ""
    verified: bool = False
    ordering: str = ""
    # A brand's organization: only its certified installers (ProNetwork).
    brand_organization_id: int | None = None
    # The category and its active descendants, when the caller already holds the category
    # tree (the search form does): spares pro_search a query.
    category_ids: tuple[int, ...] = ()


def place_resolve(text: str) -> Place | None:
    """A postcode, a département code, a commune or département slug, or a place as people
    write it ("Paris 11e", "St Etienne", "Lyonn"): see `place_resolution`."""
    return place_resolution(text).place


def place_resolution(text: str) -> PlaceResolution:
    """The place and, for an ambiguous name ("Aix"), the others it may mean, most populous
    first. Slugs (landing pages) are read from the tables; everything else from the
    gazetteer built on the same data (apps/directory/places.py)."""
    text = (text or "").strip()[:100]
    if not text:
        return PlaceResolution(None)
    if "-" in text and text == text.lower() and " " not in text:
        commune = Commune.objects.filter(slug=text).select_related("department").first()
        if commune is not None:
            return PlaceResolution(
                Place(
                    kind="commune",
                    label=f"{commune.name} ({commune.department_id})",
                    slug=commune.slug,
                    department_codes=(commune.department_id,),
                    latitude=commune.latitude,
                    longitude=commune.longitude,
                    population=commune.population,
                )
            )
    if text == text.lower() and not text.isdigit():
        department = Department.objects.filter(slug=text).first()
        if department is not None:
            return PlaceResolution(_department_place(department))
    return place_understand(text)


def _department_place(department: Department) -> Place:
    return Place(
        kind="department",
        label=f"{department.name} ({department.code})",
        slug=department.slug,
        department_codes=(department.code,),
    )


def category_descendant_ids(category: Category, categories=None) -> list[int]:
    """``category`` and its active descendants; ``categories``: the active categories, if
    the caller already loaded them."""
    if categories is None:
        pairs = list(Category.objects.filter(is_active=True).values_list("id", "parent_id"))
    else:
        pairs = [(c.id, c.parent_id) for c in categories]
    ids, frontier = {category.id}, {category.id}
    while frontier:
        frontier = {cid for cid, parent in pairs if parent in frontier} - ids
        ids |= frontier
    return sorted(ids)


def _categories_matching_word(word: str, vocabulary: dict[str, set[int]]) -> set[int]:
    """Trades whose name has a word starting with ``word``, or one typo away from it."""
    found: set[int] = set()
    for name_word, ids in vocabulary.items():
        if name_word.startswith(word):
            found |= ids
    if not found and len(word) >= 4:
        for close in difflib.get_close_matches(word, list(vocabulary), n=3, cutoff=0.75):
            found |= vocabulary[close]
    return found


def _category_vocabulary() -> dict[str, set[int]]:
    vocabulary: dict[str, set[int]] = {}
    for cid, name in Category.objects.filter(is_active=True).values_list("id", "name"):
        for word in fold(name).split():
            if len(word) >= 3:
                vocabulary.setdefault(word, set()).add(cid)
    return vocabulary


def distance_expression(latitude: float, longitude: float):
    lat, lon = math.radians(latitude), math.radians(longitude)
    cosine = Value(math.cos(lat), output_field=FloatField()) * Cos(Radians("latitude")) * Cos(
        Radians("longitude") - Value(lon, output_field=FloatField())
    ) + Value(math.sin(lat), output_field=FloatField()) * Sin(Radians("latitude"))
    clamped = Least(Greatest(cosine, Value(-1.0)), Value(1.0))
    return Value(EARTH_RADIUS_KM, output_field=FloatField()) * ACos(clamped)


def _covers_place(place: Place) -> Q:
    through = ProProfile.service_departments.through
    by_department = Exists(
        through.objects.filter(
            proprofile_id=OuterRef("pk"), department_id__in=place.department_codes
        )
    )
    condition = Q(by_department)
    if place.latitude is not None:
        lat_span = MAX_SERVICE_RADIUS_KM / 111.0
        lon_span = MAX_SERVICE_RADIUS_KM / (
            111.0 * max(math.cos(math.radians(place.latitude)), 0.1)
        )
        condition |= Q(
            service_radius_km__isnull=False,
            latitude__range=(place.latitude - lat_span, place.latitude + lat_span),
            longitude__range=(place.longitude - lon_span, place.longitude + lon_span),
            distance_km__lte=F("service_radius_km"),
        )
    else:
        condition |= Q(
            service_radius_km__isnull=False, commune__department_id__in=place.department_codes
        )
    return condition


def _postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _text_filter(qs: QuerySet, query: str) -> QuerySet:
    words = tokens(query)
    if not words:
        return qs
    vocabulary = _category_vocabulary()
    through = ProProfile.categories.through
    relevance = Value(0.0, output_field=FloatField())
    relevance_parts: list[str] = []
    for word in words:
        condition = Q(search_document__contains=word)
        trade_ids = _categories_matching_word(word, vocabulary)
        if trade_ids:
            condition |= Q(
                Exists(
                    through.objects.filter(proprofile_id=OuterRef("pk"), category_id__in=trade_ids)
                )
            )
        if _postgres():
            from django.contrib.postgres.search import SearchQuery, TrigramWordSimilarity

            condition |= Q(search_vector=SearchQuery(word, config="french"))
            if len(word) >= 4:
                # pg_trgm's operator threshold (0.6) misses a swapped pair of letters in a
                # short word; 0.3 on the name only keeps the noise low.
                alias = f"name_similarity_{len(relevance_parts)}"
                qs = qs.alias(**{alias: TrigramWordSimilarity(Value(word), "search_name")})
                condition |= Q(**{f"{alias}__gte": TRIGRAM_THRESHOLD})
        relevance_parts.append(word)
        qs = qs.filter(condition)
        relevance = relevance + Case(
            When(search_name__contains=word, then=Value(2.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    if _postgres():
        from django.contrib.postgres.search import SearchQuery, SearchRank

        relevance = relevance + SearchRank(
            F("search_vector"), SearchQuery(" ".join(words), config="french", search_type="plain")
        )
    return qs.annotate(relevance=relevance)


def _unsearchable(query: str) -> bool:
    """Words only in a script the French index does not hold (Arabic, Hebrew, Chinese…):
    nothing can match them, and ignoring them would list every pro as if they matched.
    Punctuation and emoji alone are ignored like an empty query."""
    query = (query or "")[:2000]
    return not fold(query) and any(character.isalnum() for character in query)


def pro_search(criteria: SearchCriteria) -> QuerySet:
    """Published pros matching ``criteria``, ordered; ready for pagination."""
    today = timezone.localdate()
    if _unsearchable(criteria.q):
        return ProProfile.objects.none()
    qs = ProProfile.objects.filter(is_published=True)
    if criteria.place and criteria.place.latitude is not None:
        qs = qs.annotate(
            distance_km=distance_expression(criteria.place.latitude, criteria.place.longitude)
        )
    category_ids = None
    if criteria.category is not None:
        category_ids = list(criteria.category_ids) or category_descendant_ids(criteria.category)
    if criteria.place is not None:
        # The coverage index narrows the pros to those of the trade that may serve the
        # place's départements (a few hundred at 10x instead of every pro of the trade);
        # the exact service-area test then runs on those only.
        candidates = ProCoverage.objects.filter(department_id__in=criteria.place.department_codes)
        if category_ids is None:
            candidates = candidates.filter(category__isnull=True)
        else:
            candidates = candidates.filter(category_id__in=category_ids)
        qs = qs.filter(pk__in=candidates.values("pro_id")).filter(_covers_place(criteria.place))
    elif category_ids is not None:
        through = ProProfile.categories.through
        qs = qs.filter(
            Exists(
                through.objects.filter(proprofile_id=OuterRef("pk"), category_id__in=category_ids)
            )
        )
    if criteria.min_rating is not None:
        qs = qs.filter(rating__average__gte=criteria.min_rating)
    if criteria.certification:
        qs = qs.filter(
            Exists(
                valid_labels(today=today).filter(
                    pro_id=OuterRef("pk"), label=criteria.certification
                )
            )
        )
    if criteria.verified:
        qs = qs.filter(is_verified=True)
    if criteria.brand_organization_id is not None:
        affiliations = ProNetwork.objects.filter(
            pro_id=OuterRef("pk"), network_id=criteria.brand_organization_id
        )
        qs = qs.filter(Exists(affiliations))
    has_text = bool(tokens(criteria.q))
    if has_text:
        qs = _text_filter(qs, criteria.q)

    ordering = criteria.ordering or ("relevance" if has_text else "score")
    if ordering == "relevance" and not has_text:
        ordering = "score"
    if ordering == "distance" and not (criteria.place and criteria.place.latitude is not None):
        ordering = "score"
    order_by = {
        "relevance": [F("relevance").desc(), F("rating__score").desc(nulls_last=True)],
        "score": [
            F("rating__score").desc(nulls_last=True),
            F("rating__count").desc(nulls_last=True),
        ],
        "reviews": [
            F("rating__count").desc(nulls_last=True),
            F("rating__score").desc(nulls_last=True),
        ],
        "rating": [
            F("rating__average").desc(nulls_last=True),
            F("rating__count").desc(nulls_last=True),
        ],
        "distance": [F("distance_km").asc()],
    }[ordering]
    return (
        # Lists show none of the long texts: the sort and the transfer stay narrow.
        qs.defer("description", "search_document", "search_vector")
        .select_related("commune__department", "rating")
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("position", "name")),
            Prefetch(
                "checks",
                queryset=valid_labels(today=today).order_by("label"),
                to_attr="valid_certifications",
            ),
        )
        .order_by(*order_by, "name", "pk")
    )


def landing_area_of(*, category, place, categories, pro_limit: int = 500) -> LandingArea:
    """The area of the landing page of ``category`` in ``place`` (see api.landing_area);
    ``categories``: the active categories, already loaded. One query."""
    ids = set(category_descendant_ids(category, categories))
    criteria = SearchCriteria(category=category, place=place, category_ids=tuple(sorted(ids)))
    limit = max(0, min(pro_limit, 2000))
    pro_ids = pro_search(criteria).order_by().values_list("pk", flat=True)[:limit]
    return LandingArea(
        category_slugs=tuple(sorted(c.slug for c in categories if c.id in ids)),
        department_codes=tuple(place.department_codes),
        pro_ids=tuple(sorted(pro_ids)),
    )


def pro_search_summary(criteria: SearchCriteria, *, results: QuerySet | None = None) -> dict:
    """A landing page's figures: how many pros match, their average rating and their
    reviews (one query); ``results``: ``pro_search(criteria)``, if the caller built it."""
    from django.db.models import Avg, Count, Sum

    figures = (
        (pro_search(criteria) if results is None else results)
        .order_by()
        .aggregate(
            pros=Count("pk", distinct=True),
            average=Avg("rating__average", filter=Q(rating__count__gt=0)),
            reviews=Sum("rating__count"),
        )
    )
    return {
        "pros": figures["pros"] or 0,
        "average": figures["average"],
        "reviews": figures["reviews"] or 0,
    }
