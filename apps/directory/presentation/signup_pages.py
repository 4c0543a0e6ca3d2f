"""Pro sign-up (/inscription-pro/), "Revendiquer ma fiche" and the waiting page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import BaseThrottle

from apps.accounts import api as accounts
from apps.core.throttling import FailureWindow
from apps.directory.models import Category, ProProfile
from apps.directory.signup import (
    claim_channels,
    claim_code_send,
    claim_code_verify,
    claim_document_submit,
    claim_locked_until,
    pro_signup,
    signup_state,
)

app_name = "directory-signup"


class SignupForm(forms.Form):
    siret = forms.CharField(
        label="SIRET de l'entreprise",
        max_length=20,
        help_text="14 chiffres, sur votre Kbis ou avis de situation Insee.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    company_name = forms.CharField(
        label="Raison sociale",
        max_length=200,
        required=False,
        help_text="Inutile si votre entreprise a déjà sa fiche sur Eldo.",
    )
    postcode = forms.CharField(label="Code postal du siège", max_length=5, required=False)
    category = forms.ChoiceField(label="Métier principal", required=False, choices=())
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(label="Adresse e-mail professionnelle", max_length=254)
    phone = forms.CharField(label="Téléphone", max_length=20, required=False)
    password = forms.CharField(
        label="Mot de passe", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        trades = Category.objects.filter(parent__isnull=True).order_by("name")
        self.fields["category"].choices = [("", "—")] + [(c.slug, c.name) for c in trades]


FIELD_OF = {"category": "category", "company_name": "company_name"}


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    # Each sign-up creates an account and a profile: a few per client address and hour.
    window = FailureWindow("pro_signup", BaseThrottle().get_ident(request) or "unknown")
    if request.method == "POST" and window.wait() is not None:
        form.add_error(None, "Trop d'inscriptions depuis cette connexion : réessayez plus tard.")
        return render(request, "directory/signup/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = pro_signup(
                siret=data["siret"],
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                company_name=data["company_name"],
                postcode=data["postcode"],
                category_slug=data["category"],
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            window.record()
            user = get_user_model().objects.get(pk=result.user_id)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if result.claim_slug:
                return redirect("directory-signup:claim", slug=result.claim_slug)
            return redirect("directory-signup:pending")
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/signup/signup.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def claim(request, slug: str):
    pro = get_object_or_404(ProProfile, slug=slug)
    error, sent, status = "", request.session.get(f"claim-sent-{pro.pk}", ""), 200
    document_sent = False
    if request.method == "POST":
        try:
            if request.POST.get("action") == "document":
                upload = request.FILES.get("document")
                if upload is None:
                    raise ValidationError({"document": ["Joignez votre Kbis (PDF, JPEG ou PNG)."]})
                claim_document_submit(pro=pro, user_id=request.user.pk, upload=upload)
                document_sent = True
            elif request.POST.get("action") == "send":
                claim_code_send(
                    pro=pro, user_id=request.user.pk, channel=request.POST.get("channel", "")
                )
                sent = request.session[f"claim-sent-{pro.pk}"] = request.POST.get("channel", "")
            else:
                claim_code_verify(
                    pro=pro, user_id=request.user.pk, code=request.POST.get("code", "")
                )
                return redirect("backoffice:dashboard")
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 400
    context = {
        "pro": pro,
        "channels": claim_channels(pro),
        "sent": sent,
        "error": error,
        "locked_until": claim_locked_until(pro),
        "document_sent": document_sent,
    }
    return render(request, "directory/signup/claim.html", context, status=status)


def claim_document(request, claim_id: int):
    """A claim's Kbis, to Eldo staff only (404 otherwise), as a sandboxed attachment."""
    from django.core.files.storage import storages
    from django.http import FileResponse

    from apps.directory.models import ProClaim

    if not (request.user.is_authenticated and request.user.is_superuser):
        raise Http404
    claim = ProClaim.objects.filter(pk=claim_id).exclude(document="").first()
    storage = storages["private"]
    if claim is None or not storage.exists(claim.document):
        raise Http404
    extension = claim.document.rsplit(".", 1)[-1]
    response = FileResponse(
        storage.open(claim.document, "rb"),
        as_attachment=True,
        filename=f"revendication-{claim.pk}.{extension}",
        content_type=claim.document_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def pending(request):
    identity = accounts.identity_for_user_id(request.user.pk)
    org_ids = identity.organization_ids() if identity else set()
    pro = ProProfile.objects.filter(organization_id__in=org_ids).order_by("pk").first()
    if pro is None:
        raise Http404
    context = {
        "pro": pro,
        "state": signup_state(pro=pro),
        "email_verified": request.user.email_verified_at is not None,
    }
    return render(request, "directory/signup/pending.html", context)


urlpatterns = [
    path("inscription-pro/", signup, name="signup"),
    path("inscription-pro/revendiquer/<slug:slug>/", claim, name="claim"),
    path("inscription-pro/en-attente/", pending, name="pending"),
    path(
        "equipe/revendications/<id:claim_id>/justificatif/",
        claim_document,
        name="claim-document",
    ),
]
