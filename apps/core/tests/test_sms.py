"""Text messages (apps.core.sms): E.164 normalisation, the console and in-memory backends,
and the Brevo adapter against a local HTTP server that answers as Brevo does."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from apps.core import sms


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("+330612345678", "+33612345678"),
        ("+32 470 12 34 56", "+32470123456"),
        ("01 23 45 67 89", "+33123456789"),
    ],
)
def test_numbers_people_type_become_e164(raw, expected):
    assert sms.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12", "06 12 34", "abcdefghij", "+0612345678", "00"])
def test_what_is_not_a_number_is_refused(raw):
    with pytest.raises(sms.InvalidPhoneNumber):
        sms.normalize_phone(raw)


def test_tests_keep_messages_in_the_locmem_outbox():
    message_id = sms.send_sms("06 12 34 56 78", "Nouvelle demande de devis")
    assert message_id
    assert [(m.to, m.body, m.id) for m in sms.outbox] == [
        ("+33612345678", "Nouvelle demande de devis", message_id)
    ]


def test_an_invalid_number_or_empty_body_sends_nothing():
    with pytest.raises(sms.InvalidPhoneNumber):
        sms.send_sms("pas un numéro", "Bonjour")
    with pytest.raises(sms.SmsError):
        sms.send_sms("0612345678", "   ")
    assert sms.outbox == []


def test_the_console_backend_prints_the_message(settings):
    settings.SMS_BACKEND = "apps.core.sms.ConsoleBackend"
    backend = sms.get_backend()
    backend.stream = io.StringIO()
    message_id = sms.send_sms("0612345678", "Bonjour Philippe", backend=backend)
    printed = backend.stream.getvalue()
    assert "+33612345678" in printed and "Bonjour Philippe" in printed and message_id in printed


class FakeBrevo(BaseHTTPRequestHandler):
    status = 201
    answer = {"reference": "ab1cde2fgh3i4jklmno", "messageId": 1511882900176220}
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeBrevo.received.append(
            {"path": self.path, "api_key": self.headers.get("api-key"), "json": json.loads(body)}
        )
        payload = json.dumps(self.answer if self.status < 300 else {"code": "x"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def brevo(settings):
    server = HTTPServer(("127.0.0.1", 0), FakeBrevo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeBrevo.received = []
    FakeBrevo.status = 201
    settings.SMS_BACKEND = "apps.core.sms.BrevoBackend"
    settings.SMS_BREVO_API_KEY = "xkeysib-test"
    settings.SMS_SENDER = "Eldo"
    settings.SMS_BREVO_API_URL = f"http://127.0.0.1:{server.server_port}/v3/transactionalSMS/sms"
    yield FakeBrevo
    server.shutdown()
    server.server_close()


def test_brevo_receives_the_documented_request_and_its_id_is_returned(brevo):
    assert sms.send_sms("06 12 34 56 78", "Nouvelle demande : façade, 31000") == "1511882900176220"
    [request] = brevo.received
    assert request["path"] == "/v3/transactionalSMS/sms"
    assert request["api_key"] == "xkeysib-test"
    assert request["json"] == {
        "type": "transactional",
        "unicodeEnabled": True,
        "sender": "Eldo",
        "recipient": "33612345678",
        "content": "Nouvelle demande : façade, 31000",
    }


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (401, False), (429, True), (502, True)]
)
def test_a_refusal_raises_and_says_whether_to_retry(brevo, status, retryable):
    brevo.status = status
    with pytest.raises(sms.SmsProviderError) as error:
        sms.send_sms("0612345678", "Bonjour")
    assert error.value.retryable is retryable


def test_an_unreachable_provider_is_a_retryable_error(brevo, settings):
    settings.SMS_BREVO_API_URL = "http://127.0.0.1:9/v3/transactionalSMS/sms"  # discard port
    with pytest.raises(sms.SmsProviderError) as error:
        sms.send_sms("0612345678", "Bonjour")
    assert error.value.retryable


def test_brevo_without_a_key_is_a_configuration_error(settings):
    settings.SMS_BACKEND = "apps.core.sms.BrevoBackend"
    settings.SMS_BREVO_API_KEY = ""
    with pytest.raises(sms.SmsProviderError) as error:
        sms.send_sms("0612345678", "Bonjour")
    assert not error.value.retryable


def test_the_file_backend_writes_one_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "apps.core.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    message_id = sms.send_sms("0612345678", "Bonjour")
    [written] = [json.loads(p.read_text()) for p in tmp_path.iterdir()]
    assert written == {"id": message_id, "to": "+33612345678", "body": "Bonjour"}
