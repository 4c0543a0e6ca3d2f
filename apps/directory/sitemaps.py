from apps.core.sitemaps import SiteSitemap
from apps.directory.models import Category, ProProfile


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
