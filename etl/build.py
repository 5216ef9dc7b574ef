"""A batch of PDFs -> review workbooks, one outcome per file: one bad PDF never stops the
batch, a workbook a person has corrected is never overwritten, and an unchanged PDF whose
workbook exists is skipped without being parsed. Files are processed by parallel workers:
local processes, or a Dask distributed cluster (``scheduler``) whose workers see the same
storage as this process (the PDFs and the sheets folder at the same absolute paths)."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpyxl.utils.exceptions import InvalidFileException

from etl.checks import check_report
from etl.errors import EtlError, PdfError, SchedulerError, WorkbookError
from etl.extract import extract_with_images, report_id_for, sha256_file
from etl.i18n import _
from etl.layout import META_SHEET, META_VALUE_COL
from etl.report import Report, fingerprint
from etl.sheets import write_workbook
from etl.sheets_read import (
    _at,
    _rows,
    extracted_values,
    read_workbook,
    stored_fingerprint,
    stored_source_sha256,
)

# Old workbooks replaced by --force go here, inside the sheets folder: the loader reads only
# the folder's own *.xlsx (etl.load.workbooks does not recurse), so a backup is never loaded
# as a second report with the same id.
BACKUP_DIR = ".backup"
# How long to wait for a Dask scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = "10s"
# The locale variables a Dask worker takes from the process that sends the batch, so the
# outcome messages it writes are in the user's language, not the worker's.
_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


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


def stored_source_file(workbook: Path) -> str | None:
    """The name of the PDF the workbook was extracted from, as recorded on its meta sheet;
    None for a workbook that does not record one (a manual template, an unreadable file)."""
    try:
        rows = _rows(workbook, META_SHEET)
    except (KeyError, zipfile.BadZipFile, InvalidFileException, OSError):
        return None
    value = {str(r[0]): _at(rows, n, META_VALUE_COL)
             for n, r in enumerate(rows[1:], 2) if r and r[0]}.get("source_file")
    return str(value) if value else None


def backup(workbook: Path) -> Path:
    """Copy ``workbook`` into the sheets folder's ``.backup/``, named by the time (UTC), never
    over an earlier backup."""
    folder = workbook.parent / BACKUP_DIR
    folder.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target, n = folder / f"{workbook.stem}.{stamp}.xlsx", 1
    while target.exists():  # two --force runs in the same second
        n += 1
        target = folder / f"{workbook.stem}.{stamp}-{n}.xlsx"
    shutil.copy2(workbook, target)
    return target


def extract_one(pdf: Path, workbook: Path, force: bool = False) -> Outcome:
    """Extract one PDF into its workbook; every failure becomes a ``failed`` outcome."""
    try:
        if workbook.exists() and not force:
            if stored_source_sha256(workbook) == sha256_file(pdf):
                return Outcome(pdf, "unchanged", workbook, message=_("PDF 未改变，跳过"))
            # Another file whose name gives the same report id (``x y.pdf``, then ``x_y.pdf``):
            # its workbook is not this PDF's to replace.
            source = stored_source_file(workbook)
            if source is not None and source != pdf.name:
                return Outcome(pdf, "failed", workbook, message=_(
                    "{pdf}：{workbook} 该工作簿由另一个 PDF（{name}）生成，没有覆盖（两个文件的报告"
                    "编号相同：把其中一个改名；要用这个 PDF 替换它，加 --force）"
                ).format(pdf=pdf, workbook=workbook.name, name=source))
            try:
                edited = human_edits(workbook)
            except EtlError:
                edited = True  # unreadable or invalid: a person's work in progress
            if edited:
                return Outcome(pdf, "kept", workbook, message=_(
                    "工作簿有人工修改，没有覆盖（用 --force 替换它，旧文件备份在 {folder}/ 里）"
                ).format(folder=BACKUP_DIR))
        report, images = extract_with_images(pdf)
        if workbook.exists() and force:
            backup(workbook)
        write_workbook(report, workbook, images=images)
        return Outcome(pdf, "written", workbook, report, summary(report))
    except EtlError as e:  # one that names no file (the OCR engine's): say which PDF it was
        named = isinstance(e, PdfError | WorkbookError)
        return Outcome(pdf, "failed", message=str(e) if named else f"{pdf}：{e}")
    except Exception as e:  # a bug or a PDF no library copes with: report it, go on
        return Outcome(pdf, "failed", message=_("{pdf}：提取时出现意外错误（{error}）").format(
            pdf=pdf, error=f"{type(e).__name__}: {e}"))


def _extract_args(args: tuple[Path, Path, bool]) -> Outcome:
    return extract_one(*args)


def _extract_on_worker(args: tuple[Path, Path, bool], locale: dict[str, str]) -> Outcome:
    """``extract_one`` on a Dask worker, in the sender's language. The worker's environment
    is set, not restored: every task of a batch carries the same values."""
    for variable in _LOCALE_VARIABLES:
        if variable in locale:
            os.environ[variable] = locale[variable]
        else:
            os.environ.pop(variable, None)
    return extract_one(*args)


def _connect(scheduler: str) -> object:
    """A Dask client of ``scheduler`` (``tcp://host:8786``), or ``SchedulerError``."""
    try:
        from distributed import Client
        from distributed.comm import parse_address, parse_host_port
    except ImportError as e:  # an install without the dependency
        raise SchedulerError(_("没有安装 dask.distributed，不能用 --scheduler：pip install "
                               "'dask[distributed]'")) from e
    try:
        # A malformed address checked before a Client exists: a Client that fails on one
        # lingers and prints a traceback when the process exits.
        parse_host_port(parse_address(scheduler)[1])
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, ValueError, TypeError) as e:  # refused, timed out, not an address
        raise SchedulerError(_("连接不上 Dask 调度器 {address}（{error}）：先启动 dask scheduler "
                               "和 dask worker，或检查地址").format(
            address=scheduler, error=f"{type(e).__name__}: {e}".strip().rstrip(":"))) from e


def _on_cluster(tasks: list[tuple[Path, Path, bool]], scheduler: str) -> Iterator[Outcome]:
    """The tasks on a Dask cluster, outcomes in the tasks' order. Workers get absolute paths
    (their working folder is not ours); outcomes name the files as they were given."""
    client = _connect(scheduler)
    locale = {v: os.environ[v] for v in _LOCALE_VARIABLES if v in os.environ}
    try:
        sent = [(pdf.absolute(), workbook.absolute(), force) for pdf, workbook, force in tasks]
        # pure=False: a PDF changed between two batches must be extracted again, not answered
        # from the scheduler's memory of the same arguments.
        futures = client.map(_extract_on_worker, sent, locale=locale, pure=False)
        for (pdf, workbook, _force), (apdf, _w, _f), future in zip(tasks, sent, futures,
                                                                    strict=True):
            try:
                outcome = future.result()
            except Exception as e:  # the worker died (KilledWorker) or the task was lost
                outcome = Outcome(pdf, "failed", message=_(
                    "{pdf}：提取时出现意外错误（{error}）").format(
                    pdf=pdf, error=f"{type(e).__name__}: {e}"))
            outcome.message = outcome.message.replace(str(apdf), str(pdf))
            outcome.pdf = pdf
            if outcome.workbook is not None:
                outcome.workbook = workbook
            yield outcome
    finally:
        client.close()  # type: ignore[attr-defined]


def extract_to_sheets(pdfs: Iterable[Path], sheets_dir: str | Path, force: bool = False,
                      jobs: int = 1, scheduler: str | None = None) -> Iterator[Outcome]:
    """Outcomes in the order of ``pdfs`` (a report id given twice first); ``jobs`` worker
    processes (0: one per core), or the workers of the Dask ``scheduler`` (``jobs`` unused).
    A scheduler that cannot be reached raises ``SchedulerError`` before any outcome."""
    sheets_dir = Path(sheets_dir)
    tasks: list[tuple[Path, Path, bool]] = []
    twice: list[Outcome] = []
    owners: dict[Path, Path] = {}
    for pdf in pdfs:
        workbook = sheets_dir / f"{report_id_for(pdf)}.xlsx"
        if workbook in owners:
            twice.append(Outcome(pdf, "failed", message=_(
                "{pdf}：与 {other} 的报告编号相同（把其中一个文件改名）").format(
                pdf=pdf, other=owners[workbook])))
            continue
        owners[workbook] = pdf
        tasks.append((pdf, workbook, force))
    if scheduler:
        outcomes = _on_cluster(tasks, scheduler)
        first = next(outcomes, None)  # connects (or raises) before anything is reported
        yield from twice
        if first is not None:
            yield first
            yield from outcomes
        return
    yield from twice
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) < 2:
        yield from map(_extract_args, tasks)
        return
    with ProcessPoolExecutor(min(jobs, len(tasks))) as pool:
        yield from pool.map(_extract_args, tasks)


def summary(report: Report) -> str:
    cells = report.cells.values()
    failed = [r for r in check_report(report) if not r.ok]
    return _("{agency} {year}（{template} 版模板）：{filled}/{cells} 格有数，空白 {blank} 格，"
             "推算 {derived} 格，{failed} 项核对未通过").format(
        agency=report.agency or "?", year=report.year or "?", template=report.template,
        filled=sum(c.value is not None for c in cells), cells=len(cells),
        blank=sum("blank" in c.flags for c in cells),
        derived=sum("derived" in c.flags for c in cells), failed=len(failed))
