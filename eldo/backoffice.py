"""The pro's back-office dashboard: composed from each context's public api."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path

from apps.accounts import api as accounts
from apps.core.actor import OrganizationKind, actor_of
from apps.core.backoffice import backoffice_context_of, backoffice_membership_of
from apps.directory import api as directory
from apps.leads import api as leads

app_name = "backoffice"
PARTNER_SPACE_KINDS = (OrganizationKind.NETWORK, OrganizationKind.MANUFACTURER)


def _profile_checklist(facts: dict) -> list[dict]:
    """What makes a profile convincing, from ``directory.pro_dashboard_facts``."""
    return [
        {
            "label": "Une présentation d'au moins 200 caractères",
            "done": facts["description_length"] >= 200,
        },
        {"label": "Un logo", "done": facts["has_logo"]},
        {"label": "Au moins 3 photos de réalisations", "done": facts["photo_count"] >= 3},
        {
            "label": "Un label ou une certification en cours de validité",
            "done": facts["has_valid_label"],
        },
        {
            "label": "Un téléphone et un site web",
            "done": facts["has_phone"] and facts["has_website"],
        },
    ]


@login_required
def dashboard(request):
    context = backoffice_context_of(request, accounts.backoffice_context, section="dashboard")
    if context is None:
        # A network or manufacturer has its own space: /espace-pro/ leads there.
        if backoffice_membership_of(
            request,
            accounts.backoffice_membership,
            kinds=PARTNER_SPACE_KINDS,
        ):
            return redirect("leads-backoffice:network-dashboard")
        raise Http404
    org = context["backoffice_org"]
    pros = directory.pros_for_organizations([org.organization_id])
    profile = directory.pro_dashboard_facts(pros[0].id) if pros else None
    checklist = _profile_checklist(profile) if profile else []
    if org.kind == OrganizationKind.COMPANY:
        context["to_contact"] = leads.dashboard_leads(
            actor=actor_of(request), organization_id=org.organization_id
        )
    context.update(
        {
            "profile": profile,
            "checklist": checklist,
            "completeness": round(100 * sum(i["done"] for i in checklist) / len(checklist))
            if checklist
            else 0,
        }
    )
    return render(request, "backoffice/dashboard.html", context)


urlpatterns = [path("espace-pro/", dashboard, name="dashboard")]
