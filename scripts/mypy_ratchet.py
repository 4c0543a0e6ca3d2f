"""Typing ratchet (make lint): mypy (configured in pyproject.toml, strict on the facades,
services and selectors) may report no more errors per file than ``.ratchet/mypy.txt``
records; the recorded counts only go down.

Fails when a file has more errors than recorded (or any, when it is not listed); a file
with fewer is reported so that the improvement is locked in with ``--update``, which
rewrites the list from the current tree.
The cache lives in var/mypy-cache: a second run takes seconds.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIST = ROOT / ".ratchet" / "mypy.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+: error: ")


def current() -> tuple[Counter[str], str]:
    """Errors per file today, and mypy's output."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--show-error-codes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):  # 2: mypy itself failed (config, crash)
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(2)
    counts: Counter[str] = Counter()
    for line in result.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            counts[match["path"]] += 1
    return counts, result.stdout


def recorded() -> Counter[str]:
    counts: Counter[str] = Counter()
    if LIST.exists():
        for line in LIST.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                count, path = line.split(maxsplit=1)
                counts[path] = int(count)
    return counts


def main(argv: list[str]) -> int:
    now, output = current()
    total = sum(now.values())
    if "--update" in argv:
        LIST.parent.mkdir(exist_ok=True)
        LIST.write_text(
            f"# mypy errors per file ({total} in all); counts only go down"
            " (scripts/mypy_ratchet.py, run by make lint).\n"
            + "".join(f"{now[path]} {path}\n" for path in sorted(now)),
            encoding="utf-8",
        )
        print(f"{LIST.relative_to(ROOT)}: {total} error(s) in {len(now)} file(s)")
        return 0
    known = recorded()
    worse = sorted(path for path in now if now[path] > known.get(path, 0))
    better = sorted(path for path in known if now.get(path, 0) < known[path])
    for path in worse:
        print(f"{path}: {now[path]} mypy error(s), {known.get(path, 0)} recorded:")
        print("\n".join(f"  {line}" for line in output.splitlines() if line.startswith(path)))
    for path in better:
        print(
            f"{path}: {now.get(path, 0)} mypy error(s), {known[path]} recorded: "
            "run scripts/mypy_ratchet.py --update to lock the improvement in"
        )
    print(f"mypy ratchet: {total} error(s), {sum(known.values())} recorded")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
