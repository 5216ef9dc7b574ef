"""PDF -> ``Report``: find the table pages from the text layer, let Camelot find the ruled
grid there, read each cell's text by its own position, and map rows onto the template by
their labels.

A second, text-only reading (``_borderless_grids``: rows, columns and labels from the
characters' own positions) reads the table pages where lattice finds no grid (borderless
三线表) and cross-checks the others: a cell the two read differently is flagged. Pages
carrying ``/Rotate`` are read as shown when that shows their text upright, else as drawn;
PDFs encrypted with an owner password only are read through a decrypted copy.
"""

from __future__ import annotations

import ctypes
import difflib
import functools
import hashlib
import logging
import math
import re
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from etl import template as tpl
from etl.checks import check_report
from etl.errors import PdfError
from etl.narrative import narrative_sections
from etl.place import place_of
from etl.report import (
    ABSENT,
    BLANK,
    DERIVED,
    LOW_CONFIDENCE,
    UNPARSED,
    Cell,
    Number,
    Report,
)

# Words that only occur on pages carrying one of the three tables.
_TABLE_MARKERS = ("信息内容", "申请人情况", "予以公开", "不予公开", "无法提供", "不予处理",
                  "结转下年度", "结果维持", "结果纠正", "尚未审结")
_TEMPLATE_MARKERS = {"2021": ("本年制发件数", "本年废止件数", "现行有效件数"),
                     "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量")}
_TITLE = re.compile(r"(?P<agency>[^\d《》“”]{0,60}?)(?P<year>20\d\d)年度?政府信息公开工作年度报告")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_NOT_A_NUMBER = {"/", "／", "—", "——", "-", "－", "无", "空", "\\"}
_APPEAL_MEASURES = ("upheld", "corrected", "other", "pending", "total")


@dataclass
class _Span:
    """One merged cell of a ruled table: its text read from the text layer and its box."""

    text: str
    box: tuple[float, float, float, float]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def report_id_for(path: Path) -> str:
    """A stable id from the file name, safe as a workbook name and a URL part."""
    return re.sub(r"[^\w.-]+", "_", path.stem).strip("_") or "report"


def parse_number(text: str, kind: str) -> tuple[Number | None, list[str], str]:
    """Printed text -> (value, flags, note). A blank stays None: a blank is not a zero."""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"\s+", "", s).replace(",", "")
    if s == "":
        return None, [BLANK], ""
    if s in _NOT_A_NUMBER:
        return None, [UNPARSED], f"printed {text.strip()!r}, not a number"
    scale, note, flags = 1.0, "", []
    for unit in ("(万元)", "万元"):
        if s.endswith(unit):
            s = s[: -len(unit)]
            break
    else:
        if s.endswith("元") and kind == "decimal":
            s, scale = s[:-1], 1e-4
            flags, note = [LOW_CONFIDENCE], "printed in 元, converted to 万元"
    if not _NUMBER.match(s):
        return None, [UNPARSED], f"printed {text.strip()!r}, not a number"
    if "." in s or kind == "decimal" or scale != 1.0:
        return round(float(s) * scale, 6), flags, note
    return int(s), flags, note


def match_label(text: str, keys: dict[str, str]) -> tuple[str | None, bool]:
    """Printed label -> (item code, confident). Exact match first, then a truncated or
    prefixed label, then a close spelling (flagged as low confidence)."""
    norm = tpl.normalize_label(text)
    if not norm:
        return None, True
    if norm in keys:
        return keys[norm], True
    for key, item in keys.items():
        if min(len(key), len(norm)) >= 4 and (
            key.startswith(norm) or norm.startswith(key) or key.endswith(norm)
            or norm.endswith(key)
        ):
            return item, True
    close = difflib.get_close_matches(norm, keys, n=1, cutoff=0.8)
    return (keys[close[0]], False) if close else (None, True)


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError as e:
        raise PdfError(path, f"cannot read file: {e.strerror}") from e
    if b"%PDF" not in head:
        raise PdfError(path, "not a PDF (no %PDF header)")
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise PdfError(path, "encrypted: the PDF needs a password to open (ask the "
                                 "publisher for an unprotected copy)") from e
        raise PdfError(path, f"damaged or truncated PDF ({msg})") from e


def _page_texts(doc: pdfium.PdfDocument) -> list[str]:
    texts = []
    for page in doc:
        tp = page.get_textpage()
        texts.append(tp.get_text_range())
        tp.close()
        page.close()
    return texts


def _ruled(page: pdfium.PdfPage) -> bool:
    """Whether a page draws lines at all: Camelot's lattice needs them, and parsing a page
    of prose costs as much as a page of tables."""
    segments = 0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        segments += pdfium_c.FPDFPath_CountSegments(obj.raw)
        if segments >= _MIN_RULE_SEGMENTS:
            return True
    return False


_MIN_RULE_SEGMENTS = 6  # the outline and one inner rule of the smallest table


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def detect_template(text: str) -> str | None:
    """The template from the section 二 headings, never from the year."""
    flat = _squash(text)
    hits = {t: sum(m in flat for m in marks) for t, marks in _TEMPLATE_MARKERS.items()}
    best = max(hits, key=hits.__getitem__)
    return best if hits[best] else None


def parse_title(text: str) -> tuple[str | None, int | None]:
    """Agency and year as printed in the title (``吴忠市人民政府办公室`` + 2024)."""
    m = _TITLE.search(_squash(text[:600]))
    if not m:
        return None, None
    agency = m.group("agency").strip("，,。：:-—－_·") or None
    return agency, int(m.group("year"))


@dataclass(frozen=True)
class _View:
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


def _view(page) -> _View:
    """Read a page carrying ``/Rotate`` turned only if that shows its text upright (a
    landscape table made by a print driver); a page rotated by a viewer and saved (its text
    upright in the MediaBox, shown lying) is read as drawn."""
    rotation = page.get_rotation()
    if not rotation:
        return _View()
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
    return _View(rotation, page.get_mediabox()) if turned > upright else _View()


# Camelot only has to find the ruled grid: cell text is read from pdfium by position, so
# pdfminer's grouping of characters into text boxes (most of Camelot's time) is skipped.
_LINES_ONLY = {"boxes_flow": None, "detect_vertical": False, "all_texts": False}


def _read_tables(path: Path, pages: list[int], doc: pdfium.PdfDocument) -> list:
    """Camelot's lattice tables on ``pages``. Camelot refuses a PDF encrypted with an owner
    password only (empty user password, copying forbidden), and reads a page carrying
    ``/Rotate`` as shown; for those it reads a decrypted copy, with the rotation taken off
    the pages read as drawn (see ``_view``), whose page content is the same."""
    import camelot  # heavy import, only when a PDF is really parsed

    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        logging.getLogger("camelot").setLevel(logging.ERROR)
        source = path
        as_drawn = [n for n in pages
                    if doc[n - 1].get_rotation() and not _view(doc[n - 1]).rotation]
        if as_drawn or pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1:
            for n in as_drawn:
                doc[n - 1].set_rotation(0)
            source = Path(tmp) / "normalized.pdf"
            doc.save(str(source), flags=pdfium_c.FPDF_REMOVE_SECURITY)
        return list(camelot.read_pdf(str(source), pages=",".join(map(str, pages)),
                                     flavor="lattice", engine="vector",
                                     layout_kwargs=_LINES_ONLY))


def _spans(table, textpage, view: _View = _View()) -> list[list[_Span]]:
    """The grid of ``table`` with each cell replaced by its merged span, whose text is read
    from the text layer inside the span's box (robust where Camelot attaches text to the
    wrong row)."""
    cells = table.cells
    nrows, ncols = len(cells), len(cells[0])
    cache: dict[tuple[int, int], _Span] = {}
    grid: list[list[_Span]] = []
    for r in range(nrows):
        row = []
        for c in range(ncols):
            r0, c0 = r, c
            while c0 > 0 and not cells[r0][c0].left:
                c0 -= 1
            while r0 > 0 and not cells[r0][c0].top:
                r0 -= 1
            if (r0, c0) not in cache:
                r1, c1 = r0, c0
                while c1 < ncols - 1 and not cells[r0][c1].right:
                    c1 += 1
                while r1 < nrows - 1 and not cells[r1][c0].bottom:
                    r1 += 1
                box = view.stored((cells[r0][c0].x1, cells[r1][c0].y1, cells[r0][c1].x2,
                                   cells[r0][c0].y2))
                cache[(r0, c0)] = _Span(textpage.get_text_bounded(*box).strip(), box)
            row.append(cache[(r0, c0)])
        grid.append(row)
    return grid


def _is_number_like(text: str) -> bool:
    value, flags, _ = parse_number(text, "decimal")
    return value is not None


def _value_columns(grid: list[list[_Span]]) -> int:
    """How many trailing columns hold values: the widest trailing run of numeric cells."""
    k = 0
    for row in grid:
        run, leftmost = len(row), None
        for c in range(len(row) - 1, -1, -1):
            text = row[c].text
            if _is_number_like(text):
                leftmost = c
            elif text and text not in _NOT_A_NUMBER:
                break
            run = c
        if leftmost is not None:
            k = max(k, len(row) - leftmost)
        del run
    return k


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
    return _is_number_like(text) or _squash(text) in _NOT_A_NUMBER


def _union(boxes: list[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _phrases(textpage, view: _View = _View()) -> list[_Run]:
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


def _borderless_grids(textpage, view: _View = _View()) -> list[list[list[_Span]]]:
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
            grid.append([_Span("", view.stored((left, 0, left, 0))),
                         *(_Span(text, view.stored(box)) for text, box in head)])
        for row, own in zip(trows, mine, strict=True):
            yc = row[0].yc
            # The leaf label: the rightmost label block level with the row.
            level = [b for b in own if b.box[1] - 2 <= yc <= b.box[3] + 2]
            leaf = max(level or own, key=lambda b: b.box[0], default=None)
            cells = [_Span(leaf.text, leaf.box) if leaf else _Span("", (left, yc, left, yc))]
            height = max(t.box[3] - t.box[1] for t in row)
            for c in cols:
                hit = [t for t in row if _fits(t, c)]
                box = _union([t.box for t in hit]) if hit else (
                    c[0], yc - height / 2, c[1], yc + height / 2)
                cells.append(_Span(" ".join(t.text for t in hit), box))
            grid.append([_Span(c.text, view.stored(c.box)) for c in cells])
        grids.append(grid)
    return grids


# Digits standing apart in one cell ("40 8"): a neighbour's text overflowing its border.
_SPLIT_DIGITS = re.compile(r"\d\s+\d")


class _Builder:
    """Collects extracted cells for one report, first match wins."""

    def __init__(self, report: Report) -> None:
        self.report, self.page, self.seen = report, 0, set()
        self.spec = tpl.spec_index(report.template)
        # 2021 reports that print （六）其他处理 as one row: measure -> (span, page).
        self.merged_other: dict[str, tuple[_Span, int]] = {}
        # The requests table's value columns as its header names them (see _column_names).
        self.request_columns: list[str] | None = None

    def put(self, key: tuple[str, str, str], span: _Span, confident: bool) -> None:
        if key not in self.spec or key in self.seen:
            return
        self.seen.add(key)
        value, flags, note = parse_number(span.text, self.spec[key].kind)
        if not confident:
            flags = [*flags, LOW_CONFIDENCE]
            note = (note + "; " if note else "") + "row label matched approximately"
        if value is not None and _SPLIT_DIGITS.search(unicodedata.normalize("NFKC", span.text)):
            flags = [*flags, LOW_CONFIDENCE]
            note = (note + "; " if note else "") + (
                "digits apart in the cell: text of a neighbouring cell may run into it")
        self.report.cells[key] = Cell(*key, value=value, printed=span.text, page=self.page,
                                      box=tuple(round(x, 2) for x in span.box), flags=flags,
                                      note=note)


def _leaf_label(row: list[_Span], label_cols: int) -> str:
    texts = [s.text for s in row[:label_cols] if s.text]
    return texts[-1] if texts else ""


def _column_names(grid: list[list[_Span]], k: int, template: str) -> list[str] | None:
    """The requests table's value columns named by their printed headings (自然人 … 总计),
    when one header row names every one of them, each once; else None (then by position).
    A heading is matched by its end, so spanning headings above it do not matter."""
    labels = {tpl.normalize_label(tpl.measure_label(template, "requests", m)): m
              for m in tpl.measures(template, "requests")}
    for row in grid:
        names = []
        for span in row[len(row) - k:]:
            text = tpl.normalize_label(span.text)
            hits = [m for lab, m in labels.items() if text.endswith(lab)]
            names.append(max(hits, key=lambda m: len(tpl.measure_label(
                template, "requests", m))) if hits else None)
        if all(names) and len(set(names)) == k:
            return names  # type: ignore[return-value]
    return None


def _map_table(grid: list[list[_Span]], b: _Builder) -> None:
    t = b.report.template
    ncols = len(grid[0])
    k = _value_columns(grid)
    if k == 0:
        return
    if k >= 15:
        section = "appeals"
    elif k >= 6:
        section = "requests"
    else:
        section = "active"
    if section == "appeals":
        # The appeals table has no row labels: its one data row is the last fully numeric one.
        for row in reversed(grid):
            vals = row[ncols - 15:]
            if any(_is_number_like(s.text) for s in vals) and all(
                _is_number_like(s.text) or not s.text or s.text in _NOT_A_NUMBER for s in vals
            ):
                for n, span in enumerate(vals):
                    group = tpl.items(t, "appeals")[n // 5]
                    b.put(("appeals", group, _APPEAL_MEASURES[n % 5]), span, True)
                return
        return
    keys = tpl.label_keys(t, section)
    aliases = {tpl.normalize_label(a): i for a, i in _ALIASES.get((t, section), {}).items()}
    keys = {**aliases, **keys}
    by_header = None
    if section == "requests":
        # A part printed without the header rows takes the names of the part before it.
        by_header = _column_names(grid, k, t) or (
            b.request_columns if len(b.request_columns or ()) == k else None)
        b.request_columns = by_header or b.request_columns
    for row in grid:
        label = _leaf_label(row, ncols - k)
        item, confident = match_label(label, keys)
        if item is None:
            if section == "requests" and t == "2021" and tpl.normalize_label(
                    label) == _MERGED_OTHER and k <= 7:
                for name, span in zip(by_header or [*tpl.APPLICANTS, "total"][:k],
                                      row[ncols - k:], strict=False):
                    b.merged_other.setdefault(name, (span, b.page))
            continue
        if section == "requests":
            names = by_header or ([*tpl.APPLICANTS, "total"][:k] if k <= 7 else [])
            values = row[ncols - k:]
        else:
            names = tpl.measures(t, "active", item)
            values = row[ncols - k:]
        for name, span in zip(names, values, strict=False):
            b.put((section, item, name), span, confident)


# Printed variants of labels seen in real reports: (template, section) -> label -> item.
_ALIASES = {
    (t, "active"): {"规范性文件": "normative_docs", "行政规范性文件": "normative_docs"}
    for t in tpl.TEMPLATES
} | {
    # 洪泽 2023/2024 print 2.其他法律行政止公开 (法规禁 dropped).
    ("2021", "requests"): {"其他法律行政止公开": "withheld_prohibited"},
}
# The 2021 group （六）其他处理 printed as one row without its three sub-rows (洪泽).
_MERGED_OTHER = "其他处理"
_OTHER_SUBROWS = ("other_no_correction", "other_no_fee", "other_misc")


def _split_merged_other(b: _Builder) -> None:
    """A 2021 report printing （六）其他处理 as one row: the three sub-rows are not printed.

    Per column: a printed 0 means each sub-row is 0 (counts are never negative), so they get
    0 flagged ``derived`` and the handled_sum check stays evaluable; any other printed value
    cannot be split, so the sub-rows stay NULL flagged ``absent`` + ``low_confidence`` with
    the printed value in the note (and handled_sum is not evaluated for that column, rather
    than failing falsely). Nothing is invented either way."""
    if not b.merged_other or any(
            k[1] in _OTHER_SUBROWS for k in b.seen if k[0] == "requests"):
        return
    for measure, (span, page) in b.merged_other.items():
        value, _, _ = parse_number(span.text, "count")
        box = tuple(round(x, 2) for x in span.box)
        for item in _OTHER_SUBROWS:
            cell = b.report.cells.get(("requests", item, measure))
            if cell is None:
                continue
            cell.page, cell.box = page, box
            if value == 0:
                cell.value, cell.flags = 0, [ABSENT, DERIVED]
                cell.note = ("not printed: the report prints （六）其他处理 as one row with 0, "
                             "so each of its sub-rows is 0")
            else:
                cell.value, cell.flags = None, [ABSENT, LOW_CONFIDENCE]
                cell.note = (f"not printed: the report prints （六）其他处理 as one row "
                             f"({span.text.strip()!r}) without its three sub-rows")


def _derive(report: Report, image_pages: list[int] | None = None) -> None:
    """Fill cells the source does not print (the 总计 column) and mark them derived; mark
    the rest of the unprinted ones absent (saying so when some pages are images)."""
    missing = "not found in the PDF"
    if image_pages:
        missing = (f"not found in the text layer; page(s) {_page_list(image_pages)} are images "
                   "without text (OCR or manual entry)")
    for item in tpl.items(report.template, "requests"):
        cell = report.cells[("requests", item, "total")]
        if cell.printed is None and not cell.flags:
            parts = [report.value("requests", item, a) for a in tpl.APPLICANTS]
            cell.flags = [ABSENT]
            if all(p is not None for p in parts):
                cell.value = sum(parts)  # type: ignore[arg-type]
                cell.flags.append(DERIVED)
                cell.note = "not printed; computed as the sum of the applicant columns"
            else:
                cell.note = "not printed, and its parts are incomplete"
    for cell in report.cells.values():
        if cell.printed is None and not cell.flags:
            cell.flags = [ABSENT]
            cell.note = missing


def _complete_and_consistent(report: Report) -> bool:
    cells = report.cells.values()
    return (all(c.printed is not None and c.value is not None and not c.flags for c in cells)
            and all(r.ok for r in check_report(report)))


def _reconcile(report: Report, text_only: Report) -> None:
    """Merge the text-only reading of the ruled pages into ``report``: a section the ruled
    tables did not yield at all (a borderless table on a page that also has a ruled one) is
    taken from it; a cell only it found is taken, flagged; a cell both readings found but
    read differently is flagged."""
    for section in tpl.SECTIONS:
        keys = [k for k in report.cells if k[0] == section]
        whole = not any(report.cells[k].printed is not None or report.cells[k].flags
                        for k in keys)
        for k in keys:
            cell, other = report.cells[k], text_only.cells[k]
            if whole:
                report.cells[k] = other
            elif cell.printed is None and not cell.flags and other.printed is not None:
                other.flags = [*other.flags, LOW_CONFIDENCE]
                other.note = (other.note + "; " if other.note else "") + (
                    "found only in the text layer, outside the ruled table")
                report.cells[k] = other
            elif (cell.printed is not None and other.printed is not None
                    and cell.value != other.value and LOW_CONFIDENCE not in cell.flags):
                cell.flags = [*cell.flags, LOW_CONFIDENCE]
                cell.note = (cell.note + "; " if cell.note else "") + (
                    f"read as {other.printed!r} from the text layer alone")


def _has_images(doc: pdfium.PdfDocument, pages: list[int]) -> bool:
    for n in pages:
        page = doc[n - 1]
        try:
            if any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])):
                return True
        finally:
            page.close()
    return False


def _page_list(pages: list[int]) -> str:
    return ", ".join(map(str, pages)) if len(pages) <= 5 else f"{pages[0]}–{pages[-1]}"


def extract_report(path: str | Path) -> Report:
    """Read one report PDF into a ``Report``; raise ``PdfError`` naming the file if it
    cannot be read or holds no report tables."""
    path = Path(path)
    doc = _open(path)
    try:
        texts = _page_texts(doc)
        if not any(t.strip() for t in texts):
            raise PdfError(path, "no text layer (an image-only scan?): it needs OCR or manual "
                                 "entry with `ogi template`")
        template = detect_template("".join(texts))
        pages = [n for n, t in enumerate(texts, 1) if any(m in _squash(t) for m in _TABLE_MARKERS)]
        blank = [n for n, t in enumerate(texts, 1) if not t.strip()]
        image_pages = blank if blank and _has_images(doc, blank) else []
        if template is None or not pages:
            if image_pages:
                raise PdfError(path, f"the table pages have no text layer (page(s) "
                               f"{_page_list(image_pages)}: images, while the prose has text): "
                               "they need OCR or manual entry with `ogi template`")
            raise PdfError(path, "no report tables found (not a 政府信息公开工作年度报告?)")
        agency, year = parse_title(texts[0])
        report = Report(report_id=report_id_for(path), template=template, agency=agency,
                        year=year, source_file=path.name, sha256=sha256_file(path),
                        extracted_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        narrative=narrative_sections(texts))
        report.set_place(place_of(agency))
        builder = _Builder(report)
        ruled = set()
        opened = {n: doc[n - 1] for n in pages}
        textpages = {n: page.get_textpage() for n, page in opened.items()}
        lattice_pages = [n for n in pages if _ruled(opened[n])]
        for table in _read_tables(path, lattice_pages, doc) if lattice_pages else []:
            builder.page = table.page
            _map_table(_spans(table, textpages[table.page], _view(opened[table.page])),
                       builder)
            ruled.add(table.page)
        _split_merged_other(builder)
        # The text-only reading: the only one on table pages where lattice saw no grid (a
        # borderless 三线表, no vertical rules), a cross-check on the others. Skipped when
        # the grid gave every cell of the template, printed, and every identity holds: a
        # misread cell would have to break none of them.
        if not _complete_and_consistent(report):
            shadow = _Builder(Report(report_id=report.report_id, template=template))
            for n in pages:
                target = shadow if n in ruled else builder
                target.page = n
                for grid in _borderless_grids(textpages[n], _view(opened[n])):
                    _map_table(grid, target)
            _split_merged_other(builder)  # again: the text-only pages may hold that row
            _split_merged_other(shadow)
            _reconcile(report, shadow.report)
        for n in pages:
            textpages[n].close()
            opened[n].close()
    finally:
        doc.close()
    found = sum(1 for c in report.cells.values() if c.printed is not None)
    if found == 0:
        raise PdfError(path, "no report tables found: no table cell matched the template")
    _derive(report, image_pages)
    return report
