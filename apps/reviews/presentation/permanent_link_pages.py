"""The pro's permanent review link in the back office: /espace-pro/invitations/lien-permanent/
shows the link and its QR code, and serves the sticker (PNG, SVG) and the A5 flyer (PDF).

Any member of the company may print them; a user who is no member gets 404 (the back
office's scope), and so does a company whose profile is not published yet (its link would
answer 404 to the customers who scan it).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core.facade_ports import facade
from apps.directory.contracts import DirectoryFacade
from apps.reviews import permanent_link
from apps.reviews.presentation.access import backoffice_scope as _scope

directory: DirectoryFacade = facade("directory")


def _published_scope(request):
    context, pro = _scope(request, "invitations")
    if directory.pro_profile(pro.slug) is None:
        raise Http404
    return context, pro


def _download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def permanent_link_page(request):
    context, pro = _published_scope(request)
    context |= {"pro": pro, "link_url": permanent_link.permanent_link_url(pro.slug)}
    return render(request, "reviews/backoffice/permanent_link.html", context)


@login_required
@require_GET
def sticker_png(request):
    _context, pro = _published_scope(request)
    url = permanent_link.permanent_link_url(pro.slug)
    return _download(
        permanent_link.qr_png(url), content_type="image/png", filename=f"avis-{pro.slug}.png"
    )


@login_required
@require_GET
def sticker_svg(request):
    _context, pro = _published_scope(request)
    url = permanent_link.permanent_link_url(pro.slug)
    return _download(
        permanent_link.qr_svg(url), content_type="image/svg+xml", filename=f"avis-{pro.slug}.svg"
    )


@login_required
@require_GET
def flyer_pdf(request):
    _context, pro = _published_scope(request)
    url = permanent_link.permanent_link_url(pro.slug)
    return _download(
        permanent_link.flyer_pdf(pro, url=url),
        content_type="application/pdf",
        filename=f"flyer-avis-{pro.slug}.pdf",
    )
