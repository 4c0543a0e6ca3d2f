"""Complexity ratchet (make lint): ruff's C901 (max-complexity 15) and PLR0915 (max 50
statements) over the whole tree, compared with the known offenders in
``.ratchet/complexity.txt``.

Fails when a function that is not listed crosses a limit; a listed one that no longer does
is reported (remove its line: the list only shrinks). ``--update`` rewrites the list from the
current tree — for removals; adding a line needs a reviewer's agreement in the commit.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / ".ratchet" / "complexity.txt"
RULES = "C901,PLR0915"


@cache
def _functions(path: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function of a file."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found: list[tuple[int, int, str]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    found.append((child.lineno, child.end_lineno or child.lineno, name))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _function_at(path: str, line: int) -> str:
    names = [(first, name) for first, last, name in _functions(path) if first <= line <= last]
    return max(names)[1] if names else f"line {line}"


def current() -> set[str]:
    """`path::function::rule` of every function over a limit today."""
    result = subprocess.run(  # noqa: S603 - fixed argv: our own ruff on our own tree
        [
            str(Path(sys.executable).parent / "ruff"),
            "check",
            ".",
            "--select",
            RULES,
            "--output-format",
            "json",
            "--exit-zero",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    offenders = set()
    for row in json.loads(result.stdout or "[]"):
        path = str(Path(row["filename"]).resolve().relative_to(ROOT))
        offenders.add(f"{path}::{_function_at(path, row['location']['row'])}::{row['code']}")
    return offenders


def recorded() -> set[str]:
    lines = LIST.read_text(encoding="utf-8").splitlines() if LIST.exists() else []
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def main(argv: list[str]) -> int:
    now = current()
    if "--update" in argv:
        header = (
            "# Functions over ruff's C901 (15) or PLR0915 (50 statements); the list only\n"
            "# shrinks (scripts/complexity_ratchet.py, run by make lint).\n"
        )
        LIST.parent.mkdir(exist_ok=True)
        LIST.write_text(header + "".join(f"{line}\n" for line in sorted(now)), encoding="utf-8")
        print(f"{LIST.relative_to(ROOT)}: {len(now)} offender(s)")
        return 0
    known = recorded()
    new, fixed = sorted(now - known), sorted(known - now)
    for line in new:
        print(f"new complexity offender (split the function): {line}")
    for line in fixed:
        print(f"note: fixed, remove its line from {LIST.relative_to(ROOT)}: {line}")
    if not new and not fixed:
        print(f"complexity ratchet: {len(now)} known offender(s), none new")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
