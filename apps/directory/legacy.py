"""Import of the pros exported from the PHP monolith (format: docs/legacy-import.md).

Each row is validated on its own; a rejected row is reported with its line and reason
and the others go on. Rows whose ``legacy_id`` is already imported are left as they are,
so re-running an import is idempotent. Writes are bulk (a few queries per 1,000 pros); the
caller owns the transaction (the command runs the whole import in one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.text import slugify

from apps.accounts import api as accounts
from apps.core.actor import OrganizationKind
from apps.directory.models import Category, Commune, Department, PostalCode, ProProfile, ProRating
from apps.directory.services import pro_search_index_refresh, pros_public_caches_invalidate
from apps.directory.validators import validate_siret

PRO_COLUMNS = ("legacy_id", "name", "postcode", "trades")
TRUE, FALSE = {"1", "oui", "true", "yes", "o", "y"}, {"0", "non", "false", "no", "n", ""}
_url = URLValidator(schemes=["http", "https"])


@dataclass
class ImportResult:
    created: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # line, legacy id, why
    ids: dict[str, int] = field(default_factory=dict)  # legacy id -> pro id (every valid row)


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[|,]", value or "") if part.strip()]


def _clean(row: dict, *, refs: dict) -> dict:
    """The row's values for a ProProfile, or ValueError with the French reason."""
    name = (row.get("name") or "").strip()
    if not name or len(name) > 200:
        raise ValueError("raison sociale absente ou de plus de 200 caractères")
    postcode = (row.get("postcode") or "").strip()
    if not re.fullmatch(r"\d{5}", postcode):
        raise ValueError(f"code postal invalide : {postcode!r}")
    insee = (row.get("insee_code") or "").strip()
    communes = refs["communes_by_postcode"].get(postcode, [])
    if insee:
        commune = refs["communes"].get(insee)
        if commune is None:
            raise ValueError(f"code INSEE inconnu : {insee}")
    elif communes:
        commune = communes[0]
    else:
        raise ValueError(f"code postal inconnu : {postcode}")
    trades = _split(row.get("trades", ""))
    unknown = [t for t in trades if t not in refs["categories"]]
    if not trades or unknown:
        raise ValueError(
            f"métier inconnu : {', '.join(unknown)}" if unknown else "aucun métier (trades)"
        )
    departments = _split(row.get("departments", ""))
    unknown = [d for d in departments if d.upper() not in refs["departments"]]
    if unknown:
        raise ValueError(f"département inconnu : {', '.join(unknown)}")
    radius = (row.get("radius_km") or "").strip()
    if radius and not (radius.isdigit() and 1 <= int(radius) <= 200):
        raise ValueError(f"rayon d'intervention invalide (1 à 200 km) : {radius!r}")
    siret = re.sub(r"\s", "", row.get("siret") or "")
    try:
        validate_siret(siret)
    except ValidationError:
        raise ValueError(f"SIRET invalide : {siret}") from None
    website = (row.get("website") or "").strip()
    if website:
        try:
            _url(website)
        except ValidationError:
            raise ValueError(f"site web invalide : {website}") from None
    published = (row.get("published") or "1").strip().lower()
    if published not in TRUE | FALSE:
        raise ValueError(f"published vaut 0 ou 1 : {published!r}")
    return {
        "name": name,
        "siret": siret,
        "description": (row.get("description") or "").strip(),
        "address": (row.get("address") or "").strip()[:255],
        "commune": commune,
        "postcode": postcode,
        "latitude": commune.latitude,
        "longitude": commune.longitude,
        "service_radius_km": int(radius) if radius else None,
        "phone": (row.get("phone") or "").strip()[:20],
        "website": website,
        "is_published": published in TRUE,
        "trades": trades,
        "departments": [d.upper() for d in departments] or [commune.department_id],
    }


def _references(rows: list[tuple[int, dict]]) -> dict:
    postcodes = {(r.get("postcode") or "").strip() for _, r in rows}
    communes_by_postcode: dict[str, list[Commune]] = {}
    links = (
        PostalCode.objects.filter(code__in=postcodes)
        .select_related("commune")
        .order_by("code", "-commune__population")
    )
    for link in links:
        communes_by_postcode.setdefault(link.code, []).append(link.commune)
    insees = {(r.get("insee_code") or "").strip() for _, r in rows} - {""}
    return {
        "communes_by_postcode": communes_by_postcode,
        "communes": {c.insee_code: c for c in Commune.objects.filter(insee_code__in=insees)},
        "categories": dict(Category.objects.filter(is_active=True).values_list("slug", "id")),
        "departments": set(Department.objects.values_list("code", flat=True)),
    }


def legacy_pros_import(rows: list[tuple[int, dict]]) -> ImportResult:
    """Import ``(line number, row)`` pairs; see the module docstring."""
    result = ImportResult()
    ids = [(r.get("legacy_id") or "").strip() for _, r in rows]
    existing = dict(
        ProProfile.objects.filter(legacy_id__in=[i for i in ids if i]).values_list(
            "legacy_id", "id"
        )
    )
    refs = _references(rows)
    taken_slugs = set(
        ProProfile.objects.filter(
            slug__in=[slugify((r.get("name") or "").strip())[:180] for _, r in rows]
        ).values_list("slug", flat=True)
    )
    seen: set[str] = set()
    plans: dict[str, dict] = {}
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
            result.ids[legacy_id] = existing[legacy_id]
            continue
        try:
            plan = _clean(row, refs=refs)
        except ValueError as exc:
            result.rejected.append((line, legacy_id, str(exc)))
            continue
        slug = slugify(plan["name"])[:180] or "pro"
        if slug in taken_slugs:
            slug = f"{slug}-{slugify(legacy_id)}"[:200]
        taken_slugs.add(slug)
        plan["slug"] = slug
        plans[legacy_id] = plan
    if not plans:
        return result
    organizations = accounts.organizations_bulk_ensure(
        [(p["slug"], p["name"], OrganizationKind.COMPANY) for p in plans.values()]
    )
    ProProfile.objects.bulk_create(
        [
            ProProfile(
                legacy_id=legacy_id,
                organization_id=organizations[p["slug"]],
                slug=p["slug"],
                **{k: v for k, v in p.items() if k not in {"trades", "departments", "slug"}},
            )
            for legacy_id, p in plans.items()
        ],
        batch_size=1000,
    )
    created = dict(
        ProProfile.objects.filter(legacy_id__in=list(plans)).values_list("legacy_id", "id")
    )
    cat_through = ProProfile.categories.through
    dep_through = ProProfile.service_departments.through
    cat_through.objects.bulk_create(
        [
            cat_through(proprofile_id=created[lid], category_id=refs["categories"][slug])
            for lid, p in plans.items()
            for slug in dict.fromkeys(p["trades"])
        ],
        batch_size=2000,
    )
    dep_through.objects.bulk_create(
        [
            dep_through(proprofile_id=created[lid], department_id=code)
            for lid, p in plans.items()
            for code in dict.fromkeys(p["departments"])
        ],
        batch_size=2000,
    )
    ProRating.objects.bulk_create(
        [ProRating(pro_id=pro_id) for pro_id in created.values()], batch_size=2000
    )
    pro_search_index_refresh(pro_ids=list(created.values()))
    pro_ids = list(created.values())
    transaction.on_commit(lambda: pros_public_caches_invalidate(pro_ids=pro_ids))
    result.created = len(created)
    result.ids.update(created)
    return result
