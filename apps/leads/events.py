"""Events the leads context publishes (through the transactional outbox of apps.core).

Payloads are plain JSON: ids, slugs, ISO 8601 strings.
"""

from dataclasses import dataclass

from apps.core.events import DomainEvent, register_event


@register_event
@dataclass(frozen=True)
class LeadDispatched(DomainEvent):
    """A pro received a lead (from an Eldo request or a network's inbound lead)."""

    name = "leads.LeadDispatched"
    lead_id: int
    pro_id: int
    organization_id: int
    quote_id: int | None
    network_id: int | None
    source: str  # quote | inbound
    category_slug: str
    department_code: str
    dispatched_at: str


@register_event
@dataclass(frozen=True)
class LeadStatusChanged(DomainEvent):
    name = "leads.LeadStatusChanged"
    lead_id: int
    pro_id: int
    organization_id: int
    from_status: str
    to_status: str
    actor_id: int | None
    reason: str
    changed_at: str
    dispatched_at: str
    # The refusal's or loss's code (models.DeclineReason / LostReason), and the lead's amounts
    # in euros after the change (decimal strings, None when not given).
    reason_code: str = ""
    quote_amount: str | None = None
    won_amount: str | None = None


@register_event
@dataclass(frozen=True)
class LeadValueChanged(DomainEvent):
    """The pro corrected an amount of a lead without changing its status."""

    name = "leads.LeadValueChanged"
    lead_id: int
    pro_id: int
    organization_id: int
    quote_amount: str | None
    won_amount: str | None
    actor_id: int | None
    changed_at: str
    dispatched_at: str


@register_event
@dataclass(frozen=True)
class LeadFirstContactOverdue(DomainEvent):
    """No first contact in time: ``stage`` "reminder" (to the pro) then "advisor"."""

    name = "leads.LeadFirstContactOverdue"
    lead_id: int
    stage: str
    overdue_since: str


@register_event
@dataclass(frozen=True)
class LeadReassigned(DomainEvent):
    """An advisor closed a lead as expired and gave the request to another pro."""

    name = "leads.LeadReassigned"
    lead_id: int
    new_lead_id: int
    quote_id: int | None
    actor_id: int | None
    reassigned_at: str


@register_event
@dataclass(frozen=True)
class LeadAssigned(DomainEvent):
    """An owner or manager gave the lead to a member (None: unassigned) — stats: per rep."""

    name = "leads.LeadAssigned"
    lead_id: int
    pro_id: int
    organization_id: int
    assigned_to_id: int | None
    actor_id: int | None
    assigned_at: str
    dispatched_at: str


@register_event
@dataclass(frozen=True)
class LeadContactCheckSent(DomainEvent):
    """The homeowner was asked "L'artisan X vous a-t-il contacté ?" about this lead (once)."""

    name = "leads.LeadContactCheckSent"
    lead_id: int
    pro_id: int
    organization_id: int
    network_id: int | None
    source: str
    asked_at: str
    dispatched_at: str


@register_event
@dataclass(frozen=True)
class HomeownerContactCheckDue(DomainEvent):
    """One e-mail to one homeowner about these leads (the pros of one request, asked together)."""

    name = "leads.HomeownerContactCheckDue"
    lead_ids: tuple[int, ...]


@register_event
@dataclass(frozen=True)
class LeadContactConfirmed(DomainEvent):
    """The homeowner answered: ``answer`` "yes" (the pro called) or "no" (contact not
    confirmed: the advisor is alerted)."""

    name = "leads.LeadContactConfirmed"
    lead_id: int
    pro_id: int
    organization_id: int
    network_id: int | None
    answer: str
    asked_at: str
    answered_at: str
    dispatched_at: str


@register_event
@dataclass(frozen=True)
class LeadWorkEnded(DomainEvent):
    """The pro gave the end-of-work date of a won lead ("travaux terminés le …")."""

    name = "leads.LeadWorkEnded"
    lead_id: int
    pro_id: int
    organization_id: int
    work_ended_on: str  # ISO date
    actor_id: int | None
