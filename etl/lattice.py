"""The ruled-grid reader: the grid of each ruled table as Camelot's lattice (vector engine)
finds it, and each cell's text read from the text layer inside its (merged) box, by position.

Camelot's vector engine builds its grids from the page's drawn lines alone, but gets them
from a full layout analysis of the page (every character, fonts, text lines): most of the
time of a report. ``vector_tables`` runs the same algorithm (its line filters, the merging
of collinear segments, the joints, rows, columns and cell edges, step for step) on the
page's path objects as pdfium has already parsed them; the one step that needs text,
Camelot's dropping of a grid left ~all empty, is decided here from pdfium's text rectangles,
and a page where that is not clear-cut, or whose text lies in form XObjects (Camelot does
not read their text), is read by Camelot itself (``ruled_tables``). Camelot is not even
imported otherwise (with pandas and OpenCV, ~1 s). tests/test_lattice.py holds the two
readings equal on every ruled page of the samples and fixtures.
"""

from __future__ import annotations

import ctypes
import logging
import math
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from etl.pdf import AS_DRAWN, Grid, ReportPdf, Span, View
from etl.regions import find_root, page_paths

# Camelot only has to find the ruled grid: cell text is read from pdfium by position, so
# pdfminer's grouping of characters into text boxes (most of Camelot's time) is skipped.
_LINES_ONLY = {"boxes_flow": None, "detect_vertical": False, "all_texts": False}


def ruled_tables(pdf: ReportPdf, pages: list[int]) -> list[Any]:
    """Camelot's lattice tables on ``pages`` (each with ``.page`` and ``.cells``), read from
    a copy Camelot accepts where the file itself is refused (``ReportPdf.readable_copy``)."""
    import camelot  # heavy import, only when a PDF is really parsed

    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        logging.getLogger("camelot").setLevel(logging.ERROR)
        source = pdf.readable_copy(Path(tmp), pages)
        return list(camelot.read_pdf(str(source), pages=",".join(map(str, pages)),
                                     flavor="lattice", engine="vector",
                                     layout_kwargs=_LINES_ONLY))


def _merged_origin(cells: Any, r: int, c: int) -> tuple[int, int]:
    """The top-left cell of the merged cell that covers (r, c)."""
    while c > 0 and not cells[r][c].left:
        c -= 1
    while r > 0 and not cells[r][c].top:
        r -= 1
    return r, c


def _merged_end(cells: Any, r: int, c: int) -> tuple[int, int]:
    """The bottom-right cell of the merged cell whose top-left is (r, c)."""
    nrows, ncols = len(cells), len(cells[0])
    r1, c1 = r, c
    while c1 < ncols - 1 and not cells[r][c1].right:
        c1 += 1
    while r1 < nrows - 1 and not cells[r1][c].bottom:
        r1 += 1
    return r1, c1


def table_grid(table: Any, textpage: Any, view: View = AS_DRAWN) -> Grid:
    """The grid of a Camelot ``table`` with each cell replaced by its merged span, whose text
    is read from the text layer inside the span's box (robust where Camelot attaches text
    to the wrong row). Boxes are in the text layer's space."""
    cells = table.cells
    cache: dict[tuple[int, int], Span] = {}
    grid: Grid = []
    for r in range(len(cells)):
        row = []
        for c in range(len(cells[0])):
            r0, c0 = _merged_origin(cells, r, c)
            if (r0, c0) not in cache:
                r1, c1 = _merged_end(cells, r0, c0)
                box = view.stored((cells[r0][c0].x1, cells[r1][c0].y1, cells[r0][c1].x2,
                                   cells[r0][c0].y2))
                cache[(r0, c0)] = Span(textpage.get_text_bounded(*box).strip(), box)
            row.append(cache[(r0, c0)])
        grid.append(row)
    return grid


class Lattice:
    """The ruled grids of a PDF's ruled table pages, read on first use: by ``vector_tables``
    where it decides alone, the other pages by Camelot in one pass (a pass per page would
    parse the file's structure again for each)."""

    def __init__(self, pdf: ReportPdf, pages: list[int]) -> None:
        self.pdf, self.pages = pdf, pages
        self._grids: dict[int, list[Grid]] | None = None

    def grids(self, n: int) -> list[Grid]:
        """The ruled tables of page ``n`` as grids (none when lattice finds no grid)."""
        if self._grids is None:
            self._grids = {}
            tables: list[Any] = []
            undecided = []
            for page in self.pages:
                found = vector_tables(self.pdf, page)
                if found is None:
                    undecided.append(page)
                else:
                    tables += found
            if undecided:
                tables += ruled_tables(self.pdf, undecided)
            for table in tables:
                grid = table_grid(table, self.pdf.textpage(table.page),
                                  self.pdf.view(table.page))
                self._grids.setdefault(table.page, []).append(grid)
        return self._grids.get(n, [])


# --- Camelot's lattice, vector engine, on pdfium's path objects ------------------------------
# The constants are Camelot's (camelot.image_processing, camelot.parsers.lattice, 2.0.0).

_ORTHOGONAL = 0.5      # a line this far off the axis still runs along it
_THIN_RECT = 1.5       # a filled rectangle this thin is a rule
_COALESCE = 2.0        # collinear segments this near are one rule
_JOINT = 2.0           # a horizontal and a vertical rule this near cross
_MIN_JOINTS = 4        # a grid has more crossings than this
_LINE_TOL = 2          # rows and columns this near are one
_EMPTY = 90.0          # Camelot drops a grid with this share of its cells empty (percent)

Matrix = tuple[float, float, float, float, float, float]
Line = tuple[float, float, float, float]


@dataclass
class Cell:
    """A cell of the grid as Camelot's ``Cell``: its box and which of its edges are drawn."""

    x1: float
    y1: float
    x2: float
    y2: float
    left: bool = False
    right: bool = False
    top: bool = False
    bottom: bool = False


@dataclass
class Table:
    """A grid as Camelot's ``Table`` gives it: its page, its columns (left, right), rows
    (top, bottom) and cells."""

    page: int
    cols: list[tuple[float, float]]
    rows: list[tuple[float, float]]
    cells: list[list[Cell]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cells = [[Cell(c[0], r[1], c[1], r[0]) for c in self.cols] for r in self.rows]


def _mult(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF's row-vector convention, as ``playa.utils.mult_matrix``)."""
    a1, b1, c1, d1, e1, f1 = m
    a0, b0, c0, d0, e0, f0 = n
    return (a0 * a1 + c0 * b1, b0 * a1 + d0 * b1, a0 * c1 + c0 * d1, b0 * c1 + d0 * d1,
            a0 * e1 + c0 * f1 + e0, b0 * e1 + d0 * f1 + f0)


def _apply(m: Matrix, p: tuple[float, float]) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * p[0] + c * p[1] + e, b * p[0] + d * p[1] + f


def camelot_space(mediabox: tuple[float, ...], rotate: int) -> Matrix:
    """The page's user space -> the space Camelot reads it in (playa's ``page`` space: turned
    by ``rotate``, origin at the bottom left of the MediaBox)."""
    x0, y0, x1, y1 = mediabox
    width, height = x1 - x0, y1 - y0
    ctm: Matrix = {90: (0, -1, 1, 0, 0, width), 180: (-1, 0, 0, -1, width, height),
                   270: (0, 1, -1, 0, height, 0)}.get(rotate, (1, 0, 0, 1, 0, 0))
    corners = [_apply(ctm, p) for p in ((x0, y0), (x0, y1), (x1, y0), (x1, y1))]
    left, bottom = min(p[0] for p in corners), min(p[1] for p in corners)
    return _mult(ctm, (1, 0, 0, 1, -left, -bottom))


def _decimal(v: float) -> float:
    """A coordinate pdfium keeps as a 32-bit float back as the number the content stream
    printed (7 digits: a float's precision), as playa, which Camelot reads with, parses it;
    so boxes round as Camelot's do."""
    return float(f"{v:.7g}")


def _subpaths(obj: ctypes.c_void_p, m: Matrix) -> Iterator[tuple[str, list]]:
    """A path object's subpaths as playa sees them: the operators (``m``, ``l``, ``c``,
    ``h``) and each one's end point, transformed by ``m``."""
    x, y = ctypes.c_float(), ctypes.c_float()
    ops: list[str] = []
    pts: list[tuple[float, float]] = []
    curve = 0
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        p = _apply(m, (_decimal(x.value), _decimal(y.value)))
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            if ops:
                yield "".join(ops), pts
            ops, pts = ["m"], [p]
        elif kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            curve += 1
            if curve % 3 == 0:  # pdfium keeps a curve's three points as three segments
                ops.append("c")
                pts.append(p)
        else:
            ops.append("l")
            pts.append(p)
        if pdfium_c.FPDFPathSegment_GetClose(seg) and pts:
            ops.append("h")
            pts.append(pts[0])
    if ops:
        yield "".join(ops), pts


def _shape_lines(shape: str, pts: list, stroke: bool, fill: bool) -> list[Line]:
    """The ruled lines Camelot takes from one subpath (``_ruled_lines_from_layout`` on
    playa's ``LTLine`` and ``LTRect``; a curve or other shape gives none)."""
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape, pts = shape[:-2] + "h", pts[:-1]  # playa drops a redundant "l" before "h"
    if shape in ("mlh", "ml"):
        if not stroke:
            return []
        (ax, ay), (bx, by) = pts[0], pts[1]
        return [(min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))]
    if shape not in ("mlllh", "mllll"):
        return []
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
    square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
        y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
    if pts[0] != pts[4] or not square:
        return []
    left, bottom, right, top = min(x0, x2), min(y0, y2), max(x0, x2), max(y0, y2)
    if stroke:
        return [(left, bottom, right, bottom), (left, top, right, top),
                (left, bottom, left, top), (right, bottom, right, top)]
    width, height = right - left, top - bottom
    if fill and min(width, height) <= _THIN_RECT < max(width, height):
        if width >= height:
            return [(left, (bottom + top) / 2, right, (bottom + top) / 2)]
        return [((left + right) / 2, bottom, (left + right) / 2, top)]
    return []


def page_lines(page: pdfium.PdfPage, space: Matrix) -> list[Line]:
    """The page's ruled segments as Camelot's vector engine collects them, in its space."""
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    out: list[Line] = []
    for obj, m, _within in page_paths(page):
        pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
        full = _mult(tuple(_decimal(v) for v in m), space)
        for shape, pts in _subpaths(obj, full):
            out += _shape_lines(shape, pts, bool(stroke.value), bool(fill.value))
    return out


def _coalesce(lines: list[Line], horizontal: bool) -> list[Line]:
    """Camelot's ``find_lines_from_layout`` after the walk: the lines along one axis, with
    near-collinear segments merged (``coalesce_collinear_lines``)."""
    norm = []
    for x0, y0, x1, y1 in lines:
        dx, dy = abs(x1 - x0), abs(y1 - y0)
        if horizontal and dy <= _ORTHOGONAL and dx > 0:
            norm.append((y0, min(x0, x1), max(x0, x1)))  # Camelot keeps y0 for both ends
        elif not horizontal and dx <= _ORTHOGONAL and dy > 0:
            norm.append((x0, min(y0, y1), max(y0, y1)))
    norm.sort()
    clusters: list[tuple[list[float], list[tuple[float, float]]]] = []
    last = 0.0
    for const, lo, hi in norm:
        if clusters and const - last <= _COALESCE:
            clusters[-1][0].append(const)
            clusters[-1][1].append((lo, hi))
        else:
            clusters.append(([const], [(lo, hi)]))
        last = const
    out: list[Line] = []
    for consts, spans in clusters:
        const = sum(consts) / len(consts)
        spans.sort()
        merged = [list(spans[0])]
        for lo, hi in spans[1:]:
            if lo <= merged[-1][1] + _COALESCE:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        out += [(lo, const, hi, const) if horizontal else (const, lo, const, hi)
                for lo, hi in merged]
    return out


def _clusters(h: list[Line], v: list[Line]) -> list[tuple[tuple[float, ...], list]]:
    """Camelot's ``find_joints_from_lines``: groups of crossing lines, each with its box
    and crossings; a group with too few crossings is no grid."""
    parent = list(range(len(h) + len(v)))

    def find(i: int) -> int:
        return find_root(parent, i)

    crossings = {}
    for hi, (hx0, hy, hx1, _) in enumerate(h):
        for vi, (vx, vy0, _, vy1) in enumerate(v):
            if hx0 - _JOINT <= vx <= hx1 + _JOINT and vy0 - _JOINT <= hy <= vy1 + _JOINT:
                ra, rb = find(hi), find(len(h) + vi)
                if ra != rb:
                    parent[ra] = rb
                crossings[(hi, vi)] = (vx, hy)
    comp_h: dict[int, list[Line]] = {}
    comp_v: dict[int, list[Line]] = {}
    joints: dict[int, list] = {}
    for hi, line in enumerate(h):
        comp_h.setdefault(find(hi), []).append(line)
    for vi, line in enumerate(v):
        comp_v.setdefault(find(len(h) + vi), []).append(line)
    for (hi, _vi), pt in crossings.items():
        joints.setdefault(find(hi), []).append(pt)
    out: dict[tuple[float, ...], list] = {}  # by box, as Camelot keeps them
    for root, pts in joints.items():
        if len(pts) <= _MIN_JOINTS:
            continue
        hs, vs = comp_h.get(root, []), comp_v.get(root, [])
        xs = [c for ln in hs for c in (ln[0], ln[2])] + [ln[0] for ln in vs]
        ys = [c for ln in vs for c in (ln[1], ln[3])] + [ln[1] for ln in hs]
        out[(min(xs), min(ys), max(xs), max(ys))] = pts
    return list(out.items())


def _merge_close(values: list[float]) -> list[float]:
    """Camelot's ``merge_close_lines``."""
    out: list[float] = []
    for a in values:
        if out and math.isclose(out[-1], a, abs_tol=_LINE_TOL):
            out[-1] = (out[-1] + a) / 2.0
        else:
            out.append(a)
    return out


def _close(coords: list[tuple[float, float]], coord: float) -> int | None:
    for i, t in enumerate(coords):
        if math.isclose(coord, t[0], abs_tol=_LINE_TOL):
            return i
    return None


def _set_edges(table: Table, v: list[Line], h: list[Line]) -> None:
    """Camelot's ``Table.set_edges`` then ``set_border``."""
    rows, cols, cells = table.rows, table.cols, table.cells
    for line in v:
        start = _close(rows, line[3])
        if start is None:
            continue
        end = _close(rows, line[1])
        end = len(rows) if end is None else end
        i = _close(cols, line[0])
        for j in range(start, end):
            if i is None:
                cells[j][len(cols) - 1].right = True
            elif i == 0:
                cells[j][0].left = True
            else:
                cells[j][i].left = cells[j][i - 1].right = True
    for line in h:
        start = _close(cols, line[0])
        if start is None:
            continue
        end = _close(cols, line[2])
        end = len(cols) if end is None else end
        i = _close(rows, line[1])
        for j in range(start, end):
            if i is None:
                cells[len(rows) - 1][j].bottom = True
            elif i == 0:
                cells[0][j].top = True
            else:
                cells[i][j].top = cells[i - 1][j].bottom = True
    if not rows or not cols:
        return
    for row in cells:
        row[0].left = row[-1].right = True
    for cell in cells[0]:
        cell.top = True
    for cell in cells[-1]:
        cell.bottom = True


def _grid(page: int, box: tuple[float, ...], joints: list, v: list[Line], h: list[Line]
          ) -> Table:
    """One grid from its box and crossings (Camelot's ``_compute_table_anchors``,
    ``_generate_columns_and_rows`` and ``_generate_table``)."""
    xs = _merge_close(sorted([j[0] for j in joints] + [box[0], box[2]]))
    ys = _merge_close(sorted([j[1] for j in joints] + [box[1], box[3]], reverse=True))
    table = Table(page, list(zip(xs, xs[1:], strict=False)),
                  list(zip(ys, ys[1:], strict=False)))
    x0, y0, x1, y1 = box
    v_in = [s for s in v if s[1] > y0 - 2 and s[3] < y1 + 2 and x0 - 2 <= s[0] <= x1 + 2]
    h_in = [s for s in h if s[0] > x0 - 2 and s[2] < x1 + 2 and y0 - 2 <= s[1] <= y1 + 2]
    _set_edges(table, v_in, h_in)
    return table


def _text_boxes(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, space: Matrix
                ) -> list[Line] | None:
    """The page's text as pdfium's text rectangles (runs of characters on a line, close to
    Camelot's text lines), in Camelot's space; None when text lies in a form XObject
    (Camelot reads no text there, so it decides)."""
    for i in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) == pdfium_c.FPDF_PAGEOBJ_FORM and (
                _form_has_text(obj)):
            return None
    left, top, right, bottom = (ctypes.c_double() for _ in range(4))
    get, raw = pdfium_c.FPDFText_GetRect, textpage.raw
    a, b, c, d, e, f = space
    out: list[Line] = []
    for i in range(pdfium_c.FPDFText_CountRects(raw, 0, -1)):
        get(raw, i, left, top, right, bottom)
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        ax, ay = a * x0 + c * y0 + e, b * x0 + d * y0 + f  # _apply, inline: a page has
        bx, by = a * x1 + c * y1 + e, b * x1 + d * y1 + f  # hundreds of text rectangles
        out.append((ax if ax < bx else bx, ay if ay < by else by,
                    bx if ax < bx else ax, by if ay < by else ay))
    return _text_lines(out)


def _text_lines(rects: list[Line]) -> list[Line]:
    """Rectangles on one line joined where pdfminer would join their characters into one
    text line (a gap under a character's size; a character is no wider than it is high),
    so that a line Camelot puts in one cell is one here too."""
    rects.sort(key=lambda b: (b[1] + b[3], b[0]))
    lines: list[list[float]] = []
    # min/max written out: this runs over every rectangle of every ruled page
    for x0, y0, x1, y1 in rects:
        h = y1 - y0
        for line in reversed(lines[-8:]):  # the lines just below or on the same height
            lx0, ly0, lx1, ly1 = line
            lh = ly1 - ly0
            overlap = (y1 if y1 < ly1 else ly1) - (y0 if y0 > ly0 else ly0)
            if overlap <= (h if h < lh else lh) / 2:
                continue
            gap = x0 - lx1 if x0 - lx1 > lx0 - x1 else lx0 - x1
            if gap < (h if h > lh else lh):
                line[:] = [x0 if x0 < lx0 else lx0, y0 if y0 < ly0 else ly0,
                           x1 if x1 > lx1 else lx1, y1 if y1 > ly1 else ly1]
                break
        else:
            lines.append([x0, y0, x1, y1])
    return [(a, b, c, d) for a, b, c, d in lines]


def _form_has_text(form: ctypes.c_void_p, depth: int = 0) -> bool:
    for i in range(pdfium_c.FPDFFormObj_CountObjects(form)):
        obj = pdfium_c.FPDFFormObj_GetObject(form, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT or (
                kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 4
                and _form_has_text(obj, depth + 1)):
            return True
    return False


def _surely_kept(table: Table, texts: list[Line]) -> bool:
    """Whether Camelot keeps this grid for certain: it drops one with no more than 10 % of
    its cells holding text (``_EMPTY``). Each text is placed as Camelot places a text line
    (its middle's row, the column it overlaps most, moved to the top left of a merged
    cell), but by pdfium's glyph boxes, where Camelot takes pdfminer's (from the font's
    descent up by its size: a text can land a row lower or higher). So count the cells
    filled here, less the fullest row (the texts a shift loses past the first or last row),
    halved (two texts shifted into one cell): more than 10 % of the cells still is."""
    filled = set()
    for x0, y0, x1, y1 in texts:
        mid = (y0 + y1) / 2
        r = next((i for i, (top, bottom) in enumerate(table.rows) if bottom < mid < top), None)
        if r is None:
            continue
        overlaps = [min(x1, right) - max(x0, left) for left, right in table.cols]
        best = max(overlaps)
        if best > 0:
            filled.add(_merged_origin(table.cells, r, overlaps.index(best)))
    per_row: dict[int, int] = {}
    for r, _c in filled:
        per_row[r] = per_row.get(r, 0) + 1
    surely = (len(filled) - max(per_row.values(), default=0)) / 2
    return surely > len(table.rows) * len(table.cols) * (100 - _EMPTY) / 100


def vector_tables(pdf: ReportPdf, n: int) -> list[Table] | None:
    """The ruled grids Camelot's lattice (vector engine) finds on page ``n``, from pdfium's
    path objects; None when only Camelot can tell which of them it keeps. (Camelot's
    turning of a page whose text lines it reads as vertical never happens here: it is asked
    for no vertical text lines, ``_LINES_ONLY``.)"""
    page = pdf.page(n)
    view = pdf.view(n)
    space = camelot_space(tuple(page.get_mediabox()), view.rotation)
    texts = _text_boxes(page, pdf.textpage(n), space)
    if not texts:
        return None
    lines = page_lines(page, space)
    h, v = _coalesce(lines, True), _coalesce(lines, False)
    tables = []
    for box, joints in sorted(_clusters(h, v), key=lambda c: c[0][1], reverse=True):
        table = _grid(n, box, joints, v, h)
        if not table.rows or not table.cols or not _surely_kept(table, texts):
            return None
        tables.append(table)
    return tables
