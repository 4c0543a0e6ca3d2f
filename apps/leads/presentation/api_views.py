"""The leads API: the pro's inbox, the advisor's reassignment, partners' inbound leads.

Visibility is the selectors' (apps.leads.selectors): a lead the caller may not see is a
404; a change the lifecycle forbids is a 409.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.accounts.contracts import PartnerCredential, UserRef
from apps.core.actor import Actor, MemberRole, actor_membership, actor_of
from apps.core.throttling import ScopedRateThrottle
from apps.leads import selectors, services
from apps.leads.models import Lead
from apps.leads.presentation.partner_auth import PartnerApiKeyAuthentication
from apps.leads.presentation.serializers import (
    InboundLeadResultSerializer,
    InboundLeadSerializer,
    LeadDetailSerializer,
    LeadListFilterSerializer,
    LeadSerializer,
    LeadUpdateSerializer,
    ReassignSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Champs invalides (messages en français par champ)."),
    401: OpenApiResponse(description="Non authentifié."),
    403: OpenApiResponse(description="Action non permise à ce rôle."),
    404: OpenApiResponse(description="Demande inconnue ou d'une autre organisation."),
    409: OpenApiResponse(description="Transition de statut impossible."),
}


def lead_row(lead, pros: dict, actor, people: dict[int, UserRef]) -> dict:
    pro = pros.get(lead.pro_id)
    user = people.get(lead.assigned_to_id)
    # The assignee's address only inside the receiving company: a network or an advisor
    # sees the name.
    email_shown = actor.is_member_of(lead.organization_id)
    return {
        **{f: getattr(lead, f) for f in LeadSerializer().fields if hasattr(lead, f)},
        "category_slug": lead.category_slug,
        "department_code": lead.department_code,
        "pro": {"id": pro.id, "slug": pro.slug, "name": pro.name} if pro else None,
        "assigned_to": (
            {
                "id": user.user_id,
                "email": user.email if email_shown else None,
                "full_name": user.full_name,
            }
            if user
            else None
        ),
    }


def lead_detail(actor, lead) -> dict:
    pros = selectors.pros_for_leads([lead])
    notes = list(lead.notes.all())
    people = selectors.people_by_ids([lead.assigned_to_id, *(n.author_id for n in notes)])
    return {
        **lead_row(lead, pros, actor, people),
        "description": lead.description,
        "summary": selectors.lead_summary(lead, actor=actor),
        "contact": selectors.lead_contact(lead) if selectors.contact_visible(actor, lead) else None,
        "notes": [
            {
                "author": people[n.author_id].full_name if n.author_id in people else "",
                "body": n.body,
                "created_at": n.created_at,
            }
            for n in notes
        ],
        "transitions": list(lead.transitions.values("from_status", "to_status", "reason", "at")),
        "next_statuses": [
            s for s in services.PRO_SETTABLE if s in services.TRANSITIONS[lead.status]
        ],
    }


class LeadListView(generics.GenericAPIView):
    """The caller's leads, newest first: a sales rep its assigned leads, owners and managers
    their company's, a network manager the leads it routed, advisors and staff all."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = LeadSerializer
    queryset = Lead.objects.none()  # for the schema; the selectors scope the real list

    @extend_schema(
        parameters=[LeadListFilterSerializer], responses={200: LeadSerializer(many=True), **ERRORS}
    )
    def get(self, request):
        filters = LeadListFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        assigned = filters.validated_data.get("assigned_to")
        actor = actor_of(request)
        qs = selectors.lead_list(
            actor=actor,
            status=filters.validated_data.get("status", ""),
            assigned_to=assigned if isinstance(assigned, int) else None,
            unassigned=assigned == "none",
        )
        page = self.paginate_queryset(qs) or []  # the view always paginates
        pros = selectors.pros_for_leads(page)
        people = selectors.people_by_ids(lead.assigned_to_id for lead in page)
        rows = [lead_row(lead, pros, actor, people) for lead in page]
        return self.get_paginated_response(LeadSerializer(rows, many=True).data)


class LeadDetailView(APIView):
    """One lead, with the advisor's qualification summary; the homeowner's contact only for
    the receiving organization. PATCH: the receiving company changes the status — the
    one-tap follow-up: `contacted` ("J'ai appelé le client"), `appointment` ("Rendez-vous
    fixé"), `quote_sent` with `quote_amount`, `won` with `won_amount`, `lost` with a
    `reason_code`, `declined` ("Refuser") with a `reason_code` (out_of_area, unavailable,
    out_of_trade, other) or free words in `reason` — assigns it to one of its members
    (owners and managers), adds a note. A transition the lifecycle forbids is a 409 with a
    French message; a refused lead frees its slot in the pro's monthly capacity."""

    permission_classes = [permissions.IsAuthenticated]

    def _respond(self, request, lead_id: int) -> Response:
        actor = actor_of(request)
        lead = selectors.lead_get(actor=actor, lead_id=lead_id)
        return Response(LeadDetailSerializer(lead_detail(actor, lead)).data)

    @extend_schema(responses={200: LeadDetailSerializer, **ERRORS})
    def get(self, request, lead_id: int):
        return self._respond(request, lead_id)

    @extend_schema(request=LeadUpdateSerializer, responses={200: LeadDetailSerializer, **ERRORS})
    def patch(self, request, lead_id: int):
        serializer = LeadUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        kwargs = {
            "status": data.get("status", ""),
            "reason": data.get("reason", ""),
            "reason_code": data.get("reason_code", ""),
            "note": data.get("note", ""),
        }
        for name in ("assigned_to", "quote_amount", "won_amount"):
            if name in data:
                kwargs[name] = data[name]
        actor = actor_of(request)
        services.lead_update(actor=actor, lead_id=lead_id, **kwargs)
        return self._respond(request, lead_id)


class LeadReassignView(APIView):
    """Advisors: close an unanswered lead as expired and give the request to another
    matching pro (named by slug, or the best available); the homeowner is informed.
    A network (owner or manager): hand one of its own inbound leads that expired or was
    refused to another of its installers (named by slug, or the one its rules pick); the
    new lead takes the external id."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ReassignSerializer, responses={201: LeadDetailSerializer, **ERRORS})
    def post(self, request, lead_id: int):
        serializer = ReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = actor_of(request)
        selectors.lead_get(actor=actor, lead_id=lead_id)  # 404 first
        new = services.lead_reassign(
            actor=actor, lead_id=lead_id, pro_slug=serializer.validated_data.get("pro", "")
        )
        return Response(
            LeadDetailSerializer(lead_detail(actor, new)).data, status=status.HTTP_201_CREATED
        )


class InboundLeadThrottle(ScopedRateThrottle):
    scope_attr = "throttle_scope"


def inbound_actor(request) -> Actor:
    """A partner API key acts for its one organization; a JWT for its user's networks."""
    if isinstance(request.auth, PartnerCredential):
        credential = request.auth
        return Actor(
            memberships=(
                actor_membership(
                    organization_id=credential.organization_id,
                    role=MemberRole.MANAGER,
                    organization_kind=credential.organization_kind,
                ),
            )
        )
    return actor_of(request)


class InboundLeadView(APIView):
    """A network or manufacturer pushes a lead from its own systems, authenticated with its
    partner API key (`Authorization: Api-Key <key>` or `X-Api-Key: <key>`, issued to the
    organization by Eldo) or with the JWT of one of its owners or managers. Routed to one of
    its installers by its rules (département, trade, priority, weight, caps), never to one who
    does not practise the trade; nobody eligible → 202, the lead waits in the network's
    "à router" queue. Idempotent on `external_id` per network: a replay answers the same lead
    with 200; the same id with another project is 409. A key
    pushes for its own organization only (`network` naming another one → 400)."""

    # The project's authentication (imported classes at run time) plus the partner keys.
    authentication_classes = cast(
        "list[type[BaseAuthentication]]",
        [*api_settings.DEFAULT_AUTHENTICATION_CLASSES, PartnerApiKeyAuthentication],
    )
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [InboundLeadThrottle]
    throttle_scope = "inbound_lead"

    @extend_schema(
        request=InboundLeadSerializer,
        responses={
            201: InboundLeadResultSerializer,
            200: OpenApiResponse(InboundLeadResultSerializer, description="Rejeu : même demande."),
            202: OpenApiResponse(
                InboundLeadResultSerializer,
                description="Aucun installateur éligible : la demande attend dans la file "
                "« à router » du réseau (status `unrouted`, id null) ; ses responsables sont "
                "prévenus par e-mail.",
            ),
            **ERRORS,
            409: OpenApiResponse(
                description="external_id déjà utilisé pour un autre projet (rejeu différent)."
            ),
            429: OpenApiResponse(description="Trop de demandes."),
        },
    )
    def post(self, request):
        serializer = InboundLeadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        network_id = data.pop("network", None)
        try:
            lead, created = services.inbound_lead_receive(
                actor=inbound_actor(request), data=data, network_id=network_id
            )
        except services.LeadQueued as queued:
            body = {
                "id": None,
                "external_id": queued.unrouted.external_id,
                "status": "unrouted",
                "pro": None,
                "created": True,
            }
            return Response(InboundLeadResultSerializer(body).data, status=status.HTTP_202_ACCEPTED)
        pro = selectors.pros_for_leads([lead]).get(lead.pro_id)
        body: dict[str, Any] = {
            "id": lead.pk,
            "external_id": lead.external_id,
            "status": lead.status,
            "pro": {"id": pro.id, "slug": pro.slug, "name": pro.name} if pro else None,
            "created": created,
        }
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(InboundLeadResultSerializer(body).data, status=code)
