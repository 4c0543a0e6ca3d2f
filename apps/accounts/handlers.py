"""Reactions of the accounts context to domain events (run by the outbox relay)."""

from django.conf import settings

from apps.accounts.events import EmailChanged, MemberInvited, PasswordChanged
from apps.accounts.models import EmailChangeNotice, User
from apps.core.events import on
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
