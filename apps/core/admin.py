from django.contrib import admin

from apps.core.models import HandledEvent, OutboxEvent


class HandledEventInline(admin.TabularInline):
    model = HandledEvent
    extra = 0
    readonly_fields = ["handler", "handled_at"]
    can_delete = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "delivered_at", "attempts"]
    list_filter = ["name", ("delivered_at", admin.EmptyFieldListFilter)]
    search_fields = ["id", "name"]
    readonly_fields = [
        "id",
        "name",
        "payload",
        "created_at",
        "delivered_at",
        "attempts",
        "last_error",
    ]
    inlines = [HandledEventInline]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Relivrer maintenant")
    def redeliver(self, request, queryset):
        from apps.core import outbox

        done = sum(outbox.deliver(pk) for pk in queryset.values_list("id", flat=True))
        self.message_user(request, f"{done} événement(s) livré(s).")
