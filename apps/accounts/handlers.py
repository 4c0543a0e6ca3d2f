"""Reactions of the accounts context to domain events (run by the outbox relay)."""

from django.conf import settings

from apps.accounts.events import EmailChanged, MemberInvited, PasswordChanged
from apps.accounts.models import EmailChangeNotice, User
from apps.accounts.services import audit_record
from apps.core.events import on, on_named
from apps.core.mail import send_templated


@on(PasswordChanged)
def notify_password_changed(event: PasswordChanged) -> None:
    """Security notice: tells the account holder that their password was just changed."""
    user = User.objects.filter(pk=event.user_id, is_active=True).first()
    if user is None:
        return
    send_templated(
        to=user.email,
        template="accounts/email/password_changed",
        context={"user": user},
        subject="Votre mot de passe Eldo a été modifié",
    )


@on(EmailChanged)
def notify_email_changed(event: EmailChanged) -> None:
    """Security notice to the address that was replaced: the owner learns of a hijack. The
    addresses are read from the notice row, deleted once the message is sent."""
    notice = EmailChangeNotice.objects.filter(pk=event.notice_id).first()
    if notice is None:  # already sent (a redelivery), or purged
        return
    send_templated(
        to=notice.old_email,
        template="accounts/email/email_changed",
        context={"old_email": notice.old_email, "new_email": notice.new_email},
        subject="L'adresse e-mail de votre compte Eldo a été modifiée",
    )
    notice.delete()


@on(MemberInvited)
def send_team_invitation(event: MemberInvited) -> None:
    """The invitation e-mail; the link is rebuilt from the stored nonce (never stored)."""
    from django.urls import reverse

    from apps.accounts.models import MembershipInvitation
    from apps.accounts.team import invitation_link_token

    invitation = (
        MembershipInvitation.objects.select_related("organization", "invited_by")
        .filter(pk=event.invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    link = settings.SITE_URL + reverse(
        "accounts:invitation", kwargs={"token": invitation_link_token(invitation)}
    )
    context = {
        "invitation": invitation,
        "link": link,
        "inviter": invitation.invited_by.get_full_name() if invitation.invited_by else "",
        "role": invitation.get_role_display().lower(),
    }
    send_templated(
        to=invitation.email,
        template="accounts/email/team_invitation",
        context=context,
        subject=f"Rejoignez l'équipe {invitation.organization.name} sur Eldo",
    )


@on_named("reviews.ReviewModerated")
def audit_review_moderation(event) -> None:
    """The staff audit log: a moderator published or rejected a review (disputes too).
    Written here, from the event, so that the log stays complete when reviews runs as its
    own service (reviews sits above accounts: subscribed by name)."""
    verb = "publié" if event.decision == "publish" else "refusé"
    dispute = " (litige tranché)" if event.from_status == "in_dispute" else ""
    audit_record(
        actor_id=event.moderator_id,
        action=f"reviews.{event.decision}",
        summary=f"Avis n° {event.review_id} {verb}{dispute} — motif : {event.reason}",
        target_type="review",
        target_ref=str(event.review_id),
        occurred_at=event.moderated_at,
        details={"reason": event.reason, "from_status": event.from_status},
    )
