"""Reads of the directory context (page and API views, api.py)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from apps.directory.models import Category, Certification, ProPhoto, ProProfile


def category_list() -> QuerySet[Category]:
    return (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .order_by("position", "name")
    )


def category_tops_with_counts() -> list[Category]:
    """Top-level trades for the home page, each with its number of published pros."""
    return list(
        Category.objects.filter(is_active=True, parent__isnull=True).order_by("position", "name")
    )


def pro_detail(*, slug: str) -> ProProfile | None:
    today = timezone.localdate()
    return (
        ProProfile.objects.filter(slug=slug, is_published=True)
        .select_related("commune__department", "rating")
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("position", "name")),
            "service_departments",
            "networks",
            Prefetch("photos", queryset=ProPhoto.objects.order_by("position", "id")),
            Prefetch(
                "certifications",
                queryset=Certification.objects.order_by("kind"),
                to_attr="all_certifications",
            ),
            Prefetch(
                "certifications",
                queryset=Certification.objects.filter(valid_until__gte=today),
                to_attr="valid_certifications",
            ),
        )
        .first()
    )


def platform_figures() -> dict[str, int]:
    return ProProfile.objects.filter(is_published=True).aggregate(pros=Count("id"))
