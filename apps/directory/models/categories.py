from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A trade or kind of project ("Façade", "Pompe à chaleur"), arranged as a tree."""

    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    icon = models.CharField(_("icône"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("catégorie parente"),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catégorie de travaux")
        verbose_name_plural = _("catégories de travaux")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
