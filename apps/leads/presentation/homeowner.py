""" "Mes projets" (pages) and GET /api/v1/me/quotes/ (API): the homeowner's requests."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import api as accounts
from apps.leads.homeowner import (
    homeowner_project,
    homeowner_project_close,
    homeowner_project_reopen,
    homeowner_projects,
)

app_name = "leads-homeowner"


class ReopenForm(forms.Form):
    note = forms.CharField(
        label="Pourquoi un autre artisan ?",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Comment s'est terminé le projet ?",
        choices=[("done", "Travaux réalisés"), ("abandoned", "Projet abandonné")],
    )
    pro_id = forms.IntegerField(label="Avec quel artisan ?", required=False)


def _first_error(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def projects(request):
    rows = homeowner_projects(user_id=request.user.pk)
    context = {
        "projects": rows,
        "verified": bool(accounts.verified_email_for_user_id(request.user.pk)),
        "reopen_form": ReopenForm(),
    }
    return render(request, "leads/homeowner/projects.html", context)


@login_required
@require_POST
def reopen(request, quote_id: int):
    form = ReopenForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        homeowner_project_reopen(user_id=request.user.pk, quote_id=quote_id, note=note)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(
            request,
            "C'est noté : un conseiller Eldo reprend votre demande et vous propose un autre "
            "artisan.",
        )
    return redirect("leads-homeowner:projects")


@login_required
@require_POST
def close(request, quote_id: int):
    homeowner_project(user_id=request.user.pk, quote_id=quote_id)  # 404 first
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez comment s'est terminé le projet.")
        return redirect("leads-homeowner:projects")
    try:
        closing = homeowner_project_close(
            user_id=request.user.pk,
            quote_id=quote_id,
            outcome=form.cleaned_data["outcome"],
            pro_id=form.cleaned_data["pro_id"],
        )
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
        return redirect("leads-homeowner:projects")
    if closing.invitation_id:
        messages.success(
            request,
            "Projet clôturé. Nous venons de vous envoyer par e-mail une invitation à donner "
            "votre avis : il portera la mention « Avis vérifié ».",
        )
    else:
        messages.success(request, "Projet clôturé. Merci de nous avoir tenus au courant.")
    return redirect("leads-homeowner:projects")


class ProjectProSerializer(serializers.Serializer):
    pro_id = serializers.IntegerField()
    pro_name = serializers.CharField()
    pro_slug = serializers.CharField()
    contact_confirmed = serializers.ChoiceField(
        choices=["yes", "no", ""],
        help_text="Votre réponse à « L'artisan vous a-t-il contacté ? » ; vide : pas encore.",
    )
    contact_label = serializers.CharField()


class ProjectSerializer(serializers.Serializer):
    quote_id = serializers.IntegerField()
    reference = serializers.CharField(help_text="ELD-AAAA-NNNNNN")
    kind = serializers.ChoiceField(choices=["quote", "callback"])
    status = serializers.ChoiceField(
        choices=["new", "in_qualification", "qualified", "dispatched", "rejected", "unreachable"]
    )
    status_label = serializers.CharField()
    category_name = serializers.CharField()
    description = serializers.CharField()
    commune_name = serializers.CharField()
    postcode = serializers.CharField()
    created_at = serializers.DateTimeField()
    dispatched_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=["", "done", "abandoned"], help_text="Votre clôture du projet ; vide : en cours."
    )
    outcome_label = serializers.CharField()
    outcome_pro_id = serializers.IntegerField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    pros = ProjectProSerializer(many=True, help_text="Les artisans choisis pour vous.")
    can_reopen = serializers.BooleanField()
    can_close = serializers.BooleanField()


class MyQuotesView(APIView):
    """My requests (matched on my verified address), newest first, with the chosen pros and
    whether each contacted me. An account whose address is not verified gets []."""

    pagination_class: type[BasePagination] | None = None

    @extend_schema(operation_id="me_quotes_list", responses=ProjectSerializer(many=True))
    def get(self, request):
        return Response(
            ProjectSerializer(homeowner_projects(user_id=request.user.pk), many=True).data
        )


@login_required
@require_POST
def verify_address(request):
    """An account whose address is not verified yet: the link goes to that mailbox."""
    if accounts.email_verification_send(user_id=request.user.pk, next_path="/mes-projets/"):
        messages.success(
            request,
            f"Un lien de vérification vient d'être envoyé à {request.user.email}.",
        )
    return redirect("leads-homeowner:projects")


urlpatterns = [
    path("mes-projets/", projects, name="projects"),
    path("mes-projets/verifier-mon-adresse/", verify_address, name="verify-address"),
    path("mes-projets/<id:quote_id>/autre-artisan/", reopen, name="reopen"),
    path("mes-projets/<id:quote_id>/cloturer/", close, name="close"),
]
