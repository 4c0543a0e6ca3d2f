"""The state machine's moves, shared by the advisors, the dispatch and the homeowner.

Every change of status is a conditional UPDATE (``WHERE status = <seen> [AND holder =
<advisor>]``): when two advisors act on the same request at once, exactly one UPDATE
matches and the other gets ``QuoteConflict`` (HTTP 409). Each one writes a
``QuoteTransition`` row (who, when, from, to) in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from apps.accounts import api as accounts
from apps.core.actor import Actor
from apps.quotes.models import QuoteRequest, QuoteStatus, QuoteTransition
from apps.quotes.services._common import QuoteConflict


def _require_advisor(actor: Actor) -> None:
    """Eldo advisors and platform staff qualify and dispatch requests; nobody else."""
    if not actor.is_advisor:
        raise PermissionDenied


def _status_label(status: str) -> str:
    return str(QuoteStatus(status).label).lower()


def _holder_name(quote: QuoteRequest) -> str:
    if quote.assigned_to_id is None:
        return _("un autre conseiller")
    names = accounts.user_names_by_ids([quote.assigned_to_id])
    return names.get(quote.assigned_to_id) or _("un autre conseiller")


def _check(
    quote: QuoteRequest, *, action: str, actor: Actor, allowed_from: tuple[str, ...]
) -> None:
    """Raise QuoteConflict with a French explanation when ``action`` is not allowed now."""
    if quote.anonymised_at is not None:
        raise QuoteConflict(_("Cette demande a été anonymisée : elle ne peut plus être traitée."))
    if quote.status not in allowed_from:
        raise QuoteConflict(
            _("Impossible de %(action)s cette demande : elle est « %(status)s ».")
            % {"action": action, "status": _status_label(quote.status)}
        )
    held = quote.status in (QuoteStatus.IN_QUALIFICATION, QuoteStatus.QUALIFIED)
    if held and quote.assigned_to_id != actor.user_id and not actor.is_platform_staff:
        raise QuoteConflict(
            _("Cette demande est suivie par %(name)s : seul ce conseiller peut la traiter.")
            % {"name": _holder_name(quote)}
        )


def _transition(
    quote: QuoteRequest, *, to: str, actor: Actor | None, now: datetime, note: str = "", **changes
) -> QuoteRequest:
    """Move ``quote`` from the status it was read with to ``to``, or raise QuoteConflict."""
    matched = QuoteRequest.objects.filter(
        pk=quote.pk, status=quote.status, assigned_to_id=quote.assigned_to_id
    ).update(status=to, last_activity_at=now, **changes)
    if not matched:
        raise QuoteConflict(
            _("Cette demande vient d'être modifiée par un autre conseiller : rechargez la page.")
        )
    QuoteTransition.objects.create(
        quote_id=quote.pk,
        from_status=quote.status,
        to_status=to,
        actor_id=actor.user_id if actor is not None else None,
        note=note[:300],
        created_at=now,
    )
    quote.refresh_from_db()
    return quote


def _locked(quote_id: int) -> QuoteRequest:
    """The request, its row locked until the end of the transaction (PostgreSQL)."""
    return QuoteRequest.objects.select_for_update(of=("self",)).get(pk=quote_id)
