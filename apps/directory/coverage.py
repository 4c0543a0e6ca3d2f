"""The search's coverage index (``ProCoverage``): which pros may serve a trade in a
département, so that a search by trade and place reads only those pros.

A pro covers its chosen départements and, with a service radius, every département the
circle reaches. "Reaches" is decided against the bounding box of the département's
communes (the nearest point of the box, plus a margin): a superset of the exact answer,
which the search still checks with the real distance to the place. Every place the search
resolves lies on a commune of its département, inside that box, so no pro that covers a
place is ever left out of its rows.

The functions take the model classes as arguments so that the migration creating the
table can fill it with the historical models.
"""

from __future__ import annotations

import math
from collections import defaultdict

from django.db import transaction
from django.db.models import Max, Min

EARTH_RADIUS_KM = 6371.0
# Slack for the flat-box approximation of the nearest point and for a pro whose own
# coordinates sit slightly outside its commune's département box.
MARGIN_KM = 10.0
BATCH_SIZE = 5000


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def department_boxes(commune_model) -> dict[str, tuple[float, float, float, float]]:
    """Each département's (min lat, max lat, min lon, max lon) over its communes."""
    rows = commune_model.objects.values("department_id").annotate(
        lat_min=Min("latitude"),
        lat_max=Max("latitude"),
        lon_min=Min("longitude"),
        lon_max=Max("longitude"),
    )
    return {
        row["department_id"]: (row["lat_min"], row["lat_max"], row["lon_min"], row["lon_max"])
        for row in rows
    }


def departments_reached(latitude: float, longitude: float, radius_km: int, boxes: dict) -> set[str]:
    """The départements whose box lies within ``radius_km`` (plus the margin) of a point."""
    reached = set()
    for code, (lat_min, lat_max, lon_min, lon_max) in boxes.items():
        nearest_lat = min(max(latitude, lat_min), lat_max)
        nearest_lon = min(max(longitude, lon_min), lon_max)
        if _distance_km(latitude, longitude, nearest_lat, nearest_lon) <= radius_km + MARGIN_KM:
            reached.add(code)
    return reached


def coverage_rebuild(*, pro_ids: list[int] | None, pro_model, coverage_model, commune_model) -> int:
    """Replace the coverage rows of these pros (all pros when ``pro_ids`` is None), in one
    transaction; returns the number of rows written."""
    pros = pro_model.objects.order_by("id")
    if pro_ids is not None:
        pro_ids = sorted(set(pro_ids))
        if not pro_ids:
            return 0
        pros = pros.filter(id__in=pro_ids)
    pro_rows = list(
        pros.values_list(
            "id", "latitude", "longitude", "service_radius_km", "commune__department_id"
        )
    )
    boxes = department_boxes(commune_model) if any(row[3] for row in pro_rows) else {}
    written = 0
    with transaction.atomic():
        if pro_ids is None:
            coverage_model.objects.all().delete()
        else:
            for start in range(0, len(pro_ids), BATCH_SIZE):
                coverage_model.objects.filter(
                    pro_id__in=pro_ids[start : start + BATCH_SIZE]
                ).delete()
        for start in range(0, len(pro_rows), BATCH_SIZE):
            rows = _rows(pro_model, coverage_model, pro_rows[start : start + BATCH_SIZE], boxes)
            coverage_model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            written += len(rows)
    return written


def _rows(pro_model, coverage_model, pro_rows: list[tuple], boxes: dict) -> list:
    ids = [row[0] for row in pro_rows]
    trades: dict[int, list[int]] = defaultdict(list)
    for pro_id, category_id in pro_model.categories.through.objects.filter(
        proprofile_id__in=ids
    ).values_list("proprofile_id", "category_id"):
        trades[pro_id].append(category_id)
    areas: dict[int, set[str]] = defaultdict(set)
    for pro_id, department_id in pro_model.service_departments.through.objects.filter(
        proprofile_id__in=ids
    ).values_list("proprofile_id", "department_id"):
        areas[pro_id].add(department_id)
    rows = []
    for pro_id, latitude, longitude, radius, own_department in pro_rows:
        departments = set(areas[pro_id])
        if radius:
            departments.add(own_department)
            departments |= departments_reached(latitude, longitude, radius, boxes)
        for department in sorted(departments):
            rows.append(coverage_model(pro_id=pro_id, department_id=department))
            rows.extend(
                coverage_model(pro_id=pro_id, department_id=department, category_id=category_id)
                for category_id in trades[pro_id]
            )
    return rows
