"""Code comments, docs and the README speak to a newcomer: no references to a planning
document ("the brief") or to tracker numbers ("issue 14", "#12"), which mean nothing to
someone reading the repository."""

from __future__ import annotations

import re

from tests.deploy.support import REPO_ROOT

SCANNED = ["apps", "eldo", "docs", "templates", "tests", "README.md"]
SUFFIXES = {".py", ".md", ".html", ".txt", ".css", ".js", ".yaml", ".yml", ".toml"}
SKIPPED = {"tests/e2e/vendor", "tests/test_no_stale_references.py"}
STALE = re.compile(
    r"\bbriefs?\b"  # "the brief" ("briefly" is fine)
    r"|\bissues? \d+\b"  # "issue 14"
    r"|\bthe issue\b"  # "as the issue asks"
    r"|(?<![\w}&])#\d{1,3}\b",  # "#12" (not an HTML entity, a URL fragment or "{x}#1")
    re.IGNORECASE,
)


def _files():
    for name in SCANNED:
        root = REPO_ROOT / name
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            relative = path.relative_to(REPO_ROOT).as_posix()
            skipped = any(relative.startswith(prefix) for prefix in SKIPPED)
            if path.is_file() and path.suffix in SUFFIXES and not skipped:
                yield relative, path


def test_no_reference_to_the_brief_or_to_issue_numbers():
    found = [
        f"{relative}:{number}: {line.strip()[:100]}"
        for relative, path in _files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STALE.search(line)
    ]
    assert not found, "Say what it means instead:\n" + "\n".join(found)


def test_the_guard_recognises_what_it_forbids():
    for stale in ["as the brief says", "Issue 10's corpus", "fixed in #12", "the issue asks"]:
        assert STALE.search(stale), stale
    for fine in ["Legal bases, briefly", "f'{kong_id}#1'", "&#39;", "/page#section"]:
        assert not STALE.search(fine), fine
