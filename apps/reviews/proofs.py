"""Proofs of experience: an invoice or a quote a review's author uploads so that Eldo can
tie the review to a real job. Private (the "private" storage, no URL), seen by moderators
only (NF Z74-501 / ISO 20488 allow such a check); once a moderator accepts one, the review
is labelled "avis vérifié".

Only the review's author may upload: the link they hold carries a signed token over the
review's id and a hash of its author's e-mail (``proof_token``). Any other token, or a
token of another review, answers as if the review did not exist (404).
"""

from __future__ import annotations

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.documents import DocumentRejected, document_check
from apps.core.errors import Conflict, NotFound
from apps.core.events import publish
from apps.reviews.events import ReviewLabelChanged
from apps.reviews.models import (
    PUBLIC_STATUSES,
    ModerationAction,
    ModerationDecision,
    ProofStatus,
    Review,
    ReviewLabel,
    ReviewProof,
    ReviewStatus,
)
from apps.reviews.rules import clean_text, email_hash

PROOF_SALT = "reviews.proof"
PROOF_TOKEN_MAX_AGE = 60 * 60 * 24 * 90  # 90 days to find the invoice
PROOF_DECISIONS = ("accept", "reject")


class ProofNotFound(NotFound):
    """Unknown review, or a token that is not its author's: the edge answers 404."""


class ProofConflict(Conflict):
    """The proof or its review is not in a state that allows this (409)."""


def proof_token(review: Review) -> str:
    return signing.TimestampSigner(salt=PROOF_SALT).sign_object(
        {"r": review.pk, "e": email_hash(review.author_email)}
    )


def review_for_proof_token(token: str, *, review_id: int | None = None) -> Review:
    """The review this token lets its author prove; ProofNotFound otherwise."""
    try:
        data = signing.TimestampSigner(salt=PROOF_SALT).unsign_object(
            token or "", max_age=PROOF_TOKEN_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ProofNotFound from exc
    if not isinstance(data, dict) or (review_id is not None and data.get("r") != review_id):
        raise ProofNotFound
    review = Review.objects.filter(pk=data.get("r")).first()
    if review is None or email_hash(review.author_email) != data.get("e"):
        raise ProofNotFound
    return review


@transaction.atomic
def review_proof_upload(*, token: str, upload, review_id: int | None = None) -> ReviewProof:
    """Store the author's proof (checked first: nothing is stored when it is refused)."""
    review = review_for_proof_token(token, review_id=review_id)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status == ReviewStatus.REJECTED:
        raise ProofNotFound
    if review.label == ReviewLabel.VERIFIED:
        raise ProofConflict(_("Cet avis est déjà vérifié par Eldo."))
    if review.proofs.filter(status=ProofStatus.PENDING).exists():
        raise ProofConflict(_("Un justificatif de cet avis est déjà en cours d'examen."))
    if upload is None:
        raise ValidationError({"file": [_("Joignez votre facture ou votre devis.")]})
    try:
        checked = document_check(upload=upload)
    except DocumentRejected as exc:
        raise ValidationError({"file": exc.messages}) from exc
    name = storages["private"].save(f"reviews/proofs/{checked.content.name}", checked.content)
    return ReviewProof.objects.create(
        review=review,
        file_name=name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )


def proof_open(proof: ReviewProof):
    return storages["private"].open(proof.file_name, "rb")


@transaction.atomic
def review_proof_decide(
    *, review_id: int, proof_id: int, moderator_id: int, decision: str, note: str = ""
) -> ReviewProof:
    """A moderator accepts (the review becomes "avis vérifié") or rejects a pending proof."""
    if decision not in PROOF_DECISIONS:
        raise ValidationError({"decision": [_("Décision inconnue : accept ou reject.")]})
    proof = (
        ReviewProof.objects.select_for_update()
        .select_related("review")
        .filter(pk=proof_id, review_id=review_id)
        .first()
    )
    if proof is None:
        raise ProofNotFound
    if proof.status != ProofStatus.PENDING:
        raise ProofConflict(_("Ce justificatif a déjà été examiné."))
    now = timezone.now()
    proof.status = ProofStatus.ACCEPTED if decision == "accept" else ProofStatus.REJECTED
    proof.decided_at, proof.moderator_id = now, moderator_id
    proof.note = clean_text(note)[:2000]
    proof.save(update_fields=["status", "decided_at", "moderator_id", "note"])
    review = proof.review
    ModerationDecision.objects.create(
        review=review,
        moderator_id=moderator_id,
        action=ModerationAction.PROOF_ACCEPTED
        if decision == "accept"
        else ModerationAction.PROOF_REJECTED,
        note=proof.note,
        from_status=review.status,
        to_status=review.status,
        created_at=now,
    )
    if decision == "accept" and review.label != ReviewLabel.VERIFIED:
        review.label = ReviewLabel.VERIFIED
        review.save(update_fields=["label", "updated_at"])
        publish(
            ReviewLabelChanged(
                review_id=review.pk,
                pro_id=review.pro_id,
                label=review.label,
                is_public=review.status in PUBLIC_STATUSES,
            )
        )
    return proof
