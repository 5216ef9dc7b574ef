"""PDF -> ``Report``: find the table pages from the text layer, let Camelot find the ruled
grid there, read each cell's text by its own position, and map rows onto the template by
their labels.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium

from etl import template as tpl
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
            raise PdfError(path, "PDF needs a password to open") from e
        raise PdfError(path, f"damaged or truncated PDF ({msg})") from e


def _page_texts(doc: pdfium.PdfDocument) -> list[str]:
    texts = []
    for page in doc:
        tp = page.get_textpage()
        texts.append(tp.get_text_range())
        tp.close()
        page.close()
    return texts


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


def _read_tables(path: Path, pages: list[int]) -> list:
    import camelot  # heavy import, only when a PDF is really parsed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("camelot").setLevel(logging.ERROR)
        return list(camelot.read_pdf(str(path), pages=",".join(map(str, pages)),
                                     flavor="lattice", engine="vector"))


def _spans(table, textpage) -> list[list[_Span]]:
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
                box = (cells[r0][c0].x1, cells[r1][c0].y1, cells[r0][c1].x2, cells[r0][c0].y2)
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


class _Builder:
    """Collects extracted cells for one report, first match wins."""

    def __init__(self, report: Report, page: int) -> None:
        self.report, self.page, self.seen = report, page, set()
        self.spec = tpl.spec_index(report.template)

    def put(self, key: tuple[str, str, str], span: _Span, confident: bool) -> None:
        if key not in self.spec or key in self.seen:
            return
        self.seen.add(key)
        value, flags, note = parse_number(span.text, self.spec[key].kind)
        if not confident:
            flags = [*flags, LOW_CONFIDENCE]
            note = (note + "; " if note else "") + "row label matched approximately"
        self.report.cells[key] = Cell(*key, value=value, printed=span.text, page=self.page,
                                      box=tuple(round(x, 2) for x in span.box), flags=flags,
                                      note=note)


def _leaf_label(row: list[_Span], label_cols: int) -> str:
    texts = [s.text for s in row[:label_cols] if s.text]
    return texts[-1] if texts else ""


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
    if section == "active":
        keys = {**{tpl.normalize_label(a): i for a, i in _ACTIVE_ALIASES.items()}, **keys}
    for row in grid:
        item, confident = match_label(_leaf_label(row, ncols - k), keys)
        if item is None:
            continue
        if section == "requests":
            names = [*tpl.APPLICANTS, "total"][:k] if k <= 7 else []
            values = row[ncols - k:]
        else:
            names = tpl.measures(t, "active", item)
            values = row[ncols - k:]
        for name, span in zip(names, values, strict=False):
            b.put((section, item, name), span, confident)


# Printed variants of active-section labels seen in real reports.
_ACTIVE_ALIASES = {"规范性文件": "normative_docs", "行政规范性文件": "normative_docs"}


def _derive(report: Report) -> None:
    """Fill cells the source does not print (the 总计 column) and mark them derived."""
    for item in tpl.items(report.template, "requests"):
        cell = report.cells[("requests", item, "total")]
        if cell.printed is None:
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
            cell.note = "not found in the PDF"


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
        if template is None or not pages:
            raise PdfError(path, "no report tables found (not a 政府信息公开工作年度报告?)")
        agency, year = parse_title(texts[0])
        report = Report(report_id=report_id_for(path), template=template, agency=agency,
                        year=year, source_file=path.name, sha256=sha256_file(path),
                        extracted_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        narrative=narrative_sections(texts))
        report.set_place(place_of(agency))
        for table in _read_tables(path, pages):
            page = doc[table.page - 1]
            textpage = page.get_textpage()
            _map_table(_spans(table, textpage), _Builder(report, table.page))
            textpage.close()
            page.close()
    finally:
        doc.close()
    found = sum(1 for c in report.cells.values() if c.printed is not None)
    if found == 0:
        raise PdfError(path, "no report tables found: no table cell matched the template")
    _derive(report)
    return report
