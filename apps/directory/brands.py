"""Brands (manufacturers): their public pages and their certified installers.

A brand is an accounts organization of kind "manufacturer" with a ``Brand`` page here. Its
certified installers are the published pros linked to the organization (``ProNetwork``,
set by Eldo staff in the admin). Routing a brand's quote requests
among them is the leads context's (the same rules as a network's).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts import api as accounts
from apps.core.pagecache import generations_bump
from apps.directory.contracts import BrandRef
from apps.directory.models import Brand, Category, ProNetwork, ProProfile
from apps.directory.verification.checks import valid_labels

# Every cached page that shows a brand (its page, the list, a search filtered by it, a
# profile's badge) depends on this generation: a brand edited in the admin bumps it.
BRANDS_GENERATION = "directory:brands"


def brand_url(slug: str) -> str:
    return f"/marques/{slug}/"


def _ref(brand: Brand) -> BrandRef:
    return BrandRef(
        id=brand.id,
        slug=brand.slug,
        name=brand.name,
        organization_id=brand.organization_id,
        url=brand_url(brand.slug),
    )


def brand_refs_by_slugs(slugs: list[str]) -> dict[str, BrandRef]:
    """Published brands by slug (one query); unknown or unpublished slugs are absent."""
    rows = Brand.objects.filter(slug__in=slugs, is_published=True).only(
        "id", "slug", "name", "organization_id"
    )
    return {b.slug: _ref(b) for b in rows}


def brand_refs_by_organization_ids(ids: list[int]) -> dict[int, BrandRef]:
    """The published brand page of each of these organizations, if any (one query)."""
    rows = Brand.objects.filter(organization_id__in=ids, is_published=True).only(
        "id", "slug", "name", "organization_id"
    )
    return {b.organization_id: _ref(b) for b in rows}


def _installers_count():
    counted = (
        ProNetwork.objects.filter(network_id=OuterRef("organization_id"), pro__is_published=True)
        .values("network_id")
        .annotate(n=Count("pro_id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def brand_list() -> list[Brand]:
    """Published brands, by name, each with ``installers_count`` and its trades (two
    queries whatever the number of brands)."""
    return list(
        Brand.objects.filter(is_published=True)
        .annotate(installers_count=_installers_count())
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("position", "name"))
        )
        .order_by("name", "pk")
    )


def brand_published(slug: str) -> Brand | None:
    """A published brand with its trades (two queries), or None."""
    return (
        Brand.objects.filter(slug=slug, is_published=True)
        .prefetch_related(
            Prefetch(
                "categories",
                queryset=Category.objects.filter(is_active=True).order_by("position", "name"),
            )
        )
        .first()
    )


def brand_installers(brand: Brand) -> list[ProProfile]:
    """The brand's certified installers that are published, best score first, loaded for
    the pro card (commune, rating, trades, valid labels): three queries whatever their
    number."""
    today = timezone.localdate()
    return list(
        ProProfile.objects.filter(
            is_published=True, network_links__network_id=brand.organization_id
        )
        .defer("description", "search_document", "search_vector")
        .select_related("commune__department", "rating")
        .prefetch_related(
            Prefetch("categories", queryset=Category.objects.order_by("position", "name")),
            Prefetch(
                "checks",
                queryset=valid_labels(today=today).order_by("label"),
                to_attr="valid_certifications",
            ),
        )
        .order_by(F("rating__score").desc(nulls_last=True), "name", "pk")
    )


def installers_by_department(installers: list[ProProfile]) -> list[dict]:
    """[{code, name, installers: [...]}] by département code (no query: the communes'
    départements are loaded with the installers)."""
    groups: dict[str, list[ProProfile]] = defaultdict(list)
    names: dict[str, str] = {}
    for pro in installers:
        department = pro.commune.department
        groups[department.code].append(pro)
        names[department.code] = department.name
    return [
        {"code": code, "name": names[code], "installers": groups[code]} for code in sorted(groups)
    ]


def brand_figures(installers: list[ProProfile]) -> dict:
    """Installers, départements and the installers' average rating over their reviews."""
    reviews = sum(p.rating.count for p in installers if getattr(p, "rating", None))
    stars = sum(
        float(p.rating.average) * p.rating.count for p in installers if getattr(p, "rating", None)
    )
    return {
        "installers": len(installers),
        "departments": len({p.commune.department_id for p in installers}),
        "reviews": reviews,
        "average": round(stars / reviews, 1) if reviews else None,
    }


def brand_changed() -> None:
    """A brand was edited, published or withdrawn, or its installers changed: the cached
    pages that show brands rebuild (the lists too, since a search may filter by brand)."""
    from apps.directory.services import LISTING_GENERATION

    generations_bump([BRANDS_GENERATION, LISTING_GENERATION])


def brands_for_pros(pros: list[ProProfile]) -> dict[int, list[BrandRef]]:
    """For each pro (its ``network_links`` prefetched), the published brands it is a
    certified installer of (one query for all)."""
    org_ids = {link.network_id for p in pros for link in p.network_links.all()}
    refs = brand_refs_by_organization_ids(list(org_ids)) if org_ids else {}
    return {
        p.id: sorted(
            (refs[link.network_id] for link in p.network_links.all() if link.network_id in refs),
            key=lambda r: r.name,
        )
        for p in pros
    }


def network_names(pro: ProProfile, *, brands: list[BrandRef]) -> list[str]:
    """The names of the pro's networks (its ``network_links`` prefetched) that are not one
    of these brands (shown as links): one call to accounts, none when there is no other."""
    shown = {b.organization_id for b in brands}
    ids = [link.network_id for link in pro.network_links.all() if link.network_id not in shown]
    found = accounts.organizations_by_ids(ids) if ids else {}
    return [found[i].name for i in ids if i in found]
