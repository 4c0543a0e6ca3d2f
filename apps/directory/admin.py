"""The geography is loaded by `load_geography`, never typed in: the admin only browses it."""

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts import api as accounts
from apps.core.images import ImageRejected, image_process
from apps.directory.brands import brand_changed
from apps.directory.models import (
    Brand,
    Category,
    Commune,
    Department,
    PostalCode,
    ProCheck,
    ProClaim,
    ProNetwork,
    ProPhoto,
    ProProfile,
    Region,
)
from apps.directory.services import (
    catalog_changed,
    pro_profile_changed,
    pro_profile_update,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    search_fields = ["code", "name"]
    list_select_related = ["region"]


class PostalCodeInline(admin.TabularInline):
    model = PostalCode
    extra = 0
    can_delete = False
    readonly_fields = ["code"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Commune)
class CommuneAdmin(ReadOnlyAdmin):
    list_display = [
        "insee_code",
        "name",
        "department",
        "population",
        "latitude",
        "longitude",
        "coordinates_source",
    ]
    list_filter = ["coordinates_source", "department__region"]
    search_fields = ["insee_code", "name", "search_name", "=postal_codes__code"]
    list_select_related = ["department"]
    ordering = ["-population"]
    inlines = [PostalCodeInline]


@admin.register(PostalCode)
class PostalCodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "commune"]
    search_fields = ["=code", "commune__name", "=commune__insee_code"]
    list_select_related = ["commune", "commune__department"]


# --- Trades and pro profiles (managed by Eldo staff) ---------------------------------------


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent", "position", "is_active"]
    list_filter = ["is_active", "parent"]
    search_fields = ["name", "slug"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(catalog_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(catalog_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(catalog_changed)

    prepopulated_fields = {"slug": ["name"]}
    list_editable = ["position", "is_active"]


class ProCheckInline(admin.TabularInline):
    """Checks are decided in the verification queue (/espace-eldo/verifications/), where
    staff see the documents: read-only here, and never a document link."""

    model = ProCheck
    extra = 0
    fields = ["kind", "label", "number", "status", "source", "valid_until", "checked_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ProPhotoForm(forms.ModelForm):
    class Meta:
        model = ProPhoto
        fields = ["image", "caption", "position"]

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                self._processed = image_process(upload=upload)
            except ImageRejected as exc:
                raise forms.ValidationError(exc.messages) from exc
            return self._processed.content
        return upload

    def save(self, commit=True):
        photo = super().save(commit=False)
        processed = getattr(self, "_processed", None)
        if processed is not None:
            photo.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
        if commit:
            photo.save()
        return photo


class ProPhotoInline(admin.TabularInline):
    model = ProPhoto
    form = ProPhotoForm
    extra = 0
    fields = ["image", "caption", "position"]


def _organization_id_check(organization_id: int, *, kinds: tuple[str, ...] = (), message) -> int:
    """Organizations live in accounts, kept here by id: the id must name one (of these kinds)."""
    found = accounts.organizations_by_ids([organization_id]).get(organization_id)
    if found is None or (kinds and found.kind not in kinds):
        raise forms.ValidationError(message)
    return organization_id


class ProNetworkForm(forms.ModelForm):
    class Meta:
        model = ProNetwork
        fields = ["network_id"]

    def clean_network_id(self) -> int:
        return _organization_id_check(
            self.cleaned_data["network_id"],
            kinds=("network", "manufacturer"),
            message=_("Aucun réseau ni fabricant n'a cet identifiant."),
        )


class ProNetworkInline(admin.TabularInline):
    """The networks and manufacturers of the pro, by their organization's id (accounts)."""

    model = ProNetwork
    form = ProNetworkForm
    extra = 0
    fields = ["network_id", "network_name"]
    readonly_fields = ["network_name"]

    @admin.display(description=_("nom"))
    def network_name(self, link):
        found = accounts.organizations_by_ids([link.network_id]) if link.network_id else {}
        return found[link.network_id].name if link.network_id in found else "—"


class ProProfileForm(forms.ModelForm):
    website = forms.URLField(label="Site web", required=False, assume_scheme="https")

    class Meta:
        model = ProProfile
        fields = [
            "organization_id",
            "name",
            "slug",
            "siret",
            "description",
            "logo",
            "address",
            "commune",
            "postcode",
            "latitude",
            "longitude",
            "service_radius_km",
            "service_departments",
            "categories",
            "year_founded",
            "headcount",
            "phone",
            "website",
            "is_published",
            "monthly_lead_cap",
        ]

    def clean_organization_id(self) -> int:
        return _organization_id_check(
            self.cleaned_data["organization_id"],
            message=_("Aucune organisation n'a cet identifiant."),
        )

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload and hasattr(upload, "content_type"):  # a new upload
            try:
                processed = image_process(upload=upload, max_side=800, thumb_size=(240, 240))
            except ImageRejected as exc:
                raise forms.ValidationError(exc.messages) from exc
            return processed.thumbnail
        return upload


@admin.register(ProProfile)
class ProProfileAdmin(admin.ModelAdmin):
    form = ProProfileForm
    list_display = ["name", "slug", "commune", "is_verified", "is_published", "updated_at"]
    list_filter = ["is_verified", "is_published", "categories", "commune__department"]
    search_fields = ["name", "slug", "siret", "search_name"]
    list_select_related = ["commune"]
    autocomplete_fields = ["commune"]
    filter_horizontal = ["categories", "service_departments"]
    # "Entreprise vérifiée" follows the identity check (action "Marquer comme vérifiées").
    readonly_fields = ["is_verified", "created_at", "updated_at"]
    inlines = [ProNetworkInline, ProCheckInline, ProPhotoInline]
    actions = ["mark_verified", "unpublish"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The form wrote the fields; the service refreshes the indexes and publishes the
        # events, in the admin's transaction (ProCreated leaves only if the pro exists).
        pro_profile_update(pro_id=form.instance.pk, created=not change)

    @admin.action(description="Marquer comme vérifiées")
    def mark_verified(self, request, queryset):
        from apps.directory.verification.checks import identity_verify_by_staff

        updated = identity_verify_by_staff(
            pro_ids=list(queryset.values_list("id", flat=True)), actor=request.user
        )
        self.message_user(request, f"{updated} entreprise(s) vérifiée(s).")

    @admin.action(description="Dépublier")
    def unpublish(self, request, queryset):
        pro_ids = list(queryset.values_list("id", flat=True))
        updated = queryset.update(is_published=False)
        pro_profile_changed(pro_ids=pro_ids)
        self.message_user(request, f"{updated} profil(s) dépublié(s).")


@admin.register(ProClaim)
class ProClaimAdmin(admin.ModelAdmin):
    """ "Revendiquer ma fiche": the claims by document (a Kbis) wait for staff here."""

    list_display = ["pro", "user_id", "channel", "created_at", "verified_at", "refused_at", "kbis"]
    list_filter = ["channel"]
    search_fields = ["pro__name", "=user_id"]
    list_select_related = ["pro"]
    readonly_fields = [
        "pro",
        "user_id",
        "channel",
        "attempts",
        "created_at",
        "expires_at",
        "locked_until",
        "verified_at",
        "refused_at",
        "decided_by_id",
        "kbis",
    ]
    exclude = ["code_hash"]
    actions = ["accept_documents", "refuse_documents"]

    @admin.display(description=_("justificatif"))
    def kbis(self, claim):
        from django.urls import reverse
        from django.utils.html import format_html

        if not claim.document:
            return "—"
        url = reverse("directory-signup:claim-document", args=[claim.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger"))

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Accepter le justificatif (rattacher à l'entreprise)"))
    def accept_documents(self, request, queryset):
        from apps.directory.signup import claim_document_decide

        for claim in queryset.filter(channel="document"):
            claim_document_decide(claim_id=claim.pk, actor=request.user, accept=True)

    @admin.action(description=_("Refuser le justificatif"))
    def refuse_documents(self, request, queryset):
        from apps.directory.signup import claim_document_decide

        for claim in queryset.filter(channel="document"):
            claim_document_decide(claim_id=claim.pk, actor=request.user, accept=False)


class BrandForm(forms.ModelForm):
    product_families = forms.CharField(
        label=_("familles de produits"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Une famille par ligne (ex. « Pompes à chaleur air/eau »)."),
    )
    website = forms.URLField(label=_("site web"), required=False, assume_scheme="https")

    class Meta:
        model = Brand
        fields = [
            "organization_id",
            "name",
            "slug",
            "tagline",
            "description",
            "logo",
            "website",
            "categories",
            "product_families",
            "is_published",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["product_families"] = "\n".join(self.instance.product_families)

    def clean_organization_id(self) -> int:
        return _organization_id_check(
            self.cleaned_data["organization_id"],
            kinds=("manufacturer",),
            message=_("Aucun fabricant n'a cet identifiant."),
        )

    def clean_product_families(self) -> list[str]:
        lines = (self.cleaned_data.get("product_families") or "").splitlines()
        return [line.strip()[:120] for line in lines if line.strip()][:30]

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload and hasattr(upload, "content_type"):  # a new upload
            try:
                processed = image_process(upload=upload, max_side=800, thumb_size=(240, 240))
            except ImageRejected as exc:
                raise forms.ValidationError(exc.messages) from exc
            return processed.thumbnail
        return upload


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    """A manufacturer's public page. Its certified installers are set on each pro profile
    ("Réseaux et marques"); its routing rules in the brand's space."""

    form = BrandForm
    list_display = ["name", "slug", "organization_id", "is_published", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["categories"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        transaction.on_commit(brand_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(brand_changed)
