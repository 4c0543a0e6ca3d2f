"""API input parsing and output shapes. Validation rules with French messages live in the
services (shared with the pages); serializers only parse types."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.site import absolute_url
from apps.reviews.contracts import LABEL_NAMES
from apps.reviews.invitations import INVITATION_STATUS_LABELS, invitation_status
from apps.reviews.models import ReportReason
from apps.reviews.rules import CHECK_LABELS, CRITERIA, DECISION_REASONS


def _absolute(context, url: str) -> str:
    return absolute_url(url)


class ReviewPhotoSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()

    def get_url(self, obj) -> str:
        return _absolute(self.context, obj.url)

    def get_thumbnail(self, obj) -> str:
        return _absolute(self.context, obj.thumbnail_url)


class ReviewReplySerializer(serializers.Serializer):
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class CriteriaSerializer(serializers.Serializer):
    quality = serializers.IntegerField(required=False, help_text="Qualité du travail, 1–5")
    timeliness = serializers.IntegerField(required=False, help_text="Respect des délais, 1–5")
    cleanliness = serializers.IntegerField(required=False, help_text="Propreté du chantier, 1–5")
    value = serializers.IntegerField(required=False, help_text="Rapport qualité/prix, 1–5")


class ReviewSerializer(serializers.Serializer):
    """A public review: first name, commune and postcode of its author, never more."""

    id = serializers.IntegerField()
    pro = serializers.CharField(source="pro_slug", help_text="Slug du pro noté")
    pro_name = serializers.CharField()
    rating = serializers.IntegerField()
    criteria = CriteriaSerializer()
    title = serializers.CharField()
    body = serializers.CharField()
    author_name = serializers.CharField(help_text="Prénom de l'auteur")
    author_commune = serializers.CharField()
    author_postcode = serializers.CharField()
    work_category = serializers.CharField(help_text="Slug de la catégorie de travaux")
    work_category_name = serializers.CharField()
    work_date = serializers.DateField(help_text="Date de l'expérience (des travaux)")
    published_at = serializers.DateTimeField()
    source = serializers.ChoiceField(
        choices=["invited", "spontaneous", "imported"],
        help_text="Comment l'avis est arrivé : sur invitation, spontané, importé de l'ancien site",
    )
    label = serializers.ChoiceField(
        choices=list(LABEL_NAMES),
        help_text="Label public : verified « Avis vérifié » (Eldo a relié l'avis à un vrai "
        "chantier : invitation envoyée par Eldo, ou facture/devis accepté par un modérateur), "
        "collected « Avis collecté par l'entreprise » (invitation envoyée par le pro), "
        "spontaneous « Avis spontané »",
    )
    label_name = serializers.CharField(help_text="Le label en toutes lettres")
    is_verified = serializers.BooleanField(
        help_text="Vérifié par Eldo (label verified) ; une invitation du pro ne suffit pas"
    )
    under_review = serializers.BooleanField(help_text="Signalé : « en cours de vérification »")
    photos = ReviewPhotoSerializer(many=True)
    reply = ReviewReplySerializer(allow_null=True)


class ReviewSubmitSerializer(serializers.Serializer):
    pro = serializers.CharField(
        required=False, allow_blank=True, help_text="Slug du pro (avis spontané)"
    )
    invitation_token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Jeton du lien d'invitation : l'avis est alors vérifié",
    )
    rating = serializers.IntegerField(help_text="Note globale, 1 à 5")
    rating_quality = serializers.IntegerField(required=False, allow_null=True)
    rating_timeliness = serializers.IntegerField(required=False, allow_null=True)
    rating_cleanliness = serializers.IntegerField(required=False, allow_null=True)
    rating_value = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(allow_blank=True, help_text="3 à 120 caractères")
    body = serializers.CharField(allow_blank=True, help_text="30 à 5 000 caractères")
    author_name = serializers.CharField(allow_blank=True, help_text="Prénom (seul publié)")
    author_email = serializers.CharField(
        required=False, allow_blank=True, help_text="Jamais publié ; inutile avec un jeton"
    )
    author_postcode = serializers.CharField(allow_blank=True, help_text="Code postal français")
    author_commune = serializers.CharField(required=False, allow_blank=True)
    work_category = serializers.CharField(allow_blank=True, help_text="Slug de catégorie")
    work_date = serializers.DateField(help_text="Date des travaux, moins de 24 mois")
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        required=False,
        help_text="Jusqu'à 6 photos JPEG, PNG ou WebP de 10 Mo au plus",
    )

    def criteria(self) -> dict[str, int | None]:
        return {name: self.validated_data.get(field) for name, (field, _label) in CRITERIA.items()}


class ReviewSubmittedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    label = serializers.ChoiceField(choices=list(LABEL_NAMES))
    is_verified = serializers.BooleanField(help_text="Vérifié par Eldo (label verified)")
    email_confirmation_required = serializers.BooleanField()
    proof_token = serializers.CharField(
        help_text="Jeton de l'auteur pour joindre une facture ou un devis "
        "(POST /api/v1/reviews/{id}/proof/) ; à ne pas partager"
    )


class ProofInputSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=500, help_text="proof_token reçu au dépôt de l'avis (ou dans le lien)"
    )
    file = serializers.FileField(
        allow_empty_file=True, help_text="Facture ou devis : PDF, JPEG ou PNG, 10 Mo au plus"
    )


class ProofSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    review = serializers.IntegerField(source="review_id")
    status = serializers.ChoiceField(choices=["pending", "accepted", "rejected"])
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class ProofDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    note = serializers.CharField(required=False, allow_blank=True, help_text="Note interne")


class ReplyInputSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, help_text="2 à 3 000 caractères")


class ReplyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    review = serializers.IntegerField(source="review_id")
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class ReportInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    details = serializers.CharField(required=False, allow_blank=True)


class ReportOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    review = serializers.IntegerField(source="review_id")
    reason = serializers.CharField()
    review_status = serializers.CharField(source="review.status")


class ReportSerializer(serializers.Serializer):
    reason = serializers.CharField()
    reason_label = serializers.CharField(source="get_reason_display")
    details = serializers.CharField()
    from_pro = serializers.SerializerMethodField()
    from_competitor = serializers.BooleanField(
        help_text="Signalé par un membre d'un concurrent : l'avis reste affiché sans mention"
    )
    created_at = serializers.DateTimeField()

    def get_from_pro(self, obj) -> bool:
        return obj.organization_id is not None


class ModerationReviewSerializer(serializers.Serializer):
    """What a moderator needs to judge a review, the author's e-mail and checks included."""

    id = serializers.IntegerField()
    pro_id = serializers.IntegerField()
    pro = serializers.SerializerMethodField()
    status = serializers.CharField()
    source = serializers.CharField()
    label = serializers.CharField()
    rating = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    author_name = serializers.CharField()
    author_email = serializers.CharField()
    author_postcode = serializers.CharField()
    author_commune = serializers.CharField()
    work_category = serializers.CharField(source="work_category_slug")
    work_date = serializers.DateField()
    created_at = serializers.DateTimeField()
    email_confirmed = serializers.SerializerMethodField()
    checks = serializers.SerializerMethodField()
    reports = ReportSerializer(many=True)
    photos = serializers.SerializerMethodField()
    proofs = ProofSerializer(many=True, help_text="Justificatifs (privés, modérateurs seuls)")

    def get_pro(self, obj) -> str | None:
        pro = self.context.get("pros", {}).get(obj.pro_id)
        return pro.slug if pro else None

    def get_email_confirmed(self, obj) -> bool:
        return obj.email_confirmed_at is not None

    def get_checks(self, obj) -> list[dict]:
        return [
            {"code": code, "label": str(CHECK_LABELS.get(code, code))} for code in obj.check_flags
        ]

    def get_photos(self, obj) -> list[str]:
        return [_absolute(self.context, photo.image.url) for photo in obj.photos.all()]


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["publish", "reject"])
    reason = serializers.CharField(
        help_text="publish : "
        + ", ".join(DECISION_REASONS["publish"])
        + " ; reject : "
        + ", ".join(DECISION_REASONS["reject"])
    )
    note = serializers.CharField(required=False, allow_blank=True, help_text="Note interne")


class DecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class InvitationInputSerializer(serializers.Serializer):
    pro = serializers.CharField(
        required=False, allow_blank=True, help_text="Slug du pro, si vous en gérez plusieurs"
    )
    customer_name = serializers.CharField(allow_blank=True)
    customer_email = serializers.CharField(allow_blank=True)
    work_description = serializers.CharField(allow_blank=True)
    work_date = serializers.DateField()
    customer_phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text="Mobile français facultatif (06/07, +33 6/7) : l'invitation part aussi par "
        "SMS, pour un seul avis. Un autre numéro : 400 sur ce champ.",
    )


class ToolInvitationInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(
        allow_blank=True,
        max_length=100,
        help_text="Votre identifiant (numéro de facture, de devis…) : un second envoi avec le "
        "même identifiant renvoie l'invitation déjà créée (200) sans rien renvoyer au client.",
    )
    customer_name = serializers.CharField(allow_blank=True)
    customer_email = serializers.CharField(allow_blank=True, help_text="E-mail du client.")
    work_description = serializers.CharField(allow_blank=True)
    work_date = serializers.DateField()
    customer_phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text="Mobile français facultatif (06/07, +33 6/7) : l'invitation part aussi par "
        "SMS. Un autre numéro : 400 sur ce champ.",
    )


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pro = serializers.SerializerMethodField()
    customer_name = serializers.CharField()
    customer_email = serializers.CharField()
    work_description = serializers.CharField()
    work_date = serializers.DateField()
    status = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    reminders_sent = serializers.IntegerField()
    external_id = serializers.CharField()

    def get_pro(self, obj) -> str | None:
        pro = self.context.get("pros", {}).get(obj.pro_id)
        return pro.slug if pro else None

    def get_status(self, obj) -> str:
        return invitation_status(obj, opted_out=bool(getattr(obj, "opted_out", False)))

    def get_status_label(self, obj) -> str:
        return INVITATION_STATUS_LABELS[self.get_status(obj)]


class BulkInputSerializer(serializers.Serializer):
    pro = serializers.CharField(required=False, allow_blank=True)
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="CSV UTF-8 (ou Windows-1252), séparateur « , » ou « ; », colonnes "
        "customer_name, customer_email, work_description, work_date",
    )


class BulkSkippedSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    customer_email = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BulkReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    skipped = BulkSkippedSerializer(many=True)
    invitations = InvitationSerializer(many=True)


class FunnelSerializer(serializers.Serializer):
    invited = serializers.IntegerField()
    sent = serializers.IntegerField()
    opened = serializers.IntegerField()
    written = serializers.IntegerField()
    collection_rate = serializers.FloatField(help_text="Avis collectés / invitations envoyées")


class EmailEventSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=["bounce", "complaint"],
        help_text="`bounce` : rejet définitif (adresse inexistante) ; `complaint` : signalé "
        "comme spam. Les autres types sont ignorés.",
    )
    email = serializers.EmailField(help_text="L'adresse du destinataire.")
    invitation_id = serializers.IntegerField(
        required=False, help_text="L'invitation concernée, si le prestataire la connaît."
    )
    detail = serializers.CharField(required=False, help_text="Motif du prestataire (300 car.).")


class EmailEventsInputSerializer(serializers.Serializer):
    events = EmailEventSerializer(many=True, help_text="500 au plus par appel.")


class BrevoEventSerializer(serializers.Serializer):
    event = serializers.CharField(help_text="hard_bounce, invalid_email, spam… (autres : ignorés)")
    email = serializers.EmailField()
    reason = serializers.CharField(required=False)
    X_Mailin_custom = serializers.CharField(
        required=False, help_text="« invitation=<id> », repris de l'en-tête de l'e-mail."
    )


class EmailEventsResultSerializer(serializers.Serializer):
    recorded = serializers.IntegerField(help_text="Événements qui ont changé quelque chose.")
    ignored = serializers.IntegerField(
        help_text="Déjà connus, d'un autre type, ou sans adresse valide."
    )


class SmsEventSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="« stop » (autres : ignorés)")
    phone = serializers.CharField(help_text="Le numéro qui a répondu, E.164 ou 06…")


class SmsEventsInputSerializer(serializers.Serializer):
    events = SmsEventSerializer(many=True, help_text="500 au plus par appel.")
