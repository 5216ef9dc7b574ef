"""Tables read from the characters' positions alone: phrases from pdfium's characters,
rows from their lines, columns from the x ranges of the numbers, each row's label from the
label text nearest to it. It reads the borderless tables (三线表, no vertical rules) and is
extraction's cross-check of the ruled grid. Pages are read as shown (``etl.pdf.View``).
"""

from __future__ import annotations

import ctypes
import functools
import re
import unicodedata
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

from etl import template as tpl
from etl.pdf import AS_DRAWN, Grid, Span, View
from etl.report import COUNT_UNITS, NOT_A_NUMBER, is_number_like


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


def _chars(textpage, view: View) -> list[tuple[str, tuple, tuple, float]]:
    """The page's characters as shown: (char, loose box, tight box, baseline y); spaces
    kept (they part words), other blanks and control characters dropped."""
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
    return chars


def _lines(chars: list[tuple[str, tuple, tuple, float]]) -> list[list[_Run]]:
    """Characters grouped by baseline, top line first, each a ``_Run`` with its loose box
    (the font's full height, so 一 and ” stand as tall as 字) unless that box is absurd
    (some WPS exports), then the tight box on the baseline."""
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
    return lines


def _joins(word: list[_Run], c: _Run) -> bool:
    """Whether character ``c`` continues ``word``: the gap is under half a character (a
    whole one between words of a label: justified text), a number never joins a space
    before it, nor a phrase that already holds a space and reads as a number."""
    if not word:
        return False
    numeric = _is_value_text(c.text) or _is_value_text(word[-1].text)
    gap = c.box[0] - word[-1].box[2]
    if gap >= (0.5 if numeric else 1.0) * (c.box[3] - c.box[1]):
        return False
    if word[-1].text == " " and _is_value_text(c.text):
        return False
    return not (c.text != " " and any(w.text == " " for w in word)
                and _is_value_text("".join(w.text for w in word)))


def _words(line: list[_Run]) -> list[list[_Run]]:
    """One line's characters joined into phrases, left to right, without trailing spaces."""
    words: list[list[_Run]] = []
    word: list[_Run] = []
    for c in sorted(line, key=lambda c: c.box[0]):
        if _joins(word, c):
            word.append(c)
            continue
        if word:
            words.append(word)
        word = [c] if c.text != " " else []
    if word:
        words.append(word)
    return [w[: max(i for i, c in enumerate(w) if c.text != " ") + 1] for w in words
            if any(c.text != " " for c in w)]


def _phrases(textpage, view: View = AS_DRAWN) -> list[_Run]:
    """The page's text as phrases: characters on one baseline joined while the gap to the
    next is small (see ``_joins``); a number never joins another number."""
    chars = _chars(textpage, view)
    if not chars:
        return []
    return _wrapped_units([_Run("".join(c.text for c in w), _union([c.box for c in w]),
                                tuple(w)) for line in _lines(chars) for w in _words(line)])


def _wrapped_units(runs: list[_Run]) -> list[_Run]:
    """A count's unit wrapped onto the next line of a narrow cell (385 / 件) joined to the
    number above it."""
    out = list(runs)
    for unit in runs:
        if unit.text not in COUNT_UNITS:
            continue
        height = unit.box[3] - unit.box[1]
        above = [r for r in out if _is_value_text(r.text) and r.box[0] < unit.box[2]
                 and r.box[2] > unit.box[0] and 0 <= r.box[1] - unit.box[3] < height]
        if above:
            number = above[0]
            out[out.index(number)] = _Run(number.text + unit.text,
                                          _union([number.box, unit.box]),
                                          (*number.chars, *unit.chars))
            out.remove(unit)
    return out


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


def _value_rows(phrases: list[_Run], labels: list[_Run]) -> list[list[_Run]]:
    """The numeric phrases grouped into rows (phrases on one line), top row first. A
    number with words right after it on its line is prose (共收到申请 21 件), not a cell."""
    near: dict[int, list[_Run]] = {}  # labels by 2-pt band of their centre line
    for lab in labels:
        near.setdefault(int(lab.yc // 2), []).append(lab)

    def in_prose(r: _Run) -> bool:
        return any(abs(lab.yc - r.yc) < 2 and 0 <= lab.box[0] - r.box[2] < 1.5 * (
            r.box[3] - r.box[1]) for band in range(int(r.yc // 2) - 1, int(r.yc // 2) + 2)
            for lab in near.get(band, ()))

    values = sorted((r for r in phrases if _is_value_text(r.text) and not in_prose(r)),
                    key=lambda r: -r.yc)
    rows: list[list[_Run]] = []
    for r in values:
        if rows and abs(rows[-1][0].yc - r.yc) < 3:
            rows[-1].append(r)
        else:
            rows.append([r])
    return rows


_Table = tuple[list[list[float]], list[list[_Run]]]  # (columns' x ranges, rows of values)


def _continues(table: _Table, row: list[_Run], labels: list[_Run]) -> bool:
    """Whether ``row`` belongs to ``table``: each of its values fits one of the table's
    columns, it fills at least half of them, and no header line lies between."""
    cols, trows = table
    x_min = min(c[0] for c in cols) - 2
    between = any(row[0].yc < lab.yc < trows[-1][0].yc and lab.box[2] > x_min
                  for lab in labels)
    fits = all(any(_fits(t, c) for c in cols) for t in row)
    return fits and not between and 2 * len(row) >= len(cols)


def _tables(rows: list[list[_Run]], labels: list[_Run]) -> list[_Table]:
    """Rows grouped into tables by their columns, each column's x range widened to the
    values in it."""
    tables: list[_Table] = []
    for row in rows:
        if tables and _continues(tables[-1], row, labels):
            cols, trows = tables[-1]
            for t in row:
                col = next(c for c in cols if _fits(t, c))
                col[0], col[1] = min(col[0], t.box[0]), max(col[1], t.box[2])
            trows.append(row)
        else:
            tables.append(([[t.box[0], t.box[2]] for t in row], [row]))
    return tables


def _row_labels(trows: list[list[_Run]], labels: list[_Run], left: float
                ) -> list[list[_Run]]:
    """Each row's label blocks: label text left of the value columns, nearest to the row,
    never across a line with text over the value columns (a header, a caption)."""
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
    return mine


def _row_cells(row: list[_Run], own: list[_Run], cols: list[list[float]], left: float
               ) -> list[Span]:
    """One grid row in the page as shown: its leaf label (the rightmost label block level
    with the row), then a cell per column (empty where the row prints nothing)."""
    yc = row[0].yc
    level = [b for b in own if b.box[1] - 2 <= yc <= b.box[3] + 2]
    leaf = max(level or own, key=lambda b: b.box[0], default=None)
    cells = [Span(leaf.text, leaf.box) if leaf else Span("", (left, yc, left, yc))]
    height = max(t.box[3] - t.box[1] for t in row)
    for c in cols:
        hit = [t for t in row if _fits(t, c)]
        box = _union([t.box for t in hit]) if hit else (
            c[0], yc - height / 2, c[1], yc + height / 2)
        cells.append(Span(" ".join(t.text for t in hit), box))
    return cells


def _grid(table: _Table, labels: list[_Run], view: View) -> Grid:
    cols, trows = table
    _add_blank_columns(cols, trows, labels)
    cols.sort()
    left = cols[0][0] - 2
    grid = []
    head = _column_headings(cols, trows[0][0], labels, left)
    if head:
        grid.append([Span("", view.stored((left, 0, left, 0))),
                     *(Span(text, view.stored(box)) for text, box in head)])
    for row, own in zip(trows, _row_labels(trows, labels, left), strict=True):
        grid.append([Span(c.text, view.stored(c.box)) for c in _row_cells(row, own, cols, left)])
    return grid


def borderless_grids(textpage, view: View = AS_DRAWN) -> list[Grid]:
    """Tables drawn without vertical rules (三线表), read from the text layer alone: value
    cells are the numeric phrases, rows are phrases on one line, columns are phrases whose x
    ranges overlap, a table ends where its columns stop lining up or a header line crosses
    them, and each row's label is the rightmost label text nearest to the row (its leaf
    label), never across a header line. Read in the page as shown (``view``); the boxes
    returned are in the text layer's space."""
    phrases = _phrases(textpage, view)
    labels = [r for r in phrases if not _is_value_text(r.text)]
    return [_grid(t, labels, view) for t in _tables(_value_rows(phrases, labels), labels)]
