"""The cross-year identities between each agency's consecutive reports, written after the
reports they read; agencies waiting for them are kept in ``pending_chains`` so that a load
cut short is finished by the next one."""

from __future__ import annotations

from functools import cache

from sqlite_utils import Database

from etl import template as tpl
from etl.checks import check_chain
from etl.report import Cell, Report
from etl.store import check_rows, insert_rows
from etl.template import Key

CHAIN_RULES = ("requests.carry_chain", "active.in_force_chain")
_AGENCIES_PER_CHUNK = 500  # also keeps each statement under SQLite's parameter limit


def mark_pending(db: Database, agencies: set[str]) -> None:
    """Note (in the caller's transaction) that these agencies' chain checks are stale."""
    db.conn.executemany("INSERT OR IGNORE INTO pending_chains (agency) VALUES (?)",
                        [(a,) for a in agencies if a])


def pending(db: Database) -> set[str]:
    return {a for (a,) in db.conn.execute("SELECT agency FROM pending_chains")}


class _ChainReport(Report):
    """A report with just the cells the cross-year rules read, blank until read: a whole
    ``Report`` makes every cell of its template, most of the checks' time at 10,000 reports."""

    def __post_init__(self) -> None:
        for key in _chain_cells(self.template):
            self.cells[key] = Cell(*key)


@cache
def _chain_cells(template: str) -> tuple[Key, ...]:
    return tuple(k for k in sorted(tpl.chain_cells()) if k in tpl.spec_index(template))


def _chain_reports(db: Database, agencies: list[str]) -> dict[str, Report]:
    """The reports of ``agencies`` with just the cells the cross-year rules read."""
    listed = f"agency IN ({', '.join('?' * len(agencies))})"
    reports = {r["report_id"]: _ChainReport(report_id=r["report_id"], template=r["template"],
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
            "SELECT DISTINCT agency FROM reports WHERE agency IS NOT NULL")} | pending(db)
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
                    rows += check_rows(report.report_id, check_chain(report, previous),
                                        previous.report_id)
            insert_rows(db, "checks", rows)
            db.conn.execute(f"DELETE FROM pending_chains WHERE agency IN "
                            f"({', '.join('?' * len(chunk))})", chunk)
