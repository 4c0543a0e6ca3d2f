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
