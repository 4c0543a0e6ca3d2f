from django.db import models
from django.utils.translation import gettext_lazy as _

from .categories import Category


class Brand(models.Model):
    """A manufacturer's public page (/marques/<slug>/). The brand itself is an organization
    of kind "manufacturer" in accounts (its managers, its API keys, its routing rules); its
    certified installers are the pros linked to that organization (``ProNetwork``),
    which only Eldo staff set (the admin), never the pro itself."""

    organization_id = models.BigIntegerField(_("organisation"), unique=True)
    name = models.CharField(_("nom de la marque"), max_length=120)
    slug = models.SlugField(_("identifiant"), max_length=120, unique=True)
    tagline = models.CharField(_("accroche"), max_length=200, blank=True)
    description = models.TextField(_("présentation"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="brands/logos/", blank=True)
    website = models.URLField(_("site web"), blank=True)
    categories = models.ManyToManyField(
        Category, blank=True, related_name="brands", verbose_name=_("métiers")
    )
    # What the brand makes, in its own words ("Pompes à chaleur air/eau", "Fenêtres PVC").
    product_families = models.JSONField(_("familles de produits"), default=list, blank=True)
    is_published = models.BooleanField(_("page publiée"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("marque")
        verbose_name_plural = _("marques")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
