"""Dead-code check (make lint): vulture over apps/ and eldo/ (tests and migrations aside).

Reported: functions, methods, classes, properties and unreachable code nobody uses, plus
vulture's certain findings (unused arguments and imports). Model fields and class
attributes are left out: Django and DRF read them by name. Uses vulture cannot see are
recognised here, each for a stated reason:

- an event (``@register_event``) or its handler (``@on(Event)``), a template tag or
  filter, a Celery task, a signal receiver, a DRF ``@action``: registered by its decorator;
- drf-spectacular's authentication extensions (``*Scheme``): registered by subclassing;
- a dotted path in a string (settings' backends, ``handler404 = "eldo.views..."``);
- a framework hook by name (``get_<field>`` of a SerializerMethodField, Django's
  ``get_*``/``has_*`` overrides in admin, views and storages);
- the rest: ``.ratchet/dead_code_whitelist.txt``, one ``path::name  # why`` per line,
  reviewed like code. A line whose name is used again (or gone) is reported: remove it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from vulture import Vulture

ROOT = Path(__file__).resolve().parents[1]
WHITELIST = ROOT / ".ratchet" / "dead_code_whitelist.txt"
PATHS = ["apps", "eldo"]
USERS = ["bench", "scripts"]  # callers whose own dead code is not reported
EXCLUDE = ["*/migrations/*", "*/tests/*"]
DECORATORS = [
    "@on",
    "@on_named",
    "@register_event",
    "@register.*",
    "@*.register",
    "@receiver",
    "@shared_task",
    "@app.task",
    "@action",
    "@admin.display",
    "@admin.action",
    "@extend_schema*",
]
# Framework hooks called by name (Django, DRF, drf-spectacular, storages, sitemaps,
# prometheus_client collectors).
HOOKS = re.compile(
    r"^(get_\w+|has_\w*permission|authenticate\w*|to_\w+|validate\w*|clean\w*|save\w*"
    r"|delete\w*|form_valid|form_invalid|dispatch|setup|ready|handle|add_arguments"
    r"|process_\w+|items|location|lastmod|collect|describe|__\w+__)$"
)
# Found by subclassing: drf-spectacular's OpenApiAuthenticationExtension (``*Scheme``, with
# its hook's ``auto_schema`` argument).
NAMES = ["*Scheme", "auto_schema"]
KINDS = {"function", "method", "class", "property", "unreachable_code"}
# Classes found by convention: management commands, app configs (default_app_config).
CONVENTIONS = re.compile(r"(/management/commands/\w+\.py::Command|/apps\.py::\w+Config)$")


def _strings() -> str:
    """Every Python source of the tree as one text (dotted paths in strings)."""
    return "\n".join(
        path.read_text(encoding="utf-8")
        for folder in PATHS
        for path in (ROOT / folder).rglob("*.py")
    )


def _templates() -> str:
    """Every template's text: a property or method read as ``{{ x.name }}``."""
    return "\n".join(
        path.read_text(encoding="utf-8")
        for pattern in ("templates/**/*.html", "templates/**/*.txt", "apps/*/templates/**/*")
        for path in ROOT.glob(pattern)
        if path.is_file()
    )


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def findings() -> list[str]:
    vulture = Vulture(ignore_names=NAMES, ignore_decorators=DECORATORS)
    vulture.scavenge([str(ROOT / p) for p in PATHS + USERS], exclude=EXCLUDE)
    sources, templates = _strings(), _templates()
    found = []
    for item in vulture.get_unused_code(min_confidence=60):
        if item.typ not in KINDS and item.confidence < 100:
            continue
        if item.typ in {"method", "property"} and HOOKS.match(item.name):
            continue
        path = Path(item.filename).resolve()
        where = str(path.relative_to(ROOT))
        if where.split("/")[0] not in PATHS:
            continue
        if f'{_module(path)}.{item.name}"' in sources or f'}}.{item.name}"' in sources:
            continue  # a dotted path in a string: settings, urls' handlers
        if item.typ in {"method", "property"} and re.search(rf"\.{item.name}\b", templates):
            continue  # read by a template
        if CONVENTIONS.search(f"/{where}::{item.name}"):
            continue
        found.append(f"{where}::{item.name}::{item.first_lineno}::{item.typ}")
    return found


def whitelist() -> dict[str, str]:
    lines = WHITELIST.read_text(encoding="utf-8").splitlines() if WHITELIST.exists() else []
    entries = {}
    for line in lines:
        key, _, why = line.partition("#")
        if key.strip():
            entries[key.strip()] = why.strip()
    return entries


def main() -> int:
    allowed = whitelist()
    dead, seen = [], set()
    for finding in findings():
        path, name, line, kind = finding.split("::")
        key = f"{path}::{name}"
        if key in allowed:
            seen.add(key)
            continue
        dead.append(f"{path}:{line}: unused {kind} '{name}'")
    stale = sorted(set(allowed) - seen)
    for line in dead:
        print(line)
    for key in stale:
        print(f"note: {WHITELIST.relative_to(ROOT)}: {key} is used now (or gone): remove it")
    missing_reason = sorted(key for key, why in allowed.items() if not why)
    for key in missing_reason:
        print(f"{WHITELIST.relative_to(ROOT)}: {key} needs a reason (# why)")
    if dead:
        print(
            f"{len(dead)} dead-code finding(s): delete the code, or list it in "
            f"{WHITELIST.relative_to(ROOT)} with the reason it is used"
        )
    if not (dead or missing_reason):
        print(f"dead code: none ({len(allowed)} reviewed exception(s))")
    return 1 if dead or missing_reason else 0


if __name__ == "__main__":
    sys.exit(main())
