"""A won lead's end-of-work date in the pro's back office: the form on the lead's page posts
to /espace-pro/demandes/<id>/travaux-termines/ (members of the receiving company)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_POST

from apps.accounts import api as accounts
from apps.core.actor import actor_of
from apps.core.backoffice import backoffice_context_of
from apps.leads import selectors, services


@login_required
@require_POST
def work_end(request, lead_id: int):
    context = backoffice_context_of(request, accounts.backoffice_context, section="leads")
    if context is None:
        raise Http404
    actor = actor_of(request)
    lead = selectors.lead_get(actor=actor, lead_id=lead_id)  # 404 when not visible
    if lead.organization_id != context["backoffice_org"].organization_id:
        raise Http404
    try:
        ended_on = date.fromisoformat(request.POST.get("work_ended_on", "").strip())
    except ValueError:
        messages.error(request, "Date de fin des travaux illisible : choisissez une date.")
        return redirect("leads-backoffice:detail", lead_id=lead.pk)
    try:
        services.lead_work_end_set(actor=actor, lead_id=lead.pk, work_ended_on=ended_on)
    except services.LeadConflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or "Action non permise.")
    else:
        messages.success(
            request,
            f"Travaux terminés le {ended_on:%d/%m/%Y} : l'invitation à donner son avis "
            "part selon votre délai après cette date.",
        )
    return redirect("leads-backoffice:detail", lead_id=lead.pk)


app_name = "leads-work-end"
urlpatterns = [
    path("espace-pro/demandes/<id:lead_id>/travaux-termines/", work_end, name="work-end"),
]
