"""Search parameters, shared by the page (French messages) and the API (field errors)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.directory.brands import brand_refs_by_slugs
from apps.directory.contracts import BrandRef
from apps.directory.models import Category, CertificationKind
from apps.directory.query import query_understand
from apps.directory.search import (
    ORDERINGS,
    Place,
    PlaceResolution,
    SearchCriteria,
    category_descendant_ids,
    place_resolution,
)

ORDERING_LABELS = {
    "relevance": _("Pertinence"),
    "score": _("Meilleure note (pondérée)"),
    "reviews": _("Nombre d'avis"),
    "rating": _("Note moyenne"),
    "distance": _("Distance"),
}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Recherche"), required=False, max_length=200, strip=True)
    category = forms.ChoiceField(
        label=_("Catégorie"),
        required=False,
        error_messages={"invalid_choice": _("Catégorie inconnue.")},
    )
    place = forms.CharField(
        label=_("Lieu (code postal, commune ou département)"), required=False, max_length=100
    )
    postcode = forms.RegexField(
        label=_("Code postal"),
        regex=r"^\d{5}$",
        required=False,
        error_messages={"invalid": _("Un code postal compte 5 chiffres.")},
    )
    department = forms.RegexField(
        label=_("Département"),
        regex=r"^(\d{2}|2[ABab]|97\d)$",
        required=False,
        error_messages={"invalid": _("Code de département inconnu (ex. 31, 2A, 974).")},
    )
    min_rating = forms.DecimalField(
        label=_("Note minimale"),
        required=False,
        min_value=0,
        max_value=5,
        decimal_places=1,
    )
    certification = forms.ChoiceField(
        label=_("Label"),
        required=False,
        choices=[("", _("Tous")), *list(CertificationKind.choices)],
    )
    verified = forms.BooleanField(label=_("Entreprises vérifiées uniquement"), required=False)
    # Set from a brand's page ("Voir tous ses installateurs"); shown as a notice, not a field.
    brand = forms.SlugField(
        label=_("Marque"),
        required=False,
        max_length=120,
        error_messages={"invalid": _("Marque inconnue.")},
    )
    ordering = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[("", _("Par défaut"))] + [(o, ORDERING_LABELS[o]) for o in ORDERINGS],
    )

    def __init__(self, *args, known_places: dict[str, Place] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Places the caller already resolved (a landing page's commune), by their text.
        self._known_places = known_places or {}
        # What the free-text box was understood to say, and the other places an
        # ambiguous name may mean ("Aix"): shown above the results.
        self.understood_category: Category | None = None
        self.understood_place: Place | None = None
        self.place_alternatives: tuple[Place, ...] = ()
        self._categories = {
            c.slug: c for c in Category.objects.filter(is_active=True).order_by("position", "name")
        }
        self.fields["category"].choices = [("", _("Toutes les catégories"))] + [
            (c.slug, f"— {c.name}" if c.parent_id else c.name) for c in self._categories.values()
        ]

    @property
    def active_count(self) -> int:
        """How many filters the homeowner set (the "Filtres (n)" of a phone)."""
        return sum(1 for name in self.fields if name != "ordering" and self.data.get(name))

    def clean_q(self) -> str:
        # Control characters and NUL bytes carry no meaning in a search.
        return "".join(ch for ch in self.cleaned_data["q"] if ch.isprintable())

    def clean_category(self) -> Category | None:
        slug = self.cleaned_data["category"]
        return self._categories.get(slug) if slug else None

    @property
    def selected_brand(self) -> BrandRef | None:
        """The brand the results are filtered by (a valid ``brand``), else None."""
        if not self.is_bound or "brand" in self.errors:
            return None
        return getattr(self, "cleaned_data", {}).get("brand")

    def clean_brand(self) -> BrandRef | None:
        slug = self.cleaned_data["brand"]
        if not slug:
            return None
        brand = brand_refs_by_slugs([slug]).get(slug)
        if brand is None:
            raise forms.ValidationError(_("Marque inconnue."))
        return brand

    def active_categories(self) -> list[Category]:
        """The active categories the choices were made of (no query)."""
        return list(self._categories.values())

    def active_category(self, slug: str) -> Category | None:
        """An active category by slug, from the choices already loaded (no query)."""
        return self._categories.get(slug)

    def _resolve(self, field: str, value: str) -> Place | None:
        known = self._known_places.get(value)
        resolution = PlaceResolution(known) if known else place_resolution(value)
        place = resolution.place
        self.place_alternatives = resolution.alternatives
        if place is None:
            raise forms.ValidationError(
                {
                    field: _(
                        "Lieu introuvable : indiquez un code postal, une commune ou un département."
                    )
                }
            )
        return place

    def clean(self):
        data = super().clean()
        place: Place | None = None
        for field in ("postcode", "department", "place"):
            value = data.get(field)
            if value and place is None and field not in self.errors:
                place = self._resolve(field, value)
        if data.get("q") and not self.errors:
            # One box: "toiture lyon" is the trade Toiture at Lyon (69); the words left
            # (a company's name) are searched as text.
            understood = query_understand(data["q"])
            category = self._categories.get(understood.category)
            used = False
            if category is not None and data.get("category") is None:
                data["category"] = self.understood_category = category
                used = True
            if understood.place is not None and place is None:
                place = self.understood_place = understood.place
                self.place_alternatives = understood.alternatives
                used = True
            if used:
                data["q"] = understood.rest
        data["resolved_place"] = place
        return data

    def criteria(self) -> SearchCriteria:
        data = self.cleaned_data
        category = data.get("category")
        return SearchCriteria(
            q=data.get("q") or "",
            category=category,
            category_ids=tuple(category_descendant_ids(category, self._categories.values()))
            if category
            else (),
            place=data.get("resolved_place"),
            min_rating=float(data["min_rating"]) if data.get("min_rating") is not None else None,
            certification=data.get("certification") or "",
            verified=bool(data.get("verified")),
            ordering=data.get("ordering") or "",
            brand_organization_id=brand.organization_id if (brand := data.get("brand")) else None,
        )
