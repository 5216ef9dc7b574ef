"""Tables read from the characters' positions alone: phrases from pdfium's characters,
rows from their lines, columns from the x ranges of the numbers, each row's label from the
label text nearest to it. It reads the borderless tables (三线表, no vertical rules) and is
extraction's cross-check of the ruled grid. ``View`` maps a page's boxes between the text
layer and the page as shown (``/Rotate``), for both readings.
"""

from __future__ import annotations

import ctypes
import functools
import math
import re
import unicodedata
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

from etl import template as tpl
from etl.report import NOT_A_NUMBER, is_number_like


@dataclass
class Span:
    """One cell of a table as read (a merged cell of a ruled table, or a text-only one):
    its text read from the text layer and its box in the text layer's space."""

    text: str
    box: tuple[float, float, float, float]


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


def page_view(page) -> View:
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


@dataclass
class _Run:
    """A phrase of text on one line (``chars``: its characters, each a ``_Run``)."""

    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 (y up)
    chars: tuple[_Run, ...] = ()

    @property
    def yc(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@functools.lru_cache(maxsize=4096)
def _is_value_text(text: str) -> bool:
    return is_number_like(text) or tpl.squash(text) in NOT_A_NUMBER


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _phrases(textpage, view: View = AS_DRAWN) -> list[_Run]:
    """The page's text as phrases: characters on one baseline joined while the gap to the
    next is less than half a character (or a space between two words of a label); a number
    never joins another number. Boxes are the loose ones (the font's full height, so 一 and
    ” stand as tall as 字) unless pdfium's loose box is absurd (some WPS exports), then the
    tight box on the baseline."""
    chars = []
    x, y = ctypes.c_double(), ctypes.c_double()
    for i in range(textpage.count_chars()):
        ch = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        if ch != " " and (ch.isspace() or not ch.isprintable()):
            continue
        loose = view.shown(textpage.get_charbox(i, loose=True))
        tight = view.shown(textpage.get_charbox(i))
        pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, x, y)
        base = view.shown((x.value, y.value, x.value, y.value))[1]
        if loose[2] > loose[0] and loose[3] > loose[1]:
            chars.append((ch, loose, tight, base))
    if not chars:
        return []
    heights = sorted(c[1][3] - c[1][1] for c in chars)
    m = heights[len(heights) // 2]
    runs = []
    for ch, loose, tight, base in chars:
        box = loose if loose[3] - loose[1] < 2 * m else (tight[0], base - 0.12 * m, tight[2],
                                                          base + 0.88 * m)
        runs.append((base, _Run(ch, tuple(box))))
    lines: list[list[_Run]] = []
    last_base = 0.0
    for base, c in sorted(runs, key=lambda r: -r[0]):
        if lines and abs(last_base - base) < m / 4:
            lines[-1].append(c)
        else:
            lines.append([c])
            last_base = base
    words: list[list[_Run]] = []
    for line in lines:
        word: list[_Run] = []
        for c in sorted(line, key=lambda c: c.box[0]):
            # Words of a label may stand a little apart (justified text); numbers may not.
            numeric = _is_value_text(c.text) or bool(word) and _is_value_text(word[-1].text)
            if word and c.box[0] - word[-1].box[2] < (0.5 if numeric else 1.0) * (
                    c.box[3] - c.box[1]) and not (
                    word[-1].text == " " and _is_value_text(c.text)) and not (
                    c.text != " " and any(w.text == " " for w in word)
                    and _is_value_text("".join(w.text for w in word))):
                word.append(c)
            else:
                if word:
                    words.append(word)
                word = [c] if c.text != " " else []
        if word:
            words.append(word)
    words = [w[: max(i for i, c in enumerate(w) if c.text != " ") + 1] for w in words
             if any(c.text != " " for c in w)]
    return [_Run("".join(c.text for c in w), _union([c.box for c in w]), tuple(w))
            for w in words]


_LABEL_START = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|\d+[.、．])")


def _cut_at_columns(labels: list[_Run], left: float, row_ys: list[float]) -> list[_Run]:
    """Label phrases of a table's rows, cut where a numbered label (``（一）``, ``4.``) starts
    inside one at the x where another label of the table starts: two label columns whose
    texts touch (三、本年 beside （一）予以公开)."""
    region = [lab for lab in labels
              if lab.box[2] <= left and row_ys[-1] - 30 < lab.yc < row_ys[0] + 30]
    starts = [lab.box[0] for lab in region]
    out = [lab for lab in labels if lab not in region]
    for lab in region:
        cuts = [0]
        for i in range(1, len(lab.chars)):
            rest = unicodedata.normalize("NFKC", "".join(c.text for c in lab.chars[i:]))
            if _LABEL_START.match(rest) and any(
                    abs(lab.chars[i].box[0] - x) <= 1.5 for x in starts):
                cuts.append(i)
        if len(cuts) == 1:
            out.append(lab)
            continue
        for a, b in zip(cuts, [*cuts[1:], len(lab.chars)], strict=True):
            part = lab.chars[a:b]
            out.append(_Run("".join(c.text for c in part).strip(),
                            _union([c.box for c in part]), part))
    return out


def _centred_under(line: _Run, blk: list[_Run]) -> bool:
    """Whether ``line`` is centred under the lines of ``blk`` and no wider than them."""
    x0, _, x1, _ = _union([b.box for b in blk])
    return (abs(x0 + x1 - line.box[0] - line.box[2]) <= 20
            and line.box[2] - line.box[0] <= x1 - x0 + 2)


def _label_blocks(lines: list[_Run], row_ys: list[float]) -> list[_Run]:
    """Label lines joined into the labels they wrap from: a line continues the block above
    it when it starts at about the same x (or is centred under it: a centred label wrapped
    inside a word, 行政规范性/文件), follows it closely, does not start a new numbered label
    (``1.``, ``（三）``, ``二、``) and the block would not then reach two rows' lines."""
    blocks: list[list[_Run]] = []
    for line in sorted(lines, key=lambda r: (-r.yc, r.box[0])):
        height = line.box[3] - line.box[1]
        for blk in reversed(blocks):
            last = blk[-1]
            if line.box[3] < last.box[1] - height:
                continue  # too far below; an older block may still fit
            box = _union([*(b.box for b in blk), line.box])
            if ((abs(blk[0].box[0] - line.box[0]) <= 10 or _centred_under(line, blk))
                    and last.box[1] - line.box[3] < 1.2 * height
                    and line.yc < last.yc - height / 2
                    and not _LABEL_START.match(unicodedata.normalize("NFKC", line.text))
                    and sum(box[1] - 2 <= y <= box[3] + 2 for y in row_ys) <= 1):
                blk.append(line)
                break
        else:
            blocks.append([line])
    return [_Run("".join(r.text for r in blk), _union([r.box for r in blk])) for blk in blocks]


def _fits(run: _Run, col: list[float]) -> bool:
    return run.box[0] < col[1] + 4 and run.box[2] > col[0] - 4


def _column_headings(cols: list[list[float]], top: _Run, labels: list[_Run], left: float,
                     ) -> list[tuple[str, tuple[float, float, float, float]]] | None:
    """Each column's heading: the header text over it (above the first row, right of the
    labels), top line first; None when no column has one."""
    height = top.box[3] - top.box[1]
    head = [lab for lab in labels if top.yc + height / 2 < lab.yc < top.yc + 8 * height
            and (lab.box[0] + lab.box[2]) / 2 >= left]
    out = []
    for c in cols:
        over = sorted((lab for lab in head if lab.box[0] < c[1] and lab.box[2] > c[0]),
                      key=lambda r: (-r.yc, r.box[0]))
        box = _union([r.box for r in over]) if over else (c[0], top.box[3], c[1], top.box[3])
        out.append(("".join(r.text for r in over), box))
    return out if any(text for text, _ in out) else None


def _add_blank_columns(cols: list[list[float]], trows: list[list[_Run]],
                       labels: list[_Run]) -> None:
    """Columns no row prints a value in (all blank) have no numbers to be found by: take
    them from the headings above the table, narrowest first, where a heading stands over no
    column yet, at a whole number of column pitches from the others, and not wider than a
    column (a spanning heading such as 法人或其他组织, or a caption, does not qualify)."""
    centers = sorted((c[0] + c[1]) / 2 for c in cols)
    if len(centers) < 2:
        return
    steps = sorted(b - a for a, b in zip(centers, centers[1:], strict=False))
    pitch = steps[len(steps) // 2]
    top = trows[0][0]
    height = top.box[3] - top.box[1]
    x_min = min(c[0] for c in cols) - 2
    head = [lab for lab in labels
            if top.yc + height / 2 < lab.yc < top.yc + 8 * height and lab.box[0] >= x_min
            and lab.box[2] - lab.box[0] <= 1.2 * pitch]
    for lab in sorted(head, key=lambda r: r.box[2] - r.box[0]):
        xc = (lab.box[0] + lab.box[2]) / 2
        d = min(abs(xc - c) for c in centers)
        k = round(d / pitch)
        if (k >= 1 and abs(d - k * pitch) <= 0.2 * pitch
                and centers[0] - 1.2 * pitch < xc < centers[-1] + 1.2 * pitch
                and not any(lab.box[0] < c[1] and lab.box[2] > c[0] for c in cols)):
            cols.append([lab.box[0], lab.box[2]])
            centers = sorted([*centers, xc])


def borderless_grids(textpage, view: View = AS_DRAWN) -> list[list[list[Span]]]:
    """Tables drawn without vertical rules (三线表), read from the text layer alone: value
    cells are the numeric phrases, rows are phrases on one line, columns are phrases whose x
    ranges overlap, a table ends where its columns stop lining up or a header line crosses
    them, and each row's label is the rightmost label text nearest to the row (its leaf
    label), never across a header line. Read in the page as shown (``view``); the boxes
    returned are in the text layer's space."""
    phrases = _phrases(textpage, view)
    labels = [r for r in phrases if not _is_value_text(r.text)]
    # A number with words right after it on its line is prose (共收到申请 21 件), not a cell.
    near: dict[int, list[_Run]] = {}  # labels by 2-pt band of their centre line
    for lab in labels:
        near.setdefault(int(lab.yc // 2), []).append(lab)
    values = sorted((r for r in phrases if _is_value_text(r.text) and not any(
        abs(lab.yc - r.yc) < 2 and 0 <= lab.box[0] - r.box[2] < 1.5 * (r.box[3] - r.box[1])
        for band in range(int(r.yc // 2) - 1, int(r.yc // 2) + 2) for lab in near.get(band, ())
    )), key=lambda r: -r.yc)
    rows: list[list[_Run]] = []
    for r in values:
        if rows and abs(rows[-1][0].yc - r.yc) < 3:
            rows[-1].append(r)
        else:
            rows.append([r])
    # Group rows into tables by their columns.
    tables: list[tuple[list[list[float]], list[list[_Run]]]] = []
    for row in rows:
        if tables:
            cols, trows = tables[-1]
            x_min = min(c[0] for c in cols) - 2
            between = any(
                row[0].yc < lab.yc < trows[-1][0].yc and lab.box[2] > x_min for lab in labels)
            fits = all(any(_fits(t, c) for c in cols) for t in row)
            if fits and not between and 2 * len(row) >= len(cols):
                for t in row:
                    col = next(c for c in cols if _fits(t, c))
                    col[0], col[1] = min(col[0], t.box[0]), max(col[1], t.box[2])
                trows.append(row)
                continue
        tables.append(([[t.box[0], t.box[2]] for t in row], [row]))
    grids = []
    for cols, trows in tables:
        _add_blank_columns(cols, trows, labels)
        cols.sort()
        left = cols[0][0] - 2
        # Lines with text over the value columns (headers, captions) bound the row labels.
        blocks = [lab.yc for lab in labels if lab.box[2] > left]
        row_ys = [row[0].yc for row in trows]
        cands = [lab for lab in _cut_at_columns(labels, left, row_ys) if lab.box[2] <= left
                 and row_ys[-1] - 30 < lab.yc < row_ys[0] + 30
                 and not any(abs(lab.yc - b) < 2 for b in blocks)]
        mine: list[list[_Run]] = [[] for _ in trows]
        for blk in _label_blocks(cands, row_ys):
            i = min(range(len(row_ys)), key=lambda i, blk=blk: abs(row_ys[i] - blk.yc))
            lo, hi = sorted((blk.yc, row_ys[i]))
            if abs(row_ys[i] - blk.yc) < 30 and not any(lo < b < hi for b in blocks):
                mine[i].append(blk)
        grid = []
        head = _column_headings(cols, trows[0][0], labels, left)
        if head:
            grid.append([Span("", view.stored((left, 0, left, 0))),
                         *(Span(text, view.stored(box)) for text, box in head)])
        for row, own in zip(trows, mine, strict=True):
            yc = row[0].yc
            # The leaf label: the rightmost label block level with the row.
            level = [b for b in own if b.box[1] - 2 <= yc <= b.box[3] + 2]
            leaf = max(level or own, key=lambda b: b.box[0], default=None)
            cells = [Span(leaf.text, leaf.box) if leaf else Span("", (left, yc, left, yc))]
            height = max(t.box[3] - t.box[1] for t in row)
            for c in cols:
                hit = [t for t in row if _fits(t, c)]
                box = _union([t.box for t in hit]) if hit else (
                    c[0], yc - height / 2, c[1], yc + height / 2)
                cells.append(Span(" ".join(t.text for t in hit), box))
            grid.append([Span(c.text, view.stored(c.box)) for c in cells])
        grids.append(grid)
    return grids
