"""A pro's public profile as plain, JSON-able data: what GET /api/v1/pros/{slug}/ returns
(``ProDetailSerializer`` documents the shape and delegates here), what the profile page
and the back-office dashboard are composed from (``directory.api.pro_profile``)."""

from __future__ import annotations

from datetime import date

from apps.core.site import absolute_url
from apps.directory.brands import brands_for_pros, network_names
from apps.directory.verification.checks import public_checks


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def rating_data(pro) -> dict:
    rating = getattr(pro, "rating", None)
    if rating is None:
        return {"average": 0.0, "count": 0, "score": 0.0}
    return {
        "average": float(rating.average),
        "count": rating.count,
        "score": round(rating.score, 3),
    }


def distance_km(pro) -> float | None:
    distance = getattr(pro, "distance_km", None)
    return None if distance is None else round(distance, 1)


def certification_data(check) -> dict:
    """A label Eldo verified and still valid (the only ones the public sees)."""
    return {
        "kind": check.label,
        "label": check.get_label_display(),
        "number": check.number,
        "domains": check.domains,
        "valid_from": _day(check.valid_from),
        "valid_until": _day(check.valid_until),
        "is_valid": check.is_valid(),
    }


def _verification_data(line: dict) -> dict:
    return {
        **line,
        "kind": str(line["kind"]),
        "title": str(line["title"]),
        "status": str(line["status"]),
        "source": str(line["source"]),
        "checked_on": _day(line["checked_on"]),
        "valid_until": _day(line["valid_until"]),
    }


def brand_refs(pro) -> list:
    if not hasattr(pro, "_brand_refs"):
        pro._brand_refs = brands_for_pros([pro])[pro.id]
    return pro._brand_refs


def pro_detail_data(pro) -> dict:
    """A pro loaded by ``selectors.pro_detail`` → the public profile's fields."""
    stored = getattr(getattr(pro, "rating", None), "histogram", None) or {}
    brands = brand_refs(pro)
    return {
        "slug": pro.slug,
        "name": pro.name,
        "commune": pro.commune.name,
        "postcode": pro.postcode,
        "department": pro.commune.department_id,
        "categories": [c.slug for c in pro.categories.all()],
        "certifications": [certification_data(c) for c in pro.valid_certifications],
        "is_verified": pro.is_verified,
        "rating": rating_data(pro),
        "distance_km": distance_km(pro),
        "url": absolute_url(f"/pro/{pro.slug}/"),
        "description": pro.description,
        "address": pro.address,
        "has_phone": bool(pro.phone),
        "website": pro.website,
        "siret": pro.siret,
        "year_founded": pro.year_founded,
        "headcount": pro.headcount,
        "histogram": {str(star): int(stored.get(str(star), 0)) for star in range(1, 6)},
        "criteria": getattr(getattr(pro, "rating", None), "criteria", None) or {},
        "verifications": [_verification_data(line) for line in public_checks(pro.all_checks)],
        "service_area": {
            "departments": [d.code for d in pro.service_departments.all()],
            "radius_km": pro.service_radius_km,
        },
        "networks": network_names(pro, brands=brands),
        "brands": [{"slug": b.slug, "name": b.name, "url": absolute_url(b.url)} for b in brands],
        "logo": absolute_url(pro.logo.url) if pro.logo else None,
        "photos": [
            {
                "url": absolute_url(p.image.url),
                "thumbnail": absolute_url(p.thumbnail.url) if p.thumbnail else None,
                "caption": p.caption,
            }
            for p in pro.photos.all()
        ],
    }
