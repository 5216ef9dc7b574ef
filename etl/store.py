"""One report's rows in the database: ``report_rows`` makes them from the report (in a reader
process of the loader), ``write_rows`` replaces the stored ones in the caller's transaction
and logs what a reviewer changed since the last load, each change once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from etl import template as tpl
from etl.checks import CheckResult, check_report
from etl.db import Db
from etl.layout import address, layout
from etl.place import agency_key, place_of
from etl.report import DERIVED, Report, encode_box, encode_flags
from etl.template import Key

# Tables holding a report's rows, rewritten whenever it is loaded (corrections accumulate).
REPORT_ROWS = ("cells", "checks", "narrative", "report_totals")
FTS = "narrative_fts"  # the full-text index of ``narrative`` (its content table)


@dataclass(frozen=True)
class Change:
    """A value a reviewer changed, as one load found it."""

    report_id: str
    key: Key
    address: str
    label: str
    extracted: Any
    previous: Any
    corrected: Any
    kind: str  # "correction" | "revert" (back to the extracted value)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def insert_rows(db: Db, table: str, rows: list[dict], verb: str = "INSERT") -> None:
    """Plain executemany on the connection: sqlite-utils' per-row type inspection, and the
    savepoint it wraps each statement in (FTS5 flushes its index at every savepoint), were
    most of a load's time."""
    if rows:
        columns = list(rows[0])
        db.conn.executemany(
            f"{verb} INTO [{table}] ({', '.join(f'[{c}]' for c in columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            [tuple(r[c] for c in columns) for r in rows])


class NarrativeIndex:
    """``narrative_fts`` kept in step with ``narrative`` by the loader, once per transaction
    and outside the per-report savepoints: FTS5 writes its pending index out at every
    savepoint it takes part in, so a trigger per row (as sqlite-utils sets up) made the
    full-text index a quarter of a large load's time. ``unindex`` before a report's rows
    are deleted (the index needs the old text to remove it), ``keep`` once its savepoint is
    released, ``flush`` before the commit: the index and the rows commit together."""

    def __init__(self) -> None:
        self._old: list[tuple] = []
        self._reports: list[str] = []

    @staticmethod
    def indexed(db: Db, report_id: str) -> list[tuple]:
        """What the index holds for ``report_id`` now (the rows ``keep`` will remove)."""
        return db.conn.execute("SELECT rowid, title, text FROM narrative WHERE report_id = ?",
                               [report_id]).fetchall()

    def keep(self, report_id: str, old: list[tuple]) -> None:
        self._old += old
        self._reports.append(report_id)

    def flush(self, db: Db) -> None:
        _unindex(db, self._old)
        for start in range(0, len(self._reports), 500):
            chunk = self._reports[start:start + 500]
            db.conn.execute(f"INSERT INTO {FTS} (rowid, title, text) SELECT rowid, title, text "
                            f"FROM narrative WHERE report_id IN ({', '.join('?' * len(chunk))})",
                            chunk)
        self._old, self._reports = [], []


def unindex_narrative(db: Db, report_id: str) -> None:
    """Take a report's prose out of the full-text index (before its rows are deleted)."""
    _unindex(db, NarrativeIndex.indexed(db, report_id))


def _unindex(db: Db, rows: list[tuple]) -> None:
    """FTS5's delete command for (rowid, title, text) rows as they were indexed."""
    db.conn.executemany(f"INSERT INTO {FTS} ({FTS}, rowid, title, text) "
                        "VALUES ('delete', ?, ?, ?)", rows)


def check_rows(report_id: str, results: list[CheckResult], previous: str | None = None
                ) -> list[tuple]:
    """``checks`` rows as ``insert_checks`` writes them (``previous``: the report a
    cross-year check compared with)."""
    return [(report_id, r.rule, r.subject, r.expected, r.actual, int(r.ok), previous)
            for r in results]


def insert_checks(db: Db, rows: list[tuple]) -> None:
    db.conn.executemany("INSERT INTO checks (report_id, rule, subject, expected, actual, ok, "
                        "previous_report_id) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


# cells' columns in the order ``_cell_rows`` builds its tuples
CELL_COLUMNS = ("report_id", "section", "item", "measure", "value", "extracted", "item_label",
                "measure_label", "printed", "page", "box", "flags", "derived", "note")
_INSERT_CELLS = (f"INSERT INTO cells ({', '.join(CELL_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(CELL_COLUMNS))})")


@cache
def _labels(template: str) -> dict[Key, tuple[str, str]]:
    """(item label, measure label) of each cell of ``template``."""
    return {k: (tpl.item_label(template, *k[:2]), tpl.measure_label(template, k[0], k[2]))
            for k in tpl.spec_index(template)}


def _cell_rows(report: Report, extracted: dict[Key, Any]) -> list[tuple]:
    """The report's ``cells`` rows as tuples straight from its cells (no dict per row: a
    load writes two hundred of them per report)."""
    labels = _labels(report.template)
    rid = report.report_id
    return [(rid, *key, c.value, extracted.get(key), *labels[key], c.printed, c.page,
             encode_box(c.box), encode_flags(c.flags), DERIVED in c.flags, c.note)
            for key, c in report.cells.items()]


def _sum(values: list) -> float | int | None:
    """SQL's sum(): NULLs skipped, NULL when there is nothing to add."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def totals_row(report: Report) -> dict:
    """A report's headline numbers (the 总计 column of section 三, the totals of section
    四), kept in ``report_totals`` so that questions across thousands of reports read one
    row per report instead of summing two million cells."""
    def figure(t: tpl.Total) -> float | int | None:
        if t.appeals:
            return _sum([report.value("appeals", i, t.appeals)
                         for i in tpl.items(report.template, "appeals")])
        rows = tpl.group_items(report.template, "requests", t.of) or (
            (t.of,) if t.of in tpl.items(report.template, "requests") else ())
        return _sum([report.value("requests", i, "total") for i in rows])

    return {"report_id": report.report_id, **{t.column: figure(t) for t in tpl.totals()}}


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return abs(float(a) - float(b)) < 1e-9
    except (TypeError, ValueError):
        return a == b


# where each field is in a ``cells`` row (CELL_COLUMNS)
_KEY, _VALUE, _EXTRACTED, _LABELS, _DERIVED = slice(1, 4), 4, 5, slice(6, 8), 12


def _changes(report_id: str, cells: list[tuple], before: dict[Key, tuple[Any, Any]],
             template: str) -> list[Change]:
    """The cells whose value differs from what the database held for them (``before``:
    value and extracted value by key; empty for a new report) or, for a cell extracted
    anew or a new report, from the extraction: one change each. A derived total follows
    its parts and is not a change of its own."""
    where = layout(template)
    out = []
    for row in cells:
        if row[_DERIVED]:
            continue
        key, value, was = row[_KEY], row[_VALUE], row[_EXTRACTED]
        stored, had = before.get(key, (was, was))
        # (== first: it answers for almost every cell, and _same agrees where it holds)
        previous = stored if had == was or _same(had, was) else was  # re-extracted: that
        if previous == value or _same(previous, value):
            continue
        out.append(Change(report_id, key, address(*where[key]), "／".join(row[_LABELS]), was,
                          previous, value, "revert" if _same(was, value) else "correction"))
    return out


@dataclass
class ReportRows:
    """A report's rows, made where its workbook was read (a reader process of the loader):
    the writer only inserts them. ``report``: its ``reports`` row but for the workbook's
    name, stamp and load time; ``changes``: what differs from the extraction (the changes
    a new report logs)."""

    report: dict[str, Any]
    cells: list[tuple]
    checks: list[tuple]
    totals: dict[str, Any]
    narrative: list[tuple]
    changes: list[Change]
    # the file's hash, made by the reader: two reads of the same rows are equal without it
    workbook_sha256: str | None = field(default=None, compare=False)

    @property
    def report_id(self) -> str:
        return self.report["report_id"]

    @property
    def agency_key(self) -> str | None:
        return self.report["agency_key"]


def report_rows(report: Report, extracted: dict[Key, Any]) -> ReportRows:
    """``report``'s rows as ``write_rows`` writes them (no database needed)."""
    results = check_report(report)
    rid = report.report_id
    place = place_of(report.agency)  # from the agency as the reviewer left it
    cells = _cell_rows(report, extracted)
    row = {
        "report_id": rid, "agency": report.agency, "year": report.year,
        "template": report.template, "source_file": report.source_file,
        "sha256": report.sha256, "extracted_at": report.extracted_at,
        "status": report.status, "reviewer": report.reviewer, "note": report.note,
        "province": place.province, "city": place.city, "county": place.county,
        "adcode": place.adcode, "level": place.level,
        "agency_key": agency_key(place.adcode, report.agency),
        "cells_blank": sum(c[_VALUE] is None for c in cells),
        "cells_derived": sum(bool(c[_DERIVED]) for c in cells),
        "checks_failed": sum(not r.ok for r in results)}
    return ReportRows(
        row, cells,
        check_rows(rid, results),
        totals_row(report),
        [(rid, number, title, text) for number, (title, text) in report.narrative.items()],
        _changes(rid, cells, {}, report.template))


def write_rows(db: Db, rows: ReportRows, workbook: str, stamp: dict | None = None,
               new: bool = False) -> list[Change]:
    """Replace a report's rows by ``rows`` (inside the caller's transaction); returns the
    changes logged in ``corrections``. ``new``: the database holds no rows of the report
    (nothing to delete or to compare with), which the caller knows from its reports."""
    rid = rows.report_id
    changes = rows.changes
    if not new:
        before = {(s, i, m): (v, x) for s, i, m, v, x in db.conn.execute(
            "SELECT section, item, measure, value, extracted FROM cells WHERE report_id = ?",
            [rid])}
        changes = _changes(rid, rows.cells, before, rows.report["template"])
        for table in REPORT_ROWS:
            db.conn.execute(f"DELETE FROM {table} WHERE report_id = ?", [rid])
    insert_rows(db, "reports", [{**rows.report, "workbook": workbook, **(stamp or {}),
                                 "loaded_at": now()}], verb="INSERT OR REPLACE")
    db.conn.executemany(_INSERT_CELLS, rows.cells)
    insert_checks(db, rows.checks)
    insert_rows(db, "report_totals", [rows.totals])
    db.conn.executemany(_INSERT_NARRATIVE, rows.narrative)
    insert_rows(db, "corrections", [
        {"report_id": c.report_id, "section": c.key[0], "item": c.key[1], "measure": c.key[2],
         "extracted": c.extracted, "previous": c.previous, "corrected": c.corrected,
         "kind": c.kind, "address": c.address, "reviewer": rows.report["reviewer"],
         "logged_at": now()} for c in changes])
    return changes


_INSERT_NARRATIVE = "INSERT INTO narrative (report_id, section, title, text) VALUES (?, ?, ?, ?)"
