"""The review-collection funnel in the back office, /espace-pro/invitations/entonnoir/:
per channel and per sales rep over a period (``?periode=30j|90j|12m``, a GET form), the
collection rate, the median time from invitation to review, the median of similar
companies, and its CSV (``export.csv``, same period).

Every member of the company sees it, like the invitations page (sales reps included: they
see the invitations of the whole company there); another organization's data is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.accounts.contracts import AccountsFacade
from apps.core.csv_export import csv_response
from apps.core.facade_ports import facade
from apps.reviews import funnel as funnels
from apps.reviews.presentation import access

accounts: AccountsFacade = facade("accounts")


class PeriodForm(forms.Form):
    periode = forms.ChoiceField(
        label="Période",
        choices=[(key, label) for key, label, _days in funnels.PERIODS],
        required=False,
        error_messages={"invalid_choice": "Période inconnue : choisissez-en une de la liste."},
    )


_scope = access.backoffice_scope


def _period(request) -> tuple[str, PeriodForm]:
    form = PeriodForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["periode"]:
        return form.cleaned_data["periode"], form
    return funnels.DEFAULT_PERIOD, form


def _funnel(request, section: str):
    context, pro = _scope(request, section)
    period, form = _period(request)
    names = {
        member.user_id: member.full_name or member.email
        for member in accounts.organization_members(pro.organization_id)
    }
    funnel = funnels.collection_funnel(pro_id=pro.id, period=period, member_names=names)
    return context, pro, period, form, funnel


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(rate * 100)}\u00a0%"


def _days(days: float | None) -> str:
    return "—" if days is None else f"{days:.1f}".replace(".", ",") + "\u00a0j"


def _row_view(row: funnels.FunnelRow) -> dict:
    return {
        "label": row.label,
        "stages": [count for _key, _label, count in row.stage_list()],
        "collection": _percent(row.collection_rate),
        "median": _days(row.median_days),
    }


@login_required
@require_GET
def funnel_page(request):
    context, pro, period, form, funnel = _funnel(request, "invitations")
    chart_items = [
        {"label": label, "value": count or 0} for _key, label, count in funnel.total.stage_list()
    ]
    return render(
        request,
        "reviews/backoffice/funnel.html",
        {
            **context,
            "pro": pro,
            "form": form,
            "period": period,
            "period_label": funnels.PERIOD_LABELS[period],
            "stages": [label for _key, label in funnels.STAGES],
            "chart_items": chart_items,
            "total": _row_view(funnel.total),
            "channels": [_row_view(row) for row in funnel.channels],
            "reps": [_row_view(row) for row in funnel.reps],
            "similar": funnel.similar,
            "similar_collection": _percent(funnel.similar.collection_rate),
            "similar_detail": (
                f"taux de collecte médian de {funnel.similar.company_count} entreprises "
                "du même métier et de la même région"
            ),
            "similar_min": funnels.SIMILAR_MIN,
        },
        status=400 if form.errors else 200,
    )


CSV_HEADER = [
    "Vue",
    "Ligne",
    *[label for _key, label in funnels.STAGES],
    "Taux de collecte (%)",
    "Délai médian invitation → avis (jours)",
]


def _csv_row(view: str, row: funnels.FunnelRow) -> list:
    rate = row.collection_rate
    return [
        view,
        row.label,
        *[count for _key, _label, count in row.stage_list()],
        None if rate is None else round(rate * 100, 1),
        row.median_days,
    ]


@login_required
@require_GET
def funnel_export(request):
    _context, pro, period, _form, funnel = _funnel(request, "invitations")
    rows = [_csv_row("Total", funnel.total)]
    rows += [_csv_row("Canal", row) for row in funnel.channels]
    rows += [_csv_row("Commercial", row) for row in funnel.reps]
    similar = funnel.similar
    if similar.shown and similar.collection_rate is not None:
        median_rate = round(similar.collection_rate * 100, 1)
        label = f"Médiane de {similar.company_count} entreprises similaires"
        rows.append(["Comparaison", label, *[None] * len(funnels.STAGES), median_rate, None])
    return csv_response(
        filename=f"entonnoir-avis-{pro.slug}-{period}.csv", header=CSV_HEADER, rows=rows
    )
