"""The company's API keys for its own quoting or invoicing tool,
/espace-pro/invitations/cles-api/ (owners and managers; others 404): create one (shown once,
on this answer only), revoke one for good. A key only invites customers
(``POST /api/v1/review-requests/tool/``) for this company."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.contracts import AccountsFacade
from apps.core.facade_ports import facade
from apps.reviews.presentation.access import backoffice_may_import as _may_import
from apps.reviews.presentation.access import backoffice_scope as _scope
from apps.reviews.presentation.forms import errors_to_form

accounts: AccountsFacade = facade("accounts")


class ToolKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Nom de la clé"),
        max_length=50,
        help_text=_("Le logiciel qui l'utilise, par exemple « Logiciel de facturation »."),
    )


def _organization(request) -> tuple[dict, int]:
    context, _pro = _scope(request, "invitations")
    if not _may_import(context):  # owners and managers
        raise Http404
    return context, context["backoffice_org"].organization_id


@login_required
@require_http_methods(["GET", "POST"])
def tool_keys_page(request):
    context, organization_id = _organization(request)
    form = ToolKeyForm(request.POST if request.method == "POST" else None)
    created_key, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _row, created_key = accounts.company_key_create(
                    organization_id=organization_id,
                    name=form.cleaned_data["name"],
                    created_by_id=request.user.pk,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
                status = 400
            else:
                form = ToolKeyForm()
        else:
            status = 400
    return render(
        request,
        "reviews/backoffice/tool_keys.html",
        context
        | {
            "keys": accounts.partner_keys(organization_id),
            "form": form,
            "created_key": created_key,
        },
        status=status,
    )  # signed in: "private, no-store", the key is never cached


@login_required
@require_POST
def tool_key_revoke(request, prefix: str):
    _context, organization_id = _organization(request)
    accounts.partner_key_revoke(organization_id=organization_id, prefix=prefix)
    messages.success(request, "Clé révoquée : elle ne fonctionne plus.")
    return redirect("reviews-backoffice:tool-keys")
