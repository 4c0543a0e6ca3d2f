"""Events the quotes context publishes (through the transactional outbox of apps.core).

Payloads are plain JSON: ids, slugs, ISO 8601 strings. The leads context creates the leads
of a request from ``QuoteDispatchRequested`` (and reads the details with
``apps.quotes.api.quote_by_id``).
"""

from dataclasses import dataclass

from apps.core.events import DomainEvent, register_event


@register_event
@dataclass(frozen=True)
class QuoteSubmitted(DomainEvent):
    name = "quotes.QuoteSubmitted"
    quote_id: int
    reference: str
    kind: str  # quote | callback
    category_slug: str
    department_code: str
    target_pro_id: int | None = None
    # A request from a brand's page: the brand's organization routes it (leads).
    brand_organization_id: int | None = None


@register_event
@dataclass(frozen=True)
class QuoteSubmissionAttached(DomainEvent):
    """A resubmission by the same person became a note on the request ``quote_id``;
    ``receipt_id`` is the closed receipt the submitter was answered with."""

    name = "quotes.QuoteSubmissionAttached"
    quote_id: int
    reference: str
    receipt_id: int


@register_event
@dataclass(frozen=True)
class QuoteQualified(DomainEvent):
    name = "quotes.QuoteQualified"
    quote_id: int
    reference: str
    category_slug: str
    postcode: str
    department_code: str
    advisor_id: int | None
    qualified_at: str


@register_event
@dataclass(frozen=True)
class QuoteRejected(DomainEvent):
    name = "quotes.QuoteRejected"
    quote_id: int
    reference: str
    reason: str
    advisor_id: int | None
    rejected_at: str


@register_event
@dataclass(frozen=True)
class QuoteMarkedUnreachable(DomainEvent):
    name = "quotes.QuoteMarkedUnreachable"
    quote_id: int
    reference: str
    failed_calls: int
    advisor_id: int | None
    marked_at: str


@register_event
@dataclass(frozen=True)
class QuoteDispatchRequested(DomainEvent):
    """The advisor chose up to three pros: the leads context creates one lead per pro."""

    name = "quotes.QuoteDispatchRequested"
    quote_id: int
    reference: str
    pro_ids: list[int]
    pro_slugs: list[str]
    category_slug: str
    postcode: str
    department_code: str
    advisor_id: int | None
    requested_at: str


@register_event
@dataclass(frozen=True)
class QuoteClaimed(DomainEvent):
    """An advisor took a request (audit log)."""

    name = "quotes.QuoteClaimed"
    quote_id: int
    reference: str
    from_status: str
    advisor_id: int | None
    claimed_at: str


@register_event
@dataclass(frozen=True)
class QuoteCallLogged(DomainEvent):
    """An advisor logged a call to the homeowner (audit log; notes stay in quotes)."""

    name = "quotes.QuoteCallLogged"
    quote_id: int
    reference: str
    call_id: int
    outcome: str
    advisor_id: int | None
    called_at: str


@register_event
@dataclass(frozen=True)
class QuoteRequestsAnonymised(DomainEvent):
    """These requests lost their personal data: contexts holding copies drop theirs too.

    ``reason``: "retention" (three years without activity) or "erasure" (the homeowner
    erased their account).
    """

    name = "quotes.QuoteRequestsAnonymised"
    quote_ids: list[int]
    reason: str
    anonymised_at: str
