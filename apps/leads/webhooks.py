"""Signed outbound webhooks: a network's own systems hear about its leads.

A network manager registers endpoints (https URLs of public hosts) in its space; each gets a
secret shown once. The leads' own events (LeadDispatched, LeadStatusChanged), handled through
the outbox (handlers.py), become ``lead.created``, ``lead.status_changed`` and
``lead.expired``: one WebhookDelivery per active endpoint of the lead's network, sent by a
Celery task (``leads.webhook_send``) after commit, never inside the request.

Each attempt is a POST of the stored JSON body with::

    Eldo-Event-Id: <the event's id, the receiver's idempotency key>
    Eldo-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>

A 2xx answer delivers it; anything else (other status, timeout, refused connection) is
retried after 1, 2, 4 … minutes, doubling, capped at 6 h: 13 attempts over about 26 h
(RETRY_DELAYS), then "échec" — the manager can "Rejouer" it. Retries are sent by the beat
sweep ``leads.webhooks_send_due`` (every minute); a claim (``next_attempt_at`` pushed past
the attempt's longest duration) keeps two workers from sending the same attempt.

An attempt resolves the URL's host once, checks every address it answers, and connects to
the first one (``_PinnedAdapter``) with the Host header, TLS SNI and certificate check of the
host name: a host re-pointed to 127.0.0.1 between the check and the connection (DNS
rebinding) is never reached. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter

from apps.leads.models import (
    Lead,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from apps.leads.models import WebhookDeliveryStatus as D

EVENT_TYPES = ("lead.created", "lead.status_changed", "lead.expired")
# Minutes to wait after attempt n (1-based): 1, 2, 4 … doubling, capped at 6 h.
RETRY_DELAYS = tuple(min(2**n, 360) for n in range(12))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1  # 13 attempts over 1591 minutes (about 26 h 30)
CLAIM = timedelta(seconds=60)  # longer than one attempt (connect 3 s + read 5 s)
MAX_ENDPOINTS = 5
_EVENT_NS = uuid.UUID("1d7c7a5e-5f1e-4f43-9a52-2b7d0c1f6e11")


# --- Signature ----------------------------------------------------------------------------


def sign(*, secret: str, body: str, timestamp: int) -> str:
    """The ``Eldo-Signature`` header for ``body`` sent at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# --- Endpoints ------------------------------------------------------------------------------


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _address_is_public(address: str) -> bool:
    """A globally routable unicast address; an IPv6 form of an IPv4 address (mapped, 6to4,
    NAT64) is judged by that IPv4 address."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped or ip.sixtofour:
            ip = ip.ipv4_mapped or ip.sixtofour
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not ip.is_multicast


def _checked(url: str, *, resolve: bool) -> tuple[str, list[str]]:
    """The URL, cleaned, and the addresses its host resolves to (one lookup, every address
    checked), or ValidationError({"url": ...}) in French. With LEADS_WEBHOOKS_ALLOW_PRIVATE,
    any scheme and address, and no lookup unless ``resolve``."""
    url = (url or "").strip()
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port out of range
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
        raise ValidationError({"url": [_("Saisissez une adresse web complète (https://…).")]})
    allow_private = settings.LEADS_WEBHOOKS_ALLOW_PRIVATE
    if allow_private and not resolve:
        return url, []
    if not allow_private and parts.scheme != "https":
        raise ValidationError({"url": [_("L'adresse doit commencer par https://.")]})
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ValidationError({"url": [_("Ce nom de domaine est introuvable.")]}) from None
    addresses = list(
        dict.fromkeys(info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6))
    )
    if not addresses:
        raise ValidationError({"url": [_("Ce nom de domaine est introuvable.")]})
    if not allow_private and not all(_address_is_public(a) for a in addresses):
        raise ValidationError(
            {
                "url": [
                    _(
                        "Cette adresse mène à un réseau privé ou local (127.0.0.1, 10.x, "
                        "192.168.x, 169.254.x…) : indiquez une adresse publique."
                    )
                ]
            }
        )
    return url, addresses


def url_check(url: str) -> str:
    """The URL, cleaned, or ValidationError({"url": ...}) in French: https only, and a host
    that resolves to public addresses only (unless LEADS_WEBHOOKS_ALLOW_PRIVATE)."""
    return _checked(url, resolve=False)[0]


class _PinnedAdapter(HTTPAdapter):
    """Connects to ``address`` (already resolved and checked) whatever the URL's host would
    resolve to now; the Host header, TLS SNI and the certificate check keep the host name."""

    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = host_params["host"]
            pool_kwargs["assert_hostname"] = host_params["host"]
        host_params["host"] = self.address
        return host_params, pool_kwargs

    def send(self, request, **kwargs):
        request.headers["Host"] = urlsplit(request.url).netloc.rpartition("@")[2]
        return super().send(request, **kwargs)


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> requests.Response:
    """One POST to ``url``, connected to the address checked here; redirects not followed."""
    url, addresses = _checked(url, resolve=True)
    with requests.Session() as session:
        adapter = _PinnedAdapter(addresses[0])
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session.post(
            url,
            data=body,
            headers=headers,
            timeout=(settings.LEADS_WEBHOOKS_CONNECT_TIMEOUT, settings.LEADS_WEBHOOKS_READ_TIMEOUT),
            allow_redirects=False,
        )


def endpoints(network_id: int) -> list[WebhookEndpoint]:
    return list(WebhookEndpoint.objects.filter(network_id=network_id).order_by("-created_at"))


def endpoint_create(
    *, network_id: int, url: str, created_by_id: int | None = None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (returned here, shown once by the page)."""
    url = url_check(url)
    if WebhookEndpoint.objects.filter(network_id=network_id).count() >= MAX_ENDPOINTS:
        raise ValidationError(
            {"url": [_("%(n)d webhooks au plus : supprimez-en un d'abord.") % {"n": MAX_ENDPOINTS}]}
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        network_id=network_id,
        url=url,
        secret=secret,
        created_by_id=created_by_id,
        created_at=timezone.now(),
    )
    return endpoint, secret


def _endpoint_of(network_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, network_id=network_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


def endpoint_set_active(*, network_id: int, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Disable (events are no longer recorded for it, pending retries stop) or re-enable."""
    endpoint = _endpoint_of(network_id, endpoint_id)
    endpoint.is_active = active
    endpoint.save(update_fields=["is_active"])
    return endpoint


def endpoint_delete(*, network_id: int, endpoint_id: int) -> None:
    """For good, with its delivery log."""
    _endpoint_of(network_id, endpoint_id).delete()


def deliveries(network_id: int, *, limit: int = 50) -> list[WebhookDelivery]:
    """The network's latest deliveries, each with its attempts (``log``), newest first."""
    return list(
        WebhookDelivery.objects.filter(endpoint__network_id=network_id)
        .select_related("endpoint")
        .prefetch_related("log")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- Events ---------------------------------------------------------------------------------


def lead_event_record(
    *, lead_id: int, event_type: str, occurred_at: str, status: str, previous_status: str = ""
) -> list[WebhookDelivery]:
    """One delivery per active endpoint of the lead's network (none for Eldo's own leads),
    queued after commit. Idempotent: the event id derives from the event itself."""
    assert event_type in EVENT_TYPES
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None or lead.network_id is None:
        return []
    targets = list(WebhookEndpoint.objects.filter(network_id=lead.network_id, is_active=True))
    if not targets:
        return []
    from apps.directory import api as directory

    pro = directory.pros_by_ids([lead.pro_id]).get(lead.pro_id)
    event_id = uuid.uuid5(_EVENT_NS, f"{event_type}:{lead.pk}:{status}:{occurred_at}")
    data = {
        "lead_id": lead.pk,
        "external_id": lead.external_id,
        "reference": lead.reference,
        "status": status,
        "installer": pro.slug if pro else None,
    }
    if event_type != "lead.created":
        data["previous_status"] = previous_status
    body = json.dumps(
        {"id": str(event_id), "type": event_type, "created_at": occurred_at, "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    now = timezone.now()
    created = []
    for endpoint in targets:
        delivery, new = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint,
            event_id=event_id,
            defaults={
                "event_type": event_type,
                "lead_id": lead.pk,
                "body": body,
                "created_at": now,
                "next_attempt_at": now,
            },
        )
        if new:
            created.append(delivery)
    if created:
        ids = [d.pk for d in created]
        transaction.on_commit(lambda: _enqueue(ids), robust=True)
    return created


def _enqueue(delivery_ids: list[int]) -> None:
    from apps.leads.tasks import webhook_send

    for delivery_id in delivery_ids:
        try:
            webhook_send.delay(delivery_id)
        except Exception:  # broker down: the beat sweep sends it
            return


# --- Delivery -------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """After ``attempts`` failed attempts (1-based)."""
    return timedelta(minutes=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """One attempt, if due: claim it, POST outside any transaction, log the answer, then
    delivered, retry later, or "échec" after the last attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != D.PENDING:
            return "done"
        if not delivery.endpoint.is_active:
            return "disabled"
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return "not-due"  # claimed by another worker, or a retry not yet due
        delivery.next_attempt_at = now + CLAIM
        delivery.save(update_fields=["next_attempt_at"])
    endpoint = delivery.endpoint
    code, error = None, ""
    started = time.monotonic()
    try:
        timestamp = int(time.time())
        response = _post(  # checked again: the host may resolve elsewhere since it was added
            endpoint.url,
            body=delivery.body.encode(),
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Eldo-Webhooks/1",
                "Eldo-Event-Id": str(delivery.event_id),
                "Eldo-Signature": sign(
                    secret=endpoint.secret, body=delivery.body, timestamp=timestamp
                ),
            },
        )
        code = response.status_code
        if not 200 <= code < 300:
            error = _("Réponse HTTP %(code)d") % {"code": code}
    except ValidationError as exc:
        error = " ".join(exc.message_dict.get("url", [])) or _("Adresse refusée")
    except requests.Timeout:
        error = _("Délai dépassé")
    except requests.RequestException as exc:
        error = _("Connexion impossible (%(kind)s)") % {"kind": type(exc).__name__}
    finished = timezone.now()
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            at=finished,
            response_code=code,
            error=error[:300],
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        delivery.attempts += 1
        delivery.last_response_code = code
        delivery.last_error = error[:300]
        if not error:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                D.SUCCEEDED,
                finished,
                None,
            )
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = D.FAILED, None
        else:
            delivery.next_attempt_at = finished + retry_delay(delivery.attempts)
        delivery.save(
            update_fields=[
                "attempts",
                "last_response_code",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    return delivery.status


def deliveries_send_due(*, now: datetime | None = None, batch: int = 200) -> int:
    """Beat, every minute: queue the pending deliveries whose attempt is due."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=D.PENDING, endpoint__is_active=True, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    _enqueue(due)
    return len(due)


def delivery_replay(*, network_id: int, delivery_id: int) -> WebhookDelivery:
    """ "Rejouer": a failed delivery starts over (same event id, a new schedule); its log
    keeps the earlier attempts. Another network's delivery: Http404."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery_id, endpoint__network_id=network_id)
            .first()
        )
        if delivery is None:
            raise Http404
        if delivery.status != D.FAILED:
            raise ValidationError(_("Seule une livraison en échec peut être rejouée."))
        delivery.status, delivery.attempts = D.PENDING, 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(lambda: _enqueue([delivery.pk]), robust=True)
    return delivery
