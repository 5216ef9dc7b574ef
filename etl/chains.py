"""The cross-year identities between each agency's consecutive reports, written after the
reports they read. An agency is its ``agency_key`` (etl.place: 洪泽区人民政府 and
淮安市洪泽区人民政府 are one agency over their years); keys waiting for their checks are kept
in ``pending_chains`` so that a load cut short is finished by the next one."""

from __future__ import annotations

from functools import cache

from etl import template as tpl
from etl.checks import check_chain
from etl.db import Db
from etl.report import Cell, Report
from etl.store import check_rows, insert_checks
from etl.template import Key

CHAIN_RULES = ("requests.carry_chain", "active.in_force_chain")
_AGENCIES_PER_CHUNK = 500  # also keeps each statement under SQLite's parameter limit


def mark_pending(db: Db, keys: set[str | None]) -> None:
    """Note (in the caller's transaction) that these agency keys' chain checks are stale."""
    db.conn.executemany("INSERT OR IGNORE INTO pending_chains (agency_key) VALUES (?)",
                        [(k,) for k in keys if k])


def pending(db: Db) -> set[str]:
    return {k for (k,) in db.conn.execute("SELECT agency_key FROM pending_chains")}


class _ChainReport(Report):
    """A report with just the cells the cross-year rules read, blank until read: a whole
    ``Report`` makes every cell of its template, most of the checks' time at 10,000 reports."""

    def __post_init__(self) -> None:
        for key in _chain_cells(self.template):
            self.cells[key] = Cell(*key)


@cache
def _chain_cells(template: str) -> tuple[Key, ...]:
    return tuple(k for k in sorted(tpl.chain_cells()) if k in tpl.spec_index(template))


def _chain_reports(db: Db, keys: list[str]) -> dict[str, Report]:
    """The reports of the agencies ``keys`` with just the cells the cross-year rules read
    (each report's ``agency`` is its agency key here)."""
    listed = f"agency_key IN ({', '.join('?' * len(keys))})"
    reports = {r["report_id"]: _ChainReport(report_id=r["report_id"], template=r["template"],
                                            agency=r["agency_key"], year=r["year"])
               for r in db.query(f"SELECT report_id, template, agency_key, year FROM reports "
                                 f"WHERE {listed}", keys)}
    wanted = sorted(tpl.chain_cells())
    # Each report's cells the rules read, by primary key: a few agencies (a reload) or all
    # of them (a bulk load) alike. (Through cells_measure, an OR of the cell codes read
    # every report's entries of each code: 4 times slower at 10,000 reports.)
    codes = " UNION ALL ".join("SELECT ?, ?, ?" for _ in wanted)
    for report_id, section, item, measure, value in db.conn.execute(
            f"WITH wanted (section, item, measure) AS ({codes}) "
            f"SELECT r.report_id, w.section, w.item, w.measure, c.value "
            f"FROM reports r CROSS JOIN wanted w CROSS JOIN cells c WHERE r.{listed} AND "
            f"c.report_id = r.report_id AND c.section = w.section AND c.item = w.item AND "
            f"c.measure = w.measure", [*(x for k in wanted for x in k), *keys]):
        report = reports.get(report_id)
        key = (section, item, measure)
        if report is not None and key in report.cells:
            report.cells[key].value = value
    return reports


def write_chain_checks(db: Db, keys: set[str] | None = None) -> None:
    """Recompute the cross-year identities between each agency's consecutive reports (of
    the agency keys ``keys`` only, when given: a reload after one correction touches one
    agency). Agencies are taken a chunk at a time, so memory stays bounded at any size."""
    if keys is None:
        keys = {k for (k,) in db.conn.execute(
            "SELECT DISTINCT agency_key FROM reports WHERE agency_key IS NOT NULL")}
        keys |= pending(db)
    ordered = sorted(keys)
    rules = f"rule IN ({', '.join('?' * len(CHAIN_RULES))})"
    with db.atomic():
        for start in range(0, len(ordered), _AGENCIES_PER_CHUNK):
            chunk = ordered[start:start + _AGENCIES_PER_CHUNK]
            db.conn.execute(
                f"DELETE FROM checks WHERE {rules} AND report_id IN (SELECT report_id FROM "
                f"reports WHERE agency_key IN ({', '.join('?' * len(chunk))}))",
                [*CHAIN_RULES, *chunk])
            by_agency_year = {(r.agency, r.year): r for r in _chain_reports(db, chunk).values()
                              if r.year}
            rows = []
            for (agency, year), report in by_agency_year.items():
                previous = by_agency_year.get((agency, year - 1))
                if previous is not None:
                    rows += check_rows(report.report_id, check_chain(report, previous),
                                        previous.report_id)
            insert_checks(db, rows)
            db.conn.execute(f"DELETE FROM pending_chains WHERE agency_key IN "
                            f"({', '.join('?' * len(chunk))})", chunk)
