"""Manual entry: ``ogi template`` writes a blank workbook named by agency and year, which is
filled by hand and loads like any other."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from etl.cli import cli
from etl.errors import EtlError
from etl.layout import layout
from etl.load import load
from etl.manual import blank_report, manual_report_id
from etl.sheets_read import read_workbook


def _template(sheets: Path, agency: str, year: int, *more: str) -> object:
    return CliRunner().invoke(cli, ["template", "--agency", agency, "--year", str(year),
                                    "--sheets", str(sheets), *more])


def test_template_then_fill_then_load(tmp_path: Path) -> None:
    sheets, db = tmp_path / "sheets", tmp_path / "ogi.db"
    result = _template(sheets, "某县人民政府办公室", 2020)
    assert result.exit_code == 0, result.output
    (path,) = sheets.glob("*.xlsx")
    assert path.name == "某县人民政府办公室_2020_手工.xlsx"
    assert f"已写入  {path}：某县人民政府办公室 2020 年的空白工作簿（2019 版模板）" in result.output
    assert f"然后运行 ogi load --sheets {sheets}" in result.output
    blank = read_workbook(path)
    assert (blank.template, blank.year, blank.status) == ("2019", 2020, "extracted")
    assert all(c.value is None for c in blank.cells.values())

    wb = openpyxl.load_workbook(path)
    where = layout("2019")
    for key, value in {("requests", "new", "natural_person"): 7,
                       ("requests", "new", "total"): 7,
                       ("active", "procurement", "amount_10k_yuan"): 12.5}.items():
        sheet, row, col = where[key]
        wb[sheet].cell(row, col).value = value
    wb.save(path)
    result = load(sheets, db)
    assert result.loaded == [path.stem] and not result.refused
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT agency, year, template, status FROM reports").fetchall() == [
        ("某县人民政府办公室", 2020, "2019", "extracted")]
    assert sorted(conn.execute(
        "SELECT item, measure, value FROM cells WHERE value IS NOT NULL").fetchall()) == [
        ("new", "natural_person", 7), ("new", "total", 7),
        ("procurement", "amount_10k_yuan", 12.5)]


@pytest.mark.parametrize(("agency", "place"), [
    ("某县人民政府", (None, None, None, None, "county")),  # the README's example: no 重庆市 / 县
    ("北京市海淀区人民政府", ("北京市", "北京市", "海淀区", "110108", "county")),
    ("平潭综合实验区管委会", ("福建省", "福州市", "平潭县", "350128", "county")),
])
def test_a_template_report_gets_its_place_right_or_blank(tmp_path: Path, agency: str,
                                                         place: tuple) -> None:
    sheets, db = tmp_path / "sheets", tmp_path / "ogi.db"
    assert _template(sheets, agency, 2024).exit_code == 0
    assert load(sheets, db).loaded == [f"{agency}_2024_手工"]
    assert sqlite3.connect(db).execute(
        "SELECT province, city, county, adcode, level FROM reports").fetchone() == place


def test_the_same_template_again_is_refused(tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    assert _template(sheets, "某县人民政府", 2024).exit_code == 0
    (path,) = sheets.glob("*.xlsx")
    before = path.read_bytes()
    again = _template(sheets, "某县人民政府", 2024)
    assert again.exit_code == 1
    assert f"{path}：某县人民政府 2024 年的工作簿已经存在，没有覆盖" in again.output
    assert path.read_bytes() == before


def test_the_other_template_edition_is_refused_saying_why(tmp_path: Path) -> None:
    """One agency, one report a year: a second workbook for it would load as a second report
    of the same agency and year. The refusal names the edition the workbook has."""
    sheets = tmp_path / "sheets"
    assert _template(sheets, "某县人民政府", 2020, "--template", "2021").exit_code == 0
    (path,) = sheets.glob("*.xlsx")
    before = path.read_bytes()
    other = _template(sheets, "某县人民政府", 2020, "--template", "2019")
    assert other.exit_code == 1
    assert f"{path}：某县人民政府 2020 年的工作簿已经存在（2021 版模板）" in other.output
    assert "一个机关一年只有一份年报" in other.output and "删除或移走这个文件" in other.output
    assert path.read_bytes() == before and len(list(sheets.iterdir())) == 1


@pytest.mark.parametrize(("agency", "year", "report_id"), [
    ("吴忠市人民政府办公室", 2024, "吴忠市人民政府办公室_2024_手工"),
    (" 北京市 海淀区人民政府 ", 2023, "北京市_海淀区人民政府_2023_手工"),
    ("某市人民政府（办公室）", 2021, "某市人民政府_办公室_2021_手工"),
    ("../../etc/passwd", 2024, "etc_passwd_2024_手工"),
    (".hidden", 2024, "hidden_2024_手工"),
])
def test_the_id_is_readable_and_safe_as_a_file_name(agency: str, year: int,
                                                    report_id: str) -> None:
    assert manual_report_id(agency, year) == report_id
    assert manual_report_id(agency, year) == manual_report_id(agency, year)  # stable


def test_an_agency_with_nothing_to_name_is_refused() -> None:
    with pytest.raises(EtlError, match="没有可用作编号的文字"):
        manual_report_id("？？？", 2024)


def test_template_year_picks_the_template() -> None:
    assert blank_report("甲", 2024).template == "2021"
    assert blank_report("甲", 2020).template == "2019"
    assert blank_report("甲", 2020, "2021").template == "2021"
