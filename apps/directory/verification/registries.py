"""Registry importers: the official published files, read as a stream, update the checks
of the pros they name by SIRET.

- SIRENE stock of establishments (Insee, ``StockEtablissement_utf8.csv``, ~40 M rows): the
  columns ``siret`` and ``etatAdministratifEtablissement`` (A active, F closed), plus
  ``dateDebut`` when present. It is the whole register: a pro's SIRET absent from it is
  "introuvable" (unless ``partial``: an extract only updates the SIRETs it holds).
- ADEME's list of RGE companies (``liste-des-entreprises-rge-2``, as exported): one row
  per company × qualification, columns ``siret``, ``nom_entreprise``,
  ``code_qualification``, ``nom_qualification``, ``nom_certificat``, ``domaine``,
  ``meta_domaine``, ``organisme``, ``lien_date_debut``, ``lien_date_fin``… Each company in
  it gets a verified RGE label (its domains, its validity) and, by certifying body, the
  Qualibat, Qualifelec, QualiPAC, QualiPV, QualiSol or QualiBois label. A label the list
  gave before and no longer gives is "introuvable"; an RGE (or Qualit'EnR) label a pro
  declared that the list does not hold is "introuvable" too.

Both run in constant memory (only the rows of known SIRETs are kept), reject bad rows with
their line number and import the others, and write everything in one transaction at the
end: a failure leaves nothing half-written. A re-run of the same file changes nothing
(rows are compared before they are written). Nothing on a request path calls these, nor
any network: an online lookup would implement ``RegistryLookup`` (see below) and run in a
task, writing through the same ``_apply`` functions.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from apps.core.errors import InvalidInput
from apps.directory.models import (
    CertificationKind,
    CheckKind,
    CheckSource,
    CheckStatus,
    ProCheck,
    ProProfile,
)
from apps.directory.validators import siret_is_valid

SIRENE_REQUIRED = ("siret", "etatAdministratifEtablissement")
RGE_REQUIRED = (
    "siret",
    "code_qualification",
    "nom_qualification",
    "organisme",
    "domaine",
    "lien_date_debut",
    "lien_date_fin",
)
# Labels the RGE list is authoritative for: a declared one missing from it is "introuvable".
# Qualibat and Qualifelec also certify outside RGE: a declared one stays for staff.
RGE_SCOPE = {
    CertificationKind.RGE,
    CertificationKind.QUALIPAC,
    CertificationKind.QUALIPV,
    CertificationKind.QUALISOL,
    CertificationKind.QUALIBOIS,
}


class RegistryFileError(InvalidInput):
    """The file cannot be read at all (missing columns, not CSV, wrong encoding)."""


@dataclass
class ImportReport:
    rows: int = 0
    matched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_found: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # line, siret, reason

    def summary(self) -> str:
        return (
            f"{self.rows} lignes lues, {self.matched} pour des pros d'Eldo ; vérifications : "
            f"{self.created} créées, {self.updated} mises à jour, {self.unchanged} inchangées "
            f"(dont {self.not_found} introuvables) ; {len(self.rejected)} ligne(s) rejetée(s)"
        )


class RegistryLookup(Protocol):
    """An online registry (Insee's Sirene API, ADEME's data API), for a future adapter run
    from a task, never from a request: it answers what the files answer, one SIRET at a
    time. No implementation ships: the files are the source today."""

    def establishment_state(self, siret: str) -> str | None:
        """ "A" (active), "F" (closed) or None (unknown)."""

    def rge_rows(self, siret: str) -> list[dict[str, str]]:
        """The RGE list's rows for this SIRET, with the file's column names."""


# --- Reading -------------------------------------------------------------------------------


def open_text(path: Path) -> io.TextIOBase:
    """A text stream over a CSV file, gzip or not (BOM tolerated)."""
    raw = path.open("rb")
    head = raw.read(2)
    raw.seek(0)
    binary = gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")


def csv_rows(stream: Iterable[str], required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """``(line number, row)`` pairs, streamed; ``,`` or ``;`` as the header says."""
    lines = iter(stream)
    try:
        header = next(lines)
    except StopIteration as exc:
        raise RegistryFileError("fichier vide") from exc
    except UnicodeDecodeError as exc:
        raise RegistryFileError(f"encodage illisible ({exc})") from exc
    delimiter = ";" if header.count(";") > header.count(",") else ","
    columns = next(csv.reader([header], delimiter=delimiter))
    columns = [c.strip().strip('"') for c in columns]
    missing = [c for c in required if c not in columns]
    if missing:
        raise RegistryFileError(f"colonne(s) manquante(s) : {', '.join(missing)}")
    reader = csv.DictReader(lines, fieldnames=columns, delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num + 1, row  # the header was line 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RegistryFileError(f"ligne {reader.line_num + 1} illisible ({exc})") from exc


def _siret(row: dict) -> str:
    return (row.get("siret") or "").replace(" ", "").strip()


def _date(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text[:25], fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _pros_by_siret() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for pro_id, siret in ProProfile.objects.exclude(siret="").values_list("id", "siret"):
        found.setdefault(siret, []).append(pro_id)
    return found


# --- Writing (shared by both importers) ----------------------------------------------------

_COMPARED = (
    "status",
    "source",
    "number",
    "reason",
    "valid_from",
    "valid_until",
    "domains",
    "issuer",
)


def _apply(
    report: ImportReport, wanted: list[ProCheck], existing: dict[tuple, ProCheck]
) -> set[int]:
    """Create or update ``wanted`` against ``existing`` (keyed like ``_key``); only what
    differs is written. Returns the pros whose checks changed."""
    now = timezone.now()
    create, update, changed_pros = [], [], set()
    for check in wanted:
        current = existing.get(_key(check))
        if current is None:
            check.checked_at = now
            create.append(check)
            changed_pros.add(check.pro_id)
        elif any(getattr(current, f) != getattr(check, f) for f in _COMPARED):
            for name in _COMPARED:
                setattr(current, name, getattr(check, name))
            current.checked_at = now
            update.append(current)
            changed_pros.add(check.pro_id)
        else:
            report.unchanged += 1
        if check.status == CheckStatus.NOT_FOUND:
            report.not_found += 1
    ProCheck.objects.bulk_create(create, batch_size=1000)
    ProCheck.objects.bulk_update(update, [*_COMPARED, "checked_at", "updated_at"], batch_size=1000)
    report.created += len(create)
    report.updated += len(update)
    return changed_pros


def _key(check: ProCheck) -> tuple:
    return (
        check.pro_id,
        check.kind,
        check.label,
        check.source if check.kind == CheckKind.LABEL else "",
    )


def _published(changed: set[int]) -> None:
    from apps.directory.verification.checks import _public_change

    if changed:
        _public_change(sorted(changed))


# --- SIRENE --------------------------------------------------------------------------------


def sirene_import(stream: Iterable[str], *, partial: bool = False) -> ImportReport:
    """Identity checks from the SIRENE stock of establishments (see the module doc)."""
    report = ImportReport()
    pros = _pros_by_siret()
    states: dict[str, tuple[str, date | None]] = {}
    for line, row in csv_rows(stream, SIRENE_REQUIRED):
        report.rows += 1
        siret = _siret(row)
        if not (len(siret) == 14 and siret.isdigit()) or not siret_is_valid(siret):
            report.rejected.append((line, siret, "SIRET invalide (14 chiffres, clé de contrôle)"))
            continue
        state = (row.get("etatAdministratifEtablissement") or "").strip().upper()
        if state not in ("A", "F"):
            report.rejected.append((line, siret, f"état administratif inconnu : {state!r}"))
            continue
        try:
            since = _date(row.get("dateDebut", ""))
        except ValueError:
            report.rejected.append((line, siret, "date de début illisible"))
            continue
        if siret in pros:
            report.matched += 1
            states[siret] = (state, since)
    with transaction.atomic():
        existing = {
            _key(c): c for c in ProCheck.objects.filter(kind=CheckKind.IDENTITY).select_for_update()
        }
        wanted = []
        for siret, pro_ids in pros.items():
            if siret in states:
                state, since = states[siret]
                status = CheckStatus.VERIFIED if state == "A" else CheckStatus.REFUSED
                reason = "" if state == "A" else "Établissement fermé selon le répertoire SIRENE."
            elif partial:
                continue
            elif not siret_is_valid(siret):
                status, since, reason = CheckStatus.REFUSED, None, "SIRET invalide."
            else:
                status, since = CheckStatus.NOT_FOUND, None
                reason = "SIRET absent du répertoire SIRENE."
            for pro_id in pro_ids:
                current = existing.get((pro_id, CheckKind.IDENTITY, "", ""))
                # A verification by staff stands unless the register says "closed".
                if (
                    current is not None
                    and current.source == CheckSource.STAFF
                    and current.status == CheckStatus.VERIFIED
                    and status == CheckStatus.NOT_FOUND
                ):
                    report.unchanged += 1
                    continue
                wanted.append(
                    ProCheck(
                        pro_id=pro_id,
                        kind=CheckKind.IDENTITY,
                        number=siret,
                        status=status,
                        source=CheckSource.SIRENE,
                        reason=reason,
                        valid_from=since,
                        valid_until=None,
                        domains=[],
                        issuer="",
                    )
                )
        _published(_apply(report, wanted, existing))
    return report


# --- RGE -----------------------------------------------------------------------------------


def rge_label_kinds(row: dict) -> set[str]:
    """The labels one RGE row stands for: RGE itself, and the certifying body's label."""
    kinds = {CertificationKind.RGE.value}
    body = (row.get("organisme") or "").lower().replace("'", "").replace("_", "").replace(" ", "")
    certificate = f"{row.get('nom_certificat', '')} {row.get('nom_qualification', '')}".lower()
    if "qualibat" in body:
        kinds.add(CertificationKind.QUALIBAT.value)
    elif "qualifelec" in body:
        kinds.add(CertificationKind.QUALIFELEC.value)
    for word, kind in (
        ("qualipac", CertificationKind.QUALIPAC),
        ("qualipv", CertificationKind.QUALIPV),
        ("qualisol", CertificationKind.QUALISOL),
        ("qualibois", CertificationKind.QUALIBOIS),
    ):
        if word in certificate.replace(" ", ""):
            kinds.add(kind.value)
    return kinds


@dataclass
class _Label:
    codes: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    bodies: set[str] = field(default_factory=set)
    start: date | None = None
    end: date | None = None


def rge_import(stream: Iterable[str], *, today: date | None = None) -> ImportReport:
    """Label checks from ADEME's list of RGE companies (see the module doc)."""
    today = today or timezone.localdate()
    report = ImportReport()
    pros = _pros_by_siret()
    labels: dict[tuple[str, str], _Label] = {}
    for line, row in csv_rows(stream, RGE_REQUIRED):
        report.rows += 1
        siret = _siret(row)
        if not (len(siret) == 14 and siret.isdigit()) or not siret_is_valid(siret):
            report.rejected.append((line, siret, "SIRET invalide (14 chiffres, clé de contrôle)"))
            continue
        try:
            start, end = _date(row["lien_date_debut"]), _date(row["lien_date_fin"])
        except ValueError:
            report.rejected.append((line, siret, "date de début ou de fin illisible"))
            continue
        if end is None:
            report.rejected.append((line, siret, "date de fin de validité manquante"))
            continue
        code = (row.get("code_qualification") or "").strip()
        if not code:
            report.rejected.append((line, siret, "code de qualification manquant"))
            continue
        if siret not in pros:
            continue
        report.matched += 1
        for kind in rge_label_kinds(row):
            label = labels.setdefault((siret, kind), _Label())
            label.codes.add(code)
            if domain := (row.get("domaine") or "").strip():
                label.domains.add(domain[:120])
            if body := (row.get("organisme") or "").strip():
                label.bodies.add(body[:60])
            label.start = min(filter(None, (label.start, start)), default=None)
            label.end = max(label.end, end) if label.end else end
    with transaction.atomic():
        existing = {
            _key(c): c
            for c in ProCheck.objects.filter(
                kind=CheckKind.LABEL, source=CheckSource.ADEME_RGE
            ).select_for_update()
        }
        wanted = []
        for (siret, kind), label in labels.items():
            for pro_id in pros[siret]:
                wanted.append(
                    ProCheck(
                        pro_id=pro_id,
                        kind=CheckKind.LABEL,
                        label=kind,
                        number=", ".join(sorted(label.codes))[:60],
                        status=CheckStatus.VERIFIED if label.end >= today else CheckStatus.EXPIRED,
                        source=CheckSource.ADEME_RGE,
                        reason="",
                        issuer=", ".join(sorted(label.bodies))[:120],
                        domains=sorted(label.domains),
                        valid_from=label.start,
                        valid_until=label.end,
                    )
                )
        given = {_key(c) for c in wanted}
        # What the list gave before and no longer gives: withdrawn, "introuvable".
        for key, current in existing.items():
            if key not in given and current.status != CheckStatus.NOT_FOUND:
                gone = ProCheck(
                    **{
                        f: getattr(current, f)
                        for f in ("pro_id", "kind", "label", "source", *_COMPARED)
                    }
                )
                gone.status, gone.reason = (
                    CheckStatus.NOT_FOUND,
                    "Absent de la liste RGE de l'ADEME.",
                )
                wanted.append(gone)
        # Declared labels first: one the list confirms gives way to the registry's check.
        changed = _declared_not_found(report, set(labels), pros)
        changed |= _apply(report, wanted, existing)
        _published(changed)
    return report


def _declared_not_found(report: ImportReport, listed: set[tuple[str, str]], pros) -> set[int]:
    """Labels a pro declared, in the RGE list's scope, that the list does not hold."""
    siret_of = {pro_id: siret for siret, ids in pros.items() for pro_id in ids}
    declared = ProCheck.objects.filter(
        kind=CheckKind.LABEL,
        source=CheckSource.SELF_DECLARED,
        status=CheckStatus.PENDING,
        label__in=[k.value for k in RGE_SCOPE],
    ).only("id", "pro_id", "label")
    confirmed, missing, changed = [], [], set()
    for check in declared:
        siret = siret_of.get(check.pro_id)
        if siret and (siret, check.label) in listed:
            confirmed.append(check.id)  # the registry check now stands for it
        else:
            missing.append(check.id)
        changed.add(check.pro_id)
    ProCheck.objects.filter(id__in=confirmed).delete()
    ProCheck.objects.filter(id__in=missing).update(
        status=CheckStatus.NOT_FOUND,
        reason="Absent de la liste RGE de l'ADEME pour ce SIRET.",
        checked_at=timezone.now(),
    )
    report.not_found += len(missing)
    report.updated += len(missing)
    return changed
