from django import forms
from django.utils.translation import gettext_lazy as _


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    password = forms.CharField(
        label=_("Mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        max_length=256,
        help_text=_("10 caractères au moins, pas uniquement des chiffres."),
    )
