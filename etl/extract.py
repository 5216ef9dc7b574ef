"""PDF -> ``Report``: find the table pages from the text layer, read each into grids of
cells by how the page is (``read_table_page``), map the grids onto the template by their
labels, then complete and cross-check the result.

The stages are modules of their own: ``etl.pdf`` opens the file (text layer, images,
rotation, owner-password copies), ``etl.lattice`` reads ruled grids (Camelot lattice),
``etl.textgrid`` reads tables from the characters' positions alone (borderless 三线表, and
the cross-check of ruled ones), ``etl.mapping`` maps grids onto the template and
``etl.postprocess`` derives, reconciles and flags.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from etl import template as tpl
from etl.errors import PdfError
from etl.i18n import _
from etl.lattice import Lattice
from etl.mapping import CellCollector, map_grid
from etl.narrative import narrative_sections
from etl.pageimage import PageImage, rendered
from etl.pdf import AS_DRAWN, Grid, ReportPdf, View
from etl.postprocess import (
    complete_and_consistent,
    derive,
    flag_gaps,
    page_list,
    reconcile,
    split_merged_other,
)
from etl.regions import cell_boxes, page_regions
from etl.report import Region, Report
from etl.source import report_id_for, sha256_file
from etl.textgrid import borderless_grids

_TITLE = re.compile(r"(?P<agency>[^\d《》“”]{0,60}?)(?P<year>20\d\d)年度?政府信息公开工作年度报告")

# How a table page is read (``read_table_page``).
RULED = "ruled"  # its ruled grids, as Camelot's lattice finds them
TEXT = "text"    # its text layer alone (a borderless table, or the cross-check of a ruled one)
IMAGE = "image"  # an image without a text layer, read by OCR

# A report with scanned table pages must have at least this share of its cells read, or
# none of it is written (a half-read scan is typed in by hand, whole).
_ENOUGH = 0.5


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


def read_table_page(pdf: ReportPdf, n: int, how: str, lattice: Lattice | None = None
                    ) -> list[Grid]:
    """Page ``n`` read into grids of cells, by how the page is: ``RULED`` (the grids
    Camelot's lattice finds, ``lattice`` reading every ruled page in one pass), ``TEXT``
    (tables from the characters' positions alone) or ``IMAGE`` (a page without a text
    layer: none until OCR reads it here)."""
    if how == RULED:
        return lattice.grids(n) if lattice else []
    if how == TEXT:
        return borderless_grids(pdf.textpage(n), pdf.view(n))
    return ocr_grids(pdf, n)


def ocr_grids(pdf: ReportPdf, n: int, text: bool = False) -> list[Grid]:
    """The ruled tables of image page ``n`` read by OCR (``etl.ocr``), once per page (a
    full scan's pages are read to find its template before its tables are mapped); with
    ``text``, the page's other text becomes its text in ``pdf.texts``."""
    if n not in pdf.ocr_grids:
        from etl import ocr  # onnxruntime and OpenCV: only when a page is an image

        page = pdf.page(n)
        rotation = page.get_rotation()
        view = View(rotation, tuple(page.get_mediabox())) if rotation else AS_DRAWN
        pdf.ocr_grids[n], words = ocr.read_page(page, view.stored, text)
        if text:
            pdf.texts[n - 1] = words
    return pdf.ocr_grids[n]


def manual_entry(path: Path, why: str, agency: str | None, year: int | None) -> PdfError:
    """A scan OCR cannot read: the one line that says so and how to type it in instead."""
    command = "ogi template --agency {agency} --year {year}".format(
        agency=agency or _("机关全称"), year=year or _("年度"))
    return PdfError(path, _("{why}：需要手工录入：`{command}`").format(why=why, command=command))


def _table_pages(pdf: ReportPdf, path: Path) -> tuple[str, list[int], list[int]]:
    """(template, pages carrying the tables' words, image pages), or ``PdfError`` when the
    file holds no report tables a reader can get at."""
    images = pdf.image_pages()
    scanned = not any(t.strip() for t in pdf.texts)
    if scanned:
        if not images:
            raise PdfError(path, _("没有文字层，也没有可供 OCR 识别的图片：页面上只有线条或图形"))
        for n in range(1, len(pdf.texts) + 1):  # title, headings and prose come from OCR too
            ocr_grids(pdf, n, text=True)
    template = detect_template("".join(pdf.texts))
    pages = [] if scanned else pdf.table_pages
    if template is None and images:
        # The template's marks are column headings: on a scan, inside the OCR'd tables.
        cells = "".join(s.text for n in images for g in ocr_grids(pdf, n) for r in g for s in r)
        template = detect_template("".join(pdf.texts) + cells)
    if template is None or not (pages or images):
        if images:
            raise manual_entry(path, _("扫描的表格无法识别（第 {pages} 页是图片）").format(
                pages=page_list(images)), *parse_title(pdf.texts[0] if pdf.texts else ""))
        raise PdfError(path, _("未找到报告表格（不是政府信息公开工作年度报告？）"))
    return template, pages, images


def _new_report(pdf: ReportPdf, path: Path, template: str) -> Report:
    agency, year = parse_title(pdf.texts[0])
    return Report(report_id=report_id_for(path), template=template, agency=agency, year=year,
                  source_file=path.name, sha256=sha256_file(path),
                  extracted_at=datetime.now(UTC).isoformat(timespec="seconds"),
                  narrative=narrative_sections(pdf.texts))


def _read_tables(pdf: ReportPdf, report: Report, pages: list[int], images: list[int]) -> None:
    """Read the table pages into ``report``: ruled grids first; then, unless they gave
    every cell printed and every identity holds (a misread cell would have to break none
    of them), the text-only reading, which reads the pages lattice saw no grid on and
    cross-checks the others."""
    cells = CellCollector(report)
    lattice = Lattice(pdf, [n for n in pages if pdf.is_ruled(n)])
    ruled = set()
    for n in pages:
        cells.page = n
        for grid in read_table_page(pdf, n, RULED, lattice):
            map_grid(grid, cells)
            ruled.add(n)
    for n in images:
        cells.page = n
        for grid in read_table_page(pdf, n, IMAGE):
            map_grid(grid, cells)
    split_merged_other(cells)
    if complete_and_consistent(report):
        return
    shadow = CellCollector(Report(report_id=report.report_id, template=report.template))
    for n in pages:
        target = shadow if n in ruled else cells
        target.page = n
        for grid in read_table_page(pdf, n, TEXT):
            map_grid(grid, target)
    split_merged_other(cells)  # again: the text-only pages may hold that row
    split_merged_other(shadow)
    reconcile(report, shadow.report)


def _regions(pdf: ReportPdf, report: Report) -> list[Region]:
    """Each table's box on each page it spans, for the page images beside the workbook's
    grids; found while the pages and their text layers are still open."""
    found: list[Region] = []
    for number, sections in sorted(cell_boxes(report).items()):
        found += page_regions(pdf.page(number), number, sections, pdf.textpage(number))
    return sorted(found, key=lambda r: (tpl.SECTIONS.index(r.section), r.page))


def extract_report(path: str | Path) -> Report:
    """Read one report PDF into a ``Report``; raise ``PdfError`` naming the file if it
    cannot be read or holds no report tables."""
    return _extract(Path(path), images=False)[0]


def extract_with_images(path: str | Path) -> tuple[Report, list[PageImage]]:
    """``extract_report`` and the images of its tables for the workbook
    (``etl.pageimage``), rendered from the pages extraction has open: opening and parsing
    them again was a tenth of ``ogi extract``'s time."""
    return _extract(Path(path), images=True)


def _extract(path: Path, images: bool) -> tuple[Report, list[PageImage]]:
    with ReportPdf(path) as pdf:
        template, pages, scans = _table_pages(pdf, path)
        report = _new_report(pdf, path, template)
        _read_tables(pdf, report, pages, scans)
        report.regions = _regions(pdf, report)
        _enough(path, report, scans)
        shown = rendered(report, len(pdf.doc), pdf.page) if images else []
    derive(report, scans)
    flag_gaps(report)
    return report, shown


def _enough(path: Path, report: Report, scans: list[int]) -> None:
    read = sum(c.printed is not None for c in report.cells.values())
    if scans and read < len(report.cells) * _ENOUGH:
        # A scan read in part is not written: a person types it in whole instead.
        raise manual_entry(path, _("扫描的表格只识别出 {read}/{cells} 格").format(
            read=read, cells=len(report.cells)), report.agency, report.year)
    if not read:
        raise PdfError(path, _("未找到报告表格：没有一个表格单元格与模板对应"))
