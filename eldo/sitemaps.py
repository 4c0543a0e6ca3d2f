"""/sitemap.xml's sections of directory pages, composed from the directory's facade data
(``directory.api.sitemap_sections``, ``sitemap_size``, ``sitemap_entries``): Django's
sitemap machinery stays here, the directory hands out plain locations."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import overload

from apps.core.sitemaps import SiteSitemap
from apps.directory import api as directory
from apps.directory.contracts import SitemapEntry, SitemapSection


class _Entries(Sequence[SitemapEntry]):
    """A section's locations, read a page at a time: Django's paginator asks the length
    (one count) and then the slice of the page it shows (one query)."""

    def __init__(self, section: str):
        self.section = section

    def __len__(self) -> int:
        return directory.sitemap_size(self.section)

    @overload
    def __getitem__(self, index: int) -> SitemapEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[SitemapEntry]: ...
    def __getitem__(self, index: int | slice) -> SitemapEntry | list[SitemapEntry]:
        if isinstance(index, slice):
            start, stop, _step = index.indices(len(self))
            return directory.sitemap_entries(self.section, offset=start, limit=max(stop - start, 0))
        return directory.sitemap_entries(self.section, offset=index, limit=1)[0]

    def __iter__(self) -> Iterator[SitemapEntry]:
        return iter(directory.sitemap_entries(self.section, offset=0, limit=len(self)))


class DirectorySitemap(SiteSitemap):
    def __init__(self, section: SitemapSection):
        self.section = section.name
        self.changefreq = section.changefreq
        self.priority = section.priority
        self.limit = section.limit

    def items(self) -> _Entries:
        return _Entries(self.section)

    def location(self, item: SitemapEntry) -> str:
        return item.location

    def lastmod(self, item: SitemapEntry):
        return item.lastmod


def directory_sitemaps() -> dict:
    """{section name: sitemap factory} for django.contrib.sitemaps' views."""
    return {s.name: partial(DirectorySitemap, s) for s in directory.sitemap_sections()}
