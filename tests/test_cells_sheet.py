"""The hidden ``_cells`` sheet (what extraction recorded of each cell): written as JSON text in
column A, read back exactly by both readers; the sheet of one row of cells a cell that
workbooks written before hold still reads the same; a changed one is refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from etl import sheets, xlsx_scan
from etl.errors import WorkbookError
from etl.extract import extract_report
from etl.layout import CELLS_COLUMNS, CELLS_JSON, CELLS_JSON_PIECE, CELLS_SHEET, address, layout
from etl.ooxml import Sheet
from etl.report import DERIVED, Report, encode_box, encode_flags
from etl.sheets import write_workbook
from etl.sheets_read import read_for_load, read_workbook
from tests.conftest import NEW_NP, SAMPLES, edit_cell

KEYS = [NEW_NP, ("requests", "granted", "total"), ("active", "rules", "issued")]


def _report() -> Report:
    """A sample report whose recorded fields hold what text and numbers can: markup, spaces
    at either end, line breaks, Excel's own escapes, a note longer than a cell holds."""
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    a, b, c = (report.cells[k] for k in KEYS)
    a.printed, a.note, a.confidence = ' 1<2 & "3" ', "第一行\n第二行 _x0041_ \r", 0.87
    b.printed, b.box, b.flags, b.page = "12", None, [DERIVED, "ocr"], None
    c.note = "长" * (2 * CELLS_JSON_PIECE + 17)  # three pieces
    return report


def _general(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_scan, "read_own", lambda *_a: None)


@pytest.mark.parametrize("reader", ["own", "general"])
def test_recorded_fields_are_read_back_exactly(tmp_path: Path, reader: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report()
    path = write_workbook(report, tmp_path / "r.xlsx")
    if reader == "general":
        _general(monkeypatch)
    back, extracted, _stamp = read_for_load(path)
    for key, cell in report.cells.items():
        got = back.cells[key]
        assert (got.printed, got.page, got.box, got.flags, got.note, got.confidence) == (
            cell.printed, cell.page, cell.box, cell.flags, cell.note,
            cell.confidence), key
        assert extracted[key] == cell.value, key  # (whole numbers as int, as a cell gives them)
    ws = openpyxl.load_workbook(path)[CELLS_SHEET]
    pieces = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert ws["A1"].value == CELLS_JSON and len(pieces) == 3
    assert all(len(p) <= CELLS_JSON_PIECE for p in pieces)


def _write_cells_before(report: Report) -> Sheet:
    """The _cells sheet as ogi wrote it before CELLS_JSON (its code then, kept as the
    definition of that format)."""
    ws = Sheet(CELLS_SHEET, hidden=True)
    for c, name in enumerate(CELLS_COLUMNS, 1):
        ws.set(1, c, name)
    for r, (key, (sheet, row, col)) in enumerate(layout(report.template).items(), 2):
        cell = report.cells[key]
        for c, value in enumerate((*key, address(sheet, row, col), cell.value, cell.printed,
                                   cell.page, encode_box(cell.box), encode_flags(cell.flags),
                                   cell.note, cell.confidence), 1):
            if value is not None and value != "":
                ws.set(r, c, value)
    return ws


@pytest.mark.parametrize("reader", ["own", "general"])
def test_a_workbook_written_before_reads_as_it_did(tmp_path: Path, reader: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report()
    report.cells[KEYS[2]].note = "长注"  # the sheet of cells cut a longer one at 32,767
    report.cells[KEYS[0]].note = "第一行\n第二行 _x0041_ "  # and read a \r back as \n
    report.cells[KEYS[1]].printed = ""  # an empty cell: read back as None
    now = write_workbook(report, tmp_path / "now.xlsx")
    with monkeypatch.context() as m:
        m.setattr(sheets, "_write_cells", _write_cells_before)
        before = write_workbook(report, tmp_path / "before.xlsx")
    assert openpyxl.load_workbook(before)[CELLS_SHEET]["A1"].value == "section"
    if reader == "general":
        _general(monkeypatch)
    old, new = read_for_load(before), read_for_load(now)
    assert old[0].cells == new[0].cells and old[1] == new[1]
    assert {k: type(v) for k, v in old[1].items()} == {k: type(v) for k, v in new[1].items()}
    assert len(old[1]) == len(report.cells)


@pytest.mark.parametrize("text", [
    "not json", '[["section"]]', json.dumps([list(CELLS_COLUMNS), ["requests"] * 10]),
    json.dumps([list(CELLS_COLUMNS), ["requests", "new", "total", None, {"x": 1}, *[None] * 6]]),
    json.dumps([list(CELLS_COLUMNS), ["requests", "new", "total", None, True, *[None] * 6]]),
    json.dumps({"rows": []}), "[" * 30_000, None])
def test_a_changed_json_sheet_is_refused_naming_its_cell(tmp_path: Path, text: str | None
                                                         ) -> None:
    path = write_workbook(_report(), tmp_path / "r.xlsx")
    edit_cell(path, CELLS_SHEET, "A2", text)
    wb = openpyxl.load_workbook(path)
    for row in range(3, 5):  # the rest of the pieces gone too: A2 alone is the text
        wb[CELLS_SHEET].cell(row, 1).value = None
    wb.save(path)
    with pytest.raises(WorkbookError) as e:
        read_workbook(path)
    assert [(p.where, "_cells" in p.what) for p in e.value.problems] == [
        (f"{CELLS_SHEET}!A2", True)]
