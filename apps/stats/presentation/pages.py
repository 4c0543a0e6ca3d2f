"""Back office: the statistics of a pro company or of a network (/espace-pro/statistiques/),
their CSV export, and the Eldo staff's platform KPIs (/conseiller/statistiques/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from apps.accounts import api as accounts
from apps.core.actor import MANAGING_ROLES, PARTNER_KINDS, OrganizationKind, actor_of
from apps.core.backoffice import backoffice_context_of
from apps.core.csv_export import csv_response
from apps.core.pagecache import cached_fragment
from apps.directory import api as directory
from apps.stats import selectors
from apps.stats.presentation import dashboards
from apps.stats.services import figures_generations

app_name = "stats-backoffice"
KINDS = (OrganizationKind.COMPANY, *sorted(PARTNER_KINDS))

DAILY_COLUMNS = [
    ("profile_views", "Vues du profil"),
    ("search_impressions", "Apparitions dans les recherches"),
    ("contact_clicks", "Clics contact"),
    ("quote_requests", "Demandes de devis directes"),
    ("leads_received", "Demandes reçues"),
    ("leads_viewed", "Demandes consultées"),
    ("leads_contacted", "Clients contactés"),
    ("leads_quote_sent", "Devis envoyés"),
    ("leads_won", "Demandes gagnées"),
    ("leads_lost", "Demandes perdues"),
    ("invitations_sent", "Invitations envoyées"),
    ("reviews_collected", "Avis collectés"),
    ("reviews_published", "Avis publiés"),
]
PLATFORM_COLUMNS = [
    ("quote_requests", "Demandes de devis"),
    ("quotes_qualified", "Demandes qualifiées"),
    ("quotes_rejected", "Demandes refusées"),
    ("quotes_dispatched", "Demandes transmises"),
    ("leads_received", "Mises en relation"),
    ("reviews_published", "Avis publiés"),
    ("invitations_sent", "Invitations envoyées"),
    ("reviews_collected", "Avis collectés"),
    ("pros_created", "Nouveaux pros"),
]


def _period(request) -> tuple[selectors.Period, dict]:
    """The period asked for, or the last 30 days with the French errors to show."""
    try:
        return selectors.period_from_params(request.GET), {}
    except ValidationError as exc:
        return selectors.period_from_params({}), exc.message_dict


def _range_context(request, period, errors) -> dict:
    return {
        "period": period,
        "period_errors": errors,
        "form_from": request.GET.get("from", period.start.isoformat()) if errors else "",
        "form_to": request.GET.get("to", period.end.isoformat()) if errors else "",
        "presets": selectors.presets(),
        "query": f"from={period.start.isoformat()}&to={period.end.isoformat()}",
    }


def _company_pro(request, org):
    """The company's pro profile as the actor may see it, or None (no public profile)."""
    pros = directory.pros_for_organizations([org.organization_id])
    if not pros:
        return None
    return selectors.pro_for_actor(actor=actor_of(request), slug=pros[0].slug)


def _backoffice(request):
    context = backoffice_context_of(
        request, accounts.backoffice_context, section="stats", kinds=KINDS
    )
    if context is None:
        raise Http404
    org = context["backoffice_org"]
    if org.kind != OrganizationKind.COMPANY and org.role not in MANAGING_ROLES:
        raise Http404
    return context, org


@login_required
@require_GET
def dashboard(request):
    context, org = _backoffice(request)
    period, errors = _period(request)
    context.update(_range_context(request, period, errors))
    status = 400 if errors else 200
    if org.kind != OrganizationKind.COMPANY:
        summary = selectors.network_summary(network_id=org.organization_id, period=period)
        context.update(
            {
                "summary": summary,
                "bucket_words": dashboards.BUCKET_WORDS[summary["bucket"]],
                "leads_chart": dashboards.series_chart(
                    summary,
                    [("leads_received", "Demandes transmises"), ("leads_won", "Gagnées")],
                ),
                "installer_items": [
                    {"label": i["pro"]["name"], "value": i["leads_received"]}
                    for i in summary["installers"]
                ],
            }
        )
        if org.kind == OrganizationKind.MANUFACTURER:
            brand = selectors.brand_summary(
                brand_organization_id=org.organization_id, period=period
            )
            context.update(
                {
                    "brand": brand,
                    "brand_chart": dashboards.series_chart(
                        brand,
                        [("page_views", "Vues de la page marque"), ("quote_requests", "Demandes")],
                    ),
                }
            )
        return render(request, "stats/network.html", context, status=status)
    access = _company_pro(request, org)
    if access is None:
        return render(request, "stats/pro.html", {**context, "no_profile": True}, status=status)
    context.update({"pro": access.pro, "sees_company": access.sees_company})
    if access.sees_company:
        context["figures"] = _company_figures(org.organization_id, access.pro.id, period)
    else:
        context["team"] = selectors.team_summary(
            organization_id=org.organization_id, period=period, only_user_id=request.user.pk
        )
    return render(request, "stats/pro.html", context, status=status)


def _company_figures(organization_id: int, pro_id: int, period) -> str:
    """The company's figures and charts over the period, rendered. Kept in the cache until
    a figure of the pro or of the company changes (the generations the stats' writes bump)
    or a member is renamed, joins or leaves (the members are part of the key): a page
    read again costs two cache round trips and one query instead of the aggregations."""
    members = accounts.organization_members(organization_id)

    def build() -> str:
        team = selectors.team_summary(
            organization_id=organization_id, period=period, members=members
        )
        summary = selectors.pro_summary(pro_id=pro_id, period=period)
        return render_to_string(
            "stats/_pro_figures.html",
            {
                "summary": summary,
                "team": team,
                "team_items": dashboards.team_items(team),
                "team_value_items": dashboards.team_value_items(team),
                **dashboards.pro_dashboard(summary),
            },
        )

    key = repr(
        (
            "stats:company",
            pro_id,
            organization_id,
            period.start,
            period.end,
            get_language(),
            sorted((m.user_id, m.email, m.full_name, m.role) for m in members),
        )
    )
    return cached_fragment(
        figures_generations(pro_id=pro_id, organization_id=organization_id), key, build
    )


@login_required
@require_GET
def export(request):
    """The period's figures as CSV: a company's days, a network's installers."""
    context, org = _backoffice(request)
    try:
        period = selectors.period_from_params(request.GET)
    except ValidationError as exc:
        return render(
            request,
            "stats/export_error.html",
            {**context, "errors": exc.message_dict},
            status=400,
        )
    span = f"{period.start.isoformat()}_{period.end.isoformat()}"
    if org.kind != OrganizationKind.COMPANY:
        summary = selectors.network_summary(network_id=org.organization_id, period=period)
        return csv_response(
            filename=f"eldo-reseau-{org.slug}-{span}.csv",
            header=[
                "Installateur",
                "Demandes transmises",
                "Clients contactés",
                "Contactés sous 24 h",
                "Gagnées",
                "Perdues",
                "Taux de transformation (%)",
                "Délai médian (h)",
                "Contact confirmé par le particulier (%)",
            ],
            rows=[
                [
                    i["pro"]["name"],
                    i["leads_received"],
                    i["leads_contacted"],
                    i["contacted_within_24h"],
                    i["leads_won"],
                    i["leads_lost"],
                    i["conversion_rate"],
                    i["median_response_hours"],
                    i["contact_confirmed_rate"],
                ]
                for i in summary["installers"]
            ],
        )
    access = _company_pro(request, org)
    if access is None:
        raise Http404
    if not access.sees_company:  # a sales rep: its own line only
        team = selectors.team_summary(
            organization_id=org.organization_id, period=period, only_user_id=request.user.pk
        )
        return csv_response(
            filename=f"eldo-mes-performances-{span}.csv",
            header=[
                "Commercial",
                "Demandes attribuées",
                "Contactées sous 24 h",
                "Gagnées",
                "Délai médian (h)",
            ],
            rows=[
                [
                    t["full_name"],
                    t["leads_assigned"],
                    t["contacted_within_24h"],
                    t["won"],
                    t["median_response_hours"],
                ]
                for t in team
            ],
        )
    summary = selectors.pro_summary(pro_id=access.pro.id, period=period)
    return csv_response(
        filename=f"eldo-statistiques-{access.pro.slug}-{span}.csv",
        header=["Date", *(label for _f, label in DAILY_COLUMNS)],
        rows=[[d["date"], *(d[f] for f, _l in DAILY_COLUMNS)] for d in summary["daily"]],
    )


BRAND_COLUMNS = [
    ("page_views", "Vues de la page marque"),
    ("quote_requests", "Demandes de devis depuis la page"),
    ("quotes_routed", "Transmises à un installateur certifié"),
]


@login_required
@require_GET
def brand_export(request):
    """A brand's days as CSV: views of its page, requests asked from it, routed at once.
    Only for the brand's own managers (anyone else: 404)."""
    context, org = _backoffice(request)
    if org.kind != OrganizationKind.MANUFACTURER:
        raise Http404
    try:
        period = selectors.period_from_params(request.GET)
    except ValidationError as exc:
        return render(
            request, "stats/export_error.html", {**context, "errors": exc.message_dict}, status=400
        )
    summary = selectors.brand_summary(brand_organization_id=org.organization_id, period=period)
    return csv_response(
        filename=f"eldo-marque-{org.slug}-{period.start.isoformat()}_{period.end.isoformat()}.csv",
        header=["Date", *(label for _f, label in BRAND_COLUMNS)],
        rows=[[d["date"], *(d[f] for f, _l in BRAND_COLUMNS)] for d in summary["daily"]],
    )


# --- Eldo staff -----------------------------------------------------------------------------


def _staff_or_404(request) -> None:
    if not actor_of(request).is_eldo_staff:
        raise Http404


@require_GET
def platform(request):
    _staff_or_404(request)
    period, errors = _period(request)
    summary = selectors.platform_summary(period=period)
    context = {
        **_range_context(request, period, errors),
        "summary": summary,
        "bucket_words": dashboards.BUCKET_WORDS[summary["bucket"]],
        "quotes_chart": dashboards.series_chart(
            summary,
            [
                ("quote_requests", "Demandes de devis"),
                ("quotes_qualified", "Qualifiées"),
                ("quotes_dispatched", "Transmises"),
            ],
        ),
        "reviews_chart": dashboards.series_chart(
            summary,
            [
                ("reviews_published", "Avis publiés"),
                ("invitations_sent", "Invitations envoyées"),
                ("reviews_collected", "Avis collectés"),
            ],
        ),
        "pros_chart": dashboards.series_chart(summary, [("pros_created", "Nouveaux pros")]),
    }
    return render(request, "stats/platform.html", context, status=400 if errors else 200)


@require_GET
def platform_export(request):
    _staff_or_404(request)
    try:
        period = selectors.period_from_params(request.GET)
    except ValidationError as exc:
        return render(request, "stats/export_error.html", {"errors": exc.message_dict}, status=400)
    summary = selectors.platform_summary(period=period)
    return csv_response(
        filename=f"eldo-plateforme-{period.start.isoformat()}_{period.end.isoformat()}.csv",
        header=["Date", *(label for _f, label in PLATFORM_COLUMNS)],
        rows=[[d["date"], *(d[f] for f, _l in PLATFORM_COLUMNS)] for d in summary["daily"]],
    )


urlpatterns = [
    path("espace-pro/statistiques/", dashboard, name="dashboard"),
    path("espace-pro/statistiques/export.csv", export, name="export"),
    path("espace-pro/statistiques/marque.csv", brand_export, name="brand-export"),
    path("conseiller/statistiques/", platform, name="platform"),
    path("conseiller/statistiques/export.csv", platform_export, name="platform-export"),
]
