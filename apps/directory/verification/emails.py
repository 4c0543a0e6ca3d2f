"""E-mails about checks (sent after the commit that recorded them)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from apps.accounts import api as accounts
from apps.core.actor import MANAGING_ROLES
from apps.core.mail import send_templated


def _recipients(organization_id: int) -> list[str]:
    members = accounts.organization_members(organization_id)
    chosen = [m.email for m in members if m.role in MANAGING_ROLES]
    return sorted(set(chosen or [m.email for m in members]))


def expiry_reminder_send(*, check, days_left: int) -> None:
    what = check.get_label_display() if check.label else check.get_kind_display()
    send_templated(
        to=_recipients(check.pro.organization_id),
        template="directory/email/check_expiry",
        context={
            "what": what,
            "pro_name": check.pro.name,
            "valid_until": check.valid_until,
            "is_insurance": check.kind == "insurance",
            "url": f"{settings.SITE_URL.rstrip('/')}/espace-pro/profil/#verifications",
        },
        subject=_("%(what)s : expire dans %(days)s jours") % {"what": what, "days": days_left},
    )
