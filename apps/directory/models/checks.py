"""Vérifications Eldo: what Eldo checked about a pro, each check with its state and source.

One row per check: the company's identity (SIRET in the SIRENE register), each quality label
(RGE, Qualibat, QualiPV…: matched against the official lists), the décennale insurance
(a certificate checked by staff) and the manager's identity (staff). Only a check that is
VERIFIED and not past ``valid_until`` counts anywhere public (profile, badge, JSON-LD,
search filters, ranking, matching). docs/verification.md tells the whole story.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .categories import Category
from .pros import CertificationKind, ProProfile


class CheckKind(models.TextChoices):
    IDENTITY = "identity", _("Identité de l'entreprise")
    LABEL = "label", _("Label de qualité")
    INSURANCE = "insurance", _("Assurance décennale")
    MANAGER = "manager", _("Identité du dirigeant")


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("En attente de vérification")
    VERIFIED = "verified", _("Vérifiée")
    REFUSED = "refused", _("Refusée")
    EXPIRED = "expired", _("Expirée")
    NOT_FOUND = "not_found", _("Introuvable")


class CheckSource(models.TextChoices):
    SELF_DECLARED = "self_declared", _("Déclaré par l'entreprise")
    SIRENE = "sirene", _("Répertoire SIRENE (Insee)")
    ADEME_RGE = "ademe_rge", _("Liste officielle RGE (ADEME)")
    STAFF = "staff", _("Équipe Eldo")


class ProCheck(models.Model):
    pro = models.ForeignKey(ProProfile, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("vérification"), max_length=20, choices=CheckKind.choices)
    # For a label: which one; blank for the other kinds.
    label = models.CharField(
        _("label"), max_length=20, choices=CertificationKind.choices, blank=True
    )
    # Label: certificate number; insurance: policy number; identity: the SIRET checked.
    number = models.CharField(_("numéro"), max_length=60, blank=True)
    status = models.CharField(
        _("état"), max_length=20, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    source = models.CharField(
        _("source"), max_length=20, choices=CheckSource.choices, default=CheckSource.SELF_DECLARED
    )
    # Label: certifying body (Qualibat, Qualit'EnR…); insurance: the insurer.
    issuer = models.CharField(_("organisme"), max_length=120, blank=True)
    domains = models.JSONField(_("domaines"), default=list, blank=True)  # RGE domains
    trades = models.ManyToManyField(
        Category, blank=True, related_name="+", verbose_name=_("métiers couverts")
    )
    valid_from = models.DateField(_("valable à partir du"), null=True, blank=True)
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    checked_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    decided_by_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # A name in the "private" storage (settings.STORAGES: outside MEDIA_ROOT, no URL),
    # "checks/<pro id>/<uuid>.<ext>": served to staff only by the verification queue.
    document = models.CharField(_("justificatif"), max_length=200, blank=True, editable=False)
    document_type = models.CharField(max_length=40, blank=True)  # application/pdf, image/…
    # The expiry date each reminder was sent for: a renewed validity is reminded again.
    reminded_30_for = models.DateField(null=True, blank=True, editable=False)
    reminded_7_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("vérification")
        verbose_name_plural = _("vérifications")
        ordering = ["kind", "label", "id"]
        constraints = [
            # A renewed décennale often keeps its policy number: insurance rows may repeat.
            models.UniqueConstraint(
                fields=["pro", "kind", "label", "number"],
                condition=~models.Q(kind="insurance"),
                name="procheck_unique",
            )
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="procheck_queue_idx"),
            models.Index(fields=["status", "valid_until"], name="procheck_expiry_idx"),
        ]

    def __str__(self) -> str:
        what = self.get_label_display() if self.label else self.get_kind_display()
        return f"{what} {self.number}".strip()

    def is_valid(self, today=None) -> bool:
        """Verified and not past its validity: the only state that counts in public."""
        if self.status != CheckStatus.VERIFIED:
            return False
        return self.valid_until is None or self.valid_until >= (today or timezone.localdate())
