"""Verify-only keys: a process with no private key reads the issuer's JWKS (inline or over
HTTP), refetches it on an unknown kid at most once a minute, and never signs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.core.token_keys import (
    JWKS_REFETCH_SECONDS,
    RemoteJwks,
    check_key_set,
    generate_key,
    private_key_pem,
    public_jwk,
    public_key_set,
    token_backend,
    verify_only,
)


class Issuer:
    """A JWKS endpoint whose keys the test changes, counting the requests it answers."""

    def __init__(self) -> None:
        self.keys: dict = {}
        self.requests = 0
        self.status = 200

    def jwks(self) -> bytes:
        keys = [public_jwk(kid, key.public_key()) for kid, key in self.keys.items()]
        return json.dumps({"keys": keys}).encode()


@pytest.fixture
def issuer() -> Iterator[tuple[Issuer, str]]:
    state = Issuer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests += 1
            body = state.jwks()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_use_fetches_then_keys_are_kept(issuer):
    state, url = issuer
    key = generate_key()
    state.keys = {"k1": key}
    remote = RemoteJwks(url, clock=Clock())

    assert remote.public_key("k1").public_numbers() == key.public_key().public_numbers()
    assert remote.public_key("k1") is not None

    assert state.requests == 1


def test_an_unknown_kid_refetches_at_most_once_a_minute(issuer):
    state, url = issuer
    state.keys = {"k1": generate_key()}
    clock = Clock()
    remote = RemoteJwks(url, clock=clock)
    remote.public_key("k1")

    # A flood of forged kids: one fetch a minute, whatever their number.
    for number in range(20):
        assert remote.public_key(f"forged-{number}") is None
    assert state.requests == 1

    # The issuer rotates: the new kid is picked up once the minute has passed.
    state.keys["k2"] = generate_key()
    assert remote.public_key("k2") is None
    clock.now += JWKS_REFETCH_SECONDS
    assert remote.public_key("k2") is not None
    assert remote.public_key("k1") is not None
    assert state.requests == 2


def test_a_failed_fetch_keeps_the_keys_known(issuer):
    state, url = issuer
    state.keys = {"k1": generate_key()}
    clock = Clock()
    remote = RemoteJwks(url, clock=clock)
    remote.public_key("k1")

    state.status = 503
    clock.now += JWKS_REFETCH_SECONDS
    assert remote.public_key("unknown") is None

    assert remote.public_key("k1") is not None
    assert state.requests == 2


def test_an_unreachable_issuer_is_no_key_not_an_error():
    remote = RemoteJwks("http://127.0.0.1:9/.well-known/jwks.json", clock=Clock())

    assert remote.public_key("k1") is None


def test_inline_jwks_makes_the_process_verify_only(settings):
    key = generate_key()
    settings.JWT_PRIVATE_KEYS = ""
    settings.JWT_PUBLIC_JWKS = json.dumps({"keys": [public_jwk("inline", key.public_key())]})

    assert verify_only()
    assert public_key_set().public_key("inline") is not None
    assert check_key_set() == []
    with pytest.raises(ImproperlyConfigured, match="verifies tokens only"):
        token_backend().encode({"user_id": "1"})


@pytest.mark.parametrize(
    "raw",
    [
        "pas du json",
        '{"keys": "none"}',
        '{"keys": [{"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"}]}',
        '{"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]}',
    ],
)
def test_a_malformed_inline_jwks_fails_the_checks(settings, raw):
    settings.JWT_PRIVATE_KEYS = ""
    settings.JWT_PUBLIC_JWKS = raw

    assert [error.id for error in check_key_set()] == ["core.E010"]


def test_private_keys_win_over_a_public_source(settings):
    settings.JWT_JWKS_URL = "http://127.0.0.1:9/.well-known/jwks.json"
    settings.JWT_PRIVATE_KEYS = json.dumps({"k": private_key_pem(generate_key())})

    assert not verify_only()
