"""JWT helpers for the tests: decode what the API issues, craft what an attacker would send."""

import base64
import hashlib
import hmac
import json
import time

import jwt
from django.conf import settings

from apps.core.token_keys import key_set


def jwks_keys() -> dict:
    """{kid: public key} as a third party reads them from the published JWKS."""
    return {jwk["kid"]: jwt.PyJWK(jwk).key for jwk in key_set().jwks()["keys"]}


def decode(token: str) -> dict:
    """Decode and fully verify a token the way a third party holding the JWKS would."""
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(
        token,
        jwks_keys()[kid],
        algorithms=["ES256"],
        audience=settings.SIMPLE_JWT["AUDIENCE"],
        issuer=settings.SIMPLE_JWT["ISSUER"],
    )


def craft(payload: dict, *, key=None, kid: str | None = None, algorithm="ES256", **overrides):
    """Sign ``payload`` (updated with ``overrides``) with ``key`` under ``kid`` (by default
    the real active key and its kid, as the API signs)."""
    claims = {**payload, **overrides}
    keys = key_set()
    headers = {"kid": keys.active_kid if kid is None else kid}
    return jwt.encode(claims, key or keys.active_key, algorithm=algorithm, headers=headers)


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(payload: dict, header: dict, key) -> str:
    """A token with exactly this header, signed as its ``alg`` says with ``key`` (an HMAC
    secret as bytes, or an EC private key): what PyJWT would refuse to build."""
    signing_input = f"{_b64(header)}.{_b64(payload)}".encode()
    if header["alg"].startswith("HS"):
        digest = getattr(hashlib, f"sha{header['alg'][2:]}")
        signature = hmac.new(key, signing_input, digest).digest()
    else:
        signature = jwt.algorithms.ECAlgorithm(jwt.algorithms.ECAlgorithm.SHA256).sign(
            signing_input, key
        )
    return f"{signing_input.decode()}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


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
