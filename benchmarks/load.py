"""Loading at scale: generate N review workbooks from the sample reports, as chains of
consecutive years per agency (so the loader's cross-year checks run), then time `ogi load`
from scratch, print its peak RSS and the count of cross-year check rows, and time the reload
after one workbook is corrected.

Each workbook's values are its sample report's, all multiplied by a whole number of its own
(1-9), so that a report's identities hold as they mostly do in real reports (extracted, each
of the five sample reports fails 0 of its 40-42 checks; of the three published PDFs in
../shared/real-reports one fails 2 of 42); one workbook in five then has one value off by
1-9, a misprint that fails a check or two. A cross-year check can fail as well: each year
has its own multiplier.
``--random-values`` gives every value a random number 0-500 instead (the generator before
2026-12-03: ~90% of the checks fail, and the site then lists 443,000 failures at 10,000).

    python benchmarks/load.py [-n 10000] [--keep DIR]   # --keep DIR reuses its workbooks
    python benchmarks/load.py -n 1000 --keep DIR --writer  # the writer alone, per report
    python benchmarks/load.py -n 10000 --keep DIR --phases  # where a load's time goes

``--writer`` reads the workbooks once (the readers also make each report's rows), then
times the loader writing them (the main process's share of a load: inserting rows, the
full-text index, indexes, cross-year checks) into a new database, and prints where its time
per report goes. ``--phases`` times a whole load from scratch part by part.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from copy import deepcopy
from pathlib import Path

import openpyxl

from etl.extract import extract_report
from etl.layout import CELLS_JSON, layout
from etl.sheets import write_workbook
from etl.sheets_read import read_workbook

REPO = Path(__file__).resolve().parent.parent


# Each agency has a chain of CHAIN consecutive years, all drawn from one sample report (so
# one template throughout): the loader checks every year against the one before. (Before,
# workbook i took sample i % 5 and agency i // 10, so an agency's two reports were five
# years apart and no cross-year check ever ran.)
CHAIN = 10


def _write(args: tuple[int, Path, bool]) -> None:
    i, out, random_values = args
    agency = i // CHAIN
    report = deepcopy(_BASES[agency % len(_BASES)])
    report.report_id = f"gen-{i:05d}"
    report.agency = f"{report.agency}{agency}"
    report.year = 2015 + i % CHAIN
    rng = random.Random(i)
    counts = [c for c in report.cells.values() if type(c.value) is int]
    if random_values:
        for cell in counts:
            if cell.measure != "change":
                cell.value = rng.randint(0, 500)
    else:
        k = rng.randint(1, 9)  # the identities are sums: each still holds
        for cell in counts:
            cell.value *= k
        if rng.random() < 0.2:
            rng.choice(counts).value += rng.randint(1, 9)
    write_workbook(report, out / f"{report.report_id}.xlsx")


_BASES: list = []


def generate(n: int, out: Path, random_values: bool = False) -> None:
    """Write ``n`` workbooks (both cores: writing xlsx is slow; it is setup, not measured)."""
    _BASES[:] = [extract_report(p) for p in sorted((REPO / "samples").glob("*.pdf"))]
    with ProcessPoolExecutor() as pool:  # workers inherit _BASES (fork)
        list(pool.map(_write, ((i, out, random_values) for i in range(n)), chunksize=32))


def reference() -> float:
    """Seconds (best of 3) of a fixed pure-Python loop: the processor's speed at the time.
    The two vCPUs share a host: the same load of the same workbooks took 36 s one day and
    66-95 s the next. The loop sees computation only: 0.28-0.31 s beside loads of 85 and
    95 s, but 0.17-0.19 s beside a 96 s one (--random-values, 39 s the day before), so a
    slow load beside a fast loop is slow elsewhere (memory, the disk)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        sum(i * i for i in range(3_000_000))
        best = min(best, time.perf_counter() - start)
    return best


def run_load(sheets: Path, db: Path) -> tuple[float, float, float, str]:
    """Seconds, peak RSS (MB) of the load process itself (wait4: RUSAGE_CHILDREN would also
    count the generator's worker processes), its CPU seconds with its readers', and ogi's
    summary line."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "etl", "load", "--sheets", str(sheets),
                                 "--db", str(db)], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        sys.exit(f"load failed:\n{stderr[-2000:]}")
    # ogi's count line (载入 … -> db), not the "next step" hint after it
    lines = stdout.strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime  # with the reader processes it waited for
    return elapsed, usage.ru_maxrss / 1024, cpu, next((x for x in lines if " -> " in x), lines[-1])


def chain_rows(db: Path) -> tuple[int, int]:
    """Cross-year check rows in the database, and the reports that have one."""
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*), count(DISTINCT report_id) FROM checks "
                            "WHERE previous_report_id IS NOT NULL").fetchone()


def failing(db: Path) -> tuple[int, int]:
    """Check rows that fail, and all check rows."""
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT coalesce(sum(ok = 0), 0), count(*) FROM checks").fetchone()


def _timed(spent: dict[str, float], owner: object, name: str, label: str) -> None:
    """``owner.name`` replaced by itself adding its seconds to ``spent[label]``."""
    real = getattr(owner, name)

    def run(*args: object, **kwargs: object) -> object:
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
    setattr(owner, name, run)


def time_writer(sheets: Path, db: Path) -> None:
    """The writer alone: ``_Load.run`` over reads made beforehand, each part timed."""
    from etl import load as loader
    from etl import store

    paths = list(loader.workbooks(sheets))
    reads = dict(zip(paths, loader._read_all(paths, 0), strict=True))
    loader._read_all = lambda ps, jobs: (reads[p] for p in ps)
    spent: dict[str, float] = {}
    for owner, name in ((loader, "write_rows"), (store.NarrativeIndex, "flush"),
                        (loader, "create_indexes"), (loader, "write_chain_checks")):
        _timed(spent, owner, name, name)
    db.unlink(missing_ok=True)
    conn = loader._open(db)
    start = time.perf_counter()
    result = loader._Load(conn, False, None, 0).run(sheets, False)
    seconds = time.perf_counter() - start
    conn.close()
    n = len(result.loaded)
    parts = ", ".join(f"{name} {1000 * t / n:.2f}" for name, t in spent.items())
    print(f"writer: {1000 * seconds / n:.2f} ms per report ({n} reports, {seconds:.1f} s); "
          f"of which ms per report: {parts}")


def time_phases(sheets: Path, db: Path) -> None:
    """``ogi load`` from scratch in this process, each part of the main process's time
    measured: waiting for the readers, writing rows, the full-text index, commits, the bulk
    indexes, the cross-year checks, the site's tables; and the CPU of both sides."""
    import resource
    from contextlib import contextmanager

    from etl import load as loader
    from etl.db import Db

    spent: dict[str, float] = {}

    def add(name: str, start: float) -> None:
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

    for owner, name, label in ((loader, "write_rows", "writing rows"),
                               (loader.NarrativeIndex, "flush", "full-text index"),
                               (loader, "create_indexes", "bulk indexes"),
                               (loader, "write_chain_checks", "cross-year checks"),
                               (loader, "ensure_views", "site tables")):
        _timed(spent, owner, name, label)
    read_all = loader._read_all

    def waited(paths: list[Path], jobs: int) -> object:
        reads = read_all(paths, jobs)
        while True:
            start = time.perf_counter()
            try:
                read = next(reads)
            except StopIteration:
                return
            finally:
                add("waiting for the readers", start)
            yield read
    loader._read_all = waited
    atomic = Db.atomic

    @contextmanager
    def committed(self: Db) -> object:
        with atomic(self) as inner:
            yield inner
            start = time.perf_counter()
        add("commits", start)
    Db.atomic = committed

    def children() -> float:  # the generator's workers, when it ran first, not counted
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    db.unlink(missing_ok=True)
    start, cpu, before = time.perf_counter(), time.process_time(), children()
    result = loader.load(sheets, db)
    seconds, own = time.perf_counter() - start, time.process_time() - cpu
    n = len(result.loaded)
    print(f"load from scratch in one process: {seconds:.1f} s for {n} workbooks; CPU: main "
          f"process {own:.1f} s, readers {children() - before:.1f} s")
    for name, t in spent.items():
        print(f"  {name}: {t:.1f} s ({1000 * t / n:.2f} ms per report)")
    failed, checks = failing(db)
    print(f"checks failed: {failed:,} of {checks:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10000, help="workbooks to generate")
    parser.add_argument("--keep", type=Path, help="folder to keep the workbooks and db in")
    parser.add_argument("--writer", action="store_true",
                        help="time the writer alone (reads made first), not ogi load")
    parser.add_argument("--phases", action="store_true",
                        help="time each part of a load from scratch (in this process)")
    parser.add_argument("--random-values", action="store_true",
                        help="a random value 0-500 in every cell (most checks fail)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ogi-bench-"))
    sheets, db = work / "sheets", work / "ogi.db"
    sheets.mkdir(parents=True, exist_ok=True)
    # --keep: reuse workbooks generated by an earlier run, of the same kind and ogi's format
    kind = (f"{args.n} workbooks, {'random' if args.random_values else 'scaled'} values, "
            f"_cells as {CELLS_JSON}\n")
    made = work / "generated.txt"
    if not made.is_file() or made.read_text() != kind:
        for old in sheets.glob("gen-*.xlsx"):
            old.unlink()
        start = time.perf_counter()
        generate(args.n, sheets, args.random_values)
        made.write_text(kind)
        print(f"generated {args.n} workbooks in {time.perf_counter() - start:.1f} s ({work})")
    if args.writer:
        time_writer(sheets, work / "writer.db")
        return
    if args.phases:
        time_phases(sheets, work / "phases.db")
        return
    db.unlink(missing_ok=True)
    speed = reference()
    seconds, rss_mb, cpu, summary = run_load(sheets, db)
    speed_after = reference()
    cells = args.n * 200
    rows, reports = chain_rows(db)
    print(f"load from scratch: {seconds:.1f} s for {args.n} workbooks (~{cells:,} cells), "
          f"{args.n / seconds:.0f} workbooks/s, CPU {cpu:.1f} s, peak RSS {rss_mb:.0f} MB  "
          f"[{summary}]")
    print(f"machine reference (benchmarks/load.py reference(), best of 3): {speed:.3f} s "
          f"before the load, {speed_after:.3f} s after")
    print(f"cross-year checks: {rows:,} rows, for {reports:,} reports "
          f"({args.n // CHAIN} agencies x {CHAIN} consecutive years)")
    failed, checks = failing(db)
    print(f"checks failed: {failed:,} of {checks:,}")
    path = sheets / "gen-00000.xlsx"
    wb = openpyxl.load_workbook(path)
    # the template from the reader: the meta sheet's first column holds labels, not codes
    sheet, row, col = layout(read_workbook(path).template)[("requests", "new", "natural_person")]
    wb[sheet].cell(row, col).value = 9999
    wb.save(path)
    seconds, _, _, summary = run_load(sheets, db)
    print(f"reload after one correction: {seconds:.2f} s  [{summary}]")


if __name__ == "__main__":
    main()
