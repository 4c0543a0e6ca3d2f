"""The staff verification queue: pending checks with their documents, verify or refuse
with a reason. Pages under /equipe/verifications/ (404 to anyone but staff: the queue is
not advertised) and the API under /api/v1/verifications/ (401 anonymous, 403 others)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api_support import Pagination
from apps.directory.models import Category, CheckKind, ProCheck
from apps.directory.verification import checks

PAGE_SIZE = 30


def is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def _document_response(check: ProCheck) -> FileResponse:
    """The document, to staff only, as an attachment (never rendered inline by the site's
    origin: a hostile PDF cannot run in Eldo's pages)."""
    storage = storages["private"]
    if not check.document or not storage.exists(check.document):
        raise Http404
    extension = check.document.rsplit(".", 1)[-1]
    response = FileResponse(
        storage.open(check.document, "rb"),
        as_attachment=True,
        filename=f"verification-{check.id}.{extension}",
        content_type=check.document_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- Pages -----------------------------------------------------------------------------------


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("verify", _("Vérifiée")), ("refuse", _("Refusée"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Motif (montré au pro en cas de refus)"), max_length=300, required=False
    )
    issuer = forms.CharField(label=_("Organisme ou assureur"), max_length=120, required=False)
    number = forms.CharField(label=_("Numéro"), max_length=60, required=False)
    valid_from = forms.DateField(
        label=_("Valable à partir du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    valid_until = forms.DateField(
        label=_("Valable jusqu'au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    trades = forms.ModelMultipleChoiceField(
        label=_("Métiers couverts (décennale)"),
        queryset=Category.objects.filter(is_active=True).order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _staff_only(request) -> None:
    if not is_staff(request.user):
        raise Http404


def queue_page(request):
    _staff_only(request)
    paginator = Paginator(checks.pending_queue(), PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404 from exc
    return render(request, "directory/verification/queue.html", {"page": page})


@require_http_methods(["GET", "POST"])
def check_page(request, check_id: int):
    _staff_only(request)
    check = ProCheck.objects.select_related("pro").filter(pk=check_id).first()
    if check is None:
        raise Http404
    initial = {
        "issuer": check.issuer,
        "number": check.number,
        "valid_from": check.valid_from,
        "valid_until": check.valid_until,
        "trades": list(check.trades.all()),
    }
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            checks.check_decide(
                check_id=check.id,
                decision=data["decision"],
                actor=request.user,
                reason=data["reason"],
                issuer=data["issuer"],
                number=data["number"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                trade_ids=[t.id for t in data["trades"]]
                if check.kind == CheckKind.INSURANCE
                else None,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Décision enregistrée.")
            return redirect("directory-backoffice:verification-queue")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "directory/verification/check.html", {"check": check, "form": form}, status=status
    )


def document_page(request, check_id: int):
    _staff_only(request)
    check = ProCheck.objects.filter(pk=check_id).first()
    if check is None:
        raise Http404
    return _document_response(check)


page_urlpatterns = [
    path("equipe/verifications/", queue_page, name="verification-queue"),
    path("equipe/verifications/<id:check_id>/", check_page, name="verification-check"),
    path(
        "equipe/verifications/<id:check_id>/document/",
        document_page,
        name="verification-document",
    ),
]


# --- API ---------------------------------------------------------------------------------------


class IsStaff(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_staff(request.user)


class CheckOutputSerializer(serializers.ModelSerializer):
    pro = serializers.SerializerMethodField()
    trades = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    document_url = serializers.SerializerMethodField(
        help_text="Le justificatif (staff uniquement), ou null."
    )

    class Meta:
        model = ProCheck
        fields = [
            "id",
            "pro",
            "kind",
            "label",
            "number",
            "issuer",
            "domains",
            "trades",
            "status",
            "source",
            "valid_from",
            "valid_until",
            "checked_at",
            "reason",
            "document_type",
            "document_url",
            "created_at",
        ]

    def get_pro(self, obj) -> dict:
        return {
            "id": obj.pro_id,
            "slug": obj.pro.slug,
            "name": obj.pro.name,
            "siret": obj.pro.siret,
        }

    def get_document_url(self, obj) -> str | None:
        if not obj.document:
            return None
        return f"/api/v1/verifications/{obj.id}/document/"


class CheckDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=checks.DECISIONS)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    issuer = serializers.CharField(max_length=120, required=False)
    number = serializers.CharField(max_length=60, required=False)
    valid_from = serializers.DateField(required=False)
    valid_until = serializers.DateField(required=False)
    trades = serializers.ListField(
        child=serializers.SlugField(), required=False, help_text="Métiers couverts (décennale)"
    )


class VerificationQueueView(APIView):
    """Checks waiting for Eldo staff, oldest first (staff only)."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=CheckOutputSerializer(many=True),
    )
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(checks.pending_queue(), request, view=self)
        return paginator.get_paginated_response(CheckOutputSerializer(page, many=True).data)


class VerificationDecisionView(APIView):
    """Verify or refuse a check (a reason is required to refuse). For a décennale, staff
    give what the certificate says: insurer, policy number, validity, trades covered."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]

    @extend_schema(
        request=CheckDecisionInputSerializer,
        responses={200: CheckOutputSerializer, 404: OpenApiResponse(description="Inconnue")},
    )
    def post(self, request, check_id: int):
        data = CheckDecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        trade_ids = None
        if "trades" in values:
            found = dict(
                Category.objects.filter(slug__in=values["trades"]).values_list("slug", "id")
            )
            unknown = sorted(set(values["trades"]) - set(found))
            if unknown:
                raise ApiValidationError({"trades": [f"Métier inconnu : {', '.join(unknown)}."]})
            trade_ids = list(found.values())
        try:
            check = checks.check_decide(
                check_id=check_id,
                decision=values["decision"],
                actor=request.user,
                reason=values["reason"],
                issuer=values.get("issuer"),
                number=values.get("number"),
                valid_from=values.get("valid_from"),
                valid_until=values.get("valid_until"),
                trade_ids=trade_ids,
            )
        except ProCheck.DoesNotExist as exc:
            raise NotFound from exc
        check = ProCheck.objects.select_related("pro").get(pk=check.pk)
        return Response(CheckOutputSerializer(check).data)


class VerificationDocumentView(APIView):
    """The check's document (staff only), as an attachment."""

    permission_classes = [permissions.IsAuthenticated, IsStaff]

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="Fichier")}
    )
    def get(self, request, check_id: int):
        check = ProCheck.objects.filter(pk=check_id).first()
        if check is None:
            raise NotFound
        return _document_response(check)  # its Http404 is DRF's 404


api_urlpatterns = [
    path("verifications/", VerificationQueueView.as_view(), name="verifications"),
    path(
        "verifications/<id:check_id>/decision/",
        VerificationDecisionView.as_view(),
        name="verification-decision",
    ),
    path(
        "verifications/<id:check_id>/document/",
        VerificationDocumentView.as_view(),
        name="verification-document",
    ),
]
