"""manage.py import_legacy: the documented sample imports with its rejected rows reported,
a re-run imports nothing twice, a fatal error leaves nothing behind, and the imported
reviews show on the pro's (cached) profile."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.directory.models import ProProfile, ProRating
from apps.directory.tests.conftest import directory_data  # noqa: F401 (module fixture)
from apps.reviews.models import Review, ReviewReply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("directory_data")]

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "legacy-import"
PROS, REVIEWS = SAMPLE / "pros.csv", SAMPLE / "reviews.csv"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit work (outbox delivery, cache invalidation) of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _run(*args) -> str:
    out = StringIO()
    call_command("import_legacy", *args, stdout=out)
    return out.getvalue()


def test_the_sample_imports_and_reports_each_rejected_row(tmp_path, client, committed):
    report = tmp_path / "rejected.csv"
    with committed():
        out = _run("--pros", str(PROS), "--reviews", str(REVIEWS), "--report", str(report))

    assert "Pros: 3 imported, 0 already there, 2 rejected" in out
    assert "Reviews: 3 imported (1 with a reply), 0 already there, 3 rejected" in out
    lines = report.read_text().splitlines()
    assert lines[0] == "file,line,legacy_id,reason"
    assert any("P-1004" in line and "code postal" in line for line in lines)
    assert any("P-1005" in line and "astrologie" in line for line in lines)
    assert any("R-5004" in line and "note invalide" in line for line in lines)
    assert any("R-5005" in line and "pro inconnu" in line for line in lines)
    assert any("R-5006" in line and "pro inconnu" in line for line in lines)

    pro = ProProfile.objects.get(legacy_id="P-1001")
    assert pro.postcode == "31000" and pro.commune.name == "Toulouse"
    assert set(pro.categories.values_list("slug", flat=True)) == {"facade", "peinture"}
    assert not ProProfile.objects.get(legacy_id="P-1003").is_published
    assert ProRating.objects.get(pro=pro).count == 2
    assert Review.objects.filter(pro_id=pro.id, source="imported").count() == 2
    # The old site vouched for nothing Eldo can check: never "Avis vérifié".
    assert set(Review.objects.filter(source="imported").values_list("label", flat=True)) == {
        "spontaneous"
    }
    assert ReviewReply.objects.get(review__legacy_id="R-5001").body == "Merci Marie !"
    html = client.get(f"/pro/{pro.slug}/").content.decode()
    assert "Ravalement parfait" in html and "Merci Marie" in html


def test_a_rerun_is_idempotent(committed):
    with committed():
        _run("--pros", str(PROS), "--reviews", str(REVIEWS))
    counts = (ProProfile.objects.count(), Review.objects.count(), ReviewReply.objects.count())
    with committed():
        out = _run("--pros", str(PROS), "--reviews", str(REVIEWS))
    assert "Pros: 0 imported, 3 already there" in out
    assert "Reviews: 0 imported (0 with a reply), 3 already there" in out
    assert (ProProfile.objects.count(), Review.objects.count(), ReviewReply.objects.count()) == (
        counts
    )


def test_a_fatal_error_leaves_nothing_half_imported(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("apps.reviews.api.legacy_reviews_import", fail)
    with pytest.raises(RuntimeError):
        _run("--pros", str(PROS), "--reviews", str(REVIEWS))
    assert not ProProfile.objects.filter(legacy_id__isnull=False).exists()

    broken = tmp_path / "reviews.csv"
    broken.write_text("legacy_id,rating\nR-1,5\n")
    with pytest.raises(CommandError, match="colonne"):
        _run("--pros", str(PROS), "--reviews", str(broken))
    assert not ProProfile.objects.filter(legacy_id__isnull=False).exists()


def test_dry_run_validates_without_writing():
    out = _run("--pros", str(PROS), "--reviews", str(REVIEWS), "--dry-run")
    assert "Pros: 3 imported" in out and "Dry run: nothing was written." in out
    assert not ProProfile.objects.filter(legacy_id__isnull=False).exists()


def test_the_report_neutralises_spreadsheet_formulas(tmp_path):
    pros = tmp_path / "pros.csv"
    header = PROS.read_text().splitlines()[0]
    pros.write_text(
        header + "\n" + '=HYPERLINK("http://x.example"),Façades,,,99999,,facade,31,,,,,1\n'
    )
    report = tmp_path / "rejected.csv"
    _run("--pros", str(pros), "--report", str(report))
    rows = list(csv.reader(report.read_text().splitlines()))[1:]
    assert [row[2] for row in rows] == ['\'=HYPERLINK("http://x.example")']
