"""Staff views of the reviews context. Decisions go through the moderation pages (which
log them and tell the author); the admin shows the data and the audit log, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.accounts.contracts import AccountsFacade
from apps.core.facade_ports import facade
from apps.reviews.models import (
    EmailSuppression,
    InvitationPolicy,
    InvitationTiming,
    ModerationDecision,
    Review,
    ReviewInvitation,
    ReviewPhoto,
    ReviewReply,
    ReviewReport,
    ScheduledInvitation,
)

accounts: AccountsFacade = facade("accounts")


class OrganizationColumn:
    """An ``organization`` column and search for rows keeping an organization's id: the
    names of a page come from accounts in one call; the search takes an id or a slug."""

    @admin.display(description=_("organisation"), ordering="organization_id")
    def organization(self, obj) -> str:
        return getattr(obj, "organization_label", f"organisation {obj.organization_id}")

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)  # type: ignore[misc]
        rows = list(changelist.result_list)
        infos = accounts.organizations_by_ids(sorted({row.organization_id for row in rows}))
        for row in rows:
            info = infos.get(row.organization_id)
            row.organization_label = (
                info.name if info else f"organisation {row.organization_id} (supprimée)"
            )
        return changelist

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(  # type: ignore[misc]
            request, queryset, search_term
        )
        term = search_term.strip()
        if term:
            ids = list(accounts.organization_ids_by_slugs([term]).values())
            if ids:
                queryset |= self.model.objects.filter(organization_id__in=ids)  # type: ignore[attr-defined]
        return queryset, may_have_duplicates


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PhotoInline(ReadOnlyInline):
    model = ReviewPhoto
    fields = ["image", "thumbnail", "width", "height", "position"]


class ReportInline(ReadOnlyInline):
    model = ReviewReport
    fields = ["reason", "details", "reporter_id", "organization_id", "created_at", "resolved_at"]


class DecisionInline(ReadOnlyInline):
    model = ModerationDecision
    fields = [
        "created_at",
        "action",
        "reason",
        "moderator_id",
        "from_status",
        "to_status",
        "note",
    ]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "pro_id", "rating", "source", "status", "created_at", "published_at"]
    list_filter = ["status", "source", "rating"]
    search_fields = ["title", "author_email", "author_name", "=pro_id"]
    date_hierarchy = "created_at"
    inlines = [PhotoInline, ReportInline, DecisionInline]
    readonly_fields = [f.name for f in Review._meta.concrete_fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReviewInvitation)
class ReviewInvitationAdmin(admin.ModelAdmin):
    list_display = [
        "customer_email",
        "pro_id",
        "created_at",
        "sent_at",
        "opened_at",
        "completed_at",
    ]
    list_filter = ["source"]
    search_fields = ["customer_email", "customer_name", "=pro_id"]
    readonly_fields = [f.name for f in ReviewInvitation._meta.concrete_fields if f.name != "nonce"]
    exclude = ["nonce"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ReviewReply)
class ReviewReplyAdmin(OrganizationColumn, admin.ModelAdmin):
    list_display = ["review", "organization", "created_at"]
    raw_id_fields = ["review"]


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(admin.ModelAdmin):
    list_display = ["review", "action", "reason", "moderator_id", "to_status", "created_at"]
    list_filter = ["action", "to_status"]
    readonly_fields = [f.name for f in ModerationDecision._meta.concrete_fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InvitationPolicy)
class InvitationPolicyAdmin(OrganizationColumn, admin.ModelAdmin):
    """Where staff raise an organization's daily quota of invitations, and resume the
    invitations of a paused one (empty "suspendues le")."""

    list_display = ["organization", "daily_quota", "paused_at", "paused_reason", "updated_at"]
    list_filter = [("paused_at", admin.EmptyFieldListFilter)]
    search_fields = ["=organization_id"]
    fields = ["organization_id", "daily_quota", "paused_at", "paused_reason"]


@admin.register(EmailSuppression)
class EmailSuppressionAdmin(admin.ModelAdmin):
    """Addresses Eldo no longer writes to (bounces, complaints, "adresse en erreur").
    Only their hash is kept; deleting a row lets invitations reach the address again."""

    list_display = ["email_hash", "reason", "pro_id", "created_at", "detail"]
    list_filter = ["reason"]
    readonly_fields = ["email_hash", "reason", "pro_id", "invitation", "detail", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(InvitationTiming)
class InvitationTimingAdmin(OrganizationColumn, admin.ModelAdmin):
    """The pros' delays for Eldo's automatic invitation after a won lead (they set them in
    their back office)."""

    list_display = ["organization", "days_after_work_end", "days_after_won", "updated_at"]
    search_fields = ["=organization_id"]


@admin.register(ScheduledInvitation)
class ScheduledInvitationAdmin(admin.ModelAdmin):
    """Eldo's automatic invitations, waiting for their date or handled (sent or skipped,
    with the reason). Read-only: the beat task sends them."""

    list_display = ["lead_id", "pro_id", "due_at", "processed_at", "invitation_id"]
    list_filter = [("processed_at", admin.EmptyFieldListFilter)]
    readonly_fields = [field.name for field in ScheduledInvitation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
