"""One set of limits on every way in: the sign-in page (/connexion/), the admin's
(/admin/login/) and the API (POST /api/v1/auth/token/).

Failures only are counted (a success costs nothing), in two windows:

- per client address (``login`` rate): past it, this address gets "trop de tentatives"
  (HTTP 429) whatever it sends, until the window has moved on;
- per account (``login_email`` rate, keyed by a hash of the address typed, whether or
  not such an account exists): past it, the right password alone no longer signs in. A
  one-time code is e-mailed to the account's owner (at most one every
  ``CODE_RESEND_SECONDS``), and the sign-in needs the password *and* that code. Every
  attempt without a valid code gets the same answer, right password or not, so the
  limit is no oracle; and knowing someone's e-mail address is not enough to lock them
  out, since the owner reads the code in their mailbox.

The code is six digits, kept hashed in the cache for ``CODE_TTL_SECONDS``, dropped after
``CODE_MAX_TRIES`` wrong tries and once used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.sign_ins import client_address
from apps.core.errors import LimitReached
from apps.core.mail import send_templated
from apps.core.throttling import FailureWindow

CODE_TTL_SECONDS = 15 * 60
CODE_RESEND_SECONDS = 5 * 60
CODE_MAX_TRIES = 5


class SignInRefused(LimitReached):
    """Too many failures: ``wait`` seconds for an address, or a code for an account."""

    code = "throttled"

    def __init__(self, message: str, *, wait: int, code_required: bool = False):
        super().__init__(message)
        self.wait = wait
        self.code_required = code_required


def _account_ident(email: str) -> str:
    normalized = email.strip().lower().encode("utf-8", "surrogatepass")
    return hashlib.sha256(normalized).hexdigest()


def _code_key(user_id: int) -> str:
    return f"signin_code_{user_id}"


def _digest(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def sign_in_code_send(*, user: User) -> bool:
    """E-mail a fresh code to the owner, unless one went out less than
    CODE_RESEND_SECONDS ago (the owner already has it: no mail bombing)."""
    if cache.get(f"{_code_key(user.pk)}_sent"):
        return False
    code = f"{secrets.randbelow(1_000_000):06d}"
    cache.set(_code_key(user.pk), {"digest": _digest(code), "tries": 0}, CODE_TTL_SECONDS)
    cache.set(f"{_code_key(user.pk)}_sent", True, CODE_RESEND_SECONDS)
    send_templated(
        to=user.email,
        template="accounts/email/sign_in_code",
        context={"user": user, "code": code, "minutes": CODE_TTL_SECONDS // 60},
        subject=_("Votre code de connexion Eldo"),
    )
    return True


def _code_matches(user: User | None, code: str) -> bool:
    """Check (and count a wrong try of) the owner's pending code."""
    if user is None or not code:
        return False
    key = _code_key(user.pk)
    pending = cache.get(key)
    if not pending:
        return False
    if hmac.compare_digest(pending["digest"], _digest(code.strip())):
        return True
    pending["tries"] += 1
    if pending["tries"] >= CODE_MAX_TRIES:
        cache.delete(key)
    else:
        cache.set(key, pending, CODE_TTL_SECONDS)
    return False


@dataclass
class SignInAttempt:
    request: object
    email: str

    def __post_init__(self):
        self.email = (self.email or "").strip().lower()
        self.by_address = FailureWindow("login", client_address(self.request) or "unknown")
        self.by_account = FailureWindow("login_email", _account_ident(self.email))

    def failed(self) -> None:
        """Count a failure decided after the password (a missing second factor)."""
        self._failed()

    def _failed(self) -> None:
        self.by_address.record()
        self.by_account.record()

    def authenticate(self, *, password: str, code: str = "", **credentials) -> User | None:
        """The user, None for wrong credentials (counted), or SignInRefused."""
        wait = self.by_address.wait()
        if wait is not None:
            raise SignInRefused(
                _(
                    "Trop de tentatives de connexion depuis votre adresse. "
                    "Réessayez dans %(seconds)s secondes."
                )
                % {"seconds": wait},
                wait=wait,
            )
        locked = self.by_account.wait()
        if locked is not None:
            owner = User.objects.filter(email=self.email, is_active=True).first()
            if not _code_matches(owner, code):
                self.by_address.record()
                if owner is not None:
                    sign_in_code_send(user=owner)
                raise SignInRefused(
                    _(
                        "Trop de tentatives de connexion sur ce compte. Pour le protéger, un "
                        "code à usage unique a été envoyé à son adresse e-mail : saisissez-le "
                        "avec votre mot de passe."
                    ),
                    wait=locked,
                    code_required=True,
                )
        user = authenticate(self.request, password=password, **credentials)
        if user is None:
            self._failed()
            return None
        if locked is not None:
            # The owner proved both: the password and their mailbox.
            cache.delete(_code_key(user.pk))
            self.by_account.clear()
        return user
