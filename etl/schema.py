"""The database's schema, declared once: ``ensure_schema`` makes a database match it, adding
what an older one lacks (tables, columns, views) without losing its rows."""

from __future__ import annotations

import itertools
import sqlite3
from functools import cache

from etl import template as tpl
from etl.db import Db, columns
from etl.errors import EtlError
from etl.i18n import _
from etl.place import key_of

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
    checks_failed INTEGER,
    -- the agency's stable key over its years (etl.place.agency_key: place code and the name
    -- without its place names), from the agency as the reviewer left it; the cross-year
    -- checks pair an agency's reports by it
    agency_key TEXT
);
CREATE TABLE IF NOT EXISTS cells (
    report_id TEXT NOT NULL REFERENCES reports(report_id),
    section TEXT NOT NULL,
    item TEXT NOT NULL,
    measure TEXT NOT NULL,
    value NUMERIC,
    extracted NUMERIC,
    item_label TEXT,
    measure_label TEXT,
    printed TEXT,
    page INTEGER,
    box TEXT,
    flags TEXT,
    derived INTEGER,
    note TEXT,
    PRIMARY KEY (report_id, section, item, measure)
) WITHOUT ROWID;  -- rows kept in key order: a report's cells are one range, no second tree
CREATE TABLE IF NOT EXISTS checks (
    report_id TEXT NOT NULL REFERENCES reports(report_id),
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    expected NUMERIC,
    actual NUMERIC,
    ok INTEGER NOT NULL,
    previous_report_id TEXT,
    PRIMARY KEY (report_id, rule, subject)
) WITHOUT ROWID;
-- The history of the reviewers' changes, one row per change as a load found it: the value
-- before (previous) and after (corrected); kind 'revert' when it went back to the extracted
-- value. What differs from the extraction now: the view corrections_in_force.
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL,
    section TEXT NOT NULL,
    item TEXT NOT NULL,
    measure TEXT NOT NULL,
    extracted NUMERIC,
    previous NUMERIC,
    corrected NUMERIC,
    kind TEXT NOT NULL DEFAULT 'correction',
    address TEXT,
    reviewer TEXT,
    logged_at TEXT
);
-- Agencies (by agency_key) whose cross-year checks wait to be recomputed: written in the
-- same transaction as the reports, emptied once the checks are written, so a crash between
-- the two is repaired by the next load.
CREATE TABLE IF NOT EXISTS pending_chains (
    agency_key TEXT PRIMARY KEY
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
{totals}
);
DROP INDEX IF EXISTS cells_code;  -- superseded by cells_measure
CREATE INDEX IF NOT EXISTS checks_rule ON checks (rule, ok);
-- covering index for the sums across reports (withholding reasons, …)
CREATE INDEX IF NOT EXISTS cells_measure ON cells (section, measure, item, report_id, value);
CREATE INDEX IF NOT EXISTS cells_flagged ON cells (report_id) WHERE flags != '';
CREATE INDEX IF NOT EXISTS reports_agency_year ON reports (agency, year);
CREATE INDEX IF NOT EXISTS reports_agency_key ON reports (agency_key, year);
-- corrections_in_force (a view over cells) finds the few cells whose value differs from the
-- extracted one; without this partial index the site's page reads all the cells
CREATE INDEX IF NOT EXISTS cells_corrected ON cells (report_id)
    WHERE extracted IS NOT value AND NOT derived;
CREATE INDEX IF NOT EXISTS corrections_cell ON corrections (report_id, section, item, measure, id);
CREATE VIEW IF NOT EXISTS corrections_in_force AS
SELECT c.report_id, c.section, c.item, c.measure, c.extracted, c.value AS corrected,
       x.address, x.reviewer, x.logged_at
FROM cells c
LEFT JOIN corrections x ON x.id = (
    SELECT max(y.id) FROM corrections y WHERE y.report_id = c.report_id
    AND y.section = c.section AND y.item = c.item AND y.measure = c.measure)
WHERE c.extracted IS NOT c.value AND NOT c.derived;
""".replace("{totals}", ",\n".join(
    f"    {t.column} NUMERIC" for t in tpl.totals()))  # a report's headline numbers


# The trigram tokenizer of narrative_fts (Chinese full-text search) came with SQLite 3.34.
TRIGRAM_SQLITE = (3, 34, 0)


def sqlite_version(db: Db) -> tuple[int, ...]:
    """The version of the SQLite library ``db`` runs on (Python's, or pysqlite3's)."""
    return tuple(int(p) for p in db.execute("select sqlite_version()").fetchone()[0].split("."))


# Indexes of the cells that a load of most of the database drops and builds again at its end:
# building one from the loaded rows (a sort) is several times cheaper than inserting two
# million entries in place, which outgrows the page cache. They are not data: a load cut
# short leaves the rows whole, and ``ensure_schema`` (the next load) makes them again.
BULK_INDEXES = ("cells_measure", "cells_flagged", "cells_corrected")


def drop_bulk_indexes(db: Db) -> None:
    for name in BULK_INDEXES:
        db.conn.execute(f"DROP INDEX IF EXISTS {name}")


def _statements() -> list[str]:
    """SCHEMA's statements without their comments."""
    code = "\n".join(line.split("--")[0] for line in SCHEMA.splitlines())
    return [statement.strip() for statement in code.split(";") if statement.strip()]


def _is_table(statement: str) -> bool:
    return statement.startswith("CREATE TABLE")


def create_indexes(db: Db) -> None:
    """Every index of the schema that is missing (those ``drop_bulk_indexes`` dropped)."""
    for code in _statements():
        if code.startswith("CREATE INDEX IF NOT EXISTS"):
            db.conn.execute(code)


def ensure_schema(db: Db) -> None:
    """Create what is missing, including columns added to a table since a database was
    made (compared with the schema itself, so nothing is listed twice)."""
    if (version := sqlite_version(db)) < TRIGRAM_SQLITE:
        raise EtlError(_(
            "SQLite {version} 太旧：报告正文的全文检索（trigram 分词）需要 SQLite {needed} 或更新"
            "版本。请用链接了较新 SQLite 的 Python（如 Python 3.11 官方安装包），或 pip install "
            "pysqlite3-binary").format(version=".".join(map(str, version)),
                                       needed=".".join(map(str, TRIGRAM_SQLITE))))
    # One transaction: a column added and filled together (a load cut short half-way
    # through an upgrade must not leave the column there, empty, for good).
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        _upgrade(db)
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'narrative_fts'").fetchone():
        # trigram: Chinese has no spaces, so the default tokenizer would index whole lines.
        # (The statements sqlite-utils' enable_fts makes, which older databases have.)
        with db.conn:
            db.execute("CREATE VIRTUAL TABLE [narrative_fts] USING FTS5 ([title], [text], "
                       "tokenize='trigram', content=[narrative])")
            db.execute("INSERT INTO [narrative_fts] (rowid, [title], [text]) "
                       "SELECT rowid, [title], [text] FROM [narrative]")
    # The loader keeps the index in step itself, once per transaction (store.NarrativeIndex):
    # the triggers of older databases would index every row twice.
    for suffix in ("ai", "ad", "au"):
        db.execute(f"DROP TRIGGER IF EXISTS narrative_{suffix}")


def _upgrade(db: Db) -> None:
    """The tables, columns, indexes and views an older database lacks (in the caller's
    transaction)."""
    _migrate_corrections(db)
    stale_chains = _migrate_pending(db)
    statements = _statements()
    # the tables first, then the columns an older database lacks, then the indexes and views
    # (which may be over those columns)
    for code in filter(_is_table, statements):
        db.execute(code)
    for table, wanted in _wanted_columns().items():
        have = columns(db.conn, table)
        for name, kind in wanted.items():
            if name not in have:
                db.execute(f"ALTER TABLE [{table}] ADD COLUMN [{name}] {kind}")
                if (table, name) == ("cells", "extracted"):
                    _backfill_extracted(db)
                if (table, name) == ("reports", "agency_key"):
                    _backfill_agency_key(db)
                    stale_chains = True
    for code in itertools.filterfalse(_is_table, statements):
        db.execute(code)
    if stale_chains:  # paired by name before: every agency's cross-year checks again
        db.execute("INSERT OR IGNORE INTO pending_chains (agency_key) SELECT DISTINCT "
                   "agency_key FROM reports WHERE agency_key IS NOT NULL")


@cache
def _wanted_columns() -> dict[str, dict[str, str]]:
    """Each table's columns as SCHEMA declares them (made in memory, once)."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    out = {t: columns(conn, t) for t in tables}
    conn.close()
    return out


def _migrate_corrections(db: Db) -> None:
    """Databases made before the corrections became a history keyed by ``id``: their rows
    are kept, each as one change."""
    if "corrections" not in db.table_names() or "id" in columns(db.conn, "corrections"):
        return
    db.execute("ALTER TABLE corrections RENAME TO corrections_before_history")
    db.execute(next(c for c in _statements() if c.startswith(
        "CREATE TABLE IF NOT EXISTS corrections ")))
    db.execute("INSERT INTO corrections (report_id, section, item, measure, extracted, "
               "previous, corrected, address, reviewer, logged_at) SELECT report_id, section, "
               "item, measure, extracted, extracted, corrected, address, reviewer, logged_at "
               "FROM corrections_before_history ORDER BY logged_at")
    db.execute("DROP TABLE corrections_before_history")


def _migrate_pending(db: Db) -> bool:
    """``pending_chains`` of agency names (before the agency key): dropped, and whether it
    was (every agency's cross-year checks are then stale: they were paired by name)."""
    if "pending_chains" not in db.table_names() or (
            "agency_key" in columns(db.conn, "pending_chains")):
        return False
    db.execute("DROP TABLE pending_chains")
    return True


def _backfill_agency_key(db: Db) -> None:
    """The agency key of reports loaded before it was kept (from their agency names)."""
    rows = db.execute("SELECT report_id, agency FROM reports").fetchall()
    db.conn.executemany("UPDATE reports SET agency_key = ? WHERE report_id = ?",
                        [(key_of(agency), report_id) for report_id, agency in rows])


def _backfill_extracted(db: Db) -> None:
    """The extracted value of cells loaded before it was kept: the value, unless a
    correction of the cell says what was extracted."""
    db.execute("UPDATE cells SET extracted = coalesce((SELECT x.extracted FROM corrections x "
               "WHERE x.report_id = cells.report_id AND x.section = cells.section AND "
               "x.item = cells.item AND x.measure = cells.measure AND x.corrected IS "
               "cells.value ORDER BY x.id DESC LIMIT 1), value)")
