"""The geography is loaded by `load_geography`, never typed in: the admin only browses it."""

from django.contrib import admin

from apps.directory.models import Commune, Department, PostalCode, Region


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
