"""Reads of the directory context (page and API views, api.py)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from apps.directory.models import Category, CheckKind, ProCheck, ProPhoto, ProProfile


def category_list() -> QuerySet[Category]:
    return (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("position", "name")
    )


def pro_contact(*, slug: str) -> dict | None:
    """What a contact reveal needs of a published pro: name, slug, phone, website."""
    return (
        ProProfile.objects.filter(slug=slug, is_published=True)
        .values("name", "slug", "phone", "website")
        .first()
    )


def pro_detail(*, slug: str) -> ProProfile | None:
    today = timezone.localdate()
    pro = (
        ProProfile.objects.filter(slug=slug, is_published=True)
        .select_related("commune__department", "rating")
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("position", "name")),
            "service_departments",
            "network_links",
            Prefetch("photos", queryset=ProPhoto.objects.order_by("position", "id")),
            Prefetch(
                "checks",
                queryset=ProCheck.objects.order_by("kind", "label", "id").prefetch_related(
                    "trades"
                ),
                to_attr="all_checks",
            ),
        )
        .first()
    )
    if pro is not None:
        # The public labels are a subset of the checks just loaded: no second query.
        pro.valid_certifications = [
            c for c in pro.all_checks if c.kind == CheckKind.LABEL and c.is_valid(today)
        ]
    return pro


PLATFORM_FIGURES_CACHE_SECONDS = 60


def platform_figures() -> dict[str, int]:
    """{"pros": published pros}. Counting reads every row of the table, which grows with the
    directory (28 ms at 25,000 pros): a figure for the home page tolerates a minute's delay."""
    return cache.get_or_set(
        "directory:platform_figures",
        lambda: ProProfile.objects.filter(is_published=True).aggregate(pros=Count("id")),
        PLATFORM_FIGURES_CACHE_SECONDS,
    )
