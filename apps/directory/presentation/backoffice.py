"""Back office: the pro edits its own public profile (/espace-pro/profil/)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts import api as accounts
from apps.core.documents import DocumentRejected
from apps.core.images import ImageRejected
from apps.directory import services
from apps.directory.models import (
    Category,
    CertificationKind,
    Department,
    ProPhoto,
    ProProfile,
)
from apps.directory.presentation import verification
from apps.directory.verification import checks

app_name = "directory-backoffice"
EDITORS = {"owner", "manager"}


class ProfileForm(forms.ModelForm):
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
    categories = forms.ModelMultipleChoiceField(
        label=_("Métiers"),
        queryset=Category.objects.filter(is_active=True).order_by("position", "name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un métier.")},
    )
    service_departments = forms.ModelMultipleChoiceField(
        label=_("Départements couverts"),
        queryset=Department.objects.order_by("code"),
        required=False,
        help_text=_("Maintenez Ctrl (ou Cmd) pour en choisir plusieurs."),
    )

    class Meta:
        model = ProProfile
        fields = [
            "description",
            "categories",
            "service_departments",
            "service_radius_km",
            "phone",
            "website",
            "year_founded",
            "headcount",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def clean_service_radius_km(self):
        radius = self.cleaned_data.get("service_radius_km")
        if radius is not None and not 1 <= radius <= 200:
            raise ValidationError(_("Le rayon d'intervention va de 1 à 200 km."))
        return radius

    def clean_year_founded(self):
        year = self.cleaned_data.get("year_founded")
        if year is not None and not 1800 <= year <= 2100:
            raise ValidationError(_("Année de création invalide."))
        return year

    def clean(self):
        data = super().clean()
        if not data.get("service_departments") and not data.get("service_radius_km"):
            raise ValidationError(
                _("Indiquez une zone d'intervention : des départements ou un rayon.")
            )
        return data


class PhotoForm(forms.Form):
    image = forms.ImageField(label=_("Photo (JPEG, PNG ou WebP, 10 Mo maximum)"))
    caption = forms.CharField(label=_("Légende"), max_length=200, required=False)


class LogoForm(forms.Form):
    logo = forms.ImageField(label=_("Logo (JPEG, PNG ou WebP)"))


def _not_past(value):
    if value is not None and value < timezone.localdate():
        raise ValidationError(_("Cette date est passée : indiquez une validité en cours."))
    return value


class CertificationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Label"), choices=CertificationKind.choices)
    number = forms.CharField(label=_("Numéro"), max_length=60)
    valid_until = forms.DateField(
        label=_("Valable jusqu'au"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_valid_until(self):
        return _not_past(self.cleaned_data.get("valid_until"))


class InsuranceForm(forms.Form):
    certificate = forms.FileField(
        label=_("Attestation d'assurance décennale (PDF, JPEG ou PNG, 10 Mo maximum)")
    )
    insurer = forms.CharField(label=_("Assureur"), max_length=120)
    policy_number = forms.CharField(label=_("Numéro de police"), max_length=60)
    valid_from = forms.DateField(
        label=_("Valable à partir du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    valid_until = forms.DateField(
        label=_("Valable jusqu'au"), widget=forms.DateInput(attrs={"type": "date"})
    )
    trades = forms.ModelMultipleChoiceField(
        label=_("Métiers couverts"),
        queryset=Category.objects.filter(is_active=True).order_by("position", "name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un métier couvert.")},
    )

    def clean_valid_until(self):
        return _not_past(self.cleaned_data.get("valid_until"))

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and start > end:
            self.add_error("valid_from", _("Le début de validité suit sa fin."))
        return data


def _pro_for(request):
    context = accounts.backoffice_context(request, section="profile")
    if context is None:
        raise Http404
    org = context["backoffice_org"]
    pro = (
        ProProfile.objects.filter(organization_id=org.organization_id)
        .select_related("commune")
        .first()
    )
    if pro is None:
        raise Http404
    return context, pro, org.role in EDITORS


@login_required
def profile_page(request):
    context, pro, can_edit = _pro_for(request)
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not can_edit:
        messages.error(request, "Seuls le gérant et les responsables modifient le profil.")
        return redirect("directory-backoffice:profile")
    form = ProfileForm(request.POST if action == "profile" else None, instance=pro)
    photo_form = PhotoForm(
        request.POST if action == "photo" else None, request.FILES if action == "photo" else None
    )
    logo_form = LogoForm(
        request.POST if action == "logo" else None, request.FILES if action == "logo" else None
    )
    cert_form = CertificationForm(request.POST if action == "certification" else None)
    insurance_form = InsuranceForm(
        request.POST if action == "insurance" else None,
        request.FILES if action == "insurance" else None,
        auto_id="id_insurance_%s",  # the label form also has a "valid_until"
    )
    if action == "profile" and form.is_valid():
        with transaction.atomic():
            form.save()
            services.pro_search_index_refresh(pro_ids=[pro.id])
            services.pro_profile_changed(pro_ids=[pro.id])
        messages.success(request, "Profil mis à jour.")
        return redirect("directory-backoffice:profile")
    if action == "photo" and photo_form.is_valid():
        if ProPhoto.objects.filter(pro=pro).count() >= 30:
            photo_form.add_error("image", "30 photos au plus : supprimez-en une d'abord.")
        else:
            try:
                services.pro_photo_add(
                    pro_id=pro.id,
                    upload=photo_form.cleaned_data["image"],
                    caption=photo_form.cleaned_data["caption"],
                    uploaded_by_id=request.user.id,
                )
            except ImageRejected as exc:
                photo_form.add_error("image", exc.messages)
            else:
                messages.success(request, "Photo ajoutée.")
                return redirect("directory-backoffice:profile")
    if action == "logo" and logo_form.is_valid():
        try:
            services.pro_logo_set(pro_id=pro.id, upload=logo_form.cleaned_data["logo"])
        except ImageRejected as exc:
            logo_form.add_error("logo", exc.messages)
        else:
            messages.success(request, "Logo mis à jour.")
            return redirect("directory-backoffice:profile")
    if action == "certification" and cert_form.is_valid():
        # Declared by the pro: pending until the official list or Eldo staff confirm it.
        try:
            checks.label_declare(
                pro_id=pro.id,
                label=cert_form.cleaned_data["kind"],
                number=cert_form.cleaned_data["number"],
                valid_until=cert_form.cleaned_data["valid_until"],
            )
        except ValidationError:
            cert_form.add_error("number", "Cette certification est déjà enregistrée.")
        else:
            messages.success(request, "Label enregistré : il reste en attente de vérification.")
            return redirect("directory-backoffice:profile")
    if action == "insurance" and insurance_form.is_valid():
        data = insurance_form.cleaned_data
        try:
            checks.insurance_certificate_submit(
                pro_id=pro.id,
                upload=data["certificate"],
                insurer=data["insurer"],
                policy_number=data["policy_number"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                trade_ids=[t.id for t in data["trades"]],
            )
        except DocumentRejected as exc:
            insurance_form.add_error("certificate", exc.messages)
        except ValidationError as exc:
            insurance_form.add_error("policy_number", exc.messages)
        else:
            messages.success(request, "Attestation envoyée : l'équipe Eldo la vérifie.")
            return redirect("directory-backoffice:profile")
    if action == "manager_check":
        checks.manager_check_request(pro_id=pro.id)
        messages.success(request, "Demande envoyée : un conseiller Eldo vous contactera.")
        return redirect("directory-backoffice:profile")
    if action == "delete_certification":
        target = request.POST.get("target", "")
        if not checks.check_withdraw(
            pro_id=pro.id, check_id=int(target) if target.isdigit() else 0
        ):
            raise Http404
        messages.success(request, "Supprimé.")
        return redirect("directory-backoffice:profile")
    if action == "delete_photo":
        target = request.POST.get("target", "")
        with transaction.atomic():
            deleted, _ = ProPhoto.objects.filter(
                pk=int(target) if target.isdigit() else 0, pro=pro
            ).delete()
            services.pro_profile_changed(pro_ids=[pro.id] if deleted else [])
        if not deleted:
            raise Http404
        messages.success(request, "Supprimé.")
        return redirect("directory-backoffice:profile")
    context.update(
        {
            "pro": pro,
            "can_edit": can_edit,
            "form": form,
            "photo_form": photo_form,
            "logo_form": logo_form,
            "cert_form": cert_form,
            "photos": list(pro.photos.all()),
            "insurance_form": insurance_form,
            **_checks_context(pro.id),
        }
    )
    # A POST that renders the page again was refused: its errors are next to the fields.
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/backoffice/profile.html", context, status=status)


def _checks_context(pro_id: int) -> dict:
    all_checks, missing = checks.pro_checks_overview(pro_id=pro_id)
    return {
        "certifications": [c for c in all_checks if c.kind == "label"],
        "checks": [c for c in all_checks if c.kind != "label"],
        "missing_checks": missing,
    }


urlpatterns = [
    path("espace-pro/profil/", profile_page, name="profile"),
    *verification.page_urlpatterns,
]
