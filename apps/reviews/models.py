"""Reviews, invitations (review requests), replies, reports and the moderation audit log.

A pro is referenced by its plain directory id (``pro_id``), users and organizations by
their plain accounts ids (``*_user_id``, ``organization_id``): no foreign key leaves the
context, so that it could live in its own database. What the database cascades did when an
organization is deleted, ``privacy.py`` does on ``accounts.OrganizationDeleted``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("En attente de modération")
    PUBLISHED = "published", _("Publié")
    REJECTED = "rejected", _("Refusé")
    IN_DISPUTE = "in_dispute", _("En cours de vérification")
    # The author took it back (NF Z74-501): off the public pages, out of the aggregates.
    WITHDRAWN = "withdrawn", _("Retiré par son auteur")


# A reported review stays online, marked "en cours de vérification", until a decision.
PUBLIC_STATUSES = (ReviewStatus.PUBLISHED, ReviewStatus.IN_DISPUTE)


class ReviewSource(models.TextChoices):
    """How a review arrived (its label says how much Eldo vouches for it)."""

    INVITED = "invited", _("Sur invitation")
    SPONTANEOUS = "spontaneous", _("Spontané")
    IMPORTED = "imported", _("Importé de l'ancien site")
    # Through the pro's permanent review link or its QR code (flyer, sticker): "collecté".
    LINK = "link", _("Lien permanent de l'entreprise")


# Nobody vouched for the author's address: it is confirmed by an e-mailed link first.
EMAIL_CONFIRMED_SOURCES = (ReviewSource.SPONTANEOUS, ReviewSource.LINK)


class ReviewLabel(models.TextChoices):
    """What the public is told about a review (docs/reviews.md, /avis/comment-ca-marche/).

    ``verified`` only when Eldo ties the review to a real job: an invitation Eldo sent for a
    lead it dispatched, or a proof of experience accepted by a moderator. ``collected``: an
    invitation the pro sent. ``spontaneous``: anything else.
    """

    VERIFIED = "verified", _("Avis vérifié")
    COLLECTED = "collected", _("Avis collecté par l'entreprise")
    SPONTANEOUS = "spontaneous", _("Avis spontané")


class InvitationSource(models.TextChoices):
    SINGLE = "single", _("Invitation individuelle")
    CSV = "csv", _("Import CSV")
    DEMO = "demo", _("Démonstration")
    # Sent by Eldo itself after a job it dispatched: the review is "avis vérifié".
    ELDO = "eldo", _("Invitation Eldo (chantier transmis par Eldo)")
    # From the pro's own quoting or invoicing tool, with its organization's API key.
    API = "api", _("Logiciel de l'entreprise (clé d'API)")


class ReviewInvitation(models.Model):
    """A pro asks a past customer for a review: the e-mailed link carries a signed token."""

    pro_id = models.PositiveBigIntegerField(_("pro"), db_index=True)
    organization_id = models.BigIntegerField(db_index=True)
    created_by_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    customer_name = models.CharField(_("nom du client"), max_length=150)
    customer_email = models.EmailField(_("e-mail du client"))
    email_hash = models.CharField(max_length=64)  # matches ReviewOptOut.email_hash
    # Optional French mobile (E.164): the same invitation also leaves by SMS (one slot).
    customer_phone = models.CharField(_("mobile du client"), max_length=16, blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    work_description = models.CharField(_("travaux réalisés"), max_length=300)
    work_date = models.DateField(_("date des travaux"))
    # Random, signed into the link: rotating it revokes every link already sent.
    nonce = models.CharField(max_length=32)
    source = models.CharField(max_length=10, choices=InvitationSource.choices)
    # Eldo's own invitation: the lead (leads context, plain id) whose job it is about.
    lead_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)
    # The id the pro's own tool gives it (invoice number…): a replay creates nothing.
    external_id = models.CharField(_("identifiant externe"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # Reported by the e-mail provider's callbacks ("delivered", "opened"): the funnel.
    delivered_at = models.DateTimeField(null=True, blank=True)
    email_opened_at = models.DateTimeField(null=True, blank=True)
    # The link opened (clicked in the e-mail or the SMS) / the review form first submitted.
    opened_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # Reported by the e-mail provider (hard bounce, spam complaint): the pro's rates.
    bounced_at = models.DateTimeField(_("adresse en erreur le"), null=True, blank=True)
    complained_at = models.DateTimeField(_("signalée comme spam le"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation à donner un avis")
        verbose_name_plural = _("invitations à donner un avis")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["pro_id", "-created_at"], name="invitation_pro_recent_idx"),
            models.Index(fields=["pro_id", "email_hash"], name="invitation_pro_email_idx"),
            models.Index(
                fields=["sent_at"],
                condition=Q(completed_at__isnull=True, sent_at__isnull=False),
                name="invitation_reminder_due_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "external_id"],
                condition=~Q(external_id=""),
                name="invitation_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_email} → pro {self.pro_id}"


class ReviewOptOut(models.Model):
    """A customer who asked a pro to stop inviting them: honoured forever, per pro.

    Only a SHA-256 of the normalised address is kept.
    """

    pro_id = models.PositiveBigIntegerField()
    email_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("désinscription")
        verbose_name_plural = _("désinscriptions")
        constraints = [
            models.UniqueConstraint(fields=["pro_id", "email_hash"], name="review_optout_unique")
        ]

    def __str__(self) -> str:
        return f"pro {self.pro_id} · {self.email_hash[:12]}…"


class Review(models.Model):
    pro_id = models.PositiveBigIntegerField(_("pro"))
    invitation = models.OneToOneField(
        ReviewInvitation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review",
    )
    source = models.CharField(_("origine"), max_length=12, choices=ReviewSource.choices)
    label = models.CharField(
        _("label"),
        max_length=12,
        choices=ReviewLabel.choices,
        default=ReviewLabel.SPONTANEOUS,
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    rating = models.PositiveSmallIntegerField(_("note"))
    rating_quality = models.PositiveSmallIntegerField(
        _("qualité du travail"), null=True, blank=True
    )
    rating_timeliness = models.PositiveSmallIntegerField(
        _("respect des délais"), null=True, blank=True
    )
    rating_cleanliness = models.PositiveSmallIntegerField(
        _("propreté du chantier"), null=True, blank=True
    )
    rating_value = models.PositiveSmallIntegerField(
        _("rapport qualité/prix"), null=True, blank=True
    )
    title = models.CharField(_("titre"), max_length=120)
    body = models.TextField(_("avis"))
    # The trade as chosen by the reviewer, kept as it was named then.
    work_category_slug = models.CharField(_("catégorie de travaux"), max_length=100)
    work_category_name = models.CharField(max_length=150)
    work_date = models.DateField(_("date de l'expérience"))
    author_name = models.CharField(_("prénom"), max_length=60)
    author_email = models.EmailField(_("e-mail (jamais publié)"))
    author_postcode = models.CharField(_("code postal"), max_length=5)
    author_commune = models.CharField(_("commune"), max_length=150)
    author_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    author_ip = models.GenericIPAddressField(null=True, blank=True)
    # SHA-256 of the folded body: finds copy-pasted reviews without a full-text scan.
    text_fingerprint = models.CharField(max_length=64, db_index=True)
    check_flags = models.JSONField(_("contrôles déclenchés"), default=list, blank=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The review's id in the PHP monolith it was imported from (manage.py import_legacy).
    legacy_id = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("avis")
        verbose_name_plural = _("avis")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True})
                    | Q(**{f"{field}__gte": 1, f"{field}__lte": 5}),
                    name=f"review_{field}_1_5",
                )
                for field in (
                    "rating_quality",
                    "rating_timeliness",
                    "rating_cleanliness",
                    "rating_value",
                )
            ],
        ]
        indexes = [
            # The public lists: a pro's reviews (recent first, or by rating) and the feed.
            models.Index(
                fields=["pro_id", "-published_at"],
                condition=Q(status__in=["published", "in_dispute"]),
                name="review_pro_public_recent_idx",
            ),
            models.Index(
                fields=["-published_at"],
                condition=Q(status__in=["published", "in_dispute"]),
                name="review_public_recent_idx",
            ),
            models.Index(fields=["status", "created_at"], name="review_status_created_idx"),
            models.Index(fields=["author_email", "created_at"], name="review_email_created_idx"),
            models.Index(fields=["author_ip", "created_at"], name="review_ip_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.rating}/5)"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="reviews/photos/")
    thumbnail = models.ImageField(upload_to="reviews/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("photo d'avis")
        verbose_name_plural = _("photos d'avis")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name


class PendingReviewPhoto(models.Model):
    """A photo received with a review, checked (``apps.core.images.image_check``) but not yet
    re-encoded. Its original, metadata included, is in the "private" storage (outside
    MEDIA_ROOT, no URL) until the review's ``ReviewSubmitted`` handler turns it into a
    ``ReviewPhoto`` and deletes it (``apps.reviews.photos``): nothing public reads it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="pending_photos")
    file_name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo d'avis à traiter")
        verbose_name_plural = _("photos d'avis à traiter")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.file_name


class ProofStatus(models.TextChoices):
    PENDING = "pending", _("À examiner")
    ACCEPTED = "accepted", _("Acceptée")
    REJECTED = "rejected", _("Refusée")


class ReviewProof(models.Model):
    """A proof of experience (invoice, quote) uploaded by a review's author: private, seen
    by moderators only (NF Z74-501 / ISO 20488). Once accepted, the review is "vérifié"."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="proofs")
    # A name in the "private" storage (settings.STORAGES: outside MEDIA_ROOT, no URL); read
    # through the moderators' download view only.
    file_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=ProofStatus.choices, default=ProofStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    moderator_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    note = models.TextField(_("note interne"), blank=True)

    class Meta:
        verbose_name = _("preuve d'expérience")
        verbose_name_plural = _("preuves d'expérience")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Preuve {self.get_status_display()} · avis {self.review_id}"


class ReviewReply(models.Model):
    """The pro's one public answer to a review."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="reply")
    organization_id = models.BigIntegerField(db_index=True)
    author_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    body = models.TextField(_("réponse"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("réponse du pro")
        verbose_name_plural = _("réponses des pros")

    def __str__(self) -> str:
        return f"Réponse à l'avis {self.review_id}"


class ReportReason(models.TextChoices):
    NOT_A_CUSTOMER = "not_a_customer", _("Cette personne n'est pas un client")
    ABUSIVE = "abusive", _("Propos injurieux, diffamatoires ou menaçants")
    PERSONAL_DATA = "personal_data", _("Données personnelles ou confidentielles")
    CONFLICT_OF_INTEREST = "conflict_of_interest", _("Avis d'un concurrent ou d'un proche")
    OFF_TOPIC = "off_topic", _("Sans rapport avec les travaux réalisés")
    OTHER = "other", _("Autre motif")


class ReviewReport(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Set when the reporter is a member of the reviewed pro's organization.
    organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # The reporter's own organization (any kind), whose open reports per pro are limited.
    reporter_organization_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Sent by a member of a competing pro (same trade, same area): a moderator reads it, the
    # review keeps its public state.
    from_competitor = models.BooleanField(_("d'un concurrent"), default=False)
    reason = models.CharField(_("motif"), max_length=30, choices=ReportReason.choices)
    details = models.TextField(_("précisions"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · avis {self.review_id}"


class ModerationAction(models.TextChoices):
    PUBLISH = "publish", _("Publication")
    REJECT = "reject", _("Refus")
    AUTO_PUBLISH = "auto_publish", _("Publication automatique")
    HOLD = "hold", _("Mise en modération automatique")
    REPORTED = "reported", _("Signalement")
    PROOF_ACCEPTED = "proof_accepted", _("Justificatif accepté : avis vérifié")
    PROOF_REJECTED = "proof_rejected", _("Justificatif refusé")
    AUTHOR_WITHDRAWAL = "author_withdrawal", _("Retrait par l'auteur")


class ModerationDecision(models.Model):
    """The audit log: every change of a review's status, by whom, why. Append-only."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    moderator_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=20, choices=ModerationAction.choices)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    note = models.TextField(_("note interne"), blank=True)
    from_status = models.CharField(max_length=12, choices=ReviewStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ReviewStatus.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("décision de modération")
        verbose_name_plural = _("journal de modération")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["review", "created_at"], name="decision_review_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · avis {self.review_id}"


class ProReviewStats(models.Model):
    """Per-pro aggregates as last computed; also the row locked while recomputing them."""

    pro_id = models.PositiveBigIntegerField(primary_key=True)
    count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveBigIntegerField(default=0)
    average = models.FloatField(default=0)
    score = models.FloatField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agrégat d'avis")
        verbose_name_plural = _("agrégats d'avis")

    def __str__(self) -> str:
        return f"pro {self.pro_id}: {self.average} ({self.count})"


class InvitationPolicy(models.Model):
    """What an organization may send: its daily quota (staff raise it here) and whether
    its invitations are paused (bounce or complaint rate over the threshold)."""

    organization_id = models.BigIntegerField(_("organisation"), unique=True)
    daily_quota = models.PositiveIntegerField(
        _("invitations par jour"),
        null=True,
        blank=True,
        help_text=_("Vide : la valeur par défaut (REVIEWS_INVITATIONS_DAILY_QUOTA)."),
    )
    paused_at = models.DateTimeField(
        _("invitations suspendues le"),
        null=True,
        blank=True,
        help_text=_("Videz ce champ pour reprendre les envois."),
    )
    paused_reason = models.CharField(_("motif de la suspension"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("règles d'invitation d'une organisation")
        verbose_name_plural = _("règles d'invitation des organisations")

    def __str__(self) -> str:
        return f"organisation {self.organization_id} · {self.daily_quota or 'quota par défaut'}"


class SuppressionReason(models.TextChoices):
    BOUNCE = "bounce", _("Adresse en erreur (rejet définitif)")
    COMPLAINT = "complaint", _("Signalé comme spam")
    MANUAL = "manual", _("Adresse en erreur (signalée par l'entreprise)")


class EmailSuppression(models.Model):
    """An address Eldo no longer writes to, whatever the pro: the provider rejected it or
    its owner complained. Only a SHA-256 of the normalised address is kept."""

    email_hash = models.CharField(max_length=64, unique=True)
    reason = models.CharField(_("motif"), max_length=10, choices=SuppressionReason.choices)
    pro_id = models.PositiveBigIntegerField(_("pro à l'origine"), null=True, blank=True)
    invitation = models.ForeignKey(
        ReviewInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(_("détail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("adresse bloquée")
        verbose_name_plural = _("adresses bloquées")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.email_hash[:12]}…"


class InvitationTiming(models.Model):
    """When Eldo's automatic invitation leaves after a lead the pro marked won: a delay
    after the end of the works when it is known, otherwise after "gagné"."""

    organization_id = models.BigIntegerField(_("organisation"), unique=True)
    days_after_work_end = models.PositiveSmallIntegerField(
        _("jours après la fin des travaux"), default=3
    )
    days_after_won = models.PositiveSmallIntegerField(_("jours après « gagné »"), default=14)
    # Reminders, in days after the first message (every invitation of the organization);
    # 0 for the second: a single reminder.
    first_reminder_days = models.PositiveSmallIntegerField(_("première relance (jours)"), default=7)
    second_reminder_days = models.PositiveSmallIntegerField(
        _("seconde relance (jours)"), default=14
    )
    # Sending hours, Paris time, [start, end): nothing leaves outside them, it waits for
    # the next opening. Empty: the platform's hours (REVIEWS_SEND_HOUR_START/END).
    send_hour_start = models.PositiveSmallIntegerField(
        _("envoi à partir de (heure)"), null=True, blank=True
    )
    send_hour_end = models.PositiveSmallIntegerField(
        _("envoi jusqu'à (heure)"), null=True, blank=True
    )
    # The pro's own words at the top of the invitation e-mail (no links nor addresses).
    intro_line = models.CharField(_("mot d'introduction"), max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("réglages des invitations")
        verbose_name_plural = _("réglages des invitations")

    def __str__(self) -> str:
        return f"organisation {self.organization_id}"


class ScheduledInvitation(models.Model):
    """Eldo's "avis vérifié" invitation waiting for its date, one per won lead.

    ``processed_at`` set once the beat task handled it: ``invitation_id`` is the invitation
    sent, or ``skipped_reason`` says why none was (already invited, opted out…).
    """

    lead_id = models.PositiveBigIntegerField(unique=True)
    pro_id = models.PositiveBigIntegerField()
    organization_id = models.BigIntegerField(db_index=True)
    customer_name = models.CharField(max_length=150)
    customer_email = models.EmailField()
    work_description = models.CharField(max_length=300)
    won_at = models.DateTimeField()
    work_end_date = models.DateField(null=True, blank=True)
    due_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    invitation_id = models.PositiveBigIntegerField(null=True, blank=True)
    skipped_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("invitation automatique programmée")
        verbose_name_plural = _("invitations automatiques programmées")
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(processed_at__isnull=True),
                name="scheduled_invitation_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"lead {self.lead_id} → {self.due_at:%Y-%m-%d}"


class SmsOptOut(models.Model):
    """A mobile number that answered STOP: Eldo sends it no invitation SMS any more, from
    any pro. Only a SHA-256 of the E.164 number is kept."""

    phone_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("numéro désinscrit des SMS")
        verbose_name_plural = _("numéros désinscrits des SMS")

    def __str__(self) -> str:
        return f"{self.phone_hash[:12]}…"


class DigestOptOut(models.Model):
    """A member who no longer wants the weekly review digest (one-click link in it)."""

    user_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("désinscription du résumé hebdomadaire")
        verbose_name_plural = _("désinscriptions du résumé hebdomadaire")

    def __str__(self) -> str:
        return f"user {self.user_id}"


class DigestSent(models.Model):
    """One weekly digest per organization and ISO week: a second run sends nothing."""

    organization_id = models.BigIntegerField(db_index=True)
    week = models.CharField(max_length=8)  # "2026-W49"
    recipients = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization_id", "week"], name="digest_once_a_week")
        ]

    def __str__(self) -> str:
        return f"organisation {self.organization_id} · {self.week}"
