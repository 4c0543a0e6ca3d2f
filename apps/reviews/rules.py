"""The publication rules of reviews, in one place: limits, criteria, reasons, and the
validators shared by the services, the API and the pages (French messages)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.reviews.contracts import CRITERIA_LABELS

TITLE_MIN, TITLE_MAX = 3, 120
BODY_MIN, BODY_MAX = 30, 5000
REPLY_MIN, REPLY_MAX = 2, 3000
MAX_PHOTOS = 6
WORK_DATE_MONTHS = 24
INVITATION_LIFETIME = timedelta(days=30)
REMINDER_AFTER_DAYS = (7, 14)  # first and second reminder, counted from the first e-mail
SPONTANEOUS_WINDOW = timedelta(days=365)  # one spontaneous review per e-mail per pro
CONFIRMATION_MAX_AGE = timedelta(days=7)  # the e-mail confirmation link of a spontaneous review

# Optional criteria: API name → model field, French label.
CRITERIA = {name: (f"rating_{name}", label) for name, label in CRITERIA_LABELS.items()}

# Decisions a moderator may take, each with the reasons offered (told to the reviewer).
PUBLISH_REASONS = {
    "compliant": gettext_lazy("Votre avis respecte nos conditions de publication."),
    "report_unfounded": gettext_lazy(
        "Votre avis a été signalé ; après vérification, il reste publié."
    ),
}
REJECT_REASONS = {
    "not_an_experience": gettext_lazy(
        "L'avis ne porte pas sur une expérience réelle de travaux avec cette entreprise."
    ),
    "conflict_of_interest": gettext_lazy(
        "L'auteur a un lien avec l'entreprise ou avec un concurrent (salarié, proche, dirigeant)."
    ),
    "abusive": gettext_lazy(
        "L'avis contient des propos injurieux, diffamatoires, discriminatoires ou menaçants."
    ),
    "personal_data": gettext_lazy(
        "L'avis contient des données personnelles ou des informations confidentielles."
    ),
    "off_topic": gettext_lazy(
        "L'avis est sans rapport avec les travaux réalisés, ou publicitaire."
    ),
    "duplicate": gettext_lazy("L'avis est un doublon d'un avis déjà déposé."),
    "unverifiable": gettext_lazy(
        "Nous n'avons pas pu vérifier que l'auteur est bien client de l'entreprise."
    ),
    "too_old": gettext_lazy("Les travaux datent de plus de 24 mois."),
}
DECISION_REASONS = {"publish": PUBLISH_REASONS, "reject": REJECT_REASONS}

# Automatic checks: a review that triggers one goes to moderation instead of online.
CHECK_LABELS = {
    "spontaneous": gettext_lazy("Avis spontané (non vérifié) : toujours modéré"),
    "same_email": gettext_lazy("Même adresse e-mail sur plusieurs avis récents"),
    "same_ip": gettext_lazy("Même adresse IP sur plusieurs avis récents"),
    "duplicate_text": gettext_lazy("Texte identique à celui d'un autre avis"),
    "pro_email_domain": gettext_lazy("Domaine de l'e-mail identique à celui de l'entreprise"),
    "pro_member": gettext_lazy("L'auteur est membre de l'entreprise notée"),
    "abusive_wording": gettext_lazy("Propos potentiellement injurieux ou menaçants"),
    # Reviews collected by the pro (checks.collected_review_checks).
    "collected_first": gettext_lazy(
        "Parmi les 10 premiers avis collectés par l'entreprise : toujours relu"
    ),
    "collected_sample": gettext_lazy("Avis collecté tiré au sort pour relecture"),
    "five_star_burst": gettext_lazy("Afflux inhabituel d'avis 5 étoiles pour l'entreprise"),
    "recipients_repeat": gettext_lazy(
        "Invitations envoyées au même domaine ou à la même boîte sous d'autres graphies"
    ),
    "quick_answer": gettext_lazy("Invitation remplie quelques minutes après son envoi"),
    "member_sign_in": gettext_lazy(
        "Même adresse IP ou même navigateur qu'un membre de l'entreprise à sa connexion"
    ),
}
# Not checks of the text or the author: not listed among the checks on the public page.
SAMPLING_FLAGS = ("spontaneous", "collected_first", "collected_sample")


def fold(text: str) -> str:
    """Lowercase, no accents, single spaces: how texts are compared."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain).strip()


def text_fingerprint(text: str) -> str:
    letters = re.sub(r"[^a-z0-9]+", "", fold(text))
    return hashlib.sha256(letters.encode()).hexdigest()


def email_normalize(email: str) -> str:
    return email.strip().lower()


def email_hash(email: str) -> str:
    return hashlib.sha256(email_normalize(email).encode()).hexdigest()


# Kept among the control and format characters: line breaks and tabs, and the joiners that
# hold emoji sequences (👩‍🔧) and some scripts together. Bidirectional overrides, NUL and
# the rest go: they can disguise a text or break a page.
_KEPT_CONTROLS = frozenset("\n\t\u200c\u200d")


def clean_text(value: str) -> str:
    """Strip, drop control and format characters (see above), normalise line endings."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch for ch in value if ch in _KEPT_CONTROLS or unicodedata.category(ch)[0] != "C"
    ).strip()


def first_name(value: str) -> str:
    """What is shown publicly of the author's name: the first name only."""
    words = clean_text(value).split()
    if not words:
        return ""
    word = words[0][:60]
    return word.capitalize() if word.islower() or word.isupper() else word


def months_ago(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def check_length(value: str, *, low: int, high: int, message: str) -> list[str]:
    return [message] if not low <= len(value) <= high else []


def check_work_date(value: date | None) -> list[str]:
    if value is None:
        return [_("Indiquez la date des travaux.")]
    today = timezone.localdate()
    if value > today:
        return [_("La date des travaux ne peut pas être dans le futur.")]
    if value < months_ago(today, WORK_DATE_MONTHS):
        return [
            _("Les travaux doivent dater de moins de %(months)s mois.")
            % {"months": WORK_DATE_MONTHS}
        ]
    return []


def check_email(value: str) -> list[str]:
    try:
        validate_email(value)
    except ValidationError:
        return [_("Saisissez une adresse e-mail valide.")]
    return []


def check_rating(value, *, label: str | None = None) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        if label:
            return [_("%(label)s : la note va de 1 à 5.") % {"label": label}]
        return [_("La note doit être comprise entre 1 et 5.")]
    return []
