"""The database's schema, declared once: ``ensure_schema`` makes a database match it, adding
what an older one lacks (tables, columns, views) without losing its rows."""

from __future__ import annotations

from sqlite_utils import Database

from etl import template as tpl
from etl.errors import EtlError
from etl.i18n import _

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
-- Agencies whose cross-year checks wait to be recomputed: written in the same transaction
-- as the reports, emptied once the checks are written, so a crash between the two is
-- repaired by the next load.
CREATE TABLE IF NOT EXISTS pending_chains (
    agency TEXT PRIMARY KEY
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


def sqlite_version(db: Database) -> tuple[int, ...]:
    """The version of the SQLite library ``db`` runs on (Python's, or pysqlite3's)."""
    return tuple(int(p) for p in db.execute("select sqlite_version()").fetchone()[0].split("."))


# Indexes of the cells that a load of most of the database drops and builds again at its end:
# building one from the loaded rows (a sort) is several times cheaper than inserting two
# million entries in place, which outgrows the page cache. They are not data: a load cut
# short leaves the rows whole, and ``ensure_schema`` (the next load) makes them again.
BULK_INDEXES = ("cells_measure", "cells_flagged")


def drop_bulk_indexes(db: Database) -> None:
    for name in BULK_INDEXES:
        db.conn.execute(f"DROP INDEX IF EXISTS {name}")


def create_indexes(db: Database) -> None:
    """Every index of the schema that is missing (those ``drop_bulk_indexes`` dropped)."""
    for statement in SCHEMA.split(";"):
        code = "\n".join(line for line in statement.splitlines()
                         if not line.lstrip().startswith("--")).strip()
        if code.startswith("CREATE INDEX IF NOT EXISTS"):
            db.conn.execute(code)


def ensure_schema(db: Database) -> None:
    """Create what is missing, including columns added to a table since a database was
    made (compared with the schema itself, so nothing is listed twice)."""
    if (version := sqlite_version(db)) < TRIGRAM_SQLITE:
        raise EtlError(_(
            "SQLite {version} 太旧：报告正文的全文检索（trigram 分词）需要 SQLite {needed} 或更新"
            "版本。请用链接了较新 SQLite 的 Python（如 Python 3.11 官方安装包），或 pip install "
            "pysqlite3-binary").format(version=".".join(map(str, version)),
                                       needed=".".join(map(str, TRIGRAM_SQLITE))))
    _migrate_corrections(db)
    db.executescript(SCHEMA)
    wanted = Database(memory=True)
    wanted.executescript(SCHEMA)
    for table in wanted.table_names():
        have = {c.name for c in db[table].columns}
        for column in wanted[table].columns:
            if column.name not in have:
                db.execute(f"ALTER TABLE [{table}] ADD COLUMN [{column.name}] {column.type}")
                if (table, column.name) == ("cells", "extracted"):
                    _backfill_extracted(db)
    if not db["narrative"].detect_fts():
        # trigram: Chinese has no spaces, so the default tokenizer would index whole lines.
        db["narrative"].enable_fts(["title", "text"], tokenize="trigram")
    # The loader keeps the index in step itself, once per transaction (store.NarrativeIndex):
    # the triggers of older databases would index every row twice.
    for suffix in ("ai", "ad", "au"):
        db.execute(f"DROP TRIGGER IF EXISTS narrative_{suffix}")




def _migrate_corrections(db: Database) -> None:
    """Databases made before the corrections became a history keyed by ``id``: their rows
    are kept, each as one change."""
    if "corrections" not in db.table_names() or "id" in db["corrections"].columns_dict:
        return
    db.execute("ALTER TABLE corrections RENAME TO corrections_before_history")
    db.executescript(SCHEMA)
    db.execute("INSERT INTO corrections (report_id, section, item, measure, extracted, "
               "previous, corrected, address, reviewer, logged_at) SELECT report_id, section, "
               "item, measure, extracted, extracted, corrected, address, reviewer, logged_at "
               "FROM corrections_before_history ORDER BY logged_at")
    db.execute("DROP TABLE corrections_before_history")


def _backfill_extracted(db: Database) -> None:
    """The extracted value of cells loaded before it was kept: the value, unless a
    correction of the cell says what was extracted."""
    db.execute("UPDATE cells SET extracted = coalesce((SELECT x.extracted FROM corrections x "
               "WHERE x.report_id = cells.report_id AND x.section = cells.section AND "
               "x.item = cells.item AND x.measure = cells.measure AND x.corrected IS "
               "cells.value ORDER BY x.id DESC LIMIT 1), value)")
