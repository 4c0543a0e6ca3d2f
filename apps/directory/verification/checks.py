"""Reads and writes of the checks (ProCheck). Only a VERIFIED check not past its validity
counts in public; every change of what the public sees publishes ProProfileChanged, whose
handler bumps the pro's cache generations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.directory.models import (
    Category,
    CertificationKind,
    CheckKind,
    CheckSource,
    CheckStatus,
    ProCheck,
    ProProfile,
)

REMINDER_DAYS = (30, 7)
# What a pro needs verified, in the order the back office lists them.
REQUIRED_KINDS = (CheckKind.IDENTITY, CheckKind.INSURANCE, CheckKind.MANAGER)


# --- Reads ---------------------------------------------------------------------------------


def valid_checks(*, today: date | None = None) -> QuerySet[ProCheck]:
    today = today or timezone.localdate()
    return ProCheck.objects.filter(status=CheckStatus.VERIFIED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def valid_labels(*, today: date | None = None) -> QuerySet[ProCheck]:
    """The labels the public may see (profile, badge, JSON-LD, filters)."""
    return valid_checks(today=today).filter(kind=CheckKind.LABEL)


def _related_trades(category_id: int) -> QuerySet[Category]:
    """The trade, its ancestors and its descendants (the catalogue is at most three levels
    deep), as a subquery: a décennale for "Maçonnerie" covers a request for one of its
    sub-trades, and the other way round. No query of its own."""
    return Category.objects.filter(
        Q(id=category_id)
        | Q(parent_id=category_id)
        | Q(parent__parent_id=category_id)
        | Q(children__id=category_id)
        | Q(children__children__id=category_id)
    ).values("id")


def insured_filter(*, category_id: int | None, today: date | None = None) -> Exists:
    """A filter for ProProfile querysets: a valid verified décennale covering the trade."""
    insurance = valid_checks(today=today).filter(kind=CheckKind.INSURANCE, pro_id=OuterRef("pk"))
    if category_id is not None:
        insurance = insurance.filter(trades__in=_related_trades(category_id))
    return Exists(insurance)


def insured_pro_ids(*, pro_ids: list[int], category_slug: str = "") -> set[int]:
    """Among these pros, those with a valid verified décennale covering the trade (any
    trade when none is given). One or two queries."""
    category_id = None
    if category_slug:
        category_id = Category.objects.filter(slug=category_slug).values_list("id", flat=True)
        category_id = next(iter(category_id), None)
        if category_id is None:
            return set()
    return set(
        ProProfile.objects.filter(id__in=pro_ids)
        .filter(insured_filter(category_id=category_id))
        .values_list("id", flat=True)
    )


def insurance_required() -> bool:
    return bool(getattr(settings, "LEADS_REQUIRE_INSURANCE", True))


def pending_queue() -> QuerySet[ProCheck]:
    """Checks waiting for staff, oldest first, with their pro."""
    return (
        ProCheck.objects.filter(status=CheckStatus.PENDING)
        .select_related("pro")
        .prefetch_related("trades")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Missing:
    kind: str
    title: str
    help: str


def pro_checks_overview(*, pro_id: int) -> tuple[list[ProCheck], list[Missing]]:
    """Every check of the pro (its back office) and what is still missing."""
    checks = list(
        ProCheck.objects.filter(pro_id=pro_id).prefetch_related("trades").order_by("kind", "label")
    )
    today = timezone.localdate()
    helps = {
        CheckKind.IDENTITY: _(
            "Eldo vérifie votre SIRET dans le répertoire SIRENE de l'Insee à sa prochaine mise "
            "à jour ; s'il est inexact ou si l'établissement a changé, écrivez-nous."
        ),
        CheckKind.INSURANCE: _(
            "Déposez votre attestation d'assurance décennale en cours de validité (PDF, JPEG "
            "ou PNG, 10 Mo maximum)."
        ),
        CheckKind.MANAGER: _(
            "Demandez la vérification : un conseiller Eldo contacte le dirigeant pour "
            "confirmer son identité."
        ),
    }
    missing = []
    for kind in REQUIRED_KINDS:
        mine = [c for c in checks if c.kind == kind]
        if any(c.is_valid(today) or c.status == CheckStatus.PENDING for c in mine):
            continue
        missing.append(Missing(kind=kind, title=str(CheckKind(kind).label), help=helps[kind]))
    return checks, missing


def public_checks(checks: list[ProCheck], *, today: date | None = None) -> list[dict]:
    """The "Vérifications Eldo" panel: one line per kind of check that Eldo verified (or
    that expired), with its date and source. Never a document, a number of policy or a
    check still pending or refused (the pro sees those in its back office)."""
    today = today or timezone.localdate()
    lines = []
    for check in checks:
        valid = check.is_valid(today)
        expired = check.status == CheckStatus.EXPIRED or (
            check.status == CheckStatus.VERIFIED and not valid
        )
        # An expired label is simply gone (it must never look like one); an expired
        # insurance or identity check stays visible as expired, which the public should know.
        if not (valid or (expired and check.kind != CheckKind.LABEL)):
            continue
        lines.append(
            {
                "kind": check.kind,
                "title": check.get_label_display() if check.label else check.get_kind_display(),
                "status": CheckStatus.VERIFIED if valid else CheckStatus.EXPIRED,
                "source": check.get_source_display(),
                "checked_on": timezone.localdate(check.checked_at) if check.checked_at else None,
                "valid_until": check.valid_until,
                "domains": list(check.domains or []),
                "trades": [t.name for t in check.trades.all()]
                if check.kind == CheckKind.INSURANCE
                else [],
            }
        )
    return lines


# --- Writes --------------------------------------------------------------------------------


def _public_change(pro_ids: list[int]) -> None:
    """The public side of these pros changed: identity flag, then caches (ProProfileChanged)."""
    from apps.directory.services import pro_profile_changed

    identity_flags_sync(pro_ids=pro_ids)
    pro_profile_changed(pro_ids=pro_ids)


def identity_flags_sync(*, pro_ids: list[int]) -> None:
    """``ProProfile.is_verified`` (the "Entreprise vérifiée" badge and the search filter) is
    a copy of "a valid identity check exists"."""
    verified = set(
        valid_checks()
        .filter(kind=CheckKind.IDENTITY, pro_id__in=pro_ids)
        .values_list("pro_id", flat=True)
    )
    ProProfile.objects.filter(id__in=verified, is_verified=False).update(is_verified=True)
    # A profile created through the pro sign-up goes public once vetted, and only then
    # (apps/directory/signup.py).
    ProProfile.objects.filter(id__in=verified, awaiting_vetting=True).update(
        is_published=True, awaiting_vetting=False
    )
    ProProfile.objects.filter(id__in=pro_ids, is_verified=True).exclude(id__in=verified).update(
        is_verified=False
    )


def label_declare(*, pro_id: int, label: str, number: str, valid_until: date) -> ProCheck:
    """The pro declares a label: pending until the official list or staff confirm it.
    Nothing public changes."""
    if label not in CertificationKind.values:
        raise ValidationError({"label": [_("Label inconnu.")]})
    number = (number or "").strip()[:60]
    if not number:
        raise ValidationError({"number": [_("Indiquez le numéro du certificat.")]})
    try:
        with transaction.atomic():
            return ProCheck.objects.create(
                pro_id=pro_id,
                kind=CheckKind.LABEL,
                label=label,
                number=number,
                valid_until=valid_until,
                status=CheckStatus.PENDING,
                source=CheckSource.SELF_DECLARED,
            )
    except IntegrityError as exc:
        raise ValidationError({"number": [_("Cette certification est déjà enregistrée.")]}) from exc


def check_withdraw(*, pro_id: int, check_id: int) -> bool:
    """The pro removes one of its labels (one it no longer holds)."""
    with transaction.atomic():
        deleted, _detail = ProCheck.objects.filter(
            pk=check_id, pro_id=pro_id, kind=CheckKind.LABEL
        ).delete()
        if deleted:
            _public_change([pro_id])
    return bool(deleted)


def insurance_certificate_submit(
    *,
    pro_id: int,
    upload,
    insurer: str,
    policy_number: str,
    valid_from: date | None,
    valid_until: date,
    trade_ids: list[int],
) -> ProCheck:
    """The pro uploads its décennale certificate: checked (apps.core.documents), stored in
    private storage, pending until staff read it. Raises DocumentRejected (nothing stored)."""
    from apps.core.documents import document_check

    processed = document_check(upload=upload)
    check = ProCheck(
        pro_id=pro_id,
        kind=CheckKind.INSURANCE,
        number=(policy_number or "").strip()[:60],
        issuer=(insurer or "").strip()[:120],
        valid_from=valid_from,
        valid_until=valid_until,
        status=CheckStatus.PENDING,
        source=CheckSource.SELF_DECLARED,
        document_type=processed.content_type,
    )
    with transaction.atomic():
        # A new certificate replaces the pro's pending one for the same policy.
        ProCheck.objects.filter(
            pro_id=pro_id,
            kind=CheckKind.INSURANCE,
            number=check.number,
            status__in=[CheckStatus.PENDING, CheckStatus.REFUSED],
        ).delete()
        storage = storages["private"]
        check.document = storage.save(
            f"checks/{pro_id}/{processed.content.name}", processed.content
        )
        # The file is written before the row: a failed insert leaves no orphan file.
        try:
            check.save()
            check.trades.set(Category.objects.filter(id__in=trade_ids))
        except Exception:
            storage.delete(check.document)
            raise
    return check


def manager_check_request(*, pro_id: int) -> ProCheck:
    """The pro asks Eldo to check its manager's identity (staff call; no ID document kept)."""
    check, _created = ProCheck.objects.get_or_create(
        pro_id=pro_id,
        kind=CheckKind.MANAGER,
        label="",
        number="",
        defaults={"status": CheckStatus.PENDING, "source": CheckSource.SELF_DECLARED},
    )
    if check.status in (CheckStatus.REFUSED, CheckStatus.EXPIRED):
        check.status, check.reason = CheckStatus.PENDING, ""
        check.save(update_fields=["status", "reason", "updated_at"])
    return check


DECISIONS = ("verify", "refuse")


def check_decide(
    *,
    check_id: int,
    decision: str,
    actor,
    reason: str = "",
    issuer: str | None = None,
    number: str | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    trade_ids: list[int] | None = None,
) -> ProCheck:
    """Staff verify or refuse a check, with a reason for a refusal. For a décennale, what
    staff read on the certificate (insurer, policy, validity, trades) replaces what the pro
    typed. Raises PermissionDenied, ValidationError (field errors)."""
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Réservé à l'équipe Eldo."))
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("Décision inconnue : verify ou refuse.")]})
    reason = (reason or "").strip()[:300]
    if decision == "refuse" and not reason:
        raise ValidationError({"reason": [_("Indiquez le motif du refus : le pro le verra.")]})
    with transaction.atomic():
        check = (
            ProCheck.objects.select_for_update().select_related("pro").filter(pk=check_id).first()
        )
        if check is None:
            raise ProCheck.DoesNotExist
        _staff_reading_apply(
            check,
            issuer=issuer,
            number=number,
            valid_from=valid_from,
            valid_until=valid_until,
            trade_ids=trade_ids,
        )
        errors = _verification_errors(check) if decision == "verify" else {}
        if errors:
            raise ValidationError(errors)
        check.status = CheckStatus.VERIFIED if decision == "verify" else CheckStatus.REFUSED
        check.source = CheckSource.STAFF
        check.reason = reason
        check.decided_by_id = actor.pk
        check.checked_at = timezone.now()
        check.save()
        _public_change([check.pro_id])
        _audit(check, actor=actor, decision=decision)
    return check


def _staff_reading_apply(
    check: ProCheck,
    *,
    issuer: str | None,
    number: str | None,
    valid_from: date | None,
    valid_until: date | None,
    trade_ids: list[int] | None,
) -> None:
    """What staff read on the document replaces what the pro typed (None: unchanged)."""
    if issuer is not None:
        check.issuer = issuer.strip()[:120]
    if number is not None:
        check.number = number.strip()[:60]
    if valid_from is not None:
        check.valid_from = valid_from
    if valid_until is not None:
        check.valid_until = valid_until
    if trade_ids is not None:
        check.trades.set(Category.objects.filter(id__in=trade_ids))


def _verification_errors(check: ProCheck) -> dict[str, list[str]]:
    """Why this check cannot be verified as it stands (French, per field); {} when it can."""
    errors = {}
    if check.kind in (CheckKind.INSURANCE, CheckKind.LABEL) and not check.valid_until:
        errors["valid_until"] = [_("Indiquez la date de fin de validité.")]
    elif check.valid_until and check.valid_until < timezone.localdate():
        errors["valid_until"] = [_("Cette date est passée : le document a expiré.")]
    if check.kind == CheckKind.INSURANCE:
        if not check.issuer:
            errors["issuer"] = [_("Indiquez l'assureur.")]
        if not check.trades.exists():
            errors["trade_ids"] = [_("Indiquez au moins un métier couvert.")]
    return errors


def _audit(check: ProCheck, *, actor, decision: str) -> None:
    """Staff decisions go to the staff audit log (docs/privacy.md), in the same transaction."""
    from apps.accounts import api as accounts

    what = check.get_label_display() if check.label else check.get_kind_display()
    verdict = _("vérifiée") if decision == "verify" else _("refusée")
    accounts.audit_record(
        actor_id=actor.pk,
        action=f"directory.check_{decision}",
        summary=f"{what} {verdict} ({check.pro.name})",
        target_type="pro_check",
        target_ref=str(check.pk),
        occurred_at=check.checked_at.isoformat(),
        details={"pro_id": check.pro_id, "kind": check.kind, "reason": check.reason},
    )


def identity_verify_by_staff(*, pro_ids: list[int], actor) -> int:
    """Staff confirm these companies' identity by hand (admin action): a verified identity
    check with the SIRET on file, source "staff"."""
    now = timezone.now()
    with transaction.atomic():
        pros = list(ProProfile.objects.filter(id__in=pro_ids).only("id", "siret"))
        for pro in pros:
            ProCheck.objects.filter(pro_id=pro.id, kind=CheckKind.IDENTITY).delete()
            ProCheck.objects.create(
                pro_id=pro.id,
                kind=CheckKind.IDENTITY,
                number=pro.siret,
                status=CheckStatus.VERIFIED,
                source=CheckSource.STAFF,
                checked_at=now,
                decided_by_id=actor.pk,
            )
        _public_change([p.id for p in pros])
    return len(pros)


def checks_expire(*, today: date | None = None) -> int:
    """Verified checks past their validity become EXPIRED: the label or the insurance
    switches off by itself (daily beat). Idempotent."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = ProCheck.objects.filter(status=CheckStatus.VERIFIED, valid_until__lt=today)
        pro_ids = sorted(set(due.values_list("pro_id", flat=True)))
        count = due.update(status=CheckStatus.EXPIRED, updated_at=timezone.now())
        if pro_ids:
            _public_change(pro_ids)
    return count


def expiry_reminders_send(*, today: date | None = None) -> int:
    """E-mail the pro 30 and 7 days before a verified check expires, once each (the date
    reminded is recorded in the same transaction, so a re-run sends nothing)."""
    from apps.directory.verification.emails import expiry_reminder_send

    today = today or timezone.localdate()
    sent = 0
    for days in REMINDER_DAYS:
        field = f"reminded_{days}_for"
        lower = today + timedelta(days=0 if days == 7 else 8)
        due = ProCheck.objects.filter(
            status=CheckStatus.VERIFIED,
            valid_until__gte=lower,
            valid_until__lte=today + timedelta(days=days),
        ).exclude(**{field: F("valid_until")})
        for check_id in list(due.values_list("id", flat=True)):
            with transaction.atomic():
                check = (
                    ProCheck.objects.select_for_update(skip_locked=True)
                    .select_related("pro")
                    .filter(pk=check_id)
                    .first()
                )
                if check is None or getattr(check, field) == check.valid_until:
                    continue
                setattr(check, field, check.valid_until)
                if days == 7:  # the 30-day reminder is pointless once the 7-day one is sent
                    check.reminded_30_for = check.valid_until
                check.save(update_fields=["reminded_30_for", "reminded_7_for"])
                transaction.on_commit(
                    lambda c=check, d=(check.valid_until - today).days: expiry_reminder_send(
                        check=c, days_left=d
                    )
                )
                sent += 1
    return sent
