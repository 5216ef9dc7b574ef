"""Review workbooks -> SQLite. Each report is written in one transaction and replaces its
previous rows, so loading is idempotent and a refused workbook leaves the database as it was.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from etl import template as tpl
from etl.checks import CheckResult, check_chain, check_report
from etl.errors import EtlError, Problem, WorkbookError
from etl.extract import sha256_file
from etl.i18n import _
from etl.layout import address, layout
from etl.place import place_of
from etl.publish import ensure_views
from etl.report import DERIVED, Cell, Report, encode_box, encode_flags
from etl.sheets_read import extracted_values, read_workbook

CHAIN_RULES = ("requests.carry_chain", "active.in_force_chain")
# Tables holding a report's rows, rewritten whenever it is loaded (corrections accumulate).
REPORT_ROWS = ("cells", "checks", "narrative", "report_totals")
# report_totals: the 总计 column of these rows, and of each of these groups' rows summed.
TOTALS_ROWS = ("new", "carried_in", "granted", "partial", "handled_total", "carried_out")
TOTALS_GROUPS = ("withheld", "unable", "rejected", "other")

# Declarative schema: the database contract other tools and the canned queries rely on.
SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    report_id TEXT PRIMARY KEY,
    agency TEXT,
    year INTEGER,
    template TEXT,
    source_file TEXT,
    sha256 TEXT,
    extracted_at TEXT,
    status TEXT,
    reviewer TEXT,
    note TEXT,
    province TEXT,
    city TEXT,
    county TEXT,
    adcode TEXT,
    level TEXT,
    workbook TEXT,
    workbook_sha256 TEXT,
    workbook_size INTEGER,
    workbook_mtime INTEGER,
    loaded_at TEXT,
    cells_blank INTEGER,
    cells_derived INTEGER,
    checks_failed INTEGER
);
CREATE TABLE IF NOT EXISTS cells (
    report_id TEXT NOT NULL REFERENCES reports(report_id),
    section TEXT NOT NULL,
    item TEXT NOT NULL,
    measure TEXT NOT NULL,
    value NUMERIC,
    item_label TEXT,
    measure_label TEXT,
    printed TEXT,
    page INTEGER,
    box TEXT,
    flags TEXT,
    derived INTEGER,
    note TEXT,
    PRIMARY KEY (report_id, section, item, measure)
);
CREATE TABLE IF NOT EXISTS checks (
    report_id TEXT NOT NULL REFERENCES reports(report_id),
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    expected NUMERIC,
    actual NUMERIC,
    ok INTEGER NOT NULL,
    previous_report_id TEXT,
    PRIMARY KEY (report_id, rule, subject)
);
CREATE TABLE IF NOT EXISTS corrections (
    report_id TEXT NOT NULL,
    section TEXT NOT NULL,
    item TEXT NOT NULL,
    measure TEXT NOT NULL,
    extracted NUMERIC,
    corrected NUMERIC,
    address TEXT,
    reviewer TEXT,
    logged_at TEXT,
    PRIMARY KEY (report_id, section, item, measure, extracted, corrected)
);
CREATE TABLE IF NOT EXISTS narrative (
    report_id TEXT NOT NULL REFERENCES reports(report_id),
    section TEXT NOT NULL,
    title TEXT,
    text TEXT,
    PRIMARY KEY (report_id, section)
);
CREATE TABLE IF NOT EXISTS report_totals (
    report_id TEXT PRIMARY KEY REFERENCES reports(report_id),
    new NUMERIC,
    carried_in NUMERIC,
    granted NUMERIC,
    partial NUMERIC,
    withheld NUMERIC,
    unable NUMERIC,
    rejected NUMERIC,
    other NUMERIC,
    handled_total NUMERIC,
    carried_out NUMERIC,
    appeals_total NUMERIC,
    appeals_corrected NUMERIC
);
DROP INDEX IF EXISTS cells_code;  -- superseded by cells_measure
CREATE INDEX IF NOT EXISTS checks_rule ON checks (rule, ok);
-- covering index for the sums across reports (withholding reasons, …)
CREATE INDEX IF NOT EXISTS cells_measure ON cells (section, measure, item, report_id, value);
CREATE INDEX IF NOT EXISTS cells_flagged ON cells (report_id) WHERE flags != '';
CREATE INDEX IF NOT EXISTS reports_agency_year ON reports (agency, year);
"""


@dataclass
class LoadResult:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[WorkbookError] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [p for e in self.refused for p in e.problems]


# The trigram tokenizer of narrative_fts (Chinese full-text search) came with SQLite 3.34.
TRIGRAM_SQLITE = (3, 34, 0)


def sqlite_version(db: Database) -> tuple[int, ...]:
    """The version of the SQLite library ``db`` runs on (Python's, or pysqlite3's)."""
    return tuple(int(p) for p in db.execute("select sqlite_version()").fetchone()[0].split("."))


def ensure_schema(db: Database) -> None:
    """Create what is missing, including columns added to a table since a database was
    made (compared with the schema itself, so nothing is listed twice)."""
    if (version := sqlite_version(db)) < TRIGRAM_SQLITE:
        raise EtlError(_(
            "SQLite {version} 太旧：报告正文的全文检索（trigram 分词）需要 SQLite {needed} 或更新"
            "版本。请用链接了较新 SQLite 的 Python（如 Python 3.11 官方安装包），或 pip install "
            "pysqlite3-binary").format(version=".".join(map(str, version)),
                                       needed=".".join(map(str, TRIGRAM_SQLITE))))
    db.executescript(SCHEMA)
    wanted = Database(memory=True)
    wanted.executescript(SCHEMA)
    for table in wanted.table_names():
        have = {c.name for c in db[table].columns}
        for column in wanted[table].columns:
            if column.name not in have:
                db.execute(f"ALTER TABLE [{table}] ADD COLUMN [{column.name}] {column.type}")
    if not db["narrative"].detect_fts():
        # trigram: Chinese has no spaces, so the default tokenizer would index whole lines.
        db["narrative"].enable_fts(["title", "text"], tokenize="trigram", create_triggers=True)


def workbooks(sheets_dir: Path) -> Iterator[Path]:
    """The review workbooks of a folder, skipping Excel lock files and our temp files."""
    for path in sorted(Path(sheets_dir).glob("*.xlsx")):
        if not path.name.startswith(("~$", ".")):
            yield path


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _insert(db: Database, table: str, rows: list[dict], verb: str = "INSERT") -> None:
    """Plain executemany on the connection: sqlite-utils' per-row type inspection, and the
    savepoint it wraps each statement in (FTS5 flushes its index at every savepoint), were
    most of a load's time."""
    if rows:
        columns = list(rows[0])
        db.conn.executemany(
            f"{verb} INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            [tuple(r[c] for c in columns) for r in rows])


def _check_rows(report_id: str, results: list[CheckResult], previous: str | None = None
                ) -> list[dict]:
    return [{"report_id": report_id, "rule": r.rule, "subject": r.subject,
             "expected": r.expected, "actual": r.actual, "ok": int(r.ok),
             "previous_report_id": previous} for r in results]


def _cell_row(report: Report, cell: Cell) -> dict:
    return {"report_id": report.report_id, "section": cell.section, "item": cell.item,
            "measure": cell.measure, "value": cell.value,
            "item_label": tpl.item_label(report.template, cell.section, cell.item),
            "measure_label": tpl.measure_label(report.template, cell.section, cell.measure),
            "printed": cell.printed, "page": cell.page, "box": encode_box(cell.box),
            "flags": encode_flags(cell.flags), "derived": int(DERIVED in cell.flags),
            "note": cell.note}


def _sum(values: list) -> float | int | None:
    """SQL's sum(): NULLs skipped, NULL when there is nothing to add."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def totals_row(report: Report) -> dict:
    """A report's headline numbers (the 总计 column of section 三, the totals of section
    四), kept in ``report_totals`` so that questions across thousands of reports read one
    row per report instead of summing two million cells."""
    def total(group: str) -> float | int | None:
        rows = tpl.group_items(report.template, "requests", group) or (
            (group,) if group in tpl.items(report.template, "requests") else ())
        return _sum([report.value("requests", i, "total") for i in rows])

    groups = tpl.items(report.template, "appeals")
    return {"report_id": report.report_id,
            **{item: report.value("requests", item, "total") for item in TOTALS_ROWS},
            **{group: total(group) for group in TOTALS_GROUPS},
            "appeals_total": _sum([report.value("appeals", g, "total") for g in groups]),
            "appeals_corrected": _sum([report.value("appeals", g, "corrected")
                                       for g in groups])}


def _write_rows(db: Database, report: Report, workbook: str, extracted: dict | None,
                stamp: dict | None) -> None:
    results = check_report(report)
    where = layout(report.template)
    for table in REPORT_ROWS:
        db.conn.execute(f"DELETE FROM {table} WHERE report_id = ?", [report.report_id])
    place = place_of(report.agency)  # from the agency as the reviewer left it
    cells = report.cells.values()
    _insert(db, "reports", [{
        "report_id": report.report_id, "agency": report.agency, "year": report.year,
        "template": report.template, "source_file": report.source_file,
        "sha256": report.sha256, "extracted_at": report.extracted_at,
        "status": report.status, "reviewer": report.reviewer, "note": report.note,
        "province": place.province, "city": place.city, "county": place.county,
        "adcode": place.adcode, "level": place.level,
        "workbook": workbook, **(stamp or {}), "loaded_at": _now(),
        "cells_blank": sum(c.value is None for c in cells),
        "cells_derived": sum("derived" in c.flags for c in cells),
        "checks_failed": sum(not r.ok for r in results)}], verb="INSERT OR REPLACE")
    _insert(db, "cells", [_cell_row(report, c) for c in cells])
    _insert(db, "checks", _check_rows(report.report_id, results))
    _insert(db, "report_totals", [totals_row(report)])
    _insert(db, "narrative", [{"report_id": report.report_id, "section": number,
                               "title": title, "text": text}
                              for number, (title, text) in report.narrative.items()])
    _insert(db, "corrections", [
        {"report_id": report.report_id, "section": key[0], "item": key[1], "measure": key[2],
         "extracted": was, "corrected": report.cells[key].value,
         "address": address(*where[key]), "reviewer": report.reviewer, "logged_at": _now()}
        for key, was in (extracted or {}).items()
        if key in where and key in report.cells and was != report.cells[key].value],
        verb="INSERT OR IGNORE")


def _chain_reports(db: Database, agencies: list[str]) -> dict[str, Report]:
    """The reports of ``agencies`` with just the cells the cross-year rules read."""
    listed = f"agency IN ({', '.join('?' * len(agencies))})"
    reports = {r["report_id"]: Report(report_id=r["report_id"], template=r["template"],
                                      agency=r["agency"], year=r["year"])
               for r in db.query(f"SELECT report_id, template, agency, year FROM reports "
                                 f"WHERE {listed}", agencies)}
    wanted = sorted(tpl.chain_cells())
    pairs = " OR ".join("(section = ? AND item = ? AND measure = ?)" for _ in wanted)
    for c in db.query(
            f"SELECT report_id, section, item, measure, value FROM cells WHERE ({pairs}) "
            f"AND report_id IN (SELECT report_id FROM reports WHERE {listed})",
            [*(x for k in wanted for x in k), *agencies]):
        report = reports.get(c["report_id"])
        key = (c["section"], c["item"], c["measure"])
        if report is not None and key in report.cells:
            report.cells[key].value = c["value"]
    return reports


def write_chain_checks(db: Database, agencies: set[str] | None = None) -> None:
    """Recompute the cross-year identities between each agency's consecutive reports (of
    ``agencies`` only, when given: a reload after one correction touches one agency).
    Agencies are taken a chunk at a time, so memory stays bounded at any size."""
    if agencies is None:
        agencies = {r["agency"] for r in db.query(
            "SELECT DISTINCT agency FROM reports WHERE agency IS NOT NULL")}
    ordered = sorted(agencies)
    rules = f"rule IN ({', '.join('?' * len(CHAIN_RULES))})"
    with db.atomic():
        for start in range(0, len(ordered), _AGENCIES_PER_CHUNK):
            chunk = ordered[start:start + _AGENCIES_PER_CHUNK]
            db.conn.execute(
                f"DELETE FROM checks WHERE {rules} AND report_id IN (SELECT report_id FROM "
                f"reports WHERE agency IN ({', '.join('?' * len(chunk))}))",
                [*CHAIN_RULES, *chunk])
            by_agency_year = {(r.agency, r.year): r for r in _chain_reports(db, chunk).values()
                              if r.year}
            rows = []
            for (agency, year), report in by_agency_year.items():
                previous = by_agency_year.get((agency, year - 1))
                if previous is not None:
                    rows += _check_rows(report.report_id, check_chain(report, previous),
                                        previous.report_id)
            _insert(db, "checks", rows)


_AGENCIES_PER_CHUNK = 500  # also keeps each statement under SQLite's parameter limit


_Read = tuple[Report | None, dict | None, list[Problem]]


def _read(path: Path) -> _Read:
    """Read one workbook; problems come back as data (exceptions do not cross processes)."""
    try:
        return read_workbook(path), extracted_values(path), []
    except WorkbookError as e:
        return None, None, e.problems


def _read_all(paths: list[Path], jobs: int) -> Iterator[_Read]:
    """Workbooks read in worker processes (parsing xlsx is the cost of a load) while the
    caller writes to SQLite; results in the order of ``paths``, a batch at a time so that
    memory stays bounded however many workbooks there are."""
    jobs = min(jobs or os.cpu_count() or 1, max(1, len(paths) // _PER_WORKER))
    if jobs <= 1:
        yield from map(_read, paths)
        return
    with ProcessPoolExecutor(jobs) as pool:
        for start in range(0, len(paths), _BATCH):
            yield from pool.map(_read, paths[start:start + _BATCH], chunksize=16)


_COMMIT_EVERY = 200
_PER_WORKER = 32  # fewer workbooks than this per worker: not worth starting processes
_BATCH = 256


def load(sheets_dir: str | Path, db_path: str | Path, prune: bool = False,
         full: bool = False, progress: Callable[[], None] | None = None,
         jobs: int = 0) -> LoadResult:
    """Load every workbook of ``sheets_dir`` into ``db_path``. A refused workbook is reported
    with all its problems and leaves that report's rows untouched; the others load. A
    workbook whose bytes are unchanged since it was last loaded is skipped unless ``full``.
    ``jobs`` processes read workbooks (0: one per core)."""
    sheets_dir = Path(sheets_dir)
    if not sheets_dir.is_dir():
        raise EtlError(f"{sheets_dir}: no such folder of workbooks")
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(db_path)
    # WAL while loading: a commit per report without a sync per commit; each report stays
    # one transaction. Back to a single self-contained file at the end (Datasette -i).
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -65536")  # 64 MB for the indexes of cells; bounded
    try:
        ensure_schema(db)
        result = _load(db, sheets_dir, prune, full, progress, jobs)
    finally:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode = DELETE")
        db.close()
    ensure_views(db_path)
    return result


def _load(db: Database, sheets_dir: Path, prune: bool, full: bool,
          progress: Callable[[], None] | None, jobs: int) -> LoadResult:
    result = LoadResult()
    owners: dict[str, str] = {}
    known = {r["workbook"]: r for r in db.query(
        "SELECT workbook, workbook_sha256, workbook_size, workbook_mtime, report_id, agency "
        "FROM reports")}
    affected: set[str] = set()  # agencies whose cross-year checks may change
    changed: list[tuple[Path, dict]] = []
    for path in workbooks(sheets_dir):
        stat = path.stat()
        stamp = {"workbook_size": stat.st_size, "workbook_mtime": stat.st_mtime_ns}
        was = known.get(path.name)
        candidate = was is not None and not full and was["report_id"] not in owners
        if candidate and (was["workbook_size"], was["workbook_mtime"]) == (
                stat.st_size, stat.st_mtime_ns):
            same = True  # size and time unchanged: not even hashed
        else:
            stamp["workbook_sha256"] = sha256_file(path)
            same = candidate and was["workbook_sha256"] == stamp["workbook_sha256"]
            if same:  # touched, not changed: remember the new time
                db["reports"].update(was["report_id"], stamp)
        if same:
            owners[was["report_id"]] = path.name
            result.unchanged.append(was["report_id"])
            if progress is not None:
                progress()
            continue
        if was is not None:
            affected.add(was["agency"])
        changed.append((path, stamp))
    reads = zip(changed, _read_all([p for p, _ in changed], jobs), strict=True)
    while batch := list(itertools.islice(reads, _COMMIT_EVERY)):
        # One commit per batch (each report still its own savepoint): a commit per report
        # was a third of a large load's time.
        with db.atomic():
            for (path, stamp), (report, extracted, problems) in batch:
                if progress is not None:
                    progress()
                if report is not None and report.report_id in owners:
                    problems = [Problem(path.name, "meta!B2",
                                        f"report_id also used by {owners[report.report_id]}",
                                        report.report_id)]
                if problems:
                    result.refused.append(WorkbookError(path, problems))
                    continue
                assert report is not None
                _write_rows(db, report, path.name, extracted, stamp)
                owners[report.report_id] = path.name
                result.loaded.append(report.report_id)
                affected.add(report.agency)
    if prune:
        kept = set(owners) | {known[e.path.name]["report_id"] if e.path.name in known
                              else e.path.stem for e in result.refused}
        gone_rows = [r for r in db.query("SELECT report_id, agency FROM reports")
                     if r["report_id"] not in kept]
        gone = [r["report_id"] for r in gone_rows]
        affected.update(r["agency"] for r in gone_rows)
        with db.atomic():
            for report_id in gone:
                for table in (*REPORT_ROWS, "corrections", "reports"):
                    db.execute(f"DELETE FROM {table} WHERE report_id = ?", [report_id])
        result.pruned = gone
    if result.loaded or result.pruned:
        write_chain_checks(db, {a for a in affected if a})
    return result
