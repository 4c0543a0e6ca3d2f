"""The homeowner's space, "Mes projets": their requests, the pros chosen for each, whether
each pro called them, and the two things they can do — ask for another pro, close the
project (done with one of the pros, or abandoned).

The requests belong to quotes, the reviews to reviews; this context holds the leads (who
was chosen, who confirmed the call) and ties the three together through their ``api``.
A homeowner is matched on their *verified* address only (accounts: magic link): an
account someone opened with another person's e-mail sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts import api as accounts
from apps.core.errors import NotFound
from apps.core.facade_ports import facade
from apps.directory import api as directory
from apps.leads.models import ContactCheck, Lead
from apps.quotes import api as quotes
from apps.quotes.contracts import QuoteRequestInfo
from apps.reviews.contracts import ReviewsFacade

reviews: ReviewsFacade = facade("reviews")

# The homeowner's words for each step of their request.
STATUS_LABELS = {
    "new": "Reçue, un conseiller va vous appeler",
    "in_qualification": "Un conseiller étudie votre projet",
    "qualified": "Qualifiée, artisans en cours de sélection",
    "dispatched": "Transmise aux artisans",
    "rejected": "Refusée",
    "unreachable": "Nous n'avons pas pu vous joindre",
}
OUTCOME_LABELS = {"done": "Travaux réalisés", "abandoned": "Projet abandonné"}
CONTACT_LABELS = {
    ContactCheck.YES: "Vous a contacté",
    ContactCheck.NO: "Ne vous a pas contacté",
}


@dataclass(frozen=True)
class ProjectPro:
    pro_id: int
    pro_name: str
    pro_slug: str
    # "yes" / "no": the homeowner's own answer; "" not answered yet.
    contact_confirmed: str
    contact_label: str


@dataclass(frozen=True)
class Project:
    quote_id: int
    reference: str
    kind: str
    status: str
    status_label: str
    category_name: str
    description: str
    commune_name: str
    postcode: str
    created_at: datetime
    dispatched_at: datetime | None
    outcome: str  # "" open | done | abandoned
    outcome_label: str
    outcome_pro_id: int | None
    closed_at: datetime | None
    pros: tuple[ProjectPro, ...]
    can_reopen: bool
    can_close: bool


class ProjectNotFound(NotFound):
    """Not this homeowner's request (→ 404)."""


def contact_confirmations(quote_ids: list[int]) -> dict[tuple[int, int], str]:
    """{(quote_id, pro_id): "yes" | "no" | ""} — the homeowner's answer to "L'artisan X
    vous a-t-il contacté ?" for each lead of these requests (one query)."""
    rows = Lead.objects.filter(quote_id__in=quote_ids).values_list(
        "quote_id", "pro_id", "contact_check"
    )
    return {
        (quote_id, pro_id): check if check in (ContactCheck.YES, ContactCheck.NO) else ""
        for quote_id, pro_id, check in rows
    }


def _project(info: QuoteRequestInfo, *, checks: dict, categories: dict) -> Project:
    open_ = not info.homeowner_outcome and not info.anonymised
    return Project(
        quote_id=info.id,
        reference=info.reference,
        kind=info.kind,
        status=info.status,
        status_label=STATUS_LABELS.get(info.status, info.status),
        category_name=categories.get(info.category_slug, ""),
        description=info.description,
        commune_name=info.commune_name,
        postcode=info.postcode,
        created_at=info.created_at,
        dispatched_at=info.dispatched_at,
        outcome=info.homeowner_outcome,
        outcome_label=OUTCOME_LABELS.get(info.homeowner_outcome, ""),
        outcome_pro_id=info.homeowner_outcome_pro_id,
        closed_at=info.homeowner_closed_at,
        pros=tuple(
            ProjectPro(
                pro_id=pro.pro_id,
                pro_name=pro.pro_name,
                pro_slug=pro.pro_slug,
                contact_confirmed=(answer := checks.get((info.id, pro.pro_id), "")),
                contact_label=CONTACT_LABELS.get(answer, "Pas encore confirmé"),
            )
            for pro in info.dispatched_pros
        ),
        can_reopen=open_ and info.status == "dispatched",
        can_close=open_ and info.status not in ("rejected", "unreachable"),
    )


def homeowner_projects(*, user_id: int) -> list[Project]:
    """Every request of this person (matched on their verified address), newest first.
    A fixed number of queries whatever the number of requests."""
    email = accounts.verified_email_for_user_id(user_id)
    if not email:
        return []
    infos = quotes.homeowner_quotes(email)
    if not infos:
        return []
    checks = contact_confirmations([info.id for info in infos])
    categories = {c.slug: c.name for c in directory.categories()}
    return [_project(info, checks=checks, categories=categories) for info in infos]


def homeowner_project(*, user_id: int, quote_id: int) -> Project:
    for project in homeowner_projects(user_id=user_id):
        if project.quote_id == quote_id:
            return project
    raise ProjectNotFound


def _email_or_404(user_id: int) -> str:
    email = accounts.verified_email_for_user_id(user_id)
    if not email:
        raise ProjectNotFound
    return email


def homeowner_project_reopen(*, user_id: int, quote_id: int, note: str = "") -> Project:
    """ "Demander un autre artisan": the request goes back to the advisors' queue."""
    email = _email_or_404(user_id)
    if quotes.homeowner_quote_reopen(quote_id=quote_id, email=email, note=note) is None:
        raise ProjectNotFound
    return homeowner_project(user_id=user_id, quote_id=quote_id)


@dataclass(frozen=True)
class Closing:
    project: Project
    invitation_id: int | None  # the "avis vérifié" invitation sent for the chosen pro
    invitation_error: str


def homeowner_project_close(
    *, user_id: int, quote_id: int, outcome: str, pro_id: int | None = None
) -> Closing:
    """ "Clôturer le projet". Done with one of the chosen pros: Eldo invites the homeowner
    to review that pro, and the review written through it is labelled "Avis vérifié"
    (Eldo dispatched the job). An invitation refused by the reviews rules (already invited
    lately, opted out) does not undo the closing; its reason is returned."""
    email = _email_or_404(user_id)
    invitation_id, invitation_error = None, ""
    with transaction.atomic():
        info = quotes.homeowner_quote_close(
            quote_id=quote_id, email=email, outcome=outcome, pro_id=pro_id
        )
        if info is None:
            raise ProjectNotFound
        lead = (
            Lead.objects.filter(quote_id=quote_id, pro_id=pro_id).first()
            if outcome == "done"
            else None
        )
        if lead is not None:
            category = {c.slug: c.name for c in directory.categories()}.get(info.category_slug)
            try:
                with transaction.atomic():
                    invitation_id = reviews.eldo_review_request_create(
                        pro_id=lead.pro_id,
                        organization_id=lead.organization_id,
                        customer_name=info.contact.first_name or lead.first_name or "Client",
                        customer_email=email,
                        work_description=(category or info.description or "Vos travaux")[:300],
                        work_date=timezone.localdate(),
                        lead_id=lead.pk,
                    )
            except ValidationError as exc:
                invitation_error = " ".join(exc.messages)
    return Closing(
        project=homeowner_project(user_id=user_id, quote_id=quote_id),
        invitation_id=invitation_id,
        invitation_error=invitation_error,
    )
