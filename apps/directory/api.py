"""The directory context's public interface: plain data in, plain data out.

Other contexts (reviews, quotes, leads, stats) and the composition root call only these
functions; each runs a bounded number of queries whatever the number of ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Value, When
from django.utils import timezone

from apps.directory import geography, selectors, services
from apps.directory.contracts import (
    BrandRef,
    CategoryRef,
    CommuneRef,
    LandingArea,
    ProCapacity,
    ProMatch,
    ProProfileData,
    ProRatings,
    ProRef,
    SitemapEntry,
    SitemapSection,
)
from apps.directory.models import Category, ProProfile
from apps.directory.verification import checks


def categories() -> list[CategoryRef]:
    return [
        CategoryRef(
            slug=c.slug,
            name=c.name,
            icon=c.icon,
            description=c.description,
            parent_slug=c.parent.slug if c.parent_id else None,
        )
        for c in selectors.category_list()
    ]


def category_ids_by_slug(slugs: list[str]) -> dict[str, int]:
    return dict(Category.objects.filter(slug__in=slugs).values_list("slug", "id"))


def _pro_refs(qs) -> list[ProRef]:
    # Only what ProRef needs, as plain rows: a pro row also carries its description and
    # search columns (text and tsvector), and building model instances (with their commune)
    # costs more than the query when a network asks for its 500 installers.
    rows = qs.values_list(
        "id",
        "slug",
        "name",
        "organization_id",
        "commune__name",
        "postcode",
        "commune__department_id",
    )
    return [
        ProRef(
            id=pro_id,
            slug=slug,
            name=name,
            organization_id=organization_id,
            commune_name=commune_name,
            postcode=postcode,
            department_code=department_code,
        )
        for pro_id, slug, name, organization_id, commune_name, postcode, department_code in rows
    ]


def pros_by_ids(ids: list[int]) -> dict[int, ProRef]:
    return {ref.id: ref for ref in _pro_refs(ProProfile.objects.filter(id__in=ids))}


def pro_names(ids: list[int]) -> dict[int, str]:
    """The names of these pros (one query, two columns): for sorting or labelling long
    lists — a network's 500 installers — without building a ProRef each."""
    return dict(ProProfile.objects.filter(id__in=ids).values_list("id", "name"))


def pros_by_slugs(slugs: list[str]) -> dict[str, ProRef]:
    return {ref.slug: ref for ref in _pro_refs(ProProfile.objects.filter(slug__in=slugs))}


def pro_ids_by_slug(*, limit: int | None = None) -> dict[str, int]:
    """{slug: pro id} of every pro (the ``limit`` first), oldest first, one query."""
    rows = ProProfile.objects.order_by("id").values_list("slug", "id")
    return dict(rows[:limit] if limit is not None else rows)


def pros_for_organizations(organization_ids: list[int]) -> list[ProRef]:
    return _pro_refs(ProProfile.objects.filter(organization_id__in=organization_ids))


def pros_competing(*, pro_id: int, other_pro_ids: list[int]) -> set[int]:
    """The pros among ``other_pro_ids`` that compete with ``pro_id``: a trade in common in a
    département both cover (the search's coverage index; one query)."""
    from django.db.models import Exists, OuterRef

    from apps.directory.models import ProCoverage

    others = [other for other in other_pro_ids if other != pro_id]
    if not others:
        return set()
    same_ground = ProCoverage.objects.filter(
        pro_id=pro_id,
        category_id=OuterRef("category_id"),
        department_id=OuterRef("department_id"),
    )
    rows = ProCoverage.objects.filter(pro_id__in=others, category__isnull=False).filter(
        Exists(same_ground)
    )
    return set(rows.values_list("pro_id", flat=True).distinct())


def pros_in_network(network_id: int, *, published_only: bool = False) -> list[ProRef]:
    """The pros that show this network or brand on their profile (its installers; for a
    brand, its certified installers), the published ones only if asked."""
    qs = ProProfile.objects.filter(network_links__network_id=network_id)
    if published_only:
        qs = qs.filter(is_published=True)
    return _pro_refs(qs.order_by("name", "pk"))


def brand_by_slug(slug: str) -> BrandRef | None:
    """A published brand page by slug (/marques/<slug>/), or None (one query)."""
    from apps.directory.brands import brand_refs_by_slugs

    return brand_refs_by_slugs([slug]).get(slug) if slug else None


def brands_by_slugs(slugs: list[str]) -> dict[str, BrandRef]:
    """Published brand pages by slug (one query); unknown slugs are absent."""
    from apps.directory.brands import brand_refs_by_slugs

    return brand_refs_by_slugs(list(slugs))


def brands_by_organization_ids(ids: list[int]) -> dict[int, BrandRef]:
    """The published brand page of each of these manufacturer organizations (one query)."""
    from apps.directory.brands import brand_refs_by_organization_ids

    return brand_refs_by_organization_ids(list(ids))


def brands_cache_generation() -> str:
    """The generation (apps.core.pagecache) of everything that shows a brand: bumped when a
    brand page is edited, published or withdrawn."""
    from apps.directory.brands import BRANDS_GENERATION

    return BRANDS_GENERATION


def pro_profile(slug: str) -> ProProfileData | None:
    """The public profile as plain data (what GET /api/v1/pros/{slug}/ returns), with the
    pro's ``id`` and its trades' names (``category_items``); None for an unknown slug."""
    from apps.directory.profiles import pro_detail_data

    pro = selectors.pro_detail(slug=slug)
    if pro is None:
        return None
    data = pro_detail_data(pro)
    data["id"] = pro.id
    data["category_items"] = [{"slug": c.slug, "name": c.name} for c in pro.categories.all()]
    return data


def pro_dashboard_facts(pro_id: int) -> dict[str, Any] | None:
    """What the pro's back-office dashboard shows of its public profile (its rating and
    the profile checklist's facts), in one query; None unless the profile is published.
    The checklist's rules read these the same as the public profile: photos shown, labels
    verified and in force, a phone and a website."""
    from apps.directory.profiles import rating_data

    pro = (
        ProProfile.objects.filter(pk=pro_id, is_published=True)
        .select_related("rating")
        .annotate(
            photo_count=Count("photos", distinct=True),
            has_valid_label=Exists(checks.valid_labels().filter(pro_id=OuterRef("pk"))),
        )
        .only("id", "description", "logo", "phone", "website", "rating")
        .first()
    )
    if pro is None:
        return None
    return {
        "id": pro.id,
        "description_length": len(pro.description),
        "has_logo": bool(pro.logo),
        "photo_count": pro.photo_count,
        "has_valid_label": pro.has_valid_label,
        "has_phone": bool(pro.phone),
        "has_website": bool(pro.website),
        "rating": rating_data(pro),
    }


def pro_profile_viewed(slug: str) -> None:
    """Count a profile view (no database write; see apps.core.counters)."""
    from apps.core.counters import counter_incr

    counter_incr("directory.ProProfileViewed", slug)


def pro_response_time_store(*, pro_id: int, minutes: int | None) -> None:
    """Called by the leads context: the pro's typical time to a first contact, or None
    when its leads are too few to say (result cards then show nothing). One query."""
    ProProfile.objects.filter(pk=pro_id).update(response_minutes=minutes)


def pro_ratings_store_many(ratings: list[ProRatings]) -> int:
    """Many pros' aggregates at once (seed, import, daily refresh): a batched upsert. Each
    dict has pro_id, average, count, histogram, criteria and score."""
    return services.pro_ratings_store_many(ratings)


def legacy_pros_import(rows: list[tuple[int, dict]]):
    """Import pros exported from the PHP monolith: ``(line, row)`` pairs → an ImportResult
    (created, unchanged, rejected [(line, legacy id, reason)], ids {legacy id: pro id}).
    Format: docs/legacy-import.md. Run it inside the caller's transaction."""
    from apps.directory.legacy import legacy_pros_import as run

    return run(rows)


def listing_cache_generation() -> str:
    """The generation (apps.core.pagecache) of every list of pros and of the platform
    figures: bumped when any pro or rating changes."""
    return services.LISTING_GENERATION


def pro_cache_generation(pro_id: int) -> str:
    """The generation of one pro's public profile data: bumped when it changes."""
    return services.pro_generation(pro_id)


def communes_for_postcode(code: str) -> list[CommuneRef]:
    return geography.communes_for_postcode(code)


def commune_autocomplete(query: str, *, limit: int = 10) -> list[CommuneRef]:
    return geography.commune_autocomplete(query, limit=limit)


def platform_figures() -> dict[str, int]:
    """Live figures for the home page: {"pros": n}."""
    return selectors.platform_figures()


def _sitemaps() -> dict:
    from apps.directory.sitemaps import (
        BrandSitemap,
        CategorySitemap,
        ProSitemap,
        TradeTownSitemap,
    )

    return {
        "categories": CategorySitemap,
        "pros": ProSitemap,
        "trade-towns": TradeTownSitemap,
        "brands": BrandSitemap,
    }


def sitemap_sections() -> list[SitemapSection]:
    """The sections of /sitemap.xml that list directory pages (no query)."""
    return [
        SitemapSection(name=name, changefreq=cls.changefreq, priority=cls.priority, limit=cls.limit)
        for name, cls in _sitemaps().items()
    ]


def sitemap_size(section: str) -> int:
    """How many locations a section lists (one query); 0 for an unknown section."""
    cls = _sitemaps().get(section)
    if cls is None:
        return 0
    items = cls().items()
    return items.count() if hasattr(items, "query") else len(items)


def sitemap_entries(section: str, *, offset: int = 0, limit: int = 50000) -> list[SitemapEntry]:
    """One slice of a section's locations, in the section's order (one query)."""
    cls = _sitemaps().get(section)
    if cls is None:
        return []
    sitemap = cls()
    lastmod = getattr(sitemap, "lastmod", None)
    return [
        SitemapEntry(location=sitemap.location(item), lastmod=lastmod(item) if lastmod else None)
        for item in sitemap.items()[offset : offset + limit]
    ]


def _with_month_load(qs):
    """Annotate ``leads_used``: leads received this month (0 when the stored month is older)."""
    month = services.month_start(timezone.now())
    return qs.annotate(
        leads_used=Case(
            When(lead_load__month=month, then=F("lead_load__leads_this_month")),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def pro_capacities(pro_ids: list[int]) -> dict[int, ProCapacity]:
    """Monthly cap, leads received this month and what remains, per pro (one query)."""
    rows = _with_month_load(ProProfile.objects.filter(id__in=pro_ids)).values(
        "id", "monthly_lead_cap", "leads_used", "lead_load__last_served_at"
    )
    return {
        r["id"]: ProCapacity(
            pro_id=r["id"],
            monthly_lead_cap=r["monthly_lead_cap"],
            leads_this_month=r["leads_used"],
            remaining=max(r["monthly_lead_cap"] - r["leads_used"], 0),
            last_served_at=r["lead_load__last_served_at"],
        )
        for r in rows
    }


def pro_lead_load_store(*, pro_id: int, served_at: datetime) -> None:
    """Called by the leads context once per lead a pro receives (capacity and fairness)."""
    services.pro_lead_load_record(pro_id=pro_id, served_at=served_at)


def pro_lead_load_release(*, pro_id: int, served_at: datetime) -> None:
    """Called by the leads context once per lead the pro refused: that lead no longer counts
    against the month it was received in (fairness keeps ``last_served_at``)."""
    services.pro_lead_load_release(pro_id=pro_id, served_at=served_at)


def pros_insured(*, pro_ids: list[int], category_slug: str = "") -> set[int]:
    """Among these pros, those that may receive a lead of this trade: every one when
    LEADS_REQUIRE_INSURANCE is off, else those with a verified décennale, valid today,
    covering the trade (any trade when none is given). One or two queries."""
    if not checks.insurance_required():
        return set(pro_ids)
    return checks.insured_pro_ids(pro_ids=pro_ids, category_slug=category_slug)


def departments() -> list[tuple[str, str]]:
    """Every département as (code, name), in code order (one query): pickers' choices."""
    from apps.directory.models import Department

    return list(Department.objects.order_by("code").values_list("code", "name"))


def department_codes_known(codes: list[str]) -> set[str]:
    """Those of these département codes that exist (one query)."""
    from apps.directory.models import Department

    return set(Department.objects.filter(code__in=codes).values_list("code", flat=True))


def pros_practising(*, pro_ids: list[int], category_slug: str) -> set[int]:
    """Among these pros, those whose trades include ``category_slug`` or one of its
    sub-trades (an unknown or inactive trade: none). Two queries."""
    from apps.directory.search import category_descendant_ids

    category = Category.objects.filter(slug=category_slug, is_active=True).first()
    if category is None or not pro_ids:
        return set()
    through = ProProfile.categories.through
    return set(
        through.objects.filter(
            proprofile_id__in=pro_ids, category_id__in=category_descendant_ids(category)
        ).values_list("proprofile_id", flat=True)
    )


def pros_similar(*, pro_id: int) -> list[int]:
    """The other published pros sharing at least one trade with this one whose commune is
    in the same region (benchmarks: figures only, never their names). One query."""
    pro = ProProfile.objects.filter(pk=pro_id)
    return list(
        ProProfile.objects.filter(
            is_published=True,
            categories__in=pro.values("categories"),
            commune__department__region_id__in=pro.values("commune__department__region_id"),
        )
        .exclude(pk=pro_id)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )


def pros_matching(*, category_slug: str, postcode: str, limit: int = 20) -> list[ProMatch]:
    """Published pros practising the trade (or a sub-trade) whose area covers the postcode,
    insured for it (a verified décennale, unless LEADS_REQUIRE_INSURANCE is off) and with
    lead capacity left this month, best score first and, among equal scores, the
    least recently served first; with the reasons an advisor can read. Two queries plus
    prefetches."""
    from apps.directory.search import SearchCriteria, place_resolve, pro_search

    category = Category.objects.filter(slug=category_slug, is_active=True).first()
    place = place_resolve(postcode)
    if category is None or place is None:
        return []
    qs = _with_month_load(
        pro_search(SearchCriteria(category=category, place=place, ordering="score"))
    ).filter(leads_used__lt=F("monthly_lead_cap"))
    if checks.insurance_required():
        # No verified décennale valid for this trade, no lead (docs/verification.md).
        qs = qs.filter(checks.insured_filter(category_id=category.id))
    pros = list(
        qs.order_by(
            F("rating__score").desc(nulls_last=True),
            F("lead_load__last_served_at").asc(nulls_first=True),
            "name",
            "pk",
        )[:limit]
    )
    matches = []
    for pro in pros:
        rating = getattr(pro, "rating", None)
        departments = set(place.department_codes)
        reasons = [f"Métier : {category.name}"]
        distance = getattr(pro, "distance_km", None)
        if pro.service_radius_km and distance is not None and distance <= pro.service_radius_km:
            reasons.append(f"À {distance:.0f} km, rayon d'intervention {pro.service_radius_km} km")
        else:
            reasons.append(f"Intervient dans le département {', '.join(sorted(departments))}")
        if rating and rating.count:
            reasons.append(f"Note {float(rating.average):.1f}/5 sur {rating.count} avis")
        remaining = pro.monthly_lead_cap - pro.leads_used
        reasons.append(f"Capacité restante : {remaining} ce mois-ci")
        matches.append(
            ProMatch(
                pro=ProRef(
                    id=pro.id,
                    slug=pro.slug,
                    name=pro.name,
                    organization_id=pro.organization_id,
                    commune_name=pro.commune.name,
                    postcode=pro.postcode,
                    department_code=pro.commune.department_id,
                ),
                score=float(rating.score) if rating else 0.0,
                rating_average=float(rating.average) if rating else 0.0,
                review_count=rating.count if rating else 0,
                distance_km=None if distance is None else round(distance, 1),
                monthly_lead_cap=pro.monthly_lead_cap,
                reasons=tuple(reasons),
            )
        )
    return matches


def category_suggest(text: str) -> str:
    """The category slug a homeowner's words name ("fuite sur le toit" → "toiture"), from
    the reviewed trade vocabulary; "" if none. No query."""
    from apps.directory.query import trade_understand

    return trade_understand(text)


def landing_area(
    *, category_slug: str, place_slug: str, pro_limit: int = 500
) -> LandingArea | None:
    """The area of the landing page ``/artisans/<category_slug>/<place_slug>/``: the pros it
    lists (the same search, in no particular order, at most ``pro_limit``), the trade and
    its active sub-trades, the place's départements. None for an unknown trade or place.
    Three queries whatever the number of pros."""
    from apps.directory.search import landing_area_of, place_resolve

    category = Category.objects.filter(slug=category_slug, is_active=True).first()
    place = place_resolve(place_slug) if category is not None else None
    if category is None or place is None or place.kind not in {"commune", "department"}:
        return None
    active = list(Category.objects.filter(is_active=True).only("id", "slug", "parent_id"))
    return landing_area_of(category=category, place=place, categories=active, pro_limit=pro_limit)
