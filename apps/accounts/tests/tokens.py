"""JWT helpers for the tests: decode what the API issues, craft what an attacker would send."""

import base64
import json
import time

import jwt
from django.conf import settings


def signing_key() -> str:
    return settings.SIMPLE_JWT["SIGNING_KEY"]


def decode(token: str) -> dict:
    """Decode and fully verify a token the way a third party holding the key would."""
    return jwt.decode(
        token,
        signing_key(),
        algorithms=[settings.SIMPLE_JWT["ALGORITHM"]],
        audience=settings.SIMPLE_JWT["AUDIENCE"],
        issuer=settings.SIMPLE_JWT["ISSUER"],
    )


def craft(payload: dict, *, key: str | None = None, **overrides) -> str:
    """Sign ``payload`` (updated with ``overrides``) with ``key`` (the real key by default)."""
    claims = {**payload, **overrides}
    return jwt.encode(claims, key or signing_key(), algorithm="HS256")


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def craft_unsigned(payload: dict) -> str:
    """An ``alg: none`` token: header and payload, empty signature."""
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."


def tamper(token: str) -> str:
    """Same header and signature, payload changed (user_id bumped): the signature breaks."""
    header, payload, signature = token.split(".")
    padded = payload + "=" * (-len(payload) % 4)
    claims = json.loads(base64.urlsafe_b64decode(padded))
    claims["roles"] = ["staff"]
    return f"{header}.{_b64(claims)}.{signature}"


def now() -> int:
    return int(time.time())
