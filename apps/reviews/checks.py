"""Automatic checks run on every new review. Each one that fires is recorded on the review
(``check_flags``) and sends it to the moderation queue instead of online.

Thresholds, and why:
- same e-mail: a third review from one address within 30 days (any pro): people rarely
  have three renovation jobs done in a month, review farms do;
- same IP address: a third review from one address within 24 hours (a shared office or
  family connection may send two);
- duplicate text: the folded text (case, accents, punctuation and spaces ignored) of another
  review, any pro, any time;
- the reviewer's e-mail domain is the pro's (its website's, or a member's, webmail
  providers excepted), or the reviewer is a member of the pro's organization;
- abusive wording: insults, threats and slurs from a short French list, matched as whole
  words on the folded text. A moderator reads the review; nothing is refused automatically.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from apps.accounts import api as accounts
from apps.directory import api as directory
from apps.reviews.models import Review
from apps.reviews.rules import email_normalize, fold

SAME_EMAIL_WINDOW = timedelta(days=30)
SAME_EMAIL_LIMIT = 2  # other reviews allowed before this one is held
SAME_IP_WINDOW = timedelta(hours=24)
SAME_IP_LIMIT = 2

WEBMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.fr",
        "outlook.com",
        "outlook.fr",
        "live.fr",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.fr",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "neuf.fr",
        "laposte.net",
        "bbox.fr",
        "icloud.com",
        "me.com",
        "proton.me",
        "protonmail.com",
        "gmx.fr",
        "aol.com",
        "numericable.fr",
    }
)

# Folded (lowercase, unaccented) whole words and phrases.
ABUSIVE_WORDS = (
    "connard",
    "connards",
    "connasse",
    "salaud",
    "salauds",
    "salope",
    "encule",
    "encules",
    "enfoire",
    "enfoires",
    "batard",
    "batards",
    "pute",
    "putain",
    "merde",
    "merdique",
    "abruti",
    "abrutis",
    "cretin",
    "cretins",
    "escroc",
    "escrocs",
    "voleur",
    "voleurs",
    "voyou",
    "voyous",
    "nazi",
    "nazis",
    "bougnoule",
    "negre",
    "pd",
    "je vais te tuer",
    "je vais vous tuer",
    "on va vous retrouver",
    "creve",
)
_ABUSIVE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in ABUSIVE_WORDS) + r")\b")


def has_abusive_wording(*texts: str) -> bool:
    return any(_ABUSIVE.search(fold(text)) for text in texts)


def _domain(email: str) -> str:
    return email_normalize(email).rsplit("@", 1)[-1]


def _pro_domains(*, pro_slug: str, member_emails: list[str]) -> set[str]:
    domains = {_domain(email) for email in member_emails}
    profile = directory.pro_profile(pro_slug)
    if profile and profile.get("website"):
        host = (urlsplit(profile["website"]).hostname or "").lower()
        domains.add(host.removeprefix("www."))
    return {d for d in domains if d and d not in WEBMAIL_DOMAINS}


def review_checks(
    *,
    pro_slug: str,
    organization_id: int,
    author_email: str,
    author_ip: str | None,
    author_user_id: int | None,
    title: str,
    body: str,
    fingerprint: str,
    exclude_id: int | None = None,
) -> list[str]:
    """The codes of the checks this review triggers (see rules.CHECK_LABELS)."""
    now = timezone.now()
    others = Review.objects.exclude(pk=exclude_id) if exclude_id else Review.objects.all()
    email = email_normalize(author_email)
    flags: list[str] = []

    recent_same_email = others.filter(author_email=email, created_at__gte=now - SAME_EMAIL_WINDOW)
    if recent_same_email.count() >= SAME_EMAIL_LIMIT:
        flags.append("same_email")
    if author_ip:
        recent_same_ip = others.filter(author_ip=author_ip, created_at__gte=now - SAME_IP_WINDOW)
        if recent_same_ip.count() >= SAME_IP_LIMIT:
            flags.append("same_ip")
    if others.filter(text_fingerprint=fingerprint).exists():
        flags.append("duplicate_text")

    member_emails = [
        email_normalize(e) for e in accounts.organization_member_emails(organization_id)
    ]
    if _domain(email) in _pro_domains(pro_slug=pro_slug, member_emails=member_emails):
        flags.append("pro_email_domain")
    is_member = email in member_emails
    if not is_member and author_user_id:
        identity = accounts.identity_for_user_id(author_user_id)
        is_member = bool(identity and organization_id in identity.organization_ids())
    if is_member:
        flags.append("pro_member")
    if has_abusive_wording(title, body):
        flags.append("abusive_wording")
    return flags
