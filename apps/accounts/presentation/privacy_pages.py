"""The "Mes données" page (GDPR): download everything, or erase the account."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts import services
from apps.accounts.presentation.api_views import export_filename
from apps.accounts.privacy import personal_data_export

app_name = "accounts-privacy"

CONFIRMATION_WORD = "SUPPRIMER"


class AccountEraseForm(forms.Form):
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirmation = forms.CharField(
        label=_("Pour confirmer, tapez SUPPRIMER"),
        max_length=20,
        help_text=_("La suppression est définitive : elle ne peut pas être annulée."),
    )

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"].strip()
        if value.upper() != CONFIRMATION_WORD:
            raise ValidationError(_("Tapez SUPPRIMER en toutes lettres pour confirmer."))
        return value


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    form = AccountEraseForm(request.POST or None)
    problem = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_erase(user=request.user, password=form.cleaned_data["password"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except services.ErasureRefused as exc:
                problem = exc.message
                status = 409
            else:
                logout(request)
                messages.success(
                    request,
                    _(
                        "Votre compte a été supprimé. Vos coordonnées sont effacées ; vos avis "
                        "restent publiés sans votre nom."
                    ),
                )
                return redirect("home")
        if form.errors:
            status = 400
    return render(
        request,
        "accounts/my_data.html",
        {"form": form, "problem": problem, "user_email": request.user.email},
        status=status,
    )


@never_cache
@login_required
@require_GET
def my_data_download(request):
    response = JsonResponse(
        personal_data_export(user=request.user),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
    return response


urlpatterns = [
    path("mon-compte/donnees/", my_data, name="my-data"),
    path("mon-compte/donnees/telecharger/", my_data_download, name="my-data-download"),
]
