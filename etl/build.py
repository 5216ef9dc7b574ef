"""A batch of PDFs -> review workbooks, one outcome per file: one bad PDF never stops the
batch, and a workbook a person has corrected is never overwritten."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from etl.checks import check_report
from etl.errors import EtlError
from etl.extract import extract_report, report_id_for, sha256_file
from etl.report import Report
from etl.sheets import extracted_values, read_workbook, write_workbook


@dataclass
class Outcome:
    pdf: Path
    status: str  # written | unchanged | kept | failed
    workbook: Path | None = None
    report: Report | None = None
    message: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """PDF files named, or found (recursively) in folders named, in a stable order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(q for q in p.rglob("*") if q.suffix.lower() == ".pdf"))
        else:
            found.append(p)
    return list(dict.fromkeys(found))


def human_edits(workbook: Path) -> bool:
    """True when a person changed a value or marked the workbook reviewed."""
    current = read_workbook(workbook)
    was = extracted_values(workbook)
    return current.status != "extracted" or any(
        current.cells[k].value != v for k, v in was.items() if k in current.cells)


def extract_to_sheets(pdfs: Iterable[Path], sheets_dir: str | Path,
                      force: bool = False) -> Iterator[Outcome]:
    sheets_dir = Path(sheets_dir)
    for pdf in pdfs:
        workbook = sheets_dir / f"{report_id_for(pdf)}.xlsx"
        try:
            if workbook.exists() and not force:
                try:
                    edited = human_edits(workbook)
                except EtlError:
                    edited = True  # unreadable or invalid: a person's work in progress
                if edited:
                    yield Outcome(pdf, "kept", workbook, message="workbook has corrections; "
                                  "not overwritten (use --force to replace it, with a backup)")
                    continue
                if read_workbook(workbook).sha256 == sha256_file(pdf):
                    yield Outcome(pdf, "unchanged", workbook, message="same PDF, skipped")
                    continue
            report = extract_report(pdf)
            if workbook.exists() and force:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                shutil.copy2(workbook, workbook.with_name(f"{workbook.stem}.{stamp}.bak.xlsx"))
            write_workbook(report, workbook)
            yield Outcome(pdf, "written", workbook, report, summary(report))
        except EtlError as e:
            yield Outcome(pdf, "failed", message=str(e))


def summary(report: Report) -> str:
    cells = report.cells.values()
    failed = [r for r in check_report(report) if not r.ok]
    return (f"{report.agency or '?'} {report.year or '?'} (template {report.template}): "
            f"{sum(c.value is not None for c in cells)}/{len(cells)} cells, "
            f"{sum('blank' in c.flags for c in cells)} blank, "
            f"{sum('derived' in c.flags for c in cells)} derived, "
            f"{len(failed)} failed checks")
