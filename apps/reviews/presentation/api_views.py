"""The reviews API (/api/v1/): parse, authorize, call a service or selector, serialize."""

from __future__ import annotations

import hashlib
import hmac
import json
from functools import cache

from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.contracts import DEVICE_COOKIE, AccountsFacade
from apps.core.actor import actor_of
from apps.core.api_support import Pagination
from apps.core.facade_ports import facade
from apps.core.pagecache import cache_depends
from apps.core.parsers import JSONParser
from apps.core.throttling import ScopedRateThrottle
from apps.directory.contracts import DirectoryFacade
from apps.reviews import caching, deliverability, invitations, proofs, selectors, services
from apps.reviews.models import ReviewLabel, ReviewStatus
from apps.reviews.presentation import access
from apps.reviews.presentation.serializers import (
    BrevoEventSerializer,
    BulkInputSerializer,
    BulkReportSerializer,
    DecisionInputSerializer,
    DecisionOutputSerializer,
    EmailEventsInputSerializer,
    EmailEventsResultSerializer,
    FunnelSerializer,
    InvitationInputSerializer,
    InvitationSerializer,
    ModerationReviewSerializer,
    ProofDecisionInputSerializer,
    ProofInputSerializer,
    ProofSerializer,
    ReplyInputSerializer,
    ReplyOutputSerializer,
    ReportInputSerializer,
    ReportOutputSerializer,
    ReviewSerializer,
    ReviewSubmitSerializer,
    ReviewSubmittedSerializer,
    SmsEventsInputSerializer,
    ToolInvitationInputSerializer,
)
from apps.reviews.presentation.tool_auth import CompanyApiKeyAuthentication

directory: DirectoryFacade = facade("directory")
accounts: AccountsFacade = facade("accounts")

LATEST_FEED_DEPTH = 1000  # the feed pages through the most recent reviews only


@cache
def paginated(serializer_class):
    """The schema of a paginated list: {count, next, previous, results}."""
    return inline_serializer(
        name=f"Paginated{serializer_class.__name__.removesuffix('Serializer')}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


class PublicRead:
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []


class IsModerator(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return actor_of(request).is_moderator


class MayInvite(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return access.may_invite(actor_of(request))


def _paginated_cards(view, request, queryset) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    cards = selectors.review_cards(page)
    data = ReviewSerializer(cards, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)


_ORDERING = OpenApiParameter(
    "ordering",
    str,
    enum=list(selectors.ORDERINGS),
    description="recent (défaut, chronologique), oldest, best, worst",
)
_PAGE = [OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


class ProReviewListView(PublicRead, APIView):
    """A pro's public reviews, newest first by default (chronological sort)."""

    @extend_schema(parameters=[_ORDERING, *_PAGE], responses=paginated(ReviewSerializer))
    def get(self, request, slug: str):
        pro = directory.pros_by_slugs([slug]).get(slug)
        if pro is None:
            raise Http404
        cache_depends(
            request._request,
            directory.pro_cache_generation(pro.id),
            *caching.pro_generations(pro.id),
        )
        ordering = request.query_params.get("ordering") or selectors.DEFAULT_ORDERING
        if ordering not in selectors.ORDERINGS:
            raise ValidationError(
                {"ordering": [f"Tri inconnu : {', '.join(selectors.ORDERINGS)}."]}
            )
        return _paginated_cards(
            self, request, selectors.review_list_for_pro(pro_id=pro.id, ordering=ordering)
        )


class LatestReviewListView(PublicRead, APIView):
    """The latest published reviews, every pro (the most recent 1,000)."""

    @extend_schema(parameters=_PAGE, responses=paginated(ReviewSerializer))
    def get(self, request):
        # The cards name their pros: a renamed pro changes the listing generation too.
        cache_depends(
            request._request,
            *caching.latest_generations(),
            directory.listing_cache_generation(),
        )
        return _paginated_cards(self, request, selectors.review_list_latest()[:LATEST_FEED_DEPTH])


class ReviewSubmitView(APIView):
    """Write a review: anonymous, throttled. With `invitation_token` the review is verified
    (and published at once if no automatic check fires); without, `pro` names the pro and
    the author first confirms the e-mail address, then a moderator reads it."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "review_submit"
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={
            "multipart/form-data": ReviewSubmitSerializer,
            "application/json": ReviewSubmitSerializer,
        },
        responses={201: ReviewSubmittedSerializer},
    )
    def post(self, request):
        data = ReviewSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user if request.user.is_authenticated else None
        review = services.review_submit(
            pro_slug=values.get("pro") or None,
            invitation_token=values.get("invitation_token") or None,
            rating=values["rating"],
            criteria=data.criteria(),
            title=values["title"],
            body=values["body"],
            author_name=values["author_name"],
            author_email=values.get("author_email", ""),
            author_postcode=values["author_postcode"],
            author_commune=values.get("author_commune", ""),
            work_category=values["work_category"],
            work_date=values["work_date"],
            photos=values.get("photos", []),
            author_ip=access.client_address(request),
            author_device=accounts.device_hash(request.COOKIES.get(DEVICE_COOKIE, "")),
            author_user_id=user.pk if user else None,
        )
        body = {
            "id": review.pk,
            "status": review.status,
            "label": review.label,
            "is_verified": review.label == ReviewLabel.VERIFIED,
            "email_confirmation_required": review.email_confirmed_at is None,
            "proof_token": proofs.proof_token(review),
        }
        return Response(ReviewSubmittedSerializer(body).data, status=status.HTTP_201_CREATED)


class ReviewProofView(APIView):
    """The review's author joins an invoice or a quote (PDF, JPEG or PNG, 10 Mo at most),
    with the `proof_token` received when writing it. Private: moderators only see it; once
    one accepts it, the review is labelled "avis vérifié". Any other token: 404."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "review_submit"
    # JSON is parsed too, so that a request without the author's token is a 404 whatever
    # its type (the file itself only comes as multipart).
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": ProofInputSerializer},
        responses={
            201: ProofSerializer,
            404: OpenApiResponse(description="Avis inconnu ou jeton d'un autre avis"),
            409: OpenApiResponse(description="Déjà vérifié, ou un justificatif en examen"),
        },
    )
    def post(self, request, review_id: int):
        token = request.data.get("token")
        # The author's token first: anyone else learns nothing, not even the rules.
        proofs.review_for_proof_token(token if isinstance(token, str) else "", review_id=review_id)
        data = ProofInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proof = proofs.review_proof_upload(
            token=data.validated_data["token"],
            review_id=review_id,
            upload=data.validated_data["file"],
        )
        return Response(ProofSerializer(proof).data, status=status.HTTP_201_CREATED)


class ReviewReplyView(APIView):
    """The reviewed pro's one public reply (members of its organization only)."""

    @extend_schema(request=ReplyInputSerializer, responses={201: ReplyOutputSerializer})
    def post(self, request, review_id: int):
        data = ReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply = services.review_reply_create(
            review_id=review_id, user_id=request.user.pk, body=data.validated_data["body"]
        )
        return Response(ReplyOutputSerializer(reply).data, status=status.HTTP_201_CREATED)


class ReviewReportView(APIView):
    """Report a public review (signed-in users, free): it stays online, marked "en cours
    de vérification", until a moderator decides."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "review_report"

    @extend_schema(request=ReportInputSerializer, responses={201: ReportOutputSerializer})
    def post(self, request, review_id: int):
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.review_report_create(
            review_id=review_id,
            user_id=request.user.pk,
            reason=data.validated_data["reason"],
            details=data.validated_data.get("details", ""),
        )
        return Response(ReportOutputSerializer(report).data, status=status.HTTP_201_CREATED)


class ModerationQueueView(APIView):
    """Reviews waiting for a moderator, oldest first, with the checks that held them and
    the open reports (moderators and staff)."""

    permission_classes = [permissions.IsAuthenticated, IsModerator]

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=[ReviewStatus.PENDING, ReviewStatus.IN_DISPUTE]),
            *_PAGE,
        ],
        responses=paginated(ModerationReviewSerializer),
    )
    def get(self, request):
        wanted = request.query_params.get("status") or None
        if wanted not in (None, ReviewStatus.PENDING, ReviewStatus.IN_DISPUTE):
            raise ValidationError({"status": ["pending ou in_dispute."]})
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.moderation_queue(status=wanted), request, view=self
        )
        pros = directory.pros_by_ids(sorted({r.pro_id for r in page})) if page else {}
        data = ModerationReviewSerializer(
            page, many=True, context={"request": request, "pros": pros}
        ).data
        return paginator.get_paginated_response(data)


class ModerationDecisionView(APIView):
    """Publish or reject, with a reason from the list; the author is told by e-mail."""

    permission_classes = [permissions.IsAuthenticated, IsModerator]

    @extend_schema(
        request=DecisionInputSerializer,
        responses={
            200: DecisionOutputSerializer,
            409: OpenApiResponse(description="Transition impossible"),
        },
    )
    def post(self, request, review_id: int):
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_moderate(
            review_id=review_id,
            moderator_id=request.user.pk,
            decision=data.validated_data["decision"],
            reason=data.validated_data["reason"],
            note=data.validated_data.get("note", ""),
        )
        return Response(DecisionOutputSerializer(review).data)


class ModerationProofDecisionView(APIView):
    """Accept (the review becomes "avis vérifié") or reject an author's proof."""

    permission_classes = [permissions.IsAuthenticated, IsModerator]

    @extend_schema(
        request=ProofDecisionInputSerializer,
        responses={200: ProofSerializer, 409: OpenApiResponse(description="Déjà examiné")},
    )
    def post(self, request, review_id: int, proof_id: int):
        data = ProofDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proof = proofs.review_proof_decide(
            review_id=review_id,
            proof_id=proof_id,
            moderator_id=request.user.pk,
            decision=data.validated_data["decision"],
            note=data.validated_data.get("note", ""),
        )
        return Response(ProofSerializer(proof).data)


class ModerationProofFileView(APIView):
    """The proof's file, for moderators only (private storage, never a public URL)."""

    permission_classes = [permissions.IsAuthenticated, IsModerator]

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, review_id: int, proof_id: int):
        proof = selectors.proof_for_moderation(review_id=review_id, proof_id=proof_id)
        if proof is None:
            raise NotFound
        extension = proof.file_name.rsplit(".", 1)[-1]
        response = FileResponse(
            proofs.proof_open(proof),
            content_type=proof.content_type,
            as_attachment=True,
            filename=f"justificatif-avis-{review_id}-{proof.pk}.{extension}",
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- Review requests (invitations) ----------------------------------------------------------


IMPORT_FORBIDDEN = (
    "L'import d'un fichier de clients est réservé aux responsables et gérants de l'entreprise."
)


_LIMIT_RESPONSES = {
    409: OpenApiResponse(
        description="Invitations suspendues (taux d'adresses en erreur ou "
        "de signalements trop élevé) : message en français dans `detail`."
    ),
    429: OpenApiResponse(
        description="Quota quotidien de l'organisation atteint "
        "(`REVIEWS_INVITATIONS_DAILY_QUOTA`, 200 par défaut, relevable par l'équipe Eldo)."
    ),
}


class InvitationScopeMixin:
    permission_classes = [permissions.IsAuthenticated, MayInvite]

    def allowed_pros(self) -> dict[int, object] | None:
        """The pros the user acts for (id → ProRef); None for staff (every pro)."""
        actor = actor_of(self.request)
        if actor.is_platform_staff:
            return None
        return {pro.id: pro for pro in access.member_pros(actor)}

    def target_pro(self, slug: str | None):
        allowed = self.allowed_pros()
        if slug:
            pro = directory.pros_by_slugs([slug]).get(slug)
            if pro is None or (allowed is not None and pro.id not in allowed):
                raise NotFound
            return pro
        if allowed and len(allowed) == 1:
            return next(iter(allowed.values()))
        raise ValidationError({"pro": ["Précisez l'entreprise concernée (son slug)."]})

    def scoped_pro_ids(self) -> list[int] | None:
        slug = self.request.query_params.get("pro")
        if slug:
            return [self.target_pro(slug).id]
        allowed = self.allowed_pros()
        return None if allowed is None else sorted(allowed)

    def pro_names(self, invitations_) -> dict:
        ids = sorted({i.pro_id for i in invitations_})
        return directory.pros_by_ids(ids) if ids else {}


class ReviewRequestListCreateView(InvitationScopeMixin, APIView):
    """Invite a past customer to review your company; list your invitations (funnel status)."""

    @extend_schema(
        operation_id="review_requests_list",
        parameters=[OpenApiParameter("pro", str, description="Slug du pro"), *_PAGE],
        responses=paginated(InvitationSerializer),
    )
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.invitation_list(pro_ids=self.scoped_pro_ids()), request, view=self
        )
        context = {"pros": self.pro_names(page)}
        return paginator.get_paginated_response(
            InvitationSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=InvitationInputSerializer,
        responses={201: InvitationSerializer, **_LIMIT_RESPONSES},
        description="Une invitation par client et par pro tous les 90 jours (sinon 400 sur "
        "`customer_email`) ; ni lien ni adresse e-mail dans `customer_name` et "
        "`work_description` (400) ; adresses en erreur ou désinscrites refusées (400).",
    )
    def post(self, request):
        data = InvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        pro = self.target_pro(values.get("pro") or None)
        # InvitationLimit: 409 when paused, 429 when the quota is spent (apps.core.errors).
        invitation = invitations.review_request_create(
            pro_id=pro.id,
            organization_id=pro.organization_id,
            created_by_id=request.user.pk,
            customer_name=values["customer_name"],
            customer_email=values["customer_email"],
            work_description=values["work_description"],
            work_date=values["work_date"],
            customer_phone=values.get("customer_phone", ""),
        )
        invitation = selectors.invitation_list().get(pk=invitation.pk)
        body = InvitationSerializer(invitation, context={"pros": {pro.id: pro}}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ReviewRequestFromToolView(APIView):
    """Your own quoting or invoicing tool invites a customer, authenticated with your
    company's API key (`Authorization: Api-Key <clé>` or `X-Api-Key`, created on
    /espace-pro/invitations/cles-api/). Same rules and limits as an invitation from the back
    office; idempotent by `external_id`: a replay answers 200 with the invitation already
    made and sends nothing."""

    authentication_classes = [CompanyApiKeyAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "review_request_tool"

    @extend_schema(
        operation_id="review_requests_from_tool",
        request=ToolInvitationInputSerializer,
        responses={
            201: InvitationSerializer,
            200: OpenApiResponse(InvitationSerializer, description="Rejeu : même external_id."),
            400: OpenApiResponse(description="Erreurs par champ, en français."),
            401: OpenApiResponse(description="Clé d'API absente, inconnue ou révoquée."),
            404: OpenApiResponse(description="L'entreprise n'a pas de fiche publiée."),
            **_LIMIT_RESPONSES,
        },
    )
    def post(self, request):
        data = ToolInvitationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        organization_id = request.auth.organization_id
        pros = directory.pros_for_organizations([organization_id])
        if not pros:
            raise NotFound("Aucune fiche d'entreprise pour cette clé.")
        pro = pros[0]
        invitation, created = invitations.review_request_from_tool(
            pro_id=pro.id,
            organization_id=organization_id,
            external_id=values["external_id"],
            customer_name=values["customer_name"],
            customer_email=values["customer_email"],
            work_description=values["work_description"],
            work_date=values["work_date"],
            customer_phone=values.get("customer_phone", ""),
        )
        invitation = selectors.invitation_list().get(pk=invitation.pk)
        body = InvitationSerializer(invitation, context={"pros": {pro.id: pro}}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ReviewRequestDetailView(InvitationScopeMixin, APIView):
    @extend_schema(responses=InvitationSerializer)
    def get(self, request, invitation_id: int):
        allowed = self.allowed_pros()
        invitation = (
            selectors.invitation_list(pro_ids=None if allowed is None else sorted(allowed))
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            raise NotFound
        context = {"pros": self.pro_names([invitation])}
        return Response(InvitationSerializer(invitation, context=context).data)


class ReviewRequestBulkView(InvitationScopeMixin, APIView):
    """Invite the customers of a CSV file (owners and managers of the pro, and staff; a
    sales rep gets 403). Invalid rows, duplicates, customers invited in the last 90 days and
    the rows past the organization's daily quota are skipped and listed with their line
    number; a malformed file (encoding, columns, size) is refused whole (400) and changes
    nothing; paused invitations: 409."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": BulkInputSerializer},
        responses={
            201: BulkReportSerializer,
            200: BulkReportSerializer,
            403: OpenApiResponse(description="Réservé aux responsables et gérants."),
            409: _LIMIT_RESPONSES[409],
        },
    )
    def post(self, request):
        actor = actor_of(request)
        # Before reading the file: a sales rep is told so whatever it sent. A CSV is
        # hundreds of e-mails under Eldo's name: owners, managers and staff only.
        if (
            not any(actor.manages(pro.organization_id) for pro in access.member_pros(actor))
            and not actor.is_platform_staff
        ):
            raise PermissionDenied(IMPORT_FORBIDDEN)
        data = BulkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pro = self.target_pro(data.validated_data.get("pro") or None)
        if not actor.manages(pro.organization_id):
            raise PermissionDenied(IMPORT_FORBIDDEN)
        report = invitations.review_requests_import(
            pro_id=pro.id,
            organization_id=pro.organization_id,
            created_by_id=request.user.pk,
            upload=data.validated_data["file"],
        )
        created = list(selectors.invitation_list().filter(pk__in=[i.pk for i in report.created]))
        body = BulkReportSerializer(
            {
                "rows": report.rows,
                "created": len(report.created),
                "skipped": report.skipped,
                "invitations": created,
            },
            context={"pros": {pro.id: pro}},
        ).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ReviewRequestFunnelView(InvitationScopeMixin, APIView):
    """sent → opened → written, and the collection rate (reviews collected / sent)."""

    @extend_schema(
        parameters=[OpenApiParameter("pro", str, description="Slug du pro")],
        responses=FunnelSerializer,
    )
    def get(self, request):
        pro_ids = self.scoped_pro_ids()
        return Response(FunnelSerializer(invitations.invitation_funnel(pro_ids=pro_ids)).data)


# --- Bounces and complaints from the e-mail provider -----------------------------------------


def _email_events_secret() -> str:
    return str(getattr(settings, "REVIEWS_EMAIL_EVENTS_SECRET", "") or "")


def _json_body(raw: bytes):
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError({"events": ["Corps JSON illisible."]}) from exc


def _record(events) -> Response:
    return Response(EmailEventsResultSerializer(deliverability.email_events_record(events)).data)


_SIGNATURE_HEADER = OpenApiParameter(
    "X-Eldo-Signature",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="sha256=<HMAC-SHA256 hexadécimal du corps brut, clé : le secret>",
)


def _signed_body(request) -> bytes:
    """The raw body of a provider's callback, once its `X-Eldo-Signature` (HMAC-SHA256 of
    the body with REVIEWS_EMAIL_EVENTS_SECRET) is checked; 403 without it or the secret."""
    raw = request._request.body
    secret = _email_events_secret()
    given = request.headers.get("X-Eldo-Signature", "").removeprefix("sha256=")
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if not secret or not hmac.compare_digest(given, expected):
        raise PermissionDenied("Signature absente ou invalide.")
    return raw


class EmailEventsView(APIView):
    """The e-mail provider reports hard bounces and spam complaints (generic JSON shape).

    Authenticated by `X-Eldo-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with
    the shared secret `REVIEWS_EMAIL_EVENTS_SECRET` (closed, 403, while it is unset). Each
    address reported goes on the suppression list (no more invitations nor reminders to it,
    from any pro) and counts against the organization that invited it; past the thresholds
    its invitations are paused and staff alerted. Idempotent: a replay records nothing more.
    Events of another type, or without a valid address, are ignored (counted in `ignored`).
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    parser_classes: list = []

    @extend_schema(
        operation_id="email_events_record",
        request=EmailEventsInputSerializer,
        responses={
            200: EmailEventsResultSerializer,
            400: OpenApiResponse(description="Corps illisible ou sans liste `events`."),
            403: OpenApiResponse(
                description="Signature absente ou fausse, ou secret non configuré."
            ),
        },
        auth=[{}],
        parameters=[_SIGNATURE_HEADER],
    )
    def post(self, request):
        raw = _signed_body(request)
        return _record(deliverability.parse_events(_json_body(raw)))


class BrevoEmailEventsView(APIView):
    """The same, in Brevo's transactional webhook format (one event object, or a list when
    batched): `hard_bounce` and `invalid_email` are bounces, `spam` a complaint, the rest
    is ignored. Brevo does not sign its webhooks: create it with
    `auth: {type: "bearer", token: <REVIEWS_EMAIL_EVENTS_SECRET>}`, checked here."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    parser_classes: list = []

    @extend_schema(
        operation_id="email_events_record_brevo",
        request=BrevoEventSerializer(many=True),
        responses={
            200: EmailEventsResultSerializer,
            400: OpenApiResponse(description="Corps illisible."),
            403: OpenApiResponse(description="Jeton absent ou faux, ou secret non configuré."),
        },
        auth=[{}],
    )
    def post(self, request):
        secret = _email_events_secret()
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise PermissionDenied("Jeton absent ou invalide.")
        return _record(deliverability.parse_brevo_events(_json_body(request._request.body)))


class SmsEventsView(APIView):
    """The SMS provider reports STOP replies (generic JSON
    `{"events": [{"type": "stop", "phone": "+33612345678"}]}`), signed like the e-mail
    events: `X-Eldo-Signature: sha256=<HMAC-SHA256 of the raw body>` with
    `REVIEWS_EMAIL_EVENTS_SECRET` (403 without it). The number gets no invitation SMS any
    more, from any pro. Idempotent; other types and unreadable numbers are ignored."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    parser_classes: list = []

    @extend_schema(
        operation_id="sms_events_record",
        request=SmsEventsInputSerializer,
        responses={
            200: EmailEventsResultSerializer,
            400: OpenApiResponse(description="Corps illisible ou sans liste `events`."),
            403: OpenApiResponse(
                description="Signature absente ou fausse, ou secret non configuré."
            ),
        },
        auth=[{}],
        parameters=[_SIGNATURE_HEADER],
    )
    def post(self, request):
        from apps.reviews.sms import sms_stop_record

        raw = _signed_body(request)
        body = _json_body(raw)
        events = body.get("events") if isinstance(body, dict) else None
        if not isinstance(events, list) or len(events) > 500:
            raise ValidationError({"events": ["Une liste de 500 événements au plus."]})
        recorded = ignored = 0
        for event in events:
            is_stop = isinstance(event, dict) and str(event.get("type", "")).lower() == "stop"
            if is_stop and sms_stop_record(str(event.get("phone", ""))):
                recorded += 1
            else:
                ignored += 1
        return Response(
            EmailEventsResultSerializer({"recorded": recorded, "ignored": ignored}).data
        )
