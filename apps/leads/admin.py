from django.contrib import admin

from apps.leads.models import Lead, NetworkInstaller


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "reference",
        "source",
        "pro_id",
        "organization_id",
        "status",
        "created_at",
    )
    list_filter = ("status", "source")
    search_fields = ("reference", "external_id")
    raw_id_fields = ("replaced_by",)


@admin.register(NetworkInstaller)
class NetworkInstallerAdmin(admin.ModelAdmin):
    list_display = ("network_id", "pro_id", "department_codes", "category_slugs", "is_active")
