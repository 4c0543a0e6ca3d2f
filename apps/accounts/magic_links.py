"""Magic links: a single-use, expiring sign-in link sent to an address.

The quote confirmation e-mail carries one: following it proves the homeowner reads that
mailbox, so it opens their account — created on the spot, without a password, the first
time (one can be set later with "mot de passe oublié"). The link is a random nonce signed
with SECRET_KEY; its row records when it expires and when it was used, so a link works
once, for ``MAGIC_LINK_VALIDITY``. Following it is a GET that shows a button and a POST
that signs in: a mail scanner fetching the link uses nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from apps.accounts.models import MagicLink, User
from apps.accounts.services import password_changed_publish
from apps.core.errors import Gone
from apps.core.mail import send_templated

MAGIC_LINK_VALIDITY = timedelta(days=7)
SALT = "accounts.magic-link"
DEFAULT_NEXT = "/mes-projets/"


class MagicLinkError(Gone):
    """The link cannot be used: the message is French, for the page."""


def _safe_next(next_path: str) -> str:
    if (
        next_path
        and next_path.startswith("/")
        and url_has_allowed_host_and_scheme(next_path, allowed_hosts=None)
    ):
        return next_path[:200]
    return DEFAULT_NEXT


def magic_link_create(
    *,
    email: str,
    next_path: str = DEFAULT_NEXT,
    now: datetime | None = None,
    for_user_id: int | None = None,
) -> str:
    """A new link for ``email`` (absolute URL), valid MAGIC_LINK_VALIDITY, usable once.

    ``for_user_id``: the link confirms the address of that account (sign-up, "recevoir un
    lien de vérification") and keeps its password; without it (the quote confirmation),
    the mailbox's owner takes over whatever account holds the address."""
    now = now or timezone.now()
    link = MagicLink.objects.create(
        email=email.strip().lower(),
        nonce=secrets.token_hex(16),
        next_path=_safe_next(next_path),
        created_at=now,
        expires_at=now + MAGIC_LINK_VALIDITY,
    )
    payload = link.nonce if for_user_id is None else [link.nonce, for_user_id]
    token = signing.dumps(payload, salt=SALT)
    return settings.SITE_URL + reverse("accounts-magic:redeem", args=[token])


def _link_for(token: str, *, lock: bool = False) -> tuple[MagicLink, int | None]:
    """The link's row and the account it confirms (None: whoever holds the address)."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        payload = None
    nonce, for_user_id = payload, None
    if isinstance(payload, list) and len(payload) == 2:
        nonce, for_user_id = payload
    queryset = MagicLink.objects.select_for_update() if lock else MagicLink.objects
    link = queryset.filter(nonce=nonce).first() if isinstance(nonce, str) else None
    if link is None:
        raise MagicLinkError(
            _("Ce lien de connexion n'est pas valide. Vérifiez qu'il est complet.")
        )
    return link, for_user_id


def _usable(link: MagicLink, *, now: datetime) -> User | None:
    """The account this link opens (None: to be created), or MagicLinkError."""
    if link.used_at is not None:
        raise MagicLinkError(
            _("Ce lien de connexion a déjà servi : chaque lien ne s'utilise qu'une fois.")
        )
    if link.expires_at <= now:
        raise MagicLinkError(_("Ce lien de connexion a expiré."))
    user = User.objects.filter(email=link.email).first()
    if user is not None and not user.is_active:
        raise MagicLinkError(_("Ce compte est désactivé."))
    if user is not None and (user.is_staff or user.is_superuser or user.staff_role):
        raise MagicLinkError(
            _(
                "Un compte de l'équipe Eldo ne s'ouvre pas par lien : connectez-vous avec votre"
                " mot de passe et votre double authentification."
            )
        )
    return user


def magic_link_check(token: str, *, now: datetime | None = None) -> tuple[str, bool]:
    """(the address a still-usable link opens, whether following it disables a password
    set before the address was verified), or MagicLinkError (nothing changes)."""
    link, for_user_id = _link_for(token)
    user = _usable(link, now=now or timezone.now())
    takes_over = bool(
        user is not None
        and user.email_verified_at is None
        and user.pk != for_user_id
        and user.has_usable_password()
    )
    return link.email, takes_over


@transaction.atomic
def magic_link_redeem(token: str, *, now: datetime | None = None) -> tuple[User, str]:
    """Use the link: (the account, created if needed, its address now verified; the page to
    go to). A second use, an expired or altered link raise MagicLinkError, changing nothing."""
    now = now or timezone.now()
    link, for_user_id = _link_for(token, lock=True)
    user = _usable(link, now=now)
    if user is None:
        user = User.objects.create_user(email=link.email, password=None)
    if user.email_verified_at is None and user.pk == for_user_id:
        # The account's own confirmation link (sign-up): its password stays.
        user.email_verified_at = now
        user.save(update_fields=["email_verified_at"])
    elif user.email_verified_at is None:
        # Whoever set a password on this account never proved they read this mailbox (an
        # account opened with someone else's address): that password stops working now,
        # the mailbox's owner takes the account over and sets their own if they wish.
        fields = ["email_verified_at"]
        if user.has_usable_password():
            user.set_unusable_password()
            fields.append("password")
            password_changed_publish(user_id=user.pk, changed_at=now)
        user.email_verified_at = now
        user.save(update_fields=fields)
    link.used_at = now
    link.save(update_fields=["used_at"])
    return user, link.next_path or DEFAULT_NEXT


def email_verification_send(*, user_id: int, next_path: str = DEFAULT_NEXT) -> bool:
    """E-mail the account a magic link that verifies its address (and signs it in)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email_verified_at is not None:
        return False
    url = magic_link_create(email=user.email, next_path=next_path, for_user_id=user.pk)
    send_templated(
        to=user.email,
        template="accounts/email/verify_email",
        context={"user": user, "url": url},
        subject=_("Confirmez votre adresse e-mail Eldo"),
    )
    return True
