from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .pros import ProProfile


class ClaimChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    DOCUMENT = "document", _("Justificatif vérifié par l'équipe Eldo")


class ProClaim(models.Model):
    """ "Revendiquer ma fiche": a person proves they control an existing profile with a code
    sent to the e-mail or phone on file. Five wrong codes lock the profile's claims for an
    hour (``locked_until``). Only a hash of the code is kept."""

    pro = models.ForeignKey(ProProfile, on_delete=models.CASCADE, related_name="claims")
    user_id = models.BigIntegerField(db_index=True)
    channel = models.CharField(max_length=10, choices=ClaimChannel.choices)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # A document claim: the Kbis in private storage, read by staff (admin), who decide.
    document = models.CharField(max_length=200, blank=True, editable=False)
    document_type = models.CharField(max_length=40, blank=True, editable=False)
    refused_at = models.DateTimeField(null=True, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("revendication de fiche")
        verbose_name_plural = _("revendications de fiche")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["pro", "-created_at"], name="claim_pro_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.pro} ({self.channel})"
