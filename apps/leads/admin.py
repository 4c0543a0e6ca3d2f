from django.contrib import admin

from apps.leads.models import Lead, NetworkInstaller


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("id", "reference", "source", "pro_id", "organization", "status", "created_at")
    list_filter = ("status", "source")
    search_fields = ("reference", "external_id")
    raw_id_fields = ("organization", "network", "assigned_to", "replaced_by")


@admin.register(NetworkInstaller)
class NetworkInstallerAdmin(admin.ModelAdmin):
    list_display = ("network", "pro_id", "department_codes", "category_slugs", "is_active")
    raw_id_fields = ("network",)
