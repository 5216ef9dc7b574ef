"""Nothing a workbook contains corrupts the database or stops a load (issue 10's loader
cases), and the loader speaks to the reviewer (issue 11): each case is refused by name while
the other workbooks load."""

from __future__ import annotations

import fcntl
import os
import re
import resource
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import etl.load
from etl.cli import cli
from etl.errors import EtlError
from etl.layout import layout
from etl.load import load
from tests.conftest import NEW_NP, cell_at, edit_cell, meta_cell, other_year, set_value

A = "000_59d377ad04b23a3b"  # 吴忠市人民政府办公室 2024
B = "001_1f6271bab0582421"
SPLIT = "003_dca3b8d882aa9ceb"  # no 总计 column: its totals are derived


def _cells(db: Path, report_id: str) -> dict:
    conn = sqlite3.connect(db)
    try:
        return {(s, i, m): v for s, i, m, v in conn.execute(
            "SELECT section, item, measure, value FROM cells WHERE report_id = ?", [report_id])}
    finally:
        conn.close()


def _one(db: Path, sql: str, params: tuple = ()) -> tuple:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def _patch_part(path: Path, part: str, edit: object) -> None:
    """Rewrite one XML part of a workbook (what another program, or an attacker, may
    write), keeping the rest."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[part] = edit(parts[part])  # type: ignore[operator]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _sheet_part(path: Path, sheet: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"


def _set_xml_cell(path: Path, sheet: str, cell: str, xml: str) -> None:
    """Replace the <c> element of ``cell`` with ``xml``."""
    def edit(data: bytes) -> bytes:
        text = data.decode("utf-8")
        new, n = re.subn(rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)', xml, text, count=1)
        assert n == 1, cell
        return new.encode("utf-8")
    _patch_part(path, _sheet_part(path, sheet), edit)


def _load_cli(sheets: Path, db: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["load", "--sheets", str(sheets), "--db", str(db), *args])


def _refused_by_name(result: object, name: str, where: str = "") -> None:
    assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
    errors = [x for x in result.stderr.splitlines() if x.startswith("错误")]  # type: ignore
    assert errors and all(name in x for x in errors), errors
    assert any(where in x for x in errors), (where, errors)
    assert "Traceback" not in result.output  # type: ignore[attr-defined]


# --- 1. a workbook cannot take another report's place -------------------------------------

@pytest.mark.parametrize("full", [False, True])
def test_relabelled_workbook_cannot_overwrite_another_report(sheets: Path, tmp_path: Path,
                                                             full: bool) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    before = _cells(db, B)
    path = sheets / f"{A}.xlsx"
    edit_cell(path, "meta", meta_cell("report_id"), B)
    set_value(path, NEW_NP, 99999)
    result = _load_cli(sheets, db, *(["--full"] if full else []))
    _refused_by_name(result, path.name, f"meta!{meta_cell('report_id')}")
    assert _cells(db, B) == before
    assert _cells(db, A)[NEW_NP] != 99999


def test_copied_workbook_is_refused_and_the_genuine_one_loads(sheets: Path, tmp_path: Path
                                                              ) -> None:
    db = tmp_path / "ogi.db"
    copy = sheets / "000_aaaa.xlsx"  # sorts before the genuine one
    copy.write_bytes((sheets / f"{B}.xlsx").read_bytes())
    result = _load_cli(sheets, db, "--full")
    _refused_by_name(result, copy.name, "改名或复制")
    assert _one(db, "SELECT workbook FROM reports WHERE report_id = ?", (B,)) == (f"{B}.xlsx",)
    assert _one(db, "SELECT count(*) FROM reports") == (5,)


# --- 2. backups beside the workbooks are not workbooks --------------------------------------

def test_backup_beside_the_workbooks_is_not_loaded(sheets: Path, tmp_path: Path) -> None:
    backup = sheets / f"{A}.20261201T000000.bak.xlsx"
    backup.write_bytes((sheets / f"{A}.xlsx").read_bytes())
    result = _load_cli(sheets, tmp_path / "ogi.db")
    assert result.exit_code == 0, result.output
    assert "载入 5 个" in result.output and backup.name not in result.output


# --- 3. a value cell holds a number or nothing ----------------------------------------------

def test_formula_without_a_value_is_refused_not_loaded_as_blank(sheets: Path, tmp_path: Path
                                                                 ) -> None:
    path = sheets / f"{A}.xlsx"
    where = set_value(path, NEW_NP, "=180+7")  # openpyxl saves the formula without its value
    result = _load_cli(sheets, tmp_path / "ogi.db")
    _refused_by_name(result, path.name, where)
    assert "公式" in result.stderr and "载入 4 个" in result.output


@pytest.mark.parametrize("formula", ["[1]Sheet1!A1", "cmd|' /C calc'!A0"])
def test_formula_with_a_saved_value_linking_outside_is_refused(sheets: Path, tmp_path: Path,
                                                               formula: str) -> None:
    path = sheets / f"{A}.xlsx"
    sheet, cell = cell_at(NEW_NP)
    _set_xml_cell(path, sheet, cell, f'<c r="{cell}" s="3"><f>{formula.replace("&", "&amp;")}'
                                     f"</f><v>187</v></c>")
    result = _load_cli(sheets, tmp_path / "ogi.db")
    _refused_by_name(result, path.name, f"{sheet}!{cell}")
    assert _one(tmp_path / "ogi.db", "SELECT count(*) FROM reports WHERE report_id = ?",
                (A,)) == (0,)


def test_ogis_own_derived_formula_is_recognised(sheets: Path, tmp_path: Path) -> None:
    """The split-table report's totals are ogi's live formulas: they load (and count)."""
    result = load(sheets, tmp_path / "ogi.db")
    assert SPLIT in result.loaded
    assert _one(tmp_path / "ogi.db", "SELECT count(*) FROM cells WHERE report_id = ? AND "
                "derived = 1 AND value IS NOT NULL", (SPLIT,))[0] > 0


# --- 4. out-of-range values, huge sheets, entity bombs: refused by name ---------------------

@pytest.mark.parametrize("value", [1e19, 1e300, 12345678901234567890])
def test_a_number_too_large_is_refused_by_name(sheets: Path, tmp_path: Path,
                                               value: float) -> None:
    path = sheets / f"{A}.xlsx"
    where = set_value(path, NEW_NP, value)
    result = _load_cli(sheets, tmp_path / "ogi.db")
    _refused_by_name(result, path.name, where)
    assert "数值过大" in result.stderr and "载入 4 个" in result.output


def test_a_twenty_digit_year_is_refused_by_name(sheets: Path, tmp_path: Path) -> None:
    path = sheets / f"{A}.xlsx"
    edit_cell(path, "meta", meta_cell("year"), 12345678901234567890)
    result = _load_cli(sheets, tmp_path / "ogi.db")
    _refused_by_name(result, path.name, f"meta!{meta_cell('year')}")
    assert "载入 4 个" in result.output


def test_a_cell_at_the_sheets_last_corner_is_refused_by_name(sheets: Path, tmp_path: Path
                                                             ) -> None:
    path = sheets / f"{A}.xlsx"
    edit_cell(path, "text", "XFD1048576", "x")
    result = _load_cli(sheets, tmp_path / "ogi.db")
    _refused_by_name(result, path.name, "工作表过大")
    assert "载入 4 个" in result.output
    assert _one(tmp_path / "ogi.db", "PRAGMA journal_mode") == ("delete",)


_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "hahahahahahahahahaha">'
           + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                     for i in range(8))
           + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'count="1" uniqueCount="1"><si><t>&i;</t></si></sst>')


def test_entity_bomb_with_an_error_cell_is_refused_by_name(sheets: Path, tmp_path: Path
                                                           ) -> None:
    path = sheets / f"{A}.xlsx"
    sheet, cell = cell_at(NEW_NP)
    _set_xml_cell(path, sheet, cell, f'<c r="{cell}" t="e"><v>#REF!</v></c>')
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/sharedStrings.xml", _LAUGHS)
    result = _load_cli(sheets, tmp_path / "ogi.db")
    _refused_by_name(result, path.name, "DTD")
    assert "载入 4 个" in result.output


# --- 5. memory is bounded: sizes checked before anything is inflated -----------------------

def _bomb(path: Path, size: int) -> None:
    """Add to the workbook an (unread) part that inflates to ``size`` bytes."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, \
            z.open("xl/worksheets/sheet99.xml", "w", force_zip64=True) as f:
        chunk = b" " * (1 << 24)
        for _ in range(size // len(chunk)):
            f.write(chunk)


def test_zip_bomb_is_refused_within_500_mb(sheets: Path, tmp_path: Path) -> None:
    path = sheets / f"{A}.xlsx"
    _bomb(path, 1536 * 2**20)  # 1.5 GiB inflated, ~1.5 MB on disk
    assert path.stat().st_size < 5 * 2**20
    db = tmp_path / "ogi.db"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    run = subprocess.run([sys.executable, "-m", "etl", "load", "--sheets", str(sheets),
                          "--db", str(db)], capture_output=True, text=True,
                         env={**os.environ, "LANGUAGE": "zh_CN"}, check=False)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert run.returncode == 1 and path.name in run.stderr and "解压后过大" in run.stderr, \
        run.stderr
    assert "载入 4 个" in run.stdout
    # the largest child this test process has waited for: this load (or an earlier, smaller
    # one when the counter was already higher)
    assert peak_mb < 500 or before / 1024 >= peak_mb, peak_mb


# --- 6. meta fields validated; provenance kept as extracted ---------------------------------

@pytest.mark.parametrize(("field", "value", "what"), [
    ("year", -3, "年度应为"), ("year", 2007, "年度应为"), ("agency", "  ", "机关名称不能为空")])
def test_bad_meta_values_are_refused(sheets: Path, tmp_path: Path, field: str, value: object,
                                     what: str) -> None:
    path = sheets / f"{A}.xlsx"
    edit_cell(path, "meta", meta_cell(field), value)
    result = _load_cli(sheets, tmp_path / "ogi.db")
    _refused_by_name(result, path.name, f"meta!{meta_cell(field)}")
    assert what in result.stderr


def test_a_deleted_year_row_is_refused(sheets: Path, tmp_path: Path) -> None:
    path = sheets / f"{A}.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["meta"].protection.sheet = False
    wb["meta"].delete_rows(int(meta_cell("year")[1:]))
    wb.save(path)
    result = _load_cli(sheets, tmp_path / "ogi.db")
    _refused_by_name(result, path.name, "被删除")
    assert "年度" in result.stderr


def test_edited_provenance_is_ignored_with_a_warning(sheets: Path, tmp_path: Path) -> None:
    path = sheets / f"{A}.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["meta"][meta_cell("sha256")] = "0" * 64
    wb["meta"][meta_cell("source_file")] = "forged.pdf"
    wb.save(path)
    result = _load_cli(sheets, tmp_path / "ogi.db")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("不能修改") == 2 and path.name in result.stderr
    sha, name = _one(tmp_path / "ogi.db", "SELECT sha256, source_file FROM reports WHERE "
                     "report_id = ?", (A,))
    assert name == f"{A}.pdf" and sha != "0" * 64 and len(sha) == 64


# --- 7. a load cut short is finished by the next one ---------------------------------------

def _load_cut_short(sheets: Path, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load killed after its reports were committed, before the cross-year checks."""
    def crash(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(etl.load, "write_chain_checks", crash)
        with pytest.raises(KeyboardInterrupt):
            load(sheets, db)


def test_cross_year_checks_left_by_a_crash_are_written_by_the_next_load(
        sheets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other_year(sheets / f"{A}.xlsx", "wz-2023", 2023)
    want = tmp_path / "want.db"
    load(sheets, want)
    rows = "SELECT count(*) FROM checks WHERE rule LIKE '%chain'"
    assert _one(want, rows)[0] > 0

    db = tmp_path / "ogi.db"
    _load_cut_short(sheets, db, monkeypatch)
    assert _one(db, rows) == (0,)
    result = load(sheets, db)  # plain: every workbook unchanged
    assert not result.loaded and len(result.unchanged) == 6
    assert _one(db, rows) == _one(want, rows)
    assert _one(db, "SELECT count(*) FROM pending_chains") == (0,)


def test_reader_workers_die_with_a_killed_load(sheets: Path, tmp_path: Path) -> None:
    """SIGKILL the load while its pool reads: no reader survives it."""
    for n in range(240):  # enough workbooks for two reader processes, reading a while
        (sheets / f"x{n:03}.xlsx").write_bytes((sheets / f"{A}.xlsx").read_bytes())
    proc = subprocess.Popen([sys.executable, "-m", "etl", "load", "--sheets", str(sheets),
                             "--db", str(tmp_path / "ogi.db")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def children() -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == proc.pid:
                found.append(int(stat.parent.name))
        return found

    import time
    deadline = time.monotonic() + 60
    while len(workers := children()) < 2 and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) >= 2, "the load never started its readers"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{w}").exists() and "Z" not in _state(w) for w in workers) \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if Path(f"/proc/{w}").exists() and "Z" not in _state(w)]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


# --- 8. two loads at once -----------------------------------------------------------------

def test_a_second_load_waits_then_says_another_holds_the_database(sheets: Path,
                                                                   tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    with open(db.with_name("ogi.db.lock"), "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(EtlError, match="另一个 ogi load"):
            load(sheets, db, wait=0.3)
        os.environ["OGI_LOCK_WAIT"] = "0.3"
        try:
            result = subprocess.run([sys.executable, "-m", "etl", "load", "--sheets",
                                     str(sheets), "--db", str(db)], capture_output=True,
                                    text=True, env={**os.environ, "LANGUAGE": "zh_CN"},
                                    check=False)
        finally:
            del os.environ["OGI_LOCK_WAIT"]
    assert result.returncode == 1 and "另一个 ogi load" in result.stderr
    assert "Traceback" not in result.stderr and str(db) in result.stderr


def test_a_database_locked_by_another_program_is_one_line(sheets: Path, tmp_path: Path
                                                           ) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    set_value(sheets / f"{A}.xlsx", NEW_NP, 190)
    other = sqlite3.connect(db)
    other.execute("BEGIN EXCLUSIVE")
    try:
        monkey = etl.load.LOCK_WAIT
        etl.load.LOCK_WAIT = 0.2
        result = _load_cli(sheets, db)
    finally:
        etl.load.LOCK_WAIT = monkey
        other.rollback()
        other.close()
    assert result.exit_code == 1 and "锁住" in result.output and str(db) in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- 12. --db that is not SQLite, or cannot be written ---------------------------------------

@pytest.mark.parametrize("kind", ["not sqlite", "under a file"])
def test_db_that_is_not_sqlite_or_not_writable_is_one_line(sheets: Path, tmp_path: Path,
                                                           kind: str) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database " * 100)
    db = bad if kind == "not sqlite" else bad / "ogi.db"
    for command in (["load", "--sheets", str(sheets)], ["serve"]):
        result = CliRunner().invoke(cli, [*command, "--db", str(db)])
        assert result.exit_code == 1, (command, result.output)
        lines = [x for x in result.output.splitlines() if x.strip()]
        assert len(lines) == 1 and str(bad) in lines[0], (command, lines)
        assert bad.read_bytes() == b"this is not a database " * 100


# --- issue 11: derived totals, the reviewer's messages, an honest history --------------------

def test_a_corrected_part_carries_its_derived_total(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    part = ("requests", "new", "natural_person")
    total = ("requests", "new", "total")
    was = _cells(db, SPLIT)
    path = sheets / f"{SPLIT}.xlsx"
    wb = openpyxl.load_workbook(path)  # a script's edit: formulas saved without values
    sheet, row, col = layout("2021")[part]
    wb[sheet].cell(row, col).value = was[part] + 1
    wb.save(path)
    load(sheets, db)
    now = _cells(db, SPLIT)
    assert now[total] == was[total] + 1
    derived, flags = _one(db, "SELECT derived, flags FROM cells WHERE report_id = ? AND "
                          "section = ? AND item = ? AND measure = ?", (SPLIT, *total))
    assert derived == 1 and "derived" in flags.split(",")
    assert _one(db, "SELECT ok FROM checks WHERE report_id = ? AND rule = "
                "'requests.row_total' AND subject = 'new'", (SPLIT,)) == (1,)
    # only the part is a correction: the total followed it
    assert _one(db, "SELECT count(*) FROM corrections_in_force WHERE report_id = ?",
                (SPLIT,)) == (1,)


def test_a_blanked_part_leaves_its_derived_total_blank(sheets: Path, tmp_path: Path) -> None:
    """Never an invented 0: a derived total over a part the reviewer cleared is blank (still
    marked derived), not the sum of the others; the row's identity is then not evaluated."""
    db = tmp_path / "ogi.db"
    load(sheets, db)
    part = ("requests", "new", "natural_person")
    total = ("requests", "new", "total")
    assert _cells(db, SPLIT)[total] is not None
    set_value(sheets / f"{SPLIT}.xlsx", part, None)
    result = load(sheets, db)
    assert SPLIT in result.loaded
    now = _cells(db, SPLIT)
    assert now[part] is None and now[total] is None
    assert _one(db, "SELECT derived FROM cells WHERE report_id = ? AND section = ? AND "
                "item = ? AND measure = ?", (SPLIT, *total)) == (1,)
    assert _one(db, "SELECT count(*) FROM checks WHERE report_id = ? AND rule = "
                "'requests.row_total' AND subject = 'new'", (SPLIT,)) == (0,)


def test_one_deleted_row_is_one_message_with_its_labels(sheets: Path, tmp_path: Path) -> None:
    path = sheets / f"{A}.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["requests"].protection.sheet = False
    sheet, row, _col = layout("2021")[("requests", "granted", "total")]
    wb[sheet].delete_rows(row)
    wb.save(path)
    result = _load_cli(sheets, tmp_path / "ogi.db")
    errors = [x for x in result.stderr.splitlines() if x.startswith("错误")]
    assert len(errors) == 1, errors
    assert f"requests!A{row}（三（一）予以公开）：行被移动或删除" in errors[0]


def test_corrections_history_records_a_revert_and_each_change_once(sheets: Path,
                                                                    tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    path = sheets / f"{A}.xlsx"
    load(sheets, db)
    extracted = _cells(db, A)[NEW_NP]
    set_value(path, NEW_NP, extracted + 3)
    first = _load_cli(sheets, db)
    assert f"{A}.xlsx：记录了 1 处改动" in first.output
    assert f"{extracted} → {extracted + 3}" in first.output
    load(sheets, db, full=True)  # a full reload logs nothing new
    set_value(path, NEW_NP, extracted)
    load(sheets, db)
    load(sheets, db, full=True)
    conn = sqlite3.connect(db)
    log = conn.execute("SELECT extracted, previous, corrected, kind FROM corrections "
                       "WHERE report_id = ? ORDER BY id", [A]).fetchall()
    assert log == [(extracted, extracted, extracted + 3, "correction"),
                   (extracted, extracted + 3, extracted, "revert")]
    assert conn.execute("SELECT count(*) FROM corrections_in_force").fetchone() == (0,)
    conn.close()


def test_a_cleared_value_is_logged_and_warned(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    where = set_value(sheets / f"{A}.xlsx", NEW_NP, None)
    result = _load_cli(sheets, db)
    assert result.exit_code == 0
    assert any(where in x and "被清空" in x for x in result.stderr.splitlines()), result.stderr
    assert _one(db, "SELECT corrected, kind FROM corrections WHERE report_id = ?",
                (A,)) == (None, "correction")


def test_reviewed_without_a_reviewer_is_warned(sheets: Path, tmp_path: Path) -> None:
    edit_cell(sheets / f"{A}.xlsx", "meta", meta_cell("status"), "已审核")
    result = _load_cli(sheets, tmp_path / "ogi.db")
    assert result.exit_code == 0
    assert any(f"{A}.xlsx" in x and "审核人" in x for x in result.stderr.splitlines())


# --- issue 17: the bugs the suite once missed ------------------------------------------------

def test_prune_keeps_the_report_of_a_refused_workbook(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    set_value(sheets / f"{A}.xlsx", NEW_NP, "十二")
    result = load(sheets, db, prune=True)
    assert result.refused and not result.pruned
    assert _one(db, "SELECT count(*) FROM cells WHERE report_id = ?", (A,))[0] > 0


@pytest.mark.parametrize("cut_short", [False, True])
def test_an_agency_edit_updates_both_agencies_cross_year_checks(
        sheets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut_short: bool) -> None:
    """The old agency's checks are recomputed too, also when the load that read the edit was
    cut short (its agency stays pending; the next load has no workbook to read again)."""
    db = tmp_path / "ogi.db"
    earlier = other_year(sheets / f"{A}.xlsx", "wz-2023", 2023)
    load(sheets, db)
    chain = "SELECT count(*) FROM checks WHERE report_id = ? AND rule = 'requests.carry_chain'"
    assert _one(db, chain, (A,))[0] > 0
    edit_cell(earlier, "meta", meta_cell("agency"), "青铜峡市人民政府办公室")
    if cut_short:
        _load_cut_short(sheets, db, monkeypatch)
        assert not load(sheets, db).loaded
    else:
        load(sheets, db)
    assert _one(db, chain, (A,)) == (0,)  # its 2023 is now another agency's
    assert _one(db, "SELECT city FROM reports WHERE report_id = 'wz-2023'") == ("吴忠市",)
    assert _one(db, "SELECT county FROM reports WHERE report_id = 'wz-2023'") == ("青铜峡市",)


def test_a_reviewer_only_edit_is_kept_by_extract(tmp_path: Path) -> None:
    from tests.conftest import SAMPLES

    sheets = tmp_path / "sheets"
    pdf = SAMPLES / f"{B}.pdf"
    runner = CliRunner()
    assert runner.invoke(cli, ["extract", str(pdf), "--sheets", str(sheets)]).exit_code == 0
    path = sheets / f"{B}.xlsx"
    edit_cell(path, "meta", meta_cell("reviewer"), "王五")
    republished = tmp_path / "new" / pdf.name
    republished.parent.mkdir()
    republished.write_bytes(pdf.read_bytes() + b"\n% re-saved\n")
    again = runner.invoke(cli, ["extract", str(republished), "--sheets", str(sheets)])
    assert again.exit_code == 0 and "已保留" in again.output
    wb = openpyxl.load_workbook(path)
    assert wb["meta"][meta_cell("reviewer")].value == "王五"
