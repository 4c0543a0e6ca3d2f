"""Reads over the French geography: postcodes, autocomplete, slugs, distances.

Every function returns plain frozen dataclasses and runs a bounded number of queries (the
communes, then their postcodes in one prefetch).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils.text import slugify

from apps.directory.contracts import CommuneRef
from apps.directory.models import Commune, Department, PostalCode
from apps.directory.text import fold

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180

_DIGITS = re.compile(r"^\d+$")
# People type "St-Denis" for "Saint-Denis"; the stored names are spelled out.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


@dataclass(frozen=True)
class DepartmentRef:
    code: str
    name: str
    slug: str
    region_code: str
    region_name: str


def normalize_place_name(text: str) -> str:
    """Lowercase, unaccented, hyphens, apostrophes and other punctuation as single spaces."""
    return fold(text)


def commune_slug(name: str, department_code: str) -> str:
    """'Saint-Denis', '974' -> 'saint-denis-974': names repeat across départements only."""
    return f"{slugify(normalize_place_name(name))}-{department_code.lower()}"


def department_slug(name: str) -> str:
    return slugify(normalize_place_name(name))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _communes() -> QuerySet[Commune]:
    return Commune.objects.select_related("department").prefetch_related(
        Prefetch("postal_codes", queryset=PostalCode.objects.order_by("code"))
    )


def _ref(commune: Commune, postcodes: tuple[str, ...] | None = None) -> CommuneRef:
    if postcodes is None:
        postcodes = tuple(p.code for p in commune.postal_codes.all())
    return CommuneRef(
        insee_code=commune.insee_code,
        name=commune.name,
        slug=commune.slug,
        postcodes=postcodes,
        department_code=commune.department.code,
        department_name=commune.department.name,
        latitude=commune.latitude,
        longitude=commune.longitude,
    )


def communes_for_postcode(code: str) -> list[CommuneRef]:
    """The communes a postcode serves, most populous first; [] for an unknown postcode."""
    code = code.replace(" ", "")
    if len(code) != 5 or not code.isdigit():
        return []
    communes = _communes().filter(postal_codes__code=code).order_by("-population", "name")
    return [_ref(c) for c in communes]


def commune_autocomplete(query: str, *, limit: int = 10) -> list[CommuneRef]:
    """Communes whose name (or, for digits, a postcode) starts with ``query``.

    Accent-, case- and punctuation-insensitive; "st"/"ste" stand for "saint"/"sainte".
    The most populous come first.
    """
    digits = query.replace(" ", "")
    if _DIGITS.match(digits):
        if len(digits) > 5:
            return []
        with_postcode = PostalCode.objects.filter(code__startswith=digits).values("commune_id")
        communes = _communes().filter(insee_code__in=with_postcode)
    else:
        words = normalize_place_name(query).split()
        if not words:
            return []
        prefix = " ".join(_ABBREVIATIONS.get(word, word) for word in words)
        communes = _communes().filter(search_name__startswith=prefix)
    return [_ref(c) for c in communes.order_by("-population", "name")[:limit]]


def commune_by_slug(slug: str) -> CommuneRef | None:
    commune = _communes().filter(slug=slug).first()
    return _ref(commune) if commune else None


def department_for_code(code: str) -> DepartmentRef | None:
    """'31' -> Haute-Garonne; accepts '2a' and a postcode-style '01' as well as '1'."""
    code = code.strip().upper()
    if code.isdigit() and len(code) == 1:
        code = f"0{code}"
    department = Department.objects.select_related("region").filter(code=code).first()
    if department is None:
        return None
    return DepartmentRef(
        code=department.code,
        name=department.name,
        slug=department.slug,
        region_code=department.region.code,
        region_name=department.region.name,
    )


def communes_within_km(lat: float, lon: float, km: float) -> list[CommuneRef]:
    """Communes whose coordinates lie within ``km`` of a point, nearest first.

    A bounding box narrows the rows in SQL (indexed on latitude, longitude); the exact
    great-circle distance then filters and sorts them in Python.
    """
    if km < 0:
        return []
    dlat = km / KM_PER_DEGREE
    dlon = km / (KM_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    box = Q(latitude__range=(lat - dlat, lat + dlat))
    if dlon >= 180:
        longitudes = Q()
    else:
        west, east = lon - dlon, lon + dlon
        longitudes = Q(longitude__range=(west, east))
        # Wallis-et-Futuna sits near the antimeridian: a box may wrap around it.
        if west < -180:
            longitudes |= Q(longitude__gte=west + 360)
        if east > 180:
            longitudes |= Q(longitude__lte=east - 360)
    in_box = Commune.objects.filter(box & longitudes)
    nearby = []
    for commune in in_box.select_related("department"):
        distance = haversine_km(lat, lon, commune.latitude, commune.longitude)
        if distance <= km:
            nearby.append((distance, -commune.population, commune.insee_code, commune))
    nearby.sort(key=lambda item: item[:3])
    # Postcodes through a join on the same box rather than a prefetch: a wide radius holds
    # thousands of communes, more than an IN list may carry.
    postcodes: dict[str, list[str]] = defaultdict(list)
    rows = PostalCode.objects.filter(commune__in=in_box.values("pk")).order_by("code")
    for commune_id, code in rows.values_list("commune_id", "code"):
        postcodes[commune_id].append(code)
    return [_ref(c, tuple(postcodes[c.insee_code])) for *_, c in nearby]
