"""The agency key (issue 12 point 5): one agency over its years under two names, the upgrade
of a database loaded before the key, and a reload that ends where a full load does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import cli
from etl.load import load
from tests.conftest import NEW_NP, SHARED, edit_cell, meta_cell, other_year, set_value
from tests.test_load_safety import A, B, _one

REAL = SHARED / "real-reports"
CHAIN = ("SELECT count(*) FROM checks WHERE report_id = ? AND previous_report_id = ? "
         "AND rule = 'requests.carry_chain'")


@pytest.mark.skipif(not (REAL / "hongze-2023.pdf").is_file(),
                    reason="../shared/real-reports not present")
def test_hongze_under_two_names_gets_its_cross_year_checks(tmp_path: Path) -> None:
    """洪泽区人民政府 (2023) and 淮安市洪泽区人民政府 (2024): one agency, 320813."""
    sheets, db = tmp_path / "sheets", tmp_path / "ogi.db"
    pdfs = [str(REAL / f"hongze-{year}.pdf") for year in (2023, 2024)]
    assert CliRunner().invoke(cli, ["extract", *pdfs, "--sheets", str(sheets)]).exit_code == 0
    load(sheets, db)
    conn = sqlite3.connect(db)
    keys = dict(conn.execute("SELECT agency, agency_key FROM reports"))
    conn.close()
    assert keys == {"洪泽区人民政府": "320813:人民政府", "淮安市洪泽区人民政府": "320813:人民政府"}
    assert _one(db, CHAIN, ("hongze-2024", "hongze-2023"))[0] == 7  # six requesters + total


def test_a_renamed_agency_keeps_its_cross_year_checks(sheets: Path, tmp_path: Path) -> None:
    """A's 2023 report printed as 宁夏吴忠市人民政府办公室: the same agency (640300)."""
    earlier = other_year(sheets / f"{A}.xlsx", "wz-2023", 2023)
    edit_cell(earlier, "meta", meta_cell("agency"), "宁夏吴忠市人民政府办公室")
    db = tmp_path / "ogi.db"
    load(sheets, db)
    assert _one(db, "SELECT count(DISTINCT agency), count(DISTINCT agency_key) FROM reports "
                    "WHERE report_id IN (?, 'wz-2023')", (A,)) == (2, 1)
    assert _one(db, CHAIN, (A, "wz-2023"))[0] > 0
    assert _one(db, "SELECT count(*) FROM pending_chains") == (0,)


def _as_before_the_key(db: Path) -> None:
    """What a database loaded before the agency key looks like: no agency_key column,
    pending_chains by name, the renamed agency's cross-year checks never computed."""
    conn = sqlite3.connect(db)
    conn.execute("DROP INDEX reports_agency_key")
    conn.execute("ALTER TABLE reports DROP COLUMN agency_key")
    conn.execute("DROP TABLE pending_chains")
    conn.execute("CREATE TABLE pending_chains (agency TEXT PRIMARY KEY)")
    conn.execute("INSERT INTO pending_chains VALUES ('某局')")
    conn.execute("DELETE FROM checks WHERE previous_report_id IS NOT NULL")
    conn.commit()
    conn.close()


def test_a_database_loaded_before_the_key_is_upgraded_by_the_next_load(
        sheets: Path, tmp_path: Path) -> None:
    earlier = other_year(sheets / f"{A}.xlsx", "wz-2023", 2023)
    edit_cell(earlier, "meta", meta_cell("agency"), "宁夏吴忠市人民政府办公室")
    db = tmp_path / "ogi.db"
    load(sheets, db)
    want = _dump(db)
    _as_before_the_key(db)
    result = load(sheets, db)  # every workbook unchanged: the upgrade alone
    assert not result.loaded
    assert _one(db, "SELECT count(*) FROM reports WHERE agency_key IS NULL") == (0,)
    assert _one(db, "SELECT agency_key FROM reports WHERE report_id = 'wz-2023'") == (
        "640300:人民政府办公室",)
    assert _one(db, "SELECT count(*) FROM pending_chains") == (0,)
    assert _dump(db) == want


# --- a reload ends where a full load of the same workbooks does ------------------------------

# columns that say when, not what
_WHEN = {"loaded_at", "logged_at", "记录时间"}


def _dump(db: Path) -> dict[str, list[tuple]]:
    """Every table (the loader's and the site's) as sorted rows, without time stamps."""
    conn = sqlite3.connect(db)
    out = {}
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'narrative_fts%' "
        "AND name != 'site_state' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] not in _WHEN]
        out[table] = sorted(conn.execute(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}"'), key=repr)
    out["narrative_fts"] = sorted(conn.execute(
        "SELECT rowid, title FROM narrative_fts WHERE narrative_fts MATCH '公开'"))
    conn.close()
    return out


def test_a_reload_gives_the_database_a_full_load_gives(sheets: Path, tmp_path: Path) -> None:
    """One value corrected, one report moved to another agency (both agencies' cross-year
    checks change), one workbook gone: the reloaded database, site tables included, is the
    one a load from scratch makes of the same workbooks."""
    earlier = other_year(sheets / f"{A}.xlsx", "wz-2023", 2023)
    db = tmp_path / "ogi.db"
    load(sheets, db)
    assert _one(db, CHAIN, (A, "wz-2023"))[0] > 0
    set_value(sheets / f"{B}.xlsx", NEW_NP, 4321)
    edit_cell(earlier, "meta", meta_cell("agency"), "青铜峡市人民政府办公室")
    (sheets / "004_dc6eabfeda6fcd8b.xlsx").unlink()
    result = load(sheets, db, prune=True)
    assert sorted(result.loaded) == [B, "wz-2023"] and result.pruned == ["004_dc6eabfeda6fcd8b"]
    fresh = tmp_path / "fresh.db"
    load(sheets, fresh)
    assert _one(db, CHAIN, (A, "wz-2023")) == (0,)
    assert _dump(db) == _dump(fresh)


def test_a_report_the_database_cannot_take_is_refused_alone(sheets: Path, tmp_path: Path
                                                            ) -> None:
    """A batch is written in one savepoint; one report failing in it is refused by name and
    the batch's others load (written again one savepoint each)."""
    db = tmp_path / "ogi.db"
    load(sheets, db)
    conn = sqlite3.connect(db)  # a database that refuses B's rows, as a full disk might
    conn.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON cells WHEN NEW.report_id = '{B}' "
                 "BEGIN SELECT RAISE(ABORT, 'no room for B'); END")
    conn.commit()
    conn.close()
    for stem in (A, B, "003_dca3b8d882aa9ceb"):
        set_value(sheets / f"{stem}.xlsx", NEW_NP, 4321)
    result = load(sheets, db)
    assert [e.path.name for e in result.refused] == [f"{B}.xlsx"]
    assert "no room for B" in str(result.refused[0].problems[0])
    assert sorted(result.loaded) == [A, "003_dca3b8d882aa9ceb"]
    value = ("SELECT value FROM cells WHERE report_id = ? AND section = ? AND item = ? "
             "AND measure = ?")
    assert _one(db, value, (A, *NEW_NP)) == (4321,)
    assert _one(db, value, (B, *NEW_NP)) != (4321,)  # its rows as they were
    assert _one(db, "SELECT count(*) FROM cells WHERE report_id = ?", (B,))[0] > 0
