"""Text messages through a pluggable backend, the way Django sends e-mail.

    from apps.core.sms import send_sms
    message_id = send_sms("06 12 34 56 78", "Nouvelle demande de devis : …")

``settings.SMS_BACKEND`` names the backend class:

- ``apps.core.sms.ConsoleBackend`` (default): prints the message, sends nothing;
- ``apps.core.sms.LocmemBackend``: keeps messages in ``apps.core.sms.outbox`` (tests);
- ``apps.core.sms.FileBackend``: one JSON file per message in ``SMS_FILE_PATH``;
- ``apps.core.sms.BrevoBackend``: Brevo's transactional SMS REST API
  (``SMS_BREVO_API_KEY``, ``SMS_SENDER``; docs/deploy.md).

Numbers are normalised to E.164 first (French national numbers become +33…); a number
that cannot be, an empty body or a provider's refusal raise ``SmsError`` subclasses, so a
caller decides what to retry.
"""

from __future__ import annotations

import re
import sys
import threading
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The message was not sent."""


class InvalidPhoneNumber(SmsError, ValueError):
    """Not a number a text message can be sent to (never worth retrying)."""


class SmsProviderError(SmsError):
    """The provider refused or could not be reached; ``retryable`` when trying later may help."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


_SEPARATORS = re.compile(r"[\s.\-()/]")
_FRENCH_NATIONAL = re.compile(r"^0([1-9]\d{8})$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def normalize_phone(raw: str, *, default_country_code: str = "33") -> str:
    """E.164 (``+33612345678``) from what people type: ``06 12 34 56 78``,
    ``+33 (0)6 12…``, ``0033 6…``. A national number (leading 0) is French."""
    number = _SEPARATORS.sub("", str(raw or ""))
    number = number.replace("(0)", "")
    if number.startswith("00"):
        number = "+" + number[2:]
    if number.startswith("+330"):  # "+33 06…": the national trunk 0 kept by mistake
        number = "+33" + number[4:]
    match = _FRENCH_NATIONAL.match(number)
    if match:
        number = f"+{default_country_code}{match.group(1)}"
    if not _E164.match(number):
        raise InvalidPhoneNumber(f"not a phone number: {raw!r}")
    return number


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str
    id: str = ""


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> str:
        """Send ``message`` (``to`` already in E.164); return the provider's message id."""
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Development: the message is printed, nothing leaves the machine."""

    stream = None

    def send(self, message: SmsMessage) -> str:
        message_id = f"console-{uuid.uuid4().hex[:12]}"
        stream = self.stream or sys.stdout
        stream.write(f"SMS to {message.to} ({message_id}):\n{message.body}\n{'-' * 40}\n")
        stream.flush()
        return message_id


class FileBackend(BaseSmsBackend):
    """Development and real-worker tests: one JSON file per message in ``SMS_FILE_PATH``."""

    def send(self, message: SmsMessage) -> str:
        import json
        from pathlib import Path

        directory = Path(settings.SMS_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        message_id = f"file-{uuid.uuid4().hex}"
        (directory / f"{message_id}.json").write_text(
            json.dumps({"id": message_id, "to": message.to, "body": message.body})
        )
        return message_id


outbox: list[SmsMessage] = []
_outbox_lock = threading.Lock()


class LocmemBackend(BaseSmsBackend):
    """Tests: messages are appended to ``apps.core.sms.outbox``."""

    def send(self, message: SmsMessage) -> str:
        with _outbox_lock:
            message_id = f"locmem-{len(outbox) + 1}"
            outbox.append(SmsMessage(to=message.to, body=message.body, id=message_id))
        return message_id


class BrevoBackend(BaseSmsBackend):
    """Brevo (ex-Sendinblue) transactional SMS: ``POST /v3/transactionalSMS/sms`` with the
    ``api-key`` header; 201 answers ``{"messageId": …, "reference": …}``."""

    def __init__(self):
        self.url = settings.SMS_BREVO_API_URL
        self.api_key = settings.SMS_BREVO_API_KEY
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_TIMEOUT_SECONDS
        if not self.api_key:
            raise SmsProviderError("SMS_BREVO_API_KEY is not set", retryable=False)

    def send(self, message: SmsMessage) -> str:
        import requests

        try:
            response = requests.post(
                self.url,
                json={
                    "type": "transactional",
                    "unicodeEnabled": True,
                    "sender": self.sender,
                    "recipient": message.to.lstrip("+"),  # Brevo: digits with country code
                    "content": message.body,
                },
                headers={"api-key": self.api_key, "accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise SmsProviderError(f"Brevo unreachable: {exc}") from exc
        if response.status_code in (200, 201):
            try:
                data = response.json()
            except ValueError:
                data = {}
            return str(data.get("messageId") or data.get("reference") or "")
        # 429 and 5xx may pass later; any other 4xx (bad key, number, credits) will not.
        retryable = response.status_code == 429 or response.status_code >= 500
        raise SmsProviderError(
            f"Brevo answered {response.status_code}: {response.text[:300]}", retryable=retryable
        )


def get_backend(path: str | None = None) -> BaseSmsBackend:
    return import_string(path or settings.SMS_BACKEND)()


def send_sms(to: str, body: str, *, backend: BaseSmsBackend | None = None) -> str:
    """Send ``body`` to ``to`` (any French or E.164 number); return the message id."""
    number = normalize_phone(to)
    text = str(body or "").strip()
    if not text:
        raise SmsError("empty message")
    return (backend or get_backend()).send(SmsMessage(to=number, body=text))
