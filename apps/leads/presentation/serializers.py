"""Serializers of the leads API: they parse and render, the services decide."""

from __future__ import annotations

from rest_framework import serializers

from apps.leads.models import DeclineReason, LeadStatus, LostReason
from apps.leads.services import AMOUNT_MAX, PRO_SETTABLE

STATUS_HELP = "One of: " + ", ".join(LeadStatus.values)
REASON_CODE_HELP = (
    "declined (required, or free words in `reason`): "
    + ", ".join(DeclineReason.values)
    + "; lost (optional): "
    + ", ".join(LostReason.values)
)
AMOUNT_ERRORS = {
    "invalid": "Saisissez un montant en euros, par exemple 12500.",
    "min_value": "Le montant ne peut pas être négatif.",
    "max_value": "Le montant ne peut pas dépasser 10 000 000 €.",
    "max_digits": "Le montant ne peut pas dépasser 10 000 000 €.",
    "max_whole_digits": "Le montant ne peut pas dépasser 10 000 000 €.",
    "max_decimal_places": "Deux décimales au plus (les centimes).",
    "max_string_length": "Saisissez un montant en euros, par exemple 12500.",
}


def _amount(**kwargs):
    return serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=0,
        max_value=AMOUNT_MAX,
        allow_null=True,
        error_messages=AMOUNT_ERRORS,
        **kwargs,
    )


class LeadProSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class LeadAssigneeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(
        allow_null=True, help_text="Only for members of the receiving company; null otherwise."
    )
    full_name = serializers.CharField()


class LeadContactSerializer(serializers.Serializer):
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    commune = serializers.CharField()
    address = serializers.CharField()
    callback_slot = serializers.CharField()


class LeadSummarySerializer(serializers.Serializer):
    """The advisor's qualification, handed to the pro (codes and their French labels; ""
    when unknown, e.g. for a network's lead)."""

    property_type = serializers.CharField(help_text="house, apartment, building, business, other")
    property_type_label = serializers.CharField()
    budget_range = serializers.CharField(help_text="lt_5k, 5k_15k, 15k_50k, gt_50k, unknown")
    budget_range_label = serializers.CharField()
    timeline = serializers.CharField(help_text="asap, 3_months, 6_months, later")
    timeline_label = serializers.CharField()
    callback_slot = serializers.CharField(
        help_text="Best time to call: any, morning, lunch, afternoon, evening"
    )
    callback_slot_label = serializers.CharField()
    postcode = serializers.CharField()
    commune = serializers.CharField()
    department = serializers.CharField()
    address = serializers.CharField(
        help_text="Street address of the works; only for the receiving organization (and staff)."
    )
    pro_note = serializers.CharField(help_text="Note pour l'artisan, written by the advisor.")


class LeadNoteSerializer(serializers.Serializer):
    author = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class LeadTransitionSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()


class LeadSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.CharField()
    reference = serializers.CharField()
    quote_id = serializers.IntegerField(allow_null=True)
    external_id = serializers.CharField()
    network_id = serializers.IntegerField(allow_null=True)
    organization_id = serializers.IntegerField()
    pro = LeadProSerializer(allow_null=True)
    category = serializers.CharField(source="category_slug")
    postcode = serializers.CharField()
    department = serializers.CharField(source="department_code")
    status = serializers.CharField(help_text=STATUS_HELP)
    reason = serializers.CharField()
    reason_code = serializers.CharField(help_text=REASON_CODE_HELP)
    quote_amount = _amount(help_text="Euros (decimal string), the quote the pro sent.")
    won_amount = _amount(help_text="Euros (decimal string), what the job was won for.")
    assigned_to = LeadAssigneeSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    viewed_at = serializers.DateTimeField(allow_null=True)
    contacted_at = serializers.DateTimeField(allow_null=True)
    appointment_at = serializers.DateTimeField(allow_null=True)
    quote_sent_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    contact_check = serializers.CharField(
        help_text=(
            "The homeowner's answer to \"L'artisan vous a-t-il contacté ?\", asked by e-mail "
            'LEADS_CONTACT_CHECK_HOURS after dispatch: "" (not asked yet), asked, yes, no '
            '("contact non confirmé": the advisor is alerted) or skipped (no e-mail, closed).'
        )
    )
    contact_check_answered_at = serializers.DateTimeField(allow_null=True)


class LeadDetailSerializer(LeadSerializer):
    description = serializers.CharField()
    summary = LeadSummarySerializer(help_text="The qualification summary (hand-off).")
    contact = LeadContactSerializer(
        allow_null=True, help_text="Only for the receiving organization (and Eldo staff)."
    )
    notes = LeadNoteSerializer(many=True)
    transitions = LeadTransitionSerializer(many=True)
    next_statuses = serializers.ListField(
        child=serializers.CharField(), help_text="The statuses a PATCH may move the lead to now."
    )


class LeadListFilterSerializer(serializers.Serializer):
    status = serializers.CharField(required=False, help_text=STATUS_HELP)
    assigned_to = serializers.CharField(
        required=False, help_text="A user id, or `none` for unassigned leads."
    )

    def validate_status(self, value: str) -> str:
        if value not in LeadStatus.values:
            raise serializers.ValidationError("Statut inconnu.")
        return value

    def validate_assigned_to(self, value: str):
        if value == "none":
            return value
        if not value.isdigit():
            raise serializers.ValidationError("Identifiant d'utilisateur ou « none ».")
        return int(value)


class LeadUpdateSerializer(serializers.Serializer):
    status = serializers.CharField(
        required=False, help_text="One of: " + ", ".join(str(s) for s in PRO_SETTABLE)
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Free words; for declined/lost, a `reason_code` may be given instead.",
    )
    reason_code = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text=REASON_CODE_HELP
    )
    quote_amount = _amount(
        required=False,
        help_text="Euros, 0 to 10,000,000, with status quote_sent (or won/lost); alone, it "
        "corrects the amount of a lead already at that step.",
    )
    won_amount = _amount(required=False, help_text="Euros, 0 to 10,000,000, with status won.")
    assigned_to = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class ReassignSerializer(serializers.Serializer):
    pro = serializers.SlugField(
        required=False, allow_blank=True, help_text="Slug; default: best match."
    )


class InboundLeadSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    category = serializers.SlugField()
    postcode = serializers.RegexField(r"^\d{5}$")
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=20)
    description = serializers.CharField(min_length=10, max_length=5000)
    network = serializers.IntegerField(
        required=False, help_text="Organization id, when the account manages several networks."
    )


class InboundLeadResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    external_id = serializers.CharField()
    status = serializers.CharField()
    pro = LeadProSerializer(allow_null=True)
    created = serializers.BooleanField()
