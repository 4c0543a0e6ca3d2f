"""Changing the sign-in e-mail address: asked with the password, confirmed from the new
address through a signed link.

The link carries the account, the new address and the address it replaces, signed with
SECRET_KEY (salted) and expiring after ``EMAIL_CHANGE_MAX_AGE``. It is single-use without
any stored state: once the change is made, the account's address no longer matches the one
the link replaces, so the same link (or any other link asked before it) is refused. The old
address is told of the change (``EmailChanged``), so a hijack does not go unnoticed.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts.events import EmailChanged
from apps.accounts.models import EmailChangeNotice, User
from apps.core.events import publish
from apps.core.mail import send_templated

EMAIL_CHANGE_MAX_AGE = timedelta(hours=24)
_SALT = "accounts.email-change"


def email_change_request(*, user: User, new_email: str, password: str) -> str:
    """Check the password and the new address, e-mail the confirmation link to the new
    address; returns the normalised new address."""
    new_email = User.objects.normalize_email(new_email.strip()).lower()
    errors: dict[str, list[str]] = {}
    if not user.check_password(password):
        errors["password"] = [_("Mot de passe incorrect.")]
    if new_email == user.email:
        errors["new_email"] = [_("C'est déjà l'adresse de votre compte.")]
    elif User.objects.filter(email=new_email).exists():
        # Said only to a signed-in person who gave their password.
        errors["new_email"] = [_("Cette adresse est déjà utilisée par un autre compte.")]
    if errors:
        raise ValidationError(errors)
    token = signing.dumps({"u": user.pk, "e": new_email, "o": user.email}, salt=_SALT)
    link = settings.SITE_URL + reverse("accounts-account:email-confirm", kwargs={"token": token})
    send_templated(
        to=new_email,
        template="accounts/email/email_change_confirm",
        context={"user": user, "new_email": new_email, "link": link},
        subject=_("Confirmez votre nouvelle adresse e-mail Eldo"),
    )
    return new_email


def email_change_pending(token: str) -> tuple[User, str]:
    """The account and new address a link names, or a French ValidationError saying why
    the link cannot be used (expired, already used, altered)."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
        user = User.objects.get(pk=int(data["u"]), is_active=True)
        new_email, old_email = str(data["e"]), str(data["o"])
    except signing.SignatureExpired as exc:
        raise ValidationError(
            _("Ce lien a expiré : demandez de nouveau le changement d'adresse."), code="expired"
        ) from exc
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError, ValueError) as exc:
        raise ValidationError(_("Ce lien n'est pas valide."), code="invalid") from exc
    if user.email != old_email:
        raise ValidationError(
            _("Ce lien a déjà servi : l'adresse de ce compte a changé depuis."), code="used"
        )
    return user, new_email


@transaction.atomic
def email_change_confirm(*, token: str) -> User:
    user, new_email = email_change_pending(token)
    user = User.objects.select_for_update().get(pk=user.pk)
    old_email = user.email
    if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
        raise ValidationError(
            _("Cette adresse est déjà utilisée par un autre compte."), code="taken"
        )
    user.email = new_email
    try:
        with transaction.atomic():
            user.save(update_fields=["email"])
    except IntegrityError as exc:
        raise ValidationError(
            _("Cette adresse est déjà utilisée par un autre compte."), code="taken"
        ) from exc
    notice = EmailChangeNotice.objects.create(user=user, old_email=old_email, new_email=new_email)
    publish(
        EmailChanged(user_id=user.pk, notice_id=notice.pk, changed_at=notice.created_at.isoformat())
    )
    return user
