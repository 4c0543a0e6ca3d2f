"""Back office: the pro's lead inbox (/espace-pro/demandes/) and the network's view of the
leads it routed (/espace-pro/reseau/demandes/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from apps.accounts import api as accounts
from apps.leads import selectors, services
from apps.leads.models import LeadStatus

app_name = "leads-backoffice"
PAGE_SIZE = 25


def _page(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    pros = selectors.pros_for_leads(list(page.object_list))
    names = selectors.category_names()
    rows = [
        {
            "lead": lead,
            "pro": pros.get(lead.pro_id),
            "category_name": names.get(lead.category_slug, lead.category_slug),
        }
        for lead in page.object_list
    ]
    return page, rows


def _status_filter(request) -> str:
    value = request.GET.get("status", "")
    return value if value in LeadStatus.values else ""


@login_required
def inbox(request):
    context = accounts.backoffice_context(request, section="leads")
    if context is None:
        raise Http404
    org = context["backoffice_org"]
    viewer = selectors.viewer_for(request.user)
    assigned = request.GET.get("assigned", "")
    is_manager = org.role in selectors.MANAGING_ROLES
    qs = selectors.lead_list(
        viewer=viewer,
        organization_id=org.organization_id,
        status=_status_filter(request),
        assigned_to=int(assigned) if assigned.isdigit() else None,
        unassigned=assigned == "none",
    )
    page, rows = _page(request, qs)
    return render(
        request,
        "leads/backoffice/inbox.html",
        {
            **context,
            "page": page,
            "rows": rows,
            "statuses": LeadStatus.choices,
            "status": _status_filter(request),
            "assigned": assigned,
            "members": (
                selectors.assignable_members(organization_id=org.organization_id)
                if is_manager
                else []
            ),
            "is_manager": is_manager,
        },
    )


def _apply(request, viewer, lead_id: int) -> None:
    action = request.POST.get("action")
    if action == "status":
        services.lead_update(
            viewer=viewer,
            lead_id=lead_id,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, "Statut mis à jour.")
    elif action == "assign":
        target = request.POST.get("assigned_to", "")
        services.lead_update(
            viewer=viewer,
            lead_id=lead_id,
            assigned_to=int(target) if target.isdigit() else None,
        )
        messages.success(request, "Attribution enregistrée.")
    elif action == "note":
        if not request.POST.get("note", "").strip():
            raise ValidationError({"note": ["La note est vide."]})
        services.lead_update(viewer=viewer, lead_id=lead_id, note=request.POST["note"])
        messages.success(request, "Note ajoutée.")


@login_required
def detail(request, lead_id: int):
    context = accounts.backoffice_context(request, section="leads")
    if context is None:
        raise Http404
    org = context["backoffice_org"]
    viewer = selectors.viewer_for(request.user)
    lead = selectors.lead_get(viewer=viewer, lead_id=lead_id)
    if lead.organization_id != org.organization_id:
        raise Http404
    if request.method == "POST":
        try:
            _apply(request, viewer, lead.pk)
        except services.LeadConflict as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "Action non permise.")
        return redirect("leads-backoffice:detail", lead_id=lead.pk)
    lead = services.lead_mark_viewed(viewer=viewer, lead=lead)
    is_manager = org.role in selectors.MANAGING_ROLES
    return render(
        request,
        "leads/backoffice/detail.html",
        {
            **context,
            "lead": lead,
            "category_name": selectors.category_names().get(lead.category_slug, lead.category_slug),
            "pro": selectors.pros_for_leads([lead]).get(lead.pro_id),
            "contact": selectors.lead_contact(lead),
            "notes": lead.notes.select_related("author"),
            "transitions": lead.transitions.all(),
            "next_statuses": [
                (s, LeadStatus(s).label)
                for s in services.PRO_SETTABLE
                if s in services.TRANSITIONS[lead.status]
            ],
            "members": (
                selectors.assignable_members(organization_id=org.organization_id)
                if is_manager
                else []
            ),
            "is_manager": is_manager,
        },
    )


@login_required
def network_leads(request):
    context = accounts.backoffice_context(
        request, section="network-leads", kinds=("network", "manufacturer")
    )
    if context is None:
        raise Http404
    org = context["backoffice_org"]
    viewer = selectors.viewer_for(request.user)
    if org.organization_id not in viewer.network_ids:
        raise Http404
    qs = selectors.lead_list(
        viewer=viewer, network_id=org.organization_id, status=_status_filter(request)
    )
    page, rows = _page(request, qs)
    installers = selectors.network_installers(network_id=org.organization_id)
    pros = selectors.pros_for_leads_ids([i.pro_id for i in installers])
    return render(
        request,
        "leads/backoffice/network.html",
        {
            **context,
            "page": page,
            "rows": rows,
            "statuses": LeadStatus.choices,
            "status": _status_filter(request),
            "installers": [{"rule": i, "pro": pros.get(i.pro_id)} for i in installers],
        },
    )


urlpatterns = [
    path("espace-pro/demandes/", inbox, name="inbox"),
    path("espace-pro/demandes/<int:lead_id>/", detail, name="detail"),
    path("espace-pro/reseau/demandes/", network_leads, name="network"),
]
