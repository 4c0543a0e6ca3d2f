"""The network's routing rules over the API (/api/v1/network/rules/): the same services as
the rules page — list, create, change (pause/resume with ``is_active``), delete, and the
preview of who would receive a lead of a trade in a postcode. A partner API key acts for
its own organization; a JWT for the first network its user manages (``?network=<id>`` for
another). Unknown départements or trades → 400 by field; another network's rule → 404."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.leads import selectors, services
from apps.leads.presentation.api_views import inbound_actor
from apps.leads.presentation.partner_auth import PartnerApiKeyAuthentication
from apps.leads.presentation.serializers import LeadProSerializer

NETWORK = OpenApiParameter("network", int, description="Network id (default: your first).")
ERRORS = {
    400: OpenApiResponse(description="Champs invalides (messages en français par champ)."),
    401: OpenApiResponse(description="Non authentifié."),
    403: OpenApiResponse(description="Réservé aux réseaux et industriels."),
    404: OpenApiResponse(description="Règle inconnue ou d'un autre réseau."),
}


class RuleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pro = LeadProSerializer(allow_null=True)
    department_codes = serializers.ListField(child=serializers.CharField(), help_text="[]: all")
    category_slugs = serializers.ListField(child=serializers.CharField(), help_text="[]: all")
    priority = serializers.IntegerField(help_text="1 is served first where rules overlap.")
    weight = serializers.IntegerField(help_text="Share of leads among equal priorities.")
    monthly_cap = serializers.IntegerField(allow_null=True)
    is_active = serializers.BooleanField(help_text="false: paused.")
    overlaps = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the active rules this one meets."
    )


class RuleInputSerializer(serializers.Serializer):
    pro = serializers.SlugField(required=False, help_text="Creation only: the pro's slug.")
    department_codes = serializers.ListField(child=serializers.CharField(), required=False)
    category_slugs = serializers.ListField(child=serializers.CharField(), required=False)
    priority = serializers.IntegerField(required=False)
    weight = serializers.IntegerField(required=False)
    monthly_cap = serializers.IntegerField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class PreviewRowSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField()
    pro = LeadProSerializer(allow_null=True)
    eligible = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why not (French); empty when eligible.")


class PreviewSerializer(serializers.Serializer):
    chosen = LeadProSerializer(allow_null=True, help_text="null: it would wait « à router ».")
    installers = PreviewRowSerializer(many=True)


def _pro(pro) -> dict | None:
    return {"id": pro.id, "slug": pro.slug, "name": pro.name} if pro else None


class _NetworkView(APIView):
    authentication_classes = [
        *api_settings.DEFAULT_AUTHENTICATION_CLASSES,
        PartnerApiKeyAuthentication,
    ]
    permission_classes = [permissions.IsAuthenticated]

    def network(self, request):
        actor = inbound_actor(request)
        if not actor.network_ids():
            raise PermissionDenied()
        wanted = request.query_params.get("network", "")
        network_id = int(wanted) if wanted.isdigit() else min(actor.network_ids())
        if network_id not in actor.network_ids():
            raise Http404
        return actor, network_id

    def rows(self, network_id: int, only: int | None = None) -> list[dict]:
        rules = selectors.network_installers(network_id=network_id)
        pros = selectors.pros_for_leads_ids([r.pro_id for r in rules])
        overlaps = services.rule_overlaps(rules)
        return [
            {
                "id": r.pk,
                "pro": _pro(pros.get(r.pro_id)),
                "department_codes": r.department_codes,
                "category_slugs": r.category_slugs,
                "priority": r.priority,
                "weight": r.weight,
                "monthly_cap": r.monthly_cap,
                "is_active": r.is_active,
                "overlaps": [o.pk for o in overlaps.get(r.pk, [])],
            }
            for r in rules
            if only is None or r.pk == only
        ]


class RoutingRuleListView(_NetworkView):
    @extend_schema(parameters=[NETWORK], responses={200: RuleSerializer(many=True), **ERRORS})
    def get(self, request):
        _actor, network_id = self.network(request)
        return Response(RuleSerializer(self.rows(network_id), many=True).data)

    @extend_schema(
        parameters=[NETWORK],
        request=RuleInputSerializer,
        responses={201: RuleSerializer, **ERRORS},
    )
    def post(self, request):
        actor, network_id = self.network(request)
        body = RuleInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        rule = services.network_rule_create(
            actor=actor, network_id=network_id, pro_slug=data.pop("pro", ""), data=data
        )
        row = self.rows(network_id, only=rule.pk)[0]
        return Response(RuleSerializer(row).data, status=status.HTTP_201_CREATED)


class RoutingRuleDetailView(_NetworkView):
    @extend_schema(
        parameters=[NETWORK],
        request=RuleInputSerializer,
        responses={200: RuleSerializer, **ERRORS},
    )
    def patch(self, request, rule_id: int):
        actor, network_id = self.network(request)
        body = RuleInputSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if k != "pro"}
        services.network_rule_update(actor=actor, network_id=network_id, rule_id=rule_id, data=data)
        return Response(RuleSerializer(self.rows(network_id, only=rule_id)[0]).data)

    @extend_schema(parameters=[NETWORK], responses={204: None, **ERRORS})
    def delete(self, request, rule_id: int):
        actor, network_id = self.network(request)
        services.network_rule_delete(actor=actor, network_id=network_id, rule_id=rule_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoutingPreviewView(_NetworkView):
    """Who would receive a lead of this trade in this postcode, and why not the others."""

    @extend_schema(
        parameters=[
            NETWORK,
            OpenApiParameter("category", str, required=True, description="Trade slug."),
            OpenApiParameter("postcode", str, required=True),
        ],
        responses={200: PreviewSerializer, **ERRORS},
    )
    def get(self, request):
        actor, network_id = self.network(request)
        verdicts, chosen = services.routing_preview(
            actor=actor,
            network_id=network_id,
            category_slug=request.query_params.get("category", "").strip(),
            postcode=request.query_params.get("postcode", "").strip(),
        )
        pros = selectors.pros_for_leads_ids([v.installer.pro_id for v in verdicts])
        body = {
            "chosen": _pro(pros.get(chosen.pro_id)) if chosen else None,
            "installers": [
                {
                    "rule_id": v.installer.pk,
                    "pro": _pro(pros.get(v.installer.pro_id)),
                    "eligible": v.eligible,
                    "reason": v.reason,
                }
                for v in verdicts
            ],
        }
        return Response(PreviewSerializer(body).data)
