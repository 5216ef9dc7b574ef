"""Scanned pages read by OCR into the same grids of cells as the other readers.

A page without a text layer is rendered (pypdfium2), straightened (a scanner's skew of a
few degrees; a landscape page scanned upright on portrait paper), cleaned of a red seal
stamped over the table, and its ruled lines found by morphology (OpenCV). The lines give
the cell grid (merged cells included, as Camelot's lattice gives it for vector pages), so
the text detector is not needed there: each cell's text lines are cut out and read by the
recogniser alone, in batches (RapidOCR's PP-OCRv4 Chinese recogniser, shipped inside the
``rapidocr-onnxruntime`` wheel). Cells in value columns are decoded from the same
recogniser output restricted to digits and the marks a count may carry, so a 0 is never
read as an O. Each ``Span`` keeps the recogniser's confidence: ``etl.mapping`` flags the
cells ``ocr``, and those read unsure ``low_confidence``.

For a full scan (no text layer at all) ``read_page`` also reads the prose outside the
tables, its lines found by the ink's profile and read by the recogniser alone, for the
title, the template's headings and the narrative. Only the recogniser is loaded and run.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from etl.errors import OcrError
from etl.i18n import _
from etl.pdf import Grid, Span

Box = tuple[float, float, float, float]

# Rendering resolution: the recogniser reads 48-pixel-high lines, and at 200 dpi a 10.5 pt
# table digit is ~29 px high, enough; more costs time in the morphology without gain.
DPI = 200
# Skews beyond this are not a scanner's: a page turned further is a drawing, left as is.
MAX_SKEW = 5.0
# What a count or an amount may print: digits, separators, the marks for "nothing here",
# and the units (etl.report.COUNT_UNITS, 万元, 元).
NUMBER_CHARS = frozenset("0123456789.,/-—－／\\无件个项次宗份条万元()（）")
# The widest lines read at least this sure on average: the page is upright (text turned
# on its side reads at about 0.3).
_UPRIGHT = 0.75
# Ink components smaller than this (pixels at DPI) are scanner speckle, not print: a
# printed full stop at 200 dpi is about 16 px.
_SPECK = 7


@dataclass
class _Cell:
    """One (merged) cell of a table found on the image: its rows and columns in the
    grid and its box in pixels (x0, y0, x1, y1, y down)."""

    r0: int
    c0: int
    r1: int
    c1: int
    box: tuple[int, int, int, int]


# --- the engine -----------------------------------------------------------------------

_lock = threading.Lock()


@dataclass(frozen=True)
class _Recogniser:
    """The PP-OCRv4 Chinese recogniser: its onnxruntime session, the classes it outputs
    (the CTC blank first, the space last, as RapidOCR decodes them) and its line height."""

    session: Any
    input: str
    characters: list[str]
    height: int = 48


def _threads() -> int:
    """onnxruntime's threads: every core this process may use; one in a worker of a pool
    (``ogi extract -j``, Dask), which already runs one process per core."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        return 1
    return max(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1, 1)


@functools.cache
def _engine() -> _Recogniser:
    """The recogniser shipped in RapidOCR's wheel, loaded once per process. Only it: the
    grid gives every cell's box and the ink profile every line's, so neither the detector
    nor the angle classifier is ever run (nor loaded)."""
    try:
        import onnxruntime as ort
        import rapidocr_onnxruntime
    except ImportError as e:  # pragma: no cover - a broken install
        raise OcrError(_("无法识别扫描页：没有安装 rapidocr-onnxruntime（{error}）；"
                       "重新运行 make install 或 pip install rapidocr-onnxruntime").format(
            error=e)) from e
    model = Path(rapidocr_onnxruntime.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    # Idle threads wait asleep, not spinning: on a machine whose cores are busy with other
    # work, spinning threads take the time the working ones need (one strip measured
    # 0.74 s spinning, 0.43 s not, under a load average of 7 on 2 cores).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    except Exception as e:  # pragma: no cover - a damaged wheel
        raise OcrError(_("无法识别扫描页：OCR 模型 {model} 无法载入（{error}）；重新安装 "
                       "rapidocr-onnxruntime").format(model=model, error=e)) from e
    classes = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return _Recogniser(session, session.get_inputs()[0].name, ["blank", *classes, " "])


@functools.cache
def _number_classes() -> np.ndarray:
    """The recogniser's classes a value cell may decode to: the CTC blank, the number
    characters and the space (their indices, blank first)."""
    chars = _engine().characters
    return np.flatnonzero([i == 0 or c in NUMBER_CHARS or c == " " for i, c in enumerate(chars)])


def _decode(preds: np.ndarray, classes: np.ndarray | None) -> tuple[str, float]:
    """CTC decoding of one line (``preds``: time steps x classes, softmaxed), over every
    class or only those in ``classes`` (their probabilities renormalized: in a value cell
    the question is which digit, not whether it is a letter); confidence = the least sure
    character's."""
    chars = _engine().characters
    if classes is not None:
        preds = preds[:, classes]
        preds = preds / np.maximum(preds.sum(axis=1, keepdims=True), 1e-9)
    idx = preds.argmax(axis=1)
    best = preds[np.arange(len(idx)), idx]
    if classes is not None:
        idx = classes[idx]
    text: list[str] = []
    conf: list[float] = []
    last = 0
    for i, p in zip(idx.tolist(), best.tolist(), strict=True):
        if i != 0 and i == last:  # the same character over several time steps
            conf[-1] = max(conf[-1], p)
        elif i != 0:
            text.append(chars[i])
            conf.append(p)
        last = i
    return "".join(text).strip(), (min(conf) if conf else 0.0)


# The recogniser reads a line 48 px high and its cost grows with the width it is given
# (about 0.1 s of CPU per 1000 px; batching lines in one tensor measured no cheaper per
# pixel, and pads every line to the widest). So the crops are set side by side, sorted by
# width, with _GAP of grey between them into strips up to _STRIP wide, read as one line and
# parted again by the time steps' positions: one inference instead of dozens, none padded.
# A narrower gap (16 or 24 px) read a lone 0 as "0." on a speckled scan: 48 stays.
_GAP = 48
_STRIP = 1600


def _normalized(crop: np.ndarray, height: int) -> np.ndarray:
    """A grey line crop scaled to the recogniser's height, as float in [-1, 1]."""
    import cv2

    h, w = crop.shape[:2]
    width = max(int(np.ceil(height * w / h)), 8)
    return cv2.resize(crop, (width, height)).astype(np.float32) / 127.5 - 1.0


def _strips(widths: list[int]) -> list[list[int]]:
    """The lines (by index) packed into strips, narrowest first."""
    strips: list[list[int]] = []
    width = 0
    for i in sorted(range(len(widths)), key=widths.__getitem__):
        w = widths[i] + _GAP
        if strips and width + w <= _STRIP:
            strips[-1].append(i)
            width += w
        else:
            strips.append([i])
            width = _GAP + w
    return strips


def recognize(lines: list[np.ndarray]) -> list[tuple[str, float, str, float]]:
    """Each grey line image read by the recogniser alone (no detector: the grid gives the
    boxes): (text, confidence, text as a number, its confidence)."""
    if not lines:
        return []
    rec = _engine()
    numbers = _number_classes()
    norm = [_normalized(im, rec.height) for im in lines]
    out: list[tuple[str, float, str, float]] = [("", 0.0, "", 0.0)] * len(lines)
    for strip in _strips([n.shape[1] for n in norm]):
        total = _GAP + sum(norm[i].shape[1] + _GAP for i in strip)
        # Mid grey between the crops, as the recogniser was trained to see its padding
        # (white there makes it doubt a lone 0 against o and ０).
        image = np.zeros((1, 3, rec.height, total), np.float32)
        spans, x = [], _GAP
        for i in strip:
            w = norm[i].shape[1]
            image[0, :, :, x:x + w] = norm[i]  # grey: the same in the three channels
            spans.append((i, x - _GAP / 2, x + w + _GAP / 2))
            x += w + _GAP
        with _lock:  # one onnxruntime session, used by one thread at a time
            preds = rec.session.run(None, {rec.input: image})[0][0]
        step = total / len(preds)
        centres = (np.arange(len(preds)) + 0.5) * step
        for i, a, b in spans:
            part = preds[(centres >= a) & (centres < b)]
            out[i] = (*_decode(part, None), *_decode(part, numbers))
    return out


# --- the image ------------------------------------------------------------------------

def render(page: Any, dpi: int = DPI) -> np.ndarray:
    """The page as shown (its ``/Rotate`` applied), BGR, at ``dpi``."""
    bitmap = page.render(scale=dpi / 72, rev_byteorder=False)
    arr = bitmap.to_numpy()[:, :, :3].copy()  # BGR(x): pdfium's native order
    return arr


def remove_seal(bgr: np.ndarray) -> np.ndarray:
    """The image with a red seal stamped over the table lifted: a red pixel takes its red
    channel as its grey. Seal ink on paper is then light (paper shows through the red),
    while print under the seal stays dark: the seal's ink multiplies with it, leaving all
    three channels low (a rule's grey pixels too: whitening red pixels would cut rules)."""
    import cv2

    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    h, s = hsv[:, :, 0], hsv[:, :, 1]
    red = ((h <= 12) | (h >= 165)) & (s >= 60)
    if not red.any():
        return bgr
    out = bgr.copy()
    out[red] = bgr[red][:, 2:3]
    return out


def _binary(gray: np.ndarray) -> np.ndarray:
    """Ink = 1 (Otsu's threshold: scans differ in paper grey and blur)."""
    import cv2

    _t, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return ink


def line_masks(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) ruled lines: ink that runs on far longer than any stroke."""
    import cv2

    # A quarter inch: longer than any stroke of a character (一 at 12 pt is a sixth),
    # shorter than the narrowest cell's side (a rule may bound one cell only).
    run = DPI // 4
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
    # Close the small gaps JPEG, speckle and thin rules leave in a line.
    horiz = cv2.dilate(horiz, np.ones((3, 9), np.uint8))
    vert = cv2.dilate(vert, np.ones((9, 3), np.uint8))
    return horiz, vert


def skew_angle(ink: np.ndarray) -> float:
    """The page's skew in degrees (positive: turned counter-clockwise), from its long
    horizontal lines; 0 when none is found."""
    import cv2

    small = np.ascontiguousarray(ink[::2, ::2])  # half the pixels: the angle is the same
    h, w = small.shape
    # Short kernel: a line skewed by 3 degrees still runs 20 px within one pixel row band.
    horiz = cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((1, 20), np.uint8))
    lines = cv2.HoughLinesP(horiz, 1, np.pi / 1800, threshold=100, minLineLength=w // 4,
                            maxLineGap=10)
    angles = [] if lines is None else [
        np.degrees(np.arctan2(y1 - y0, x1 - x0)) for x0, y0, x1, y1 in lines.reshape(-1, 4)]
    angles = [a for a in angles if abs(a) <= MAX_SKEW]
    return -float(np.median(angles)) if angles else _text_skew(ink)


def _text_skew(ink: np.ndarray) -> float:
    """The skew of a page of prose (no ruled line to go by): the angle whose rows of ink
    are sharpest, the lines of text then lying each in its own rows."""
    import cv2

    small = cv2.resize(ink * 255, (ink.shape[1] // 4, ink.shape[0] // 4),
                       interpolation=cv2.INTER_AREA).astype(np.float32)
    best, best_score = 0.0, -1.0
    for angle in np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.25):
        rows = rotate(small, float(angle)).sum(axis=1) if angle else small.sum(axis=1)
        score = float(np.square(np.diff(rows)).sum())
        if score > best_score:
            best, best_score = float(angle), score
    return -best


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """``image`` turned counter-clockwise by ``degrees`` about its centre, white filled."""
    import cv2

    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    border = (255,) * (image.shape[2] if image.ndim == 3 else 1)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _positions(mask: np.ndarray, axis: int, min_run: int) -> list[int]:
    """Centres of the lines in ``mask`` (axis 1: horizontal lines -> their y)."""
    profile = mask.sum(axis=axis) >= min_run
    out, start = [], None
    for i, on in enumerate([*profile, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            out.append((start + i - 1) // 2)
            start = None
    return out


def table_cells(horiz: np.ndarray, vert: np.ndarray) -> list[list[_Cell]]:
    """Each ruled table on the image as its merged cells, top table first."""
    import cv2

    both = cv2.bitwise_or(horiz, vert)
    count, _labels, stats, _c = cv2.connectedComponentsWithStats(both, connectivity=8)
    tables = []
    for i in range(1, count):
        x, y, w, h, _a = stats[i]
        if max(w, h) < min(horiz.shape) // 5 or min(w, h) < 40:
            continue  # not a table (a table on its side is tall and narrow)
        cells = _cells(horiz[y:y + h, x:x + w], vert[y:y + h, x:x + w], x, y)
        if cells:
            tables.append((y, cells))
    return [cells for _y, cells in sorted(tables, key=lambda t: t[0])]


def _cells(horiz: np.ndarray, vert: np.ndarray, ox: int, oy: int) -> list[_Cell]:
    """The merged cells of one table (its line masks cut to its box, offset ox, oy)."""
    h, w = horiz.shape
    ys = _positions(horiz, 1, min(w // 8, 60))
    xs = _positions(vert, 0, min(h // 8, 40))
    if len(ys) < 2 or len(xs) < 2:
        return []

    def ruled(mask: np.ndarray, a: int, b: int, at: int, along_x: bool) -> bool:
        """Whether a line covers most of a..b at ``at`` (a cell's side is drawn)."""
        if along_x:
            seg = mask[max(at - 3, 0):at + 4, a:b].max(axis=0)
        else:
            seg = mask[a:b, max(at - 3, 0):at + 4].max(axis=1)
        inner = seg[len(seg) // 6: len(seg) - len(seg) // 6]
        return inner.size > 0 and inner.mean() > 0.6

    nr, nc = len(ys) - 1, len(xs) - 1
    right = [[ruled(vert, ys[r], ys[r + 1], xs[c + 1], False) for c in range(nc)]
             for r in range(nr)]
    bottom = [[ruled(horiz, xs[c], xs[c + 1], ys[r + 1], True) for c in range(nc)]
              for r in range(nr)]
    owner: dict[tuple[int, int], _Cell] = {}
    out = []
    for r in range(nr):
        for c in range(nc):
            if (r, c) in owner:
                continue
            c1 = c
            while c1 < nc - 1 and not right[r][c1]:
                c1 += 1
            r1 = r
            while r1 < nr - 1 and not bottom[r1][c]:
                r1 += 1
            cell = _Cell(r, c, r1, c1, (xs[c] + ox, ys[r] + oy, xs[c1 + 1] + ox, ys[r1 + 1] + oy))
            for rr in range(r, r1 + 1):
                for cc in range(c, c1 + 1):
                    owner.setdefault((rr, cc), cell)
            out.append(cell)
    return out


def _ink_components(ink: np.ndarray) -> np.ndarray:
    """``ink`` without speckle (components smaller than ``_SPECK`` pixels)."""
    import cv2

    count, labels, stats, _c = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = np.zeros(count, np.uint8)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= _SPECK
    return keep[labels]


def text_lines(ink: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The text lines inside one cell's ink (rules and speckle taken out): (x0, y0, x1, y1)
    boxes, top first."""
    rows = ink.sum(axis=1) > 0
    bands, start = [], None
    for i, on in enumerate([*rows, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            bands.append([start, i])
            start = None
    merged: list[list[int]] = []
    for band in bands:  # a gap of a pixel or two parts no lines (the strokes of 三)
        if merged and band[0] - merged[-1][1] <= 2:
            merged[-1][1] = band[1]
        else:
            merged.append(band)
    out = []
    for y0, y1 in merged:
        if y1 - y0 < 4:
            continue
        cols = np.flatnonzero(ink[y0:y1].any(axis=0))
        out.append((int(cols[0]), y0, int(cols[-1]) + 1, y1))
    return out


# --- a page ---------------------------------------------------------------------------

@dataclass
class PageImage:
    """A page's image straightened for reading, and how its pixels map back to the page
    as shown (PDF points, origin bottom left)."""

    gray: np.ndarray
    turns: int  # quarter turns counter-clockwise applied (a sideways landscape page)
    skew: float
    size: tuple[float, float]  # the page as shown, points

    def to_points(self, box: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        """A pixel box of the straightened image -> the page as shown (skew ignored: a
        few points at most, the box only places the cell's image)."""
        h, w = self.gray.shape
        x0, y0, x1, y1 = box
        pts = [(x0, y0), (x1, y1)]
        for _turn in range(self.turns % 4):  # undo each counter-clockwise quarter turn
            pts = [(h - 1 - y, x) for x, y in pts]
            h, w = w, h
        s = 72 / DPI
        xs = [p[0] * s for p in pts]
        ys = [self.size[1] - p[1] * s for p in pts]
        return (min(xs), min(ys), max(xs), max(ys))


def straighten(bgr: np.ndarray, size: tuple[float, float]) -> tuple[PageImage, np.ndarray]:
    """The page's grey image without the seal, deskewed; with its ink (0/1)."""
    import cv2

    gray = cv2.cvtColor(remove_seal(bgr), cv2.COLOR_BGR2GRAY)
    ink = _binary(gray)
    angle = skew_angle(ink)
    if abs(angle) >= 0.2:
        gray = rotate(gray, -angle)
        ink = _binary(gray)
    return PageImage(gray, 0, angle, size), ink


def _turned(page: PageImage, ink: np.ndarray, turns: int) -> tuple[PageImage, np.ndarray]:
    return (PageImage(np.ascontiguousarray(np.rot90(page.gray, turns)), turns, page.skew,
                      page.size), np.ascontiguousarray(np.rot90(ink, turns)))


def _cell_lines(page: PageImage, clean: np.ndarray, cell: _Cell
                ) -> list[tuple[int, int, int, int]]:
    """The text lines of a cell, in page pixels."""
    x0, y0, x1, y1 = cell.box
    inset = 5  # the rule itself and its dilation
    sub = clean[y0 + inset:y1 - inset, x0 + inset:x1 - inset]
    if sub.size == 0:
        return []
    return [(x0 + inset + a, y0 + inset + b, x0 + inset + c, y0 + inset + d)
            for a, b, c, d in text_lines(sub)]


def _crop(gray: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """A line's image, with a little paper round it (the recogniser was trained so)."""
    x0, y0, x1, y1 = box
    pad = 4
    h, w = gray.shape
    return np.ascontiguousarray(gray[max(y0 - pad, 0):min(y1 + pad, h),
                                     max(x0 - pad, 0):min(x1 + pad, w)])


@dataclass
class _Layout:
    """A page in one orientation: its tables' cells, its ink without rules and speckle,
    each cell's text lines (boxes in pixels) and the lines already read (by box), so that
    nothing found or read while judging the page's orientation is found or read again."""

    page: PageImage
    tables: list[list[_Cell]]
    clean: np.ndarray
    lines: list[list[list[tuple[int, int, int, int]]]]
    read: dict[tuple[int, int, int, int], tuple[str, float, str, float]]


def _layout(page: PageImage, ink: np.ndarray) -> _Layout:
    """The page's tables, their cells' text lines and its clean ink."""
    horiz, vert = line_masks(ink)
    tables = table_cells(horiz, vert)
    clean = _ink_components(ink & ~(horiz | vert).astype(bool)).astype(np.uint8)
    lines = [[_cell_lines(page, clean, cell) for cell in cells] for cells in tables]
    return _Layout(page, tables, clean, lines, {})


def _read_cells(lay: _Layout) -> list[list[list[tuple]]]:
    """The recogniser's reading of each cell's lines, per table (one batch for the whole
    page, less the lines read already)."""
    todo = list(dict.fromkeys(box for cells in lay.lines for boxes in cells for box in boxes
                              if box not in lay.read))
    lay.read.update(zip(todo, recognize([_crop(lay.page.gray, b) for b in todo]), strict=True))
    return [[[lay.read[b] for b in boxes] for boxes in cells] for cells in lay.lines]


def _is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff"


def _cell_text(cell: _Cell, lines: list[tuple]) -> tuple[str, float]:
    """One cell's text and its confidence (the least sure line's). A value cell: one
    column wide, no Chinese but a unit's, and a number when read as one (an "o" or "O"
    there is a 0 the recogniser took for a letter)."""
    from etl.report import is_number_like

    if not lines:
        return "", 1.0  # no ink in the cell: printed blank
    full = "".join(r[0] for r in lines)
    digits = "".join(r[2] for r in lines)
    as_number = (cell.c0 == cell.c1 and is_number_like(digits)
                 and not any(_is_cjk(c) and c not in NUMBER_CHARS for c in full))
    if as_number:
        return digits, min(r[3] for r in lines)
    return full, min(r[1] for r in lines)


def _grid(page: PageImage, cells: list[_Cell], reads: list[list[tuple]]) -> Grid:
    """The grid of spans of one table, each merged cell one span in each of its places."""
    nr = max(c.r1 for c in cells) + 1
    nc = max(c.c1 for c in cells) + 1
    grid: list[list[Span | None]] = [[None] * nc for _ in range(nr)]
    for cell, lines in zip(cells, reads, strict=True):
        text, conf = _cell_text(cell, lines)
        span = Span(text, page.to_points(cell.box), round(conf, 4))
        for r in range(cell.r0, cell.r1 + 1):
            for c in range(cell.c0, cell.c1 + 1):
                grid[r][c] = span
    blank = Span("", (0.0, 0.0, 0.0, 0.0), 1.0)
    return [[s or blank for s in row] for row in grid]


def _upright(page: PageImage, ink: np.ndarray) -> _Layout:
    """The page turned so that its text stands upright, with its tables and clean ink:
    judged by the recogniser's confidence on its widest text lines, as they are and turned
    (a landscape table scanned on portrait paper lies on its side)."""
    best: tuple[float, _Layout] | None = None
    for turns in (0, 1, 3, 2):
        lay = _layout(*(_turned(page, ink, turns) if turns else (page, ink)))
        sample = sorted((b for cells in lay.lines for boxes in cells for b in boxes),
                        key=lambda b: b[0] - b[2])[:8]
        reads = recognize([_crop(lay.page.gray, b) for b in sample])
        lay.read.update(zip(sample, reads, strict=True))
        score = float(np.mean([r[1] for r in reads])) if reads else -1.0
        if best is None or score > best[0]:
            best = (score, lay)
        if turns == 0 and score >= _UPRIGHT or not lay.tables:
            break  # upright, as nearly every page is (or no table to turn)
    return best[1]


def read_page(page: Any, stored: Callable[[Box], Box] | None = None, text: bool = False
              ) -> tuple[list[Grid], str]:
    """An image page (a pdfium page) read: its ruled tables as grids of OCR'd spans (boxes
    in the page's space as shown, or mapped by ``stored`` to the text layer's), and with
    ``text`` the text outside them (title, headings, prose; "" without), one line per
    printed line: lines found by the ink's horizontal profile (a report's prose is one
    column) and read by the recogniser alone, as the cells are."""
    size = (page.get_width(), page.get_height())
    lay = _upright(*straighten(render(page), size))
    img, clean = lay.page, lay.clean
    grids = [_grid(img, cells, reads) for cells, reads in zip(lay.tables, _read_cells(lay),
                                                               strict=True)]
    if stored is not None:
        for grid in grids:
            for span in {id(s): s for row in grid for s in row}.values():
                span.box = stored(span.box)
    if not text:
        return grids, ""
    for cells in lay.tables:  # the tables are read cell by cell instead
        x0 = min(c.box[0] for c in cells)
        y0 = min(c.box[1] for c in cells)
        x1 = max(c.box[2] for c in cells)
        y1 = max(c.box[3] for c in cells)
        clean[max(y0 - 4, 0):y1 + 4, max(x0 - 4, 0):x1 + 4] = 0
    reads = recognize([_crop(img.gray, box) for box in text_lines(clean)])
    return grids, "\n".join(r[0] for r in reads if r[0])
