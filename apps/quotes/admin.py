"""Read-only admin of the requests: the advisors work them in the console, where every
change goes through the state machine and its audit trail."""

from django.contrib import admin

from apps.quotes.models import (
    QuoteCall,
    QuoteDispatchChoice,
    QuoteNote,
    QuoteRequest,
    QuoteTransition,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CallInline(ReadOnlyInline):
    model = QuoteCall
    fields = ["created_at", "advisor_id", "outcome", "notes", "next_call_at"]
    readonly_fields = fields


class TransitionInline(ReadOnlyInline):
    model = QuoteTransition
    fields = ["created_at", "from_status", "to_status", "actor_id", "note"]
    readonly_fields = fields


class NoteInline(ReadOnlyInline):
    model = QuoteNote
    fk_name = "quote"
    fields = ["created_at", "body", "receipt"]
    readonly_fields = fields


class DispatchInline(ReadOnlyInline):
    model = QuoteDispatchChoice
    fields = ["position", "pro_slug", "pro_name", "pro_id"]
    readonly_fields = fields


@admin.register(QuoteRequest)
class QuoteRequestAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "kind",
        "status",
        "category_slug",
        "department_code",
        "created_at",
        "assigned_to_id",
    ]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["reference", "email", "last_name"]
    date_hierarchy = "created_at"
    inlines = [CallInline, NoteInline, TransitionInline, DispatchInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
