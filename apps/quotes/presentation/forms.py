"""Forms of the quote pages. They parse and give French messages next to each field; the
services (the same ones the API calls) re-check everything and have the last word."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.directory import api as directory
from apps.quotes import validators
from apps.quotes.models import (
    BudgetRange,
    CallbackSlot,
    CallOutcome,
    PropertyType,
    QuoteStatus,
    RejectionReason,
    Timeline,
)
from apps.quotes.services import CONSENT_TEXT

REQUIRED = {"required": _("Ce champ est obligatoire.")}


def category_choices(blank_label, categories=None) -> list[tuple[str, str]]:
    categories = directory.categories() if categories is None else categories
    return [("", blank_label)] + [
        (c.slug, f"— {c.name}" if c.parent_slug else c.name) for c in categories
    ]


CHOOSE = _("Choisissez…")


def _blank(choices) -> list[tuple[str, str]]:
    return [("", CHOOSE), *choices.choices]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's field errors next to the form's fields (others above the form)."""
    for field, messages in error.message_dict.items():
        target = field if field in form.fields and not form.fields[field].widget.is_hidden else None
        for message in messages:
            form.add_error(target, message)


class HomeownerFieldsMixin:
    """Checks shared by the quote and callback forms (same messages as the services)."""

    def clean_phone(self) -> str:
        return validators.phone_normalise(self.cleaned_data.get("phone", ""))

    def clean_postcode(self) -> str:
        return validators.postcode_clean(self.cleaned_data.get("postcode", ""))

    def clean_consent(self) -> bool:
        if not self.cleaned_data.get("consent"):
            raise ValidationError(
                _("Vous devez accepter d'être recontacté(e) pour envoyer votre demande.")
            )
        return True


def _contact_fields() -> dict[str, forms.Field]:
    return {
        "first_name": forms.CharField(
            label=_("Prénom"),
            max_length=100,
            error_messages={"required": _("Indiquez votre prénom.")},
            widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        ),
        "last_name": forms.CharField(
            label=_("Nom"),
            max_length=100,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
        ),
        "email": forms.CharField(
            label=_("Adresse e-mail"),
            max_length=254,
            help_text=_("Pour vous envoyer la confirmation et le lien de suivi."),
            error_messages={"required": _("Indiquez votre adresse e-mail.")},
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        ),
        "phone": forms.CharField(
            label=_("Téléphone"),
            max_length=40,
            help_text=_("Fixe ou mobile, par exemple 06 12 34 56 78."),
            error_messages={"required": _("Indiquez un numéro où vous joindre.")},
            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        ),
        "callback_slot": forms.ChoiceField(
            label=_("Quand préférez-vous être appelé(e) ?"),
            choices=CallbackSlot.choices,
            initial=CallbackSlot.ANY,
            required=False,
            widget=forms.RadioSelect,
        ),
        "consent": forms.BooleanField(label=CONSENT_TEXT, required=False),
        # The honeypot: hidden from people (and from assistive technology), filled by bots.
        "website": forms.CharField(
            label=_("Ne remplissez pas ce champ"),
            required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        ),
    }


class QuoteRequestForm(HomeownerFieldsMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("Type de travaux"),
        error_messages={
            "required": _("Choisissez le type de travaux."),
            "invalid_choice": _("Type de travaux inconnu."),
        },
    )
    description = forms.CharField(
        label=_("Décrivez votre projet"),
        help_text=_("Les travaux souhaités, la surface, l'état actuel… (20 à 5 000 caractères)."),
        max_length=validators.DESCRIPTION_MAX,
        error_messages={
            "required": _("Décrivez votre projet en quelques phrases."),
            "max_length": _("La description ne peut pas dépasser 5 000 caractères."),
        },
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    postcode = forms.CharField(
        label=_("Code postal des travaux"),
        max_length=10,
        error_messages={"required": _("Indiquez le code postal des travaux.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    commune = forms.CharField(
        label=_("Commune"),
        max_length=100,
        required=False,
        help_text=_("Utile si plusieurs communes partagent ce code postal."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    property_type = forms.ChoiceField(
        label=_("Type de bien"), choices=_blank(PropertyType), required=False
    )
    budget_range = forms.ChoiceField(
        label=_("Budget envisagé"), choices=_blank(BudgetRange), required=False
    )
    timeline = forms.ChoiceField(
        label=_("Quand souhaitez-vous réaliser les travaux ?"),
        choices=_blank(Timeline),
        required=False,
    )
    pro = forms.CharField(required=False, widget=forms.HiddenInput)
    brand = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)

    PROJECT_FIELDS = (
        "category",
        "description",
        "postcode",
        "commune",
        "property_type",
        "budget_range",
        "timeline",
    )
    CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "callback_slot")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_contact_fields())
        self.fields["category"].choices = category_choices(_("Choisissez…"))

    def clean(self):
        data = super().clean()
        if "category" in self.errors and not self.data.get("category"):
            # "Une fuite sur le toit": the trade suggested from the description, selected
            # in the form shown again; the homeowner confirms it by sending.
            slug = directory.category_suggest(self.data.get("description", ""))
            names = dict(self.fields["category"].choices)
            if slug and slug in names:
                self.data = self.data.copy()
                self.data["category"] = slug
                self.errors["category"] = self.error_class(
                    [
                        _(
                            "Choisissez le type de travaux : d'après votre description,"
                            " « %(name)s », sélectionné ci-dessus ; vérifiez puis envoyez."
                        )
                        % {"name": names[slug].lstrip("— ")}
                    ]
                )
        return data

    def clean_description(self) -> str:
        return validators.description_clean(self.cleaned_data["description"], required=True)


class CallbackRequestForm(HomeownerFieldsMixin, forms.Form):
    postcode = forms.CharField(
        label=_("Code postal"),
        max_length=10,
        error_messages={"required": _("Indiquez votre code postal.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    category = forms.ChoiceField(
        label=_("Type de travaux"),
        required=False,
        error_messages={"invalid_choice": _("Type de travaux inconnu.")},
    )
    description = forms.CharField(
        label=_("Votre message"),
        help_text=_("Quelques mots sur votre projet, si vous le souhaitez."),
        required=False,
        max_length=validators.DESCRIPTION_MAX,
        error_messages={"max_length": _("Votre message ne peut pas dépasser 5 000 caractères.")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    PROJECT_FIELDS = ("postcode", "category", "description")
    CONTACT_FIELDS = ("first_name", "last_name", "phone", "email", "callback_slot")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_contact_fields())
        self.fields["category"].choices = category_choices(_("Je ne sais pas encore"))


# --- Advisor console ---------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("À traiter")), *QuoteStatus.choices, ("all", _("Toutes"))]

    status = forms.ChoiceField(label=_("Statut"), required=False)
    category = forms.ChoiceField(
        label=_("Type de travaux"),
        required=False,
        error_messages={"invalid_choice": _("Type de travaux inconnu.")},
    )
    department = forms.RegexField(
        label=_("Département"),
        regex=r"^(\d{2}|2[ABab]|97\d)$",
        required=False,
        max_length=3,
        error_messages={"invalid": _("Code de département inconnu (ex. 31, 2A, 974).")},
    )
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        help_text=_("Référence, nom, e-mail ou téléphone."),
    )
    mine = forms.BooleanField(label=_("Mes demandes uniquement"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = self.STATUS_CHOICES
        categories = directory.categories()
        self.fields["category"].choices = category_choices(_("Toutes"), categories)
        # slug → name for the queue's rows, from the same single read as the choices.
        self.category_names = {c.slug: c.name for c in categories}


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Résultat de l'appel"),
        choices=CallOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le résultat de l'appel.")},
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_call_at = forms.DateTimeField(
        label=_("Rappeler le"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Facultatif : sinon, dans le prochain créneau du particulier."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Saisissez une date et une heure valides.")},
    )

    def clean_next_call_at(self) -> datetime | None:
        value = self.cleaned_data.get("next_call_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class QualifyForm(HomeownerFieldsMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("Type de travaux"),
        error_messages={
            "required": _("Choisissez le type de travaux."),
            "invalid_choice": _("Type de travaux inconnu."),
        },
    )
    description = forms.CharField(
        label=_("Description du projet"),
        max_length=validators.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=REQUIRED,
    )
    postcode = forms.CharField(label=_("Code postal"), max_length=10, error_messages=REQUIRED)
    commune = forms.CharField(label=_("Commune"), max_length=100, required=False)
    address = forms.CharField(label=_("Adresse des travaux"), max_length=200, required=False)
    property_type = forms.ChoiceField(
        label=_("Type de bien"), choices=_blank(PropertyType), required=False
    )
    budget_range = forms.ChoiceField(
        label=_("Budget"),
        choices=_blank(BudgetRange),
        error_messages={"required": _("Le budget est nécessaire pour qualifier la demande.")},
    )
    timeline = forms.ChoiceField(
        label=_("Délai"),
        choices=_blank(Timeline),
        error_messages={"required": _("Le délai est nécessaire pour qualifier la demande.")},
    )
    first_name = forms.CharField(label=_("Prénom"), max_length=100, error_messages=REQUIRED)
    last_name = forms.CharField(label=_("Nom"), max_length=100, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, error_messages=REQUIRED)
    phone = forms.CharField(label=_("Téléphone"), max_length=40, error_messages=REQUIRED)
    pro_note = forms.CharField(
        label=_("Note pour l'artisan"),
        help_text=_(
            "Transmise aux artisans choisis avec le projet (accès, contraintes, attentes du "
            "client). Vos notes d'appel restent internes à Eldo."
        ),
        max_length=1_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("1000 caractères au maximum.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(_("Choisissez…"))

    def clean_description(self) -> str:
        return validators.description_clean(self.cleaned_data["description"], required=True)


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif"),
        choices=_blank(RejectionReason),
        error_messages={"required": _("Choisissez un motif de refus.")},
    )
    note = forms.CharField(
        label=_("Précision pour le particulier"),
        required=False,
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Envoyée par e-mail avec le motif (sauf pour une demande frauduleuse)."),
    )


class DispatchForm(forms.Form):
    pros = forms.MultipleChoiceField(
        label=_("Artisans à qui transmettre (trois au plus)"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins un artisan."),
            "invalid_choice": _("Cet artisan ne fait pas partie des suggestions."),
        },
    )

    def __init__(self, *args, suggestions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pros"].choices = [(s.match.pro.slug, s.match.pro.name) for s in suggestions]

    def clean_pros(self) -> list[str]:
        pros = self.cleaned_data["pros"]
        if len(pros) > 3:
            raise ValidationError(
                _("Choisissez trois artisans au plus (%(count)d choisis).") % {"count": len(pros)}
            )
        return pros
