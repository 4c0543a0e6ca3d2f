"""Two-factor authentication of Eldo staff (advisors, moderators, admins): TOTP through
django-otp, with single-use recovery codes (django-otp's static tokens).

A staff account's session reaches the admin and the staff pages (``STAFF_PATH_PREFIXES``)
only once verified with a code in this session; until then it is sent to
/mon-compte/double-authentification/, which enrols (QR code, then recovery codes shown
once) or verifies. A TOTP code is accepted once: django-otp keeps the last time step used
(``last_t``) and refuses it or an earlier one, and slows down repeated failures.
"""

from __future__ import annotations

import secrets
from io import BytesIO

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
# The admin and every page of Eldo staff: advisor console and transmissions, moderation,
# the verification queue, the platform KPIs, the audit log.
STAFF_PATH_PREFIXES = (
    "/admin/",
    "/conseiller/",
    "/moderation/",
    "/equipe/verifications/",
    "/eldo/",
)
EXEMPT_PATHS = ("/admin/logout/",)


def is_staff_account(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.is_staff or getattr(user, "staff_role", ""))
    )


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_enrolment_device(user) -> TOTPDevice:
    """The device being enrolled (unconfirmed until a first code is given)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Application", confirmed=False)


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG (no image request, no external service)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def recovery_codes_replace(user) -> list[str]:
    """Ten new single-use recovery codes (the old ones stop working), returned to be shown
    once; a page never displays them again."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="Codes de secours", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def totp_enrol(*, request, code: str) -> list[str] | None:
    """Confirm the enrolment with a first code; returns the recovery codes (shown once),
    or None when the code is wrong."""
    device = totp_enrolment_device(request.user)
    if not device.verify_token(code.strip()):
        return None
    TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return recovery_codes_replace(request.user)


def session_verify(*, request, code: str) -> bool:
    """A TOTP code or a recovery code (spent) verifies this session."""
    device = match_token(request.user, code.strip().replace(" ", ""))
    if device is None:
        return False
    otp_login(request, device)
    return True


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


class StaffTwoFactorMiddleware:
    """Staff pages refuse a staff session without a verified code (after OTPMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.ELDO_STAFF_2FA
            and request.path.startswith(STAFF_PATH_PREFIXES)
            and request.path not in EXEMPT_PATHS
            and is_staff_account(request.user)
            and not request.user.is_verified()
        ):
            target = reverse("accounts-account:two-factor")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
