"""Quote and callback requests, their call log and their audit trail.

Categories and pros of the directory are referenced by slug and id, the acting advisors
by their accounts user id (plain indexed fields, no foreign key across the boundary).
State changes go through ``apps.quotes.services``, never ``save()``.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.choices import ChoiceLabels


class QuoteKind(models.TextChoices):
    QUOTE = "quote", _("Demande de devis")
    CALLBACK = "callback", _("Demande de rappel")


class QuoteStatus(models.TextChoices):
    NEW = "new", _("Reçue")
    IN_QUALIFICATION = "in_qualification", _("En qualification")
    QUALIFIED = "qualified", _("Qualifiée")
    DISPATCHED = "dispatched", _("Transmise aux artisans")
    REJECTED = "rejected", _("Refusée")
    UNREACHABLE = "unreachable", _("Injoignable")


class QuoteChannel(models.TextChoices):
    WEB = "web", _("formulaire du site")
    API = "api", _("API")
    DEMO = "demo", _("données de démonstration")


class BudgetRange(models.TextChoices):
    UNDER_5K = "lt_5k", _("Moins de 5 000 €")
    FROM_5K_TO_15K = "5k_15k", _("De 5 000 à 15 000 €")
    FROM_15K_TO_50K = "15k_50k", _("De 15 000 à 50 000 €")
    OVER_50K = "gt_50k", _("Plus de 50 000 €")
    UNKNOWN = "unknown", _("Je ne sais pas encore")


class Timeline(models.TextChoices):
    ASAP = "asap", _("Dès que possible")
    WITHIN_3_MONTHS = "3_months", _("Dans les 3 mois")
    WITHIN_6_MONTHS = "6_months", _("Dans les 6 mois")
    LATER = "later", _("Plus tard, je me renseigne")


class PropertyType(models.TextChoices):
    HOUSE = "house", _("Maison")
    APARTMENT = "apartment", _("Appartement")
    BUILDING = "building", _("Immeuble, copropriété")
    BUSINESS = "business", _("Local professionnel")
    OTHER = "other", _("Autre")


class CallbackSlot(models.TextChoices):
    ANY = "any", _("Indifférent")
    MORNING = "morning", _("Le matin (9 h – 12 h)")
    LUNCH = "lunch", _("Entre midi et deux (12 h – 14 h)")
    AFTERNOON = "afternoon", _("L'après-midi (14 h – 18 h)")
    EVENING = "evening", _("En fin de journée (18 h – 20 h)")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Joint")
    NO_ANSWER = "no_answer", _("Pas de réponse")
    VOICEMAIL = "voicemail", _("Messagerie")
    WRONG_NUMBER = "wrong_number", _("Faux numéro")


class RejectionReason(models.TextChoices):
    SPAM = "spam", _("Demande frauduleuse ou indésirable")
    DUPLICATE = "duplicate", _("Doublon d'une autre demande")
    OUT_OF_SCOPE = "out_of_scope", _("Hors du champ d'Eldo")
    NO_PRO_AVAILABLE = "no_pro", _("Aucun artisan disponible dans le secteur")
    CANCELLED = "cancelled", _("Projet abandonné par le particulier")
    OTHER = "other", _("Autre motif")


class HomeownerOutcome(models.TextChoices):
    """How the homeowner closed their project from "Mes projets"."""

    DONE = "done", _("Travaux réalisés")
    ABANDONED = "abandoned", _("Projet abandonné")


class QuoteRequest(ChoiceLabels, models.Model):
    # NULL only between the INSERT and the UPDATE that derives it from the id: several NULLs
    # never collide in the unique index, unlike several "" would.
    reference = models.CharField(  # noqa: DJ001
        _("référence"), max_length=20, unique=True, null=True
    )
    kind = models.CharField(_("type"), max_length=10, choices=QuoteKind.choices)
    channel = models.CharField(_("canal"), max_length=10, choices=QuoteChannel.choices)
    status = models.CharField(
        _("statut"), max_length=20, choices=QuoteStatus.choices, default=QuoteStatus.NEW
    )

    # The project. Category and pro are the directory's slugs and ids, not foreign keys.
    category_slug = models.SlugField(_("catégorie"), max_length=80, blank=True, db_index=True)
    description = models.TextField(_("description du projet"), blank=True)
    postcode = models.CharField(_("code postal"), max_length=5)
    commune_insee = models.CharField(_("code INSEE de la commune"), max_length=5, blank=True)
    commune_name = models.CharField(_("commune"), max_length=100, blank=True)
    department_code = models.CharField(_("département"), max_length=3, db_index=True)
    address = models.CharField(_("adresse des travaux"), max_length=200, blank=True)
    budget_range = models.CharField(
        _("budget"), max_length=10, choices=BudgetRange.choices, blank=True
    )
    timeline = models.CharField(_("délai"), max_length=10, choices=Timeline.choices, blank=True)
    property_type = models.CharField(
        _("type de bien"), max_length=10, choices=PropertyType.choices, blank=True
    )
    # Written by the advisor for the chosen pros (the hand-off), unlike the call notes,
    # which stay internal to Eldo.
    pro_note = models.TextField(_("note pour l'artisan"), blank=True)
    target_pro_id = models.BigIntegerField(_("artisan visé (id)"), null=True, blank=True)
    target_pro_slug = models.SlugField(_("artisan visé"), max_length=200, blank=True, db_index=True)
    # Asked from a brand's page ("Demander un devis à un installateur certifié"): the brand's
    # organization (accounts, plain id) routes the request among its certified installers.
    brand_organization_id = models.BigIntegerField(
        _("marque (organisation)"), null=True, blank=True, db_index=True
    )
    brand_slug = models.SlugField(_("marque"), max_length=120, blank=True)

    # The homeowner: personal data, anonymised after three years without activity.
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), db_index=True)
    phone = models.CharField(_("téléphone (E.164)"), max_length=16)
    callback_slot = models.CharField(
        _("créneau de rappel"),
        max_length=10,
        choices=CallbackSlot.choices,
        default=CallbackSlot.ANY,
    )
    consent_text = models.TextField(_("consentement (texte accepté)"))
    consent_at = models.DateTimeField(_("consentement donné le"))

    # Work of the advisors.
    assigned_to_id = models.BigIntegerField(_("conseiller"), null=True, blank=True, db_index=True)
    next_call_at = models.DateTimeField(_("prochain appel"), null=True, blank=True)
    failed_calls = models.PositiveSmallIntegerField(_("appels sans réponse d'affilée"), default=0)
    rejection_reason = models.CharField(
        _("motif de refus"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.TextField(_("précision sur le refus"), blank=True)
    merged_submissions = models.PositiveSmallIntegerField(_("envois fusionnés"), default=0)
    # Another recent request with the same e-mail or phone: the advisor decides.
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("doublon possible de"),
    )
    # A receipt: a resubmission (same e-mail and phone, within minutes) whose description
    # became a note of this request. Closed at once; never worked by an advisor.
    attached_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("rattachée à la demande"),
    )

    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    claimed_at = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    # The first call an advisor logged: the promise "rappel sous N h ouvrées" is measured
    # from created_at to this (apps.core.business_hours).
    first_call_at = models.DateTimeField(_("premier appel le"), null=True, blank=True)
    qualified_at = models.DateTimeField(_("qualifiée le"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("transmise le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("dernière activité"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True)
    # The homeowner's own closing of the project ("Mes projets"): done with one of the
    # chosen pros, or abandoned.
    homeowner_outcome = models.CharField(
        _("clôture par le particulier"),
        max_length=10,
        choices=HomeownerOutcome.choices,
        blank=True,
    )
    homeowner_outcome_pro_id = models.BigIntegerField(
        _("artisan retenu (id)"), null=True, blank=True
    )
    homeowner_closed_at = models.DateTimeField(
        _("clôturée par le particulier le"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("demande de devis")
        verbose_name_plural = _("demandes de devis")
        ordering = ["-created_at"]
        indexes = [
            # The advisors' queue: open requests, the one to call first at the top.
            models.Index(fields=["status", "next_call_at", "created_at"], name="quote_queue_idx"),
            # …and its first page without sorting every open request (28,000 at 10x): the
            # open ones in the queue's order, so the database stops after a page.
            models.Index(
                fields=["next_call_at", "created_at", "id"],
                condition=Q(
                    status__in=[
                        QuoteStatus.NEW,
                        QuoteStatus.IN_QUALIFICATION,
                        QuoteStatus.QUALIFIED,
                    ]
                ),
                name="quote_open_queue_idx",
            ),
            # Duplicate detection on submission.
            models.Index(fields=["email", "created_at"], name="quote_email_recent_idx"),
            models.Index(fields=["phone", "created_at"], name="quote_phone_recent_idx"),
            # Retention: requests still holding personal data, by inactivity.
            models.Index(
                fields=["last_activity_at"],
                condition=Q(anonymised_at__isnull=True),
                name="quote_retention_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"demande #{self.pk}"


class QuoteCall(models.Model):
    """One call attempt of an advisor to the homeowner."""

    quote = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="calls")
    advisor_id = models.BigIntegerField(_("conseiller"), null=True, db_index=True)
    outcome = models.CharField(_("résultat"), max_length=20, choices=CallOutcome.choices)
    notes = models.TextField(_("notes"), blank=True)
    next_call_at = models.DateTimeField(_("rappeler le"), null=True, blank=True)
    created_at = models.DateTimeField(_("appel le"), default=timezone.now)

    class Meta:
        verbose_name = _("appel")
        verbose_name_plural = _("appels")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.quote} · {self.get_outcome_display()}"


class QuoteNote(models.Model):
    """A note on a request: so far, the description of a resubmission attached to it."""

    quote = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(_("note"))
    receipt = models.ForeignKey(
        QuoteRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("envoi d'origine"),
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.quote} · note du {self.created_at:%d/%m/%Y}"


class QuoteTransition(models.Model):
    """The audit trail: every change of status, when, and by which advisor."""

    quote = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("de"), max_length=20, choices=QuoteStatus.choices)
    to_status = models.CharField(_("vers"), max_length=20, choices=QuoteStatus.choices)
    actor_id = models.BigIntegerField(_("par"), null=True, blank=True, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.quote} : {self.from_status} → {self.to_status}"


class QuoteDispatchChoice(models.Model):
    """A pro the advisor chose for the request (up to three), handed over to leads."""

    quote = models.ForeignKey(QuoteRequest, on_delete=models.CASCADE, related_name="dispatches")
    pro_id = models.BigIntegerField(_("artisan (id)"), db_index=True)
    pro_slug = models.SlugField(_("artisan"), max_length=200)
    pro_name = models.CharField(_("nom de l'artisan"), max_length=200)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("artisan choisi")
        verbose_name_plural = _("artisans choisis")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "pro_id"], name="quote_dispatch_once")
        ]

    def __str__(self) -> str:
        return f"{self.quote} → {self.pro_slug}"
