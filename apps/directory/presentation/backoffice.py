"""Back office: the pro edits its own public profile (/espace-pro/profil/)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts import api as accounts
from apps.core.actor import MANAGING_ROLES
from apps.core.backoffice import backoffice_context_of
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
MAX_PHOTOS = 30


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
        # static/js/chips.js turns the native multi-select into searchable chips.
        widget=forms.SelectMultiple(attrs={"data-chips": ""}),
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
    context = backoffice_context_of(request, accounts.backoffice_context, section="profile")
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
    return context, pro, org.role in MANAGING_ROLES


def _forms(request, action: str | None, pro: ProProfile) -> dict[str, forms.BaseForm]:
    """The page's forms, the one of the posted ``action`` bound to the request."""

    def data(name: str):
        return request.POST if action == name else None

    def files(name: str):
        return request.FILES if action == name else None

    return {
        "form": ProfileForm(data("profile"), instance=pro),
        "photo_form": PhotoForm(data("photo"), files("photo")),
        "logo_form": LogoForm(data("logo"), files("logo")),
        "cert_form": CertificationForm(data("certification")),
        # The label form also has a "valid_until": distinct ids.
        "insurance_form": InsuranceForm(
            data("insurance"), files("insurance"), auto_id="id_insurance_%s"
        ),
    }


# Each action of the page: (request, pro, forms) → the success message, or None when a
# form keeps its errors (the page is shown again, 400). A foreign target raises Http404.


def _profile_save(request, pro, page_forms) -> str | None:
    form = page_forms["form"]
    if not form.is_valid():
        return None
    data = form.cleaned_data
    services.pro_profile_update(
        pro_id=pro.id,
        changes={field: data[field] for field in services.PROFILE_FIELDS},
        category_ids=[category.id for category in data["categories"]],
        department_ids=[department.pk for department in data["service_departments"]],
    )
    return "Profil mis à jour."


def _photo_add(request, pro, page_forms) -> str | None:
    form = page_forms["photo_form"]
    if not form.is_valid():
        return None
    if ProPhoto.objects.filter(pro=pro).count() >= MAX_PHOTOS:
        form.add_error("image", "30 photos au plus : supprimez-en une d'abord.")
        return None
    try:
        services.pro_photo_add(
            pro_id=pro.id,
            upload=form.cleaned_data["image"],
            caption=form.cleaned_data["caption"],
            uploaded_by_id=request.user.id,
        )
    except ImageRejected as exc:
        form.add_error("image", exc.messages)
        return None
    return "Photo ajoutée."


def _logo_set(request, pro, page_forms) -> str | None:
    form = page_forms["logo_form"]
    if not form.is_valid():
        return None
    try:
        services.pro_logo_set(pro_id=pro.id, upload=form.cleaned_data["logo"])
    except ImageRejected as exc:
        form.add_error("logo", exc.messages)
        return None
    return "Logo mis à jour."


def _label_declare(request, pro, page_forms) -> str | None:
    # Declared by the pro: pending until the official list or Eldo staff confirm it.
    form = page_forms["cert_form"]
    if not form.is_valid():
        return None
    try:
        checks.label_declare(
            pro_id=pro.id,
            label=form.cleaned_data["kind"],
            number=form.cleaned_data["number"],
            valid_until=form.cleaned_data["valid_until"],
        )
    except ValidationError:
        form.add_error("number", "Cette certification est déjà enregistrée.")
        return None
    return "Label enregistré : il reste en attente de vérification."


def _insurance_submit(request, pro, page_forms) -> str | None:
    form = page_forms["insurance_form"]
    if not form.is_valid():
        return None
    data = form.cleaned_data
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
        form.add_error("certificate", exc.messages)
        return None
    except ValidationError as exc:
        form.add_error("policy_number", exc.messages)
        return None
    return "Attestation envoyée : l'équipe Eldo la vérifie."


def _manager_check_request(request, pro, page_forms) -> str:
    checks.manager_check_request(pro_id=pro.id)
    return "Demande envoyée : un conseiller Eldo vous contactera."


def _target(request) -> int:
    target = request.POST.get("target", "")
    return int(target) if target.isdigit() else 0


def _check_withdraw(request, pro, page_forms) -> str:
    if not checks.check_withdraw(pro_id=pro.id, check_id=_target(request)):
        raise Http404
    return "Supprimé."


def _photo_remove(request, pro, page_forms) -> str:
    if not services.pro_photo_remove(pro_id=pro.id, photo_id=_target(request)):
        raise Http404
    return "Supprimé."


ACTIONS = {
    "profile": _profile_save,
    "photo": _photo_add,
    "logo": _logo_set,
    "certification": _label_declare,
    "insurance": _insurance_submit,
    "manager_check": _manager_check_request,
    "delete_certification": _check_withdraw,
    "delete_photo": _photo_remove,
}


@login_required
def profile_page(request):
    context, pro, can_edit = _pro_for(request)
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not can_edit:
        messages.error(request, "Seuls le gérant et les responsables modifient le profil.")
        return redirect("directory-backoffice:profile")
    page_forms = _forms(request, action, pro)
    handler = ACTIONS.get(action or "")
    done = handler(request, pro, page_forms) if handler else None
    if done:
        messages.success(request, done)
        return redirect("directory-backoffice:profile")
    context.update(
        {
            "pro": pro,
            "can_edit": can_edit,
            "photos": list(pro.photos.all()),
            **page_forms,
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
