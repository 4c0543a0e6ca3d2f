"""API shapes of the quotes context. They parse and render; the services decide."""

from __future__ import annotations

from rest_framework import serializers

from apps.quotes.models import (
    BudgetRange,
    CallbackSlot,
    CallOutcome,
    PropertyType,
    QuoteKind,
    QuoteStatus,
    RejectionReason,
    Timeline,
)
from apps.quotes.services import CONSENT_TEXT


def _choice(choices, **kwargs):
    return serializers.ChoiceField(
        choices=choices.choices, required=False, allow_blank=True, **kwargs
    )


def _text(max_length: int, **kwargs):
    return serializers.CharField(required=False, allow_blank=True, max_length=max_length, **kwargs)


class QuoteSubmitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=QuoteKind.choices,
        default=QuoteKind.QUOTE,
        help_text="`quote` (devis, par défaut) ou `callback` (rappel par un conseiller).",
    )
    category = _text(80, help_text="Slug de la catégorie de travaux (obligatoire pour un devis).")
    description = _text(10_000, help_text="Description du projet, 20 à 5 000 caractères (devis).")
    postcode = serializers.CharField(max_length=10, help_text="Code postal des travaux.")
    commune = _text(100, help_text="Commune (nom ou code INSEE) si le code postal en a plusieurs.")
    address = _text(200)
    first_name = serializers.CharField(max_length=100)
    last_name = _text(100)
    email = serializers.CharField(max_length=320)
    phone = serializers.CharField(
        max_length=40, help_text="Numéro français, fixe ou mobile, forme 0… ou +33…"
    )
    consent = serializers.BooleanField(
        default=False,
        help_text=f"Doit valoir true : le particulier accepte ce texte, conservé avec la "
        f"demande. « {CONSENT_TEXT} »",
    )
    budget_range = _choice(BudgetRange)
    timeline = _choice(Timeline)
    property_type = _choice(PropertyType)
    callback_slot = _choice(CallbackSlot)
    pro = _text(200, help_text="Slug de l'artisan visé (demande depuis son profil).")
    brand = _text(
        120,
        help_text="Slug d'une marque publiée (/marques/{slug}/) : la demande est transmise à un "
        "de ses installateurs certifiés du secteur, selon les règles de la marque.",
    )


class QuoteCreatedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=QuoteStatus.choices)
    kind = serializers.ChoiceField(choices=QuoteKind.choices)
    status_url = serializers.URLField(help_text="Page de suivi signée, pour le particulier.")


class AdvisorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class QuoteListSerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    category = serializers.CharField(source="category_slug")
    postcode = serializers.CharField()
    commune = serializers.CharField(source="commune_name")
    department = serializers.CharField(source="department_code")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    phone = serializers.CharField()
    callback_slot = serializers.CharField()
    next_call_at = serializers.DateTimeField(allow_null=True)
    failed_calls = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    assigned_to = AdvisorSerializer(allow_null=True)
    possible_duplicate_of = serializers.CharField(
        source="possible_duplicate_of.reference",
        allow_null=True,
        default=None,
        help_text="Référence d'une demande récente au même e-mail ou au même téléphone "
        "(« doublon possible ») : au conseiller de voir.",
    )


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    outcome = serializers.CharField()
    notes = serializers.CharField()
    next_call_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    advisor = AdvisorSerializer(allow_null=True)


class TransitionSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    actor = AdvisorSerializer(allow_null=True)


class DispatchedProSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pro_id")
    slug = serializers.CharField(source="pro_slug")
    name = serializers.CharField(source="pro_name")


class QuoteDetailSerializer(QuoteListSerializer):
    description = serializers.CharField()
    commune_insee = serializers.CharField()
    address = serializers.CharField()
    budget_range = serializers.CharField()
    timeline = serializers.CharField()
    property_type = serializers.CharField()
    pro_note = serializers.CharField(help_text="Note pour l'artisan (sent with the leads).")
    email = serializers.CharField()
    pro = serializers.CharField(source="target_pro_slug")
    channel = serializers.CharField()
    consent_text = serializers.CharField()
    consent_at = serializers.DateTimeField()
    rejection_reason = serializers.CharField()
    rejection_note = serializers.CharField()
    merged_submissions = serializers.IntegerField(
        help_text="Nouveaux envois de la même personne rattachés à cette demande (notes)."
    )
    attached_to = serializers.CharField(
        source="attached_to.reference",
        allow_null=True,
        default=None,
        help_text="Pour un accusé de réception fermé : la demande à laquelle cet envoi a "
        "été rattaché.",
    )
    notes = NoteSerializer(many=True)
    claimed_at = serializers.DateTimeField(allow_null=True)
    qualified_at = serializers.DateTimeField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    anonymised_at = serializers.DateTimeField(allow_null=True)
    calls = CallSerializer(many=True)
    transitions = TransitionSerializer(many=True)
    dispatched_pros = DispatchedProSerializer(many=True, source="dispatches")


class QuoteListFilterSerializer(serializers.Serializer):
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=QuoteStatus.choices),
        required=False,
        help_text="Statut(s), répétable ; par défaut les demandes à traiter "
        "(new, in_qualification, qualified).",
    )
    category = serializers.SlugField(required=False, max_length=80)
    department = serializers.RegexField(
        r"^(\d{2}|2[ABab]|97\d)$",
        required=False,
        error_messages={"invalid": "Code de département inconnu (ex. 31, 2A, 974)."},
    )
    mine = serializers.BooleanField(required=False, default=False)
    q = serializers.CharField(required=False, max_length=100)


class CallInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallOutcome.choices)
    notes = _text(2_000)
    next_call_at = serializers.DateTimeField(required=False, allow_null=True)


class QualifyInputSerializer(serializers.Serializer):
    category = _text(80)
    description = _text(10_000)
    postcode = _text(10)
    commune = _text(100)
    address = _text(200)
    budget_range = _choice(BudgetRange)
    timeline = _choice(Timeline)
    property_type = _choice(PropertyType)
    first_name = _text(100)
    last_name = _text(100)
    email = _text(320)
    phone = _text(40)
    callback_slot = _choice(CallbackSlot)
    pro_note = _text(
        1_000,
        help_text="Note pour l'artisan: shown to the pros who receive the request (the call "
        "notes stay internal).",
    )


class RejectInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=RejectionReason.choices)
    note = _text(1_000)


class DispatchInputSerializer(serializers.Serializer):
    pros = serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=10,
        help_text="Slugs des artisans choisis (trois au plus), parmi les suggestions.",
    )


class MatchProSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    commune = serializers.CharField(source="commune_name")
    postcode = serializers.CharField()
    department = serializers.CharField(source="department_code")


class MatchSerializer(serializers.Serializer):
    pro = MatchProSerializer(source="match.pro")
    score = serializers.FloatField(source="match.score")
    rating_average = serializers.FloatField(source="match.rating_average")
    review_count = serializers.IntegerField(source="match.review_count")
    distance_km = serializers.FloatField(source="match.distance_km", allow_null=True)
    monthly_lead_cap = serializers.IntegerField(
        source="match.monthly_lead_cap",
        help_text="Plafond mensuel de l'artisan ; la capacité restante est calculée par le "
        "contexte leads à la transmission.",
    )
    reasons = serializers.ListField(child=serializers.CharField(), source="match.reasons")
    requested_by_homeowner = serializers.BooleanField()
    chosen = serializers.BooleanField()
