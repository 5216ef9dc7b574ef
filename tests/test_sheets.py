"""Review workbooks: round trip, validation naming sheet!cell (petl), protection and data
validation, live checks, the fingerprint that keeps corrections, manual entry, layout."""

from __future__ import annotations

import math
import posixpath
import re
import shutil
import subprocess
import zipfile
from functools import partial
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import petl
import pytest
from click.testing import CliRunner
from openpyxl.utils import column_index_from_string, get_column_letter

from etl import template as tpl
from etl.build import extract_to_sheets, human_edits
from etl.checks import check_report
from etl.cli import cli
from etl.errors import WorkbookError
from etl.extract import extract_report
from etl.layout import (
    META_FIELDS,
    META_LABELS,
    META_VALUE_COL,
    STATUS_LABELS,
    TITLE_ROW,
    address,
    check_cells,
    check_columns,
    derived_formula,
    layout,
    picture_column,
    plan,
    positions,
)
from etl.manual import blank_report
from etl.pageimage import page_images
from etl.report import DERIVED, OCR, fingerprint
from etl.sheets import write_workbook
from etl.sheets_read import problem_table, read_workbook, stored_fingerprint
from tests.conftest import NEW_NP, SAMPLES, cell_ref, edit_cell, meta_cell


def _a1(where: tuple[str, int, int]) -> str:
    """``(sheet, row, column)`` -> the A1 reference on its sheet."""
    return address(*where).split("!", 1)[1]


def _item_code(key: tuple[str, str, str], template: str = "2021") -> str:
    """Where the item code of ``key``'s row is written (hidden column A)."""
    sheet, row, _, _ = positions(template)[key]
    return _a1((sheet, row, 1))


def _measure_code(key: tuple[str, str, str], template: str = "2021") -> str:
    """Where the measure code of ``key``'s column is written (a hidden code row)."""
    sheet, _, col, code_row = positions(template)[key]
    return _a1((sheet, code_row, col))


def test_round_trip_returns_the_same_report(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "003_dca3b8d882aa9ceb.pdf")
    back = read_workbook(write_workbook(report, tmp_path / "r.xlsx"))
    assert back.cells == report.cells
    assert (back.agency, back.year, back.template, back.sha256) == (
        report.agency, report.year, report.template, report.sha256)


@pytest.mark.parametrize(("sheet", "cell", "value", "what"), [
    ("requests", cell_ref(NEW_NP), "twelve", "应填数字"),
    ("requests", cell_ref(NEW_NP), -3, "件数不能为负"),
    ("requests", cell_ref(("requests", "carried_in", "commercial")), 2.5, "应填整数"),
    ("requests", cell_ref(NEW_NP), "#REF!", "公式出错"),
    ("requests", _item_code(("requests", "granted", "natural_person")), "granted_typo",
     "行被移动或删除"),
])
def test_bad_values_are_named_by_sheet_and_cell(sheets: Path, sheet: str, cell: str,
                                                 value: object, what: str) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    edit_cell(path, sheet, cell, value)
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    assert any(p.where == f"{sheet}!{cell}" and what in p.what for p in info.value.problems)


def test_all_problems_are_reported_not_just_the_first(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    wb = openpyxl.load_workbook(path)
    where = layout("2021")
    bad = (NEW_NP, ("appeals", "litigation_direct", "corrected"))
    wb["requests"][cell_ref(bad[0])] = "x"
    wb["appeals"][cell_ref(bad[1])] = -1
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
    edit_cell(path, "requests", cell_ref(NEW_NP), 999)
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
    backups = list((sheets / ".backup").glob("004_dc6eabfeda6fcd8b.*.xlsx"))
    assert len(backups) == 1
    assert read_workbook(backups[0]).value("requests", "new", "natural_person") == 999


# --- validation with petl: every kind of bad workbook, every problem at once -------------

def _problems(path: Path) -> list:
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    return info.value.problems


@pytest.mark.parametrize(("sheet", "cell", "value", "what"), [
    ("requests", cell_ref(NEW_NP), "#DIV/0!", "公式出错"),
    ("requests", cell_ref(NEW_NP), True, "应填数字"),
    ("active", cell_ref(("active", "fees", "amount_10k_yuan")), -1.5, "金额不能为负"),  # 万元
    ("requests", _measure_code(NEW_NP), "natural_persn", "列被移动或删除"),
    ("meta", meta_cell("year"), "二〇二四", "年度应为"),
    ("meta", meta_cell("status"), "done", "状态应为 未审核 或 已审核"),
    ("meta", meta_cell("template"), "2020", "模板应为 2021 或 2019"),
])
def test_more_bad_values_are_named_by_sheet_and_cell(sheets: Path, sheet: str, cell: str,
                                                      value: object, what: str) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    edit_cell(path, sheet, cell, value)
    problems = _problems(path)
    assert any(p.where == f"{sheet}!{cell}" and what in p.what for p in problems), problems
    assert all(p.file == path.name for p in problems)


def test_signed_change_may_be_negative_and_text_blank_is_empty(sheets: Path) -> None:
    path = sheets / "002_a9c952ea755c5d56.xlsx"  # 2019 template: 本年增/减
    sheet, row, col = layout("2019")[("active", "licensing", "change")]
    wb = openpyxl.load_workbook(path)
    wb[sheet].cell(row, col).value = -4
    wb["requests"][cell_ref(NEW_NP, "2019")] = "   "
    wb.save(path)
    report = read_workbook(path)
    assert report.value("active", "licensing", "change") == -4
    assert report.value("requests", "new", "natural_person") is None


def test_moved_row_is_reported_once_and_hides_its_values(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    wb = openpyxl.load_workbook(path)
    key = ("requests", "granted", "natural_person")
    wb["requests"][_item_code(key)] = "granted_typo"
    wb["requests"][cell_ref(("requests", "granted", "commercial"))] = "text in a moved row"
    wb.save(path)
    problems = _problems(path)
    assert [(p.where, p.value) for p in problems] == [
        (f"requests!{_item_code(key)}", "granted_typo")]
    assert problems[0].what == "行被移动或删除：这一行应是「三（一）予以公开」"


def test_every_missing_sheet_is_named(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    wb = openpyxl.load_workbook(path)
    del wb["appeals"]
    wb["active"].title = "主动公开"
    wb.save(path)
    assert {(p.where, p.what) for p in _problems(path)} == {
        ("active", "工作表缺失或被改名"), ("appeals", "工作表缺失或被改名")}


def test_lock_file_and_bad_cells_are_reported_together(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    (sheets / f"~${path.name}").write_bytes(b"lock")
    key = ("appeals", "review", "upheld")
    edit_cell(path, "appeals", cell_ref(key), "x")
    problems = _problems(path)
    assert [p.where for p in problems] == ["-", address(*layout("2021")[key])]
    assert "Excel 中打开" in problems[0].what


def test_changed_hidden_cells_header_is_refused(sheets: Path) -> None:
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    edit_cell(path, "_cells", "A1", "sektion")
    assert any(p.where == "_cells!A1" for p in _problems(path))


def test_problem_table_is_a_petl_table_of_file_where_value_what() -> None:
    table = problem_table(
        "x.xlsx", petl.wrap([("a",), (1,), ("z",), (-2,), ("z",)]),
        (("value", "应填数字", lambda r: isinstance(r["a"], int)),
         ("value", "不能为负", lambda r: r["a"] >= 0)),
        lambda _s, row: (f"s!A{row['a']}", "标签", row["a"]))
    # in the rows' order, the first failing rule of each, the same problem once
    assert list(table) == [("file", "where", "label", "value", "what"),
                           ("x.xlsx", "s!Az", "标签", "z", "应填数字"),
                           ("x.xlsx", "s!A-2", "标签", "-2", "不能为负")]


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
    assert na.protection.locked and na.fill.fgColor.rgb[-6:] == "BFBFBF"
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
        assert (ws[stored].fill.fgColor.rgb[-6:] == "FFC7CE") == (not result.ok), key
        rules = [(cf.sqref, rule.formula) for cf in ws.conditional_formatting
                 for rule in cf.rules if ws[live].coordinate in cf.sqref]
        col, row = re.fullmatch(r"([A-Z]+)(\d+)", live).groups()
        assert rules and rules[0][1] == [f"AND(ISNUMBER(${col}${row}),ABS(${col}${row})>0.000001)"]
    failed = {k for k, r in results.items() if not r.ok}
    assert {("requests.row_total", "granted"), ("requests.handled_sum", "total"),
            ("appeals.row_total", "review")} <= failed
    # the cells of a failing identity turn light red too
    granted_total = cell_ref(("requests", "granted", "total"))
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
    edit_cell(path, "requests", cell_ref(NEW_NP), float(value))  # the same number typed again
    assert not human_edits(path)
    edit_cell(path, "meta", meta_cell("agency"), "吴忠市人民政府")  # the agency corrected
    assert human_edits(path)


def test_workbook_without_fingerprint_falls_back_to_extracted_values(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    path = write_workbook(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb["_ogi"]
    wb.save(path)
    assert stored_fingerprint(path) is None and not human_edits(path)
    edit_cell(path, "requests", cell_ref(NEW_NP), 1)
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
    # a heading too wide for its column is broken in two, never mid-way through a bracket
    assert [ws[f"{col[m]}{bottom}"].value.replace("\n", "") for m in tpl.applicants()[1:]] == [
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
            text = _merged_label(ws, head, c)[0]
            assert text.replace("\n", "") == tpl.measure_label(template, "active", m)
            assert not re.search(r"\n[）)]", text), text  # a bracket never wraps alone
    if template == "2021":  # one measure: drawn across the sub-table's width
        r = row("active", "licensing")
        c = where[("active", "licensing", "decisions")][2]
        assert _merged_label(ws, r, c)[3:] == (c, where[("active", "rules", "in_force")][2])
    assert read_workbook(path).cells == blank_report("某县人民政府", 2024, template).cells


def _row_tops(ws: openpyxl.worksheet.worksheet.Worksheet, last: int) -> list[float]:
    """The top of each row 1 .. last in points (index = row), as a spreadsheet lays them."""
    tops = [0.0, 0.0]
    for r in range(1, last + 1):
        dim = ws.row_dimensions[r]
        tops.append(tops[-1] + (0 if dim.hidden else (dim.height or 15)))
    return tops


@pytest.mark.parametrize("stem", ["000_59d377ad04b23a3b", "002_a9c952ea755c5d56"])
def test_source_images_beside_the_values_outside_the_frozen_panes(tmp_path: Path,
                                                                  stem: str) -> None:
    pdf = SAMPLES / f"{stem}.pdf"
    report = extract_report(pdf)
    wb = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx", pdf=pdf))
    t = report.template
    for section in tpl.SECTIONS:
        ws, p = wb[section], plan(t, section)
        pages = sorted({c.page for c in report.cells.values() if c.section == section and c.page})
        pictures = sorted(ws._images, key=lambda i: i.anchor._from.row)
        assert len(pictures) == len(pages), section  # one per page the table spans
        frozen = re.fullmatch(r"([A-Z]+)(\d+)", ws.freeze_panes).groups()
        frozen_col, frozen_row = column_index_from_string(frozen[0]), int(frozen[1])
        assert frozen_col == p.first_col  # the labels stay when scrolling right
        band = picture_column(t, section)
        # beside the values: only the row checks (if any) stand between
        assert band == p.last_col + check_columns(t, section) + 1 <= p.last_col + 3
        bottom = 0
        for picture, page in zip(pictures, pages, strict=True):
            start = picture.anchor._from
            assert start.col + 1 == band + 1  # right of the band naming its page
            assert start.col + 1 >= frozen_col and start.row + 1 >= frozen_row  # not frozen
            assert start.row + 1 >= bottom  # images do not overlap
            bottom = start.row + 1
            text, first, last, c1, c2 = _merged_label(ws, start.row + 1, band)
            assert (text, c1, c2) == (f"原表第 {page} 页", band, band), (section, page)
        assert pages[0] and tpl.section_title(section) in ws.cell(TITLE_ROW, 2).value
    assert read_workbook(wb_path := tmp_path / "r.xlsx").cells == report.cells
    assert wb_path.stat().st_size <= 150 * 1024


def test_each_image_row_stands_beside_its_grid_row(tmp_path: Path) -> None:
    """One table row of the image is about one grid row: the grid's rows are stretched (and
    the image scaled) so that each printed row's top is level with its grid row's top."""
    pdf = SAMPLES / "000_59d377ad04b23a3b.pdf"
    report = extract_report(pdf)
    wb = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx", pdf=pdf))
    images = page_images(pdf, report)
    checked = 0
    for section in ("active", "requests"):
        ws, p = wb[section], plan("2021", section)
        tops = _row_tops(ws, p.last_row + 1)
        row_of = {i: r for b in p.blocks for r, i in enumerate(b.items, b.first_row)}
        pictures = sorted(ws._images, key=lambda i: i.anchor._from.row)
        for image, picture in zip([i for i in images if i.section == section], pictures,
                                  strict=True):
            start = picture.anchor._from
            y = tops[start.row + 1] + start.rowOff / 12700  # EMU -> points
            scale = picture.anchor.ext.height / 12700 / image.size[1]
            assert 1 <= scale <= 1.5
            for item, (top, _bottom) in image.rows.items():
                r = row_of[item]
                # within half the row: the reader's eye lands on the same row
                assert abs(tops[r] - (y + scale * top)) <= (tops[r + 1] - tops[r]) / 2, (
                    section, item, tops[r], y + scale * top)
                checked += 1
    assert checked > 30


def test_derived_totals_are_live_formulas_of_their_parts(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "003_dca3b8d882aa9ceb.pdf")  # prints no 总计 column
    path = write_workbook(report, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    cached = openpyxl.load_workbook(path, data_only=True)
    t = report.template
    derived = [k for k, c in report.cells.items() if DERIVED in c.flags and
               derived_formula(t, k)]
    assert len(derived) == 25
    for key in derived:
        sheet, r, c = layout(t)[key]
        cell = wb[sheet].cell(r, c)
        assert cell.value == derived_formula(t, key), key  # exactly ogi's formula
        assert cached[sheet].cell(r, c).value == report.cells[key].value  # its value cached
        assert cell.fill.fgColor.rgb[-6:] == "DDEBF7" and "计算" in cell.comment.text
        assert cell.protection.locked is False
    plain = [k for k, c in report.cells.items() if DERIVED not in c.flags]
    assert not any(str(wb[s].cell(r, c).value).startswith("=")
                   for s, r, c in (layout(t)[k] for k in plain))
    assert read_workbook(path).cells == report.cells


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_a_corrected_part_updates_its_derived_total(tmp_path: Path) -> None:
    """In a spreadsheet, a derived total follows the part a reviewer corrected."""
    report = extract_report(SAMPLES / "003_dca3b8d882aa9ceb.pdf")
    path = write_workbook(report, tmp_path / "r.xlsx")
    total = ("requests", "new", "total")
    before = report.value(*total)
    edit_cell(path, "requests", cell_ref(NEW_NP), report.value(*NEW_NP) + 2)
    out = tmp_path / "out"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    computed = openpyxl.load_workbook(out / "r.xlsx", data_only=True)
    assert computed["requests"][cell_ref(total)].value == before + 2
    _, live, _ = check_cells("2021")[("requests.row_total", "new")]
    assert computed["requests"].cell(*live).value == 0  # the row still adds up


HOSTILE = {"agency": '=HYPERLINK("http://example.invalid","点击核对")某县人民政府',
           "source_file": "=1+1.pdf", "note": "@SUM(A1)", "reviewer": "+1-1"}


def _sheet_xml(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)"', book)
        return z.read(f"xl/worksheets/sheet{names.index(name) + 1}.xml").decode()


def test_text_is_written_as_text_never_as_a_formula(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    for name, value in HOSTILE.items():
        setattr(report, name, value)
    report.narrative["一"] = ("一、总体情况", "=cmd|' /C calc'!A0 本年度，我县……")
    report.cells[NEW_NP].printed = "=1+1"
    report.cells[NEW_NP].note = "=2+2"
    path = write_workbook(report, tmp_path / "=1+1.xlsx")
    back = read_workbook(path)
    assert {name: getattr(back, name) for name in HOSTILE} == HOSTILE  # unchanged
    assert back.narrative == report.narrative and back.cells == report.cells
    meta = _sheet_xml(path, "meta")
    for name in HOSTILE:
        cell = re.search(rf'<c r="{meta_cell(name)}"[^>]*>(.*?)</c>', meta).group(0)
        assert "<f>" not in cell and 't="inlineStr"' in cell, cell
    for name in ("text", "_cells"):
        assert "<f>" not in _sheet_xml(path, name)
    # typed again by a reviewer, the editable ones stay text too
    wb = openpyxl.load_workbook(path)
    assert wb["meta"][meta_cell("agency")].quotePrefix


def test_characters_xml_cannot_hold_are_dropped(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    report.agency = "某县\x00人民\x07政府\x1b"
    report.narrative["一"] = ("一、总体情况", "正文\x0b第二句 _x0041_ 原样")
    path = write_workbook(report, tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ElementTree.fromstring(z.read(name))  # well-formed
    back = read_workbook(path)
    assert back.agency == "某县人民政府"
    assert back.narrative["一"][1] == "正文第二句 _x0041_ 原样"  # Excel's escapes escaped


def test_ocr_cells_are_coloured_by_confidence(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    sure, unsure = report.cells[NEW_NP], report.cells[("requests", "new", "commercial")]
    sure.flags, sure.confidence = [OCR], 0.97
    unsure.flags, unsure.confidence = [OCR], 0.62
    path = write_workbook(report, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["requests"]
    a, b = ws[cell_ref(NEW_NP)], ws[cell_ref(("requests", "new", "commercial"))]
    assert a.fill.fgColor.rgb[-6:] != b.fill.fgColor.rgb[-6:]
    assert "97%" in a.comment.text and "请核对" not in a.comment.text
    assert "62%" in b.comment.text and "请核对" in b.comment.text
    legend = _legend_fills(openpyxl.load_workbook(path)["meta"])
    assert {a.fill.fgColor.rgb[-6:], b.fill.fgColor.rgb[-6:]} <= set(legend)
    assert "把握不大" in legend[b.fill.fgColor.rgb[-6:]]
    assert read_workbook(path).cells == report.cells  # the confidence survives


def _legend_fills(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, str]:
    """The 说明 legend on the meta sheet: fill (RRGGBB) -> what it means."""
    return {ws.cell(r, 2).fill.fgColor.rgb[-6:]: ws.cell(r, 3).value
            for r in range(1, ws.max_row + 1)
            if ws.cell(r, 2).fill.fill_type == "solid" and ws.cell(r, 1).value is None
            and ws.cell(r, 3).value}


def test_meta_sheet_explains_itself(sample_sheets: Path) -> None:
    path = sample_sheets / "003_dca3b8d882aa9ceb.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["meta"]
    assert ws.column_dimensions["A"].hidden
    fields = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, len(META_FIELDS) + 2)}
    assert fields == META_LABELS  # codes in hidden A, Chinese labels beside
    texts = "".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for step in ("说明", "图片", "改正", "状态", "已审核", "审核人", "保存", "ogi load"):
        assert step in texts, step
    status = ws[meta_cell("status")]
    assert status.value == STATUS_LABELS["extracted"]
    rules = [dv for dv in ws.data_validations.dataValidation if status.coordinate in dv.sqref]
    assert [(dv.type, dv.formula1) for dv in rules] == [
        ("list", '"' + ",".join(STATUS_LABELS.values()) + '"')]
    legend = _legend_fills(ws)
    # every colour a value cell can have is explained, and each cell's colour is one of them
    used = {c.fill.fgColor.rgb[-6:] for s in tpl.SECTIONS for row in wb[s].iter_rows()
            for c in row if c.fill.fill_type == "solid"}
    assert used - {"F2F2F2", "D9E1F2"} <= set(legend)  # headings and the page band aside
    assert len(legend) >= 9 and all(re.search("[\u4e00-\u9fff]", t) for t in legend.values())


def test_comments_say_each_reason_once_in_chinese(sample_sheets: Path) -> None:
    seen = 0
    for path in sorted(sample_sheets.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        for section in tpl.SECTIONS:
            for row in wb[section].iter_rows():
                for cell in row:
                    if cell.comment is None:
                        continue
                    text = cell.comment.text
                    sentences = [s for s in re.split("(?<=[。])", text) if s]
                    assert not re.search("[A-Za-z]", text), (path.name, cell.coordinate, text)
                    assert len(sentences) == len(set(sentences)) <= 3, text
                    assert "原表未列出" not in text.replace("原表未列出", "", 1), text
                    seen += 1
    assert seen >= 25  # the derived totals of 003 at least


def test_text_sheet_reads_as_paragraphs(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "000_59d377ad04b23a3b.pdf")
    long = "本段很长。" * 200
    report.narrative = {"一": ("一、总体情况", "第一段。（一）主动公开情况。甲。（二）依申请公开。"
                                            f"乙。\n{long}"),
                        "六": ("六、其他需要报告的事项", "无。")}
    path = write_workbook(report, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["text"]
    assert [c.value for c in ws[1]] == ["节", "标题", "全文", "内容"]
    assert ws.column_dimensions["C"].hidden  # the whole text, for tools
    shown = [(r, ws.cell(r, 4).value) for r in range(2, ws.max_row + 1) if ws.cell(r, 4).value]
    texts = [t for _, t in shown]
    assert texts[:3] == ["第一段。", "（一）主动公开情况。甲。", "（二）依申请公开。乙。"]
    assert "".join(texts[3:-1]) == long and all(len(t) <= 420 for t in texts)
    assert texts[-1] == "无。"
    for r, text in shown:  # tall enough for its lines, never above what Excel allows
        height = ws.row_dimensions[r].height
        assert 15 * len(text) * 2 / (ws.column_dimensions["D"].width * 0.95) <= height <= 409
    assert read_workbook(path).narrative == report.narrative


def test_checks_sheet_speaks_chinese_and_cuts_nothing_off(tmp_path: Path) -> None:
    report = extract_report(SAMPLES / "001_1f6271bab0582421.pdf")
    ws = openpyxl.load_workbook(write_workbook(report, tmp_path / "r.xlsx"))["checks"]
    assert ws.column_dimensions["A"].hidden and ws.column_dimensions["B"].hidden
    assert all(re.search("[\u4e00-\u9fff]", str(c.value)) for c in ws[1][2:])
    width = ws.column_dimensions["C"].width
    for r, ident in enumerate(tpl.identities("2021"), 2):
        text = ws.cell(r, 3).value
        assert tpl.rule_description(ident.rule) in text and ident.statement in text
        lines = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) / (width * 0.95)
        assert ws.row_dimensions[r].height >= 15 * math.ceil(lines), (r, text)


@pytest.mark.parametrize(("template", "sheet", "label", "shown"), [
    ("2019", "active", "采购总金额（万元）", "采购总金额\n（万元）"),  # before its bracket
    ("2019", "active", "本年新制作数量", "本年新制作\n数量"),  # its last word kept whole
    ("2021", "requests", "社会公益组织", "社会公\n益组织"),  # else in the middle
    ("2021", "requests", "自然人", "自然人"),  # what fits stays on one line
])
def test_a_heading_breaks_where_it_reads_well(tmp_path: Path, template: str, sheet: str,
                                              label: str, shown: str) -> None:
    year = 2023 if template == "2021" else 2020
    ws = openpyxl.load_workbook(write_workbook(blank_report("甲", year, template),
                                               tmp_path / "x.xlsx"))[sheet]
    found = {c.value for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.replace("\n", "") == label}
    assert found == {shown}


def test_2019_headings_never_wrap_a_bracket_alone(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(write_workbook(blank_report("甲", 2020, "2019"),
                                               tmp_path / "r.xlsx"))["active"]
    sheet, _, col, code_row = positions("2019")[("active", "procurement", "amount_10k_yuan")]
    assert ws.cell(code_row - 1, col).value == "采购总金额\n（万元）"


def _no_overlapping_merges(root: ElementTree.Element, name: str) -> None:
    taken: set[tuple[int, int]] = set()
    for merge in root.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
                           "mergeCell"):
        (c1, r1), (c2, r2) = (re.fullmatch(r"([A-Z]+)(\d+)", x).groups()
                              for x in merge.get("ref").split(":"))
        cells = {(r, c) for r in range(int(r1), int(r2) + 1)
                 for c in range(column_index_from_string(c1), column_index_from_string(c2) + 1)}
        assert not cells & taken, (name, merge.get("ref"))
        taken |= cells


def test_the_package_is_clean_ooxml(sample_sheets: Path) -> None:
    """Every part well-formed and typed, every relationship's target present, the
    worksheet's elements in the schema's order (what Excel repairs otherwise)."""
    order = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData",
             "sheetProtection", "mergeCells", "conditionalFormatting", "dataValidations",
             "printOptions", "pageMargins", "pageSetup", "drawing", "legacyDrawing"]
    for path in sorted(sample_sheets.glob("*.xlsx")):
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            types = ElementTree.fromstring(z.read("[Content_Types].xml"))
            defaults = {e.get("Extension") for e in types if e.tag.endswith("Default")}
            overrides = {e.get("PartName").lstrip("/") for e in types
                         if e.tag.endswith("Override")}
            assert overrides <= names
            for name in names:
                data = z.read(name)
                # every XML part typed as what it is (a bare application/xml is not enough)
                typed = name in overrides or (not name.endswith(".xml") and
                                              name.rsplit(".", 1)[-1] in defaults)
                assert typed or name == "[Content_Types].xml", name
                if name.endswith((".xml", ".rels", ".vml")):
                    root = ElementTree.fromstring(data)
                if name.endswith(".rels"):
                    base = name.replace("_rels/", "").removesuffix(".rels").rsplit("/", 1)
                    folder = base[0] if len(base) == 2 else ""
                    for rel in root:
                        target = posixpath.normpath(posixpath.join(folder, rel.get("Target")))
                        assert target in names, (name, target)
                if name.startswith("xl/worksheets/sheet"):
                    tags = [e.tag.split("}")[1] for e in root]
                    assert tags == sorted(tags, key=order.index), (name, tags)
                    _no_overlapping_merges(root, name)


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


def test_ogi_extract_places_the_images_of_the_pdf_beside_the_grids(tmp_path: Path) -> None:
    """``ogi extract`` renders the images from the pages extraction has open: the workbook
    holds each table's image, the same as rendering the PDF again from its file."""
    pdf = SAMPLES / "000_59d377ad04b23a3b.pdf"
    [outcome] = list(extract_to_sheets([pdf], tmp_path, False, 1))
    again = page_images(pdf, extract_report(pdf))
    with zipfile.ZipFile(outcome.workbook) as z:
        media = sorted(z.read(n) for n in z.namelist() if n.startswith("xl/media/"))
    assert len(again) >= 3 and media == sorted(i.png for i in again)
