"""Time every canned query of metadata.yml, and the views, on a database of many reports.

The five sample reports are extracted and loaded, then copied in SQL to ``--reports`` reports
(different agencies, years, provinces and levels), with their cells, checks and narrative;
each canned query then runs with typical parameters. Prints milliseconds per query and
flags those over Datasette's time limit (``ogi serve --sql-time-limit-ms``, 3000 by default).

    python benchmarks/queries.py --reports 5000
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl.build import extract_to_sheets, find_pdfs  # noqa: E402
from etl.load import load, write_chain_checks  # noqa: E402
from etl.publish import SQL_TIME_LIMIT_MS, ensure_views  # noqa: E402

PARAMS = {"agency": "吴忠市", "year": "2022", "province": "省1", "q": "政府信息"}
LEVELS = ("province", "city", "county", "department")


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def build(db: Path, reports: int) -> None:
    sheets = db.parent / "sheets"
    list(extract_to_sheets(find_pdfs([REPO / "samples"]), sheets))
    load(sheets, db)
    conn = sqlite3.connect(db)
    base = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    copies = max(reports // base - 1, 0)
    conn.execute("CREATE TEMP TABLE k AS WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL "
                 f"SELECT n + 1 FROM k WHERE n < {copies}) SELECT n FROM k")
    new_id = "r.report_id || '-' || k.n"
    override = {"report_id": new_id, "agency": "r.agency || '（' || (k.n % 997) || '）'",
                "year": "2019 + (k.n % 6)", "province": "'省' || (k.n % 31)",
                "city": "'市' || (k.n % 300)", "status": "CASE WHEN k.n % 3 THEN 'extracted' "
                "ELSE 'reviewed' END",
                "level": "CASE k.n % 4 " + " ".join(
                    f"WHEN {i} THEN '{lv}'" for i, lv in enumerate(LEVELS)) + " END"}
    for table in ("reports", "cells", "checks", "corrections", "narrative"):
        if table not in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}:
            continue
        cols = _columns(conn, table)
        pick = [override.get(c, f"r.{c}") if table == "reports" else
                (new_id if c == "report_id" else f"r.{c}") for c in cols]
        conn.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(pick)} "
                     f"FROM {table} r CROSS JOIN k")
    conn.commit()
    if "narrative_fts" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}:
        conn.execute("INSERT INTO narrative_fts (narrative_fts) VALUES ('rebuild')")
        conn.commit()
    conn.close()
    from sqlite_utils import Database

    write_chain_checks(Database(db))
    ensure_views(db)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--db", type=Path, help="time an existing database instead")
    args = parser.parse_args()
    queries = yaml.safe_load((REPO / "metadata.yml").read_text(encoding="utf-8"))[
        "databases"]["ogi"]["queries"]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "ogi.db"
            started = time.perf_counter()
            build(db, args.reports)
            print(f"built {db.stat().st_size / 1e6:.0f} MB in "
                  f"{time.perf_counter() - started:.0f} s")
        else:
            ensure_views(db)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        n = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        cells = conn.execute("SELECT count(*) FROM cells").fetchone()[0]
        print(f"{n} reports, {cells} cells; time limit {SQL_TIME_LIMIT_MS} ms")
        slow = 0
        for name, query in queries.items():
            sql = query["sql"]
            params = {p: PARAMS[p] for p in query.get("params", [])}
            started = time.perf_counter()
            rows = len(conn.execute(sql, params).fetchall())
            ms = 1000 * (time.perf_counter() - started)
            over = ms > SQL_TIME_LIMIT_MS
            slow += over
            print(f"{name:<22} {ms:9.1f} ms {rows:8} rows{'  OVER LIMIT' if over else ''}")
        conn.close()
    print(f"{len(queries)} queries, {slow} over the time limit")
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
