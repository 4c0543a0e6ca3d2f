"""The pro's permanent review link and what carries it: a QR code (PNG sticker, SVG) and a
printable A5 flyer (PDF).

``/avis/laisser/<slug>/`` is the same for every customer: the pro hands it out (counter,
van, invoice, flyer). A review written through it is "avis collecté par l'entreprise"
(source ``link``): its author confirms the address by e-mail, then it passes the checks of
collected reviews (``checks.collected_review_checks``: sampled moderation, anomalies). A pro
that is not published answers 404, link and images alike (the views check it).

Images and PDF are generated server-side: ``qrcode`` (PNG through Pillow, SVG paths) and
``fpdf2`` for the flyer. Both are imported when a code or a flyer is first asked for, not
with the module: fpdf2 brings fontTools, ~40 MiB in every web worker that would otherwise
never print a flyer (the memory budget of a worker is 150 MiB).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.urls import reverse

from apps.core.site import absolute_url
from apps.directory.contracts import ProRef

if TYPE_CHECKING:
    import qrcode


def permanent_link_url(slug: str) -> str:
    """The absolute permanent review link of a pro (SITE_URL, never the request's Host)."""
    return absolute_url(reverse("reviews:permanent-link", args=[slug]))


def _qr(url: str, *, box_size: int) -> qrcode.QRCode:
    import qrcode

    # Medium error correction: survives a scratched sticker; box size gives a ~1,000 px PNG.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4
    )
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str, *, box_size: int = 20) -> bytes:
    buffer = io.BytesIO()
    _qr(url, box_size=box_size).make_image(fill_color="black", back_color="white").save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    """A scalable QR code (one path, white background) for a printer or a sign maker."""
    import qrcode.image.svg

    image = _qr(url, box_size=10).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode").encode()


def _latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1: typographic quotes and dashes as their plain forms."""
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
    return text.translate(table).encode("latin-1", "replace").decode("latin-1")


def flyer_pdf(pro: ProRef, *, url: str) -> bytes:
    """One A5 page: the pro's name, an invitation to review, the QR code and the link."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format=(148, 210))  # A5
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(_latin1(f"Donnez votre avis sur {pro.name}"))
    pdf.set_creator("Eldo")
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin
    pdf.set_y(18)
    pdf.set_font("Helvetica", "B", 22)
    pdf.multi_cell(width, 10, _latin1("Votre avis compte !"), align="C")
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 13)
    pdf.multi_cell(
        width,
        6.5,
        _latin1(
            f"Vous avez fait appel à {pro.name}. Racontez vos travaux en deux minutes : "
            "votre avis aidera d'autres particuliers à choisir leur artisan."
        ),
        align="C",
    )
    size = 80
    pdf.image(io.BytesIO(qr_png(url, box_size=12)), x=(pdf.w - size) / 2, y=62, w=size, h=size)
    pdf.set_y(62 + size + 6)
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(width, 6, _latin1("Scannez le code avec votre téléphone"), align="C")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(width, 5, _latin1(f"ou ouvrez {url}"), align="C")
    pdf.set_y(pdf.h - 22)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(
        width,
        4,
        _latin1(
            "Avis publié sur Eldo avec la mention « avis collecté par l'entreprise ». "
            "Seuls votre prénom, votre commune et votre code postal sont publiés. "
            "Comment fonctionnent les avis : " + absolute_url("/avis/comment-ca-marche/")
        ),
        align="C",
    )
    return bytes(pdf.output())
