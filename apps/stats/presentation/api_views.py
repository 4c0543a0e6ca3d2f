"""The stats API: a pro's figures, its team's, a network's — same permissions as the pages.

An unknown slug or id, or another organization's, is a 404; a sales rep asking for its
company's figures is a 403 (its own line is in /team/); a bad or absurd period is a 400
with French messages per field.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.actor import actor_of
from apps.stats import selectors
from apps.stats.presentation.serializers import (
    NetworkStatsSerializer,
    ProStatsSerializer,
    TeamStatsSerializer,
)

PERIOD = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description="Premier jour inclus (AAAA-MM-JJ) ; par défaut 29 jours avant `to`.",
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        description="Dernier jour inclus (AAAA-MM-JJ), pas dans le futur ; par défaut "
        "aujourd'hui. Période de 731 jours au plus.",
    ),
]
ERRORS = {
    400: OpenApiResponse(description="Période invalide (messages en français par champ)."),
    401: OpenApiResponse(description="Non authentifié."),
    404: OpenApiResponse(description="Inconnu ou d'une autre organisation."),
}


def _pro_ref(pro) -> dict:
    return {"id": pro.id, "slug": pro.slug, "name": pro.name}


def _period_fields(period) -> dict:
    return {"from": period.start, "to": period.end}


class ProStatsView(APIView):
    """A pro's figures over the period: visibility, leads funnel, first-response times,
    review collection, ratings, the leads' value in euros (quotes sent, pipeline, won
    revenue, win rate in count and in euros, per bucket), and the day-by-day rows. Owners,
    managers and Eldo staff."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="stats_pro",
        parameters=PERIOD,
        responses={
            200: ProStatsSerializer,
            **ERRORS,
            403: OpenApiResponse(description="Un commercial ne voit que sa ligne (/team/)."),
        },
    )
    def get(self, request, slug: str):
        access = selectors.pro_for_actor(actor=actor_of(request), slug=slug)
        selectors.require_company_view(access)
        period = selectors.period_from_params(request.query_params)
        summary = selectors.pro_summary(pro_id=access.pro.id, period=period)
        data = {
            "pro": _pro_ref(access.pro),
            **_period_fields(period),
            **{
                k: summary[k]
                for k in (
                    "totals",
                    "funnel",
                    "first_response",
                    "contact_confirmation",
                    "rating",
                    "daily",
                )
            },
            "value": {**summary["value"]["totals"], "series": summary["value"]["series"]},
        }
        return Response(ProStatsSerializer(data).data)


class ProTeamStatsView(APIView):
    """Per member of the company: leads assigned in the period, contacted within 24 h, won,
    median first-response time, and the value of its leads in euros. A sales rep gets its
    own line only."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="stats_pro_team",
        parameters=PERIOD,
        responses={200: TeamStatsSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        access = selectors.pro_for_actor(actor=actor_of(request), slug=slug)
        period = selectors.period_from_params(request.query_params)
        team = selectors.team_summary(
            organization_id=access.pro.organization_id,
            period=period,
            only_user_id=None if access.sees_company else request.user.pk,
        )
        data = {"pro": _pro_ref(access.pro), **_period_fields(period), "results": team}
        return Response(TeamStatsSerializer(data).data)


class NetworkStatsView(APIView):
    """The leads a network or manufacturer routed in the period and how each installer
    handled them. The network's owners and managers, and Eldo staff."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="stats_network",
        parameters=PERIOD,
        responses={200: NetworkStatsSerializer, **ERRORS},
    )
    def get(self, request, network_id: int):
        network = selectors.network_for_actor(actor=actor_of(request), network_id=network_id)
        period = selectors.period_from_params(request.query_params)
        summary = selectors.network_summary(network_id=network.id, period=period)
        data = {
            "network": {"id": network.id, "slug": network.slug, "name": network.name},
            **_period_fields(period),
            **{
                k: summary[k]
                for k in ("totals", "first_response", "contact_confirmation", "installers")
            },
        }
        return Response(NetworkStatsSerializer(data).data)
