"""The gateway's view of the API token keys: Kong verifies tokens at the edge with them.

    # compose: the routing table with the token issuer's credentials, one per signing key
    python manage.py gateway_config --kong-yml deploy/kong/kong.yml --output /kong/kong.yml

    # Kubernetes (Kong Ingress Controller): one credential Secret per key, for the gateway
    # chart's ``jwtCredentialSecrets``
    python manage.py gateway_config --kic-secrets eldo-jwt-edge

Only public keys leave: the PEM of each key of the configured set (``JWT_PRIVATE_KEYS``,
or the development key), under its ``kid``, which Kong matches with the token header's.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError

from apps.core.token_keys import ALGORITHM, key_set

TOKEN_ISSUER = "eldo-token-issuer"


def jwt_credentials() -> list[dict[str, str]]:
    """Kong jwt credentials of every key of the set: the active one first."""
    keys = key_set()
    kids = [keys.active_kid, *sorted(kid for kid in keys.keys if kid != keys.active_kid)]
    return [
        {
            "key": kid,
            "algorithm": ALGORITHM,
            "rsa_public_key": keys.keys[kid]
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode(),
        }
        for kid in kids
    ]


def kong_table_with_keys(table: dict) -> dict:
    """The routing table with the issuer's credentials filled in (the rest unchanged)."""
    consumers = table.get("consumers") or []
    issuers = [c for c in consumers if c.get("username") == TOKEN_ISSUER]
    if len(issuers) != 1:
        raise CommandError(f"the routing table declares no consumer « {TOKEN_ISSUER} »")
    issuers[0]["jwt_secrets"] = jwt_credentials()
    return table


def kic_secret_manifests(prefix: str) -> list[dict]:
    """One Secret per key, labelled as a jwt credential for the Kong Ingress Controller:
    ``<prefix>-active`` for the signing key (the name the gateway chart's values list),
    ``<prefix>-<kid>`` for the others (listed too while a rotation is under way)."""
    manifests = []
    for position, credential in enumerate(jwt_credentials()):
        suffix = "active" if position == 0 else credential["key"]
        manifests.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": re.sub(r"[^a-z0-9.-]+", "-", f"{prefix}-{suffix}".lower())[:253],
                    "labels": {"konghq.com/credential": "jwt"},
                },
                "type": "Opaque",
                "stringData": credential,
            }
        )
    return manifests


class Command(BaseCommand):
    help = "Print the gateway's token credentials (public keys only)."

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--kong-yml", type=Path, help="the routing table to complete")
        target.add_argument("--kic-secrets", metavar="PREFIX", help="Secrets named PREFIX-<kid>")
        parser.add_argument("--output", type=Path, help="write there instead of stdout")

    def handle(self, *args, kong_yml, kic_secrets, output, **options):
        if kong_yml is not None:
            try:
                table = yaml.safe_load(kong_yml.read_text())
            except (OSError, yaml.YAMLError) as error:
                raise CommandError(f"{kong_yml}: {error}") from error
            text = yaml.safe_dump(kong_table_with_keys(table), sort_keys=False)
        else:
            text = yaml.safe_dump_all(kic_secret_manifests(kic_secrets), sort_keys=False)
        if output is None:
            self.stdout.write(text)
        else:
            output.write_text(text)
