"""Registry importers on the official formats' sample files: the SIRENE stock of
establishments and ADEME's list of RGE companies. Bad rows are reported with their line,
valid rows imported, a re-run changes nothing."""

import csv
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.directory.models import CheckKind, CheckSource, CheckStatus, ProCheck, ProProfile
from apps.directory.tests.factories import make_pro
from apps.directory.verification import checks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

DATA = Path(__file__).parent / "data"
SIRENE = DATA / "StockEtablissement_sample.csv"
RGE = DATA / "liste-des-entreprises-rge-2_sample.csv"
ACTIVE, CLOSED, ABSENT = "81234567800013", "82345678900010", "84567890100016"


def with_siret(pro, siret):
    ProProfile.objects.filter(pk=pro.pk).update(siret=siret)
    return pro


@pytest.fixture
def pros():
    return {
        "active": with_siret(make_pro("Façades du Midi", departments=("31",)), ACTIVE),
        "closed": with_siret(make_pro("Toitures du Moulin", departments=("31",)), CLOSED),
        "absent": with_siret(make_pro("Bâti Disparu", departments=("31",)), ABSENT),
    }


def run(command, path, **options):
    out, err = StringIO(), StringIO()
    call_command(command, str(path), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def snapshot():
    return sorted(
        ProCheck.objects.filter(source__in=[CheckSource.SIRENE, CheckSource.ADEME_RGE]).values_list(
            "id", "pro_id", "kind", "label", "status", "number", "checked_at", "updated_at"
        )
    )


def identity(pro):
    return ProCheck.objects.get(pro=pro, kind=CheckKind.IDENTITY)


def test_sirene_stock_sets_identity_checks_and_reports_bad_lines(pros, tmp_path):
    report = tmp_path / "rejets.csv"
    out, err = run("import_sirene", SIRENE, report=report)
    assert identity(pros["active"]).status == CheckStatus.VERIFIED
    assert identity(pros["active"]).source == CheckSource.SIRENE
    closed = identity(pros["closed"])
    assert closed.status == CheckStatus.REFUSED and "fermé" in closed.reason
    assert identity(pros["absent"]).status == CheckStatus.NOT_FOUND
    assert ProProfile.objects.get(pk=pros["active"].pk).is_verified
    assert not ProProfile.objects.get(pk=pros["absent"].pk).is_verified
    # Lines 5, 6 and 7 of the file are bad: reported, the good ones imported all the same.
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [(r["ligne"], r["motif"][:13]) for r in rows] == [
        ("5", "SIRET invalid"),
        ("6", "SIRET invalid"),
        ("7", "état administ"),
    ]
    assert "ligne 5" in err and "3 ligne(s) rejetée(s)" in out


def test_a_second_sirene_run_changes_nothing(pros):
    run("import_sirene", SIRENE)
    before = snapshot()
    out, _err = run("import_sirene", SIRENE)
    assert snapshot() == before
    assert "0 créées, 0 mises à jour" in out


def test_a_staff_verified_identity_survives_an_absent_siret(pros):
    from apps.accounts.tests.factories import UserFactory

    staff = UserFactory(is_superuser=True, is_staff=True)
    checks.identity_verify_by_staff(pro_ids=[pros["absent"].pk], actor=staff)
    run("import_sirene", SIRENE)
    assert identity(pros["absent"]).status == CheckStatus.VERIFIED


def test_partial_extract_leaves_absent_sirets_alone(pros):
    run("import_sirene", SIRENE, partial=True)
    assert not ProCheck.objects.filter(pro=pros["absent"], kind=CheckKind.IDENTITY).exists()


def test_rge_list_verifies_labels_with_domains_and_validity(client, pros, tmp_path):
    checks.label_declare(
        pro_id=pros["absent"].pk, label="qualipv", number="QPV-1", valid_until="2030-01-01"
    )
    checks.label_declare(
        pro_id=pros["active"].pk, label="rge", number="E-1", valid_until="2030-01-01"
    )
    run("import_rge", RGE, report=tmp_path / "rejets.csv")
    labels = {c.label: c for c in ProCheck.objects.filter(pro=pros["active"], kind=CheckKind.LABEL)}
    assert set(labels) == {"rge", "qualibat", "qualipac"}  # the declared RGE gave way
    rge = labels["rge"]
    assert rge.status == CheckStatus.VERIFIED and rge.source == CheckSource.ADEME_RGE
    assert str(rge.valid_until) == "2029-02-28" and str(rge.valid_from) == "2024-01-15"
    assert "Pompe à chaleur : chauffage" in rge.domains
    assert labels["qualibat"].number == "7131, 7132"
    expired = ProCheck.objects.get(pro=pros["closed"], label="qualifelec")
    assert expired.status == CheckStatus.EXPIRED
    declared = ProCheck.objects.get(pro=pros["absent"], label="qualipv")
    assert declared.status == CheckStatus.NOT_FOUND
    rejected = list(csv.DictReader((tmp_path / "rejets.csv").open(encoding="utf-8")))
    assert [r["ligne"] for r in rejected] == ["7", "8", "9"]
    # Public: verified labels only.
    detail = client.get(f"/api/v1/pros/{pros['active'].slug}/").json()
    assert sorted(c["kind"] for c in detail["certifications"]) == ["qualibat", "qualipac", "rge"]
    listing = client.get("/api/v1/pros/", {"certification": "qualipac"}).json()
    assert [p["slug"] for p in listing["results"]] == [pros["active"].slug]
    assert client.get(f"/api/v1/pros/{pros['closed'].slug}/").json()["certifications"] == []


def test_a_second_rge_run_changes_nothing_and_a_withdrawn_label_switches_off(pros, tmp_path):
    run("import_rge", RGE)
    before = snapshot()
    out, _err = run("import_rge", RGE)
    assert snapshot() == before and "0 créées, 0 mises à jour" in out
    lines = RGE.read_text(encoding="utf-8").splitlines()
    without_pac = tmp_path / "rge.csv"
    without_pac.write_text("\n".join(line for line in lines if "QPAC" not in line) + "\n")
    run("import_rge", without_pac)
    gone = ProCheck.objects.get(pro=pros["active"], label="qualipac")
    assert gone.status == CheckStatus.NOT_FOUND
    assert ProCheck.objects.get(pro=pros["active"], label="qualibat").status == "verified"


def test_a_file_without_the_columns_imports_nothing(pros, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("siret;nom\n81234567800013;Façades\n", encoding="utf-8")
    with pytest.raises(CommandError, match="etatAdministratifEtablissement"):
        run("import_sirene", broken)
    with pytest.raises(CommandError, match="code_qualification"):
        run("import_rge", broken)
    assert not ProCheck.objects.filter(source__in=["sirene", "ademe_rge"]).exists()


def _perf_pros(sirets: list[str]) -> None:
    """2,000 Eldo pros spread evenly over the SIRETs."""
    from apps.accounts.models import Organization
    from apps.directory.models import Commune

    commune = Commune.objects.get(insee_code="31555")
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Perf {n}", slug=f"perf-{n}") for n in range(2_000)]
    )
    ProProfile.objects.bulk_create(
        [
            ProProfile(
                organization_id=org.pk,
                name=org.name,
                slug=org.slug,
                siret=sirets[n * (len(sirets) // 2_000)],
                commune=commune,
                postcode="31000",
                latitude=commune.latitude,
                longitude=commune.longitude,
            )
            for n, org in enumerate(orgs)
        ]
    )


@pytest.mark.services
def test_100000_sirene_rows_in_under_60_seconds(tmp_path):
    """The import's time budget, on PostgreSQL: 100,000 rows of which 2,000 are Eldo pros."""
    from apps.directory.validators import siret_with_checksum

    sirets = [siret_with_checksum(f"9{n:08d}0001") for n in range(100_000)]
    _perf_pros(sirets)
    path = tmp_path / "stock.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("siren,nic,siret,dateDebut,etatAdministratifEtablissement\n")
        for n, siret in enumerate(sirets):
            handle.write(f"{siret[:9]},{siret[9:]},{siret},2020-01-01,{'AF'[n % 7 == 0]}\n")
    started = time.monotonic()
    run("import_sirene", path)
    first = time.monotonic() - started
    started = time.monotonic()
    run("import_sirene", path)
    second = time.monotonic() - started
    assert ProCheck.objects.filter(kind=CheckKind.IDENTITY).count() == 2_000
    assert first < 60 and second < 60, (first, second)


@pytest.mark.services
def test_100000_rge_rows_in_under_60_seconds(tmp_path):
    """100,000 rows of the RGE list (50,000 companies, two qualifications each)."""
    from apps.directory.validators import siret_with_checksum

    sirets = [siret_with_checksum(f"9{n:08d}0001") for n in range(50_000)]
    _perf_pros(sirets)
    path = tmp_path / "rge.csv"
    header = RGE.read_text(encoding="utf-8").splitlines()[0]
    with path.open("w", encoding="utf-8") as handle:
        handle.write(header + "\n")
        for siret in sirets:
            for code, body, certificate in (
                ("7131", "qualibat", "Qualibat-RGE"),
                ("QPAC/1", "qualit_enr", "QualiPAC module Chauffage et ECS"),
            ):
                handle.write(
                    f"{siret},X,,31000,Toulouse,,,,,,{code},Qualif,,{certificate},"
                    f"Isolation,Travaux,{body},True,2024-01-01,2030-12-31\n"
                )
    started = time.monotonic()
    run("import_rge", path)
    run("import_rge", path)
    elapsed = time.monotonic() - started
    assert ProCheck.objects.filter(kind=CheckKind.LABEL).count() == 2_000 * 3
    assert elapsed < 60, elapsed
