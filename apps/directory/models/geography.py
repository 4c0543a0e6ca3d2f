"""French administrative geography: regions, départements, communes and their postcodes.

Loaded from the dataset shipped in ``apps/directory/data/`` by ``load_geography``; never
edited by hand. Read it through ``apps.directory.geography``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CoordinatesSource(models.TextChoices):
    """How a commune's coordinates were found (see docs/data-sources.md)."""

    GEONAMES = "geonames", _("GeoNames (nom de la commune)")
    GEONAMES_FORMER = "geonames_former", _("GeoNames (ancien nom)")
    POSTCODE = "postcode", _("commune principale du code postal")
    EPCI = "epci", _("commune principale de l'intercommunalité")
    ARRONDISSEMENT = "arrondissement", _("chef-lieu d'arrondissement")
    DEPARTMENT = "department", _("chef-lieu du département")
    REGION = "region", _("chef-lieu de la région")


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A département, or an overseas collectivité with its own code (975, 987…)."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(_("identifiant"), max_length=100, unique=True)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("région")
    )

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    """A commune, or a municipal arrondissement of Paris, Lyon or Marseille (with `parent`)."""

    insee_code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    # Lowercase, unaccented, punctuation as spaces: what autocomplete matches prefixes on.
    search_name = models.CharField(_("nom normalisé"), max_length=100, db_index=True)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="communes",
        verbose_name=_("département"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="arrondissements",
        verbose_name=_("commune de rattachement"),
    )
    population = models.PositiveIntegerField(_("population"), default=0)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    coordinates_source = models.CharField(
        _("origine des coordonnées"), max_length=20, choices=CoordinatesSource.choices
    )

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="directory_commune_latlon")]

    def __str__(self) -> str:
        return f"{self.name} ({self.department_id})"


class PostalCode(models.Model):
    code = models.CharField(_("code postal"), max_length=5, db_index=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="postal_codes", verbose_name=_("commune")
    )

    class Meta:
        verbose_name = _("code postal")
        verbose_name_plural = _("codes postaux")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "commune"], name="directory_postalcode_unique")
        ]

    def __str__(self) -> str:
        return self.code
