from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from apps.accounts import services
from apps.accounts.authentication import PARTNER_KINDS
from apps.accounts.models import (
    AuditEntry,
    Membership,
    MembershipInvitation,
    Organization,
    PartnerApiKey,
    User,
)
from apps.accounts.presentation.pages import AdminSignInForm

# /admin/login/ under the same sign-in limits as /connexion/ and the API.
admin.site.login_form = AdminSignInForm


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "staff_role", "is_staff", "is_active"]
    list_filter = ["staff_role", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "phone")}),
        (
            _("Rôles"),
            {
                "fields": (
                    "staff_role",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2", "staff_role")}),
    )
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivated(user=obj)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def delete_model(self, request, obj):
        """Through the service, so that every context hears ``OrganizationDeleted``."""
        services.organization_delete(organization_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for organization_id in list(queryset.values_list("pk", flat=True)):
            services.organization_delete(organization_id=organization_id)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(MembershipInvitation)
class MembershipInvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "organization__name"]
    readonly_fields = ["nonce", "created_at", "accepted_at"]
    autocomplete_fields = ["organization", "invited_by"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log is append-only: staff read it, nobody edits or deletes an entry."""

    list_display = ["occurred_at", "actor", "action", "target_ref", "summary"]
    list_filter = ["action", "target_type", ("actor", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "occurred_at"
    search_fields = ["target_ref", "summary", "actor__email"]
    list_select_related = ["actor"]
    ordering = ["-occurred_at", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Partner API keys: the library's admin shows a new key once (a message) and makes
# revocation final. Its own unscoped APIKey model is not used: hide it.
admin.site.unregister(APIKey)


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "organization", "last_used_at"]
    list_filter = ["revoked", "organization__kind"]
    search_fields = ["name", "prefix", "organization__name"]
    autocomplete_fields = ["organization", "created_by"]
    readonly_fields = ["last_used_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = (*super().get_readonly_fields(request, obj), "last_used_at")
        return (*fields, "organization") if obj is not None else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization":
            kwargs["queryset"] = Organization.objects.filter(kind__in=PARTNER_KINDS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
