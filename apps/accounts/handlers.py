"""Reactions of the accounts context to domain events (run by the outbox relay)."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from apps.accounts.events import PasswordChanged
from apps.accounts.models import User
from apps.core.events import on


@on(PasswordChanged)
def notify_password_changed(event: PasswordChanged) -> None:
    """Security notice: tells the account holder that their password was just changed."""
    user = User.objects.filter(pk=event.user_id, is_active=True).first()
    if user is None:
        return
    context = {"user": user, "site_url": settings.SITE_URL}
    send_mail(
        subject="Votre mot de passe Eldo a été modifié",
        message=render_to_string("accounts/email/password_changed.txt", context),
        from_email=None,
        recipient_list=[user.email],
        html_message=render_to_string("accounts/email/password_changed.html", context),
    )
