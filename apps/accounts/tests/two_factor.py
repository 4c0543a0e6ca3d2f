"""Test helpers for staff two-factor authentication."""

from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.two_factor import is_staff_account


def staff_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test", confirmed=True)


def session_mark_verified(session, user) -> None:
    """Mark a session (``client.session`` or a login's) as verified with a second factor."""
    if is_staff_account(user):
        session[DEVICE_ID_SESSION_KEY] = staff_device(user).persistent_id


def client_mark_verified(client, user) -> None:
    session = client.session
    session_mark_verified(session, user)
    session.save()


def otp_for(user) -> str:
    """A fresh single-use recovery code of a staff account (for API sign-ins in tests)."""
    import secrets

    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="Codes de secours", defaults={"confirmed": True}
    )
    code = secrets.token_hex(5)
    StaticToken.objects.create(device=device, token=code)
    return code


def totp_now(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"
