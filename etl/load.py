"""Review workbooks -> SQLite. Each report is written in one transaction and replaces its
previous rows, so loading is idempotent and a refused workbook leaves the database as it was.

Only one load writes a database at a time (a lock file beside it); a workbook is bound to
the report ogi wrote it for; whatever one workbook holds, it is refused by name while the
others load.
"""

from __future__ import annotations

import ctypes
import fcntl
import itertools
import os
import signal
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from etl.chains import mark_pending, pending, write_chain_checks
from etl.db import Db
from etl.errors import EtlError, Problem, WorkbookError
from etl.i18n import _
from etl.layout import META_SHEET, META_VALUE_COL, address, layout
from etl.publish import ensure_views
from etl.report import Report
from etl.schema import create_indexes, drop_bulk_indexes, ensure_schema
from etl.sheets_read import read_for_load
from etl.source import sha256_file
from etl.store import (
    REPORT_ROWS,
    Change,
    NarrativeIndex,
    ReportRows,
    report_rows,
    unindex_narrative,
    write_rows,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

# How long a load waits for another one holding the database before it gives up.
LOCK_WAIT = float(os.environ.get("OGI_LOCK_WAIT", 30))


@dataclass
class LoadResult:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[WorkbookError] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    changes: dict[str, list[Change]] = field(default_factory=dict)  # by workbook name

    @property
    def problems(self) -> list[Problem]:
        return [p for e in self.refused for p in e.problems]


def workbooks(sheets_dir: Path) -> Iterator[Path]:
    """The review workbooks of a folder (not its subfolders, where backups are kept),
    skipping Excel lock files, our temp files and backups."""
    folder = Path(sheets_dir)
    for name in workbook_names(folder):
        yield folder / name


def workbook_names(sheets_dir: Path) -> list[str]:
    """The file names ``workbooks`` yields, sorted as strings (sorting and making 10,000
    Paths was a third of a reload's time)."""
    return sorted(e.name for e in os.scandir(sheets_dir) if e.name.endswith(".xlsx")
                  and not e.name.startswith(("~$", ".")) and not e.name.endswith(".bak.xlsx"))


# (the rows to write, or None when refused; the problems refusing it; warnings)
_Read = tuple[ReportRows | None, list[Problem], list[Problem]]


def _identity(path: Path, report: Report, stamp: dict[str, str]) -> list[Problem]:
    """A workbook loads as the report ogi wrote it for: a copy renamed, or relabelled as
    another report, is refused (``stamp``: what ogi wrote on its ``_ogi`` sheet)."""
    written_as = stamp.get("workbook")
    if written_as and written_as != path.name:
        return [Problem(path.name, "-", _(
            "这个工作簿是 ogi 为 {workbook}（报告编号 {report}）写的：改名或复制的工作簿不能"
            "载入，请用原文件名，或用 ogi extract 重新生成").format(
            workbook=written_as, report=stamp.get("report_id", "?")))]
    if report.report_id != path.stem:
        return [Problem(path.name, address(META_SHEET, 2, META_VALUE_COL), _(
            "报告编号与文件名不符：应为「{stem}」").format(stem=path.stem), report.report_id,
            _("报告编号"))]
    return []


def _warnings(path: Path, report: Report, extracted: dict) -> list[Problem]:
    """What is worth saying without refusing the workbook."""
    out = []
    if report.status == "reviewed" and not report.reviewer:
        out.append(Problem(path.name, META_SHEET, _("状态为「已审核」，但没有填「审核人」")))
    for key, cell in report.cells.items():
        was = extracted.get(key)
        if cell.value is None and was not in (None, "") and "derived" not in cell.flags:
            out.append(Problem(path.name, address(*layout(report.template)[key]), _(
                "提取的数「{was}」被清空：原表这一格确实空白吗？").format(was=was)))
    return out


def _read(path: Path) -> _Read:
    """Read one workbook into the rows the writer inserts, and hash it (all the work that
    needs no database, done in the reader processes); problems come back as data
    (exceptions do not cross processes), whatever the file holds."""
    warnings: list[Problem] = []
    try:
        report, extracted, stamp = read_for_load(path, warnings)
        problems = _identity(path, report, stamp)
        if problems:
            return None, problems, []
        rows = report_rows(report, extracted)
        rows.workbook_sha256 = sha256_file(path)
        return rows, [], warnings + _warnings(path, report, extracted)
    except WorkbookError as e:
        return None, e.problems, []
    except Exception as e:  # a file no parser copes with: refuse it by name, go on
        return None, [Problem(path.name, "-", _("无法读取这个工作簿（{kind}：{error}）")
                              .format(kind=type(e).__name__, error=str(e)[:200]))], []


def _die_with_parent() -> None:
    """Pool worker start-up: a reader must not outlive a load killed with SIGKILL."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _read_chunk(paths: list[Path]) -> list[_Read]:
    """A worker's share: several workbooks read and sent back in one message (one pickle
    for all: the template's key strings the reports share go once)."""
    return [_read(p) for p in paths]


def _read_all(paths: list[Path], jobs: int) -> Iterator[_Read]:
    """Workbooks read in worker processes (parsing xlsx is the cost of a load) while the
    caller writes to SQLite; results in the order of ``paths``. A few chunks are read
    ahead of the one the caller is writing, so the workers never wait for the writer to
    finish a batch, and memory stays bounded however many workbooks there are."""
    jobs = min(jobs or os.cpu_count() or 1, max(1, len(paths) // _PER_WORKER))
    if jobs <= 1:
        yield from map(_read, paths)
        return
    from concurrent.futures import ProcessPoolExecutor  # here: a reload of a few reads alone

    with ProcessPoolExecutor(jobs, initializer=_die_with_parent) as pool:
        ahead: deque[Future[list[_Read]]] = deque()
        try:
            for start in range(0, len(paths), _CHUNK):
                ahead.append(pool.submit(_read_chunk, paths[start:start + _CHUNK]))
                if len(ahead) > _AHEAD * jobs:
                    yield from ahead.popleft().result()
            while ahead:
                yield from ahead.popleft().result()
        finally:  # the caller stopped early: do not read what nobody will write
            for future in ahead:
                future.cancel()


_BATCH = 200  # reads written in one savepoint (again one by one when one of them fails)
_COMMIT_EVERY = 1000  # reads written in one transaction
# A load of at least this many workbooks, and of at least as many as the database holds,
# builds the cells' indexes after its rows (schema.BULK_INDEXES) instead of row by row.
_BULK = 1000
_PER_WORKER = 32  # fewer workbooks than this per worker: not worth starting processes
_CHUNK = 16  # workbooks a worker reads per message
_AHEAD = 16  # chunks read ahead per worker: more than a batch in all, so the readers go on
# reading while the writer writes one (at most ~256 results, ~18 MB, per worker)


@contextmanager
def _exclusive(db_path: Path, wait: float) -> Iterator[None]:
    """Hold ``<db>.lock`` for the load: a second load waits up to ``wait`` seconds, then
    says who holds the database instead of failing on SQLite's lock half-way."""
    lock = db_path.with_name(db_path.name + ".lock")
    try:
        f = lock.open("a")
    except OSError as e:
        raise EtlError(_("{file}：无法在这里写数据库（{error}）").format(
            file=db_path, error=e.strerror or e)) from None
    with f:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise EtlError(_("{file}：另一个 ogi load 正在写这个数据库（等了 {seconds:g} "
                                     "秒）：等它结束后再运行").format(
                        file=db_path, seconds=wait)) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _open(db_path: Path) -> Db:
    """The database, ready for a load; ``EtlError`` naming the file when it is not SQLite or
    cannot be written."""
    try:
        db = Db(db_path)
        db.conn.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT * 1000)}")
        # WAL while loading: a commit per report without a sync per commit; each report stays
        # one transaction. Back to a single self-contained file at the end (Datasette -i).
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA cache_size = -65536")  # 64 MB for the indexes of cells; bounded
        # the bulk indexes sorted on every core: the readers are done by then
        db.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")
        ensure_schema(db)
        return db
    except sqlite3.DatabaseError as e:
        raise EtlError(_db_error(db_path, e)) from None


def _db_error(db_path: Path, e: sqlite3.DatabaseError) -> str:
    text = str(e)
    if "not a database" in text or "malformed" in text:
        return _("{file}：不是 SQLite 数据库（{error}）：用 --db 指定另一个文件名").format(
            file=db_path, error=text)
    if "locked" in text or "busy" in text:
        return _("{file}：数据库被另一个程序锁住（{error}）").format(file=db_path, error=text)
    return _("{file}：无法写数据库（{error}）").format(file=db_path, error=text)


def load(sheets_dir: str | Path, db_path: str | Path, prune: bool = False,
         full: bool = False, progress: Callable[[], None] | None = None,
         jobs: int = 0, wait: float | None = None) -> LoadResult:
    """Load every workbook of ``sheets_dir`` into ``db_path``. A refused workbook is reported
    with all its problems and leaves that report's rows untouched; the others load. A
    workbook whose bytes are unchanged since it was last loaded is skipped unless ``full``.
    ``jobs`` processes read workbooks (0: one per core); ``wait``: seconds to wait for
    another load holding the database (default ``LOCK_WAIT``)."""
    sheets_dir, db_path = Path(sheets_dir), Path(db_path)
    if not sheets_dir.is_dir():
        raise EtlError(_("{folder}：没有这个文件夹").format(folder=sheets_dir))
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise EtlError(_("{file}：无法在这里写数据库（{error}）").format(
            file=db_path, error=e.strerror or e)) from None
    with _exclusive(db_path, LOCK_WAIT if wait is None else wait):
        db = _open(db_path)
        try:
            result = _Load(db, full, progress, jobs).run(sheets_dir, prune)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.DatabaseError as e:
            raise EtlError(_db_error(db_path, e)) from None
        finally:
            db.close()
        # the site's tables: only the rows of the reports (and their agencies' other years)
        # this load changed; all of them the first time, or when their definitions changed
        ensure_views(db_path, set(result.loaded) | set(result.pruned))
    return result


class _Load:
    """One run of ``load``: which workbooks changed, reading and writing them, pruning, and
    the cross-year checks of every agency touched (or left pending by an earlier run)."""

    def __init__(self, db: Db, full: bool, progress: Callable[[], None] | None,
                 jobs: int) -> None:
        self.db, self.full, self.jobs = db, full, jobs
        self.progress = progress or (lambda: None)
        self.result = LoadResult()
        self.owners: dict[str, str] = {}  # report id -> the workbook it came from
        rows = db.conn.execute(
            "SELECT workbook, workbook_sha256, workbook_size, workbook_mtime, report_id, "
            "agency_key FROM reports")
        rows.row_factory = sqlite3.Row  # by name, without a dict per report (10,000 a reload)
        self.known = {r["workbook"]: r for r in rows}
        self.loaded_from = {r["report_id"]: r["workbook"] for r in self.known.values()}
        self.affected = pending(db)  # agency keys whose cross-year checks may change
        self.index = NarrativeIndex()

    def run(self, sheets_dir: Path, prune: bool) -> LoadResult:
        changed = [(sheets_dir / name, stamp) for name in workbook_names(sheets_dir)
                   if (stamp := self._changed(sheets_dir, name)) is not None]
        bulk = len(changed) >= max(_BULK, len(self.known))
        if bulk:
            with self.db.atomic():
                drop_bulk_indexes(self.db)
        reads = zip(changed, _read_all([p for p, _ in changed], self.jobs), strict=True)
        more = True
        while more:
            # A commit per few batches: a commit per report was a third of a large load's
            # time, and the full-text index takes a fifth less time flushed every 1,000
            # reports than every 200.
            with self.db.atomic():
                for _each in range(_COMMIT_EVERY // _BATCH):
                    if not (batch := list(itertools.islice(reads, _BATCH))):
                        more = False
                        break
                    self._write_batch(batch)
                self.index.flush(self.db)  # after the savepoints, before the commit
        if bulk:
            with self.db.atomic():  # before the checks and the site's tables, which use them
                create_indexes(self.db)
        if prune:
            self._prune()
        if self.affected:
            write_chain_checks(self.db, {k for k in self.affected if k})
        return self.result

    def _changed(self, folder: Path, name: str) -> dict | None:
        """The file's stamp when it must be read, None when unchanged since its last load."""
        stat = os.stat(os.path.join(folder, name))
        stamp = {"workbook_size": stat.st_size, "workbook_mtime": stat.st_mtime_ns}
        was = self.known.get(name)
        candidate = was is not None and not self.full and was["report_id"] not in self.owners
        if candidate and (was["workbook_size"], was["workbook_mtime"]) == (
                stat.st_size, stat.st_mtime_ns):
            same = True  # size and time unchanged: not even hashed
        elif not candidate:
            same = False  # to be read whatever its bytes: hashed by the reader, in parallel
        else:
            stamp["workbook_sha256"] = sha256_file(folder / name)
            same = was["workbook_sha256"] == stamp["workbook_sha256"]
            if same:  # touched, not changed: remember the new time
                self.db.execute("UPDATE reports SET workbook_size = ?, workbook_mtime = ?, "
                                "workbook_sha256 = ? WHERE report_id = ?",
                                [*stamp.values(), was["report_id"]])
                self.db.conn.commit()
        if not same:
            return stamp
        self.owners[was["report_id"]] = name
        self.result.unchanged.append(was["report_id"])
        self.progress()
        return None

    def _conflict(self, path: Path, report_id: str) -> list[Problem]:
        other = self.owners.get(report_id) or self.loaded_from.get(report_id)
        if other is None or other == path.name:
            return []
        return [Problem(path.name, address(META_SHEET, 2, META_VALUE_COL), _(
            "报告编号「{report}」已由另一个工作簿 {other} 载入：不会被替换").format(
            report=report_id, other=other), report_id, _("报告编号"))]

    def _write_batch(self, batch: list[tuple[tuple[Path, dict], _Read]]) -> None:
        """Write a batch of reads in one savepoint; when one of them fails, the batch again
        one report (and one savepoint) at a time, so that it alone is refused by name. A
        savepoint per report was a fifth of the writer's time."""
        for _each in batch:
            self.progress()
        self.db.conn.execute("SAVEPOINT batch")
        try:
            done = [self._write(path, stamp, read, alone=False) for (path, stamp), read in batch]
        except (sqlite3.Error, OverflowError, ValueError):
            self.db.conn.execute("ROLLBACK TO batch")
            done = [self._write(path, stamp, read, alone=True) for (path, stamp), read in batch]
        self.db.conn.execute("RELEASE batch")
        keys = set()
        for outcome in done:
            if isinstance(outcome, WorkbookError):
                self.result.refused.append(outcome)
                continue
            rows, path, changes, warnings, was_keys, indexed = outcome
            keys |= was_keys
            self.index.keep(rows.report_id, indexed)
            self.owners[rows.report_id] = path.name
            self.result.loaded.append(rows.report_id)
            self.result.warnings += warnings
            if changes:
                self.result.changes[path.name] = changes
        # in the batch's transaction: a load cut short before the checks leaves them pending
        mark_pending(self.db, keys)
        self.affected |= keys

    def _write(self, path: Path, stamp: dict, read: _Read, alone: bool
               ) -> WorkbookError | tuple:
        """Write one read (in its own savepoint when ``alone``): the workbook refused, or
        (rows, path, changes, warnings, the agency keys it was and is, what the full-text
        index held for it). A report the database does not hold yet has nothing to delete
        or to compare with (only outside a batch that failed, where nothing is assumed)."""
        rows, problems, warnings = read
        if rows is not None:
            problems = problems or self._conflict(path, rows.report_id)
        if problems or rows is None:
            return WorkbookError(path, problems)
        was = self.known.get(path.name)
        new = not alone and rows.report_id not in self.loaded_from
        stamp = {**stamp, "workbook_sha256": stamp.get("workbook_sha256",
                                                         rows.workbook_sha256)}
        if alone:
            self.db.conn.execute("SAVEPOINT report")
        try:
            indexed = [] if new else self.index.indexed(self.db, rows.report_id)
            changes = write_rows(self.db, rows, path.name, stamp, new)
        except (sqlite3.Error, OverflowError, ValueError) as e:
            if not alone:
                raise
            self.db.conn.execute("ROLLBACK TO report")
            self.db.conn.execute("RELEASE report")
            return WorkbookError(path, [Problem(path.name, "-", _(
                "无法写入数据库（{error}）").format(error=e))])
        if alone:
            self.db.conn.execute("RELEASE report")
        keys = {rows.agency_key, *([was["agency_key"]] if was else [])}
        return rows, path, changes, warnings, keys, indexed

    def _prune(self) -> None:
        """Reports whose workbook is gone; a refused workbook's report stays."""
        refused = {e.path.name for e in self.result.refused}
        kept = set(self.owners) | {r["report_id"] for name, r in self.known.items()
                                   if name in refused}
        kept |= {Path(name).stem for name in refused}
        gone_rows = [r for r in self.db.query("SELECT report_id, agency_key FROM reports")
                     if r["report_id"] not in kept]
        with self.db.atomic():
            for row in gone_rows:
                unindex_narrative(self.db, row["report_id"])
                for table in (*REPORT_ROWS, "corrections", "reports"):
                    self.db.execute(f"DELETE FROM {table} WHERE report_id = ?",
                                    [row["report_id"]])
            mark_pending(self.db, {r["agency_key"] for r in gone_rows})
        self.affected.update(r["agency_key"] for r in gone_rows)
        self.result.pruned = [r["report_id"] for r in gone_rows]
