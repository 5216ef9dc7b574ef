"""Opening a report PDF for the table readers: its pages' text layer (cleaned of control
characters), which pages draw rules or carry images, how each page is turned (``View``:
``/Rotate`` and the text's own direction), and a copy Camelot can read when the file is
encrypted with an owner password only. ``Span`` is what every reader (ruled grid, text
only, and OCR) reads a table cell into.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from etl import template as tpl
from etl.errors import PdfError
from etl.i18n import _

# C0/C1 control characters (but tab and line breaks): broken ToUnicode maps put them in
# the text layer (U+0017), and no text a person reads may carry them (openpyxl refuses
# them in a workbook).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` without control characters."""
    return _CONTROL.sub("", text)


@dataclass
class Span:
    """One cell of a table as read (a merged cell of a ruled table, a text-only one, or one
    read by OCR from an image of the page): its text, its box in the text layer's space,
    and the OCR recogniser's confidence (None when read from the text layer)."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float | None = None

    def __post_init__(self) -> None:
        self.text = clean_text(self.text)


Grid = list[list[Span]]  # rows of cells; a merged cell is the same Span in each place


@dataclass(frozen=True)
class View:
    """How a page's tables are read: turned by ``rotation`` (its ``/Rotate``, when that
    shows its text upright; else 0), in the space of the page as shown (origin bottom
    left). The text layer is in the unrotated MediaBox space; these map boxes between."""

    rotation: int = 0
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # the MediaBox

    def _map(self, box: tuple[float, ...], inverse: bool) -> tuple[float, float, float, float]:
        if not self.rotation:
            return (box[0], box[1], box[2], box[3])
        x0, y0, x1, y1 = self.box
        w, h = x1 - x0, y1 - y0
        pts = []
        for x, y in ((box[0], box[1]), (box[2], box[3])):
            if inverse:  # shown -> MediaBox space
                x, y = {90: (w - y, x), 180: (w - x, h - y), 270: (y, h - x)}[self.rotation]
                pts.append((x + x0, y + y0))
            else:  # MediaBox space -> shown (turned clockwise by ``rotation``)
                x, y = x - x0, y - y0
                pts.append({90: (y, w - x), 180: (w - x, h - y), 270: (h - y, x)}[
                    self.rotation])
        (ax, ay), (bx, by) = pts
        return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))

    def shown(self, box: tuple[float, ...]) -> tuple[float, float, float, float]:
        return self._map(box, inverse=False)

    def stored(self, box: tuple[float, ...]) -> tuple[float, float, float, float]:
        return self._map(box, inverse=True)


AS_DRAWN = View()  # a page read in its text layer's own space, not turned


def page_view(page: pdfium.PdfPage) -> View:
    """Read a page carrying ``/Rotate`` turned only if that shows its text upright (a
    landscape table made by a print driver); a page rotated by a viewer and saved (its text
    upright in the MediaBox, shown lying) is read as drawn."""
    rotation = page.get_rotation()
    if not rotation:
        return View()
    textpage = page.get_textpage()
    want = math.radians((360 - rotation) % 360)
    turned = upright = 0
    for i in range(min(textpage.count_chars(), 400)):
        angle = pdfium_c.FPDFText_GetCharAngle(textpage.raw, i)
        if angle < 0:
            continue
        if abs(angle - want) < 0.1:
            turned += 1
        elif min(angle, 2 * math.pi - angle) < 0.1:
            upright += 1
    textpage.close()
    return View(rotation, page.get_mediabox()) if turned > upright else View()


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """The PDF opened by pdfium; ``PdfError`` naming the file if it cannot be."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError as e:
        raise PdfError(path, _("无法读取文件：{reason}").format(reason=e.strerror)) from e
    if b"%PDF" not in head:
        raise PdfError(path, _("不是 PDF 文件（没有 %PDF 文件头）"))
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise PdfError(path, _("已加密：打开此 PDF 需要密码（请向发布机关索取未加密的版本）")
                           ) from e
        raise PdfError(path, _("PDF 文件已损坏或不完整（{reason}）").format(reason=e)) from e


# The outline and one inner rule of the smallest table: fewer segments draw no table.
_MIN_RULE_SEGMENTS = 6


class ReportPdf:
    """An opened report PDF: every page's text, and for the pages read as tables their
    pdfium page, text layer and view, opened once and kept until ``close``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = open_pdf(path)
        self._pages: dict[int, pdfium.PdfPage] = {}
        self._textpages: dict[int, pdfium.PdfTextPage] = {}
        self._views: dict[int, View] = {}
        self.ocr_grids: dict[int, list[Grid]] = {}  # image pages read by OCR (etl.extract)
        self.table_pages: list[int] = []  # pages whose text carries the tables' words
        self.texts = [self._text(n) for n in range(1, len(self.doc) + 1)]

    def _text(self, n: int) -> str:
        """Page ``n``'s text; the page and its text layer are kept open when it may carry a
        table (its grids, regions and image are read from them next: loading a page again
        parses its content again)."""
        page = self.doc[n - 1]
        textpage = page.get_textpage()
        text = clean_text(textpage.get_text_range())
        flat = tpl.squash(text)
        if any(m in flat for m in tpl.table_markers()):
            self.table_pages.append(n)
            self._pages[n], self._textpages[n] = page, textpage
        else:
            textpage.close()
            page.close()
        return text

    def page(self, n: int) -> pdfium.PdfPage:
        """Page ``n`` (from 1), kept open."""
        if n not in self._pages:
            self._pages[n] = self.doc[n - 1]
        return self._pages[n]

    def textpage(self, n: int) -> pdfium.PdfTextPage:
        if n not in self._textpages:
            self._textpages[n] = self.page(n).get_textpage()
        return self._textpages[n]

    def view(self, n: int) -> View:
        if n not in self._views:
            self._views[n] = page_view(self.page(n))
        return self._views[n]

    def is_ruled(self, n: int) -> bool:
        """Whether page ``n`` draws lines at all: Camelot's lattice needs them, and parsing
        a page of prose costs as much as a page of tables."""
        segments = 0
        for obj in self.page(n).get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
            segments += pdfium_c.FPDFPath_CountSegments(obj.raw)
            if segments >= _MIN_RULE_SEGMENTS:
                return True
        return False

    def image_pages(self) -> list[int]:
        """Pages without text that carry images: a table pasted in as a picture (or a
        scan) that needs OCR; empty when no such page has an image."""
        blank = [n for n, t in enumerate(self.texts, 1) if not t.strip()]
        return blank if blank and any(self._has_image(n) for n in blank) else []

    def _has_image(self, n: int) -> bool:
        page = self.doc[n - 1]
        try:
            return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
        finally:
            page.close()

    def readable_copy(self, folder: Path, pages: list[int]) -> Path:
        """A file Camelot reads like this one: this file itself, or (when it is encrypted
        with an owner password only, which Camelot refuses, or when one of ``pages`` carries
        a ``/Rotate`` that is read as drawn) a decrypted copy in ``folder`` with the rotation
        taken off those pages; their content is the same."""
        as_drawn = [n for n in pages if self.page(n).get_rotation() and not self.view(n).rotation]
        if not as_drawn and pdfium_c.FPDF_GetSecurityHandlerRevision(self.doc.raw) == -1:
            return self.path
        for n in as_drawn:
            self.page(n).set_rotation(0)
        copy = folder / "normalized.pdf"
        self.doc.save(str(copy), flags=pdfium_c.FPDF_REMOVE_SECURITY)
        return copy

    def close(self) -> None:
        for textpage in self._textpages.values():
            textpage.close()
        for page in self._pages.values():
            page.close()
        self.doc.close()

    def __enter__(self) -> ReportPdf:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
