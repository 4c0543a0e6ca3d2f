"""Leads: a qualified request (or a partner's inbound lead) handed to one pro.

Cross-context references are plain ids (``quote_id``, ``pro_id``, and the organizations and
users of accounts): no foreign key leaves the context. What a deleted organization's
cascade did, ``handlers.forget_organization`` does (``accounts.OrganizationDeleted``).
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.choices import ChoiceLabels


class LeadStatus(models.TextChoices):
    SENT = "sent", _("Nouvelle")
    VIEWED = "viewed", _("Consultée")
    CONTACTED = "contacted", _("Client contacté")
    APPOINTMENT = "appointment", _("Rendez-vous fixé")
    QUOTE_SENT = "quote_sent", _("Devis envoyé")
    WON = "won", _("Gagnée")
    LOST = "lost", _("Perdue")
    DECLINED = "declined", _("Refusée")
    EXPIRED = "expired", _("Expirée")


class DeclineReason(models.TextChoices):
    """Why a pro refuses a lead ("Refuser"): the lead then frees its slot."""

    OUT_OF_AREA = "out_of_area", _("Hors zone")
    UNAVAILABLE = "unavailable", _("Pas disponible")
    OUT_OF_TRADE = "out_of_trade", _("Hors métier")
    OTHER = "other", _("Autre")


class LostReason(models.TextChoices):
    PRICE = "price", _("Prix jugé trop élevé")
    COMPETITOR = "competitor", _("Client parti chez un concurrent")
    CANCELLED = "cancelled", _("Projet abandonné ou reporté")
    UNREACHABLE = "unreachable", _("Client injoignable")
    OTHER = "other", _("Autre")


class ContactCheck(models.TextChoices):
    """The homeowner's answer to "L'artisan X vous a-t-il contacté ?" (asked once per lead,
    ``LEADS_CONTACT_CHECK_HOURS`` after dispatch; apps/leads/contact_check.py)."""

    NOT_ASKED = "", _("Pas encore demandé")
    ASKED = "asked", _("Question envoyée")
    YES = "yes", _("Contact confirmé")
    NO = "no", _("Contact non confirmé")
    SKIPPED = "skipped", _("Non demandé")  # no e-mail address, or the lead was closed


class LeadSource(models.TextChoices):
    QUOTE = "quote", _("Demande de devis Eldo")
    INBOUND = "inbound", _("Transmise par un réseau")


class Lead(ChoiceLabels, models.Model):
    source = models.CharField(max_length=10, choices=LeadSource.choices, default=LeadSource.QUOTE)
    quote_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    reference = models.CharField(max_length=40, blank=True)
    pro_id = models.PositiveBigIntegerField(db_index=True)
    organization_id = models.BigIntegerField(db_index=True)  # the receiving company
    # The network or manufacturer that pushed (inbound) the lead, with its own id for it.
    network_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    external_id = models.CharField(max_length=100, blank=True)
    advisor_id = models.PositiveBigIntegerField(null=True, blank=True)

    # Snapshot of the project (the contact of an Eldo request stays in quotes).
    category_slug = models.CharField(max_length=80)
    postcode = models.CharField(max_length=5)
    department_code = models.CharField(max_length=3, db_index=True)
    description = models.TextField(blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True)
    commune_name = models.CharField(max_length=100, blank=True)

    status = models.CharField(
        max_length=12, choices=LeadStatus.choices, default=LeadStatus.SENT, db_index=True
    )
    reason = models.CharField(max_length=300, blank=True)
    # The code of a refusal (DeclineReason) or a loss (LostReason); ``reason`` keeps its words.
    reason_code = models.CharField(max_length=20, blank=True)
    # Euros, optional: the quote the pro sent, and what the job was won for.
    quote_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    won_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    assigned_to_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # a member
    created_at = models.DateTimeField(db_index=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    appointment_at = models.DateTimeField(null=True, blank=True)
    quote_sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # "Travaux terminés le …", given by the pro once the lead is won: Eldo's review
    # invitation leaves the pro's delay after it (reviews, automatic invitation).
    work_ended_on = models.DateField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    advisor_alerted_at = models.DateTimeField(null=True, blank=True)
    # A refused lead gave its monthly slot back to the pro (directory capacity), once.
    slot_released_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )
    # The homeowner's confirmation that the pro called: asked by e-mail once, answered once.
    contact_check = models.CharField(
        max_length=8, choices=ContactCheck.choices, default=ContactCheck.NOT_ASKED, blank=True
    )
    contact_check_asked_at = models.DateTimeField(null=True, blank=True)  # due, e-mail queued
    contact_check_sent_at = models.DateTimeField(null=True, blank=True)  # the e-mail left, once
    contact_check_answered_at = models.DateTimeField(null=True, blank=True)
    contact_check_comment = models.CharField(max_length=1000, blank=True)
    contact_check_alerted_at = models.DateTimeField(null=True, blank=True)  # "non": alert sent
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("demande transmise")
        verbose_name_plural = _("demandes transmises")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["quote_id", "pro_id"],
                condition=Q(quote_id__isnull=False),
                name="lead_one_per_quote_and_pro",
            ),
            models.UniqueConstraint(
                fields=["network_id", "external_id"],
                condition=Q(network_id__isnull=False),
                name="lead_one_per_network_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["organization_id", "status", "-created_at"]),
            models.Index(fields=["assigned_to_id", "-created_at"]),
            models.Index(fields=["network_id", "-created_at"]),
            # The beat's question: leads not asked yet, by dispatch time.
            models.Index(
                fields=["created_at"],
                condition=Q(contact_check=""),
                name="lead_contact_check_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.external_id} → {self.pro_id} ({self.status})"


class LeadTransition(models.Model):
    """Every status change, with who and when (response times, funnel)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=12, choices=LeadStatus.choices)
    to_status = models.CharField(max_length=12, choices=LeadStatus.choices)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class LeadNote(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    author_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:50]


class NetworkInstaller(models.Model):
    """An installer (pro) of a network or manufacturer, with its routing rule: the
    départements and trades it takes (empty: all). Inbound leads go round-robin among the
    installers whose rule fits and who have capacity left."""

    network_id = models.BigIntegerField(db_index=True)
    pro_id = models.PositiveBigIntegerField()
    department_codes = models.JSONField(default=list, blank=True)
    category_slugs = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)  # False: paused, gets no lead
    # Where rules overlap, the lowest priority number is served first; among equal
    # priorities, leads are shared in proportion to the weights.
    priority = models.PositiveSmallIntegerField(default=100)
    weight = models.PositiveSmallIntegerField(default=1)
    # The network's own monthly cap for this installer (none: the directory's capacity only).
    monthly_cap = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("installateur du réseau")
        verbose_name_plural = _("installateurs du réseau")
        constraints = [
            models.UniqueConstraint(
                fields=["network_id", "pro_id"], name="network_installer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network_id} → {self.pro_id}"

    def covers(self, *, department_code: str, category_slug: str) -> bool:
        return (not self.department_codes or department_code in self.department_codes) and (
            not self.category_slugs or category_slug in self.category_slugs
        )


class AlertChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    PUSH = "push", _("Notification push")


class AlertStatus(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENT = "sent", _("Envoyée")
    FAILED = "failed", _("Échec")


class LeadAlert(models.Model):
    """One new-lead alert to one member on one channel (SMS, push; e-mail is the lead's
    ``notified_at``). The unique row is what makes a redelivered event send nothing twice;
    ``scheduled_for`` defers night-time SMS to 08:00 and spaces retries."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="alerts")
    user_id = models.BigIntegerField(db_index=True)
    channel = models.CharField(max_length=8, choices=AlertChannel.choices)
    status = models.CharField(
        max_length=8, choices=AlertStatus.choices, default=AlertStatus.PENDING
    )
    scheduled_for = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("alerte de nouvelle demande")
        verbose_name_plural = _("alertes de nouvelle demande")
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "user_id", "channel"],
                name="lead_alert_one_per_member_and_channel",
            )
        ]
        indexes = [
            models.Index(
                fields=["scheduled_for"],
                condition=Q(status="pending"),
                name="lead_alert_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.user_id} ({self.channel}, {self.status})"


class UnroutedLead(models.Model):
    """An inbound lead no installer of the network could take (no rule covering it, trade
    not practised, not insured, no capacity): it waits in the network's "à router" queue
    until the network hands it to one of its installers; the managers are alerted once."""

    network_id = models.BigIntegerField(db_index=True)
    external_id = models.CharField(max_length=100)
    data = models.JSONField()  # the cleaned inbound fields, as the Lead will take them
    created_at = models.DateTimeField()
    alerted_at = models.DateTimeField(null=True, blank=True)
    lead = models.OneToOneField(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="unrouted"
    )

    class Meta:
        verbose_name = _("demande à router")
        verbose_name_plural = _("demandes à router")
        constraints = [
            models.UniqueConstraint(
                fields=["network_id", "external_id"],
                name="unrouted_one_per_network_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.network_id} · {self.external_id}"


class WebhookEndpoint(models.Model):
    """A URL of a network's own systems that receives its leads' events, signed with
    ``secret`` (HMAC-SHA256, apps/leads/webhooks.py). The secret is shown once, at creation."""

    network_id = models.BigIntegerField(db_index=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_by_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"{self.network_id} → {self.url}"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En cours")
    SUCCEEDED = "succeeded", _("Livré")
    FAILED = "failed", _("Échec")


class WebhookDelivery(models.Model):
    """One event for one endpoint: its body (signed anew at each attempt), retried with
    backoff until a 2xx answer or the last attempt ("échec"); ``event_id`` is the
    idempotency key the receiver sees (same on every attempt and replay)."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    lead_id = models.PositiveBigIntegerField(null=True, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10,
        choices=WebhookDeliveryStatus.choices,
        default=WebhookDeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(default=0)  # since creation or the last replay
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("livraison de webhook")
        verbose_name_plural = _("livraisons de webhook")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="webhook_delivery_one_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST to the receiver: its answer's status code, or the error (timeout, refused)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M} ({self.response_code or self.error})"
