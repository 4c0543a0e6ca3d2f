"""Reactions of the reviews context to its own events, run by the outbox relay after the
publishing transaction committed (in-process in embedded mode, in a Celery worker with
Redis). Each runs at most once per event; each re-reads the state, so a late delivery
never mails someone who completed the review or opted out meanwhile."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from apps.accounts.events import TokensRevoked
from apps.core.events import on, prepared_by
from apps.core.facade_ports import facade
from apps.core.principal import tokens_revoked_record
from apps.directory.contracts import DirectoryFacade, ProRef
from apps.reviews import caching, emails, photos, sending, sms
from apps.reviews.aggregates import pro_aggregates_refresh
from apps.reviews.events import (
    InvitationsPaused,
    ReviewLabelChanged,
    ReviewModerated,
    ReviewPublished,
    ReviewReminderDue,
    ReviewReplied,
    ReviewRequestCreated,
    ReviewSubmitted,
    ReviewUnpublished,
)
from apps.reviews.models import (
    EMAIL_CONFIRMED_SOURCES,
    Review,
    ReviewInvitation,
    ReviewStatus,
)
from apps.reviews.services import review_confirmation_token

directory: DirectoryFacade = facade("directory")


@on(ReviewPublished)
def refresh_aggregates_on_publication(event: ReviewPublished) -> None:
    pro_aggregates_refresh(pro_id=event.pro_id)


@on(ReviewUnpublished)
def refresh_aggregates_on_withdrawal(event: ReviewUnpublished) -> None:
    pro_aggregates_refresh(pro_id=event.pro_id)


@on(ReviewLabelChanged)
def refresh_after_a_label_change(event: ReviewLabelChanged) -> None:
    # The score weighs labels differently and the cards show the label.
    if event.is_public:
        pro_aggregates_refresh(pro_id=event.pro_id)
        caching.public_reviews_changed(pro_id=event.pro_id)


@on(ReviewPublished)
def rebuild_review_pages_on_publication(event: ReviewPublished) -> None:
    caching.public_reviews_changed(pro_id=event.pro_id)


@on(ReviewUnpublished)
def rebuild_review_pages_on_withdrawal(event: ReviewUnpublished) -> None:
    caching.public_reviews_changed(pro_id=event.pro_id)


@on(ReviewReplied)
def rebuild_review_pages_on_reply(event: ReviewReplied) -> None:
    caching.public_reviews_changed(pro_id=event.pro_id)


@on(ReviewModerated)
def rebuild_review_pages_on_decision(event: ReviewModerated) -> None:
    # A reported review published again loses its "en cours de vérification" mark.
    pro_id = Review.objects.filter(pk=event.review_id).values_list("pro_id", flat=True).first()
    if pro_id is not None:
        caching.public_reviews_changed(pro_id=pro_id)


# The handlers that show the pro read it from directory in their ``prepare`` step, before
# the inbox opens their transaction (``apps.core.events.prepared_by``).


def _pro(pro_id: int | None) -> ProRef | None:
    return directory.pros_by_ids([pro_id]).get(pro_id) if pro_id is not None else None


def _pro_of_invitation(event) -> ProRef | None:
    pro_id = (
        ReviewInvitation.objects.filter(pk=event.invitation_id)
        .values_list("pro_id", flat=True)
        .first()
    )
    return _pro(pro_id)


def _pro_of_review(event) -> ProRef | None:
    return _pro(Review.objects.filter(pk=event.review_id).values_list("pro_id", flat=True).first())


@on(ReviewRequestCreated)
@prepared_by(lambda event: sending.invitation_pro(event.invitation_id))
def send_invitation(event: ReviewRequestCreated, pro: ProRef | None) -> None:
    # Outside the organization's sending hours it stays queued for the beat task.
    sending.invitation_deliver_to(event.invitation_id, pro=pro)


@on(ReviewReminderDue)
@prepared_by(_pro_of_invitation)
def send_reminder(event: ReviewReminderDue, pro: ProRef | None) -> None:
    invitation = ReviewInvitation.objects.filter(pk=event.invitation_id).first()
    if not sending.still_invitable(invitation):
        return
    if not sending.may_send_now(invitation.organization_id):
        # Delivered late (a broker outage) once the hours closed: put it back, the hourly
        # task queues it again when they open.
        previous = (
            datetime.fromisoformat(event.previous_reminded_at)
            if event.previous_reminded_at
            else None
        )
        ReviewInvitation.objects.filter(pk=invitation.pk, reminders_sent=event.number).update(
            reminders_sent=event.number - 1, last_reminded_at=previous
        )
        return
    if pro is not None:
        emails.invitation_send(invitation=invitation, pro=pro, reminder=event.number)
        sms.reminder_sms_send(invitation=invitation, pro=pro)


def _awaiting_confirmation(review_id: int) -> Review | None:
    """The review when its author still has to confirm the address (spontaneous)."""
    review = Review.objects.filter(pk=review_id).first()
    if (
        review is None
        or review.source not in EMAIL_CONFIRMED_SOURCES
        or review.email_confirmed_at is not None
        or review.status != ReviewStatus.PENDING
    ):
        return None
    return review


def _pro_to_confirm_for(event: ReviewSubmitted) -> ProRef | None:
    # Only the reviews awaiting a confirmation need the pro: no call for the others.
    return _pro(event.pro_id) if _awaiting_confirmation(event.review_id) else None


@on(ReviewSubmitted)
@prepared_by(_pro_to_confirm_for)
def ask_spontaneous_author_to_confirm(event: ReviewSubmitted, pro: ProRef | None) -> None:
    review = _awaiting_confirmation(event.review_id)
    if review is not None and pro is not None:
        emails.confirmation_send(review=review, pro=pro, token=review_confirmation_token(review))


def _photos_ready(event: ReviewSubmitted) -> list[photos.Ready]:
    return photos.photos_prepare(review_id=event.review_id)


@on(ReviewSubmitted)
@prepared_by(_photos_ready)
def show_the_photos(event: ReviewSubmitted, ready: list[photos.Ready]) -> None:
    photos.photos_publish(review_id=event.review_id, ready=ready)


@on(ReviewModerated)
@prepared_by(_pro_of_review)
def tell_author_the_decision(event: ReviewModerated, pro: ProRef | None) -> None:
    review = Review.objects.filter(pk=event.review_id).first()
    if review is not None:
        emails.decision_send(review=review, pro=pro, decision=event.decision, reason=event.reason)


@on(ReviewReplied)
@prepared_by(lambda event: _pro(event.pro_id))
def tell_author_about_the_reply(event: ReviewReplied, pro: ProRef | None) -> None:
    review = Review.objects.filter(pk=event.review_id).select_related("reply").first()
    if review is not None and hasattr(review, "reply"):
        emails.reply_send(review=review, pro=pro)


@on(InvitationsPaused)
@prepared_by(lambda event: _pro(event.pro_id))
def alert_staff_of_a_pause(event: InvitationsPaused, pro: ProRef | None) -> None:
    recipients = list(getattr(settings, "REVIEWS_STAFF_ALERT_EMAILS", []))
    if not recipients:
        return
    emails.invitations_paused_send(
        to=recipients,
        pro=pro,
        organization_id=event.organization_id,
        sent=event.sent,
        bounces=event.bounces,
        complaints=event.complaints,
        reason=event.reason,
    )


@on(TokensRevoked)
def refuse_revoked_tokens(event: TokensRevoked) -> None:
    """Run as its own service, reviews authorizes API callers from their token alone
    (``apps.core.principal``): it keeps the moment before which a user's tokens are refused."""
    tokens_revoked_record(user_id=event.user_id, before=event.before)
