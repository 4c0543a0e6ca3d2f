"""E-mails about checks (sent after the commit that recorded them)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from apps.accounts import api as accounts


def _recipients(organization_id: int) -> list[str]:
    members = accounts.organization_members(organization_id)
    chosen = [m.email for m in members if m.role in ("owner", "manager")]
    return sorted(set(chosen or [m.email for m in members]))


def expiry_reminder_send(*, check, days_left: int) -> None:
    to = _recipients(check.pro.organization_id)
    if not to:
        return
    what = check.get_label_display() if check.label else check.get_kind_display()
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    send_mail(
        subject=_("%(what)s : expire dans %(days)s jours") % {"what": what, "days": days_left},
        message=_(
            "Bonjour,\n\n%(what)s de %(pro)s arrive à échéance le %(date)s.\n"
            "Passé cette date, Eldo ne l'affiche plus sur votre profil"
            "%(insurance)s.\n\nDéposez le nouveau justificatif dans votre espace pro : "
            "%(url)s\n\nL'équipe Eldo"
        )
        % {
            "what": what,
            "pro": check.pro.name,
            "date": check.valid_until.strftime("%d/%m/%Y"),
            "insurance": _(" et ne vous transmet plus de demandes de devis")
            if check.kind == "insurance"
            else "",
            "url": f"{base}/espace-pro/profil/#verifications",
        },
        from_email=None,
        recipient_list=to,
    )
