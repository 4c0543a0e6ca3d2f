"""Page forms. They parse and label; the services hold the rules and their French
messages, which ``errors_to_form`` places next to the right field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade
from apps.reviews.models import ReportReason
from apps.reviews.rules import CRITERIA, DECISION_REASONS, MAX_PHOTOS

directory: DirectoryFacade = facade("directory")

STARS = [
    (5, "5 – Excellent"),
    (4, "4 – Très bien"),
    (3, "3 – Correct"),
    (2, "2 – Décevant"),
    (1, "1 – Très mauvais"),
]
ACCEPTED_PICTURES = "image/jpeg,image/png,image/webp"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one field; each is checked and cleaned by the image pipeline."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_PICTURES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        return files


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Votre note globale"),
        choices=STARS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une note de 1 à 5.")},
    )
    title = forms.CharField(
        label=_("Titre de votre avis"),
        help_text=_(
            "Les travaux réalisés, par exemple « Réfection de la façade » (3 à 120 caractères)."
        ),
        widget=forms.TextInput(attrs={"maxlength": 120, "autocomplete": "off"}),
        strip=True,
    )
    body = forms.CharField(
        label=_("Votre avis"),
        help_text=_(
            "Racontez votre expérience : accueil, devis, déroulement du chantier, résultat "
            "(30 à 5 000 caractères)."
        ),
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": 5000}),
    )
    work_category = forms.ChoiceField(label=_("Catégorie de travaux"))
    work_date = forms.DateField(
        label=_("Date des travaux"),
        help_text=_("Les travaux doivent dater de moins de 24 mois."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    author_name = forms.CharField(
        label=_("Votre prénom"),
        help_text=_("Seul votre prénom est publié, jamais votre nom."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    author_email = forms.CharField(
        label=_("Votre adresse e-mail"),
        help_text=_("Jamais publiée : nous vous enverrons un lien pour confirmer votre avis."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    author_postcode = forms.CharField(
        label=_("Code postal du chantier"),
        help_text=_("Publié avec le nom de la commune."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 5}
        ),
    )
    photos = MultipleImageField(
        label=_("Photos du chantier"),
        required=False,
        help_text=_(
            "Jusqu'à %(max)s photos JPEG, PNG ou WebP de 10 Mo au plus. Leurs métadonnées "
            "(dont la position GPS) sont supprimées."
        )
        % {"max": MAX_PHOTOS},
    )
    certify = forms.BooleanField(
        label=_(
            "Je certifie que cet avis relate ma propre expérience avec cette entreprise et "
            "que je n'ai aucun lien avec elle."
        ),
        error_messages={"required": _("Cochez cette case pour déposer votre avis.")},
    )

    def __init__(self, *args, invited: bool = False, pro_category_slugs=(), **kwargs):
        super().__init__(*args, **kwargs)
        for model_field, label in CRITERIA.values():
            self.fields[model_field] = forms.TypedChoiceField(
                label=label,
                choices=[("", "—"), *STARS],
                coerce=int,
                empty_value=None,
                required=False,
            )
        # Criteria right after the overall rating.
        order = ["rating", *[f for f, _l in CRITERIA.values()]]
        self.order_fields(order + [f for f in self.fields if f not in order])
        if invited:
            del self.fields["author_email"]
        categories = directory.categories()
        first = [c for c in categories if c.slug in set(pro_category_slugs)]
        others = [c for c in categories if c.slug not in set(pro_category_slugs)]
        self.fields["work_category"].choices = [("", "—")] + [
            (c.slug, c.name) for c in first + others
        ]
        self.fields["work_category"].error_messages["invalid_choice"] = _(
            "Catégorie de travaux inconnue."
        )

    def criteria(self) -> dict[str, int | None]:
        return {name: self.cleaned_data.get(field) for name, (field, _l) in CRITERIA.items()}


def errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's field-keyed errors next to the form's fields (others on top)."""
    mapping = getattr(exc, "message_dict", None) or {None: exc.messages}
    for field, messages in mapping.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class InvitationForm(forms.Form):
    customer_name = forms.CharField(label=_("Nom du client"), max_length=150)
    customer_email = forms.CharField(
        label=_("E-mail du client"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    work_description = forms.CharField(
        label=_("Travaux réalisés"),
        help_text=_("Par exemple « Ravalement de façade » : rappelé dans l'e-mail."),
        max_length=300,
    )
    work_date = forms.DateField(
        label=_("Date des travaux"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    customer_phone = forms.CharField(
        label=_("Mobile du client (facultatif)"),
        required=False,
        max_length=30,
        help_text=_("06 ou 07 : l'invitation part aussi par SMS, pour un seul avis."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV de vos clients"),
        help_text=_(
            "Une ligne d'en-tête puis un client par ligne ; colonnes customer_name, "
            "customer_email, work_description, work_date (JJ/MM/AAAA ou AAAA-MM-JJ), "
            "customer_phone facultatif (mobile 06/07 : invitation aussi par SMS). "
            "Séparateur virgule ou point-virgule, 2 000 lignes au plus."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        allow_empty_file=True,
    )


class ProofForm(forms.Form):
    """The author's invoice or quote (checked by the service: format, size, PDF safety)."""

    file = forms.FileField(
        label=_("Votre facture ou votre devis"),
        help_text=_(
            "PDF, JPEG ou PNG, 10 Mo au plus. Seuls les modérateurs d'Eldo le verront : il "
            "n'est jamais publié ni transmis à l'entreprise."
        ),
        error_messages={"required": _("Joignez votre facture ou votre devis.")},
        allow_empty_file=True,
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Votre réponse publique"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 3000}),
        help_text=_("Elle s'affiche sous l'avis ; son auteur est prévenu par e-mail."),
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Motif du signalement"), choices=ReportReason.choices)
    details = forms.CharField(
        label=_("Précisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[("publish", _("Publier")), ("reject", _("Refuser"))],
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(
        label=_("Motif (communiqué à l'auteur)"),
        choices=[
            (
                _("Publication"),
                [(code, text) for code, text in DECISION_REASONS["publish"].items()],
            ),
            (_("Refus"), [(code, text) for code, text in DECISION_REASONS["reject"].items()]),
        ],
    )
    note = forms.CharField(
        label=_("Note interne"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
