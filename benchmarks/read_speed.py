"""The loader's reading of workbooks alone (no database): ``etl.load._read`` of N workbooks
in one process, then the same workbooks through the loader's pool (``etl.load._read_all``),
the results consumed and dropped as the writer would receive them. Prints milliseconds per
workbook: wall and CPU of the one process; wall of the pool, CPU of its workers and of the
parent (which unpickles every result); and the CPU of the one-pass reader of ogi's own
workbooks alone (``etl.xlsx_scan.read_own``, the largest part of the first).

    python benchmarks/read_speed.py DIR [-n 1000] [--jobs 2] [--rounds 3]

DIR holds the workbooks (``benchmarks/load.py --keep DIR`` writes them into DIR/sheets);
when it has fewer than N, N are generated into it first (not timed). Rounds interleave the
two modes; the best round of each is printed, with every round's figure beside it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl import load as loader  # noqa: E402
from etl import sheets_read, xlsx_scan  # noqa: E402


def _workbooks(folder: Path, n: int) -> list[Path]:
    sheets = folder / "sheets" if (folder / "sheets").is_dir() else folder
    paths = sorted(sheets.glob("*.xlsx"))
    if len(paths) < n:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from load import generate  # benchmarks/load.py

        sheets.mkdir(parents=True, exist_ok=True)
        generate(n, sheets)
        paths = sorted(sheets.glob("*.xlsx"))
    return paths[:n]


def one_process(paths: list[Path]) -> tuple[float, float, int]:
    """(wall ms, CPU ms) per workbook, and how many were refused."""
    wall, cpu = time.perf_counter(), time.process_time()
    refused = sum(1 for p in paths if loader._read(p)[0] is None)
    return ((time.perf_counter() - wall) * 1000 / len(paths),
            (time.process_time() - cpu) * 1000 / len(paths), refused)


def read_own(paths: list[Path]) -> tuple[float, int]:
    """CPU ms per workbook of ``read_own`` alone, and how many it handed on (None)."""
    cpu = time.process_time()
    handed_on = sum(1 for p in paths if xlsx_scan.read_own(p, sheets_read._READ_SHEETS) is None)
    return (time.process_time() - cpu) * 1000 / len(paths), handed_on


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pool(paths: list[Path], jobs: int) -> tuple[float, float, float]:
    """(wall ms, workers' CPU ms, parent's CPU ms) per workbook, through the loader's pool."""
    wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    for _read in loader._read_all(paths, jobs):
        pass
    n = len(paths)
    return ((time.perf_counter() - wall) * 1000 / n, (_children_cpu() - children) * 1000 / n,
            (time.process_time() - cpu) * 1000 / n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=("one", "pool"),
                        help="one mode only, one round, no warm-up (for timing whole runs from "
                             "outside, two commands in turn)")
    args = parser.parse_args()
    paths = _workbooks(args.folder, args.n)
    print(f"{len(paths)} workbooks from {paths[0].parent}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.only:
        print(one_process(paths) if args.only == "one" else pool(paths, args.jobs))
        return
    loader._read(paths[0])  # imports and per-template caches: not what is measured
    ones, pools, owns = [], [], []
    for _ in range(args.rounds):
        ones.append(one_process(paths))
        pools.append(pool(paths, args.jobs))
        owns.append(read_own(paths))
    wall, cpu, refused = min(ones)
    print(f"one process: {wall:.2f} ms/workbook wall, {cpu:.2f} ms CPU, {refused} refused  "
          f"(rounds: {', '.join(f'{w:.2f}' for w, _, _ in ones)})")
    own, handed_on = min(owns)
    print(f"read_own alone: {own:.2f} ms/workbook CPU, {handed_on} handed on to the general "
          f"reader  (rounds: {', '.join(f'{c:.2f}' for c, _ in owns)})")
    wall, workers, parent = min(pools)
    print(f"pool of {args.jobs}: {wall:.2f} ms/workbook wall ({wall * len(paths) / 1000:.1f} s "
          f"for {len(paths)}), workers {workers:.2f} ms CPU, parent {parent:.2f} ms CPU  "
          f"(rounds: {', '.join(f'{w:.2f}' for w, _, _ in pools)})")


if __name__ == "__main__":
    main()
