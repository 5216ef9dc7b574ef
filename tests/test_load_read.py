"""The loader's one-pass reading of ogi's own workbooks (``etl.xlsx_scan.read_own``) reads
what the general reader (``scan_workbook`` + calamine, which every other workbook goes
through) reads: the same Report, values as extracted, problems and warnings, field by field,
for the samples' workbooks and for hand edits of their XML; a workbook another program saved
goes the general way and still reads the same."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import etl.load
from etl import sheets_read
from etl.errors import WorkbookError
from etl.ooxml import Formula, Sheet, Workbook
from etl.xlsx_scan import read_own
from tests.conftest import NEW_NP, cell_at, meta_cell

A = "000_59d377ad04b23a3b"
SPLIT = "003_dca3b8d882aa9ceb"  # no 总计 column: ogi's own derived formulas


def _general_workbook(path: Path) -> tuple[dict[str, list[list[Any]]], Any]:
    """What the general reader makes of a workbook: rows by sheet, and the scan."""
    sheets_read._workbook.cache_clear()
    saved = sheets_read.read_own
    sheets_read.read_own = lambda *_args: None  # type: ignore[assignment]
    try:
        return sheets_read._workbook(path.resolve(), (0, 0))
    finally:
        sheets_read.read_own = saved  # type: ignore[assignment]
        sheets_read._workbook.cache_clear()


def _reads(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The loader's read of ``path`` (the rows to write, problems, warnings) by the one
    pass, and by the general reader."""
    sheets_read._workbook.cache_clear()
    fast = etl.load._read(path)
    sheets_read._workbook.cache_clear()
    with monkeypatch.context() as m:
        m.setattr(sheets_read, "read_own", lambda *_args: None)
        general = etl.load._read(path)
    sheets_read._workbook.cache_clear()
    return fast, general


def _by_position(rows: dict[str, list[list[Any]]]) -> dict[tuple[str, int, int], Any]:
    """Non-empty values by (sheet, row, column): the grids' shapes may differ."""
    return {(name, r, c): v for name, grid in rows.items()
            for r, row in enumerate(grid, 1) for c, v in enumerate(row, 1) if v is not None}


def _own(path: Path) -> bool:
    """Whether ``path`` is read by the one pass (a refusal by it counts)."""
    try:
        return read_own(path, sheets_read._READ_SHEETS) is not None
    except WorkbookError:
        return True


def test_each_sample_workbook_reads_the_same_by_both_readers(
        sample_sheets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in sorted(sample_sheets.glob("*.xlsx")):
        assert _own(path), path.name  # the fast path is the one taken
        own = read_own(path, sheets_read._READ_SHEETS)
        general = _general_workbook(path)
        assert _by_position(own[0]) == _by_position(general[0]), path.name
        assert own[1] == general[1], path.name  # the scans: formulas, errors, extents
        fast, slow = _reads(path, monkeypatch)
        assert fast[0] is not None and not fast[1], (path.name, fast[1])
        assert fast == slow, path.name


def _edit_part(path: Path, sheet: str, edit: Any) -> None:
    """Rewrite one sheet's XML as a script would, keeping ogi's way of writing it."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        book = z.read("xl/workbook.xml").decode()
    names = re.findall(r'<sheet name="([^"]+)"', book)
    part = f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"
    parts[part] = edit(parts[part].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _cell(path: Path, sheet: str, ref: str, xml: str) -> None:
    def edit(text: str) -> str:
        new, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', xml.replace("@", ref), text,
                         count=1)
        assert n == 1, ref
        return new
    _edit_part(path, sheet, edit)


def _append_row(path: Path, sheet: str, xml: str) -> None:
    _edit_part(path, sheet, lambda text: text.replace("</sheetData>", xml + "</sheetData>"))


NP = cell_at(NEW_NP)
AGENCY = ("meta", meta_cell("agency"))
STATUS = ("meta", meta_cell("status"))

# Hand edits of a value cell (and a few others), each written as ogi writes a cell, so the
# one pass reads them: what it finds must be what the general reader finds.
EDITS = {
    "a number": (NP, '<c r="@"><v>77</v></c>'),
    "a number too large": (NP, '<c r="@"><v>1e+19</v></c>'),
    "a negative count": (NP, '<c r="@"><v>-3</v></c>'),
    "a fraction in a count": (NP, '<c r="@"><v>2.5</v></c>'),
    "a long whole number": (NP, '<c r="@"><v>123456789012345678</v></c>'),
    "a cleared value": (NP, '<c r="@"/>'),
    "text": (NP, '<c r="@" t="inlineStr"><is><t>twelve</t></is></c>'),
    "text with entities": (NP, '<c r="@" t="inlineStr"><is><t>a&amp;b&lt;c&gt;</t></is></c>'),
    "spaces kept": (NP, '<c r="@" t="inlineStr"><is><t xml:space="preserve"> 12 </t></is></c>'),
    "only spaces": (NP, '<c r="@" t="inlineStr"><is><t xml:space="preserve">  </t></is></c>'),
    "a formula": (NP, '<c r="@"><f>E7+1</f><v>3</v></c>'),
    "a formula with entities": (NP, '<c r="@"><f>IF(E7&lt;1,"",1)</f></c>'),
    "a formula's text": (NP, '<c r="@" t="str"><f>"x"</f><v>x</v></c>'),
    "an error": (NP, '<c r="@" t="e"><v>#REF!</v></c>'),
    "another agency": (AGENCY, '<c r="@" t="inlineStr"><is><t>某县&amp;人民政府</t></is></c>'),
    "reviewed by nobody": (STATUS, '<c r="@" t="inlineStr"><is><t>已审核</t></is></c>'),
    "a formula in meta": (AGENCY, '<c r="@"><f>"x"</f><v>1</v></c>'),
}


@pytest.mark.parametrize("edit", EDITS)
def test_a_hand_edit_reads_the_same_by_both_readers(
        sheets: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    path = sheets / f"{A}.xlsx"
    (sheet, ref), xml = EDITS[edit]
    _cell(path, sheet, ref, xml)
    assert _own(path)
    fast, general = _reads(path, monkeypatch)
    assert fast == general
    if edit in ("a number", "a cleared value", "another agency", "reviewed by nobody"):
        assert fast[0] is not None, fast[1]  # loads (with a warning for the last three)
    if edit not in ("a number", "a long whole number", "another agency"):
        assert fast[1] or fast[2], edit  # refused, or warned


@pytest.mark.parametrize(("edit", "what"), [
    ('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
     "工作表过大"),
    ('<row r="9000"/>', "工作表过大"),  # an empty row far away: refused as before
    ('<row r="30"><c r="GZ30"><v>1</v></c></row>', "工作表过大"),
])
def test_out_of_bounds_is_refused_by_the_one_pass_as_before(
        sheets: Path, monkeypatch: pytest.MonkeyPatch, edit: str, what: str) -> None:
    path = sheets / f"{A}.xlsx"
    _append_row(path, "text", edit)
    with pytest.raises(WorkbookError):  # refused by the one pass itself, not handed on
        read_own(path, sheets_read._READ_SHEETS)
    fast, general = _reads(path, monkeypatch)
    assert fast == general and fast[0] is None
    assert any(what in p.what and "text" in p.where for p in fast[1]), fast[1]


@pytest.mark.parametrize("edit", [
    lambda t: t.replace("<sheetData>", "<!DOCTYPE x [<!ENTITY a 'b'>]><sheetData>"),
])
def test_a_dtd_is_refused_by_the_one_pass_as_before(
        sheets: Path, monkeypatch: pytest.MonkeyPatch, edit: Any) -> None:
    path = sheets / f"{A}.xlsx"
    _edit_part(path, "requests", edit)
    with pytest.raises(WorkbookError):
        read_own(path, sheets_read._READ_SHEETS)
    fast, general = _reads(path, monkeypatch)
    assert fast == general and fast[0] is None and "DTD" in fast[1][0].what


@pytest.mark.parametrize("edit", {
    "a comment hiding a cell": lambda t: t.replace(
        "</sheetData>", '<!--<row r="40"><c r="A40"><v>1</v></c></row>--></sheetData>'),
    "a namespace prefix": lambda t: t.replace("<sheetData>", '<sheetData xmlns:x="'
                                              'http://schemas.openxmlformats.org/spreadsheetml'
                                              '/2006/main">').replace("<c r=", "<x:c r=", 1)
    .replace("</c>", "</x:c>", 1),
    "an unknown attribute": lambda t: t.replace("<c r=", '<c cm="1" r=', 1),
    "a carriage return": lambda t: t.replace("<is><t>", "<is><t>x\ry", 1),
    "an escaped character": lambda t: t.replace("<is><t>", "<is><t>_x0041_", 1),
    "a character reference": lambda t: t.replace("<is><t>", "<is><t>&#65;", 1),
    "text a reader trims": lambda t: t.replace("<is><t>", "<is><t> ", 1),
    # the one pass splits <sheetData> on tokens (a cell, the boundary between rows) that
    # must tile it exactly: what breaks the tiling or the rows' nesting goes the general way
    "text between cells": lambda t: t.replace("</c><c ", "</c>x<c ", 1),
    "a space between rows": lambda t: t.replace("</row><row ", "</row> <row ", 1),
    "a row left open": lambda t: t[:t.rindex("</row>")] + t[t.rindex("</row>") + 6:],
    "a cell after the last row": lambda t: t.replace(
        "</sheetData>", '<c r="A90"><v>1</v></c></sheetData>'),
    "a row closed before any": lambda t: t.replace("<sheetData>", "<sheetData></row>"),
}.values(), ids=["comment", "prefix", "attribute", "cr", "escape", "charref", "trim",
                 "between", "space", "open", "after", "closed"])
def test_what_ogi_does_not_write_goes_the_general_way(
        sheets: Path, monkeypatch: pytest.MonkeyPatch, edit: Any) -> None:
    path = sheets / f"{A}.xlsx"
    _edit_part(path, "meta", edit)
    assert read_own(path, sheets_read._READ_SHEETS) is None
    fast, general = _reads(path, monkeypatch)
    assert fast == general


def test_cells_out_of_order_or_twice_read_as_the_general_reader_reads_them(
        sheets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sheets / f"{A}.xlsx"
    swap = re.compile(r'(<row r="2"[^>]*>)(<c [^>]*?(?:/>|>.*?</c>))(<c [^>]*?(?:/>|>.*?</c>))',
                      re.S)
    _edit_part(path, "meta", lambda t: swap.sub(r"\1\3\2", t, count=1))
    assert _own(path)  # by position, order does not matter
    assert _reads(path, monkeypatch)[0] == _reads(path, monkeypatch)[1]
    _edit_part(path, "meta", lambda t: swap.sub(r"\1\2\2\3", t, count=1))  # a cell twice
    assert read_own(path, sheets_read._READ_SHEETS) is None
    fast, general = _reads(path, monkeypatch)
    assert fast == general


def test_a_workbook_saved_by_another_program_goes_the_general_way_and_reads_the_same(
        sheets: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """openpyxl's save as a spreadsheet program's (shared strings, its own attributes)."""
    for stem in (A, SPLIT):
        path = sheets / f"{stem}.xlsx"
        before = etl.load._read(path)
        sheets_read._workbook.cache_clear()
        openpyxl.load_workbook(path).save(path)
        assert read_own(path, sheets_read._READ_SHEETS) is None
        fast, general = _reads(path, monkeypatch)
        assert fast == general
        assert fast[0] == before[0] and fast[1] == before[1], stem  # (not the file's hash)


# Values a cell may hold, written by ogi's writer: the one pass must give what calamine
# gives (None for empty, whole numbers as int), or hand the workbook on.
TRICKY = ["a&b<c>d\"e'f", "&lt;", "line1\nline2", "tab\tx", "  lead", "trail  ", " ", "",
          "€\x85\u2028", "\u3000全角\u3000", "😀中文", "=SUM(A1)", "&#65;", "&amp;", 1e19, -0.0,
          0.1, 2**62, 2**64, 1.5e-7, True, 123456789012345678, -17, 1e-300, Formula("A1+1"),
          Formula("A1", 3), Formula("A1", "txt"), Formula("A1", 2.5), Formula('IF(A1<1,"",1)')]
HANDED_ON = ["_x0041_ and x_x005F_y", "cr\r\nlf", Formula("A1", " padded ")]


@pytest.mark.parametrize(("values", "own"), [(TRICKY, True), (HANDED_ON, False)])
def test_tricky_values_read_as_calamine_reads_them(tmp_path: Path, values: list, own: bool
                                                    ) -> None:
    sheet = Sheet("meta")
    for r, value in enumerate(values, 1):
        sheet.set(r, 2, value)
        sheet.set(r, 3, None, 1)  # an empty styled cell beside
    path = Workbook([sheet]).save(tmp_path / "t.xlsx")
    fast = read_own(path, ("meta",))
    assert (fast is not None) is own
    if fast is not None:
        general = _general_workbook(path)
        assert _by_position(fast[0]) == _by_position(general[0])
        assert fast[1] == general[1]


@pytest.mark.parametrize("ref", ["B02", "B0"])
def test_a_reference_ogi_does_not_write_goes_the_general_way(tmp_path: Path, ref: str) -> None:
    """A row number with a leading zero (the same cell as B2 by another name) or row 0."""
    sheet = Sheet("meta")
    sheet.set(1, 1, "a")
    sheet.set(2, 2, "b")
    path = Workbook([sheet]).save(tmp_path / "t.xlsx")
    assert read_own(path, ("meta",)) is not None
    _edit_part(path, "meta", lambda t: t.replace('<c r="B2"', f'<c r="{ref}"'))
    assert read_own(path, ("meta",)) is None


def test_an_empty_row_between_rows_counts_in_the_extent(tmp_path: Path) -> None:
    """Rows without cells (written <row r="N"/>) between and after rows of cells."""
    sheet = Sheet("meta")
    sheet.set(1, 1, "a")
    sheet.set(4, 2, 7)
    path = Workbook([sheet]).save(tmp_path / "t.xlsx")
    _edit_part(path, "meta", lambda t: t.replace(
        '<row r="4"', '<row r="2"/><row r="3"></row><row r="4"').replace(
        "</sheetData>", '<row r="9"/></sheetData>'))
    fast = read_own(path, ("meta",))
    assert fast is not None
    general = _general_workbook(path)
    assert _by_position(fast[0]) == _by_position(general[0]) == {
        ("meta", 1, 1): "a", ("meta", 4, 2): 7}
    assert fast[1] == general[1] and fast[1].sheets["meta"].rows == 9
    assert len(fast[0]["meta"]) == 9
