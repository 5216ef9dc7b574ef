"""Time every canned query of metadata.yml, and the views, on a database of many reports.

The five sample reports are extracted and loaded, then copied in SQL to ``--reports`` reports
(different agencies, years, provinces and levels), with their cells, checks and narrative;
each canned query then runs with typical parameters (one agency, one year, one province,
a search phrase), fetching at most 1,001 rows as Datasette's pages do (``max_returned_rows``
1,000). Prints milliseconds per query (best of three) and flags those over the 200 ms
target and over Datasette's time limit (``ogi serve --sql-time-limit-ms``, 3000 by default).

The copies share the five samples' prose, so a search phrase matches thousands of copies:
harder than real reports, whose texts differ.

    python benchmarks/queries.py --reports 10000
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

PARAMS = {"agency": "平罗县人民政府办公室（15）", "year": "2022", "province": "省1",
          "q": "信息处理费"}
TARGET_MS = 200
PAGE = 1001  # Datasette fetches max_returned_rows + 1 to know whether there are more
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
    # each copy's agency a new one, and so its key (the cross-year checks pair by the key)
    override = {"report_id": new_id, "agency": "r.agency || '（' || (k.n % 997) || '）'",
                "agency_key": "r.agency_key || '（' || (k.n % 997) || '）'",
                "year": "2019 + (k.n % 6)", "province": "'省' || (k.n % 31)",
                "city": "'市' || (k.n % 300)", "status": "CASE WHEN k.n % 3 THEN 'extracted' "
                "ELSE 'reviewed' END",
                "level": "CASE k.n % 4 " + " ".join(
                    f"WHEN {i} THEN '{lv}'" for i, lv in enumerate(LEVELS)) + " END"}
    for table in ("reports", "cells", "checks", "corrections", "narrative", "report_totals"):
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
    parser.add_argument("--db", type=Path,
                        help="time this database (built there first if it does not exist)")
    args = parser.parse_args()
    queries = yaml.safe_load((REPO / "metadata.yml").read_text(encoding="utf-8"))[
        "databases"]["ogi"]["queries"]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "ogi.db"
        if not db.exists():
            db.parent.mkdir(parents=True, exist_ok=True)
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
        slow = over_limit = 0
        for name, query in queries.items():
            sql = query["sql"]
            params = {p: PARAMS[p] for p in query.get("params", [])}
            best = float("inf")
            for _ in range(3):
                started = time.perf_counter()
                rows = len(conn.execute(sql, params).fetchmany(PAGE))
                best = min(best, 1000 * (time.perf_counter() - started))
            slow += best > TARGET_MS
            over_limit += best > SQL_TIME_LIMIT_MS
            flag = ("  OVER LIMIT" if best > SQL_TIME_LIMIT_MS else
                    f"  over {TARGET_MS} ms" if best > TARGET_MS else "")
            print(f"{name:<22} {best:9.1f} ms {rows:8} rows{flag}")
        conn.close()
    print(f"{len(queries)} queries: {slow} over {TARGET_MS} ms, {over_limit} over the time limit")
    return 1 if over_limit else 0


if __name__ == "__main__":
    raise SystemExit(main())
