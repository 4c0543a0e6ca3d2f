"""Review requests: creation (one by one or from a CSV file), signed links, the funnel
(sent → opened → written), reminders and opt-outs.

The link's token is ``django.core.signing`` over {invitation id, nonce}: it cannot be forged
without SECRET_KEY, it is the same in every e-mail of one invitation (first message and
reminders), and it is checked against the database on every use: single use (the invitation
is completed once a review is written), 30 days of validity from the invitation, revoked by
rotating the nonce.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from apps.core.errors import Conflict, Gone, LimitReached
from apps.core.events import publish
from apps.reviews.events import ReviewReminderDue, ReviewRequestCreated
from apps.reviews.models import (
    EmailSuppression,
    InvitationPolicy,
    InvitationSource,
    ReviewInvitation,
    ReviewOptOut,
    SmsOptOut,
)
from apps.reviews.rules import (
    INVITATION_LIFETIME,
    check_email,
    check_length,
    check_work_date,
    clean_text,
    email_hash,
    email_normalize,
)

TOKEN_SALT = "reviews.invitation"
CSV_COLUMNS = ("customer_name", "customer_email", "work_description", "work_date")
# Headers a French spreadsheet may carry instead of the API names.
CSV_ALIASES = {
    "nom": "customer_name",
    "nom du client": "customer_name",
    "client": "customer_name",
    "email": "customer_email",
    "e-mail": "customer_email",
    "courriel": "customer_email",
    "adresse e-mail": "customer_email",
    "travaux": "work_description",
    "description": "work_description",
    "description des travaux": "work_description",
    "date": "work_date",
    "date des travaux": "work_date",
    "telephone": "customer_phone",
    "téléphone": "customer_phone",
    "mobile": "customer_phone",
    "portable": "customer_phone",
}
CSV_MAX_BYTES = 2 * 1024 * 1024
CSV_MAX_ROWS = 2000
MIN_DAYS_BETWEEN_REMINDERS = 3


class InvitationLimit(LimitReached):
    """The organization may not invite now: ``code`` is ``quota`` (HTTP 429, until
    tomorrow) or ``paused`` (HTTP 409, until staff resume it)."""

    def __init__(self, code: str, message: str):
        super().__init__(message, code=code)

    @property
    def http_status(self) -> int:
        return Conflict.status if self.code == "paused" else self.status


def daily_quota_default() -> int:
    return int(getattr(settings, "REVIEWS_INVITATIONS_DAILY_QUOTA", 200))


def cooldown() -> timedelta:
    """One invitation per customer per pro within this delay."""
    return timedelta(days=int(getattr(settings, "REVIEWS_INVITATION_COOLDOWN_DAYS", 90)))


# Links and addresses have no place in the texts Eldo's e-mail repeats: a pro's customer
# list is no channel for "Vous avez gagné un iPhone ! http://…".
_LINK_PATTERNS = (
    re.compile(r"\b(?:https?|ftp)://", re.IGNORECASE),
    re.compile(r"\bwww\.", re.IGNORECASE),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"\b[\w-]+\.[a-z]{2,}/", re.IGNORECASE),
    # A bare domain, in lower case as addresses are typed: "Fini.De plus…" (a missing
    # space after a full stop) stays a sentence.
    re.compile(
        r"\b[\w-]{2,}\.(?:fr|com|net|org|eu|io|ly|co|info|biz|me|app|shop|xyz|site|online|"
        r"link|click|gl|be|ch|de|uk|ru|cn|tk|top|club|store|live)\b"
    ),
)


def check_no_links(value: str, *, what: str) -> list[str]:
    if any(pattern.search(value or "") for pattern in _LINK_PATTERNS):
        return [
            _(
                "Pas de lien ni d'adresse e-mail dans %(what)s : ce texte est repris tel quel "
                "dans l'e-mail qu'Eldo envoie à votre client."
            )
            % {"what": what}
        ]
    return []


class InvitationError(Gone):
    """A link that cannot be used: ``code`` is invalid (404), expired or used (410)."""

    def __init__(self, code: str, message: str):
        super().__init__(message, code=code)


# --- Tokens -----------------------------------------------------------------------------


def invitation_token(invitation: ReviewInvitation) -> str:
    return signing.Signer(salt=TOKEN_SALT).sign_object({"i": invitation.pk, "n": invitation.nonce})


def _invitation_for_token(token: str, *, for_update: bool = False) -> ReviewInvitation:
    invalid = InvitationError(
        "invalid",
        _("Ce lien d'invitation n'est pas valide. Vérifiez que vous avez copié le lien en entier."),
    )
    try:
        data = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if not isinstance(data, dict) or not isinstance(data.get("i"), int):
        raise invalid
    queryset = (
        ReviewInvitation.objects.select_for_update() if for_update else ReviewInvitation.objects
    )
    invitation = queryset.filter(pk=data["i"]).first()
    if invitation is None or not constant_time_compare(str(data.get("n")), invitation.nonce):
        raise invalid
    return invitation


def invitation_for_token(token: str, *, for_update: bool = False) -> ReviewInvitation:
    """The invitation a link names, if a review may still be written with it."""
    invitation = _invitation_for_token(token, for_update=for_update)
    if invitation.completed_at is not None:
        raise InvitationError(
            "used", _("Vous avez déjà donné votre avis avec ce lien : merci pour votre retour !")
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            "expired",
            _(
                "Ce lien d'invitation a expiré (il était valable 30 jours). Vous pouvez "
                "demander à l'entreprise de vous envoyer une nouvelle invitation."
            ),
        )
    return invitation


def invitation_open(token: str) -> ReviewInvitation:
    """The customer opened the link: the funnel's second step (first opening only)."""
    invitation = invitation_for_token(token)
    if invitation.opened_at is None:
        now = timezone.now()
        ReviewInvitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=now
        )
        invitation.opened_at = now
    return invitation


def invitation_started(invitation: ReviewInvitation) -> None:
    """The customer submitted the review form (valid or not): the funnel's "commencé"."""
    if invitation.started_at is None:
        now = timezone.now()
        ReviewInvitation.objects.filter(pk=invitation.pk, started_at__isnull=True).update(
            started_at=now
        )
        invitation.started_at = now


def invitation_opt_out(token: str) -> ReviewInvitation:
    """Stop every invitation of this pro to this address, forever (expired links too)."""
    invitation = _invitation_for_token(token)
    ReviewOptOut.objects.bulk_create(
        [ReviewOptOut(pro_id=invitation.pro_id, email_hash=invitation.email_hash)],
        ignore_conflicts=True,
    )
    return invitation


def invitation_for_unsubscribe(token: str) -> ReviewInvitation:
    return _invitation_for_token(token)


def is_opted_out(*, pro_id: int, email: str) -> bool:
    return ReviewOptOut.objects.filter(pro_id=pro_id, email_hash=email_hash(email)).exists()


def _opted_out():
    return ReviewOptOut.objects.filter(pro_id=OuterRef("pro_id"), email_hash=OuterRef("email_hash"))


# --- Creation ---------------------------------------------------------------------------


@dataclass
class InvitationInput:
    customer_name: str
    customer_email: str
    work_description: str
    work_date: date | None
    customer_phone: str = ""  # as typed; E.164 once validated


def _phone_errors(data: InvitationInput, *, pro_id: int, source: str) -> list[str]:
    """An optional French mobile for the SMS (normalised in place to E.164)."""
    from apps.reviews.sms import mobile_check, phone_hash

    if not data.customer_phone:
        return []
    phone, errors = mobile_check(data.customer_phone)
    if errors:
        return errors
    data.customer_phone = phone
    if SmsOptOut.objects.filter(phone_hash=phone_hash(phone)).exists():
        return [_("Ce numéro a demandé à ne plus recevoir de SMS (STOP).")]
    if source != InvitationSource.ELDO:
        recent = ReviewInvitation.objects.filter(
            pro_id=pro_id, customer_phone=phone, created_at__gte=timezone.now() - cooldown()
        )
        if recent.exists():
            return [
                _(
                    "Ce numéro a déjà reçu une invitation de votre entreprise : une seule "
                    "invitation par client tous les %(days)s jours."
                )
                % {"days": cooldown().days}
            ]
    return []


def _recipient_errors(email: str, *, pro_id: int, source: str) -> list[str]:
    hashed = email_hash(email)
    if EmailSuppression.objects.filter(email_hash=hashed).exists():
        return [
            _(
                "Cette adresse est en erreur (rejetée par la messagerie du client ou signalée "
                "comme indésirable) : Eldo n'y écrit plus."
            )
        ]
    if ReviewOptOut.objects.filter(pro_id=pro_id, email_hash=hashed).exists():
        return [_("Ce client a demandé à ne plus recevoir d'invitations de votre entreprise.")]
    if source == InvitationSource.ELDO:
        # Eldo's own invitation after a job it dispatched: only never two at once.
        pending = ReviewInvitation.objects.filter(
            pro_id=pro_id,
            email_hash=hashed,
            completed_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        return (
            [_("Une invitation est déjà en cours pour cette adresse.")] if pending.exists() else []
        )
    previous = (
        ReviewInvitation.objects.filter(
            pro_id=pro_id, email_hash=hashed, created_at__gte=timezone.now() - cooldown()
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if previous is not None:
        return [
            _(
                "Ce client a déjà été invité par votre entreprise le %(date)s : une seule "
                "invitation par client tous les %(days)s jours."
            )
            % {
                "date": timezone.localtime(previous).strftime("%d/%m/%Y"),
                "days": cooldown().days,
            }
        ]
    return []


def _validate(data: InvitationInput, *, pro_id: int, source: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name_errors = check_length(
        data.customer_name,
        low=1,
        high=150,
        message=_("Indiquez le nom du client (150 caractères au plus)."),
    )
    email_errors = check_email(data.customer_email)
    description_errors = check_length(
        data.work_description,
        low=3,
        high=300,
        message=_("Décrivez les travaux réalisés en 3 à 300 caractères."),
    )
    date_errors = check_work_date(data.work_date)
    name_errors = name_errors or check_no_links(data.customer_name, what=_("le nom du client"))
    description_errors = description_errors or check_no_links(
        data.work_description, what=_("la description des travaux")
    )
    if not email_errors:
        email_errors = _recipient_errors(data.customer_email, pro_id=pro_id, source=source)
    for name, messages in (
        ("customer_name", name_errors),
        ("customer_email", email_errors),
        ("customer_phone", _phone_errors(data, pro_id=pro_id, source=source)),
        ("work_description", description_errors),
        ("work_date", date_errors),
    ):
        if messages:
            errors[name] = messages
    return errors


def _build(
    data: InvitationInput,
    *,
    pro_id: int,
    organization_id: int,
    created_by_id: int | None,
    source: str,
) -> ReviewInvitation:
    now = timezone.now()
    return ReviewInvitation(
        pro_id=pro_id,
        organization_id=organization_id,
        created_by_id=created_by_id,
        customer_name=data.customer_name,
        customer_email=email_normalize(data.customer_email),
        email_hash=email_hash(data.customer_email),
        customer_phone=data.customer_phone,
        work_description=data.work_description,
        work_date=data.work_date,
        nonce=secrets.token_hex(16),
        source=source,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )


def _clean_input(
    *, customer_name, customer_email, work_description, work_date, customer_phone=""
) -> InvitationInput:
    return InvitationInput(
        customer_name=clean_text(customer_name or ""),
        customer_email=email_normalize(customer_email or ""),
        work_description=clean_text(work_description or ""),
        work_date=work_date,
        customer_phone=clean_text(customer_phone or ""),
    )


@transaction.atomic
def review_request_create(
    *,
    pro_id: int,
    organization_id: int,
    created_by_id: int | None,
    customer_name: str,
    customer_email: str,
    work_description: str,
    work_date: date | None,
    source: str = InvitationSource.SINGLE,
    customer_phone: str = "",
    external_id: str = "",
) -> ReviewInvitation:
    """Create an invitation; its e-mail leaves after commit (outbox handler).

    Refused (InvitationLimit) when the organization's invitations are paused or its daily
    quota is spent; invitations Eldo sends itself (``source=eldo``) are not counted."""
    policy = _policy_check(organization_id) if source != InvitationSource.ELDO else None
    data = _clean_input(
        customer_name=customer_name,
        customer_email=customer_email,
        work_description=work_description,
        work_date=work_date,
        customer_phone=customer_phone,
    )
    errors = _validate(data, pro_id=pro_id, source=source)
    if errors:
        raise ValidationError(errors)
    if policy is not None and _remaining_today(organization_id, policy=policy) < 1:
        raise InvitationLimit("quota", _quota_message(organization_id))
    invitation = _build(
        data,
        pro_id=pro_id,
        organization_id=organization_id,
        created_by_id=created_by_id,
        source=source,
    )
    invitation.external_id = external_id
    invitation.save()
    publish(ReviewRequestCreated(invitation_id=invitation.pk, pro_id=pro_id))
    return invitation


def review_request_from_tool(
    *,
    pro_id: int,
    organization_id: int,
    external_id: str,
    customer_name: str,
    customer_email: str,
    work_description: str,
    work_date: date | None,
    customer_phone: str = "",
) -> tuple[ReviewInvitation, bool]:
    """An invitation from the pro's own quoting or invoicing tool: (invitation, created).
    Idempotent by ``external_id`` per organization: a replay (a retry, a second run of the
    tool) returns the invitation already made and sends nothing. Same rules and limits as a
    single invitation."""
    external_id = clean_text(external_id or "")
    if not 1 <= len(external_id) <= 100:
        # Every field's errors at once, the identifier's with the others.
        data = _clean_input(
            customer_name=customer_name,
            customer_email=customer_email,
            work_description=work_description,
            work_date=work_date,
            customer_phone=customer_phone,
        )
        errors = _validate(data, pro_id=pro_id, source=InvitationSource.API)
        errors["external_id"] = [_("Un identifiant de 1 à 100 caractères.")]
        raise ValidationError(errors)
    existing = ReviewInvitation.objects.filter(
        organization_id=organization_id, external_id=external_id
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            invitation = review_request_create(
                pro_id=pro_id,
                organization_id=organization_id,
                created_by_id=None,
                customer_name=customer_name,
                customer_email=customer_email,
                work_description=work_description,
                work_date=work_date,
                source=InvitationSource.API,
                customer_phone=customer_phone,
                external_id=external_id,
            )
    except IntegrityError:  # the same id sent twice at once: the other one won
        existing = ReviewInvitation.objects.get(
            organization_id=organization_id, external_id=external_id
        )
        return existing, False
    return invitation, True


# --- The organization's policy: pause and daily quota ---------------------------------------


def _policy_for_update(organization_id: int) -> InvitationPolicy:
    """The organization's policy row, locked: concurrent imports of one organization wait
    for each other, so the quota holds."""
    InvitationPolicy.objects.get_or_create(organization_id=organization_id)
    return InvitationPolicy.objects.select_for_update().get(organization_id=organization_id)


def _policy_check(organization_id: int) -> InvitationPolicy:
    policy = _policy_for_update(organization_id)
    if policy.paused_at is not None:
        raise InvitationLimit(
            "paused",
            _(
                "Vos invitations sont suspendues depuis le %(date)s : trop d'adresses en "
                "erreur ou de signalements comme spam. L'équipe Eldo a été prévenue et vous "
                "recontacte ; vérifiez d'ici là votre fichier de clients."
            )
            % {"date": timezone.localtime(policy.paused_at).strftime("%d/%m/%Y")},
        )
    return policy


def is_paused(organization_id: int) -> bool:
    """Paused: nothing more leaves for the organization's own invitations (new ones are
    refused, queued e-mails and reminders held) until staff resume it."""
    return InvitationPolicy.objects.filter(
        organization_id=organization_id, paused_at__isnull=False
    ).exists()


def daily_quota(organization_id: int, *, policy: InvitationPolicy | None = None) -> int:
    """The organization's quota per day: its own if staff set one, else the default."""
    if policy is None:
        policy = InvitationPolicy.objects.filter(organization_id=organization_id).first()
    if policy is not None and policy.daily_quota is not None:
        return policy.daily_quota
    return daily_quota_default()


def _used_today(organization_id: int) -> int:
    """Invitations the organization created since midnight (Paris), Eldo's own aside."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        ReviewInvitation.objects.filter(organization_id=organization_id, created_at__gte=start)
        .exclude(source=InvitationSource.ELDO)
        .count()
    )


def _remaining_today(organization_id: int, *, policy: InvitationPolicy | None = None) -> int:
    return max(0, daily_quota(organization_id, policy=policy) - _used_today(organization_id))


def invitation_allowance(organization_id: int) -> dict:
    """For the back office: {quota, used_today, paused_at, paused_reason} (two queries)."""
    policy = InvitationPolicy.objects.filter(organization_id=organization_id).first()
    return {
        "quota": daily_quota(organization_id, policy=policy or InvitationPolicy()),
        "used_today": _used_today(organization_id),
        "paused_at": policy.paused_at if policy else None,
        "paused_reason": policy.paused_reason if policy else "",
    }


def _quota_message(organization_id: int) -> str:
    return _(
        "Quota atteint : votre entreprise peut envoyer %(quota)s invitations par jour. "
        "Réessayez demain, ou demandez à l'équipe Eldo de relever ce quota."
    ) % {"quota": daily_quota(organization_id)}


@dataclass
class ImportReport:
    created: list[ReviewInvitation] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {line, customer_email, errors}
    rows: int = 0


def _malformed(message: str) -> ValidationError:
    return ValidationError({"file": [message]}, code="malformed")


def _parse_date(value: str) -> date | None:
    value = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _read_csv(upload) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file; raises a "malformed" error for a bad file."""
    raw = upload.read(CSV_MAX_BYTES + 1)
    if len(raw) > CSV_MAX_BYTES:
        raise _malformed(_("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers."))
    if not raw.strip():
        raise _malformed(_("Le fichier est vide."))
    if b"\x00" in raw:
        raise _malformed(_("Ce fichier n'est pas un fichier CSV (texte)."))
    text = _decode(raw)
    if text is None:
        raise _malformed(_("Encodage non reconnu : enregistrez le fichier en CSV UTF-8."))
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise _malformed(_("Le fichier est vide."))
        columns = [_column(name) for name in header]
        missing = [c for c in CSV_COLUMNS if c not in columns]
        if missing:
            raise _malformed(
                _(
                    "Colonnes manquantes : %(columns)s. La première ligne doit nommer les "
                    "colonnes %(all)s."
                )
                % {"columns": ", ".join(missing), "all": ", ".join(CSV_COLUMNS)}
            )
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= CSV_MAX_ROWS:
                raise _malformed(
                    _("Le fichier compte plus de %(max)s lignes : découpez-le.")
                    % {"max": CSV_MAX_ROWS}
                )
            row = {col: (values[i] if i < len(values) else "") for i, col in enumerate(columns)}
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise _malformed(
            _("Fichier CSV mal formé (ligne %(line)s).") % {"line": reader.line_num}
        ) from exc
    if not rows:
        raise _malformed(_("Le fichier ne contient aucun client après la ligne d'en-tête."))
    return rows


def _decode(raw: bytes) -> str | None:
    """UTF-8 (with or without BOM), else Windows-1252 as older French spreadsheets write."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _column(name: str) -> str:
    key = clean_text(name).lower()
    return CSV_ALIASES.get(key, key)


@transaction.atomic
def review_requests_import(
    *, pro_id: int, organization_id: int, created_by_id: int | None, upload
) -> ImportReport:
    """Invite every valid customer of a CSV file; invalid rows, duplicates, customers
    invited in the last 90 days and the rows past the daily quota are skipped and listed.
    A malformed file (encoding, structure, columns, size) or paused invitations change
    nothing. Who may import (owners, managers) is checked by the caller."""
    report = ImportReport()
    rows = _read_csv(upload)
    policy = _policy_check(organization_id)
    remaining = _remaining_today(organization_id, policy=policy)
    report.rows = len(rows)
    seen: dict[str, int] = {}
    for line, row in rows:
        work_date_raw = row.get("work_date", "")
        data = _clean_input(
            customer_name=row.get("customer_name", ""),
            customer_email=row.get("customer_email", ""),
            work_description=row.get("work_description", ""),
            work_date=_parse_date(work_date_raw),
            customer_phone=row.get("customer_phone", ""),
        )
        errors = _validate(data, pro_id=pro_id, source=InvitationSource.CSV)
        if data.work_date is None and work_date_raw.strip():
            errors["work_date"] = [_("Date illisible : écrivez-la JJ/MM/AAAA ou AAAA-MM-JJ.")]
        if data.customer_email in seen:
            errors.setdefault("customer_email", []).insert(
                0,
                _("Adresse en double dans le fichier (ligne %(line)s).")
                % {"line": seen[data.customer_email]},
            )
        if not errors and remaining < 1:
            errors["non_field_errors"] = [
                _quota_message(organization_id) + " " + _("Ligne non importée.")
            ]
        if errors:
            report.skipped.append(
                {"line": line, "customer_email": data.customer_email, "errors": errors}
            )
            continue
        seen[data.customer_email] = line
        invitation = _build(
            data,
            pro_id=pro_id,
            organization_id=organization_id,
            created_by_id=created_by_id,
            source=InvitationSource.CSV,
        )
        invitation.save()
        remaining -= 1
        publish(ReviewRequestCreated(invitation_id=invitation.pk, pro_id=pro_id))
        report.created.append(invitation)
    return report


# --- Reminders and funnel ---------------------------------------------------------------


def _reminder_candidates(*, now: datetime):
    """Invitations that may owe a reminder (the schedule is checked per organization)."""
    return (
        ReviewInvitation.objects.filter(
            sent_at__isnull=False,
            completed_at__isnull=True,
            expires_at__gt=now,
            reminders_sent__lt=2,
            sent_at__lte=now - timedelta(days=1),
        )
        .exclude(Exists(_opted_out()))
        .exclude(Exists(EmailSuppression.objects.filter(email_hash=OuterRef("email_hash"))))
        .exclude(
            Exists(
                InvitationPolicy.objects.filter(
                    organization_id=OuterRef("organization_id"), paused_at__isnull=False
                )
            ),
            ~Q(source=InvitationSource.ELDO),
        )
    )


def _reminder_due(invitation: ReviewInvitation, timings: dict, now: datetime) -> int:
    from apps.reviews.sending import hours_of, reminder_days, reminder_number_due, window_open

    timing = timings.get(invitation.organization_id)
    if not window_open(hours_of(timing), now=now):
        return 0  # outside the pro's sending hours: queued at the next run inside them
    return reminder_number_due(
        sent_at=invitation.sent_at,
        reminders_sent=invitation.reminders_sent,
        last_reminded_at=invitation.last_reminded_at,
        days=reminder_days(timing),
        now=now,
        min_gap=timedelta(days=MIN_DAYS_BETWEEN_REMINDERS),
    )


def invitation_reminders_send(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Queue the reminders that are due: the organization's schedule (7 and 14 days after
    the first message by default), inside its sending hours.

    Each reminder is counted on the invitation and published as an event in one
    transaction, so a reminder is never queued twice; the e-mail (and the SMS when the
    invitation was texted) leaves after commit.
    """
    from apps.reviews.sending import timings_by_organization

    now = now or timezone.now()
    candidates = list(
        _reminder_candidates(now=now).only(
            "pk", "organization_id", "sent_at", "reminders_sent", "last_reminded_at"
        )
    )
    timings = timings_by_organization(c.organization_id for c in candidates)
    queued = 0
    for candidate in candidates:
        if queued >= limit:
            break
        if not _reminder_due(candidate, timings, now):
            continue
        with transaction.atomic():
            invitation = (
                _reminder_candidates(now=now).select_for_update().filter(pk=candidate.pk).first()
            )
            number = _reminder_due(invitation, timings, now) if invitation else 0
            if not number:  # completed, opted out or reminded meanwhile
                continue
            previous = invitation.last_reminded_at
            invitation.reminders_sent = number
            invitation.last_reminded_at = now
            invitation.save(update_fields=["reminders_sent", "last_reminded_at"])
            publish(
                ReviewReminderDue(
                    invitation_id=invitation.pk,
                    number=number,
                    previous_reminded_at=previous.isoformat() if previous else "",
                )
            )
            queued += 1
    return queued


def invitation_status(invitation: ReviewInvitation, *, opted_out: bool) -> str:
    if invitation.completed_at:
        return "written"
    if invitation.bounced_at or invitation.complained_at:
        return "undeliverable"
    if opted_out:
        return "opted_out"
    if invitation.expires_at <= timezone.now():
        return "expired"
    if invitation.opened_at:
        return "opened"
    if invitation.sent_at:
        return "sent"
    return "queued"


INVITATION_STATUS_LABELS = {
    "queued": "En cours d'envoi",
    "sent": "Envoyée",
    "opened": "Lien ouvert",
    "written": "Avis rédigé",
    "expired": "Expirée",
    "opted_out": "Désinscrit",
    "undeliverable": "Adresse en erreur",
}


def with_opt_out(queryset):
    return queryset.annotate(opted_out=Exists(_opted_out()))


def invitation_funnel(*, pro_ids: list[int] | None) -> dict:
    """sent → opened → written, and the collection rate (reviews collected / sent);
    ``pro_ids=None``: the whole platform."""
    queryset = ReviewInvitation.objects.all()
    if pro_ids is not None:
        queryset = queryset.filter(pro_id__in=pro_ids)
    totals = queryset.aggregate(
        invited=Count("id"),
        sent=Count("sent_at"),
        opened=Count("opened_at"),
        written=Count("completed_at"),
    )
    sent = totals["sent"]
    totals["collection_rate"] = round(totals["written"] / sent, 4) if sent else 0.0
    return totals
