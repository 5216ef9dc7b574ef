"""The ``ogi`` command in the first hour: errors that name what is wrong and nothing more,
no empty database passed off as a loaded one, and the next step after each command."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import etl.build
from etl.cli import cli
from tests.conftest import SAMPLES

PDF = SAMPLES / "000_59d377ad04b23a3b.pdf"


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def test_build_of_a_missing_path_prints_only_the_real_error(tmp_path: Path) -> None:
    sheets, db = tmp_path / "sheets", tmp_path / "db" / "ogi.db"
    result = _run("build", str(tmp_path / "nonexistent"), "--sheets", str(sheets),
                  "--db", str(db))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"错误  {tmp_path / 'nonexistent'}：没有这个文件或文件夹"]
    assert result.stdout.splitlines() == ["失败 1 个"]
    assert not db.exists() and not sheets.exists()


def test_a_missing_path_does_not_stop_the_batch(tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    result = _run("extract", str(tmp_path / "gone.pdf"), str(PDF), "--sheets", str(sheets))
    assert result.exit_code == 1
    assert "gone.pdf：没有这个文件或文件夹" in result.stderr
    assert "已写入 1 个，失败 1 个" in result.stdout
    assert [p.name for p in sheets.iterdir()] == ["000_59d377ad04b23a3b.xlsx"]


def test_extract_of_a_folder_without_pdfs_names_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run("extract", str(empty), "--sheets", str(tmp_path / "sheets"))
    assert result.exit_code == 1
    assert f"错误：{empty}：没有找到 PDF 文件" in result.output


def test_load_of_an_empty_folder_fails_and_makes_no_database(tmp_path: Path) -> None:
    empty, db = tmp_path / "empty", tmp_path / "db" / "ogi.db"
    empty.mkdir()
    result = _run("load", "--sheets", str(empty), "--db", str(db))
    assert result.exit_code == 1
    assert (f"错误：{empty}：文件夹里没有工作簿（*.xlsx），什么也没有载入，也没有创建数据库"
            in result.output)
    assert not db.exists() and not db.parent.exists()
    result = _run("load", "--sheets", str(tmp_path / "none"), "--db", str(db))
    assert result.exit_code == 1 and "none：没有这个文件夹" in result.output
    assert not db.exists()


def test_extract_says_where_the_workbooks_are_and_what_comes_next(tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    result = _run("extract", str(PDF), "--sheets", str(sheets))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"已写入  {PDF} -> {sheets / '000_59d377ad04b23a3b.xlsx'}：")
    assert lines[-2:] == ["已写入 1 个", f"工作簿在 {sheets}/ 里：在 Excel / WPS 里对照 PDF "
                          "核对、改正，把 meta 表的「状态」选为「已审核」并填上「审核人」；"
                          f"然后运行 ogi load --sheets {sheets} 载入数据库"]
    assert "核对不符" not in result.stdout  # the sample's checks all hold


def test_failed_checks_say_where_to_look(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    real = etl.build.extract_with_images

    def misread(pdf: Path) -> object:  # a grid reading off by 5 in one cell
        report, images = real(pdf)
        report.cells[("requests", "granted", "total")].value += 5
        return report, images

    monkeypatch.setattr(etl.build, "extract_with_images", misread)
    result = _run("extract", str(PDF), "--sheets", str(tmp_path / "sheets"), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert ("        核对不符 2 项：打开这个工作簿，看 checks 工作表和表格旁标红的“核对”格"
            in result.stdout.splitlines())
    assert ("1 个工作簿有核对不符的数：在工作簿的 checks 工作表（和表格旁标红的“核对”格）"
            "里看是哪几项，对照 PDF 改正") in result.stdout


def test_load_says_what_comes_next(tmp_path: Path, sample_sheets: Path) -> None:
    sheets, db = tmp_path / "sheets", tmp_path / "ogi.db"
    shutil.copytree(sample_sheets, sheets)
    result = _run("load", "--sheets", str(sheets), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2:] == [
        f"载入 5 个，未改变 0 个，拒绝 0 个 -> {db}",
        f"下一步：ogi serve --db {db} 浏览数据（载入后要重启 ogi serve）"]


def test_every_command_has_help_with_an_example() -> None:
    for command in ("extract", "load", "build", "serve", "template"):
        result = _run(command, "--help")
        assert result.exit_code == 0
        assert "例子：" in result.output and f"ogi {command} " in result.output
