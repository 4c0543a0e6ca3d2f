"""The quotes API: public submission, and the advisors' endpoints.

Anonymous clients may only POST a request (throttled per address and per e-mail). Every
other endpoint is for Eldo advisors and staff: 401 without credentials, 403 for any other
account; an unknown reference is a 404, an action the request's state forbids a 409.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.actor import actor_of
from apps.core.site import absolute_url
from apps.quotes import selectors, services
from apps.quotes.models import QuoteChannel, QuoteRequest
from apps.quotes.presentation.serializers import (
    CallInputSerializer,
    DispatchInputSerializer,
    MatchSerializer,
    QualifyInputSerializer,
    QuoteCreatedSerializer,
    QuoteDetailSerializer,
    QuoteListFilterSerializer,
    QuoteListSerializer,
    QuoteSubmitSerializer,
    RejectInputSerializer,
)
from apps.quotes.presentation.throttles import QuoteSubmitEmailThrottle, QuoteSubmitIpThrottle


class IsAdvisor(permissions.BasePermission):
    message = "Réservé aux conseillers Eldo."

    def has_permission(self, request, view) -> bool:
        return actor_of(request).is_advisor


ADVISOR_PERMISSIONS = [permissions.IsAuthenticated, IsAdvisor]
ERRORS = {
    400: OpenApiResponse(description="Champs invalides (messages en français par champ)."),
    401: OpenApiResponse(description="Non authentifié."),
    403: OpenApiResponse(description="Réservé aux conseillers Eldo."),
    404: OpenApiResponse(description="Référence inconnue."),
    409: OpenApiResponse(description="Action impossible dans l'état actuel de la demande."),
}


def _detail_response(reference: str, *, code: int = status.HTTP_200_OK) -> Response:
    quote = selectors.quote_file(reference=reference)
    return Response(QuoteDetailSerializer(quote).data, status=code)


def _quote_id(reference: str) -> int:
    quote_id = selectors.quote_id_by_reference(reference)
    if quote_id is None:
        raise Http404
    return quote_id


class QuoteListCreateView(generics.ListAPIView):
    """GET: the advisors' queue, most urgent first. POST: a homeowner's request (public)."""

    serializer_class = QuoteListSerializer

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permission() for permission in ADVISOR_PERMISSIONS]

    def get_throttles(self):
        if self.request.method == "POST":
            return [QuoteSubmitIpThrottle(), QuoteSubmitEmailThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        params = self.request.query_params
        data = {key: params.get(key) for key in ("category", "department", "mine", "q")}
        data = {key: value for key, value in data.items() if value is not None}
        statuses = [s for value in params.getlist("status") for s in value.split(",") if s]
        if statuses:
            data["status"] = statuses
        filters = QuoteListFilterSerializer(data=data)
        filters.is_valid(raise_exception=True)
        cleaned = filters.validated_data
        return selectors.quote_queue(
            statuses=cleaned.get("status") or services.OPEN_STATUSES,
            category_slug=cleaned.get("category", ""),
            department_code=cleaned.get("department", "").upper(),
            assigned_to_id=self.request.user.pk if cleaned.get("mine") else None,
            q=cleaned.get("q", ""),
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        selectors.advisors_attach(page if page is not None else queryset)
        return page

    @extend_schema(
        parameters=[QuoteListFilterSerializer],
        responses={200: QuoteListSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=QuoteSubmitSerializer,
        responses={
            201: QuoteCreatedSerializer,
            400: ERRORS[400],
            429: OpenApiResponse(description="Trop de demandes (adresse IP ou e-mail)."),
        },
        auth=[{}],
        description="Toujours 201 avec une référence et un lien propres à cet envoi : une "
        "demande n'en modifie jamais une autre et ne renvoie jamais la référence d'une "
        "autre. Un nouvel envoi de la même personne (même e-mail et même téléphone, même "
        "projet, dans les 15 minutes) devient une note de la demande précédente, dont le "
        "lien est envoyé par e-mail à l'adresse enregistrée ; la réponse, elle, est celle "
        "d'une nouvelle demande.",
    )
    def post(self, request, *args, **kwargs):
        serializer = QuoteSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = services.quote_submit(channel=QuoteChannel.API, **serializer.validated_data)
        quote = submission.quote
        token = selectors.quote_status_token(quote.pk)
        body = {
            "reference": quote.reference,
            "status": selectors.public_status(quote),
            "kind": quote.kind,
            "status_url": absolute_url(reverse("quotes:status", args=[token])),
        }
        return Response(QuoteCreatedSerializer(body).data, status=status.HTTP_201_CREATED)


class QuoteDetailView(APIView):
    """A request's full file: contact, project, calls, audit trail, chosen pros."""

    permission_classes = ADVISOR_PERMISSIONS

    @extend_schema(responses={200: QuoteDetailSerializer, **ERRORS})
    def get(self, request, reference: str):
        quote = selectors.quote_file(reference=reference)
        if quote is None:
            raise Http404
        return Response(QuoteDetailSerializer(quote).data)


class QuoteClaimView(APIView):
    """Take the request (new or unreachable → in_qualification). 409 if another advisor has it."""

    permission_classes = ADVISOR_PERMISSIONS

    @extend_schema(request=None, responses={200: QuoteDetailSerializer, **ERRORS})
    def post(self, request, reference: str):
        quote_id = _quote_id(reference)
        services.quote_claim(quote_id=quote_id, actor=actor_of(request))
        return _detail_response(reference)


class QuoteCallView(APIView):
    """Log a call. After N failed calls in a row, or a wrong number, the request becomes
    `unreachable` (the response shows it)."""

    permission_classes = ADVISOR_PERMISSIONS

    @extend_schema(request=CallInputSerializer, responses={201: QuoteDetailSerializer, **ERRORS})
    def post(self, request, reference: str):
        quote_id = _quote_id(reference)
        serializer = CallInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.quote_call_log(
            quote_id=quote_id, actor=actor_of(request), **serializer.validated_data
        )
        return _detail_response(reference, code=status.HTTP_201_CREATED)


class QuoteQualifyView(APIView):
    """Correct any field of the request and mark it qualified (required fields checked)."""

    permission_classes = ADVISOR_PERMISSIONS

    @extend_schema(request=QualifyInputSerializer, responses={200: QuoteDetailSerializer, **ERRORS})
    def post(self, request, reference: str):
        quote_id = _quote_id(reference)
        serializer = QualifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.quote_qualify(
            quote_id=quote_id, actor=actor_of(request), changes=dict(serializer.validated_data)
        )
        return _detail_response(reference)


class QuoteRejectView(APIView):
    """Refuse the request with a reason; the homeowner is told by e-mail (except spam)."""

    permission_classes = ADVISOR_PERMISSIONS

    @extend_schema(request=RejectInputSerializer, responses={200: QuoteDetailSerializer, **ERRORS})
    def post(self, request, reference: str):
        quote_id = _quote_id(reference)
        serializer = RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.quote_reject(
            quote_id=quote_id, actor=actor_of(request), **serializer.validated_data
        )
        return _detail_response(reference)


class QuoteMatchesView(generics.ListAPIView):
    """Pros suggested by the directory (trade, area, score), with the reasons, best first.

    Remaining capacity and fairness are applied by the leads context at dispatch.
    """

    permission_classes = ADVISOR_PERMISSIONS
    serializer_class = MatchSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return QuoteRequest.objects.none()
        quote = selectors.quote_file(reference=self.kwargs["reference"])
        if quote is None:
            raise Http404
        return selectors.quote_suggestions(quote)

    @extend_schema(responses={200: MatchSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class QuoteDispatchView(APIView):
    """Choose up to three pros and hand the request over to the leads context (idempotent:
    the same choice again answers 200 with the same result)."""

    permission_classes = ADVISOR_PERMISSIONS

    @extend_schema(
        request=DispatchInputSerializer, responses={200: QuoteDetailSerializer, **ERRORS}
    )
    def post(self, request, reference: str):
        quote_id = _quote_id(reference)
        serializer = DispatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.quote_dispatch(
            quote_id=quote_id, actor=actor_of(request), pro_slugs=serializer.validated_data["pros"]
        )
        return _detail_response(reference)
