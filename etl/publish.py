"""Publish the database with Datasette and ``metadata.yml``.

``ensure_views`` adds the views people browse (each table of a report in its familiar wide
form, with Chinese column names, and one summary row per report); ``serve`` runs Datasette
read-only: the database is opened in immutable mode with an inspect file of table counts.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

import yaml

from etl import template as tpl
from etl.errors import EtlError

SQL_TIME_LIMIT_MS = 3000
DB_NAME = "ogi"  # the database name metadata.yml describes (Datasette names it by file stem)

# Sections 三 and 四 have the same columns in both templates: named as the template prints them.
REQUEST_MEASURES, APPEAL_MEASURES = (
    tuple((m, tpl.measure_label("2021", section, m)) for m in tpl.measures("2021", section))
    for section in ("requests", "appeals"))
# Both templates' section 二 measures in one wide form; a template leaves the other's NULL.
ACTIVE_MEASURES = (("issued", "本年制发件数"), ("repealed", "本年废止件数"),
                   ("in_force", "现行有效件数"), ("made", "本年新制作数量"),
                   ("published", "本年新公开数量"), ("total_public", "对外公开总数量"),
                   ("prev_items", "上一年项目数量"), ("change", "本年增减"),
                   ("decisions", "处理决定数量"), ("projects", "采购项目数量"),
                   ("amount_10k_yuan", "金额（万元）"))
# Region columns of ``reports`` (filled by the loader); a view shows NULL while one is missing.
REGION_COLUMNS = (("province", "省"), ("city", "市"), ("county", "县"), ("adcode", "区划代码"),
                  ("level", "层级"))
# report_totals columns (see etl.load.totals_row) as report_summary shows them.
TOTALS = (("new", "新收申请"), ("carried_in", "上年结转"), ("granted", "予以公开"),
          ("partial", "部分公开"), ("withheld", "不予公开"), ("unable", "无法提供"),
          ("rejected", "不予处理"), ("other", "其他处理"), ("handled_total", "办理总数"),
          ("carried_out", "结转下年"), ("appeals_total", "复议诉讼"),
          ("appeals_corrected", "结果纠正"))


def _pivot(measures: tuple[tuple[str, str], ...]) -> str:
    return ",\n  ".join(f'max(CASE WHEN c.measure = \'{m}\' THEN c.value END) AS "{label}"'
                        for m, label in measures)


def _region(columns: set[str]) -> str:
    return ", ".join(f'r.{c} AS "{label}"' if c in columns else f'NULL AS "{label}"'
                     for c, label in REGION_COLUMNS)


def _wide(section: str, measures: tuple[tuple[str, str], ...], region: str) -> str:
    # agency and year are grouped on too, so that a WHERE on 机关/年度 is pushed down into
    # the view and only that agency's cells are read
    return f"""SELECT c.report_id, r.agency AS "机关", r.year AS "年度", r.template AS "模板",
  {region}, c.item AS "项目代码", c.item_label AS "项目",
  {_pivot(measures)},
  min(c.rowid) AS "行序"
FROM reports r JOIN cells c ON c.report_id = r.report_id
WHERE c.section = '{section}'
GROUP BY r.agency, r.year, c.report_id, c.item"""


def view_sql(columns: set[str]) -> dict[str, str]:
    """The views' SELECT statements, given the columns ``reports`` has."""
    region = _region(columns)
    # the loader keeps each report's headline numbers in report_totals: one row per report
    totals = ", ".join(f't.{column} AS "{label}"' for column, label in TOTALS)
    summary = f"""SELECT r.report_id, r.agency AS "机关", r.year AS "年度", r.template AS "模板",
  {region}, r.status AS "状态",
  {totals}, r.checks_failed AS "未通过检查"
FROM reports r LEFT JOIN report_totals t ON t.report_id = r.report_id"""
    return {"requests_wide": _wide("requests", REQUEST_MEASURES, region),
            "appeals_wide": _wide("appeals", APPEAL_MEASURES, region),
            "active_wide": _wide("active", ACTIVE_MEASURES, region),
            "report_summary": summary}


def ensure_views(db_path: str | Path) -> list[str]:
    """Create or update the views of ``db_path``; return the names (re)created. Idempotent
    and cheap: a view whose definition is unchanged is left alone, so a second call writes
    nothing. Needs the loader's tables; region columns missing from ``reports`` show NULL."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise EtlError(f"{db_path}: no database yet; run `ogi load` (or `ogi build`) first")
    conn = sqlite3.connect(db_path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(reports)")}
        if not columns:
            raise EtlError(f"{db_path}: no reports table; run `ogi load` first")
        have = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
        wanted = {name: f"CREATE VIEW {name} AS\n{select}"
                  for name, select in view_sql(columns).items()}
        changed = [name for name, create in wanted.items() if have.get(name) != create]
        try:
            with conn:
                for name in changed:
                    conn.execute(f"DROP VIEW IF EXISTS {name}")
                    conn.execute(wanted[name])
        except sqlite3.OperationalError as e:
            raise EtlError(f"{db_path}: cannot add the views ({e})") from e
        return changed
    finally:
        conn.close()


def inspect_file(db: Path) -> Path:
    """``datasette inspect`` output for ``db`` (table counts for immutable mode), remade
    whenever the database is newer than it."""
    out = db.with_name(f"{db.name}-inspect.json")  # like SQLite's own ogi.db-wal
    if not out.exists() or out.stat().st_mtime_ns < db.stat().st_mtime_ns:
        done = subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db),
                               "--inspect-file", str(out)], capture_output=True, text=True)
        if done.returncode:
            out.unlink(missing_ok=True)
            raise EtlError(f"{db}: datasette inspect failed: {done.stderr.strip()[-500:]}")
    return out


def metadata_for(db: Path, metadata: Path) -> Path:
    """``metadata`` as it applies to ``db``: itself for ``ogi.db``; for a database file with
    another name, a copy (``<db>-metadata.json`` beside it) that says that name instead,
    so tables, canned queries and dashboards still find their database."""
    name = db.stem
    if name == DB_NAME:
        return metadata
    text = metadata.read_text(encoding="utf-8").replace(f"/{DB_NAME}/", f"/{name}/")
    data = yaml.safe_load(text) or {}
    databases = data.get("databases", {})
    if DB_NAME in databases:
        databases[name] = databases.pop(DB_NAME)
    for dashboard in data.get("plugins", {}).get("datasette-dashboards", {}).values():
        for part in (*dashboard.get("charts", {}).values(),
                     *dashboard.get("filters", {}).values()):
            if part.get("db") == DB_NAME:
                part["db"] = name
    out = db.with_name(f"{db.name}-metadata.json")
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def datasette_args(db: Path, metadata: Path | None, host: str, port: int,
                   inspect: Path | None = None,
                   sql_time_limit_ms: int = SQL_TIME_LIMIT_MS) -> list[str]:
    """The ``datasette serve`` command line: ``db`` immutable (read-only, no writes through
    Datasette), with the inspect file when given, an SQL time limit and ``metadata``."""
    if not db.exists():
        raise EtlError(f"{db}: no database yet; run `ogi load` (or `ogi build`) first")
    args = [sys.executable, "-m", "datasette", "serve", "-i", str(db), "--host", host,
            "--port", str(port), "--setting", "sql_time_limit_ms", str(sql_time_limit_ms)]
    if inspect is not None:
        args += ["--inspect-file", str(inspect)]
    if metadata is not None:
        if not metadata.exists():
            raise EtlError(f"{metadata}: metadata file not found")
        args += ["--metadata", str(metadata)]
    return args


def serve(db: str | Path, metadata: str | Path | None = "metadata.yml",
          host: str = "127.0.0.1", port: int = 8001,
          sql_time_limit_ms: int = SQL_TIME_LIMIT_MS) -> NoReturn:
    """Add the views and the inspect file, then become Datasette (exec, so a signal that
    stops ``ogi serve`` stops the server too, and no child is left behind)."""
    db, meta = Path(db), Path(metadata) if metadata else None
    datasette_args(db, meta, host, port)  # refuses a missing database or metadata file
    ensure_views(db)
    args = datasette_args(db, meta and metadata_for(db, meta), host, port, inspect_file(db),
                          sql_time_limit_ms)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(args[0], args)
