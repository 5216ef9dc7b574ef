"""The images of the source tables placed beside the workbook's grids: ``page_images`` cuts
each table's region (``Report.regions``, else ``etl.regions``) out of its page, rendered in
greyscale and stored as a 2-bit grey PNG (four levels keep small print legible; a table of
a page is ~10–20 KB), with where each of the table's rows stands in it so the writer can put
the image's rows beside the grid's.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from etl import template as tpl
from etl.pdf import View, page_view
from etl.regions import cell_boxes, page_regions
from etl.report import Box, Region, Report

# Pixels per PDF point: 96 dpi, one pixel of the image per pixel of the screen when the
# sheet is shown at 100 % (the image is placed at the size printed).
RENDER_SCALE = 96 / 72
_BITS = 2


@dataclass
class PageImage:
    """One table's region of one page, as a PNG."""

    section: str
    page: int
    png: bytes
    pixels: tuple[int, int]  # width, height
    size: tuple[float, float]  # width, height in PDF points
    # item -> (top, bottom) of its row in points from the image's top
    rows: dict[str, tuple[float, float]] = field(default_factory=dict)


def png_grey(pixels: np.ndarray, bits: int = _BITS) -> bytes:
    """A greyscale PNG of ``pixels`` (uint8, height x width) with ``bits`` per pixel."""
    height, width = pixels.shape
    levels = (1 << bits) - 1
    q = ((pixels.astype(np.uint16) * levels + 127) // 255).astype(np.uint8)
    per = 8 // bits
    pad = (-width) % per
    if pad:
        q = np.pad(q, ((0, 0), (0, pad)), constant_values=levels)
    packed = np.zeros((height, (width + pad) // per), np.uint8)
    for i in range(per):
        packed |= q[:, i::per] << (8 - bits * (i + 1))
    raw = np.concatenate([np.zeros((height, 1), np.uint8), packed], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, bits, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 2)) + chunk(b"IEND", b""))


def page_images(pdf: str | Path, report: Report) -> list[PageImage]:
    """An image of each table's region on each page it spans, in section and page order.
    Best effort: a PDF that cannot be opened or rendered gives none (the workbook's data
    never depends on them)."""
    try:
        doc = pdfium.PdfDocument(str(pdf))
    except (pdfium.PdfiumError, OSError):
        return []
    try:
        return rendered(report, len(doc), lambda n: doc[n - 1], close=True)
    finally:
        doc.close()


def rendered(report: Report, pages: int, page: Callable[[int], pdfium.PdfPage],
             close: bool = False) -> list[PageImage]:
    """``page_images`` of a document already open: ``page(n)`` gives its page ``n`` (of
    ``pages``), closed after use when ``close`` (a caller keeping its pages open closes
    them itself)."""
    boxes = cell_boxes(report)
    regions: dict[int, list[Region]] = {}
    for region in report.regions:
        regions.setdefault(region.page, []).append(region)
    out: list[PageImage] = []
    for number in sorted(set(regions) | (set() if report.regions else set(boxes))):
        if not 1 <= number <= pages:
            continue
        try:
            shown = page(number)
        except pdfium.PdfiumError:
            continue
        try:
            found = regions.get(number) or page_regions(shown, number, boxes[number])
            out += _render(shown, found, report)
        except pdfium.PdfiumError:
            continue
        finally:
            if close:
                shown.close()
    order = {s: n for n, s in enumerate(tpl.SECTIONS)}
    return sorted(out, key=lambda i: (order.get(i.section, 9), i.page))


def _render(page: pdfium.PdfPage, regions: list[Region], report: Report) -> list[PageImage]:
    """Each region cut from the page as shown (turned as ``page_view`` reads it); the page
    is rendered once, over the regions it holds."""
    view = page_view(page)
    if page.get_rotation() != view.rotation:
        page.set_rotation(view.rotation)  # in memory only: show it as it is read
    shown_page = _shown(view, tuple(page.get_cropbox()))
    boxes = [_shown(view, r.box) for r in regions]
    whole = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
             max(b[3] for b in boxes))
    crop = (max(whole[0] - shown_page[0], 0), max(whole[1] - shown_page[1], 0),
            max(shown_page[2] - whole[2], 0), max(shown_page[3] - whole[3], 0))
    pixels = page.render(scale=RENDER_SCALE, crop=crop, grayscale=True).to_numpy()
    if pixels.ndim == 3:
        pixels = pixels[..., 0]
    cells: dict[tuple[str, int], list] = {}
    for cell in report.cells.values():
        if cell.page and cell.box:
            cells.setdefault((cell.section, cell.page), []).append(cell)
    out = []
    for region, box in zip(regions, boxes, strict=True):
        x0 = round((box[0] - whole[0]) * RENDER_SCALE)
        x1 = round((box[2] - whole[0]) * RENDER_SCALE)
        y0 = round((whole[3] - box[3]) * RENDER_SCALE)
        y1 = round((whole[3] - box[1]) * RENDER_SCALE)
        cut = pixels[max(y0, 0):y1, max(x0, 0):x1]
        if cut.size == 0:
            continue
        out.append(PageImage(region.section, region.page, png_grey(cut),
                             (cut.shape[1], cut.shape[0]), (box[2] - box[0], box[3] - box[1]),
                             _rows(cells.get((region.section, region.page), []), box,
                                   view)))
    return out


def _rows(cells: list, box: Box, view: View) -> dict[str, tuple[float, float]]:
    """Where each row of a region's table stands: item -> (top, bottom) in points from the
    top of ``box`` (the region as shown), from the boxes of its ``cells`` on the page."""
    rows: dict[str, tuple[float, float]] = {}
    for cell in cells:
        b = _shown(view, cell.box)
        top, bottom = box[3] - b[3], box[3] - b[1]
        was = rows.get(cell.item, (top, bottom))
        rows[cell.item] = (min(was[0], top), max(was[1], bottom))
    return rows


def _shown(view: View, box: Box) -> Box:
    x0, y0, x1, y1 = view.shown(box)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
