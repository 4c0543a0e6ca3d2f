from django.contrib import admin

from apps.core.models import HandledEvent, OutboxEvent


@admin.register(HandledEvent)
class HandledEventAdmin(admin.ModelAdmin):
    """The inbox: which handler of which consumer ran for which event id."""

    list_display = ["event_id", "consumer", "handler", "handled_at"]
    list_filter = ["consumer"]
    search_fields = ["=event_id", "handler"]
    readonly_fields = ["event_id", "consumer", "handler", "handled_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
        "handled_by",
    ]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="traité par")
    def handled_by(self, obj):
        handlers = HandledEvent.objects.filter(event_id=obj.id).values_list("handler", flat=True)
        return ", ".join(sorted(handlers)) or "—"

    @admin.action(description="Relivrer maintenant")
    def redeliver(self, request, queryset):
        from apps.core import outbox

        done = sum(outbox.deliver(pk) for pk in queryset.values_list("id", flat=True))
        self.message_user(request, f"{done} événement(s) livré(s).")
