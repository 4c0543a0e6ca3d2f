"""Writes of the reviews context: submitting, confirming, moderating, replying, reporting.

Every function validates its input (French messages, raised as a field-keyed
``ValidationError``), changes state in one transaction and publishes its events there, so
that e-mails and aggregates follow after commit through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.contracts import AccountsFacade
from apps.core.errors import Conflict, Gone, NotFound
from apps.core.events import publish
from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade, ProRef
from apps.reviews import caching
from apps.reviews import photos as review_photos
from apps.reviews.checks import collected_review_checks, review_checks
from apps.reviews.events import (
    ReviewModerated,
    ReviewPublished,
    ReviewReplied,
    ReviewSubmitted,
    ReviewUnpublished,
)
from apps.reviews.invitations import InvitationError, invitation_for_token
from apps.reviews.models import (
    EMAIL_CONFIRMED_SOURCES,
    PUBLIC_STATUSES,
    InvitationSource,
    ModerationAction,
    ModerationDecision,
    ReportReason,
    Review,
    ReviewInvitation,
    ReviewLabel,
    ReviewReply,
    ReviewReport,
    ReviewSource,
    ReviewStatus,
)
from apps.reviews.rules import (
    BODY_MAX,
    BODY_MIN,
    CONFIRMATION_MAX_AGE,
    CRITERIA,
    DECISION_REASONS,
    REPLY_MAX,
    REPLY_MIN,
    SPONTANEOUS_WINDOW,
    TITLE_MAX,
    TITLE_MIN,
    check_email,
    check_length,
    check_rating,
    check_work_date,
    clean_text,
    email_hash,
    email_normalize,
    first_name,
    text_fingerprint,
)

directory: DirectoryFacade = facade("directory")
accounts: AccountsFacade = facade("accounts")

CONFIRMATION_SALT = "reviews.confirm"


class ReviewNotFound(NotFound):
    """Unknown, not public, or not the caller's to act on: the edge answers 404."""


class InvalidTransition(Conflict):
    """The review's status does not allow this change: the edge answers 409."""


class ConfirmationError(Gone):
    """A confirmation link that cannot be used: ``code`` is invalid (404) or expired (410)."""

    def __init__(self, code: str, message: str):
        super().__init__(message, code=code)


# --- Submitting -------------------------------------------------------------------------


def _place(postcode: str, commune: str) -> tuple[str, list[str]]:
    postcode = (postcode or "").replace(" ", "")
    communes = directory.communes_for_postcode(postcode) if len(postcode) == 5 else []
    if not communes:
        return "", [_("Saisissez un code postal français valide (5 chiffres).")]
    wanted = clean_text(commune).lower()
    for ref in communes:
        if wanted and wanted in (ref.name.lower(), ref.slug):
            return ref.name, []
    return communes[0].name, []


def _category(slug: str) -> tuple[str, list[str]]:
    for category in directory.categories():
        if category.slug == slug:
            return category.name, []
    return "", [_("Catégorie de travaux inconnue.")]


def label_for_invitation(invitation: ReviewInvitation | None) -> str:
    """ "Avis vérifié" only for an invitation Eldo itself sent after a job it dispatched;
    any invitation the pro sent (single, CSV, link) collects an "avis collecté"."""
    if invitation is None:
        return ReviewLabel.SPONTANEOUS
    if invitation.source == InvitationSource.ELDO:
        return ReviewLabel.VERIFIED
    return ReviewLabel.COLLECTED


def _pro_for(*, pro_slug: str | None, invitation: ReviewInvitation | None) -> ProRef:
    if invitation is not None:
        pro = directory.pros_by_ids([invitation.pro_id]).get(invitation.pro_id)
    elif pro_slug:
        pro = directory.pros_by_slugs([pro_slug]).get(pro_slug)
    else:
        raise ValidationError({"pro": [_("Indiquez l'entreprise que vous notez.")]})
    if pro is None:
        raise ValidationError({"pro": [_("Entreprise inconnue.")]})
    return pro


@dataclass(frozen=True)
class _Draft:
    """A submission that passed every check, ready to be recorded."""

    pro: ProRef
    source: str
    label: str
    rating: int
    criteria: dict[str, int]
    title: str
    body: str
    work_category: str
    work_category_name: str
    work_date: date | None
    author_name: str
    author_email: str
    author_postcode: str
    author_commune: str
    author_user_id: int | None
    author_ip: str | None
    fingerprint: str
    flags: list[str]
    confirmed: bool


def review_submit(
    *,
    rating: int,
    title: str,
    body: str,
    author_name: str,
    author_postcode: str,
    work_category: str,
    work_date: date | None,
    author_email: str = "",
    pro_slug: str | None = None,
    invitation_token: str | None = None,
    permanent_link: bool = False,
    criteria: dict[str, int | None] | None = None,
    photos=(),
    author_commune: str = "",
    author_ip: str | None = None,
    author_device: str = "",
    author_user_id: int | None = None,
) -> Review:
    """Record a review, invited or spontaneous (e-mail confirmation, moderation).

    Its label follows the invitation (``label_for_invitation``). An invited review that
    passes every automatic check is published at once (a collected one also passes the
    sampling and anomaly checks, ``checks.collected_review_checks``); any other goes to the
    moderation queue (a spontaneous one once its author confirmed the address).

    The transaction holds no slow work and calls no other context: the photos are checked
    and their originals stored privately, and the other contexts asked (pro, place, trade,
    account, sign-ins), before it opens; it only locks the invitation and writes the rows,
    a pending row per photo among them. The photos are re-encoded after the answer, by the
    ``ReviewSubmitted`` handler (``apps.reviews.photos``), and show from then on. A failed
    transaction leaves no file behind.
    """
    invitation = _invitation(invitation_token, for_update=False) if invitation_token else None
    pro = _pro_for(pro_slug=pro_slug, invitation=invitation)
    if invitation is not None:
        author_email = invitation.customer_email
    source, label = _origin(invitation, permanent_link=permanent_link)
    title, body = clean_text(title), clean_text(body)
    author_email = email_normalize(author_email or "")
    name = first_name(author_name or "")
    scores = {k: v for k, v in (criteria or {}).items() if k in CRITERIA and v is not None}
    errors = _text_errors(rating=rating, criteria=scores, title=title, body=body)
    errors["author_name"] = [] if name else [_("Indiquez votre prénom.")]
    errors["author_email"] = check_email(author_email) or _repeat_errors(
        pro_id=pro.id, source=source, author_email=author_email
    )
    commune, errors["author_postcode"] = _place(author_postcode, author_commune)
    category_name, errors["work_category"] = _category(work_category or "")
    errors["work_date"] = check_work_date(work_date)
    checked, errors["photos"] = review_photos.photos_check(photos)
    errors = {k: v for k, v in errors.items() if v}
    if errors:
        raise ValidationError(errors)

    fingerprint = text_fingerprint(body)
    flags = review_checks(
        pro_slug=pro.slug,
        organization_id=pro.organization_id,
        author_email=author_email,
        author_ip=author_ip,
        author_user_id=author_user_id,
        title=title,
        body=body,
        fingerprint=fingerprint,
    )
    if source == ReviewSource.SPONTANEOUS:
        flags.insert(0, "spontaneous")
    if label == ReviewLabel.COLLECTED:
        # The pro chose whom to ask: sampled moderation and the anomaly checks.
        flags += collected_review_checks(
            invitation=invitation,
            organization_id=pro.organization_id,
            pro_id=pro.id,
            author_email=author_email,
            rating=rating,
            author_ip=author_ip,
            author_device=author_device,
        )
    draft = _Draft(
        pro=pro,
        source=source,
        label=label,
        rating=rating,
        criteria=scores,
        title=title,
        body=body,
        work_category=work_category,
        work_category_name=category_name,
        work_date=work_date,
        author_name=name,
        author_email=author_email,
        author_postcode=author_postcode.replace(" ", ""),
        author_commune=commune,
        author_user_id=author_user_id,
        author_ip=author_ip or None,
        fingerprint=fingerprint,
        flags=flags,
        confirmed=bool(invitation) or _is_account_email(author_user_id, author_email),
    )
    originals = review_photos.originals_store(checked)
    try:
        with transaction.atomic():
            review = _review_record(draft, invitation_token=invitation_token)
            review_photos.pending_record(review, originals)
            _submitted_publish(review)
    except BaseException:
        review_photos.originals_discard(originals)
        raise
    return review


def _submitted_publish(review: Review) -> None:
    publish(
        ReviewSubmitted(
            review_id=review.pk,
            pro_id=review.pro_id,
            source=review.source,
            status=review.status,
        )
    )
    if review.status == ReviewStatus.PUBLISHED:
        _publish_event(review)


def _invitation(token: str, *, for_update: bool) -> ReviewInvitation:
    try:
        return invitation_for_token(token, for_update=for_update)
    except InvitationError as exc:
        raise ValidationError({"invitation_token": [exc.message]}, code=exc.code) from exc


def _origin(invitation: ReviewInvitation | None, *, permanent_link: bool) -> tuple[str, str]:
    """(source, label) of a review: its invitation's, the permanent link's, or none."""
    if invitation is not None:
        return ReviewSource.INVITED, label_for_invitation(invitation)
    if permanent_link:
        # The pro's permanent link or QR code: the pro chose whom to hand it, "collecté".
        return ReviewSource.LINK, ReviewLabel.COLLECTED
    return ReviewSource.SPONTANEOUS, label_for_invitation(None)


def _text_errors(
    *, rating: int, criteria: dict[str, int], title: str, body: str
) -> dict[str, list[str]]:
    errors = {"rating": check_rating(rating)}
    for key, value in criteria.items():
        errors[f"rating_{key}"] = check_rating(value, label=str(CRITERIA[key][1]))
    errors["title"] = check_length(
        title,
        low=TITLE_MIN,
        high=TITLE_MAX,
        message=_("Le titre doit compter de %(min)s à %(max)s caractères.")
        % {"min": TITLE_MIN, "max": TITLE_MAX},
    )
    errors["body"] = check_length(
        body,
        low=BODY_MIN,
        high=BODY_MAX,
        message=_("Votre avis doit compter de %(min)s à %(max)s caractères.")
        % {"min": BODY_MIN, "max": f"{BODY_MAX:,}".replace(",", "\u202f")},
    )
    return errors


def _repeat_errors(*, pro_id: int, source: str, author_email: str) -> list[str]:
    """One spontaneous or link review per address and pro every 12 months."""
    if source not in EMAIL_CONFIRMED_SOURCES:
        return []
    already = Review.objects.filter(
        pro_id=pro_id,
        author_email=author_email,
        source__in=EMAIL_CONFIRMED_SOURCES,
        created_at__gte=timezone.now() - SPONTANEOUS_WINDOW,
    ).exclude(status=ReviewStatus.REJECTED)
    if not already.exists():
        return []
    return [_("Vous avez déjà donné un avis sur cette entreprise au cours des 12 derniers mois.")]


def _review_record(draft: _Draft, *, invitation_token: str | None) -> Review:
    """Write the review, its invitation's completion and the moderation decision.

    Runs in the caller's transaction. The invitation is locked and checked again: two
    submissions through one link record one review."""
    invitation = _invitation(invitation_token, for_update=True) if invitation_token else None
    flags = draft.flags
    now = timezone.now()
    # A permanent-link review without any check fired is published once its author
    # confirmed the address (at once when signed in with it; see review_email_confirm).
    publish_now = not flags and draft.confirmed
    review = Review.objects.create(
        pro_id=draft.pro.id,
        invitation=invitation,
        source=draft.source,
        label=draft.label,
        status=ReviewStatus.PUBLISHED if publish_now else ReviewStatus.PENDING,
        rating=draft.rating,
        **{CRITERIA[key][0]: value for key, value in draft.criteria.items()},
        title=draft.title,
        body=draft.body,
        work_category_slug=draft.work_category,
        work_category_name=draft.work_category_name,
        work_date=draft.work_date,
        author_name=draft.author_name,
        author_email=draft.author_email,
        author_postcode=draft.author_postcode,
        author_commune=draft.author_commune,
        author_user_id=draft.author_user_id,
        author_ip=draft.author_ip,
        text_fingerprint=draft.fingerprint,
        check_flags=flags,
        email_confirmed_at=now if draft.confirmed else None,
        created_at=now,
        published_at=now if publish_now else None,
    )
    if invitation is not None:
        invitation.completed_at = now
        invitation.opened_at = invitation.opened_at or now
        invitation.started_at = invitation.started_at or now
        invitation.save(update_fields=["completed_at", "opened_at", "started_at"])
    ModerationDecision.objects.create(
        review=review,
        action=ModerationAction.AUTO_PUBLISH if publish_now else ModerationAction.HOLD,
        reason=",".join(flags),
        to_status=review.status,
    )
    return review


def _is_account_email(user_id: int | None, email: str) -> bool:
    if not user_id:
        return False
    identity = accounts.identity_for_user_id(user_id)
    return bool(identity and email_normalize(identity.email) == email)


def _publish_event(review: Review) -> None:
    publish(
        ReviewPublished(
            review_id=review.pk,
            pro_id=review.pro_id,
            rating=review.rating,
            source=review.source,
            published_at=review.published_at.isoformat(),
        )
    )


# --- E-mail confirmation of spontaneous reviews ------------------------------------------


def review_confirmation_token(review: Review) -> str:
    return signing.TimestampSigner(salt=CONFIRMATION_SALT).sign_object(
        {"r": review.pk, "e": email_hash(review.author_email)}
    )


def review_for_confirmation(token: str) -> Review:
    """The review a confirmation link names, checked (signature, age, address) but not
    confirmed: opening the link shows a button, only its POST confirms (mail scanners
    follow links). Raises ConfirmationError."""
    try:
        data = signing.TimestampSigner(salt=CONFIRMATION_SALT).unsign_object(
            token, max_age=CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise ConfirmationError(
            "expired",
            _("Ce lien de confirmation a expiré (7 jours) : déposez votre avis à nouveau."),
        ) from exc
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ConfirmationError("invalid", _("Ce lien de confirmation n'est pas valide.")) from exc
    review = Review.objects.filter(pk=data.get("r") if isinstance(data, dict) else None).first()
    if review is None or email_hash(review.author_email) != data.get("e"):
        raise ConfirmationError("invalid", _("Ce lien de confirmation n'est pas valide."))
    return review


def review_email_confirm(token: str) -> Review:
    """The author pressed the button of the confirmation page: the review joins the queue."""
    review = review_for_confirmation(token)
    if review.email_confirmed_at is None:
        with transaction.atomic():
            now = timezone.now()
            confirmed = Review.objects.filter(pk=review.pk, email_confirmed_at__isnull=True).update(
                email_confirmed_at=now
            )
            review.refresh_from_db()
            if (
                confirmed
                and review.source == ReviewSource.LINK
                and not review.check_flags
                and review.status == ReviewStatus.PENDING
            ):
                # Through the pro's permanent link, no check fired: published like an
                # invited review once the address is confirmed.
                review.status, review.published_at = ReviewStatus.PUBLISHED, now
                review.save(update_fields=["status", "published_at"])
                ModerationDecision.objects.create(
                    review=review,
                    action=ModerationAction.AUTO_PUBLISH,
                    reason="",
                    to_status=review.status,
                )
                _publish_event(review)
    return review


# --- Moderation -------------------------------------------------------------------------

# Publishing a published review only settles its open reports (a competitor's report
# leaves the review online and unmarked until then).
_ALLOWED_FROM = {
    "publish": {ReviewStatus.PENDING, ReviewStatus.IN_DISPUTE, ReviewStatus.PUBLISHED},
    "reject": {ReviewStatus.PENDING, ReviewStatus.IN_DISPUTE, ReviewStatus.PUBLISHED},
}


@transaction.atomic
def review_moderate(
    *, review_id: int, moderator_id: int, decision: str, reason: str, note: str = ""
) -> Review:
    """Publish or reject a review with a reason from the list; logged, reviewer told."""
    reasons = DECISION_REASONS.get(decision)
    if reasons is None:
        raise ValidationError({"decision": [_("Décision inconnue : publish ou reject.")]})
    if reason not in reasons:
        raise ValidationError(
            {
                "reason": [
                    _("Motif inconnu pour cette décision : %(codes)s.")
                    % {"codes": ", ".join(reasons)}
                ]
            }
        )
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None:
        raise ReviewNotFound
    previous = review.status
    settles_reports = review.reports.filter(resolved_at__isnull=True).exists()
    if previous not in _ALLOWED_FROM[decision] or (
        decision == "publish" and previous == ReviewStatus.PUBLISHED and not settles_reports
    ):
        raise InvalidTransition(
            _("Impossible : l'avis est déjà « %(status)s ».")
            % {"status": ReviewStatus(previous).label}
        )
    if (
        decision == "publish"
        and review.source in EMAIL_CONFIRMED_SOURCES
        and review.email_confirmed_at is None
    ):
        raise InvalidTransition(_("L'auteur n'a pas encore confirmé son adresse e-mail."))
    now = timezone.now()
    review.status = ReviewStatus.PUBLISHED if decision == "publish" else ReviewStatus.REJECTED
    if decision == "publish" and review.published_at is None:
        review.published_at = now
    review.save(update_fields=["status", "published_at", "updated_at"])
    review.reports.filter(resolved_at__isnull=True).update(resolved_at=now)
    ModerationDecision.objects.create(
        review=review,
        moderator_id=moderator_id,
        action=ModerationAction.PUBLISH if decision == "publish" else ModerationAction.REJECT,
        reason=reason,
        note=clean_text(note)[:2000],
        from_status=previous,
        to_status=review.status,
        created_at=now,
    )
    was_public, is_public = previous in PUBLIC_STATUSES, review.status in PUBLIC_STATUSES
    if is_public and not was_public:
        _publish_event(review)
    elif was_public and not is_public:
        publish(ReviewUnpublished(review_id=review.pk, pro_id=review.pro_id))
    publish(
        ReviewModerated(
            review_id=review.pk,
            decision=decision,
            reason=reason,
            moderator_id=moderator_id,
            from_status=previous,
            moderated_at=now.isoformat(),
        )
    )
    return review


# --- The pro's reply and reports ----------------------------------------------------------


def _public_review(review_id: int, *, for_update: bool = False) -> Review:
    queryset = Review.objects.select_for_update() if for_update else Review.objects
    review = queryset.filter(pk=review_id, status__in=PUBLIC_STATUSES).first()
    if review is None:
        raise ReviewNotFound
    return review


class ReportLimitReached(InvalidTransition):
    """Too many open reports from the reporter's organization on this pro: the edges
    answer like any refused transition (409 with the French message, or the message on the
    page)."""


def _open_reports_on_pro(*, pro_id: int, user_id: int, organization_ids: set[int]) -> int:
    """Open reports on this pro's reviews by the reporter's organizations (or, for someone
    without one, by the reporter)."""
    from django.db.models import Q

    mine = (
        Q(reporter_organization_id__in=organization_ids)
        if organization_ids
        else Q(reporter_id=user_id)
    )
    return ReviewReport.objects.filter(
        mine, review__pro_id=pro_id, resolved_at__isnull=True
    ).count()


def _is_competitor(review: Review, organization_ids: set[int]) -> bool:
    """Is the reporter a member of a pro competing with the reviewed one (same trade,
    overlapping area)? The reviewed pro's own organization is no competitor."""
    pros = [p for p in directory.pros_for_organizations(sorted(organization_ids))]
    others = [p.id for p in pros if p.id != review.pro_id]
    return bool(others and directory.pros_competing(pro_id=review.pro_id, other_pro_ids=others))


def _member_organization(review: Review, user_id: int) -> int | None:
    """The reviewed pro's organization when the user is one of its members."""
    pro = directory.pros_by_ids([review.pro_id]).get(review.pro_id)
    identity = accounts.identity_for_user_id(user_id)
    if pro is None or identity is None:
        return None
    return pro.organization_id if pro.organization_id in identity.organization_ids() else None


def review_reply_create(*, review_id: int, user_id: int, body: str) -> ReviewReply:
    """The pro's one public reply; only members of the reviewed pro's organization.

    The membership is asked of directory and accounts before the transaction opens (a
    review's pro never changes); the transaction only locks the review and writes."""
    organization_id = _member_organization(_public_review(review_id), user_id)
    if organization_id is None:
        raise ReviewNotFound
    body = clean_text(body)
    errors = check_length(
        body,
        low=REPLY_MIN,
        high=REPLY_MAX,
        message=_("La réponse doit compter de %(min)s à %(max)s caractères.")
        % {"min": REPLY_MIN, "max": f"{REPLY_MAX:,}".replace(",", "\u202f")},
    )
    if errors:
        raise ValidationError({"body": errors})
    with transaction.atomic():
        review = _public_review(review_id, for_update=True)
        if ReviewReply.objects.filter(review=review).exists():
            raise InvalidTransition(_("Votre entreprise a déjà répondu à cet avis."))
        reply = ReviewReply.objects.create(
            review=review, organization_id=organization_id, author_id=user_id, body=body
        )
        publish(ReviewReplied(review_id=review.pk, pro_id=review.pro_id))
    return reply


def review_report_create(
    *, review_id: int, user_id: int, reason: str, details: str = ""
) -> ReviewReport:
    """Report a public review: it stays online, marked "en cours de vérification", until a
    moderator decides. Free of charge, for the reviewed pro and for any signed-in user.

    At most REVIEWS_OPEN_REPORTS_PER_PRO (5) open reports per reporting organization (or
    person, without one) on one pro's reviews (ReportLimitReached). A member of a competing
    pro (same trade, overlapping area: ``directory.api.pros_competing``) reports to the
    moderators only: the review keeps its public state.

    Who reports (accounts) and whether they compete (directory) is read before the
    transaction opens; the transaction locks the review, checks the limits and writes."""
    review = _public_review(review_id)
    if reason not in ReportReason.values:
        raise ValidationError({"reason": [_("Motif de signalement inconnu.")]})
    details = clean_text(details)
    if len(details) > 2000:
        raise ValidationError({"details": [_("2 000 caractères au plus.")]})
    if reason == ReportReason.OTHER and len(details) < 10:
        raise ValidationError({"details": [_("Précisez le motif du signalement.")]})
    identity = accounts.identity_for_user_id(user_id)
    organization_ids = identity.organization_ids() if identity else set()
    from_competitor = _is_competitor(review, organization_ids)
    member_of = _member_organization(review, user_id)
    with transaction.atomic():
        review = _public_review(review_id, for_update=True)
        _report_limits_check(review, user_id=user_id, organization_ids=organization_ids)
        report = ReviewReport.objects.create(
            review=review,
            reporter_id=user_id,
            organization_id=member_of,
            reporter_organization_id=min(organization_ids) if organization_ids else None,
            from_competitor=from_competitor,
            reason=reason,
            details=details,
        )
        if not from_competitor:
            # A competitor's report goes to a moderator; the public sees no change.
            _dispute_open(review, reason=reason)
    return report


def _report_limits_check(review: Review, *, user_id: int, organization_ids: set[int]) -> None:
    """One open report per person and review; REVIEWS_OPEN_REPORTS_PER_PRO per pro."""
    if review.reports.filter(reporter_id=user_id, resolved_at__isnull=True).exists():
        raise InvalidTransition(
            _("Vous avez déjà signalé cet avis ; il est en cours de vérification.")
        )
    limit = settings.REVIEWS_OPEN_REPORTS_PER_PRO
    if (
        _open_reports_on_pro(
            pro_id=review.pro_id, user_id=user_id, organization_ids=organization_ids
        )
        >= limit
    ):
        raise ReportLimitReached(
            _(
                "Vous avez déjà %(limit)s signalements en cours de vérification sur les avis "
                "de cette entreprise : attendez la décision de nos modérateurs."
            )
            % {"limit": limit}
        )


def _dispute_open(review: Review, *, reason: str) -> None:
    """A published review reported: "en cours de vérification" until a moderator decides."""
    if review.status != ReviewStatus.PUBLISHED:
        return
    review.status = ReviewStatus.IN_DISPUTE
    review.save(update_fields=["status", "updated_at"])
    ModerationDecision.objects.create(
        review=review,
        moderator_id=None,
        action=ModerationAction.REPORTED,
        reason=reason,
        from_status=ReviewStatus.PUBLISHED,
        to_status=ReviewStatus.IN_DISPUTE,
    )
    caching.public_reviews_changed_on_commit(pro_id=review.pro_id)
