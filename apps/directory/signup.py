"""Pro sign-up and "Revendiquer ma fiche".

A company enters its SIRET (14 digits, Luhn key: a field error otherwise).

- No profile has that SIRET: an account, a company organization (the person its owner)
  and an **unpublished** profile are created, with an identity check *en attente de
  vérification* (SIRENE import or staff, docs/verification.md); the account's address is
  verified through an e-mailed link. The profile goes public when its identity check is
  verified, and not before (``awaiting_vetting``, ``identity_flags_sync``). No staff
  action is needed to reach "en attente de vérification".
- A profile has it: the person claims it by proving control — a six-digit code sent to an
  e-mail address of its members or to the phone on file (valid 15 minutes). Five wrong
  codes lock the profile's claims for an hour; three codes at most are sent per profile
  and hour. A correct code makes the person a member
  (owner when the company has none yet, manager otherwise).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts import api as accounts
from apps.core import sms
from apps.core.actor import MemberRole, OrganizationKind
from apps.core.mail import send_templated
from apps.directory.models import Category, CheckKind, CheckSource, ProCheck, ProClaim, ProProfile
from apps.directory.models.claims import ClaimChannel
from apps.directory.models.geography import Commune
from apps.directory.validators import siret_is_valid

CLAIM_CODE_VALIDITY = timedelta(minutes=15)
CLAIM_MAX_ATTEMPTS = 5
CLAIM_LOCK = timedelta(hours=1)
CLAIM_SENDS_PER_HOUR = 3  # per profile: each is an SMS or an e-mail to the company
DEFAULT_RADIUS_KM = 30


def siret_clean(value: str) -> str:
    siret = "".join((value or "").split())
    if len(siret) != 14 or not siret.isdigit():
        raise ValidationError({"siret": [_("Le SIRET compte exactement 14 chiffres.")]})
    if not siret_is_valid(siret):
        raise ValidationError(
            {
                "siret": [
                    _("Ce SIRET n'est pas valide (clé de contrôle) : vérifiez-le sur votre Kbis.")
                ]
            }
        )
    return siret


def pro_for_siret(siret: str) -> ProProfile | None:
    return ProProfile.objects.filter(siret=siret).order_by("id").first()


@dataclass(frozen=True)
class Signup:
    user_id: int
    pro_id: int | None  # the new profile; None when the SIRET belongs to an existing one
    claim_slug: str  # the existing profile to claim ("" for a new one)


def _unique_pro_slug(base: str) -> str:
    slug, n = base, 1
    while ProProfile.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def pro_signup(
    *,
    siret: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    phone: str = "",
    company_name: str = "",
    postcode: str = "",
    category_slug: str = "",
) -> Signup:
    """Create the account, and the company with its unpublished profile when the SIRET is
    new. ValidationError per field (French)."""
    errors: dict[str, list[str]] = {}
    try:
        siret = siret_clean(siret)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    existing = pro_for_siret(siret) if not errors else None
    commune = category = None
    if not errors and existing is None:
        if not company_name.strip():
            errors["company_name"] = [_("Indiquez la raison sociale de l'entreprise.")]
        commune = (
            Commune.objects.filter(postal_codes__code=postcode.strip())
            .order_by("-population")
            .first()
        )
        if commune is None:
            errors["postcode"] = [_("Code postal inconnu.")]
        category = Category.objects.filter(slug=category_slug).first()
        if category is None:
            errors["category"] = [_("Choisissez votre métier principal.")]
    try:
        user_id = accounts.signup_user_create(
            email=email, password=password, first_name=first_name, last_name=last_name, phone=phone
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if existing is not None:
        transaction.on_commit(
            lambda: accounts.email_verification_send(user_id=user_id, next_path="/espace-pro/")
        )
        return Signup(user_id=user_id, pro_id=None, claim_slug=existing.slug)

    organization_id, slug = accounts.organization_create(
        name=company_name.strip(), kind=OrganizationKind.COMPANY
    )
    pro = ProProfile.objects.create(
        organization_id=organization_id,
        name=company_name.strip()[:200],
        slug=_unique_pro_slug(slugify(company_name)[:180] or slug),
        siret=siret,
        commune=commune,
        postcode=postcode.strip(),
        latitude=commune.latitude,
        longitude=commune.longitude,
        service_radius_km=DEFAULT_RADIUS_KM,
        phone=phone[:20],
        is_published=False,
        awaiting_vetting=True,
    )
    pro.categories.set([category])
    ProCheck.objects.create(
        pro=pro, kind=CheckKind.IDENTITY, number=siret, source=CheckSource.SIRENE
    )
    accounts.membership_add(user_id=user_id, organization_id=organization_id, role=MemberRole.OWNER)
    from apps.directory.services import pro_search_index_refresh, pros_created

    pro_search_index_refresh(pro_ids=[pro.pk])
    pros_created(pro_ids=[pro.pk])
    transaction.on_commit(
        lambda: accounts.email_verification_send(user_id=user_id, next_path="/espace-pro/")
    )
    return Signup(user_id=user_id, pro_id=pro.pk, claim_slug="")


# --- Claiming an existing profile ------------------------------------------------------------


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _mask_email(address: str) -> str:
    name, _at, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"


def _mask_phone(number: str) -> str:
    digits = "".join(c for c in number if c.isdigit())
    return f"•• •• •• •• {digits[-2:]}" if len(digits) >= 2 else ""


def claim_channels(pro: ProProfile) -> dict[str, str]:
    """{"email": masked address, "sms": masked number} — what is on file to send a code to."""
    channels = {}
    emails = accounts.organization_member_emails(pro.organization_id)
    if emails:
        channels[ClaimChannel.EMAIL] = _mask_email(emails[0])
    if pro.phone:
        channels[ClaimChannel.SMS] = _mask_phone(pro.phone)
    return channels


def claim_locked_until(pro: ProProfile, *, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    claim = ProClaim.objects.filter(pro=pro, locked_until__gt=now).order_by("-locked_until").first()
    return claim.locked_until if claim else None


def _locked_error(until: datetime) -> ValidationError:
    return ValidationError(
        {
            "code": [
                _(
                    "Trop de codes erronés : la revendication de cette fiche est bloquée"
                    " jusqu'à %(t)s."
                )
                % {"t": timezone.localtime(until).strftime("%H h %M")}
            ]
        }
    )


def claim_code_send(*, pro: ProProfile, user_id: int, channel: str) -> ProClaim:
    """Send a new six-digit code to the e-mail or phone on file; earlier codes stop working."""
    now = timezone.now()
    if (until := claim_locked_until(pro, now=now)) is not None:
        raise _locked_error(until)
    if channel not in claim_channels(pro):
        raise ValidationError({"channel": [_("Aucune coordonnée de ce type sur la fiche.")]})
    recent = (
        ProClaim.objects.filter(pro=pro, created_at__gt=now - timedelta(hours=1))
        .exclude(channel=ClaimChannel.DOCUMENT)
        .count()
    )
    if recent >= CLAIM_SENDS_PER_HOUR:
        raise ValidationError(
            {"channel": [_("Trop de codes envoyés pour cette fiche : réessayez dans une heure.")]}
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        ProClaim.objects.filter(pro=pro, user_id=user_id, verified_at__isnull=True).exclude(
            channel=ClaimChannel.DOCUMENT
        ).update(expires_at=now)
        claim = ProClaim.objects.create(
            pro=pro,
            user_id=user_id,
            channel=channel,
            code_hash=_hash(code),
            created_at=now,
            expires_at=now + CLAIM_CODE_VALIDITY,
        )
    if channel == ClaimChannel.SMS:
        text = _(
            "Eldo : votre code pour revendiquer la fiche %(name)s est %(code)s "
            "(valable 15 minutes)."
        ) % {"name": pro.name, "code": code}
        sms.send_sms(pro.phone, text)
    else:
        send_templated(
            to=accounts.organization_member_emails(pro.organization_id)[:1],
            template="directory/email/claim_code",
            context={"pro_name": pro.name, "code": code},
            subject=_("Code de revendication de la fiche %(name)s") % {"name": pro.name},
        )
    return claim


def claim_code_verify(*, pro: ProProfile, user_id: int, code: str) -> None:
    """Check the code: a match makes the person a member of the company; a miss counts, and
    the fifth locks the profile's claims for an hour. ValidationError (French) on a miss."""
    now = timezone.now()
    if (until := claim_locked_until(pro, now=now)) is not None:
        raise _locked_error(until)
    with transaction.atomic():
        claim = (
            ProClaim.objects.select_for_update()
            .filter(pro=pro, user_id=user_id, verified_at__isnull=True, expires_at__gt=now)
            .exclude(channel=ClaimChannel.DOCUMENT)
            .order_by("-created_at")
            .first()
        )
        if claim is None:
            raise ValidationError({"code": [_("Ce code a expiré : demandez-en un nouveau.")]})
        if not hmac.compare_digest(claim.code_hash, _hash((code or "").strip())):
            claim.attempts += 1
            if claim.attempts >= CLAIM_MAX_ATTEMPTS:
                claim.locked_until = now + CLAIM_LOCK
                claim.expires_at = now
            claim.save(update_fields=["attempts", "locked_until", "expires_at"])
            locked = claim.locked_until
        else:
            claim.verified_at = now
            claim.save(update_fields=["verified_at"])
            members = accounts.organization_members(pro.organization_id)
            role = (
                MemberRole.MANAGER
                if any(m.role == MemberRole.OWNER for m in members)
                else MemberRole.OWNER
            )
            accounts.membership_add(user_id=user_id, organization_id=pro.organization_id, role=role)
            return
    if locked is not None:
        raise _locked_error(locked)
    left = CLAIM_MAX_ATTEMPTS - claim.attempts
    raise ValidationError(
        {
            "code": [
                _("Code incorrect. Encore %(n)d essai(s) avant blocage d'une heure.") % {"n": left}
            ]
        }
    )


def claim_document_submit(*, pro: ProProfile, user_id: int, upload) -> ProClaim:
    """No access to the contacts on file: a Kbis (PDF, JPEG, PNG, checked like every
    document) that staff read in the admin. Raises DocumentRejected (nothing stored)."""
    from django.core.files.storage import storages

    from apps.core.documents import document_check

    processed = document_check(upload=upload)
    now = timezone.now()
    storage = storages["private"]
    name = storage.save(f"claims/{pro.pk}/{processed.content.name}", processed.content)
    try:
        return ProClaim.objects.create(
            pro=pro,
            user_id=user_id,
            channel=ClaimChannel.DOCUMENT,
            code_hash="",
            created_at=now,
            expires_at=now + timedelta(days=30),
            document=name,
            document_type=processed.content_type,
        )
    except Exception:
        storage.delete(name)
        raise


def claim_document_decide(*, claim_id: int, actor, accept: bool) -> ProClaim:
    """Staff accept (the person joins the company) or refuse a document claim."""
    from django.core.exceptions import PermissionDenied

    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Réservé à l'équipe Eldo."))
    now = timezone.now()
    with transaction.atomic():
        claim = ProClaim.objects.select_for_update().select_related("pro").get(pk=claim_id)
        if claim.channel != ClaimChannel.DOCUMENT or claim.verified_at or claim.refused_at:
            return claim
        claim.decided_by_id = actor.pk
        if accept:
            claim.verified_at = now
            members = accounts.organization_members(claim.pro.organization_id)
            role = (
                MemberRole.MANAGER
                if any(m.role == MemberRole.OWNER for m in members)
                else MemberRole.OWNER
            )
            accounts.membership_add(
                user_id=claim.user_id, organization_id=claim.pro.organization_id, role=role
            )
        else:
            claim.refused_at = now
        claim.save(update_fields=["verified_at", "refused_at", "decided_by_id"])
    return claim


def signup_state(*, pro: ProProfile) -> dict:
    """What the pro sees after signing up: identity check state, published or not."""
    check = pro.checks.filter(kind=CheckKind.IDENTITY).order_by("-id").first()
    return {
        "identity_status": check.get_status_display() if check else "",
        "is_published": pro.is_published,
        "awaiting_vetting": pro.awaiting_vetting,
    }
