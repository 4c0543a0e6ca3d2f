"""The e-mails of the reviews context, French HTML + text, sent by the outbox handlers
(after commit, by a Celery worker in services mode)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.core.mail import message_build, send_templated
from apps.directory.contracts import ProRef
from apps.reviews.invitations import invitation_token
from apps.reviews.models import InvitationSource, InvitationTiming, Review, ReviewInvitation
from apps.reviews.rules import DECISION_REASONS, INVITATION_LIFETIME, first_name


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _send(*, to: str, subject: str, template: str, context: dict, headers=None) -> None:
    # An empty address (the author erased their account, GDPR) sends nothing.
    send_templated(
        to=to,
        template=f"reviews/email/{template}",
        context=context,
        subject=subject,
        headers=headers,
    )


def invitation_links(invitation: ReviewInvitation) -> dict[str, str]:
    token = invitation_token(invitation)
    return {
        "review_url": _absolute(reverse("reviews:invitation", args=[token])),
        "unsubscribe_url": _absolute(reverse("reviews:unsubscribe", args=[token])),
    }


def _intro_line(organization_id: int) -> str:
    return (
        InvitationTiming.objects.filter(organization_id=organization_id)
        .values_list("intro_line", flat=True)
        .first()
        or ""
    )


def _invitation_message(
    *, invitation: ReviewInvitation, pro: ProRef, reminder: int, intro_line: str, links: dict
) -> tuple[str, dict]:
    subject = (
        f"Rappel : votre avis sur {pro.name} compte"
        if reminder
        else f"{pro.name} aimerait connaître votre avis sur ses travaux"
    )
    context = {
        "invitation": invitation,
        "customer_first_name": first_name(invitation.customer_name),
        "pro": pro,
        "reminder": reminder,
        "intro_line": intro_line,
        **links,
    }
    return subject, context


def invitation_send(*, invitation: ReviewInvitation, pro: ProRef, reminder: int = 0) -> None:
    links = invitation_links(invitation)
    subject, context = _invitation_message(
        invitation=invitation,
        pro=pro,
        reminder=reminder,
        intro_line=_intro_line(invitation.organization_id),
        links=links,
    )
    _send(
        to=invitation.customer_email,
        subject=subject,
        template="invitation",
        context=context,
        # RFC 8058 one-click unsubscribe: mail clients POST to the link. The provider
        # hands the custom header back with a bounce or a complaint (Brevo's webhook).
        headers={
            "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Mailin-custom": f"invitation={invitation.pk}",
        },
    )


def invitation_preview(*, pro: ProRef, intro_line: str, reminder: int = 0) -> dict[str, str]:
    """What a customer would receive (subject, text and HTML parts), for an example
    customer: the back office shows it before the pro saves its intro line."""
    today = timezone.localdate()
    example = ReviewInvitation(
        pro_id=pro.id,
        customer_name="Camille Martin",
        customer_email="camille.martin@exemple.fr",
        work_description="Rénovation de la salle de bain",
        work_date=today - timedelta(days=10),
        expires_at=timezone.now() + INVITATION_LIFETIME,
        source=InvitationSource.SINGLE,
    )
    links = {
        "review_url": _absolute("/avis/invitation/lien-personnel-du-client/"),
        "unsubscribe_url": _absolute("/avis/desinscription/lien-personnel-du-client/"),
    }
    subject, context = _invitation_message(
        invitation=example, pro=pro, reminder=reminder, intro_line=intro_line, links=links
    )
    message = message_build(
        to=example.customer_email,
        template="reviews/email/invitation",
        context=context,
        subject=subject,
    )
    (html, _mimetype) = message.alternatives[0]
    return {"subject": subject, "text": str(message.body), "html": str(html)}


def confirmation_send(*, review: Review, pro: ProRef, token: str) -> None:
    _send(
        to=review.author_email,
        subject="Confirmez votre avis sur Eldo",
        template="confirm",
        context={
            "review": review,
            "pro": pro,
            "confirm_url": _absolute(reverse("reviews:confirm", args=[token])),
        },
    )


def decision_send(*, review: Review, pro: ProRef | None, decision: str, reason: str) -> None:
    published = decision == "publish"
    reason_text = str(DECISION_REASONS.get(decision, {}).get(reason, ""))
    _send(
        to=review.author_email,
        subject="Votre avis est en ligne sur Eldo"
        if published
        else "Votre avis n'a pas été publié",
        template="decision",
        context={
            "review": review,
            "pro": pro,
            "published": published,
            "reason_text": reason_text,
            "review_url": _absolute(f"/pro/{pro.slug}/#avis-{review.pk}") if pro else "",
            "rules_url": _absolute(reverse("reviews:how-it-works")),
        },
    )


def reply_send(*, review: Review, pro: ProRef | None) -> None:
    _send(
        to=review.author_email,
        subject=f"{pro.name if pro else 'L’entreprise'} a répondu à votre avis",
        template="reply",
        context={
            "review": review,
            "pro": pro,
            "reply": review.reply,
            "review_url": _absolute(f"/pro/{pro.slug}/#avis-{review.pk}") if pro else "",
        },
    )


def invitations_paused_send(
    *,
    to: list[str],
    pro: ProRef | None,
    organization_id: int,
    sent: int,
    bounces: int,
    complaints: int,
    reason: str,
) -> None:
    """Staff alert: an organization's invitations were paused (internal)."""
    name = pro.name if pro else f"organisation {organization_id}"
    admin_url = _absolute(
        reverse("admin:reviews_invitationpolicy_changelist") + f"?organization_id={organization_id}"
    )
    send_templated(
        to=to,
        template="reviews/email/invitations_paused",
        context={
            "name": name,
            "reason": reason,
            "sent": sent,
            "bounces": bounces,
            "complaints": complaints,
            "admin_url": admin_url,
        },
        subject=f"[Eldo] Invitations suspendues : {name}",
    )
