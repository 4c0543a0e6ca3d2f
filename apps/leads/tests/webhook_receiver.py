"""A network's webhook receiver for the tests and `make bench-leads`: http.server on 127.0.0.1
in a thread, plain HTTP or TLS with a certificate for a host name of our own (``tls_files``),
and the signature check of docs/leads.md."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def verify(secret: str, signature_header: str, body: bytes, tolerance: int = 300) -> bool:
    """The verification snippet of docs/leads.md, word for word."""
    parts = dict(item.split("=", 1) for item in signature_header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old: a replayed request
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def tls_files(hostname: str, directory: Path) -> dict[str, str]:
    """A certificate authority of our own and a server certificate it signed for
    ``hostname``: paths of ``ca`` (PEM, for REQUESTS_CA_BUNDLE), ``cert`` and ``key``."""
    now = dt.datetime.now(dt.UTC)

    def build(subject, issuer, public_key, signing_key, *, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()),
                critical=False,
            )
        )
        usage = dict.fromkeys(_KEY_USAGES, False)
        usage.update(
            {"key_cert_sign": True, "crl_sign": True} if ca else {"digital_signature": True}
        )
        builder = builder.add_extension(x509.KeyUsage(**usage), critical=True)
        if not ca:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            ).add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("Eldo test CA", "Eldo test CA", ca_key.public_key(), ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(hostname, "Eldo test CA", key.public_key(), ca_key, ca=False)
    paths = {name: str(directory / f"{name}.pem") for name in ("ca", "cert", "key")}
    Path(paths["ca"]).write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    Path(paths["cert"]).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    Path(paths["key"]).write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class Receiver:
    """Answers each POST with the next status of ``statuses`` (the last one repeats) and
    ``headers``, after ``delay`` seconds; keeps what it received, when (``times``,
    time.time()), and with TLS (``tls``: the paths of ``tls_files``) the server names the
    clients asked for (``sni``)."""

    def __init__(
        self,
        statuses=(200,),
        delay: float = 0.0,
        *,
        headers: dict[str, str] | None = None,
        tls: dict[str, str] | None = None,
    ):
        self.statuses, self.delay, self.received = list(statuses), delay, []
        self.headers = headers or {}
        self.times: list[float] = []
        self.sni: list[str | None] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.times.append(time.time())
                    receiver.received.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                with receiver.lock:
                    statuses = receiver.statuses
                    status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
                try:
                    self.send_response(status)
                    for name, value in receiver.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a refused TLS handshake: the client sees it, the tests check that

        self.server = Server(("127.0.0.1", 0), Handler)
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls["cert"], tls["key"])
            context.sni_callback = lambda _sock, name, _ctx: self.sni.append(name)
            self.server.socket = context.wrap_socket(
                self.server.socket, server_side=True, do_handshake_on_connect=False
            )
            scheme = "https"
        self.port = self.server.server_address[1]
        self.url = f"{scheme}://127.0.0.1:{self.port}/eldo"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
