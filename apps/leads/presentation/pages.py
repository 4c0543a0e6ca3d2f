"""Back office: the pro's lead inbox (/espace-pro/demandes/) and the network's view of the
leads it routed (/espace-pro/reseau/demandes/)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from apps.accounts import api as accounts
from apps.core.actor import MANAGING_ROLES, OrganizationKind, actor_of
from apps.core.backoffice import backoffice_context_of
from apps.core.csv_export import csv_response
from apps.directory import api as directory
from apps.leads import selectors, services
from apps.leads.models import DeclineReason, LeadStatus, LostReason

app_name = "leads-backoffice"
PAGE_SIZE = 25
INSTALLERS_PAGE_SIZE = 50

NETWORK_SPACE_KINDS = (OrganizationKind.NETWORK, OrganizationKind.MANUFACTURER)


def _page(page):
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


# No lead has this id (at most 18 digits): it marks where an id goes in a reversed URL.
_ID_PLACEHOLDER = "999999999999999999"


def _detail_url_of():
    """``reverse("leads-backoffice:detail", args=[lead_id])`` for a page of leads, reversed
    once: a reverse costs about 40 µs, one per inbox row was 1 ms a page."""
    head, tail = reverse("leads-backoffice:detail", args=[_ID_PLACEHOLDER]).split(_ID_PLACEHOLDER)
    return lambda lead_id: f"{head}{lead_id}{tail}"


def _received(created_at) -> dict[str, str]:
    """When a lead arrived, as the inbox shows it: what the template's ``date`` filters
    (in the current time zone) and ``timesince`` would print, computed once per row in
    Python rather than through four filter calls."""
    local = dateformat.DateFormat(timezone.localtime(created_at))
    return {
        "received_iso": local.format("c"),
        "received_on": local.format("d/m/Y"),
        "received_at": local.format("d/m/Y H:i"),
        "received_since": timesince(created_at),
    }


def _status_filter(request) -> str:
    value = request.GET.get("status", "")
    return value if value in LeadStatus.values else ""


def _inbox_filters(data) -> dict[str, str]:
    """The inbox's filters from a query string (or the bulk form's hidden copy of it), valid
    values only: what the inbox shows and where a bulk action sends the user back."""
    status = data.get("status", "")
    assigned = data.get("assigned", "")
    page = data.get("page", "")
    return {
        "status": status if status in LeadStatus.values else "",
        "assigned": assigned if assigned.isdigit() or assigned == "none" else "",
        "page": page if page.isdigit() else "",
    }


def _inbox_leads(request, org, filters):
    """The inbox's leads for these filters (the selectors scope them to the actor)."""
    assigned = filters["assigned"]
    return selectors.lead_list(
        actor=actor_of(request),
        organization_id=org.organization_id,
        status=filters["status"],
        assigned_to=int(assigned) if assigned.isdigit() else None,
        unassigned=assigned == "none",
    )


def _render_inbox(request, context, filters, *, selected=frozenset(), status=200):
    org = context["backoffice_org"]
    assigned = filters["assigned"]
    is_manager = org.role in MANAGING_ROLES
    qs = _inbox_leads(request, org, filters)
    page = Paginator(qs, PAGE_SIZE).get_page(filters["page"] or None)
    page, rows = _page(page)
    people = selectors.lead_people([row["lead"] for row in rows])
    assignees = selectors.people_by_ids(row["lead"].assigned_to_id for row in rows)
    detail_url = _detail_url_of()
    for row in rows:
        lead = row["lead"]
        row.update(people[lead.pk])
        row.update(_received(lead.created_at))
        assignee = assignees.get(lead.assigned_to_id)
        row["assignee"] = assignee.full_name if assignee else ""
        row["detail_url"] = detail_url(lead.pk)
    if is_manager and request.GET.get("tout") == "1":
        selected = {row["lead"].pk for row in rows}
    return render(
        request,
        "leads/backoffice/inbox.html",
        {
            **context,
            "page": page,
            "rows": rows,
            "statuses": LeadStatus.choices,
            "status": filters["status"],
            "assigned": assigned,
            "filters": filters,
            "selected": selected,
            "bulk_actions": BULK_ACTIONS,
            "members": (
                selectors.assignable_members(organization_id=org.organization_id)
                if is_manager
                else []
            ),
            "is_manager": is_manager,
        },
        status=status,
    )


@login_required
def inbox(request):
    context = backoffice_context_of(request, accounts.backoffice_context, section="leads")
    if context is None:
        raise Http404
    return _render_inbox(request, context, _inbox_filters(request.GET))


EXPORT_BATCH = 500
EXPORT_HEADER = [
    "Référence",
    "Reçue le",
    "Métier",
    "Code postal",
    "Commune",
    "Client",
    "Statut",
    "Attribuée à",
    "Montant du devis (€)",
    "Montant gagné (€)",
    "Motif",
]


def _export_rows(leads: list, names: dict[str, str]):
    people = selectors.lead_people(leads)
    assignees = selectors.people_by_ids(lead.assigned_to_id for lead in leads)
    for lead in leads:
        person = people[lead.pk]
        yield [
            lead.reference or lead.external_id,
            timezone.localtime(lead.created_at).strftime("%d/%m/%Y %H:%M"),
            names.get(lead.category_slug, lead.category_slug),
            lead.postcode,
            person["commune"],
            person["name"],
            lead.get_status_display(),
            assignees[lead.assigned_to_id].full_name if lead.assigned_to_id in assignees else "",
            lead.quote_amount,
            lead.won_amount,
            lead.reason,
        ]


@login_required
@require_GET
def export(request):
    """The inbox as CSV with its current filters (status, assignee): what the actor sees,
    a sales rep its own leads. Spreadsheet formulas are neutralised (apps.core.csv_export)."""
    context = backoffice_context_of(request, accounts.backoffice_context, section="leads")
    if context is None:
        raise Http404
    org = context["backoffice_org"]
    filters = _inbox_filters(request.GET)
    qs = _inbox_leads(request, org, filters)
    names = selectors.category_names()

    def rows():
        batch = []
        for lead in qs.iterator(chunk_size=EXPORT_BATCH):
            batch.append(lead)
            if len(batch) == EXPORT_BATCH:
                yield from _export_rows(batch, names)
                batch = []
        yield from _export_rows(batch, names)

    suffix = f"-{filters['status']}" if filters["status"] else ""
    return csv_response(
        filename=f"eldo-demandes-{org.slug}{suffix}-{timezone.localdate():%Y-%m-%d}.csv",
        header=EXPORT_HEADER,
        rows=rows(),
    )


BULK_ACTIONS = [
    (services.BulkAction.ASSIGN.value, "Attribuer à…"),
    (services.BulkAction.MARK_VIEWED.value, "Marquer comme consultées"),
]


def _bulk_summary(outcome: services.BulkOutcome) -> str:
    text = ngettext("%(n)d demande mise à jour", "%(n)d demandes mises à jour", outcome.updated) % {
        "n": outcome.updated
    }
    if outcome.skipped:
        text += ngettext(
            ", %(n)d ignorée : déjà consultée ou traitée",
            ", %(n)d ignorées : déjà consultées ou traitées",
            outcome.skipped,
        ) % {"n": outcome.skipped}
    return text + "."


@login_required
@require_POST
def bulk(request):
    """The inbox's action bar (owners and managers): one change to the ticked leads, all or
    nothing; back to the inbox with its filters (303), or the inbox again with the French
    reason (400). A selection naming a lead outside the inbox is "Sélection invalide.", the
    same for another company's lead and an unknown id."""
    context = backoffice_context_of(request, accounts.backoffice_context, section="leads")
    if context is None or context["backoffice_org"].role not in MANAGING_ROLES:
        raise Http404
    org = context["backoffice_org"]
    filters = _inbox_filters(request.POST)
    raw_ids = request.POST.getlist("leads")
    target = request.POST.get("assigned_to", "")
    selected = {int(i) for i in raw_ids if i.isdigit()}
    try:
        if len(selected) != len(set(raw_ids)) or (target and not target.isdigit()):
            raise Http404
        outcome = services.leads_bulk_update(
            actor=actor_of(request),
            organization_id=org.organization_id,
            lead_ids=sorted(selected),
            action=request.POST.get("action", ""),
            assigned_to=int(target) if target else None,
        )
    except Http404:
        messages.error(request, _("Sélection invalide."))
        return _render_inbox(request, context, filters, status=400)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _render_inbox(request, context, filters, selected=selected, status=400)
    messages.success(request, _bulk_summary(outcome))
    query = urlencode({key: value for key, value in filters.items() if value})
    url = reverse("leads-backoffice:inbox") + (f"?{query}" if query else "")
    return HttpResponseRedirect(url, status=303)


AMOUNT_FIELD = {LeadStatus.QUOTE_SENT: "quote_amount", LeadStatus.WON: "won_amount"}


def _apply(request, actor, lead_id: int) -> None:
    action = request.POST.get("action")
    if action == "status":
        status = request.POST.get("status", "")
        extra = {}
        if status in AMOUNT_FIELD:
            extra[AMOUNT_FIELD[status]] = request.POST.get("amount", "")[:40]
        services.lead_update(
            actor=actor,
            lead_id=lead_id,
            status=status,
            reason=request.POST.get("reason", ""),
            reason_code=request.POST.get("reason_code", "")[:20],
            **extra,
        )
        messages.success(request, "Statut mis à jour.")
    elif action == "assign":
        target = request.POST.get("assigned_to", "")
        services.lead_update(
            actor=actor,
            lead_id=lead_id,
            assigned_to=int(target) if target.isdigit() else None,
        )
        messages.success(request, "Attribution enregistrée.")
    elif action == "note":
        if not request.POST.get("note", "").strip():
            raise ValidationError({"note": ["La note est vide."]})
        services.lead_update(actor=actor, lead_id=lead_id, note=request.POST["note"])
        messages.success(request, "Note ajoutée.")


@login_required
def detail(request, lead_id: int):
    context = backoffice_context_of(request, accounts.backoffice_context, section="leads")
    if context is None:
        raise Http404
    org = context["backoffice_org"]
    actor = actor_of(request)
    lead = selectors.lead_get(actor=actor, lead_id=lead_id)
    if lead.organization_id != org.organization_id:
        raise Http404
    if request.method == "POST" and request.POST.get("action") == "viewed":
        # Sent by the page once it is shown (static/js/lead-viewed.js), or its button without
        # JavaScript: a GET (a link preview, a prefetch) never marks a lead viewed.
        services.lead_mark_viewed(actor=actor, lead=lead)
        if request.headers.get("X-Requested-With") == "fetch":
            return HttpResponse(status=204)  # the script reloads the page itself
        # The button without JavaScript: show the page again, with what follows "vue".
        return redirect("leads-backoffice:detail", lead_id=lead.pk)
    if request.method == "POST":
        try:
            _apply(request, actor, lead.pk)
        except services.LeadConflict as exc:
            messages.error(request, exc.message)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "Action non permise.")
        return redirect("leads-backoffice:detail", lead_id=lead.pk)
    is_manager = org.role in MANAGING_ROLES
    notes = list(lead.notes.all())
    people = selectors.people_by_ids([lead.assigned_to_id, *(n.author_id for n in notes)])

    def name_of(user_id: int | None) -> str:
        return people[user_id].full_name if user_id in people else ""

    return render(
        request,
        "leads/backoffice/detail.html",
        {
            **context,
            "lead": lead,
            "category_name": selectors.category_names().get(lead.category_slug, lead.category_slug),
            "pro": selectors.pros_for_leads([lead]).get(lead.pro_id),
            "contact": selectors.lead_contact(lead),
            "summary": selectors.lead_summary(lead, actor=actor),
            "notes": [
                {"author": name_of(n.author_id), "body": n.body, "created_at": n.created_at}
                for n in notes
            ],
            "assignee_name": name_of(lead.assigned_to_id),
            "transitions": lead.transitions.all(),
            "next_statuses": {
                s for s in services.PRO_SETTABLE if s in services.TRANSITIONS[lead.status]
            },
            "decline_reasons": DeclineReason.choices,
            "lost_reasons": LostReason.choices,
            "members": (
                selectors.assignable_members(organization_id=org.organization_id)
                if is_manager
                else []
            ),
            "is_manager": is_manager,
        },
    )


def _network_context(request, *, section: str) -> dict:
    """The back-office context of a network or manufacturer the user manages, else 404."""
    context = backoffice_context_of(
        request, accounts.backoffice_context, section=section, kinds=NETWORK_SPACE_KINDS
    )
    if context is None:
        raise Http404
    actor = actor_of(request)
    if context["backoffice_org"].organization_id not in actor.network_ids():
        raise Http404
    context["actor"] = actor
    return context


@login_required
def network_dashboard(request):
    """The network's home: its installers with their open and overdue leads, first-response
    time and conversion; each installer opens onto its leads."""
    context = _network_context(request, section="network-dashboard")
    context.pop("actor")
    network_id = context["backoffice_org"].organization_id
    # A network of hundreds of installers: the most urgent first, a page at a time.
    board = selectors.network_dashboard(
        network_id=network_id,
        overdue_before=timezone.now() - services.first_contact_delay(),
        page=request.GET.get("page"),
        per_page=INSTALLERS_PAGE_SIZE,
    )
    names = selectors.category_names()
    queue = [
        {"unrouted": u, "category_name": names.get(u.data.get("category_slug"), "")}
        for u in selectors.unrouted_queue(network_id=network_id)
    ]
    return render(
        request,
        "leads/backoffice/network_dashboard.html",
        {
            **context,
            "board": board,
            "installers": board["installers"],
            "queue": queue,
            # A manufacturer: its public brand page (if published), linked from its home.
            "brand": (
                directory.brands_by_organization_ids([network_id]).get(network_id)
                if context["backoffice_org"].kind == OrganizationKind.MANUFACTURER
                else None
            ),
            "overdue_detail": _("sans premier contact après %d h")
            % (services.first_contact_delay().total_seconds() // 3600),
        },
    )


@login_required
def network_leads(request):
    context = _network_context(request, section="network-leads")
    org, actor = context["backoffice_org"], context.pop("actor")
    pro = request.GET.get("pro", "")
    pro_id = int(pro) if pro.isdigit() else None
    qs = selectors.lead_list(
        actor=actor,
        network_id=org.organization_id,
        status=_status_filter(request),
        pro_id=pro_id,
    )
    page, rows = _page(Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")))
    summaries = selectors.lead_summaries([row["lead"] for row in rows], actor=actor)
    for row in rows:
        row["summary"] = summaries[row["lead"].pk]
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
            "installer": pros.get(pro_id) if pro_id else None,
            "pro_filter": pro_id,
        },
    )


urlpatterns = [
    path("espace-pro/demandes/", inbox, name="inbox"),
    path("espace-pro/demandes/actions/", bulk, name="bulk"),
    path("espace-pro/demandes/export.csv", export, name="export"),
    path("espace-pro/demandes/<id:lead_id>/", detail, name="detail"),
    path("espace-pro/reseau/", network_dashboard, name="network-dashboard"),
    path("espace-pro/reseau/demandes/", network_leads, name="network"),
]

from apps.leads.presentation import network_pages  # noqa: E402  (its pages, same namespace)

urlpatterns += network_pages.urlpatterns
