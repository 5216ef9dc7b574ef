"""The research site at national scale, measured as a visitor meets it: through a running
``ogi serve`` over real HTTP.

Builds a database of ``--reports`` reports (100,000 by default, about 20 million cells) from
the five samples, copied in SQL: agencies with five consecutive years each (2020-2024), a
stable ``agency_key``, provinces, cities and counties so peers exist, values scaled per
copy so rankings differ, some failed checks; the prose of every report with its full-text
index. Then ``ensure_views`` precomputes what the site browses, ``ogi serve`` starts on a
free port, and every page a visitor can reach from the home page is fetched: each table
and view with and without a facet, each canned query with typical and with empty
parameters, a report page, an agency page, search (2 and 4 characters, common and rare),
the dashboard with its charts' queries. Prints the time of each (best of ``--runs``) and
the slowest; then four slow queries at once beside an ordinary page; then the incremental
refresh after one report changes.

Targets: every page under 500 ms, the dashboard (page and charts) under 2 s, none at the
SQL time limit. Figures taken on a shared machine are noisy: compare runs, not machines.

    python benchmarks/site.py                      # 100,000 reports (builds ~10 min)
    python benchmarks/site.py --reports 10000 --db /tmp/ogi10k/ogi.db
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl import template as tpl  # noqa: E402

YEARS = 5  # each agency reports 2020..2024
PROVINCES = 31
CITIES = 12  # per province


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]


def _copy_sql(conn: sqlite3.Connection, table: str, override: dict[str, str]) -> str:
    cols = _columns(conn, table)
    pick = [override.get(c, f"r.[{c}]") for c in cols]
    return (f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) "
            f"SELECT {', '.join(pick)} FROM copies k CROSS JOIN temp.o r "
            "WHERE r.report_id = k.base")


def build(db: Path, reports: int) -> None:
    """The five samples extracted and loaded, then copied to ``reports`` reports in SQL."""
    from etl.build import extract_to_sheets, find_pdfs
    from etl.load import load

    sheets = db.parent / f"{db.stem}-sheets"
    list(extract_to_sheets(find_pdfs([REPO / "samples"]), sheets))
    load(sheets, db)
    shutil.rmtree(sheets, ignore_errors=True)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    if "agency_key" not in _columns(conn, "reports"):
        # Stand-in until the loader stores reports.agency_key (etl.place.agency_key): the
        # benchmark sets it itself below.
        conn.execute("ALTER TABLE reports ADD COLUMN agency_key TEXT")
    bases = [r[0] for r in conn.execute("SELECT report_id FROM reports ORDER BY report_id")]
    per_base = max(reports // len(bases), 1)
    # copies(base, n, report_id, a, year, f): copy n of a base report; agency a of that base
    # reports five consecutive years; f scales its numbers so that agencies differ.
    conn.execute("CREATE TEMP TABLE copies AS WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL "
                 f"SELECT n + 1 FROM k WHERE n < {per_base - 1}) "
                 "SELECT b.report_id AS base, k.n, b.report_id || '-' || k.n AS report_id, "
                 f"k.n / {YEARS} AS a, 2020 + k.n % {YEARS} AS year, "
                 "1 + (k.n / 5 * 7919 + k.n % 5) % 13 AS f "
                 "FROM reports b CROSS JOIN k ORDER BY 3")
    conn.execute("CREATE UNIQUE INDEX temp.copies_id ON copies (report_id)")
    a = "k.a"
    province = f"'省' || ({a} % {PROVINCES})"
    city = f"'市' || ({a} % {PROVINCES}) || '-' || ({a} / {PROVINCES} % {CITIES})"
    conn.execute("CREATE TEMP TABLE o AS SELECT * FROM reports")
    conn.execute("DELETE FROM reports")
    cols = _columns(conn, "reports")
    over = {
        "report_id": "k.report_id",
        "agency": f"r.agency || '（' || {a} || '）'",
        "agency_key": f"printf('%06d', 110000 + {a}) || ':' || r.agency || '（' || {a} || '）'",
        "year": "k.year", "province": province,
        "city": f"CASE WHEN r.level = 'province' THEN NULL ELSE {city} END",
        "county": f"CASE WHEN r.level = 'county' THEN '县' || {a} END",
        "adcode": f"printf('%06d', 110000 + {a})",
        "status": "CASE WHEN k.n % 3 THEN 'extracted' ELSE 'reviewed' END",
        "reviewer": "CASE WHEN k.n % 3 THEN NULL ELSE '审核人' || (k.n % 40) END",
        "checks_failed": "CASE WHEN k.n % 50 = 7 THEN 2 ELSE r.checks_failed END",
        "workbook": "k.report_id || '.xlsx'",
    }
    pick = [over.get(c, f"r.[{c}]") for c in cols]
    conn.execute(f"INSERT INTO reports ({', '.join(cols)}) SELECT {', '.join(pick)} "
                 "FROM copies k CROSS JOIN temp.o r WHERE r.report_id = k.base")
    conn.execute("DROP TABLE temp.o")
    scaled = "CASE WHEN r.value IS NULL THEN NULL ELSE r.value * k.f END"
    keep = {"report_id": "k.report_id"}
    # extracted scaled like value: else every scaled cell would look corrected by a reviewer
    for table, extra in (("cells", {"value": scaled, "extracted": scaled.replace(
            "r.value", "r.extracted")}), ("checks", {
            "expected": "r.expected * k.f",
            "actual": "CASE WHEN k.n % 50 = 7 AND r.rule = 'requests.balance' "
                      "AND r.subject IN ('total', 'natural_person') THEN r.actual * k.f + 3 "
                      "ELSE r.actual * k.f END",
            "ok": "CASE WHEN k.n % 50 = 7 AND r.rule = 'requests.balance' "
                  "AND r.subject IN ('total', 'natural_person') THEN 0 ELSE r.ok END"}),
            ("report_totals", {t.column: f"r.[{t.column}] * k.f" for t in tpl.totals()}),
            ("narrative", {})):
        started = time.perf_counter()
        conn.execute(f"CREATE TEMP TABLE o AS SELECT * FROM [{table}]")
        conn.execute("CREATE INDEX temp.o_report ON o (report_id)")
        conn.execute(f"DELETE FROM [{table}]")
        # secondary indexes and triggers (the FTS index, rebuilt below) are set aside while
        # the rows go in, and made again after
        saved = conn.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
                             "AND type IN ('index', 'trigger') AND sql IS NOT NULL",
                             [table]).fetchall()
        for kind, name, _ in saved:
            conn.execute(f"DROP {kind} [{name}]")
        conn.execute(_copy_sql(conn, table, {**keep, **extra}))
        for _, _, sql in saved:
            conn.execute(sql)
        conn.execute("DROP TABLE temp.o")
        conn.commit()
        print(f"  {table}: {time.perf_counter() - started:.0f} s", flush=True)
    # a few corrections, as reviewers leave them: the extracted value one less than the
    # value in force, so that corrections_in_force and the report pages show them
    conn.execute("INSERT INTO corrections (report_id, section, item, measure, extracted, "
                 "previous, corrected, kind, address, reviewer, logged_at) "
                 "SELECT k.report_id, c.section, c.item, c.measure, c.value - 1, c.value - 1, "
                 "c.value, 'correction', 'requests!C' || (k.n % 20 + 5), '审核人' || (k.n % 40), "
                 "'2025-03-0' || (k.n % 9 + 1) || 'T10:00:00+00:00' "
                 "FROM copies k CROSS JOIN cells c ON c.report_id = k.report_id AND c.section = "
                 "'requests' AND c.item = 'granted' AND c.measure = 'total' "
                 "WHERE k.n % 30 = 0 AND c.value > 0")
    conn.execute("UPDATE cells SET extracted = value - 1 WHERE section = 'requests' AND item = "
                 "'granted' AND measure = 'total' AND report_id IN (SELECT report_id FROM "
                 "corrections)")
    conn.commit()
    started = time.perf_counter()
    conn.execute("INSERT INTO narrative_fts (narrative_fts) VALUES ('rebuild')")
    conn.commit()
    print(f"  narrative_fts: {time.perf_counter() - started:.0f} s", flush=True)
    conn.close()
    from sqlite_utils import Database

    from etl.load import write_chain_checks

    started = time.perf_counter()
    write_chain_checks(Database(db))  # the loader's cross-year checks, by agency
    print(f"  cross-year checks: {time.perf_counter() - started:.0f} s", flush=True)


# --- fetching the site -------------------------------------------------------------------

TARGET_MS, DASHBOARD_TARGET_MS = 500, 2000
SLOW_SQL = ("select count(*) from cells a join cells b on a.value = b.value "
            "where a.report_id < b.report_id")  # runs into the time limit


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    """``ogi serve`` as people start it; returns once it says it is serving."""
    server = subprocess.Popen([sys.executable, "-m", "etl", "serve", "--db", str(db), "--port",
                               str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, cwd=tempfile.gettempdir())
    assert server.stdout is not None
    line = server.stdout.readline()  # printed once the port accepts connections
    if server.poll() is not None or f":{port}/" not in line:
        raise SystemExit(f"ogi serve did not start: {line}{server.stdout.read()}")
    return server


def fetch(url: str) -> tuple[float, int, bytes]:
    url = urllib.parse.quote(url, safe=":/?&=%#,+;~")  # Chinese in paths and queries
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            body, status = response.read(), response.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    except http.client.IncompleteRead as e:  # the server gave up mid-stream
        body, status = e.partial, 599
    return 1000 * (time.perf_counter() - started), status, body


def _json(base: str, path: str) -> Any:
    return json.loads(fetch(base + path)[2])


def _q(path: str, **params: str) -> str:
    return f"{path}?{urllib.parse.urlencode(params)}" if params else path


def pages(base: str, meta: dict) -> list[tuple[str, str]]:
    """(what, path) of every page a visitor reaches from the home page, with the typical
    report, agency and search words taken from the database itself."""
    db = meta["databases"]["ogi"]
    one = _json(base, "/ogi/report_summary.json?_shape=array&_size=1&_sort_desc=新收申请"
                      "&_nofacet=1&年度=2023&层级=县级")[0]
    found = [("首页", "/"), ("数据库", "/ogi"), ("图表列表", "/-/dashboards")]
    # every link of the home page as it is written there (some carry a filter or a sort)
    for group in meta["plugins"]["ogi-site"]["home"]:
        for link in group["links"]:
            if "?" in link["href"]:
                found.append((f"首页链接 {link['title']}", link["href"]))
    for name, table in db["tables"].items():
        if table.get("hidden"):
            continue
        found.append((f"表 {name}（默认分面）" if table.get("facets") else f"表 {name}",
                      f"/ogi/{name}"))
        found.append((f"表 {name}（不分面）", f"/ogi/{name}?_nofacet=1"))
        first = (table.get("facets") or [None])[0]
        if first is None:  # the big tables: a facet within one report
            facet = {"cells": "section", "checks": "rule", "narrative": "section"}.get(
                name, "项目" if name.endswith("_wide") else "report_id")
            found.append((f"表 {name} 一份报告分面", _q(f"/ogi/{name}", report_id=one["report_id"],
                                                    _facet=facet)))
        else:
            rows = _json(base, _q(f"/ogi/{name}.json", _size="0", _facet=first))
            values = rows.get("facet_results", {}).get(first, {}).get("results", [])
            if values:
                found.append((f"表 {name} 点选 {first}={values[0]['value']}",
                              _q(f"/ogi/{name}", **{first: str(values[0]["value"])})))
        nxt = _json(base, f"/ogi/{name}.json?_nofacet=1&_size=50").get("next")
        if nxt:
            found.append((f"表 {name} 第二页", _q(f"/ogi/{name}", _next=nxt)))
    typical = {"agency": one["机关"], "year": "2023", "province": one["省"], "q": "复议",
               "report_id": one["report_id"]}
    for name, query in db["queries"].items():
        params = query.get("params", [])
        path = f"/ogi/{name}"
        found.append((f"查询 {name}（典型参数）", _q(path, **{p: typical[p] for p in params})))
        if params:
            found.append((f"查询 {name}（参数留空）", _q(path, **{p: "" for p in params})))
    found += [("报告页", f"/-/report/{urllib.parse.quote(one['report_id'])}"),
              ("报告行页", f"/ogi/reports/{urllib.parse.quote(one['report_id'])}"),
              ("机关页", f"/-/agency/{urllib.parse.quote(one['agency_key'], safe='')}"),
              ("机关表查找", _q("/ogi/agencies", 机关__contains=one["机关"][:4])),
              ("检索 2 字常见词", _q("/-/search", q="复议")),
              ("检索 2 字少见词", _q("/-/search", q="扶贫")),
              ("检索 2 字没有的词", _q("/-/search", q="鲲鹏")),
              ("检索 5 字短语", _q("/-/search", q="依申请公开")),
              ("检索 5 字短语第二页", _q("/-/search", q="依申请公开", before="200000")),
              ("检索 narrative 表 _search", _q("/ogi/narrative", _search="信息处理费"))]
    return found


def dashboard(base: str, meta: dict, **filters: str) -> tuple[float, int]:
    """The dashboard as a browser loads it: the page, then every chart's data at once."""
    from concurrent.futures import ThreadPoolExecutor

    board = meta["plugins"]["datasette-dashboards"]["overview"]
    started = time.perf_counter()
    page_ms, status, _ = fetch(base + _q("/-/dashboards/overview", **filters))
    qs = urllib.parse.urlencode(filters)
    from datasette_dashboards import replace_opts_in_query  # [[ ... ]] as the page fills it

    urls = [f"{base}/ogi.json?sql={urllib.parse.quote(replace_opts_in_query(c['query'], filters))}"
            f"&{qs}&_shape=objects" for c in board["charts"].values()]
    with ThreadPoolExecutor(6) as pool:  # a browser's connections per host
        statuses = [status, *(s for _, s, _ in pool.map(fetch, urls))]
    return 1000 * (time.perf_counter() - started), max(statuses)


def at_limit(body: bytes) -> bool:
    text = body.decode("utf-8", "replace")
    return "时间上限" in text or "未能及时算出" in text or "interrupted" in text


def time_pages(base: str, found: list[tuple[str, str]], runs: int) -> list[tuple]:
    results = []
    for what, path in found:
        best, status, limited = float("inf"), 0, False
        for _ in range(runs):
            ms, status, body = fetch(base + path)
            best, limited = min(best, ms), limited or at_limit(body)
        results.append((best, status, limited, what, path))
        flag = ("  超时" if limited else "") + (f"  HTTP {status}" if status != 200 else "") + (
            f"  超过 {TARGET_MS} ms" if best > TARGET_MS else "")
        print(f"{best:8.0f} ms  {what}{flag}", flush=True)
    return results


def concurrency(base: str, path: str) -> tuple[float, float]:
    """An ordinary page alone, and while four slow queries run into the time limit."""
    import threading

    alone = min(fetch(base + path)[0] for _ in range(3))
    slow = [threading.Thread(target=fetch, args=(
        f"{base}/ogi.json?sql={urllib.parse.quote(SLOW_SQL)}&_shape=array",)) for _ in range(4)]
    for t in slow:
        t.start()
    time.sleep(0.5)  # the four are running
    busy = max(fetch(base + path)[0] for _ in range(3))
    for t in slow:
        t.join()
    return alone, busy


def csv_export(base: str, path: str) -> tuple[float, int]:
    ms, status, body = fetch(base + path)
    return ms, body.count(b"\n") - 1 if status == 200 else -status


def incremental(db: Path) -> float:
    """One report corrected in place, then the site's tables brought up to date for it."""
    from etl.publish import ensure_views

    conn = sqlite3.connect(db)
    report_id = conn.execute("SELECT report_id FROM reports ORDER BY report_id LIMIT 1 OFFSET "
                             "(SELECT min(5000, count(*) / 2) FROM reports)").fetchone()[0]
    conn.execute("UPDATE cells SET value = value + 1 WHERE report_id = ? AND section = "
                 "'requests' AND item = 'granted'", [report_id])
    conn.commit()
    conn.close()
    started = time.perf_counter()
    ensure_views(db, changed={report_id})
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--db", type=Path,
                        help="use this database (built there first if it does not exist)")
    parser.add_argument("--runs", type=int, default=2, help="fetches per page (best is kept)")
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    if args.db is not None and args.db.stem != "ogi":
        parser.error("--db: the pages fetched are /ogi/...; name the file ogi.db "
                     "(e.g. /tmp/ogi10k/ogi.db)")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "ogi.db"
        if not db.exists():
            db.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            build(db, args.reports)
            print(f"built {db} ({db.stat().st_size / 1e9:.1f} GB) in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        if args.build_only:
            return 0
        return measure(db, args.runs)


def measure(db: Path, runs: int) -> int:
    from etl.publish import default_metadata, ensure_views

    started = time.perf_counter()
    ensure_views(db, changed=set())
    print(f"site tables checked/built in {time.perf_counter() - started:.1f} s", flush=True)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n, cells = (conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("reports",
                                                                                 "cells"))
    conn.close()
    print(f"{n:,} reports, {cells:,} cells; shared machine: figures are noisy", flush=True)
    import yaml

    meta = yaml.safe_load(default_metadata().read_text(encoding="utf-8"))
    port = _free_port()
    started = time.perf_counter()
    server = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    print(f"ogi serve up in {time.perf_counter() - started:.1f} s", flush=True)
    try:
        results = time_pages(base, pages(base, meta), runs)
        board = [dashboard(base, meta) for _ in range(runs)]
        board_filtered = [dashboard(base, meta, province="省3", year="2023") for _ in range(runs)]
        board_ms = min(ms for ms, _ in board)
        board_f_ms = min(ms for ms, _ in board_filtered)
        print(f"{board_ms:8.0f} ms  图表页（页面和全部图表数据）  HTTP {max(s for _, s in board)}",
              flush=True)
        print(f"{board_f_ms:8.0f} ms  图表页，按省和年度筛选  HTTP "
              f"{max(s for _, s in board_filtered)}", flush=True)
        alone, busy = concurrency(base, "/ogi/report_summary?_nofacet=1")
        print(f"普通页面 {alone:.0f} ms；四个慢查询同时运行时 {busy:.0f} ms", flush=True)
        ms, rows = csv_export(base, "/ogi/report_summary.csv?状态=未审核&_stream=on&_size=max")
        print(f"全部 CSV（未审核的报告）：{rows:,} 行，{ms / 1000:.1f} s", flush=True)
        ms, rows = csv_export(base, "/-/search.csv?q=复议")
        print(f"检索结果全部 CSV（复议）：{rows:,} 行，{ms / 1000:.1f} s", flush=True)
        ms, rows = csv_export(base, "/ogi/requests_wide.csv?项目代码=new&_stream=on&_size=max")
        print(f"全部 CSV（依申请公开，第一行“本年新收”）：{rows:,} 行，{ms / 1000:.1f} s",
              flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"一份报告更正后更新网站的表：{incremental(db):.2f} s", flush=True)
    slowest = max(results)
    over = [r for r in results if r[0] > TARGET_MS]
    limited = [r for r in results if r[2] or r[1] >= 400]
    print(f"\n{len(results)} 个页面；最慢 {slowest[0]:.0f} ms（{slowest[3]}）；"
          f"{len(over)} 个超过 {TARGET_MS} ms；{len(limited)} 个超时或出错；"
          f"图表页 {max(board_ms, board_f_ms):.0f} ms（目标 {DASHBOARD_TARGET_MS} ms）")
    for r in over + limited:
        print(f"  {r[0]:8.0f} ms  HTTP {r[1]}{'  超时' if r[2] else ''}  {r[3]}  {r[4]}")
    return 1 if limited else 0


if __name__ == "__main__":
    raise SystemExit(main())
