"""Advisors' pages of the leads context: the leads sent to pros (/conseiller/transmissions/),
the unanswered ones first in mind, and the "Réattribuer" action.

They live here rather than in the quotes console because the layers run leads → quotes:
quotes may not call the leads context, so the console links to these pages by URL instead
(`?reference=ELD-…`). Anyone who is not an advisor or staff gets 404, as in the console.
Advisors see the project and the pro's handling, not the homeowner's contact (it is in the
request's file of the console); staff see it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.actor import Actor, actor_of
from apps.leads import selectors, services
from apps.leads.models import ContactCheck, Lead, LeadSource, LeadStatus

app_name = "leads-advisor"
PAGE_SIZE = 25
REASSIGNABLE = {LeadStatus.SENT, LeadStatus.VIEWED, LeadStatus.DECLINED}
REPLACE_SHOWN = 10  # refused leads proposed for replacement on the list (one match each)


def _actor_or_404(request) -> Actor:
    actor = actor_of(request)
    if not actor.is_advisor:
        raise Http404
    return actor


def _overdue(lead: Lead, now) -> bool:
    """No first contact within the delay: the pro has not even opened it."""
    return (
        lead.status == LeadStatus.SENT and lead.created_at <= now - services.first_contact_delay()
    )


@never_cache
@require_GET
def lead_list(request):
    actor = _actor_or_404(request)
    status = request.GET.get("status", "")
    status = status if status in LeadStatus.values else ""
    reference = request.GET.get("reference", "").strip()[:40]
    overdue_only = request.GET.get("retard") == "1"
    unconfirmed_only = request.GET.get("contact") == "non"
    now = timezone.now()
    qs = selectors.lead_list(actor=actor, status=status)
    if reference:
        qs = qs.filter(reference__iexact=reference)
    if overdue_only:
        qs = qs.filter(status=LeadStatus.SENT, created_at__lte=now - services.first_contact_delay())
    if unconfirmed_only:  # the homeowner answered "non" to "vous a-t-il contacté ?"
        qs = qs.filter(contact_check=ContactCheck.NO)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    leads = list(page.object_list)
    pros = selectors.pros_for_leads(leads)
    names = selectors.category_names()
    rows = [
        {
            "lead": lead,
            "pro": pros.get(lead.pro_id),
            "category_name": names.get(lead.category_slug, lead.category_slug),
            "overdue": _overdue(lead, now),
        }
        for lead in leads
    ]
    declined = selectors.declined_to_replace(actor=actor, limit=REPLACE_SHOWN)
    declined_pros = selectors.pros_for_leads(declined)
    to_replace = [
        {
            "lead": lead,
            "pro": declined_pros.get(lead.pro_id),
            "category_name": names.get(lead.category_slug, lead.category_slug),
            "proposal": next(iter(selectors.reassign_candidates(lead, limit=5)), None),
        }
        for lead in declined
    ]
    return render(
        request,
        "leads/advisor/list.html",
        {
            "to_replace": to_replace,
            "page": page,
            "rows": rows,
            "statuses": LeadStatus.choices,
            "status": status,
            "reference": reference,
            "overdue_only": overdue_only,
            "unconfirmed_only": unconfirmed_only,
            "hours": services.first_contact_delay().total_seconds() // 3600,
        },
    )


def _timeline(lead: Lead) -> list[dict]:
    """The status changes with who made them (one call to accounts for the names)."""
    transitions = list(lead.transitions.all())
    people = selectors.people_by_ids(t.actor_id for t in transitions)

    def actor(user_id: int | None) -> str:
        person = people.get(user_id) if user_id else None
        return (person.full_name or person.email) if person else ""

    return [
        {
            "at": t.at,
            "label": t.get_to_status_display(),
            "reason": t.reason,
            "actor": actor(t.actor_id),
        }
        for t in transitions
    ]


def _render_detail(request, actor, lead: Lead, *, error: str = "", code: int = 200):
    now = timezone.now()
    reassignable = (
        lead.source == LeadSource.QUOTE
        and lead.status in REASSIGNABLE
        and lead.replaced_by_id is None
    )
    pro_ids = [lead.pro_id] + ([lead.replaced_by.pro_id] if lead.replaced_by_id else [])
    pros = selectors.pros_for_leads_ids(pro_ids)
    return render(
        request,
        "leads/advisor/detail.html",
        {
            "lead": lead,
            "pro": pros.get(lead.pro_id),
            "replacement_pro": pros.get(lead.replaced_by.pro_id) if lead.replaced_by_id else None,
            "category_name": selectors.category_names().get(lead.category_slug, lead.category_slug),
            "contact": selectors.lead_contact(lead)
            if selectors.contact_visible(actor, lead)
            else None,
            "summary": selectors.lead_summary(lead, actor=actor),
            "transitions": _timeline(lead),
            "overdue": _overdue(lead, now),
            "reassignable": reassignable,
            "candidates": selectors.reassign_candidates(lead) if reassignable else [],
            "hours": services.first_contact_delay().total_seconds() // 3600,
            "error": error,
        },
        status=code,
    )


def _lead_or_404(actor, lead_id: int) -> Lead:
    lead = selectors.lead_get(actor=actor, lead_id=lead_id)
    if lead.replaced_by_id:
        lead = Lead.objects.select_related("replaced_by").get(pk=lead.pk)
    return lead


@never_cache
@require_GET
def lead_detail(request, lead_id: int):
    actor = _actor_or_404(request)
    return _render_detail(request, actor, _lead_or_404(actor, lead_id))


@never_cache
@require_http_methods(["POST"])
def lead_reassign(request, lead_id: int):
    actor = _actor_or_404(request)
    lead = _lead_or_404(actor, lead_id)
    pro_slug = request.POST.get("pro", "").strip()[:200]
    try:
        new = services.lead_reassign(actor=actor, lead_id=lead.pk, pro_slug=pro_slug)
    except services.LeadConflict as exc:
        lead.refresh_from_db()
        return _render_detail(request, actor, lead, error=exc.message, code=409)
    except ValidationError as exc:
        return _render_detail(request, actor, lead, error=" ".join(exc.messages), code=400)
    except PermissionDenied as exc:  # pragma: no cover - advisors only reach this view
        raise Http404 from exc
    pro = selectors.pros_for_leads([new]).get(new.pro_id)
    messages.success(
        request,
        f"Demande réattribuée à {pro.name if pro else 'un autre artisan'} : "
        "le particulier en est informé par e-mail.",
    )
    return redirect("leads-advisor:detail", lead_id=new.pk)


urlpatterns = [
    path("conseiller/transmissions/", lead_list, name="list"),
    path("conseiller/transmissions/<id:lead_id>/", lead_detail, name="detail"),
    path("conseiller/transmissions/<id:lead_id>/reattribuer/", lead_reassign, name="reassign"),
]
