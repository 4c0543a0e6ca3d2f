"""Plain data that crosses the quotes boundary (no Django imports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class HomeownerContact:
    """Who to call about a request. Empty strings once the request has been anonymised."""

    first_name: str
    last_name: str
    email: str
    phone: str  # E.164, e.g. "+33612345678"
    callback_slot: str  # any | morning | lunch | afternoon | evening


@dataclass(frozen=True)
class DispatchedPro:
    pro_id: int
    pro_slug: str
    pro_name: str


@dataclass(frozen=True)
class QualificationSummary:
    """What the advisor learnt on the phone, for the pros who receive the request.

    Codes with their French labels ("" when unknown). No contact (name, e-mail, phone):
    callers that may show it read ``QuoteRequestInfo.contact``. ``address`` is the street
    address of the works, when the request has one: personal data, for the receiving pro only.
    """

    quote_id: int
    reference: str
    property_type: str
    property_type_label: str
    budget_range: str
    budget_range_label: str
    timeline: str
    timeline_label: str
    callback_slot: str
    callback_slot_label: str
    postcode: str
    commune_name: str
    department_code: str
    address: str
    pro_note: str
    qualified_at: datetime | None


@dataclass(frozen=True)
class QuoteRequestInfo:
    """A quote or callback request as the leads context needs it to create leads."""

    id: int
    reference: str  # "ELD-2026-000123"
    kind: str  # quote | callback
    status: str  # new | in_qualification | qualified | dispatched | rejected | unreachable
    category_slug: str
    description: str
    postcode: str
    commune_insee: str
    commune_name: str
    department_code: str
    address: str
    budget_range: str
    timeline: str
    property_type: str
    target_pro_id: int | None
    target_pro_slug: str
    contact: HomeownerContact
    created_at: datetime
    qualified_at: datetime | None
    dispatched_at: datetime | None
    advisor_id: int | None
    dispatched_pros: tuple[DispatchedPro, ...] = field(default_factory=tuple)
    anonymised: bool = False
    # The homeowner's closing from "Mes projets": "" (open), "done" or "abandoned".
    homeowner_outcome: str = ""
    homeowner_outcome_pro_id: int | None = None
    homeowner_closed_at: datetime | None = None
    # Asked from a brand's page: the brand's organization id (routed among its installers).
    brand_organization_id: int | None = None


@dataclass(frozen=True)
class BudgetSpread:
    """The budgets advisors qualified for a trade in an area, as ranges of euros: the
    median request's range and the ranges holding the middle half of the requests (from
    the first to the third quartile). ``None`` bounds are open: no floor ("moins de
    5 000 €") or no ceiling ("plus de 50 000 €")."""

    count: int  # qualified requests with a known budget
    median_low: int | None
    median_high: int | None
    half_low: int | None
    half_high: int | None
