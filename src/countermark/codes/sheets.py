"""QR codes of Digital Link URIs as SVG and PNG (segno), and printable sheets as SVG, PNG or PDF (Pillow)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import segno
from PIL import Image, ImageDraw

PAGE_PX = (1240, 1754)  # A4 at 150 dpi
COLUMNS, ROWS = 4, 5
MARGIN = 60
MAX_SHEET_CODES = 2000


def qr_svg(uri: str, *, scale: int = 3) -> str:
    """An inline SVG of the URI's QR code (error level M, as printed)."""
    return str(segno.make(uri, error="m", micro=False).svg_inline(scale=scale, border=2))


def qr_png(uri: str, *, scale: int = 4) -> bytes:
    """A PNG of the URI's QR code."""
    buffer = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def _pages(items: Sequence[tuple[str, str]]) -> list[Image.Image]:
    cell_w = (PAGE_PX[0] - 2 * MARGIN) // COLUMNS
    cell_h = (PAGE_PX[1] - 2 * MARGIN) // ROWS
    pages: list[Image.Image] = []
    per_page = COLUMNS * ROWS
    for start in range(0, len(items), per_page):
        page = Image.new("L", PAGE_PX, 255)
        draw = ImageDraw.Draw(page)
        for index, (uri, caption) in enumerate(items[start : start + per_page]):
            qr = Image.open(io.BytesIO(qr_png(uri, scale=4))).convert("L")
            x = MARGIN + (index % COLUMNS) * cell_w + (cell_w - qr.width) // 2
            y = MARGIN + (index // COLUMNS) * cell_h
            page.paste(qr, (x, y))
            draw.text((MARGIN + (index % COLUMNS) * cell_w + 10, y + qr.height + 4), caption, fill=0)
        pages.append(page)
    return pages or [Image.new("L", PAGE_PX, 255)]


def sheet_pdf(items: Sequence[tuple[str, str]]) -> bytes:
    """A PDF of A4 pages of QR codes with their serials under them."""
    pages = _pages(items[:MAX_SHEET_CODES])
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", save_all=True, append_images=pages[1:], resolution=150.0)
    return buffer.getvalue()


def sheet_png(items: Sequence[tuple[str, str]]) -> bytes:
    """The first A4 page of QR codes as a PNG."""
    buffer = io.BytesIO()
    _pages(items[: COLUMNS * ROWS])[0].save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def sheet_svg(items: Sequence[tuple[str, str]]) -> str:
    """An SVG grid of QR codes with their serials (vector, for print shops)."""
    cell = 220
    rows = (len(items) + COLUMNS - 1) // COLUMNS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{COLUMNS * cell}" height="{max(rows, 1) * cell}">'
    ]
    for index, (uri, caption) in enumerate(items[:MAX_SHEET_CODES]):
        x, y = (index % COLUMNS) * cell, (index // COLUMNS) * cell
        inner = qr_svg(uri, scale=3)
        parts.append(
            f'<g transform="translate({x + 10},{y + 10})">{inner}'
            f'<text x="0" y="{cell - 24}" font-family="monospace" font-size="12">'
            f"{caption.replace('&', '&amp;').replace('<', '&lt;')}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
