"""PDF -> ``Report``: find the table pages from the text layer, let Camelot find the ruled
grid there, read each cell's text by its own position, and map rows onto the template by
their labels.

A second, text-only reading (``etl.textgrid``: rows, columns and labels from the
characters' own positions) reads the table pages where lattice finds no grid (borderless
三线表) and cross-checks the others: a cell the two read differently is flagged. Pages
carrying ``/Rotate`` are read as shown when that shows their text upright, else as drawn;
PDFs encrypted with an owner password only are read through a decrypted copy.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
import tempfile
import unicodedata
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from etl import template as tpl
from etl.checks import check_report
from etl.errors import PdfError
from etl.narrative import narrative_sections
from etl.report import (
    ABSENT,
    DERIVED,
    LOW_CONFIDENCE,
    NOT_A_NUMBER,
    Cell,
    Report,
    is_number_like,
    parse_number,
)
from etl.textgrid import AS_DRAWN, Span, View, borderless_grids, page_view

_TITLE = re.compile(r"(?P<agency>[^\d《》“”]{0,60}?)(?P<year>20\d\d)年度?政府信息公开工作年度报告")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def report_id_for(path: Path) -> str:
    """A stable id from the file name, safe as a workbook name and a URL part."""
    return re.sub(r"[^\w.-]+", "_", path.stem).strip("_") or "report"


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



def detect_template(text: str) -> str | None:
    """The template from the section 二 headings, never from the year."""
    flat = tpl.squash(text)
    hits = {t: sum(m in flat for m in marks) for t, marks in tpl.template_markers().items()}
    best = max(hits, key=hits.__getitem__)
    return best if hits[best] else None


def parse_title(text: str) -> tuple[str | None, int | None]:
    """Agency and year as printed in the title (``吴忠市人民政府办公室`` + 2024)."""
    m = _TITLE.search(tpl.squash(text[:600]))
    if not m:
        return None, None
    agency = m.group("agency").strip("，,。：:-—－_·") or None
    return agency, int(m.group("year"))


# Camelot only has to find the ruled grid: cell text is read from pdfium by position, so
# pdfminer's grouping of characters into text boxes (most of Camelot's time) is skipped.
_LINES_ONLY = {"boxes_flow": None, "detect_vertical": False, "all_texts": False}


def _read_tables(path: Path, pages: list[int], doc: pdfium.PdfDocument) -> list:
    """Camelot's lattice tables on ``pages``. Camelot refuses a PDF encrypted with an owner
    password only (empty user password, copying forbidden), and reads a page carrying
    ``/Rotate`` as shown; for those it reads a decrypted copy, with the rotation taken off
    the pages read as drawn (see ``textgrid.page_view``), whose page content is the same."""
    import camelot  # heavy import, only when a PDF is really parsed

    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        logging.getLogger("camelot").setLevel(logging.ERROR)
        source = path
        as_drawn = [n for n in pages
                    if doc[n - 1].get_rotation() and not page_view(doc[n - 1]).rotation]
        if as_drawn or pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1:
            for n in as_drawn:
                doc[n - 1].set_rotation(0)
            source = Path(tmp) / "normalized.pdf"
            doc.save(str(source), flags=pdfium_c.FPDF_REMOVE_SECURITY)
        return list(camelot.read_pdf(str(source), pages=",".join(map(str, pages)),
                                     flavor="lattice", engine="vector",
                                     layout_kwargs=_LINES_ONLY))


def _spans(table, textpage, view: View = AS_DRAWN) -> list[list[Span]]:
    """The grid of ``table`` with each cell replaced by its merged span, whose text is read
    from the text layer inside the span's box (robust where Camelot attaches text to the
    wrong row)."""
    cells = table.cells
    nrows, ncols = len(cells), len(cells[0])
    cache: dict[tuple[int, int], Span] = {}
    grid: list[list[Span]] = []
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
                cache[(r0, c0)] = Span(textpage.get_text_bounded(*box).strip(), box)
            row.append(cache[(r0, c0)])
        grid.append(row)
    return grid


def _value_columns(grid: list[list[Span]]) -> int:
    """How many trailing columns hold values: the widest trailing run of numeric cells."""
    k = 0
    for row in grid:
        leftmost = None
        for c in range(len(row) - 1, -1, -1):
            text = row[c].text
            if is_number_like(text):
                leftmost = c
            elif text and text not in NOT_A_NUMBER:
                break
        if leftmost is not None:
            k = max(k, len(row) - leftmost)
    return k


# Digits standing apart in one cell ("40 8"): a neighbour's text overflowing its border.
_SPLIT_DIGITS = re.compile(r"\d\s+\d")


class _Builder:
    """Collects extracted cells for one report, first match wins."""

    def __init__(self, report: Report) -> None:
        self.report, self.page, self.seen = report, 0, set()
        self.spec = tpl.spec_index(report.template)
        # 2021 reports that print （六）其他处理 as one row: measure -> (span, page).
        self.merged_other: dict[str, tuple[Span, int]] = {}
        # The requests table's value columns as its header names them (see _column_names).
        self.request_columns: list[str] | None = None

    def put(self, key: tuple[str, str, str], span: Span, confident: bool) -> None:
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


def _leaf_label(row: list[Span], label_cols: int) -> str:
    texts = [s.text for s in row[:label_cols] if s.text]
    return texts[-1] if texts else ""


def _column_names(grid: list[list[Span]], k: int, template: str) -> list[str] | None:
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


def _map_table(grid: list[list[Span]], b: _Builder) -> None:
    t = b.report.template
    ncols = len(grid[0])
    k = _value_columns(grid)
    if k == 0:
        return
    # The section by how many value columns it prints: appeals 15; requests 7, or 6 without
    # its 总计 column; active 1 to 3.
    if k >= tpl.value_columns(t, "appeals"):
        section = "appeals"
    elif k >= len(tpl.APPLICANTS):
        section = "requests"
    else:
        section = "active"
    if section == "appeals":
        # The appeals table has no row labels: its one data row is the last fully numeric one.
        width = tpl.value_columns(t, "appeals")
        for row in reversed(grid):
            vals = row[ncols - width:]
            if any(is_number_like(s.text) for s in vals) and all(
                is_number_like(s.text) or not s.text or s.text in NOT_A_NUMBER for s in vals
            ):
                per = len(tpl.measures(t, "appeals"))
                for n, span in enumerate(vals):
                    group = tpl.items(t, "appeals")[n // per]
                    b.put(("appeals", group, tpl.measures(t, "appeals")[n % per]), span, True)
                return
        return
    keys = {**{a: i for a, i in tpl.label_aliases(section).items()
               if i in tpl.items(t, section)}, **tpl.label_keys(t, section)}
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
            if section == "requests" and _other_subrows(t) and tpl.normalize_label(
                    label) == _merged_other_label() and k <= 7:
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


def _other_subrows(template: str) -> tuple[str, ...]:
    """The sub-rows of （六）其他处理 (2021; the 2019 template has none), which some reports
    print as one row without them (洪泽)."""
    return tpl.group_items(template, "requests", "other")


def _merged_other_label() -> str:
    return tpl.normalize_label(next(g.label for g in tpl.row_groups("2021", "requests")
                                    if g.code == "other"))


def _split_merged_other(b: _Builder) -> None:
    """A 2021 report printing （六）其他处理 as one row: the three sub-rows are not printed.

    Per column: a printed 0 means each sub-row is 0 (counts are never negative), so they get
    0 flagged ``derived`` and the handled_sum check stays evaluable; any other printed value
    cannot be split, so the sub-rows stay NULL flagged ``absent`` + ``low_confidence`` with
    the printed value in the note (and handled_sum is not evaluated for that column, rather
    than failing falsely). Nothing is invented either way."""
    subrows = _other_subrows(b.report.template)
    if not b.merged_other or any(k[1] in subrows for k in b.seen if k[0] == "requests"):
        return
    for measure, (span, page) in b.merged_other.items():
        value, _, _ = parse_number(span.text, "count")
        box = tuple(round(x, 2) for x in span.box)
        for item in subrows:
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
        pages = [n for n, t in enumerate(texts, 1)
                 if any(m in tpl.squash(t) for m in tpl.table_markers())]
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
        builder = _Builder(report)
        ruled = set()
        opened = {n: doc[n - 1] for n in pages}
        textpages = {n: page.get_textpage() for n, page in opened.items()}
        lattice_pages = [n for n in pages if _ruled(opened[n])]
        for table in _read_tables(path, lattice_pages, doc) if lattice_pages else []:
            builder.page = table.page
            _map_table(_spans(table, textpages[table.page], page_view(opened[table.page])),
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
                for grid in borderless_grids(textpages[n], page_view(opened[n])):
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
