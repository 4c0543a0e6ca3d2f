"""Who a monolith session belongs to, for a service that cannot read the session table.

A carved service (reviews) receives the browser's monolith session cookie on the pages the
gateway sends it. It asks accounts, through ``api.session_claims``, what the access token
would say about that person (``user_id``, ``staff_role``, ``roles``, ``memberships``), what
the shared header displays (e-mail, first name, the account menu, the pro space's link),
and whether a staff person's session was verified with a second factor (django-otp keeps
the device in the session, as ``OTPMiddleware`` reads it).
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from apps.accounts.contracts import MenuLink, OrganizationKind, SessionClaims
from apps.accounts.navigation import menu_for, organization_kinds
from apps.accounts.selectors import identity_for_user
from apps.accounts.two_factor import is_staff_account


def _second_factor_verified(session, user) -> bool:
    """The session holds a device of this user (``OTPMiddleware``'s rule)."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id, for_verify=True)
    return device is not None and device.user_id == user.pk


def session_claims(*, session_key: str) -> SessionClaims | None:
    """The claims of the person signed in with this session key; None for an unknown or
    expired session, a session whose password hash is stale, or an inactive account."""
    if not session_key:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # django.contrib.auth's own reading: backend, user row, session hash (a password
    # change signs every other session out).
    request = HttpRequest()
    request.session = session
    user = get_user(request)
    if not user.is_authenticated or not user.is_active:
        return None
    identity = identity_for_user(user=user)
    return SessionClaims(
        user_id=user.pk,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        is_superuser=user.is_superuser,
        is_staff=user.is_staff,
        staff_role=identity.staff_role,
        roles=identity.roles,
        memberships=identity.memberships,
        staff_account=is_staff_account(user),
        second_factor_verified=_second_factor_verified(session, user),
        has_backoffice=any(
            kind == OrganizationKind.COMPANY for kind, _active in organization_kinds(user)
        ),
        account_menu=tuple(MenuLink(label=e.label, url=e.url) for e in menu_for(user)),
    )
