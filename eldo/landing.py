"""Sections of the directory's trade × place landing pages that come from other contexts:
the latest reviews of the pros the page lists, and the budgets advisors qualified for this
trade in the département (apps.core.page_sections, registered by ``eldo.apps``).

Each section reads the contexts through their ``api`` only, in a constant number of
queries, and declares what the cached page depends on (apps.core.pagecache)."""

from __future__ import annotations

import hashlib

from django.template.loader import render_to_string

from apps.core.facade_ports import facade
from apps.core.page_sections import register_section
from apps.core.pagecache import cache_depends, cached_fragment
from apps.directory import api as directory
from apps.directory.contracts import LANDING_SECTIONS_PAGE, LandingArea
from apps.quotes import api as quotes
from apps.reviews.contracts import ReviewsFacade
from eldo.degraded import reviews_unavailable, unless_reviews_unavailable

reviews: ReviewsFacade = facade("reviews")

NEARBY_REVIEWS = 5
# How long the section's "il y a 2 heures" may stay as it was rendered (as long as the
# public response cache keeps a page).
NEARBY_REVIEWS_SECONDS = 600


def _area(request, category_slug: str, place_slug: str, area=None):
    """The page's area, looked up once per request for all its sections; ``area``: the one
    the page handed over (directory.api.LandingArea), if any."""
    if area is not None:
        return area
    key = (category_slug, place_slug)
    memo = getattr(request, "_landing_areas", None)
    if memo is None:
        memo = request._landing_areas = {}
    if key not in memo:
        memo[key] = directory.landing_area(category_slug=category_slug, place_slug=place_slug)
    return memo[key]


def reviews_nearby(
    request, *, category_slug: str, place_slug: str, where: str, area: LandingArea | None = None
) -> str:
    """The latest published reviews of the pros the page lists (3 to 5; nothing below 3,
    nothing when reviews does not answer: eldo.degraded).

    Kept as a fragment (apps.core.pagecache.cached_fragment) while the reviews feed and the
    pros' lists hold, for NEARBY_REVIEWS_SECONDS at most (its "il y a 2 heures"):
    a signed-in visitor, another page of the results or a page rebuilt after a change that
    touched neither reuses it (3 queries and ~7 ms of rendering at 10x)."""
    # A publication, a withdrawal or a moderation anywhere rebuilds the page, like the home
    # page's feed: which pros' reviews are "latest" here is known only after reading them.
    generations = unless_reviews_unavailable(request, reviews.latest_cache_generations, ())
    cache_depends(request, *generations)
    area = _area(request, category_slug, place_slug, area)
    if area is None or reviews_unavailable(request):
        return ""

    def build() -> str:
        cards = unless_reviews_unavailable(
            request,
            lambda: reviews.latest_reviews_of_pros(
                pro_ids=list(area.pro_ids), limit=NEARBY_REVIEWS
            ),
            [],
        )
        if reviews_unavailable(request):
            raise _NotKept
        if len(cards) < 3:
            return ""
        return render_to_string(
            "landing/reviews_nearby.html", {"reviews": cards, "where": where}, request=request
        )

    pros = hashlib.sha256(",".join(map(str, area.pro_ids)).encode()).hexdigest()
    try:
        return cached_fragment(
            [*generations, directory.listing_cache_generation()],
            f"landing:reviews-nearby:{where}:{pros}",
            build,
            timeout=NEARBY_REVIEWS_SECONDS,
        )
    except _NotKept:  # reviews stopped answering while the section was built
        return ""


class _NotKept(Exception):
    """A section built without reviews: shown empty, never kept."""


def budgets(
    request, *, category_slug: str, place_slug: str, where: str, area: LandingArea | None = None
) -> str:
    """Typical budgets of the requests an advisor qualified in the trade and département,
    only from quotes.api.BUDGET_SPREAD_MIN_REQUESTS requests on."""
    area = _area(request, category_slug, place_slug, area)
    if area is None:
        return ""
    spread = quotes.qualified_budget_spread(
        category_slugs=list(area.category_slugs), department_codes=list(area.department_codes)
    )
    if spread is None:
        return ""
    return render_to_string("landing/budgets.html", {"spread": spread}, request=request)


def register() -> None:
    register_section(LANDING_SECTIONS_PAGE, "reviews_nearby", reviews_nearby)
    register_section(LANDING_SECTIONS_PAGE, "budgets", budgets)
