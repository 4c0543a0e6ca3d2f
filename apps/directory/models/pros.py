from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import validate_siret
from .categories import Category
from .geography import Commune, Department


class CertificationKind(models.TextChoices):
    RGE = "rge", "RGE"
    QUALIBAT = "qualibat", "Qualibat"
    QUALIFELEC = "qualifelec", "Qualifelec"
    QUALIPAC = "qualipac", "QualiPAC"
    QUALISOL = "qualisol", "QualiSol"
    QUALIPV = "qualipv", "QualiPV"
    QUALIBOIS = "qualibois", "QualiBois"
    HANDIBAT = "handibat", "Handibat"
    QUALIGAZ = "qualigaz", "Qualigaz"
    ECO_ARTISAN = "eco-artisan", "Eco Artisan"


class ProProfile(models.Model):
    """A company's public profile. Its organization lives in accounts (identity kernel), kept
    by id: ``handlers.forget_organization`` removes the profile when it is deleted."""

    organization_id = models.BigIntegerField(_("organisation"), unique=True)
    name = models.CharField(_("raison sociale"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=200, unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    description = models.TextField(_("présentation"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="pros/logos/", blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="pros", verbose_name=_("commune")
    )
    postcode = models.CharField(_("code postal"), max_length=5)
    # Copied from the commune so that distance filters need no join.
    latitude = models.FloatField()
    longitude = models.FloatField()
    service_radius_km = models.PositiveSmallIntegerField(
        _("rayon d'intervention (km)"), null=True, blank=True
    )
    service_departments = models.ManyToManyField(
        Department, blank=True, related_name="+", verbose_name=_("départements couverts")
    )
    categories = models.ManyToManyField(Category, related_name="pros", verbose_name=_("métiers"))
    year_founded = models.PositiveSmallIntegerField(_("année de création"), null=True, blank=True)
    headcount = models.PositiveSmallIntegerField(_("effectif"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    website = models.URLField(_("site web"), blank=True)
    is_verified = models.BooleanField(_("entreprise vérifiée"), default=False)
    # The median time to a first contact on the leads Eldo sent, kept by the leads context
    # (directory.api.pro_response_time_store); empty until there are enough leads to say.
    response_minutes = models.PositiveIntegerField(
        _("délai de réponse habituel (minutes)"), null=True, blank=True, editable=False
    )
    is_published = models.BooleanField(_("profil publié"), default=True)
    # Created through the pro sign-up: unpublished until its identity check is verified
    # (apps/directory/signup.py; identity_flags_sync publishes it then, once).
    awaiting_vetting = models.BooleanField(_("en attente de vérification"), default=False)
    monthly_lead_cap = models.PositiveSmallIntegerField(
        _("plafond mensuel de demandes"), default=20
    )
    # Folded (lowercase, unaccented) name, and name + trades + description: the portable
    # search text. PostgreSQL also keeps a weighted tsvector (see migrations).
    # The pro's id in the PHP monolith it was imported from (manage.py import_legacy).
    legacy_id = models.CharField(max_length=40, null=True, blank=True, unique=True, editable=False)
    search_name = models.CharField(max_length=200, blank=True, editable=False)
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profil pro")
        verbose_name_plural = _("profils pro")
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="pro_coords_idx"),
            models.Index(fields=["is_published", "commune"], name="pro_published_commune_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ProNetwork(models.Model):
    """A network or manufacturer (an accounts organization, by id) the pro belongs to or is
    certified by; only Eldo staff set them (the admin). The table and its columns are those
    of the many-to-many field it replaces."""

    pro = models.ForeignKey(
        ProProfile,
        on_delete=models.CASCADE,
        related_name="network_links",
        db_column="proprofile_id",
    )
    network_id = models.BigIntegerField(
        _("réseau ou marque"), db_column="organization_id", db_index=True
    )

    class Meta:
        db_table = "directory_proprofile_networks"
        verbose_name = _("réseau ou marque")
        verbose_name_plural = _("réseaux et marques")
        unique_together = [("pro", "network_id")]

    def __str__(self) -> str:
        return f"{self.pro_id} → {self.network_id}"


class ProRating(models.Model):
    """Rating aggregates, written by the reviews context through directory.api only."""

    pro = models.OneToOneField(
        ProProfile, on_delete=models.CASCADE, related_name="rating", primary_key=True
    )
    average = models.DecimalField(max_digits=2, decimal_places=1, default=0)
    count = models.PositiveIntegerField(default=0, db_index=True)
    histogram = models.JSONField(default=dict)  # {"1": n, …, "5": n}
    criteria = models.JSONField(default=dict)  # {"quality": 4.6, …}
    score = models.FloatField(default=0, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("note agrégée")
        verbose_name_plural = _("notes agrégées")

    def __str__(self) -> str:
        return f"{self.average} ({self.count} avis)"


class ProLeadLoad(models.Model):
    """How many leads a pro received this month, and when it was last served.

    Written by the leads context through directory.api only (the directory never reads
    lead rows); read by matching to skip pros at capacity and to serve equals fairly.
    """

    pro = models.OneToOneField(
        ProProfile, on_delete=models.CASCADE, related_name="lead_load", primary_key=True
    )
    month = models.DateField()  # first day of the month counted
    leads_this_month = models.PositiveIntegerField(default=0)
    last_served_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("charge de demandes")
        verbose_name_plural = _("charges de demandes")

    def __str__(self) -> str:
        return f"{self.leads_this_month} ({self.month:%m/%Y})"


class ProPhoto(models.Model):
    pro = models.ForeignKey(ProProfile, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="pros/photos/")
    thumbnail = models.ImageField(upload_to="pros/thumbs/", blank=True)
    caption = models.CharField(_("légende"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    uploaded_by_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class ProCoverage(models.Model):
    """Search index: the (trade, département) pairs a pro may serve, derived from its trades,
    its covered départements and, for a service radius, every département the circle
    reaches. Rebuilt by ``services.pro_search_index_refresh``; never edited by hand.

    A row with no trade stands for the pro in that département whatever the trade (a search
    by place only). The rows are a superset: the search still checks the exact distance, so
    a place search reads the few hundred candidate pros instead of every pro of the trade.
    """

    pro = models.ForeignKey(ProProfile, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["category", "department", "pro"], name="pro_coverage_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pro_id} → {self.department_id} / {self.category_id or '*'}"
