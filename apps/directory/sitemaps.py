from apps.core.sitemaps import SiteSitemap
from apps.directory.models import Brand, Category, ProProfile


class ProSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self):
        return (
            ProProfile.objects.filter(is_published=True).order_by("id").only("slug", "updated_at")
        )

    def location(self, item):
        return f"/pro/{item.slug}/"

    def lastmod(self, item):
        return item.updated_at


class CategorySitemap(SiteSitemap):
    changefreq = "daily"
    priority = 0.9

    def items(self):
        return Category.objects.filter(is_active=True).order_by("position").only("slug")

    def location(self, item):
        return f"/artisans/{item.slug}/"


# A trade × town page is listed once it has something to show: at least this many pros.
TRADE_TOWN_MIN_PROS = 3


class TradeTownSitemap(SiteSitemap):
    """/artisans/<trade>/<town>/ for the towns where at least three published pros of the
    trade are based (one grouped query)."""

    changefreq = "weekly"
    priority = 0.7

    def items(self):
        from django.db.models import Count

        through = ProProfile.categories.through
        return list(
            through.objects.filter(proprofile__is_published=True, category__is_active=True)
            .values("category__slug", "proprofile__commune__slug")
            .annotate(pros=Count("proprofile_id", distinct=True))
            .filter(pros__gte=TRADE_TOWN_MIN_PROS)
            .order_by("category__slug", "proprofile__commune__slug")
        )

    def location(self, item):
        return f"/artisans/{item['category__slug']}/{item['proprofile__commune__slug']}/"


class BrandSitemap(SiteSitemap):
    """/marques/ and the published brands' pages."""

    changefreq = "weekly"
    priority = 0.7

    def items(self):
        return [
            "",
            *Brand.objects.filter(is_published=True)
            .order_by("slug")
            .values_list("slug", flat=True),
        ]

    def location(self, item):
        return f"/marques/{item}/" if item else "/marques/"
