"""Writes of the directory context."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from apps.directory.catalog import CATEGORIES
from apps.directory.coverage import coverage_rebuild
from apps.directory.models import (
    Brand,
    Category,
    Commune,
    Department,
    ProCoverage,
    ProLeadLoad,
    ProNetwork,
    ProPhoto,
    ProProfile,
    ProRating,
)
from apps.directory.text import fold

# Refreshes the weighted French tsvector (PostgreSQL only): name A, trades B, text C.
_VECTOR_SQL = """
UPDATE directory_proprofile p SET search_vector =
    setweight(to_tsvector('simple', unaccent(coalesce(p.name, ''))), 'A')
 || setweight(to_tsvector('french', unaccent(coalesce((
        SELECT string_agg(c.name, ' ') FROM directory_category c
        JOIN directory_proprofile_categories pc ON pc.category_id = c.id
        WHERE pc.proprofile_id = p.id), ''))), 'B')
 || setweight(to_tsvector('french', unaccent(coalesce(p.description, ''))), 'C')
WHERE p.id = ANY(%s)
"""


@transaction.atomic
def categories_sync() -> int:
    """Create or update the catalogue of trades (idempotent, keyed by slug)."""
    by_slug: dict[str, Category] = {}
    for position, (slug, name, parent_slug, icon, description) in enumerate(CATEGORIES):
        category, _ = Category.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "icon": icon,
                "position": position,
                "parent": by_slug.get(parent_slug) if parent_slug else None,
            },
        )
        by_slug[slug] = category
    transaction.on_commit(catalog_changed)
    return len(by_slug)


def pro_search_index_refresh(*, pro_ids: list[int]) -> None:
    """Recompute the stored search text (and the tsvector on PostgreSQL) and the coverage
    index (apps.directory.coverage) of these pros: after any change to their name,
    description, trades, place or service area."""
    pros = list(
        ProProfile.objects.filter(id__in=pro_ids)
        .select_related("commune")
        .prefetch_related("categories")
    )
    for pro in pros:
        trades = " ".join(c.name for c in pro.categories.all())
        pro.search_name = fold(pro.name)
        parts = (
            fold(pro.name),
            fold(trades),
            fold(pro.commune.name),
            pro.postcode,
            fold(pro.description),
        )
        pro.search_document = " ".join(part for part in parts if part)
    ProProfile.objects.bulk_update(pros, ["search_name", "search_document"], batch_size=500)
    if connection.vendor == "postgresql" and pro_ids:
        with connection.cursor() as cursor:
            cursor.execute(_VECTOR_SQL, [list(pro_ids)])
    coverage_rebuild(
        pro_ids=pro_ids, pro_model=ProProfile, coverage_model=ProCoverage, commune_model=Commune
    )


@transaction.atomic
def pro_rating_store(
    *,
    pro_id: int,
    average: float,
    count: int,
    histogram: dict[str, int],
    criteria: dict[str, float],
    score: float,
    as_of: datetime | None = None,
) -> bool:
    """Store the aggregates the reviews context computed (it owns the review rows) as of
    ``as_of``; an older computation than the stored one changes nothing (False)."""
    as_of = as_of or timezone.now()
    stored = ProRating.objects.select_for_update().filter(pro_id=pro_id).first()
    if stored is not None and stored.updated_at and stored.updated_at > as_of:
        return False
    ProRating.objects.update_or_create(
        pro_id=pro_id,
        defaults={
            "average": round(average, 1),
            "count": count,
            "histogram": {str(k): int(v) for k, v in histogram.items()},
            "criteria": criteria,
            "score": score,
            "updated_at": as_of,
        },
    )
    transaction.on_commit(lambda: pro_public_caches_invalidate(pro_id=pro_id))
    return True


@transaction.atomic
def pro_ratings_store_many(ratings: list[dict[str, Any]]) -> int:
    """Store many pros' aggregates at once (seed, import, daily refresh): one upsert per
    batch instead of two queries per pro. Each dict has pro_id, average, count, histogram,
    criteria and score."""
    now = timezone.now()
    rows = [
        ProRating(
            pro_id=r["pro_id"],
            average=round(r["average"], 1),
            count=r["count"],
            histogram={str(k): int(v) for k, v in r["histogram"].items()},
            criteria=r["criteria"],
            score=r["score"],
            updated_at=now,
        )
        for r in ratings
    ]
    ProRating.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["pro"],
        update_fields=["average", "count", "histogram", "criteria", "score", "updated_at"],
    )
    pro_ids = [r["pro_id"] for r in ratings]
    transaction.on_commit(lambda: pros_public_caches_invalidate(pro_ids=pro_ids))
    return len(rows)


# Generations of apps.core.pagecache. Every list of pros without a trade (search by place
# or text only, home figures) depends on LISTING; a list of one trade (search and landing
# pages, API list with a category) on CATALOG and that trade's own generation, so that a
# new review of a roofer leaves the cached pages of every other trade valid; a pro's
# profile on its own generation.
LISTING_GENERATION = "directory:listing"
CATALOG_GENERATION = "directory:catalog"


def pro_generation(pro_id: int) -> str:
    return f"directory:pro:{pro_id}"


def trade_generation(category_id: int) -> str:
    """Lists of one trade (and its sub-trades): bumped when a pro practising it changes."""
    return f"directory:trade:{category_id}"


def listing_generations(category: Category | None) -> list[str]:
    """What a list of pros filtered by ``category`` (or by none) depends on."""
    if category is None:
        return [LISTING_GENERATION]
    return [CATALOG_GENERATION, trade_generation(category.id)]


def _trades_with_ancestors(pro_ids: list[int]) -> set[int]:
    parents = dict(Category.objects.values_list("id", "parent_id"))
    trades = set(
        ProProfile.categories.through.objects.filter(proprofile_id__in=pro_ids).values_list(
            "category_id", flat=True
        )
    )
    found: set[int] = set()
    for start in trades:
        trade: int | None = start
        while trade is not None and trade not in found:
            found.add(trade)
            trade = parents.get(trade)
    return found


def pro_public_caches_invalidate(*, pro_id: int, every_trade: bool = False) -> None:
    pros_public_caches_invalidate(pro_ids=[pro_id], every_trade=every_trade)


def pros_public_caches_invalidate(*, pro_ids: list[int], every_trade: bool = False) -> None:
    """Every cached page showing these pros misses from now on (listing, trade and per-pro
    generations bumped; the badge is one of those pages). Run on commit or by an event
    handler.

    The lists of the pros' trades (and parent trades) are bumped; ``every_trade`` bumps
    every trade's, for a profile change that may have removed a trade."""
    from apps.core.pagecache import generations_bump

    trades = (
        set(Category.objects.values_list("id", flat=True))
        if every_trade
        else _trades_with_ancestors(pro_ids)
    )
    generations_bump(
        [
            LISTING_GENERATION,
            *(trade_generation(trade) for trade in sorted(trades)),
            *(pro_generation(pro_id) for pro_id in pro_ids),
        ]
    )


def catalog_changed() -> None:
    """The trades were edited (names, tree, activity): every list of pros misses."""
    from apps.core.pagecache import generations_bump

    generations_bump([CATALOG_GENERATION, LISTING_GENERATION])


def pro_profile_changed(*, pro_ids: list[int]) -> None:
    """Publish ProProfileChanged for these pros, in the caller's transaction."""
    from apps.core.events import publish
    from apps.directory.events import ProProfileChanged

    for pro_id, slug in ProProfile.objects.filter(id__in=pro_ids).values_list("id", "slug"):
        publish(ProProfileChanged(pro_id=pro_id, slug=slug))


# The fields a pro edits on its profile (back office); the admin edits every field.
PROFILE_FIELDS = (
    "description",
    "service_radius_km",
    "phone",
    "website",
    "year_founded",
    "headcount",
)


@transaction.atomic
def pro_profile_update(
    *,
    pro_id: int,
    changes: dict[str, object] | None = None,
    category_ids: list[int] | None = None,
    department_ids: list[str] | None = None,
    created: bool = False,
) -> None:
    """The one writer of a pro's profile details: applies ``changes`` (values of
    ``PROFILE_FIELDS``, already parsed), sets the trades and the covered départements when
    given, then refreshes the search and coverage indexes and publishes ProProfileChanged
    (and ProCreated when ``created``) in the same transaction.

    The admin's form writes every field itself, then calls this without ``changes``: the
    index refresh and the events stay here, in one place."""
    unknown = set(changes or {}) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    pro = ProProfile.objects.select_for_update().get(pk=pro_id)
    if changes:
        for field, value in changes.items():
            setattr(pro, field, value)
        pro.save(update_fields=[*changes, "updated_at"])
    if category_ids is not None:
        pro.categories.set(category_ids)
    if department_ids is not None:
        pro.service_departments.set(Department.objects.filter(code__in=department_ids))
    pro_search_index_refresh(pro_ids=[pro_id])
    if created:
        pros_created(pro_ids=[pro_id])
    pro_profile_changed(pro_ids=[pro_id])


def pros_created(*, pro_ids: list[int]) -> None:
    """Publish ProCreated for these new pros, in the transaction that created them."""
    from apps.core.events import publish
    from apps.directory.events import ProCreated

    rows = ProProfile.objects.filter(id__in=pro_ids).values_list(
        "id", "organization_id", "created_at"
    )
    for pro_id, organization_id, created_at in rows:
        publish(
            ProCreated(
                pro_id=pro_id,
                organization_id=organization_id,
                created_at=created_at.isoformat(),
            )
        )


def pro_photo_add(
    *,
    pro_id: int,
    upload: UploadedFile[bytes],
    caption: str = "",
    uploaded_by_id: int | None = None,
) -> ProPhoto:
    """Store a gallery photo: decoded, re-encoded without metadata, with its thumbnail."""
    from apps.core.images import image_process

    processed = image_process(upload=upload)
    position = ProPhoto.objects.filter(pro_id=pro_id).count()
    photo = ProPhoto(
        pro_id=pro_id, caption=caption[:200], position=position, uploaded_by_id=uploaded_by_id
    )
    # image_process names both files ("<uuid>.<ext>", "<uuid>-thumb.<ext>").
    photo.image.save(str(processed.content.name), processed.content, save=False)
    photo.thumbnail.save(str(processed.thumbnail.name), processed.thumbnail, save=False)
    with transaction.atomic():
        photo.save()
        pro_profile_changed(pro_ids=[pro_id])
    return photo


def pro_photo_remove(*, pro_id: int, photo_id: int) -> bool:
    """Delete one of the pro's gallery photos; False when it is not this pro's."""
    with transaction.atomic():
        deleted, _ = ProPhoto.objects.filter(pk=photo_id, pro_id=pro_id).delete()
        if deleted:
            pro_profile_changed(pro_ids=[pro_id])
    return bool(deleted)


def pro_logo_set(*, pro_id: int, upload: UploadedFile[bytes]) -> None:
    from apps.core.images import image_process

    processed = image_process(upload=upload, max_side=800, thumb_size=(240, 240))
    pro = ProProfile.objects.get(pk=pro_id)
    with transaction.atomic():
        pro.logo.save(str(processed.thumbnail.name), processed.thumbnail, save=True)
        pro_profile_changed(pro_ids=[pro_id])


def month_start(moment: datetime) -> date:
    return timezone.localdate(moment).replace(day=1)


@transaction.atomic
def pro_lead_load_release(*, pro_id: int, served_at: datetime) -> None:
    """Give back the slot of a refused lead received this month (an older month's count is
    already forgotten)."""
    load = ProLeadLoad.objects.select_for_update().filter(pro_id=pro_id).first()
    if load is None or load.month != month_start(served_at) or load.leads_this_month <= 0:
        return
    load.leads_this_month -= 1
    load.save(update_fields=["leads_this_month"])


@transaction.atomic
def pro_lead_load_record(*, pro_id: int, served_at: datetime) -> None:
    """Count one more lead for the pro this month (the leads context calls it once per lead)."""
    month = month_start(served_at)
    load, created = ProLeadLoad.objects.select_for_update().get_or_create(
        pro_id=pro_id,
        defaults={"month": month, "leads_this_month": 1, "last_served_at": served_at},
    )
    if created:
        return
    if load.month != month:
        load.month, load.leads_this_month = month, 0
    load.leads_this_month += 1
    if load.last_served_at is None or served_at > load.last_served_at:
        load.last_served_at = served_at
    load.save(update_fields=["month", "leads_this_month", "last_served_at"])


@transaction.atomic
def organization_forget(*, organization_id: int) -> None:
    """An organization is gone (accounts): what its foreign keys' cascade deleted goes — its
    pro profile (with its rating, checks, photos, claims, coverage), its brand page, and the
    pros' links to it as a network or manufacturer. The pages that showed them rebuild
    (``ProProfileChanged``, for the removed profile too). Idempotent."""
    from apps.core.events import publish
    from apps.directory.brands import brand_changed
    from apps.directory.events import ProProfileChanged

    links = ProNetwork.objects.filter(network_id=organization_id)
    linked_pro_ids = sorted(set(links.values_list("pro_id", flat=True)))
    links_deleted, _ = links.delete()
    brands_deleted, _ = Brand.objects.filter(organization_id=organization_id).delete()
    gone = dict(
        ProProfile.objects.filter(organization_id=organization_id).values_list("id", "slug")
    )
    pro_profile_changed(pro_ids=[pro_id for pro_id in linked_pro_ids if pro_id not in gone])
    for pro_id, slug in gone.items():
        publish(ProProfileChanged(pro_id=pro_id, slug=slug))
    ProProfile.objects.filter(id__in=list(gone)).delete()
    if links_deleted or brands_deleted:
        transaction.on_commit(brand_changed)
