"""A batch of PDFs -> review workbooks, one outcome per file: one bad PDF never stops the
batch, a workbook a person has corrected is never overwritten, and an unchanged PDF whose
workbook exists is skipped without being parsed. Files are processed by parallel workers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from etl.checks import check_report
from etl.errors import EtlError
from etl.extract import extract_report, report_id_for, sha256_file
from etl.report import Report, fingerprint
from etl.sheets import write_workbook
from etl.sheets_read import (
    extracted_values,
    read_workbook,
    stored_fingerprint,
    stored_source_sha256,
)


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
    """True when a person changed a value or the metadata (or marked it reviewed): the
    fingerprint of what the workbook holds now differs from the one stored when it was
    written. Workbooks written before fingerprints: compare with the extracted values."""
    current = read_workbook(workbook)
    if current.status != "extracted":
        return True
    stored = stored_fingerprint(workbook)
    if stored is not None:
        return fingerprint(current) != stored
    was = extracted_values(workbook)
    return any(current.cells[k].value != v for k, v in was.items() if k in current.cells)


def extract_one(pdf: Path, workbook: Path, force: bool = False) -> Outcome:
    """Extract one PDF into its workbook; every failure becomes a ``failed`` outcome."""
    try:
        if workbook.exists() and not force:
            if stored_source_sha256(workbook) == sha256_file(pdf):
                return Outcome(pdf, "unchanged", workbook, message="same PDF, skipped")
            try:
                edited = human_edits(workbook)
            except EtlError:
                edited = True  # unreadable or invalid: a person's work in progress
            if edited:
                return Outcome(pdf, "kept", workbook, message="workbook has corrections; not "
                               "overwritten (use --force to replace it, with a backup)")
        report = extract_report(pdf)
        if workbook.exists() and force:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            shutil.copy2(workbook, workbook.with_name(f"{workbook.stem}.{stamp}.bak.xlsx"))
        write_workbook(report, workbook, pdf=pdf)
        return Outcome(pdf, "written", workbook, report, summary(report))
    except EtlError as e:
        return Outcome(pdf, "failed", message=str(e))
    except Exception as e:  # a bug or a PDF no library copes with: report it, go on
        return Outcome(pdf, "failed", message=f"{pdf}: unexpected error while extracting "
                                              f"({type(e).__name__}: {e})")


def _extract_args(args: tuple[Path, Path, bool]) -> Outcome:
    return extract_one(*args)


def extract_to_sheets(pdfs: Iterable[Path], sheets_dir: str | Path, force: bool = False,
                      jobs: int = 1) -> Iterator[Outcome]:
    """Outcomes in the order of ``pdfs``; ``jobs`` worker processes (0: one per core)."""
    sheets_dir = Path(sheets_dir)
    tasks: list[tuple[Path, Path, bool]] = []
    owners: dict[Path, Path] = {}
    for pdf in pdfs:
        workbook = sheets_dir / f"{report_id_for(pdf)}.xlsx"
        if workbook in owners:
            yield Outcome(pdf, "failed", message=f"{pdf}: same report id as {owners[workbook]} "
                                                 "(rename one of the files)")
            continue
        owners[workbook] = pdf
        tasks.append((pdf, workbook, force))
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) < 2:
        yield from map(_extract_args, tasks)
        return
    with ProcessPoolExecutor(min(jobs, len(tasks))) as pool:
        yield from pool.map(_extract_args, tasks)


def summary(report: Report) -> str:
    cells = report.cells.values()
    failed = [r for r in check_report(report) if not r.ok]
    return (f"{report.agency or '?'} {report.year or '?'} (template {report.template}): "
            f"{sum(c.value is not None for c in cells)}/{len(cells)} cells, "
            f"{sum('blank' in c.flags for c in cells)} blank, "
            f"{sum('derived' in c.flags for c in cells)} derived, "
            f"{len(failed)} failed checks")
