"""The monolith's signed-in person on the pages of a carved service.

A service that runs a context apart (reviews) has no session table, yet the gateway sends
it signed-in pages (the pro space's reviews, moderation, "Mes avis"). The browser still
carries the monolith's session cookie (``MONOLITH_SESSION_COOKIE_NAME``); this middleware,
in place of Django's ``AuthenticationMiddleware``, asks accounts who it belongs to
(``facade("accounts").session_claims``) and sets ``request.user`` to a
:class:`SessionPrincipal`: the token's ``Principal`` (``actor_of(request)`` works) with what
the shared header displays (e-mail, first name, account menu). No cookie, an unknown or
expired session, an inactive account: ``AnonymousUser``.

- **Cache**: the answer (None included) is kept ``MONOLITH_SESSION_CACHE_SECONDS`` (30 s)
  in the service's cache, keyed by a hash of the session key (never the key itself): a
  cached page costs no query and no call.
- **Sign-out and revocation**: signing out on the monolith deletes the browser's cookie,
  so that browser is anonymous here at once. A copy of the cookie would still be served
  from the cache for at most 30 s (the page sign-out publishes no event). A password
  change, a deactivation or an erasure publishes ``accounts.TokensRevoked``, which the
  service already records for its tokens (``apps.core.principal.tokens_revoked_record``):
  a cached answer older than the user's last revocation is dropped and asked again. A
  change of role or membership shows after at most the cache's 30 s.
- **Second factor**: a staff session not verified by a code (``ELDO_STAFF_2FA``) gets no
  staff rights; on a staff page (``/moderation/``) it is sent to the monolith's two-factor
  page, as ``StaffTwoFactorMiddleware`` does there.
- **Accounts unavailable**: the person is anonymous for public pages; a page that needs a
  signed-in person (a redirect to the sign-in page) answers the French 503 page instead,
  not a redirect to a sign-in that would send them back. The outage is remembered 5 s per
  session so that a page does not wait for the timeout twice.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

from apps.core.error_pages import service_unavailable
from apps.core.errors import FacadeUnavailable
from apps.core.facade_ports import facade
from apps.core.principal import Principal, PrincipalMembership, revoked_since

logger = logging.getLogger(__name__)

STAFF_ROLES = frozenset({"staff", "advisor", "moderator"})
STAFF_PATH_PREFIXES = ("/moderation/",)
UNAVAILABLE_SECONDS = 5
_UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str


@dataclass(frozen=True)
class SessionPrincipal(Principal):
    """A monolith session's person: the token's principal and what templates display."""

    email: str = ""
    first_name: str = ""
    last_name: str = ""
    is_superuser: bool = False
    is_staff_flag: bool = False
    has_backoffice: bool = False
    account_menu: tuple[MenuLink, ...] = field(default_factory=tuple)
    # A staff account whose session still waits for its code: no staff rights meanwhile.
    awaiting_second_factor: bool = False

    @property
    def is_staff(self) -> bool:
        return self.is_staff_flag or "staff" in self.roles

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_username(self) -> str:
        return self.email


def principal_from_claims(claims: Any, *, staff_two_factor: bool) -> SessionPrincipal:
    """accounts' ``SessionClaims`` as the service's user; staff rights dropped when the
    session is not verified by a second factor and staff two-factor is required."""
    awaiting = bool(staff_two_factor and claims.staff_account and not claims.second_factor_verified)
    roles = tuple(r for r in claims.roles if not (awaiting and r in STAFF_ROLES))
    return SessionPrincipal(
        user_id=claims.user_id,
        staff_role="" if awaiting else claims.staff_role,
        roles=roles,
        memberships=tuple(
            PrincipalMembership(
                organization_id=m.organization_id, role=m.role, organization_kind=m.kind
            )
            for m in claims.memberships
        ),
        issued_at=int(time.time()),
        email=claims.email,
        first_name=claims.first_name,
        last_name=claims.last_name,
        is_superuser=claims.is_superuser and not awaiting,
        is_staff_flag=claims.is_staff and not awaiting,
        has_backoffice=claims.has_backoffice,
        account_menu=tuple(MenuLink(label=e.label, url=e.url) for e in claims.account_menu),
        awaiting_second_factor=awaiting,
    )


def _cache_key(session_key: str) -> str:
    return "monolith-session:" + hashlib.sha256(session_key.encode()).hexdigest()


def _cache_get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # an unreadable cache costs a call, not the page
        logger.warning("monolith sessions' cache unreadable", exc_info=True)
        return None


def _cache_set(key: str, value: Any, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("monolith sessions' cache unwritable", exc_info=True)


def session_user(request: HttpRequest, session_key: str) -> SessionPrincipal | AnonymousUser:
    """The person of this monolith session key: cached, else asked to accounts once."""
    if not session_key:
        return AnonymousUser()
    key = _cache_key(session_key)
    cached = _cache_get(key)
    if cached == _UNAVAILABLE:
        request._monolith_session_unavailable = True  # type: ignore[attr-defined]
        return AnonymousUser()
    if cached is not None:
        fetched_at, principal = cached
        if principal is None:
            return AnonymousUser()
        if not revoked_since(user_id=principal.user_id, moment=fetched_at):
            return principal
    try:
        claims = facade("accounts").session_claims(session_key)
    except FacadeUnavailable:
        logger.warning("accounts unavailable: the monolith session is read as anonymous")
        _cache_set(key, _UNAVAILABLE, UNAVAILABLE_SECONDS)
        request._monolith_session_unavailable = True  # type: ignore[attr-defined]
        return AnonymousUser()
    principal = (
        None
        if claims is None
        else principal_from_claims(claims, staff_two_factor=settings.ELDO_STAFF_2FA)
    )
    _cache_set(
        key, (time.time(), principal), getattr(settings, "MONOLITH_SESSION_CACHE_SECONDS", 30)
    )
    return principal if principal is not None else AnonymousUser()


def _monolith_url(name: str) -> str | None:
    try:
        return getattr(settings, "MONOLITH_PUBLIC_URL", "") + reverse(name)
    except NoReverseMatch:
        return None


class MonolithSessionMiddleware:
    """``request.user`` from the monolith's session cookie (see the module's docstring);
    in place of ``AuthenticationMiddleware`` in a carved service."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session_key = request.COOKIES.get(
            getattr(settings, "MONOLITH_SESSION_COOKIE_NAME", "sessionid"), ""
        )
        request.user = SimpleLazyObject(lambda: session_user(request, session_key))  # type: ignore[assignment]
        if request.path.startswith(STAFF_PATH_PREFIXES):
            redirect = self._second_factor_redirect(request)
            if redirect is not None:
                return redirect
        response = self.get_response(request)
        if getattr(request, "_monolith_session_unavailable", False) and self._to_sign_in(response):
            return service_unavailable(request)
        return response

    @staticmethod
    def _second_factor_redirect(request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not getattr(user, "awaiting_second_factor", False):
            return None
        target = _monolith_url("accounts-account:two-factor")
        if target is None:
            return None
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _to_sign_in(response: HttpResponse) -> bool:
        location = response.get("Location", "") if response.status_code in (301, 302) else ""
        return bool(location) and location.startswith(str(settings.LOGIN_URL))


def header(request: HttpRequest) -> dict[str, Any]:
    """Context processor of a carved service: ``has_backoffice`` and ``account_menu`` of the
    shared header (accounts' own processors, from the session's answer: no call)."""
    user = getattr(request, "user", None)
    return {
        "has_backoffice": SimpleLazyObject(lambda: getattr(user, "has_backoffice", False)),
        "account_menu": SimpleLazyObject(lambda: list(getattr(user, "account_menu", ()))),
    }
