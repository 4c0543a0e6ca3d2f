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

Reviews collected by the pro (its own invitations: the pro chooses whom it asks) also go
through ``collected_review_checks``:
- the pro's first ``REVIEWS_COLLECTED_FIRST_MODERATED`` (10) collected reviews are all read;
- then ``REVIEWS_COLLECTED_SAMPLE_PERCENT`` (20 %) of the next ones, drawn by an HMAC of the
  invitation (id and secret nonce) under ``SECRET_KEY``: the same invitation always gives
  the same draw (tests cannot flake) and nobody without the key can predict it;
- a burst of 5-star reviews: this one makes at least 5 five-star reviews of the pro in 7
  days, more than 3 times its usual weekly pace (the 90 days before);
- recipients repeating: at least 3 of the pro's invitations of the last 90 days went to the
  same non-webmail domain, or another one went to the same mailbox under another spelling
  (``jean+1@…``, dots in a Gmail address);
- the invitation answered within 10 minutes of being sent;
- the review written from the address or the browser (device cookie) a member of the pro's
  organization signed in from in the last 90 days (``accounts.api.member_sign_in_matches``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from apps.accounts.contracts import AccountsFacade
from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade
from apps.reviews.models import Review, ReviewInvitation, ReviewLabel, ReviewStatus
from apps.reviews.rules import email_normalize, fold

directory: DirectoryFacade = facade("directory")
accounts: AccountsFacade = facade("accounts")

SAME_EMAIL_WINDOW = timedelta(days=30)
SAME_EMAIL_LIMIT = 2  # other reviews allowed before this one is held
SAME_IP_WINDOW = timedelta(hours=24)
SAME_IP_LIMIT = 2
BURST_WINDOW = timedelta(days=7)
BURST_BASELINE = timedelta(days=90)  # before the window: the pro's usual pace
BURST_MIN = 5  # five-star reviews in the window, this one included
BURST_FACTOR = 3
RECIPIENTS_WINDOW = timedelta(days=90)
SAME_DOMAIN_LIMIT = 3  # invitations of the pro to one non-webmail domain
QUICK_ANSWER = timedelta(minutes=10)
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

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


# --- Reviews collected by the pro ----------------------------------------------------------


def sampled(key: str, percent: int) -> bool:
    """A deterministic, unpredictable draw: True for about ``percent`` % of the keys."""
    if percent <= 0:
        return False
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"reviews.sample:{key}".encode(), hashlib.sha256
    ).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def mailbox(email: str) -> str:
    """One spelling per mailbox: no "+tag", no dots in a Gmail address."""
    local, _at, domain = email_normalize(email).partition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def _five_star_burst(*, pro_id: int, rating: int, now) -> bool:
    if rating != 5:
        return False
    five = Review.objects.filter(pro_id=pro_id, rating=5).exclude(status=ReviewStatus.REJECTED)
    recent = five.filter(created_at__gte=now - BURST_WINDOW).count() + 1
    before = five.filter(
        created_at__lt=now - BURST_WINDOW,
        created_at__gte=now - BURST_WINDOW - BURST_BASELINE,
    ).count()
    weekly = before / (BURST_BASELINE / BURST_WINDOW)
    return recent >= BURST_MIN and recent > BURST_FACTOR * max(1.0, weekly)


def _recipients_repeat(invitation: ReviewInvitation, *, now) -> bool:
    domain = _domain(invitation.customer_email)
    recent = ReviewInvitation.objects.filter(
        pro_id=invitation.pro_id, created_at__gte=now - RECIPIENTS_WINDOW
    )
    same_domain = recent.filter(customer_email__iendswith=f"@{domain}")
    if domain not in WEBMAIL_DOMAINS and same_domain.count() >= SAME_DOMAIN_LIMIT:
        return True
    own = mailbox(invitation.customer_email)
    local = own.split("@", 1)[0]
    candidates = recent.exclude(pk=invitation.pk).filter(customer_email__istartswith=local[:3])
    return any(
        mailbox(email) == own
        and email_normalize(email) != email_normalize(invitation.customer_email)
        for email in candidates.values_list("customer_email", flat=True)[:500]
    )


def collected_review_checks(
    *,
    invitation: ReviewInvitation | None,
    organization_id: int,
    pro_id: int | None = None,
    author_email: str = "",
    rating: int,
    author_ip: str | None,
    author_device: str,
) -> list[str]:
    """The extra checks of a review collected by the pro: through its own invitation, or
    (``invitation`` None, ``pro_id`` and ``author_email`` given) through its permanent
    review link, where the draw is keyed by the author's mailbox."""
    now = timezone.now()
    flags: list[str] = []
    pro_id = invitation.pro_id if invitation is not None else pro_id
    sample_key = (
        f"{invitation.pk}:{invitation.nonce}"
        if invitation is not None
        else f"link:{pro_id}:{mailbox(author_email)}"
    )
    earlier = Review.objects.filter(pro_id=pro_id, label=ReviewLabel.COLLECTED).count()
    if earlier < settings.REVIEWS_COLLECTED_FIRST_MODERATED:
        flags.append("collected_first")
    elif sampled(sample_key, settings.REVIEWS_COLLECTED_SAMPLE_PERCENT):
        flags.append("collected_sample")
    if _five_star_burst(pro_id=pro_id, rating=rating, now=now):
        flags.append("five_star_burst")
    if invitation is not None:
        if _recipients_repeat(invitation, now=now):
            flags.append("recipients_repeat")
        if now - (invitation.sent_at or invitation.created_at) < QUICK_ANSWER:
            flags.append("quick_answer")
    if accounts.member_sign_in_matches(
        organization_id=organization_id, ip=author_ip, device_hash=author_device
    ):
        flags.append("member_sign_in")
    return flags
