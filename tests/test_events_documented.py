"""docs/architecture.md's table of published events lists exactly the events the code
registers (``apps.core.events.register_event``): a new event is documented, and the table
names no event that is gone."""

from __future__ import annotations

import importlib
import re

from django.apps import apps as django_apps

from apps.core import events
from tests.deploy.support import REPO_ROOT

ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"


def registered() -> set[str]:
    for config in django_apps.get_app_configs():
        if config.name.startswith("apps."):
            for module in ("events", "handlers"):
                try:
                    importlib.import_module(f"{config.name}.{module}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.{module}":
                        raise
    # Events that tests register for themselves (apps/core/tests/probe.py) are not the
    # product's: whether they are in the registry depends on which tests ran before.
    return {
        name
        for name, cls in events._event_types.items()
        if ".tests." not in f"{cls.__module__}." and not cls.__module__.startswith("tests.")
    }


def documented() -> set[str]:
    """The first column of the table after "Published today:"; a bare name in a cell takes
    the context of the cell's first name (`quotes.QuoteSubmitted`, `QuoteQualified`)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text[text.index("Published today:") :].split("\n## ", 1)[0]
    names = set()
    for row in table.splitlines():
        if not row.startswith("| `"):
            continue
        context = ""
        for name in re.findall(r"`([\w.]+)`", row.split("|")[1]):
            if "." in name:
                context = name.split(".")[0]
            names.add(name if "." in name else f"{context}.{name}")
    return names


def test_the_events_table_lists_every_registered_event_and_only_those():
    code, docs = registered(), documented()
    assert len(code) > 20  # the registry was found and filled
    assert not code - docs, f"Events missing from docs/architecture.md: {sorted(code - docs)}"
    assert not docs - code, f"Documented events that do not exist: {sorted(docs - code)}"
