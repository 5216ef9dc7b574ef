"""Loading at scale: generate N review workbooks from the sample reports (random values),
then time `ogi load` from scratch, print its peak RSS, and time the reload after one
workbook is corrected.

    python benchmarks/load.py [-n 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from copy import deepcopy
from pathlib import Path

import openpyxl

from etl.extract import extract_report
from etl.sheets import layout, write_workbook

REPO = Path(__file__).resolve().parent.parent


def _write(args: tuple[int, Path]) -> None:
    i, out = args
    report = deepcopy(_BASES[i % len(_BASES)])
    report.report_id = f"gen-{i:05d}"
    report.agency = f"{report.agency}{i // 10}"
    report.year = 2015 + i % 10  # ten consecutive years per agency: chain checks run
    rng = random.Random(i)
    for cell in report.cells.values():
        if isinstance(cell.value, int) and cell.measure != "change":
            cell.value = rng.randint(0, 500)
    write_workbook(report, out / f"{report.report_id}.xlsx")


_BASES: list = []


def generate(n: int, out: Path) -> None:
    """Write ``n`` workbooks (both cores: writing xlsx is slow; it is setup, not measured)."""
    _BASES[:] = [extract_report(p) for p in sorted((REPO / "samples").glob("*.pdf"))]
    with ProcessPoolExecutor() as pool:  # workers inherit _BASES (fork)
        list(pool.map(_write, ((i, out) for i in range(n)), chunksize=32))


def run_load(sheets: Path, db: Path) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "etl", "load", "--sheets", str(sheets),
                           "--db", str(db)], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"load failed:\n{proc.stderr[-2000:]}")
    return elapsed, proc.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="workbooks to generate")
    parser.add_argument("--keep", type=Path, help="folder to keep the workbooks and db in")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ogi-bench-"))
    sheets, db = work / "sheets", work / "ogi.db"
    sheets.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    generate(args.n, sheets)
    print(f"generated {args.n} workbooks in {time.perf_counter() - start:.1f} s ({work})")
    db.unlink(missing_ok=True)
    seconds, summary = run_load(sheets, db)
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    cells = args.n * 200
    print(f"load from scratch: {seconds:.1f} s for {args.n} workbooks (~{cells:,} cells), "
          f"{args.n / seconds:.0f} workbooks/s, peak RSS {rss_mb:.0f} MB  [{summary}]")
    path = sheets / "gen-00000.xlsx"
    wb = openpyxl.load_workbook(path)
    template = next(v for k, v, *_ in wb["meta"].iter_rows(values_only=True) if k == "template")
    sheet, row, col = layout(str(template))[("requests", "new", "natural_person")]
    wb[sheet].cell(row, col).value = 9999
    wb.save(path)
    seconds, summary = run_load(sheets, db)
    print(f"reload after one correction: {seconds:.2f} s  [{summary}]")


if __name__ == "__main__":
    main()
