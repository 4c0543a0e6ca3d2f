"""Promotion for Argo CD: the release workflow's only way to change what runs.

    promote.py bump ENV --tag T --digest sha256:... --revision COMMIT [--keep-charts]
        rewrite deploy/argocd/apps/ENV/*.yaml: the image (tag, digest), the values'
        commit and each chart's version, as deploy/helm/<chart>/Chart.yaml of this
        checkout says (a rollback keeps the pinned charts)
    promote.py check-staging --image IMAGE --digest sha256:...
        exit 0 only when Argo CD reports eldo-staging Synced and Healthy, running exactly
        IMAGE@DIGEST (ARGOCD_SERVER, ARGOCD_TOKEN: a read-only Argo CD account)

The release workflow commits the bump on a branch and opens the pull request; nothing here
holds cluster credentials. Standard library only (a bare CI runner runs it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
from pathlib import Path

APPS = Path(__file__).resolve().parent / "apps"
CHARTS = Path(__file__).resolve().parents[1] / "helm"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
REVISION = re.compile(r"^[0-9a-f]{40}$|^v\d+\.\d+\.\d+$")
VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def chart_versions() -> dict[str, str]:
    """Each chart's version in this checkout (deploy/helm/<chart>/Chart.yaml)."""
    versions = {}
    for chart in sorted(CHARTS.glob("*/Chart.yaml")):
        found = re.search(r"(?m)^version: (\S+)$", chart.read_text())
        versions[chart.parent.name] = found[1]
    return versions


def bump(
    text: str,
    *,
    tag: str,
    digest: str,
    revision: str,
    charts: dict[str, str] | None = None,
) -> str:
    """One Application's text with the release's pins; the rest, comments included, kept."""
    if not DIGEST.match(digest):
        raise ValueError(f"not an image digest: {digest!r}")
    if not REVISION.match(revision):
        raise ValueError(f"not a commit or a version tag: {revision!r}")
    # A trailing comment (detect-secrets' allowlist pragma: a commit looks like a key) stays.
    text = re.sub(r"(?m)^(\s+tag: )\"[^\"]*\"((?:  #.*)?)$", rf'\g<1>"{tag}"\g<2>', text)
    text = re.sub(
        r"(?m)^(\s+digest: )sha256:[0-9a-f]{64}((?:  #.*)?)$", rf"\g<1>{digest}\g<2>", text
    )
    # The values' source: the `targetRevision` right before `ref: values`.
    text = re.sub(
        r"(?m)^(\s+targetRevision: )\"[^\"]*\"((?:  #.*)?\n\s+ref: values)$",
        rf'\g<1>"{revision}"\g<2>',
        text,
    )
    for chart, version in (charts or {}).items():
        if not VERSION.match(version):
            raise ValueError(f"{chart}: not a chart version: {version!r}")
        text = re.sub(
            rf"(?m)^(\s+(?:- )?repoURL: ghcr\.io/eldo-fr/charts\n\s+chart: {re.escape(chart)}\n"
            rf"\s+targetRevision: )\S+$",
            rf"\g<1>{version}",
            text,
        )
    return text


def staging_is_healthy(application: dict, *, image: str, digest: str) -> list[str]:
    """What is wrong with eldo-staging for a promotion of IMAGE@DIGEST (empty: nothing)."""
    status = application.get("status", {})
    problems = []
    if status.get("sync", {}).get("status") != "Synced":
        problems.append(f"not synced: {status.get('sync', {}).get('status')}")
    if status.get("health", {}).get("status") != "Healthy":
        problems.append(f"not healthy: {status.get('health', {}).get('status')}")
    if f"{image}@{digest}" not in status.get("summary", {}).get("images", []):
        problems.append(f"{image}@{digest} is not what staging runs")
    phase = status.get("operationState", {}).get("phase")
    if phase not in (None, "Succeeded"):
        problems.append(f"last sync {phase}")
    return problems


def _fetch_application(name: str) -> dict:
    server = os.environ["ARGOCD_SERVER"].rstrip("/")
    request = urllib.request.Request(  # noqa: S310 (an https URL from the workflow's secret)
        f"{server}/api/v1/applications/{name}",
        headers={"Authorization": f"Bearer {os.environ['ARGOCD_TOKEN']}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.load(response)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    bump_parser = commands.add_parser("bump")
    bump_parser.add_argument("environment", choices=["staging", "production"])
    bump_parser.add_argument("--tag", required=True)
    bump_parser.add_argument("--digest", required=True)
    bump_parser.add_argument("--revision", required=True)
    bump_parser.add_argument("--keep-charts", action="store_true")
    check = commands.add_parser("check-staging")
    check.add_argument("--image", required=True)
    check.add_argument("--digest", required=True)
    args = parser.parse_args(argv)

    if args.command == "bump":
        for path in sorted((APPS / args.environment).glob("*.yaml")):
            path.write_text(
                bump(
                    path.read_text(),
                    tag=args.tag,
                    digest=args.digest,
                    revision=args.revision,
                    charts=None if args.keep_charts else chart_versions(),
                )
            )
        return 0
    problems = staging_is_healthy(
        _fetch_application("eldo-staging"), image=args.image, digest=args.digest
    )
    for problem in problems:
        print(f"staging: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
