"""Review workbooks: round trip, validation naming sheet!cell, corrections kept."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from etl.cli import cli
from etl.errors import WorkbookError
from etl.extract import extract_report
from etl.sheets import read_workbook, write_workbook
from tests.conftest import SAMPLES


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
    ("requests", "C4", "twelve", "not a number"),
    ("requests", "C4", -3, "negative count"),
    ("requests", "D5", 2.5, "not a whole number"),
    ("requests", "C4", "#REF!", "formula error"),
    ("requests", "A6", "granted_typo", "row moved or deleted"),
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
    wb["requests"]["C4"] = "x"
    wb["appeals"]["D5"] = -1
    wb.save(path)
    with pytest.raises(WorkbookError) as info:
        read_workbook(path)
    assert {p.where for p in info.value.problems} == {"requests!C4", "appeals!D5"}


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
    _edit(path, "requests", "C4", 999)
    again = runner.invoke(cli, ["extract", pdf, "--sheets", str(sheets)])
    assert again.exit_code == 0 and "kept" in again.output
    assert read_workbook(path).value("requests", "new", "natural_person") == 999
    forced = runner.invoke(cli, ["extract", pdf, "--sheets", str(sheets), "--force"])
    assert forced.exit_code == 0
    assert read_workbook(path).value("requests", "new", "natural_person") != 999
    backups = list(sheets.glob("004_dc6eabfeda6fcd8b.*.bak.xlsx"))
    assert len(backups) == 1
    assert read_workbook(backups[0]).value("requests", "new", "natural_person") == 999
