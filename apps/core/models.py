import uuid

from django.db import models
from django.db.models import Q


class OutboxEvent(models.Model):
    """A domain event written in the publisher's transaction, delivered after commit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, db_index=True)
    payload = models.JSONField(default=dict)
    version = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_undelivered_idx",
            )
        ]
        verbose_name = "événement (outbox)"
        verbose_name_plural = "événements (outbox)"

    def __str__(self) -> str:
        return f"{self.name} {self.id}"


class HandledEvent(models.Model):
    """The consumer's inbox: one row per (event id, consumer, handler), the delivery id that
    makes redelivery harmless. A plain event id, never a key into the producer's outbox, so
    a consumer keeps it in its own database."""

    event_id = models.UUIDField()
    consumer = models.CharField(max_length=60)
    handler = models.CharField(max_length=200)
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "consumer", "handler"], name="handled_event_once"
            )
        ]
        indexes = [models.Index(fields=["handled_at"], name="handled_event_at_idx")]
        verbose_name = "livraison d'événement"
        verbose_name_plural = "livraisons d'événements"

    def __str__(self) -> str:
        return f"{self.handler} ← {self.event_id}"
