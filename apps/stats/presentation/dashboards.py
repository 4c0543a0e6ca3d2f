"""What the dashboards draw: chart geometry and figures from the selectors' summaries.

Shared by the back-office pages and the staff page; the API serializes the summaries
themselves.
"""

from __future__ import annotations

from apps.core.charts import line_chart

BUCKET_WORDS = {"day": "par jour", "week": "par semaine", "month": "par mois"}


def series_chart(summary: dict, names: list[tuple[str, str]], **options) -> dict:
    """A line chart of some of a summary's bucketed series: [(field, French name)]."""
    series = summary["series"]
    return line_chart(
        labels=[entry["label"] for entry in series],
        series=[(label, [entry[field] for entry in series]) for field, label in names],
        **options,
    )


def rating_trend_chart(summary: dict) -> dict:
    trend = summary["rating"]["trend"]
    return line_chart(
        labels=[m["label"] for m in trend],
        series=[("Note moyenne du mois", [m["average"] for m in trend])],
        decimals=2,
        max_value=5,
    )


def histogram_items(summary: dict) -> list[dict]:
    histogram = summary["rating"]["histogram"]
    return [{"label": f"{n} ★", "value": histogram[str(n)]} for n in range(5, 0, -1)]


def pro_dashboard(summary: dict) -> dict:
    totals = summary["totals"]
    return {
        "bucket_words": BUCKET_WORDS[summary["bucket"]],
        "visibility_chart": series_chart(
            summary, [("profile_views", "Vues du profil"), ("contact_clicks", "Clics contact")]
        ),
        "impressions_chart": series_chart(
            summary, [("search_impressions", "Apparitions dans les recherches")]
        ),
        "leads_chart": series_chart(
            summary, [("leads_received", "Demandes reçues"), ("leads_won", "Demandes gagnées")]
        ),
        "reviews_chart": series_chart(
            summary,
            [("invitations_sent", "Invitations envoyées"), ("reviews_collected", "Avis collectés")],
        ),
        "funnel_items": [{"label": s["label"], "value": s["count"]} for s in summary["funnel"]],
        "collection_items": [
            {"label": "Invitations envoyées", "value": totals["invitations_sent"]},
            {"label": "Avis collectés", "value": totals["reviews_collected"]},
        ],
        "histogram_items": histogram_items(summary),
        "rating_chart": rating_trend_chart(summary),
        "value_chart": value_chart(summary),
    }


def value_chart(summary: dict) -> dict:
    """Quotes sent and revenue won, in euros, per bucket of the period."""
    series = summary["value"]["series"]
    return line_chart(
        labels=[entry["label"] for entry in series],
        series=[
            ("Devis envoyés (€)", [float(entry["quotes_sent_amount"]) for entry in series]),
            ("Chiffre d'affaires gagné (€)", [float(entry["won_amount"]) for entry in series]),
        ],
    )


def team_value_items(team: list[dict]) -> list[dict]:
    return [
        {"label": line["full_name"], "value": float(line["value"]["won_amount"])} for line in team
    ]


def team_items(team: list[dict]) -> list[dict]:
    return [{"label": line["full_name"], "value": line["leads_assigned"]} for line in team]
