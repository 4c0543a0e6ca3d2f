"""Validators for French company data."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# La Poste's establishments share SIREN 356000000 and follow their own checksum rule.
LA_POSTE_SIREN = "356000000"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_is_valid(value: str) -> bool:
    siret = value.replace(" ", "")
    if len(siret) != 14 or not siret.isdigit():
        return False
    if siret.startswith(LA_POSTE_SIREN) and siret != "35600000000048":
        return sum(int(c) for c in siret) % 5 == 0
    return luhn_valid(siret)


def validate_siret(value: str) -> None:
    if value and not siret_is_valid(value):
        raise ValidationError(
            _("Numéro SIRET invalide : 14 chiffres dont la clé de contrôle doit être juste."),
            code="invalid_siret",
        )


def siret_with_checksum(prefix13: str) -> str:
    """Complete 13 digits into a valid SIRET (demo data and tests)."""
    for last in "0123456789":
        if luhn_valid(prefix13 + last):
            return prefix13 + last
    raise ValueError(prefix13)
