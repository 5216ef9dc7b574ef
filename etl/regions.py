"""Where each table stands on its pages: ``table_regions`` -> one ``Region`` per section and
page, the box the page images beside the workbook's grids are cut from.

A table's box is its own: the outline of the ruled grid its cells sit in (the drawn lines
connected around them, with the grids that touch it), for a borderless 三线表 its top and
bottom rules, and where no rule is found the cells' extent widened to the row labels on
their lines and the header lines right above. Then the section heading (二、主动公开政府信息
情况 …) when it stands right above, with any caption between. Everything is worked out in
the page as shown (``etl.textgrid.page_view``: a landscape table is read upright) and stored
in the text layer's space, as the cells' boxes are.
"""

from __future__ import annotations

import ctypes
import difflib
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from etl import template as tpl
from etl.pdf import View, page_view
from etl.report import Box, Region, Report

_TOUCH = 2.0      # how near two drawn lines come to count as touching
_MIN_RULE = 3.0   # the shortest line counted as a rule
_THIN = 2.0       # a filled shape thinner than this is a rule, not a background
_PAD = 3.0        # margin kept around a region
_HEADING_UP = 72.0  # how far above a table its section heading may stand
_HEADER_UP = 150.0  # how far above the cells the top rule of a 三线表 may be

Point = tuple[float, float]
Rule = tuple[float, float, float]  # horizontal: y, x0, x1; vertical: x, y0, y1


def table_regions(pdf: str | Path | pdfium.PdfDocument, report: Report) -> list[Region]:
    """Each table's box on each page it spans, from the cells' pages and boxes (PDF points,
    origin bottom left, the text layer's space) and the page's drawn lines and text."""
    by_page = cell_boxes(report)
    if not by_page:
        return []
    doc = pdf if isinstance(pdf, pdfium.PdfDocument) else pdfium.PdfDocument(str(pdf))
    try:
        found = []
        for number in sorted(by_page):
            if 1 <= number <= len(doc):
                page = doc[number - 1]
                try:
                    found += page_regions(page, number, by_page[number])
                finally:
                    page.close()
        return sorted(found, key=lambda r: (tpl.SECTIONS.index(r.section), r.page))
    finally:
        if doc is not pdf:
            doc.close()


def cell_boxes(report: Report) -> dict[int, dict[str, list[Box]]]:
    """The boxes of the report's cells: page -> section -> boxes."""
    by_page: dict[int, dict[str, list[Box]]] = {}
    for cell in report.cells.values():
        if cell.page and cell.box:
            by_page.setdefault(cell.page, {}).setdefault(cell.section, []).append(cell.box)
    return by_page


def page_regions(page: pdfium.PdfPage, number: int, sections: dict[str, list[Box]],
                 textpage: pdfium.PdfTextPage | None = None) -> list[Region]:
    """The regions of the tables on one page: ``sections`` maps each section to the boxes
    of its cells on the page (the text layer's space). Extraction, which has the page and
    its text page open already, passes them."""
    view = page_view(page)
    horizontal, vertical = _rules(page, view)
    grids = _grids(horizontal, vertical)
    own = textpage is None
    textpage = page.get_textpage() if own else textpage
    try:
        lines = _Lines(textpage, view)
        limit = view.shown(tuple(page.get_mediabox()))
        out = []
        for section, stored in sections.items():
            boxes = [view.shown(b) for b in stored]
            others = [view.shown(b) for s, bs in sections.items() if s != section for b in bs]
            box = _table_box(boxes, others, grids, horizontal, lines)
            box = _with_heading(box, section, lines, limit)
            box = (max(box[0] - _PAD, limit[0]), max(box[1] - _PAD, limit[1]),
                   min(box[2] + _PAD, limit[2]), min(box[3] + _PAD, limit[3]))
            out.append(Region(section, number, tuple(round(v, 2) for v in view.stored(box))))
        return out
    finally:
        if own:
            textpage.close()


# --- the drawn lines ------------------------------------------------------------------------

def _matrix(obj: ctypes.c_void_p) -> tuple[float, ...]:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _then(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    """The matrix applying ``inner`` then ``outer`` (PDF's row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E,
            e * B + f * D + F)


def _paths(objects: Iterator[ctypes.c_void_p], outer: tuple[float, ...], depth: int = 0
           ) -> Iterator[tuple[ctypes.c_void_p, tuple[float, ...], tuple[float, ...]]]:
    """Every path object with its matrix to page space and that of the form it is in,
    inside form XObjects too."""
    for obj in objects:
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            yield obj, _then(_matrix(obj), outer), outer
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 4:
            count = pdfium_c.FPDFFormObj_CountObjects(obj)
            inner = (pdfium_c.FPDFFormObj_GetObject(obj, i) for i in range(count))
            yield from _paths(inner, _then(_matrix(obj), outer), depth + 1)


def page_paths(page: pdfium.PdfPage
               ) -> Iterator[tuple[ctypes.c_void_p, tuple[float, ...], tuple[float, ...]]]:
    """Every path object of the page, inside form XObjects too, with its matrix to page
    space and that of the form it is in."""
    count = pdfium_c.FPDFPage_CountObjects(page.raw)
    yield from _paths((pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(count)),
                      _IDENTITY)


def _segments(obj: ctypes.c_void_p, m: tuple[float, ...]) -> list[tuple[Point, Point]]:
    """The straight segments of a path object, in page space (curves are skipped)."""
    x, y = ctypes.c_float(), ctypes.c_float()
    out: list[tuple[Point, Point]] = []
    start = prev = None
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        p = (m[0] * x.value + m[2] * y.value + m[4], m[1] * x.value + m[3] * y.value + m[5])
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or prev is None:
            start = p
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO:
            out.append((prev, p))
        prev = p
        if pdfium_c.FPDFPathSegment_GetClose(seg) and start is not None and prev != start:
            out.append((prev, start))
            prev = start
    return out


def _bounds(obj: ctypes.c_void_p, m: tuple[float, ...]) -> Box:
    """The object's bounds in page space (pdfium's are in its form's space)."""
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
    if m == _IDENTITY:
        return (left.value, bottom.value, right.value, top.value)
    xs, ys = [], []
    for x, y in ((left.value, bottom.value), (right.value, top.value)):
        xs.append(m[0] * x + m[2] * y + m[4])
        ys.append(m[1] * x + m[3] * y + m[5])
    return (min(xs), min(ys), max(xs), max(ys))


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _path_lines(obj: ctypes.c_void_p, m: tuple[float, ...], within: tuple[float, ...]
                ) -> list[Box]:
    """What a path draws as lines, each as its box in page space: a thin shape (a rule
    drawn as a line or a filled bar) is one; a stroked outline gives its segments; a filled
    shape without a stroke is a background (of a cell, of the page) and gives none."""
    bounds = _bounds(obj, within)
    if min(bounds[2] - bounds[0], bounds[3] - bounds[1]) <= _THIN:
        return [bounds]
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
    if not stroke.value:
        return []
    return [(min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1]))
            for a, b in _segments(obj, m)]


def _rules(page: pdfium.PdfPage, view: View) -> tuple[list[Rule], list[Rule]]:
    """The page's horizontal and vertical lines as shown."""
    count = pdfium_c.FPDFPage_CountObjects(page.raw)
    objects = (pdfium_c.FPDFPage_GetObject(page.raw, i) for i in range(count))
    horizontal: list[Rule] = []
    vertical: list[Rule] = []
    for obj, m, within in _paths(objects, _IDENTITY):
        for line in _path_lines(obj, m, within):
            x0, y0, x1, y1 = view.shown(line)
            if y1 - y0 <= _THIN and x1 - x0 >= _MIN_RULE:
                horizontal.append(((y0 + y1) / 2, x0, x1))
            elif x1 - x0 <= _THIN and y1 - y0 >= _MIN_RULE:
                vertical.append(((x0 + x1) / 2, y0, y1))
    return horizontal, vertical


def find_root(parent: list[int], i: int) -> int:
    """The root of ``i`` in a union-find forest (with path halving): lines joined by their
    crossings are one table's."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _grids(horizontal: list[Rule], vertical: list[Rule]) -> list[Box]:
    """The outlines of the ruled grids: groups of horizontal and vertical lines that cross
    or touch each other, at least two of each."""
    if not horizontal or not vertical:
        return []
    h, v = np.array(horizontal), np.array(vertical)
    crossing = ((v[None, :, 0] >= h[:, None, 1] - _TOUCH)
                & (v[None, :, 0] <= h[:, None, 2] + _TOUCH)
                & (h[:, None, 0] >= v[None, :, 1] - _TOUCH)
                & (h[:, None, 0] <= v[None, :, 2] + _TOUCH))
    parent = list(range(len(h) + len(v)))
    for i, j in zip(*np.nonzero(crossing), strict=True):
        parent[find_root(parent, int(i))] = find_root(parent, len(h) + int(j))
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for i in range(len(h)):
        groups.setdefault(find_root(parent, i), ([], []))[0].append(i)
    for j in range(len(v)):
        groups.setdefault(find_root(parent, len(h) + j), ([], []))[1].append(j)
    # The extent of every line of the group: a table split over pages has no closing rule,
    # its vertical lines reach down to the page's end of it.
    return [(float(min(h[hs, 1].min(), v[vs, 0].min())), float(min(h[hs, 0].min(), v[vs, 1].min())),
             float(max(h[hs, 2].max(), v[vs, 0].max())), float(max(h[hs, 0].max(), v[vs, 2].max())))
            for hs, vs in groups.values() if len(hs) > 1 and len(vs) > 1]


# --- the text lines -------------------------------------------------------------------------

class _Lines:
    """The page's text lines (pdfium's text rectangles on one baseline joined), as shown.
    Worked out only when a table needs them (no rule found, or text right above it): a
    page of a WPS export has hundreds of rectangles."""

    def __init__(self, textpage: pdfium.PdfTextPage, view: View) -> None:
        self.textpage, self.view = textpage, view
        self._boxes: list[Box] | None = None

    @property
    def boxes(self) -> list[Box]:
        if self._boxes is None:
            self._boxes = self._lines()
        return self._boxes

    def _lines(self) -> list[Box]:
        left, top, right, bottom = (ctypes.c_double() for _ in range(4))
        rects = []
        for i in range(pdfium_c.FPDFText_CountRects(self.textpage.raw, 0, -1)):
            pdfium_c.FPDFText_GetRect(self.textpage.raw, i, left, top, right, bottom)
            rects.append(self.view.shown((left.value, bottom.value, right.value, top.value)))
        rects.sort(key=lambda b: (-round((b[1] + b[3]) / 2), b[0]))
        boxes: list[Box] = []
        x0 = y0 = x1 = y1 = 0.0
        for a0, b0, a1, b1 in rects:
            height = y1 - y0
            if boxes and abs(y0 + y1 - b0 - b1) < height * 2 / 3 and (
                    -_TOUCH <= a0 - x1 < 2 * height):
                x1, y0, y1 = max(x1, a1), min(y0, b0), max(y1, b1)
                boxes[-1] = (x0, y0, x1, y1)
                continue
            x0, y0, x1, y1 = a0, b0, a1, b1
            boxes.append((x0, y0, x1, y1))
        return boxes

    def text(self, box: Box) -> str:
        return self.textpage.get_text_bounded(*self.view.stored(box)).strip()

    def find(self, text: str) -> Box | None:
        """The box of the first occurrence of ``text`` on the page, as shown."""
        searcher = self.textpage.search(text)
        try:
            found = searcher.get_next()
        finally:
            searcher.close()
        if not found:
            return None
        start, count = found
        boxes = [self.view.shown(self.textpage.get_charbox(i, loose=True))
                 for i in range(start, start + count)]
        return _union([(min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3]))
                       for b in boxes])


# --- the box of one table -------------------------------------------------------------------

def _union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _holds(box: Box, inner: Box) -> bool:
    """Whether the centre of ``inner`` lies in ``box`` (within the touching distance)."""
    x, y = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return (box[0] - _TOUCH <= x <= box[2] + _TOUCH) and (box[1] - _TOUCH <= y <= box[3] + _TOUCH)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def _table_box(boxes: list[Box], others: list[Box], grids: list[Box],
               horizontal: list[Rule], lines: _Lines) -> Box:
    hits = [g for g in grids if any(_holds(g, b) for b in boxes)]
    if hits:
        return _with_touching(_union(hits), grids, others)
    cells = _union(boxes)
    return _three_line(cells, horizontal, lines.boxes) or _by_text(cells, lines.boxes)


def _with_touching(box: Box, grids: list[Box], others: list[Box]) -> Box:
    """The table with the grids drawn against it above or below (a caption row drawn as a
    box of its own), unless they hold another table's cells."""
    grown = True
    while grown:
        grown = False
        for g in grids:
            touches = (_overlap(g[0], g[2], box[0], box[2]) > 0
                       and (abs(g[1] - box[3]) <= _TOUCH or abs(g[3] - box[1]) <= _TOUCH))
            if touches and not any(_holds(g, o) for o in others) and _union([g, box]) != box:
                box, grown = _union([g, box]), True
    return box


def _three_line(cells: Box, horizontal: list[Rule], lines: list[Box]
                ) -> Box | None:
    """A borderless table between its top and bottom rules: the nearest rule below the
    cells, and above them the top rule — the second rule up when the first one is the
    header's bottom rule, nothing standing between it and the cells."""
    width = cells[2] - cells[0]
    rules = [r for r in horizontal if _overlap(r[1], r[2], cells[0], cells[2]) >= 0.5 * width]
    below = [r for r in rules if cells[1] - 40 <= r[0] <= cells[1] + _TOUCH]
    above = sorted((r for r in rules if cells[3] - _TOUCH <= r[0] <= cells[3] + _HEADER_UP),
                   key=lambda r: r[0])
    if not below and not above:
        return None
    chosen = [max(below, key=lambda r: r[0])] if below else []
    if above:
        top = above[0]
        between = any(cells[3] < (b[1] + b[3]) / 2 < top[0]
                      and _overlap(b[0], b[2], cells[0], cells[2]) > 0 for b in lines)
        if not between and len(above) > 1:
            top = above[1]
        chosen.append(top)
    box = _union([cells, *((r[1], r[0], r[2], r[0]) for r in chosen)])
    return box if above else _header_above(box, lines)


def _by_text(cells: Box, lines: list[Box]) -> Box:
    """No rule found: the cells widened to the text on their lines (the row labels), then
    the header lines right above them."""
    row = [b for b in lines if cells[1] <= (b[1] + b[3]) / 2 <= cells[3]]
    return _header_above(_union([cells, *row]), lines)


def _header_above(box: Box, lines: list[Box], most: int = 4) -> Box:
    """``box`` grown by the text lines standing right above it over its columns."""
    for _ in range(most):
        near = [b for b in lines if b[1] >= box[3] - _TOUCH
                and b[1] - box[3] <= 0.8 * (b[3] - b[1])
                and _overlap(b[0], b[2], box[0], box[2]) > 0]
        if not near:
            break
        box = _union([box, *near])
    return box


_NUMBERING = re.compile(r"^[一二三四五六七八九十]+[、.．]|^[(（][一二三四五六七八九十]+[)）]")


def _title_words(text: str) -> str:
    return _NUMBERING.sub("", tpl.squash(text)).removesuffix("情况")


def _is_heading(text: str, section: str) -> bool:
    """Whether ``text`` is the heading of ``section`` however it is numbered (一/二/三 …)."""
    words, title = _title_words(text), _title_words(tpl.section_title(section))
    return bool(words) and difflib.SequenceMatcher(None, words, title).ratio() >= 0.6


def _with_heading(box: Box, section: str, lines: _Lines, page: Box) -> Box:
    """``box`` grown up to the section heading when it stands right above (with what is
    between, such as a caption or the unit), else by short caption lines right above it."""
    band = (page[0], box[3] + _TOUCH, box[2], box[3] + _HEADING_UP)
    text = lines.text(band)
    if not text:
        return box
    for line in text.splitlines():
        if _is_heading(line, section):
            found = lines.find(line.strip())
            if found and box[3] - _TOUCH <= found[1] <= box[3] + _HEADING_UP:
                return _union([box, found])
    above = [b for b in lines.boxes if box[3] - _TOUCH <= b[1] <= box[3] + _HEADING_UP
             and b[0] < box[2]]
    short = [b for b in above if len(lines.text(b)) <= 30]
    return _header_above(box, short, most=2)
