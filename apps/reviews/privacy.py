"""GDPR for the reviews context: a person's reviews, invitations and reports in the
export, and what erasure does to them.

Erasure keeps a review (its text, ratings, photos, dates, commune) because it informs
other consumers and belongs to the pro's public record (legitimate interest, Code de la
consommation L111-7-2), but it no longer names anyone: the author becomes "Ancien
utilisateur", the e-mail, the IP address and the link to the account are erased.
Invitations sent to that address lose the name and address and can no longer be used.

An organization's deletion (``OrganizationDeleted``) removes what belonged to it — its
invitations, replies, invitation settings, scheduled invitations and digests — and detaches
it from the reports its members made; the reviews of its pro stay (the pro's public record).
"""

from __future__ import annotations

from secrets import token_hex
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.events import OrganizationDeleted, UserErased
from apps.core.events import on
from apps.core.facade_ports import facade
from apps.core.privacy import iso, register_exporter, rows_with_email_digest
from apps.directory.contracts import DirectoryFacade
from apps.reviews.aggregates import widget_caches_invalidate
from apps.reviews.caching import authors_erased_on_commit, public_reviews_changed_many
from apps.reviews.models import (
    DigestOptOut,
    DigestSent,
    InvitationPolicy,
    InvitationTiming,
    Review,
    ReviewInvitation,
    ReviewReply,
    ReviewReport,
    ScheduledInvitation,
)
from apps.reviews.rules import email_normalize

directory: DirectoryFacade = facade("directory")

ERASED_AUTHOR_NAME = "Ancien utilisateur"


def _authored(*, user_id: int | None, email: str = "", email_sha256: str = ""):
    """The reviews of the account or of the address (written without an account, or before
    it existed): the address itself (the export, which has it) or its digest (erasure)."""
    condition = Q(author_user_id=user_id) if user_id else Q(pk__in=[])
    if email:
        condition |= Q(author_email=email_normalize(email))
    if email_sha256:
        by_address = rows_with_email_digest(
            Review.objects.all(), field="author_email", digest=email_sha256
        )
        condition |= Q(pk__in=by_address.values("pk"))
    return Review.objects.filter(condition)


def export_for(*, user_id: int, email: str) -> dict[str, Any]:
    email = email_normalize(email or "")
    reviews = list(
        _authored(user_id=user_id, email=email)
        .select_related("reply")
        .prefetch_related("photos", "pending_photos")
        .order_by("created_at", "pk")
    )
    invitations = (
        list(ReviewInvitation.objects.filter(customer_email=email).order_by("created_at", "pk"))
        if email
        else []
    )
    reports = list(ReviewReport.objects.filter(reporter_id=user_id).order_by("created_at", "pk"))
    pros = directory.pros_by_ids(
        sorted({r.pro_id for r in reviews} | {i.pro_id for i in invitations})
    )

    def pro_name(pro_id: int) -> str:
        pro = pros.get(pro_id)
        return pro.name if pro else ""

    return {
        "reviews": [
            {
                "id": review.pk,
                "pro": pro_name(review.pro_id),
                "status": review.status,
                "source": review.source,
                "rating": review.rating,
                "rating_quality": review.rating_quality,
                "rating_timeliness": review.rating_timeliness,
                "rating_cleanliness": review.rating_cleanliness,
                "rating_value": review.rating_value,
                "title": review.title,
                "body": review.body,
                "work_category": review.work_category_name,
                "work_date": iso(review.work_date),
                "author_name": review.author_name,
                "author_email": review.author_email,
                "author_postcode": review.author_postcode,
                "author_commune": review.author_commune,
                "author_ip": review.author_ip,
                "created_at": iso(review.created_at),
                "published_at": iso(review.published_at),
                "photos": [photo.image.url for photo in review.photos.all()],
                # Received with the review, being prepared for publication (their originals
                # are private until then: apps.reviews.photos).
                "photos_pending": len(review.pending_photos.all()),
                "pro_reply": review.reply.body if hasattr(review, "reply") else None,
            }
            for review in reviews
        ],
        "invitations_received": [
            {
                "pro": pro_name(invitation.pro_id),
                "customer_name": invitation.customer_name,
                "customer_email": invitation.customer_email,
                "work_description": invitation.work_description,
                "work_date": iso(invitation.work_date),
                "sent_at": iso(invitation.sent_at),
                "delivered_at": iso(invitation.delivered_at),
                "email_opened_at": iso(invitation.email_opened_at),
                "opened_at": iso(invitation.opened_at),
                "started_at": iso(invitation.started_at),
                "completed_at": iso(invitation.completed_at),
                "reminders_sent": invitation.reminders_sent,
            }
            for invitation in invitations
        ],
        "reports_made": [
            {
                "review_id": report.review_id,
                "reason": report.reason,
                "details": report.details,
                "created_at": iso(report.created_at),
            }
            for report in reports
        ],
    }


register_exporter("reviews", export_for)


def _proofs_delete(reviews) -> None:
    from django.core.files.storage import storages

    from apps.reviews.models import ReviewProof

    proofs = ReviewProof.objects.filter(review__in=reviews)
    names = list(proofs.values_list("file_name", flat=True))
    proofs.delete()
    storage = storages["private"]
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


@transaction.atomic
def reviews_erase_author(*, user_id: int | None, email_sha256: str, now=None) -> int:
    """Anonymise the author of every review of this person (the account, and the address
    whose ``apps.core.privacy.email_digest`` is ``email_sha256``); idempotent. Returns the
    count."""
    now = now or timezone.now()
    # Their invoices and quotes (proofs of experience) go: the label they earned stays.
    _proofs_delete(_authored(user_id=user_id, email_sha256=email_sha256))
    pro_ids = sorted(
        set(_authored(user_id=user_id, email_sha256=email_sha256).values_list("pro_id", flat=True))
    )
    count = _authored(user_id=user_id, email_sha256=email_sha256).update(
        author_name=ERASED_AUTHOR_NAME,
        author_email="",
        author_ip=None,
        author_user_id=None,
        updated_at=now,
    )
    if user_id:
        # Their reports stay (moderation history: reason, dates), their own words go.
        ReviewReport.objects.filter(reporter_id=user_id).exclude(details="").update(details="")
        # Their weekly-digest opt-out named only them (an erased account gets no digest).
        DigestOptOut.objects.filter(user_id=user_id).delete()
    if count:
        # Cached pages (apps.core.pagecache) still show the name: rebuild them on commit.
        authors_erased_on_commit()
        # The widget is cached apart (its own key, per pro): dropped too, so the first
        # name leaves the pros' websites at once.
        transaction.on_commit(lambda: widget_caches_invalidate(pro_ids=pro_ids))
    if email_sha256:
        # Eldo's automatic invitations still waiting for their date: never sent.
        rows_with_email_digest(
            ScheduledInvitation.objects.all(), field="customer_email", digest=email_sha256
        ).delete()
        # Invitations to that address: no name, no address, and a link that no longer
        # works (new nonce, expired), so no reminder is ever sent again.
        invitations = rows_with_email_digest(
            ReviewInvitation.objects.all(), field="customer_email", digest=email_sha256
        )
        for invitation in invitations:
            invitation.customer_name = ""
            invitation.customer_email = ""
            invitation.customer_phone = ""
            invitation.email_hash = ""
            invitation.nonce = token_hex(16)
            invitation.expires_at = min(invitation.expires_at, now)
            invitation.save(
                update_fields=[
                    "customer_name",
                    "customer_email",
                    "customer_phone",
                    "email_hash",
                    "nonce",
                    "expires_at",
                ]
            )
    return count


@on(UserErased)
def erase_review_author(event: UserErased) -> None:
    reviews_erase_author(user_id=event.user_id, email_sha256=event.email_sha256)


@transaction.atomic
def organization_rows_remove(*, organization_id: int) -> None:
    """What the database's cascades did when the rows still pointed at the organization;
    idempotent (a second delivery finds nothing left). Deleting the invitations detaches
    the reviews and suppressed addresses that came from them, as before."""
    ReviewInvitation.objects.filter(organization_id=organization_id).delete()
    replies = ReviewReply.objects.filter(organization_id=organization_id)
    pro_ids = sorted(set(replies.values_list("review__pro_id", flat=True)))
    replies.delete()
    for model in (InvitationPolicy, InvitationTiming, ScheduledInvitation, DigestSent):
        model.objects.filter(organization_id=organization_id).delete()
    ReviewReport.objects.filter(organization_id=organization_id).update(organization_id=None)
    ReviewReport.objects.filter(reporter_organization_id=organization_id).update(
        reporter_organization_id=None
    )
    if pro_ids:
        # Its replies were shown under its pro's reviews: cached pages rebuild.
        transaction.on_commit(lambda: public_reviews_changed_many(pro_ids=pro_ids))


@on(OrganizationDeleted)
def remove_organization_rows(event: OrganizationDeleted) -> None:
    organization_rows_remove(organization_id=event.organization_id)


def retention_purge(*, now=None) -> dict[str, int]:
    """Daily: what reviews keeps no longer than needed (docs/privacy.md). Idempotent.

    - invitations older than REVIEWS_INVITATION_RETENTION_DAYS lose the customer's name
      and address (the funnel's dates and counts stay: collection rate);
    - reviews older than REVIEWS_IP_RETENTION_DAYS lose the author's IP address (only the
      24-hour fraud check reads it).
    """
    from datetime import timedelta

    from django.conf import settings

    now = now or timezone.now()
    invitation_cutoff = now - timedelta(days=settings.REVIEWS_INVITATION_RETENTION_DAYS)
    ip_cutoff = now - timedelta(days=settings.REVIEWS_IP_RETENTION_DAYS)
    invitations = (
        ReviewInvitation.objects.filter(created_at__lt=invitation_cutoff)
        .exclude(customer_email="")
        .update(customer_name="", customer_email="", customer_phone="", email_hash="")
    )
    addresses = Review.objects.filter(created_at__lt=ip_cutoff, author_ip__isnull=False).update(
        author_ip=None
    )
    return {"invitations": invitations, "review_ips": addresses}
