"""The keys that sign and verify the API's tokens: ES256 (ECDSA P-256), one ``kid`` each.

Any service holding the public keys (``GET /.well-known/jwks.json``) verifies a token
alone: no shared secret, no call back to the issuer.

Configuration (``eldo/settings.py``, read once):

- ``JWT_PRIVATE_KEYS``: a JSON object ``{"<kid>": "<PEM of an EC P-256 private key>"}``
  (newlines of the PEM written ``\\n``); ``manage.py jwt_key --kid <kid>`` prints one entry.
- ``JWT_ACTIVE_KID``: the kid that signs (optional when there is a single key).

Rotation: add the new key next to the old one and make it active; the old key keeps
verifying the tokens it signed until they expire (refresh tokens: ``JWT_REFRESH_DAYS``),
then is removed. A token whose ``kid`` is not in the set, or signed with another algorithm
(HS256, ``none``), is refused.

Verifying only (a carved service, which holds no private key):

- ``JWT_JWKS_URL``: the issuer's ``/.well-known/jwks.json``, fetched on first use and kept in
  the process; a token naming a kid not in it triggers a new fetch, at most once a minute
  (a rotation is picked up, a flood of forged kids costs one request a minute).
- ``JWT_PUBLIC_JWKS``: the same JSON Web Key Set inline (consulted first when both are set).

Such a process refuses to sign (``KeyedTokenBackend.encode``).

Embedded and development mode (``DJANGO_DEBUG=1``) with no key configured: one key is
generated on first use under ``ELDO_VAR_DIR/jwt/`` (file mode 0600) and reused by every
process sharing that directory. Production mode refuses to start without
``JWT_PRIVATE_KEYS`` (settings), and ``manage.py check`` refuses a key set it cannot load.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken
from rest_framework_simplejwt.settings import api_settings

ALGORITHM = "ES256"
# A verify-only process refetches the issuer's JWKS on an unknown kid at most this often.
JWKS_REFETCH_SECONDS = 60
JWKS_TIMEOUT_SECONDS = 2.0

logger = logging.getLogger(__name__)


class VerifyingKeys(Protocol):
    def public_key(self, kid: str) -> ec.EllipticCurvePublicKey | None: ...


@dataclass(frozen=True)
class KeySet:
    """Private keys by kid, and the kid that signs."""

    keys: dict[str, ec.EllipticCurvePrivateKey]
    active_kid: str

    @property
    def active_key(self) -> ec.EllipticCurvePrivateKey:
        return self.keys[self.active_kid]

    def public_key(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        key = self.keys.get(kid)
        return None if key is None else key.public_key()

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public half of every key, as a JSON Web Key Set (RFC 7517)."""
        return {"keys": [public_jwk(kid, key.public_key()) for kid, key in self.keys.items()]}


def _b64url(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()


def public_jwk(kid: str, public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x),
        "y": _b64url(numbers.y),
        "kid": kid,
        "use": "sig",
        "alg": ALGORITHM,
    }


def thumbprint(public_key: ec.EllipticCurvePublicKey) -> str:
    """RFC 7638 thumbprint: a kid derived from the key itself (the generated key's)."""
    jwk = public_jwk("", public_key)
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()[:16]


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def generate_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def load_private_key(kid: str, pem: str) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"JWT_PRIVATE_KEYS[{kid!r}] is not a PEM private key") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ImproperlyConfigured(f"JWT_PRIVATE_KEYS[{kid!r}] is not an EC P-256 private key")
    return key


FORMAT_ERROR = 'JWT_PRIVATE_KEYS must be a non-empty JSON object {"<kid>": "<PEM>"}'


def parse_key_set(raw: str, active_kid: str) -> KeySet:
    """``JWT_PRIVATE_KEYS`` and ``JWT_ACTIVE_KID`` → a KeySet, or ImproperlyConfigured."""
    try:
        entries = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(FORMAT_ERROR) from exc
    if not isinstance(entries, dict) or not entries:
        raise ImproperlyConfigured(FORMAT_ERROR)
    keys = {}
    for kid, pem in entries.items():
        if not kid or not isinstance(pem, str):
            raise ImproperlyConfigured("JWT_PRIVATE_KEYS: every kid must name a PEM string")
        keys[kid] = load_private_key(kid, pem)
    if not active_kid:
        if len(keys) > 1:
            raise ImproperlyConfigured("JWT_ACTIVE_KID must name the signing key among several")
        active_kid = next(iter(keys))
    if active_kid not in keys:
        raise ImproperlyConfigured(f"JWT_ACTIVE_KID {active_kid!r} is not in JWT_PRIVATE_KEYS")
    return KeySet(keys=keys, active_kid=active_kid)


def development_key(path: Path) -> KeySet:
    """The key generated once at ``path`` (0600), shared by every local process."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(private_key_pem(generate_key()))
        try:
            os.link(temporary, path)  # atomic: the first process to get there wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = load_private_key(path.name, path.read_text())
    kid = f"dev-{thumbprint(key.public_key())}"
    return KeySet(keys={kid: key}, active_kid=kid)


def public_key_from_jwk(jwk: Any) -> tuple[str, ec.EllipticCurvePublicKey]:
    """One entry of a JWKS → (kid, key); ValueError unless an ES256 P-256 key with a kid."""
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
        raise ValueError("every key needs a kid")
    if (
        jwk.get("kty") != "EC"
        or jwk.get("crv") != "P-256"
        or jwk.get("alg", ALGORITHM) != ALGORITHM
    ):
        raise ValueError(f"key {jwk['kid']!r} is not an ES256 P-256 key")
    key = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError(f"key {jwk['kid']!r} is not a public key")
    return jwk["kid"], key


def parse_jwks(document: Any) -> dict[str, ec.EllipticCurvePublicKey]:
    """A JSON Web Key Set (parsed JSON) → public keys by kid; ValueError if malformed."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError('a JWKS is {"keys": [...]}')
    try:
        return dict(public_key_from_jwk(jwk) for jwk in document["keys"])
    except (jwt.PyJWKError, jwt.InvalidKeyError) as exc:
        raise ValueError(str(exc)) from exc


class RemoteJwks:
    """The issuer's published keys, fetched from ``url`` and kept in the process.

    A kid it does not hold triggers one fetch, unless one was tried less than
    ``refetch_seconds`` ago; a failed fetch keeps the keys already known."""

    def __init__(
        self,
        url: str,
        *,
        refetch_seconds: float = JWKS_REFETCH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.refetch_seconds = refetch_seconds
        self.clock = clock
        self.keys: dict[str, ec.EllipticCurvePublicKey] = {}
        self.fetches = 0
        self._last_attempt: float | None = None
        self._lock = threading.Lock()

    def public_key(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        key = self.keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            now = self.clock()
            recent = (
                self._last_attempt is not None and now - self._last_attempt < self.refetch_seconds
            )
            if kid not in self.keys and not recent:
                self._last_attempt = now
                self._fetch()
        return self.keys.get(kid)

    def _fetch(self) -> None:
        self.fetches += 1
        try:
            response = requests.get(self.url, timeout=JWKS_TIMEOUT_SECONDS)
            response.raise_for_status()
            self.keys = parse_jwks(response.json())
        except (requests.RequestException, ValueError) as exc:
            logger.warning(
                "JWKS %s unavailable, keeping %d key(s): %r", self.url, len(self.keys), exc
            )


@dataclass(frozen=True)
class PublicKeySet:
    """Verify-only keys: the inline JWKS first, then the issuer's (``RemoteJwks``)."""

    inline: dict[str, ec.EllipticCurvePublicKey]
    remote: RemoteJwks | None = None

    def public_key(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        key = self.inline.get(kid)
        if key is None and self.remote is not None:
            key = self.remote.public_key(kid)
        return key


def verify_only() -> bool:
    """No private key, and a public source: this process verifies tokens, never signs."""
    if getattr(settings, "JWT_PRIVATE_KEYS", "").strip():
        return False
    return bool(
        getattr(settings, "JWT_JWKS_URL", "") or getattr(settings, "JWT_PUBLIC_JWKS", "").strip()
    )


@cache
def public_key_set() -> PublicKeySet:
    raw = getattr(settings, "JWT_PUBLIC_JWKS", "").strip()
    try:
        inline = parse_jwks(json.loads(raw)) if raw else {}
    except ValueError as exc:
        raise ImproperlyConfigured(f"JWT_PUBLIC_JWKS is not a JWKS of ES256 keys: {exc}") from exc
    url = getattr(settings, "JWT_JWKS_URL", "")
    if url and not url.startswith(("http://", "https://")):
        raise ImproperlyConfigured("JWT_JWKS_URL must be an http(s) URL")
    return PublicKeySet(inline=inline, remote=RemoteJwks(url) if url else None)


def verifying_keys() -> VerifyingKeys:
    """The keys tokens are checked with: the private set, or the public one when verifying only."""
    return public_key_set() if verify_only() else key_set()


@cache
def key_set() -> KeySet:
    raw = getattr(settings, "JWT_PRIVATE_KEYS", "")
    if raw.strip():
        return parse_key_set(raw, getattr(settings, "JWT_ACTIVE_KID", ""))
    path = getattr(settings, "JWT_DEVELOPMENT_KEY_FILE", None)
    if path is None:  # production mode (settings refuse to start there without keys)
        raise ImproperlyConfigured("Production mode (DJANGO_DEBUG=0) needs JWT_PRIVATE_KEYS")
    return development_key(Path(path))


def _compact(token: Any) -> str | bytes:
    """The compact serialization: DRF hands over the header's bytes, simplejwt a str."""
    return token if isinstance(token, bytes) else str(token)


class KeyedTokenBackend(TokenBackend):
    """simplejwt's backend over a key set: signs with the active kid (in the header),
    verifies with the key the header names, ES256 only."""

    def __init__(
        self, keys: VerifyingKeys, *, audience: Any, issuer: str | None, leeway: Any
    ) -> None:
        super().__init__(ALGORITHM, audience=audience, issuer=issuer, leeway=leeway)
        self.keys = keys

    def encode(self, payload: dict[str, Any]) -> str:
        if not isinstance(self.keys, KeySet):
            raise ImproperlyConfigured("This process verifies tokens only: it has no private key")
        claims = dict(payload)
        if self.audience is not None:
            claims["aud"] = self.audience
        if self.issuer is not None:
            claims["iss"] = self.issuer
        return jwt.encode(
            claims,
            self.keys.active_key,
            algorithm=ALGORITHM,
            headers={"kid": self.keys.active_kid},
            json_encoder=self.json_encoder,
        )

    def get_verifying_key(self, token: Any) -> Any:
        try:
            kid = jwt.get_unverified_header(_compact(token)).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenBackendError(_("Token is invalid")) from exc
        key = self.keys.public_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenBackendError(_("Token is invalid"))
        return key

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        # algorithms=[ES256] only: an HS256, ES384 or "none" token fails here.
        key = self.get_verifying_key(token) if verify else ""
        try:
            return jwt.decode(
                _compact(token),
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.get_leeway(),
                options={"verify_aud": self.audience is not None, "verify_signature": verify},
            )
        except jwt.InvalidAlgorithmError as exc:
            raise TokenBackendError(_("Invalid algorithm specified")) from exc
        except jwt.ExpiredSignatureError as exc:
            raise TokenBackendExpiredToken(_("Token is expired")) from exc
        except jwt.InvalidTokenError as exc:
            raise TokenBackendError(_("Token is invalid")) from exc


@cache
def token_backend() -> KeyedTokenBackend:
    return KeyedTokenBackend(
        verifying_keys(),
        audience=api_settings.AUDIENCE,
        issuer=api_settings.ISSUER,
        leeway=api_settings.LEEWAY,
    )


def check_key_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``manage.py check`` (and ``migrate``, the release step) refuses keys it cannot load."""
    try:
        public_key_set() if verify_only() else key_set()
    except ImproperlyConfigured as exc:
        source = "JWT_PUBLIC_JWKS" if verify_only() else "JWT_PRIVATE_KEYS"
        return [checks.Error(str(exc), id="core.E010", obj=source)]
    return []


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting in {
        "JWT_PRIVATE_KEYS",
        "JWT_ACTIVE_KID",
        "JWT_DEVELOPMENT_KEY_FILE",
        "JWT_JWKS_URL",
        "JWT_PUBLIC_JWKS",
        "SIMPLE_JWT",
    }:
        key_set.cache_clear()
        public_key_set.cache_clear()
        token_backend.cache_clear()
