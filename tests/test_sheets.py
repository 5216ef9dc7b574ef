"""Review workbooks: round trip, validation naming sheet!cell (petl), protection and data
validation, live checks, the fingerprint that keeps corrections, manual entry, layout."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import partial
from pathlib import Path

import openpyxl
import petl
import pytest
from click.testing import CliRunner
from openpyxl.utils import get_column_letter

from etl import template as tpl
from etl.build import extract_to_sheets, human_edits
from etl.checks import check_report
from etl.cli import cli
from etl.errors import WorkbookError
from etl.extract import extract_report
from etl.layout import META_VALUE_COL, TITLE_ROW, address, check_cells, layout, positions
from etl.manual import blank_report
from etl.report import fingerprint
from etl.sheets import write_workbook
from etl.sheets_read import problem_table, read_workbook, stored_fingerprint
from tests.conftest import SAMPLES, meta_cell


def _a1(place: tuple[str, int, int]) -> str:
    """``(sheet, row, column)`` -> the A1 reference on its sheet."""
    return address(*place).split("!", 1)[1]


def _cell(key: tuple[str, str, str], template: str = "2021") -> str:
    """Where the value of ``key`` is, found through the layout."""
    return _a1(layout(template)[key])


def _item_code(key: tuple[str, str, str], template: str = "2021") -> str:
    """Where the item code of ``key``'s row is written (hidden column A)."""
    sheet, row, _, _ = positions(template)[key]
    return _a1((sheet, row, 1))


def _measure_code(key: tuple[str, str, str], template: str = "2021") -> str:
    """Where the measure code of ``key``'s column is written (a hidden code row)."""
    sheet, _, col, code_row = positions(template)[key]
    return _a1((sheet, code_row, col))


NEW_NP = ("requests", "new", "natural_person")


def _edit(path: Path, sheet: str, cell: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def test_round_trip_returns_the_same_report(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "003_dca3b8d882aa9ceb.pdf")
    back = read_workbook(write_workbook(report, tmp_path / "r.xlsx"))
    assert back.cells == report.cells
    assert (back.agency, back.year, back.template, back.sha256) == (
        report.agency, report.year, report.template, report.sha256)


@pytest.mark.parametrize(("sheet", "cell", "value", "what"), [
    ("requests", _cell(NEW_NP), "twelve", "not a number"),
    ("requests", _cell(NEW_NP), -3, "negative count"),
    ("requests", _cell(("requests", "carried_in", "commercial")), 2.5, "not a whole number"),
    ("requests", _cell(NEW_NP), "#REF!", "formula error"),
    ("requests", _item_code(("requests", "granted", "natural_person")), "granted_typo",
     "row moved or deleted"),
])
def test_bad_values_are_named_by_sheet_and_cell(sheets: Path, sheet: str, cell: str,
                                                 value: object, what: str) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    _edit(path, sheet, cell, value)
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    assert any(p.where == f"{sheet}!{cell}" and what in p.what for p in info.value.problems)


def test_all_problems_are_reported_not_just_the_first(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    wb = openpyxl.load_workbook(path)
    where = layout("2021")
    bad = (NEW_NP, ("appeals", "litigation_direct", "corrected"))
    wb["requests"][_cell(bad[0])] = "x"
    wb["appeals"][_cell(bad[1])] = -1
    wb.save(path)
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    assert {p.where for p in info.value.problems} == {address(*where[k]) for k in bad}


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(WorkbookError, match="broken.xlsx"):
        read_workbook(path)


def test_corrected_workbook_survives_extract_again(tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    pdf = str(SAMPLES / "004_dc6eabfeda6fcd8b.pdf")
    runner = CliRunner()
    assert runner.invoke(cli, ["extract", pdf, "--sheets", str(sheets)]).exit_code == 0
    path = sheets / "004_dc6eabfeda6fcd8b.xlsx"
    _edit(path, "requests", _cell(NEW_NP), 999)
    same = runner.invoke(cli, ["extract", pdf, "--sheets", str(sheets)])
    assert same.exit_code == 0 and "未改变" in same.output
    # the agency re-publishes the PDF (new bytes): the corrected workbook is still kept
    republished = tmp_path / "new" / "004_dc6eabfeda6fcd8b.pdf"
    republished.parent.mkdir()
    republished.write_bytes(Path(pdf).read_bytes() + b"\n% re-saved\n")
    again = runner.invoke(cli, ["extract", str(republished), "--sheets", str(sheets)])
    assert again.exit_code == 0 and "已保留" in again.output
    assert read_workbook(path).value("requests", "new", "natural_person") == 999
    forced = runner.invoke(cli, ["extract", pdf, "--sheets", str(sheets), "--force"])
    assert forced.exit_code == 0
    assert read_workbook(path).value("requests", "new", "natural_person") != 999
    backups = list(sheets.glob("004_dc6eabfeda6fcd8b.*.bak.xlsx"))
    assert len(backups) == 1
    assert read_workbook(backups[0]).value("requests", "new", "natural_person") == 999


# --- validation with petl: every kind of bad workbook, every problem at once -------------

def _problems(path: Path) -> list:
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    return info.value.problems


@pytest.mark.parametrize(("sheet", "cell", "value", "what"), [
    ("requests", _cell(NEW_NP), "#DIV/0!", "formula error"),
    ("requests", _cell(NEW_NP), True, "not a number"),
    ("active", _cell(("active", "fees", "amount_10k_yuan")), -1.5, "negative amount"),  # 万元
    ("requests", _measure_code(NEW_NP), "natural_persn", "column moved or deleted"),
    ("meta", meta_cell("year"), "二〇二四", "year is not a whole number"),
    ("meta", meta_cell("status"), "done", "status must be one of 未审核, 已审核"),
    ("meta", meta_cell("template"), "2020", "template must be one of 2021, 2019"),
])
def test_more_bad_values_are_named_by_sheet_and_cell(sheets: Path, sheet: str, cell: str,
                                                      value: object, what: str) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    _edit(path, sheet, cell, value)
    problems = _problems(path)
    assert any(p.where == f"{sheet}!{cell}" and what in p.what for p in problems), problems
    assert all(p.file == path.name for p in problems)


def test_signed_change_may_be_negative_and_text_blank_is_empty(sheets: Path) -> None:
    path = sheets / "002_a9c952ea755c5d56.xlsx"  # 2019 template: 本年增/减
    sheet, row, col = layout("2019")[("active", "licensing", "change")]
    wb = openpyxl.load_workbook(path)
    wb[sheet].cell(row, col).value = -4
    wb["requests"][_cell(NEW_NP, "2019")] = "   "
    wb.save(path)
    report = read_workbook(path)
    assert report.value("active", "licensing", "change") == -4
    assert report.value("requests", "new", "natural_person") is None


def test_moved_row_is_reported_once_and_hides_its_values(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    wb = openpyxl.load_workbook(path)
    key = ("requests", "granted", "natural_person")
    wb["requests"][_item_code(key)] = "granted_typo"
    wb["requests"][_cell(("requests", "granted", "commercial"))] = "text in a moved row"
    wb.save(path)
    problems = _problems(path)
    assert [(p.where, p.value) for p in problems] == [
        (f"requests!{_item_code(key)}", "granted_typo")]
    assert problems[0].what == "row moved or deleted: expected item granted"


def test_every_missing_sheet_is_named(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    wb = openpyxl.load_workbook(path)
    del wb["appeals"]
    wb["active"].title = "主动公开"
    wb.save(path)
    assert {(p.where, p.what) for p in _problems(path)} == {
        ("active", "sheet missing or renamed"), ("appeals", "sheet missing or renamed")}


def test_lock_file_and_bad_cells_are_reported_together(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    (sheets / f"~${path.name}").write_bytes(b"lock")
    key = ("appeals", "review", "upheld")
    _edit(path, "appeals", _cell(key), "x")
    problems = _problems(path)
    assert [p.where for p in problems] == ["-", address(*layout("2021")[key])]
    assert "open in Excel" in problems[0].what


def test_changed_hidden_cells_header_is_refused(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    _edit(path, "_cells", "A1", "sektion")
    assert any(p.where == "_cells!A1" for p in _problems(path))


def test_problem_table_is_a_petl_table_of_file_where_value_what() -> None:
    table = problem_table(
        "x.xlsx", petl.wrap([("a",), (1,), (-2,), ("z",)]),
        (("value", "not a number", lambda r: isinstance(r["a"], int)),
         ("value", "negative", lambda r: r["a"] >= 0)),
        lambda _s, row: (f"s!A{row['a']}", row["a"]))
    assert list(table) == [("file", "where", "value", "what"),
                           ("x.xlsx", "s!A-2", "-2", "negative"),
                           ("x.xlsx", "s!Az", "z", "not a number")]


def test_the_extra_cells_beside_the_grid_are_ignored(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    path = write_workbook(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    checks = check_cells("2021")
    _, live, _ = checks[("requests.row_total", "new")]
    wb["requests"].cell(*live).value = "anything"  # a live-check cell beside the grid
    _, live, _ = checks[("requests.balance", "natural_person")]
    wb["requests"].cell(*live).value = "notes"  # a live-check cell below the grid
    lowest = max(r for s, r, _ in layout("2021").values() if s == "requests")
    wb["requests"].cell(lowest + 20, layout("2021")[NEW_NP][2]).value = "notes"  # far below
    wb["checks"]["D2"] = "x"
    wb.save(path)
    assert read_workbook(path).cells == report.cells


# --- only values editable ---------------------------------------------------------------

def test_only_value_cells_are_unlocked_with_validation_by_kind(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "002_a9c952ea755c5d56.pdf")  # 2019: all three kinds
    wb = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx"))
    assert wb.security.lockStructure
    spec = tpl.spec_index("2019")
    where = layout("2019")
    for sheet in ("meta", "active", "requests", "appeals", "checks", "_cells", "_ogi"):
        assert wb[sheet].protection.sheet and not wb[sheet].protection.password
    for key, (sheet, row, col) in where.items():
        ws = wb[sheet]
        assert ws.cell(row, col).protection.locked is False, key
        assert ws.cell(row, 2).protection.locked is True  # its label
        rules = [dv for dv in ws.data_validations.dataValidation
                 if ws.cell(row, col).coordinate in dv.sqref]
        assert len(rules) == 1, key
        kind = spec[key].kind
        assert (rules[0].type, rules[0].operator, rules[0].formula1) == {
            "count": ("whole", "greaterThanOrEqual", "0"),
            "decimal": ("decimal", "greaterThanOrEqual", "0"),
            "signed": ("whole", "between", "-999999999")}[kind]
    sheet, _, col, code_row = positions("2019")[("active", "rules", "made")]
    code = (sheet, code_row, col)
    assert wb["active"].cell(*code[1:]).protection.locked  # the code row
    sheet, row, col = where[("active", "fees", "change")]
    na = wb[sheet].cell(row, col + 1)  # 2019 fees have no third column: drawn grey
    assert na.protection.locked and na.fill.fgColor.rgb == "00BFBFBF"
    values = {(s, r, c) for s, r, c in where.values()}
    for sheet in ("active", "requests", "appeals"):  # every other cell is locked
        for line in wb[sheet].iter_rows():
            for cell in line:
                if (sheet, cell.row, cell.column) not in values:
                    assert cell.protection.locked, (sheet, cell.coordinate)
    meta = wb["meta"]
    editable = {meta.cell(r, 1).value for r in range(2, meta.max_row + 1)
                if meta.cell(r, META_VALUE_COL).protection.locked is False}
    assert editable == {"agency", "year", "status", "reviewer", "note"}


# --- live checks ------------------------------------------------------------------------

def _eval(wb: openpyxl.Workbook, formula: str, sheet: str) -> object:
    """Evaluate the one formula shape we write: =IF(COUNT(refs)<n,"",SUM(e)-SUM(a))."""
    m = re.fullmatch(r'=IF\(COUNT\((.*)\)<(\d+),"",SUM\((.*)\)-SUM\((.*)\)\)', formula)
    assert m, formula

    def values(refs: str) -> list:
        out = []
        for ref in refs.split(","):
            ws_name, cell = ref.split("!") if "!" in ref else (sheet, ref)
            out.append(wb[ws_name][cell].value)
        return out

    if any(v is None for v in values(m.group(1))):
        return ""
    return sum(values(m.group(3))) - sum(values(m.group(4)))


def _eval_sum(wb: openpyxl.Workbook, formula: str) -> object:
    """Evaluate =IF(COUNT(refs)<n,"",SUM(refs)) on the workbook's values."""
    m = re.fullmatch(r'=IF\(COUNT\((.*)\)<(\d+),"",SUM\((.*)\)\)', formula)
    assert m and m.group(1) == m.group(3), formula
    values = [wb[ref.split("!")[0]][ref.split("!")[1]].value for ref in m.group(1).split(",")]
    assert len(values) == int(m.group(2))
    return "" if None in values else sum(values)


def test_live_checks_beside_the_grid_compute_each_identity(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    report.cells[("requests", "granted", "total")].value += 5   # breaks a row and a column
    report.cells[("appeals", "review", "total")].value += 1
    wb = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx"))
    where = layout("2021")
    results = {(r.rule, r.subject): r for r in check_report(report)}
    requests = wb["requests"]
    grid_cols = {s: max(c for t, _, c in where.values() if t == s) for s in tpl.SECTIONS}
    below = max(r for t, r, _ in where.values() if t == "requests") + 2
    seen = {}
    for (rule, subject), (sheet, live, stored) in check_cells("2021").items():
        ws = wb[sheet]
        if rule.endswith("row_total"):  # in the two columns right of the grid, on its row
            assert ws.cell(live[0], 1).value == subject, (rule, subject)
            assert live[1] == grid_cols[sheet] + 1 and stored == (live[0], live[1] + 1)
        else:  # in the rows below the grid, under its column
            assert live[1] == where[("requests", "new", subject)][2] == stored[1]
            n = ("requests.balance", "requests.handled_sum").index(rule)
            assert (live[0], stored[0]) == (below + n, below + 2 + n), (rule, subject)
        seen[(rule, subject)] = (ws, ws.cell(*live).coordinate, ws.cell(*stored).coordinate)
    assert set(seen) == set(results)
    for key, (ws, live, stored) in seen.items():
        result = results[key]
        assert _eval(wb, ws[live].value, ws.title) == result.expected - result.actual, key
        assert ws[stored].value == result.expected - result.actual, key
        assert (ws[stored].fill.fgColor.rgb == "00FFC7CE") == (not result.ok), key
        rules = [(cf.sqref, rule.formula) for cf in ws.conditional_formatting
                 for rule in cf.rules if ws[live].coordinate in cf.sqref]
        col, row = re.fullmatch(r"([A-Z]+)(\d+)", live).groups()
        assert rules and rules[0][1] == [f"AND(ISNUMBER(${col}${row}),ABS(${col}${row})>0.000001)"]
    failed = {k for k, r in results.items() if not r.ok}
    assert {("requests.row_total", "granted"), ("requests.handled_sum", "total"),
            ("appeals.row_total", "review")} <= failed
    # the cells of a failing identity turn light red too
    granted_total = _cell(("requests", "granted", "total"))
    assert any(granted_total in cf.sqref for cf in requests.conditional_formatting)


def test_checks_sheet_has_one_row_per_identity(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "001_1f6271bab0582421.pdf")
    wb = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx"))
    ws = wb["checks"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    results = check_report(report)
    assert [(r[0], r[1]) for r in rows] == [(i.rule, i.subject) for i in tpl.identities("2021")]
    by_key = {(r.rule, r.subject): r for r in results}
    for r, row in enumerate(rows, 2):
        result = by_key.get((row[0], row[1]))
        live = (_eval_sum(wb, row[3]), _eval_sum(wb, row[4]))
        assert live == ((result.expected, result.actual) if result else ("", "")) or (
            result is None and "" in live), row
        assert row[5] == f'=IF(OR(D{r}="",E{r}=""),"",IF(ABS(D{r}-E{r})<0.000001,"相符","不符"))'
        assert row[6:9] == ((result.expected, result.actual, "相符" if result.ok else "不符")
                            if result else (None, None, None))
    assert [rule.formula for cf in ws.conditional_formatting for rule in cf.rules] == [
        ['$F2="不符"']]


# --- corrections never lost: the fingerprint ----------------------------------------------

def test_fingerprint_tells_a_persons_change(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    path = write_workbook(report, tmp_path / "r.xlsx")
    assert stored_fingerprint(path) == fingerprint(report) == fingerprint(read_workbook(path))
    assert not human_edits(path)
    value = report.value("requests", "new", "natural_person")
    _edit(path, "requests", _cell(NEW_NP), float(value))  # the same number typed again
    assert not human_edits(path)
    _edit(path, "meta", meta_cell("agency"), "吴忠市人民政府")  # the agency corrected
    assert human_edits(path)


def test_workbook_without_fingerprint_falls_back_to_extracted_values(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    path = write_workbook(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb["_ogi"]
    wb.save(path)
    assert stored_fingerprint(path) is None and not human_edits(path)
    _edit(path, "requests", _cell(NEW_NP), 1)
    assert human_edits(path)


def test_unchanged_workbook_and_pdf_is_skipped(tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    pdf = SAMPLES / "001_1f6271bab0582421.pdf"
    assert [o.status for o in extract_to_sheets([pdf], sheets)] == ["written"]
    assert [o.status for o in extract_to_sheets([pdf], sheets)] == ["unchanged"]


# --- the official layout and the source image ----------------------------------------------

def test_requests_has_the_two_level_applicant_header(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    ws = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx"))["requests"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    where = layout("2021")
    col = {m: get_column_letter(where[("requests", "new", m)][2])
           for m in tpl.measures("2021", "requests")}
    code_row = positions("2021")[NEW_NP][3]
    top, bottom = code_row - 2, code_row - 1  # the two applicant levels, above the codes
    assert {f"{col['natural_person']}{top}:{col['natural_person']}{bottom}",
            f"{col['commercial']}{top}:{col['other_org']}{top}",
            f"{col['total']}{top}:{col['total']}{bottom}",
            f"{col['natural_person']}{top - 1}:{col['total']}{top - 1}"} <= merged
    assert [ws[f"{col[m]}{top}"].value for m in ("natural_person", "commercial", "total")] == [
        "自然人", "法人或其他组织", "总计"]
    assert ws[f"{col['natural_person']}{top - 1}"].value == "申请人情况"
    assert [ws[f"{col[m]}{bottom}"].value for m in tpl.APPLICANTS[1:]] == [
        "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    # the corner states the balance, as the official table does
    corner = next(r for r in ws.merged_cells.ranges if r.min_col == 2 and r.max_row == bottom)
    assert "第一项加第二项之和" in ws.cell(corner.min_row, 2).value
    assert ws.column_dimensions["A"].hidden and ws.row_dimensions[code_row].hidden


def _merged_label(ws: openpyxl.worksheet.worksheet.Worksheet, row: int, col: int
                  ) -> tuple[object, int, int, int, int]:
    """The label drawn over (row, col): its text and the extent (rows, columns) it covers."""
    for r in ws.merged_cells.ranges:
        if r.min_row <= row <= r.max_row and r.min_col <= col <= r.max_col:
            return (ws.cell(r.min_row, r.min_col).value, r.min_row, r.max_row, r.min_col,
                    r.max_col)
    return ws.cell(row, col).value, row, row, col, col


@pytest.mark.parametrize("template", tpl.TEMPLATES)
def test_tables_have_the_official_merged_labels(tmp_path: Path, template: str) -> None:
    path = write_workbook(blank_report("某县人民政府", 2024, template), tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    where = layout(template)

    def row(section: str, item: str) -> int:
        return next(r for (s, i, _), (_, r, _) in where.items() if (s, i) == (section, item))

    ws = wb["requests"]
    first = where[NEW_NP][2]  # the label columns are B .. first − 1
    label = partial(_merged_label, ws)
    for item in ("new", "carried_in", "carried_out"):  # across every label column
        r = row("requests", item)
        assert label(r, 2) == (tpl.item_label(template, "requests", item), r, r, 2, first - 1)
    outcomes = tpl.items(template, "requests")[2:-1]  # granted .. handled_total
    text, r1, r2, c1, c2 = label(row("requests", "granted"), 2)
    assert (text, r1, r2, c1, c2) == ("三、本年度办理结果", row("requests", outcomes[0]),
                                      row("requests", outcomes[-1]), 2, 2)
    for item, text in (("granted", "（一）予以公开"),
                       ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
                       ("handled_total", "（七）总计")):
        r = row("requests", item)
        assert label(r, 3) == (text, r, r, 3, first - 1)
    withheld = [i for i in outcomes if i.startswith("withheld_")]
    assert len(withheld) == 8
    assert label(row("requests", withheld[3]), 3) == (
        "（三）不予公开", row("requests", withheld[0]), row("requests", withheld[-1]), 3, 3)
    assert [label(row("requests", i), 4)[0] for i in withheld][:2] == [
        "1.属于国家秘密", "2.其他法律行政法规禁止公开"]
    if template == "2019":  # （六）其他处理 is one row
        r = row("requests", "other")
        assert label(r, 3) == ("（六）其他处理", r, r, 3, first - 1)
    else:
        others = [i for i in outcomes if i.startswith("other_")]
        assert label(row("requests", others[0]), 3) == (
            "（六）其他处理", row("requests", others[0]), row("requests", others[-1]), 3, 3)

    ws = wb["appeals"]
    label = partial(_merged_label, ws)
    first = where[("appeals", "review", "upheld")][2]
    r = row("appeals", "review")
    assert label(r, 2) == ("行政复议", r, r, 2, first - 1)
    r1, r2 = row("appeals", "litigation_direct"), row("appeals", "litigation_after_review")
    assert label(r1, 2) == ("行政诉讼", r1, r2, 2, 2)
    assert (label(r1, 3)[0], label(r2, 3)[0]) == ("未经复议直接起诉", "复议后起诉")

    ws = wb["active"]  # sub-tables, each with its title and its own header row
    titles = [v for (v,) in ws.iter_rows(min_col=2, max_col=2, values_only=True)
              if isinstance(v, str) and v.startswith("第二十条")]
    assert titles == [f"第二十条第（{n}）项" for n in (
        "一五六八" if template == "2021" else "一五六八九")]
    for item in tpl.items(template, "active"):
        r = row("active", item)
        assert ws.cell(r, 2).value == tpl.item_label(template, "active", item)
        measures = tpl.measures(template, "active", item)
        head = positions(template)[("active", item, measures[0])][3] - 1
        assert ws.cell(head, 2).value == "信息内容"
        for m in measures:
            c = where[("active", item, m)][2]
            assert _merged_label(ws, head, c)[0] == tpl.measure_label(template, "active", m)
    if template == "2021":  # one measure: drawn across the sub-table's width
        r = row("active", "licensing")
        c = where[("active", "licensing", "decisions")][2]
        assert _merged_label(ws, r, c)[3:] == (c, where[("active", "rules", "in_force")][2])
    assert read_workbook(path).cells == blank_report("某县人民政府", 2024, template).cells


def test_source_images_beside_the_grids(tmp_path: Path) -> None:
    pdf = SAMPLES / "000_59d377ad04b23a3b.pdf"
    report = extract_report(pdf)
    path = write_workbook(report, tmp_path / "r.xlsx", pdf=pdf)
    wb = openpyxl.load_workbook(path)
    for section in tpl.SECTIONS:
        assert wb[section]._images, section
        pages = {c.page for c in report.cells.values() if c.section == section and c.page}
        labels = {v for row in wb[section].iter_rows(values_only=True) for v in row
                  if isinstance(v, str) and v.startswith("原表第")}
        assert labels == {f"原表第 {p} 页" for p in pages}
        beside = max(c for s, _, c in layout("2021").values() if s == section) + 1
        assert wb[section].cell(TITLE_ROW, beside).value == (
            f"来源：PDF 第 {'、'.join(map(str, sorted(pages)))} 页")
    assert read_workbook(path).cells == report.cells


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_a_spreadsheet_engine_computes_the_live_checks(tmp_path: Path) -> None:
    """LibreOffice recalculates the workbook; the cached results equal check_report's."""
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    report.cells[("requests", "granted", "total")].value += 5
    report.cells[("appeals", "review", "upheld")].value = None  # review row not evaluable
    path = write_workbook(report, tmp_path / "r.xlsx")
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    computed = openpyxl.load_workbook(out / "r.xlsx", data_only=True)
    checks = check_cells("2021")
    _, live, _ = checks[("requests.row_total", "granted")]
    assert computed["requests"].cell(*live).value == -5  # granted: applicants − total, live
    _, live, _ = checks[("requests.handled_sum", "total")]
    assert computed["requests"].cell(*live).value == 5  # total column: outcomes − handled_total
    _, live, _ = checks[("appeals.row_total", "review")]
    assert computed["appeals"].cell(*live).value in ("", None)  # a blank cell: not evaluated
    ws = computed["checks"]
    results = {(r.rule, r.subject): r for r in check_report(report)}
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(tpl.identities("2021"))
    for rule, subject, _, expected, actual, verdict, *_ in rows:
        result = results.get((rule, subject))
        if result is None:
            assert verdict in ("", None), (rule, subject)
        else:
            assert (expected, actual) == (result.expected, result.actual), (rule, subject)
            assert verdict == ("相符" if result.ok else "不符"), (rule, subject)
    assert sum(r[5] == "不符" for r in rows) == 2


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
@pytest.mark.parametrize("stem", ["002_a9c952ea755c5d56",  # 2019
                                  "000_59d377ad04b23a3b"])  # 2021: merged value cells
def test_opened_and_saved_in_a_spreadsheet_is_not_an_edit(tmp_path: Path, stem: str) -> None:
    report = extract_report(SAMPLES / f"{stem}.pdf")
    path = write_workbook(report, tmp_path / "r.xlsx")
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    saved = out / "r.xlsx"
    assert read_workbook(saved).cells == report.cells
    assert not human_edits(saved)
    wb = openpyxl.load_workbook(saved)
    for sheet, row, col in layout(report.template).values():
        assert wb[sheet].cell(row, col).protection.locked is False, (sheet, row, col)
