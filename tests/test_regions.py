"""Each table's region on its pages (``etl.regions.table_regions``), the box its page image
beside the grid is cut from: the whole table with its header rows and section heading, on
every page it spans. Checked by the text pdfium finds inside the box."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from etl import template as tpl
from etl.extract import extract_report
from etl.regions import table_regions
from etl.report import Region, Report
from tests.conftest import REPO, SHARED

REAL = SHARED / "real-reports"
FIXTURES = REPO / "tests" / "fixtures"
needs_real = pytest.mark.skipif(not REAL.exists(), reason="../shared/real-reports absent")


def _text(pdf: Path, region: Region) -> str:
    """The text inside the region's box, squashed (no whitespace, NFKC-folded)."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        page = doc[region.page - 1]
        return tpl.squash(page.get_textpage().get_text_bounded(*region.box))
    finally:
        doc.close()


def _pages(report: Report) -> set[tuple[str, int]]:
    return {(c.section, c.page) for c in report.cells.values() if c.page and c.box}


def _holds_every_cell(regions: list[Region], report: Report) -> None:
    boxes = {(r.section, r.page): r.box for r in regions}
    for cell in report.cells.values():
        if cell.page and cell.box:
            x0, y0, x1, y1 = boxes[(cell.section, cell.page)]
            x, y = (cell.box[0] + cell.box[2]) / 2, (cell.box[1] + cell.box[3]) / 2
            assert x0 <= x <= x1 and y0 <= y <= y1, cell


def _has(text: str, *words: str) -> None:
    for word in words:
        assert tpl.squash(word) in text, (word, text)


@needs_real
@pytest.mark.parametrize("name", ["hongze-2023", "hongze-2024", "huaian-city-2024"])
def test_crops_hold_the_whole_table_on_published_reports(name: str) -> None:
    pdf = REAL / f"{name}.pdf"
    report = extract_report(pdf)
    regions = table_regions(pdf, report)
    # one region per page a table spans: in these three, 二 and 三 are split over two pages
    assert {(r.section, r.page) for r in regions} == _pages(report)
    assert len(regions) == len(_pages(report))
    for section in ("active", "requests"):
        assert len([r for r in regions if r.section == section]) == 2, section
    _holds_every_cell(regions, report)
    appeals = "".join(_text(pdf, r) for r in regions if r.section == "appeals")
    _has(appeals, tpl.section_title("appeals"), "行政复议", "行政诉讼", "未经复议直接起诉",
         "复议后起诉", "结果维持", "尚未审结")
    requests = [r for r in regions if r.section == "requests"]
    first = _text(pdf, requests[0])
    _has(first, tpl.section_title("requests"), "申请人情况", "法人或其他组织", "自然人",
         "一、本年新收政府信息公开申请数量")
    _has(_text(pdf, requests[1]), "四、结转下年度继续办理")  # the end of the table, on its
    active = [r for r in regions if r.section == "active"]  # second page
    _has(_text(pdf, active[0]), tpl.section_title("active"), "第二十条第（一）项", "信息内容")
    _has(_text(pdf, active[1]), "第二十条第（八）项", "行政事业性收费")


@pytest.mark.parametrize("name", ["borderless", "landscape-rotated", "active-captions",
                                  "stcsm-style"])
def test_crops_hold_the_whole_table_ruled_or_not_turned_or_not(name: str) -> None:
    """三线表 (borderless: top and bottom rules only), a landscape appeals page carrying
    /Rotate, captions outside the grid, sections numbered 一/二/三 and a split table."""
    pdf = FIXTURES / f"{name}.pdf"
    report = extract_report(pdf)
    regions = table_regions(pdf, report)
    assert {(r.section, r.page) for r in regions} == _pages(report)
    _holds_every_cell(regions, report)
    appeals = "".join(_text(pdf, r) for r in regions if r.section == "appeals")
    _has(appeals, "政府信息公开行政复议、行政诉讼情况", "行政复议", "未经复议直接起诉",
         "复议后起诉", "结果维持")
    first = _text(pdf, next(r for r in regions if r.section == "requests"))
    _has(first, "收到和处理政府信息公开申请情况", "申请人情况", "自然人", "总计")
    _has(_text(pdf, next(r for r in regions if r.section == "active")),
         "主动公开政府信息情况", "第二十条第（一）项")


def test_a_region_is_the_table_not_the_page() -> None:
    """The appeals region stops at its own rules: the requests table above it on the same
    page and the prose below stay out."""
    pdf = FIXTURES / "borderless.pdf"
    report = extract_report(pdf)
    appeals = next(r for r in table_regions(pdf, report) if r.section == "appeals")
    text = _text(pdf, appeals)
    assert tpl.squash("四、结转下年度继续办理") not in text
    assert tpl.squash("五、存在的主要问题") not in text


def test_no_cells_no_regions() -> None:
    report = Report(report_id="x", template="2021")
    assert table_regions(FIXTURES / "borderless.pdf", report) == []


@pytest.mark.parametrize("name", ["borderless", "landscape-rotated"])
def test_extraction_records_the_regions_it_finds(name: str) -> None:
    """``extract_report`` fills ``Report.regions`` with its pages still open, the same
    regions ``table_regions`` finds afterwards, so the writer does not search again."""
    pdf = FIXTURES / f"{name}.pdf"
    report = extract_report(pdf)
    assert report.regions and report.regions == table_regions(pdf, report)
