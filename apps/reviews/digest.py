"""The weekly digest e-mailed to each company's owners and managers (beat runs it daily at
08:00; the first run of each ISO week sends, so Monday's, or the next if it was missed):
reviews still without a reply, the collection rate of the last 30 days against the 30
before, and the invitations about to expire unanswered. Once per company and ISO week
(``DigestSent``); a member who clicked "Ne plus recevoir ce résumé" (signed link, one-click
POST, ``DigestOptOut``) is skipped; nothing is sent to a company with nothing to report."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from apps.accounts.contracts import AccountsFacade
from apps.core.actor import MANAGING_ROLES
from apps.core.facade_ports import facade
from apps.core.mail import send_templated_many
from apps.core.site import absolute_url
from apps.directory.contracts import DirectoryFacade
from apps.reviews.models import (
    PUBLIC_STATUSES,
    DigestOptOut,
    DigestSent,
    Review,
    ReviewInvitation,
)

directory: DirectoryFacade = facade("directory")
accounts: AccountsFacade = facade("accounts")

SALT = "reviews.digest-unsubscribe"
EXPIRING_WITHIN = timedelta(days=7)


def unsubscribe_token(user_id: int) -> str:
    return signing.Signer(salt=SALT).sign_object({"u": user_id})


def user_for_token(token: str) -> int | None:
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError):
        return None
    return data.get("u") if isinstance(data, dict) and isinstance(data.get("u"), int) else None


def digest_opt_out(user_id: int) -> None:
    DigestOptOut.objects.get_or_create(user_id=user_id)


def _rate(pro_id: int, start: datetime, end: datetime) -> float | None:
    """Reviews written / invitations made in [start, end)."""
    figures = ReviewInvitation.objects.filter(
        pro_id=pro_id, created_at__gte=start, created_at__lt=end
    ).aggregate(sent=Count("id"), written=Count("id", filter=Q(completed_at__isnull=False)))
    return figures["written"] / figures["sent"] if figures["sent"] else None


def digest_figures(*, pro_id: int, now: datetime | None = None) -> dict:
    """What the digest says about a pro (a few queries)."""
    now = now or timezone.now()
    unanswered = Review.objects.filter(
        pro_id=pro_id, status__in=PUBLIC_STATUSES, reply__isnull=True
    ).order_by("-published_at")
    expiring = ReviewInvitation.objects.filter(
        pro_id=pro_id,
        sent_at__isnull=False,
        completed_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + EXPIRING_WITHIN,
    )
    month = timedelta(days=30)
    return {
        "unanswered_count": unanswered.count(),
        "unanswered": list(unanswered[:5]),
        "rate": _rate(pro_id, now - month, now),
        "rate_before": _rate(pro_id, now - 2 * month, now - month),
        "expiring_count": expiring.count(),
    }


def _worth_sending(figures: dict) -> bool:
    return bool(figures["unanswered_count"] or figures["expiring_count"] or figures["rate"])


def weekly_digests_send(*, now: datetime | None = None) -> int:
    """Send this week's digests; returns the number of e-mails sent."""
    now = now or timezone.now()
    year, week, _day = timezone.localtime(now).isocalendar()
    week_key = f"{year}-W{week:02d}"
    pro_ids = set(
        Review.objects.filter(status__in=PUBLIC_STATUSES).values_list("pro_id", flat=True)
    ) | set(
        ReviewInvitation.objects.filter(created_at__gte=now - timedelta(days=60)).values_list(
            "pro_id", flat=True
        )
    )
    pros = directory.pros_by_ids(sorted(pro_ids))
    opted_out = set(DigestOptOut.objects.values_list("user_id", flat=True))
    sent = 0
    for pro in pros.values():
        figures = digest_figures(pro_id=pro.id, now=now)
        if not _worth_sending(figures):
            continue
        members = [
            m
            for m in accounts.organization_members(pro.organization_id)
            if m.role in MANAGING_ROLES and m.user_id not in opted_out and m.email
        ]
        if not members:
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(
                    organization_id=pro.organization_id, week=week_key, recipients=len(members)
                )
        except IntegrityError:
            continue  # already sent this week
        sent += send_templated_many(
            [_message(member=member, pro=pro, figures=figures) for member in members]
        )
    return sent


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(rate * 100)} %"


def _message(*, member, pro, figures: dict) -> dict:
    """The digest to one member, as apps.core.mail.send_templated's arguments."""
    unsubscribe_url = absolute_url(
        reverse("reviews:digest-unsubscribe", args=[unsubscribe_token(member.user_id)])
    )
    context = {
        "member": member,
        "pro": pro,
        "figures": figures,
        "rate": _percent(figures["rate"]),
        "rate_before": _percent(figures["rate_before"]),
        "reviews_url": absolute_url(reverse("reviews-backoffice:reviews")),
        "invitations_url": absolute_url(reverse("reviews-backoffice:invitations")),
        "unsubscribe_url": unsubscribe_url,
    }
    return {
        "to": member.email,
        "template": "reviews/email/digest",
        "context": context,
        "subject": f"Vos avis de la semaine — {pro.name}",
        # RFC 8058 one-click unsubscribe: mail clients POST to the link.
        "headers": {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }
