"""Import of the reviews exported from the PHP monolith (format: docs/legacy-import.md).

Each row is validated on its own; a rejected row is reported with its line and reason.
Rows whose ``legacy_id`` is already imported are skipped (idempotent re-runs). Reviews
are written with the seed's COPY path (``demo._bulk_insert``), then the touched pros'
aggregates are recomputed once, in bulk. The caller owns the transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade
from apps.reviews import caching
from apps.reviews.aggregates import aggregates_rebuild
from apps.reviews.demo import (
    REVIEW_COLUMNS,
    _adapters,
    _bulk_insert,
    secondary_indexes_deferred,
)
from apps.reviews.models import Review, ReviewLabel, ReviewReply, ReviewSource, ReviewStatus
from apps.reviews.rules import BODY_MAX, TITLE_MAX, text_fingerprint

directory: DirectoryFacade = facade("directory")

COLUMNS = (*REVIEW_COLUMNS, "legacy_id")
REVIEW_COLUMNS_REQUIRED = ("legacy_id", "pro_legacy_id", "rating", "body", "published_at")


@dataclass
class ImportResult:
    created: int = 0
    unchanged: int = 0
    replies: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # line, legacy id, why


def _moment(text: str, *, what: str) -> datetime:
    text = (text or "").strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:
            value = datetime.combine(date.fromisoformat(text), time(12))
        except ValueError:
            raise ValueError(f"{what} invalide (AAAA-MM-JJ) : {text!r}") from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _clean(row: dict, *, pro, now: datetime) -> dict:
    rating = (row.get("rating") or "").strip()
    if rating not in {"1", "2", "3", "4", "5"}:
        raise ValueError(f"note invalide (1 à 5) : {rating!r}")
    body = (row.get("body") or "").strip()
    if not body or len(body) > BODY_MAX:
        raise ValueError(f"texte absent ou de plus de {BODY_MAX} caractères")
    author = (row.get("author_name") or "").strip()
    if not author:
        raise ValueError("auteur absent")
    published = _moment(row.get("published_at", ""), what="date de publication")
    if published > now:
        raise ValueError("date de publication dans le futur")
    work_date = (row.get("work_date") or "").strip()
    # The old site did not always ask: the publication date stands in for it.
    work = (_moment(work_date, what="date des travaux") if work_date else published).date()
    category = (row.get("work_category") or "").strip()
    return {
        "pro_id": pro.id,
        "source": ReviewSource.IMPORTED,
        # Eldo cannot tie a review of the old site to a job it saw: never "Avis vérifié".
        "label": ReviewLabel.SPONTANEOUS,
        "status": ReviewStatus.PUBLISHED,
        "rating": int(rating),
        "rating_quality": None,
        "rating_timeliness": None,
        "rating_cleanliness": None,
        "rating_value": None,
        "title": ((row.get("title") or "").strip() or "Avis client")[:TITLE_MAX],
        "body": body,
        "work_category_slug": category[:100],
        "work_category_name": (row.get("work_category_name") or "").strip()[:150],
        "work_date": work,
        "author_name": author[:60],
        "author_email": (row.get("author_email") or "").strip().lower()[:254],
        "author_postcode": (row.get("author_postcode") or "").strip()[:5],
        "author_commune": (row.get("author_commune") or "").strip()[:150],
        "text_fingerprint": text_fingerprint(body),
        "check_flags": json.dumps([]),
        "email_confirmed_at": None,
        "created_at": published,
        "published_at": published,
        "updated_at": now,
        "reply": (row.get("reply") or "").strip()[:BODY_MAX],
    }


def _copy(planned: list[dict], adapters) -> None:
    for start in range(0, len(planned), 20_000):
        _bulk_insert(
            Review._meta.db_table,
            COLUMNS,
            [
                tuple(adapt(v[c]) for adapt, c in zip(adapters, COLUMNS, strict=True))
                for v in planned[start : start + 20_000]
            ],
        )


def legacy_reviews_import(rows: list[tuple[int, dict]], *, pro_ids: dict[str, int]) -> ImportResult:
    """Import ``(line number, row)`` pairs; ``pro_ids`` maps the pros' legacy ids to ids."""
    result = ImportResult()
    ids = [(r.get("legacy_id") or "").strip() for _, r in rows]
    existing = set(
        Review.objects.filter(legacy_id__in=[i for i in ids if i]).values_list(
            "legacy_id", flat=True
        )
    )
    pros = directory.pros_by_ids(sorted(set(pro_ids.values())))
    now = timezone.now()
    seen: set[str] = set()
    planned: list[dict] = []
    for (line, row), legacy_id in zip(rows, ids, strict=True):
        if not legacy_id or len(legacy_id) > 40:
            result.rejected.append((line, legacy_id, "legacy_id absent ou trop long"))
            continue
        if legacy_id in seen:
            result.rejected.append((line, legacy_id, "legacy_id en double dans le fichier"))
            continue
        seen.add(legacy_id)
        if legacy_id in existing:
            result.unchanged += 1
            continue
        pro = pros.get(pro_ids.get((row.get("pro_legacy_id") or "").strip(), 0))
        if pro is None:
            result.rejected.append(
                (line, legacy_id, f"pro inconnu ou rejeté : {row.get('pro_legacy_id')!r}")
            )
            continue
        try:
            values = _clean(row, pro=pro, now=now)
        except ValueError as exc:
            result.rejected.append((line, legacy_id, str(exc)))
            continue
        values["legacy_id"] = legacy_id
        planned.append(values)
    if not planned:
        return result
    adapters = _adapters(COLUMNS, planned[0])
    with secondary_indexes_deferred(Review._meta.db_table, rows=len(planned)):
        _copy(planned, adapters)
    replies = {v["legacy_id"]: v for v in planned if v["reply"]}
    if replies:
        stored = Review.objects.filter(legacy_id__in=list(replies)).values_list(
            "legacy_id", "id", "pro_id"
        )
        ReviewReply.objects.bulk_create(
            [
                ReviewReply(
                    review_id=review_id,
                    organization_id=pros[pro_id].organization_id,
                    body=replies[legacy_id]["reply"],
                    created_at=replies[legacy_id]["published_at"],
                )
                for legacy_id, review_id, pro_id in stored
            ],
            batch_size=5000,
        )
        result.replies = len(replies)
    touched = sorted({v["pro_id"] for v in planned})
    aggregates_rebuild(pro_ids=touched)
    transaction.on_commit(lambda: caching.public_reviews_changed_many(pro_ids=touched))
    result.created = len(planned)
    return result
