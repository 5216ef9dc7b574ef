"""Loading workbooks into SQLite: contract, idempotence, refusal without damage, checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from etl import template as tpl
from etl.checks import check_chain, check_report
from etl.cli import cli
from etl.layout import address, layout
from etl.load import load
from etl.report import Report
from tests.conftest import NEW_NP, SAMPLES, cell_ref, expected, meta_cell, other_year, set_value

NEW_COMMERCIAL = ("requests", "new", "commercial")


def _dump(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    out = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
           for t in ("cells", "checks", "corrections")}
    out["reports"] = sorted(conn.execute(
        "SELECT report_id, agency, year, template, source_file, status FROM reports").fetchall())
    conn.close()
    return out


def test_database_contract(sample_db: Path) -> None:
    conn = sqlite3.connect(sample_db)
    reports = conn.execute("SELECT report_id, agency, year, template, source_file FROM reports"
                           " ORDER BY report_id").fetchall()
    assert [r[0] for r in reports] == sorted(p.stem for p in SAMPLES.glob("*.pdf"))
    for report_id, agency, year, template, source_file in reports:
        want = expected(report_id)
        assert (agency, year, template, source_file) == (
            want["agency"], want["year"], want["template"], want["file"])
        rows = conn.execute("SELECT section, item, measure, value FROM cells WHERE report_id = ?",
                            [report_id]).fetchall()
        assert len(rows) == len(tpl.cells(template))
        got = {(s, i, m): v for s, i, m, v in rows}
        assert got == {(c["table"], c["item"], c["measure"]): c["value"] for c in want["cells"]}
    rules = {r for (r,) in conn.execute("SELECT DISTINCT rule FROM checks")}
    assert rules == {"requests.balance", "requests.handled_sum", "requests.row_total",
                     "appeals.row_total"}
    assert conn.execute("SELECT count(*) FROM checks WHERE ok = 0").fetchone() == (0,)
    derived = conn.execute("SELECT count(*) FROM cells WHERE derived = 1 AND report_id = "
                           "'003_dca3b8d882aa9ceb' AND measure = 'total'").fetchone()
    assert derived == (25,)


def test_loading_twice_gives_the_same_database(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    first = _dump(db)
    again = load(sheets, db, full=True)
    assert len(again.loaded) == 5 and _dump(db) == first


def test_reload_reads_only_changed_workbooks(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    wb = openpyxl.load_workbook(sheets / "003_dca3b8d882aa9ceb.xlsx")
    wb["requests"][cell_ref(NEW_NP, "2021")] = 14
    wb.save(sheets / "003_dca3b8d882aa9ceb.xlsx")
    result = load(sheets, db)
    assert result.loaded == ["003_dca3b8d882aa9ceb"] and len(result.unchanged) == 4
    value = sqlite3.connect(db).execute(
        "SELECT value FROM cells WHERE report_id = '003_dca3b8d882aa9ceb' AND section = "
        "'requests' AND item = 'new' AND measure = 'natural_person'").fetchone()
    assert value == (14,)


def test_crash_mid_load_leaves_the_database_as_it_was(sheets: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import etl.store

    db = tmp_path / "ogi.db"
    load(sheets, db)
    before = _dump(db)
    calls = {"n": 0}
    real = etl.store.insert_rows

    def crash_in_the_second(db: object, table: str, rows: list, verb: str = "INSERT") -> None:
        # half-way through the second report: its reports and cells rows written
        calls["n"] += table == "report_totals"
        if calls["n"] > 1:
            raise RuntimeError("power cut")
        real(db, table, rows, verb)

    monkeypatch.setattr(etl.store, "insert_rows", crash_in_the_second)
    with pytest.raises(RuntimeError, match="power cut"):
        load(sheets, db, full=True)
    assert _dump(db) == before


def _refused(sheets: Path, db: Path) -> list[str]:
    return [str(p) for p in load(sheets, db).problems]


def test_renamed_sheet_is_refused(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    before = _dump(db)
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["requests"].title = "申请"
    wb.save(path)
    problems = _refused(sheets, db)
    assert len(problems) == 1 and problems[0].startswith("000_59d377ad04b23a3b.xlsx ")
    assert "requests" in problems[0] and "工作表缺失或被改名" in problems[0]
    assert _dump(db) == before


def test_changed_template_is_refused(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["meta"][meta_cell("template")] = "2019"
    wb.save(path)
    problems = _refused(sheets, db)
    assert problems and all(p.startswith("000_59d377ad04b23a3b.xlsx ") for p in problems)
    assert any("active!" in p and "被移动或删除" in p for p in problems)


def test_workbook_open_in_excel_is_refused(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    (sheets / "~$001_1f6271bab0582421.xlsx").write_bytes(b"lock")
    problems = _refused(sheets, db)
    assert len(problems) == 1 and "Excel 中打开" in problems[0]
    assert "001_1f6271bab0582421.xlsx" in problems[0]


def test_cross_year_checks_between_two_reports_of_one_agency(sheets: Path, tmp_path: Path
                                                             ) -> None:
    """Make a 2023 report of 吴忠市人民政府办公室 from its 2024 one: carried_out of 2023 must
    equal carried_in of 2024 (0 in every column there)."""
    src = openpyxl.load_workbook(other_year(sheets / "000_59d377ad04b23a3b.xlsx", "wz-2023",
                                            2023))
    sheet, row, col = layout("2021")[("requests", "carried_out", "natural_person")]
    src[sheet].cell(row, col).value = 5  # breaks the chain for natural_person only
    src.save(sheets / "wz-2023.xlsx")
    db = tmp_path / "ogi.db"
    load(sheets, db)
    rows = sqlite3.connect(db).execute(
        "SELECT subject, expected, actual, ok, previous_report_id FROM checks "
        "WHERE rule = 'requests.carry_chain' AND report_id = '000_59d377ad04b23a3b'"
    ).fetchall()
    by_subject = {r[0]: r for r in rows}
    assert set(by_subject) == set(tpl.measures("2021", "requests"))
    assert by_subject["natural_person"] == ("natural_person", 5, 0, 0, "wz-2023")
    assert by_subject["commercial"][3] == 1
    in_force = sqlite3.connect(db).execute(
        "SELECT count(*) FROM checks WHERE rule = 'active.in_force_chain'").fetchone()
    assert in_force == (2,)


def test_bad_workbook_is_refused_and_database_keeps_its_rows(sheets: Path, tmp_path: Path
                                                              ) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    before = _dump(db)
    wb = openpyxl.load_workbook(sheets / "001_1f6271bab0582421.xlsx")
    wb["requests"][cell_ref(NEW_NP, "2021")] = 12345  # a valid correction, beside a bad cell
    wb["requests"][cell_ref(NEW_COMMERCIAL, "2021")] = "n/a"
    wb.save(sheets / "001_1f6271bab0582421.xlsx")
    result = CliRunner().invoke(cli, ["load", "--sheets", str(sheets), "--db", str(db)])
    assert result.exit_code == 1
    bad = address(*layout("2021")[NEW_COMMERCIAL])
    label = "一、本年新收政府信息公开申请数量／商业企业"
    assert f"001_1f6271bab0582421.xlsx {bad}（{label}）：应填数字，现为「n/a」" in result.stderr
    assert "载入 0 个，未改变 4 个，拒绝 1 个" in result.output
    assert _dump(db) == before


def test_corrections_are_logged_once(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    path = sheets / "002_a9c952ea755c5d56.xlsx"
    wb = openpyxl.load_workbook(path)
    old = wb["requests"][cell_ref(NEW_NP, "2019")].value
    wb["requests"][cell_ref(NEW_NP, "2019")] = old + 1
    wb["meta"][meta_cell("reviewer")] = "张三"  # reviewer
    wb.save(path)
    load(sheets, db)
    load(sheets, db)  # unchanged: skipped
    load(sheets, db, full=True)  # read again: the same change is not logged twice
    rows = sqlite3.connect(db).execute(
        "SELECT report_id, item, measure, extracted, corrected, address, reviewer "
        "FROM corrections").fetchall()
    assert rows == [("002_a9c952ea755c5d56", "new", "natural_person", old, old + 1,
                     address(*layout("2019")[NEW_NP]), "张三")]


def test_prune_removes_reports_whose_workbook_is_gone(sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    (sheets / "004_dc6eabfeda6fcd8b.xlsx").unlink()
    assert load(sheets, db).pruned == []
    assert load(sheets, db, prune=True).pruned == ["004_dc6eabfeda6fcd8b"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM cells WHERE report_id = '004_dc6eabfeda6fcd8b'"
                        ).fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM reports").fetchone() == (4,)


def _report(year: int, new: int, carried_in: int, handled: int, carried_out: int) -> Report:
    r = Report(report_id=f"r{year}", template="2021", agency="某局", year=year)
    for a in tpl.applicants():
        for item in tpl.items("2021", "requests"):
            r.cells[("requests", item, a)].value = 0
    for item, v in (("new", new), ("carried_in", carried_in), ("granted", handled),
                    ("handled_total", handled), ("carried_out", carried_out)):
        r.cells[("requests", item, "natural_person")].value = v
        r.cells[("requests", item, "total")].value = v
    return r


def test_checks_find_a_broken_balance_and_skip_unknowns() -> None:
    r = _report(2024, new=10, carried_in=2, handled=9, carried_out=1)
    failed = {(c.rule, c.subject) for c in check_report(r) if not c.ok}
    assert failed == {("requests.balance", "natural_person"), ("requests.balance", "total")}
    r.cells[("requests", "new", "commercial")].value = None  # blank: not evaluated, not failed
    subjects = {(c.rule, c.subject) for c in check_report(r)}
    assert ("requests.balance", "commercial") not in subjects
    assert ("requests.row_total", "new") not in subjects


def test_carry_chain_between_years() -> None:
    prev = _report(2023, new=5, carried_in=0, handled=3, carried_out=2)
    cur = _report(2024, new=4, carried_in=1, handled=5, carried_out=0)
    chain = {c.subject: c.ok for c in check_chain(cur, prev) if c.rule == "requests.carry_chain"}
    assert chain["natural_person"] is False and chain["commercial"] is True


def test_touched_but_unchanged_workbook_is_not_reloaded(sheets: Path, tmp_path: Path) -> None:
    import os

    db = tmp_path / "ogi.db"
    load(sheets, db)
    path = sheets / "001_1f6271bab0582421.xlsx"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    result = load(sheets, db)
    assert result.loaded == [] and len(result.unchanged) == 5
    stored = sqlite3.connect(db).execute(
        "SELECT workbook_mtime FROM reports WHERE report_id = '001_1f6271bab0582421'"
    ).fetchone()
    assert stored == (path.stat().st_mtime_ns,)


def test_ensure_schema_adds_columns_an_older_database_lacks(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from etl.schema import ensure_schema

    db = Database(tmp_path / "old.db")
    db.execute("CREATE TABLE reports (report_id TEXT PRIMARY KEY, agency TEXT, year INTEGER)")
    db["reports"].insert({"report_id": "r1", "agency": "某局", "year": 2020})
    ensure_schema(db)
    columns = {c.name for c in db["reports"].columns}
    assert {"workbook_size", "workbook_mtime", "province", "level"} <= columns
    assert list(db.query("SELECT report_id, agency FROM reports")) == [
        {"report_id": "r1", "agency": "某局"}]
    assert db["narrative_fts"].exists() and db["report_totals"].exists()


def _set(key: tuple[str, str, str], value: object) -> object:
    return lambda path: set_value(path, key, value)


def _move_row(path: Path) -> str:
    from etl.layout import address, layout

    sheet, row, col = layout("2021")[("requests", "granted", "total")]
    wb = openpyxl.load_workbook(path)
    wb[sheet].cell(row, col).value = "partial"  # the row's hidden item code says another row
    wb.save(path)
    return address(sheet, row, col)


def _rename_sheet(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    wb["appeals"].title = "复议诉讼"
    wb.save(path)
    return "appeals"


def _change_template(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    wb["meta"][meta_cell("template")] = "2019"
    wb.save(path)
    return "active!"


def _not_a_workbook(path: Path) -> str:
    path.write_bytes(b"PK\x03\x04 not really a zip")
    return path.name


def _lock_file(path: Path) -> str:
    """Saved while still open in Excel: a workbook unchanged since the last load is not read
    at all, so the lock matters for a changed one."""
    _set(("requests", "new", "natural_person"), 190)(path)
    path.with_name(f"~${path.name}").write_bytes(b"owner")
    return "Excel 中打开"


BAD_WORKBOOKS = {
    "text in a number cell": _set(("requests", "new", "natural_person"), "十二"),
    "negative count": _set(("requests", "granted", "commercial"), -2),
    "decimal where a count belongs": _set(("appeals", "review", "upheld"), 1.5),
    "formula error": _set(("requests", "carried_out", "total"), "#REF!"),
    "moved row": _move_row,
    "renamed sheet": _rename_sheet,
    "changed template": _change_template,
    "not a workbook": _not_a_workbook,
    "open in Excel": _lock_file,
}


@pytest.mark.parametrize("kind", sorted(BAD_WORKBOOKS))
def test_each_kind_of_bad_workbook_is_refused_and_the_database_kept(
        kind: str, sheets: Path, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    load(sheets, db)
    before = _dump(db)
    path = sheets / "000_59d377ad04b23a3b.xlsx"
    where = BAD_WORKBOOKS[kind](path)
    result = CliRunner().invoke(cli, ["load", "--sheets", str(sheets), "--db", str(db)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert errors and all("000_59d377ad04b23a3b.xlsx" in line for line in errors), errors
    assert any(where in line for line in errors), (where, errors)
    assert "拒绝 1 个" in result.output
    assert _dump(db) == before


def _found(db: Path, phrase: str) -> list[str]:
    """The reports whose prose the full-text index finds ``phrase`` in, after checking that the
    index holds exactly the rows of ``narrative`` (FTS5's integrity check against its
    content table)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO narrative_fts (narrative_fts, rank) "
                     "VALUES ('integrity-check', 1)")
        return [r for (r,) in conn.execute(
            "SELECT n.report_id FROM narrative_fts JOIN narrative n ON n.rowid = "
            "narrative_fts.rowid WHERE narrative_fts MATCH ? ORDER BY 1", [f'"{phrase}"'])]
    finally:
        conn.close()


def _set_prose(path: Path, text: str, key: tuple[str, str, str] | None = None,
               value: object = None) -> None:
    from etl.sheets_read import read_workbook

    template = read_workbook(path).template
    wb = openpyxl.load_workbook(path)
    wb["text"]["C2"] = text  # the first prose section's full text
    if key is not None:
        wb[key[0]][cell_ref(key, template)] = value
    wb.save(path)


def test_full_text_index_follows_reloads_refusals_and_prunes(sheets: Path, tmp_path: Path
                                                              ) -> None:
    """The loader keeps narrative_fts itself (once per batch, not by triggers): the index
    matches the prose after a reload, a refused workbook leaves both as they were, a pruned
    report leaves neither."""
    db = tmp_path / "ogi.db"
    load(sheets, db)
    assert _found(db, "独一无二的检索短语") == []
    first, second = "001_1f6271bab0582421", "003_dca3b8d882aa9ceb"
    _set_prose(sheets / f"{first}.xlsx", "本年度独一无二的检索短语出现在这里。")
    assert load(sheets, db).loaded == [first]
    assert _found(db, "独一无二的检索短语") == [first]
    _set_prose(sheets / f"{second}.xlsx", "另一段被拒绝的正文短语。", NEW_NP, "abc")
    assert [e.path.stem for e in load(sheets, db).refused] == [second]
    assert _found(db, "被拒绝的正文短语") == []
    (sheets / f"{first}.xlsx").unlink()
    load(sheets, db, prune=True)
    assert _found(db, "独一无二的检索短语") == []


def _indexes(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {n for (n,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    finally:
        conn.close()


def test_a_bulk_load_builds_the_cells_indexes_after_the_rows(
        sheets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load of (nearly) the whole database drops the cells' indexes and builds them at its
    end: the same rows as a load row by row, every index there, also after a load cut short
    while they were dropped."""
    import etl.load as load_module
    from etl.schema import BULK_INDEXES, drop_bulk_indexes

    load(sheets, tmp_path / "rows.db")
    monkeypatch.setattr(load_module, "_BULK", 1)
    load(sheets, tmp_path / "bulk.db")
    assert _dump(tmp_path / "bulk.db") == _dump(tmp_path / "rows.db")
    assert _indexes(tmp_path / "bulk.db") == _indexes(tmp_path / "rows.db")
    assert set(BULK_INDEXES) <= _indexes(tmp_path / "bulk.db")
    from sqlite_utils import Database

    cut = Database(tmp_path / "bulk.db")  # as a load killed while they were dropped leaves it
    drop_bulk_indexes(cut)
    cut.conn.commit()
    cut.close()
    monkeypatch.setattr(load_module, "_BULK", 10**9)
    load(sheets, tmp_path / "bulk.db")
    assert _indexes(tmp_path / "bulk.db") == _indexes(tmp_path / "rows.db")


def test_each_report_is_stored_with_its_workbook_hash(sheets: Path, tmp_path: Path) -> None:
    """The readers hash each workbook they read (the writer no longer reads the files)."""
    import hashlib

    db = tmp_path / "ogi.db"
    load(sheets, db)
    stored = dict(sqlite3.connect(db).execute("SELECT workbook, workbook_sha256 FROM reports"))
    assert stored == {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                      for p in sheets.glob("*.xlsx")}


@pytest.mark.parametrize(("text", "stored"), [
    ("[197.86, 539.02, 306.71, 554.02]", "[197.86, 539.02, 306.71, 554.02]"),
    ("[-0.5, 0.0, 999999.99, 12.3]", "[-0.5, 0.0, 999999.99, 12.3]"),
    ("[197.860, 1.0, 2.0, 3.0]", "[197.86, 1.0, 2.0, 3.0]"),  # a trailing zero
    ("[0.10, 1.0, 2.0, 3.0]", "[0.1, 1.0, 2.0, 3.0]"),
    ("[01.5, 1.0, 2.0, 3.0]", "[1.5, 1.0, 2.0, 3.0]"),  # a leading zero
    ("[1.005, 1.0, 2.0, 3.0]", "[1.0, 1.0, 2.0, 3.0]"),  # not rounded to 0.01
    ("[1.0, 2.0, 3.0, 4.0, 5.0]", "[1.0, 2.0, 3.0, 4.0, 5.0]"),
    ("[12345678.5, 1.0, 2.0, 3.0]", "[12345678.5, 1.0, 2.0, 3.0]"),
    ("[1, 2, 3, 4]", "[1.0, 2.0, 3.0, 4.0]"),
])
def test_a_box_is_stored_as_read_only_when_that_is_how_it_would_be_written(
        text: str, stored: str) -> None:
    """A box read from the hidden sheet keeps its text for the database only when
    encode_box would write that very text; any other spelling is stored as encode_box
    writes it."""
    from etl.report import decode_box, encode_box

    box = decode_box(text)
    assert encode_box(box) == stored == encode_box(tuple(box))
