"""Plain data that crosses the directory boundary (no Django imports)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# typing_extensions' TypedDict: pydantic (facades over HTTP) needs it on Python < 3.12.
from typing_extensions import TypedDict


@dataclass(frozen=True)
class CommuneRef:
    insee_code: str
    name: str
    slug: str
    postcodes: tuple[str, ...]
    department_code: str
    department_name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class CategoryRef:
    slug: str
    name: str
    icon: str
    description: str
    parent_slug: str | None


@dataclass(frozen=True)
class ProRef:
    """What other contexts need to name and link a pro."""

    id: int
    slug: str
    name: str
    organization_id: int
    commune_name: str
    postcode: str
    department_code: str


@dataclass(frozen=True)
class ProMatch:
    """A pro that could take a project: what an advisor needs to choose."""

    pro: ProRef
    score: float
    rating_average: float
    review_count: int
    distance_km: float | None
    monthly_lead_cap: int
    reasons: tuple[str, ...]  # French, e.g. "Intervient en Haute-Garonne (31)"


@dataclass(frozen=True)
class ProCapacity:
    """A pro's monthly lead cap and what is left of it this month."""

    pro_id: int
    monthly_lead_cap: int
    leads_this_month: int
    remaining: int
    last_served_at: datetime | None


@dataclass(frozen=True)
class BrandRef:
    """A manufacturer's published brand page, as other contexts name and link it."""

    id: int
    slug: str
    name: str
    organization_id: int  # the accounts organization (kind "manufacturer") behind it
    url: str  # /marques/<slug>/


@dataclass(frozen=True)
class SitemapSection:
    """A section of /sitemap.xml listing directory pages (composed by eldo.sitemaps)."""

    name: str  # "pros", "categories", "trade-towns", "brands"
    changefreq: str
    priority: float
    limit: int  # locations per sitemap page


@dataclass(frozen=True)
class SitemapEntry:
    location: str  # a path: /pro/<slug>/
    lastmod: datetime | None


# The page name (apps.core.page_sections) under which the contexts above the directory add
# sections to the trade × place landing pages.
LANDING_SECTIONS_PAGE = "directory.landing"


@dataclass(frozen=True)
class LandingArea:
    """A trade × place landing page's area, for the sections other contexts add to it:
    the trade and its sub-trades, the place's départements and the published pros the
    page lists (at most the facade's ``pro_limit``)."""

    category_slugs: tuple[str, ...]
    department_codes: tuple[str, ...]
    pro_ids: tuple[int, ...]


# The public profile as GET /api/v1/pros/{slug}/ returns it, plus the pro's ``id`` and its
# trades' names (``category_items``): JSON values only (strings, numbers, lists, dicts).
ProProfileData = dict[str, Any]


class ProRatings(TypedDict):
    """A pro's review aggregates, computed by reviews and stored by the directory."""

    pro_id: int
    average: float
    count: int
    histogram: dict[str, int]  # {"1": n, …, "5": n}
    criteria: dict[str, float]  # {"quality": 4.5, …}
    score: float


class DirectoryFacade(Protocol):
    """What other contexts call on the directory (``facade("directory")``), in-process or
    over HTTP (apps.core.remote_facades): the signatures of ``apps.directory.api``'s
    functions."""

    def categories(self) -> list[CategoryRef]: ...

    def communes_for_postcode(self, code: str) -> list[CommuneRef]: ...

    def listing_cache_generation(self) -> str: ...

    def pro_cache_generation(self, pro_id: int) -> str: ...

    def pro_ids_by_slug(self, *, limit: int | None = None) -> dict[str, int]: ...

    def pro_profile(self, slug: str) -> ProProfileData | None: ...

    def pro_ratings_store_many(self, ratings: list[ProRatings]) -> int: ...

    def pros_by_ids(self, ids: list[int]) -> dict[int, ProRef]: ...

    def pros_by_slugs(self, slugs: list[str]) -> dict[str, ProRef]: ...

    def pros_competing(self, *, pro_id: int, other_pro_ids: list[int]) -> set[int]: ...

    def pros_for_organizations(self, organization_ids: list[int]) -> list[ProRef]: ...

    def pros_similar(self, *, pro_id: int) -> list[int]: ...
