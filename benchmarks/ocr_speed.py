"""Seconds per scanned table page, single process: OCR's reading of an image page into
grids (render, straighten, rules, recogniser), on scans of samples/ made by
scripts/make_scans.py (200 dpi grey, skewed 1°, table pages only). The model's one-time
load is timed apart; pages on which no ruled table is found (a table's heading at the foot
of a prose page) are listed but not counted as table pages.

Each page is read ``--rounds`` times and its median taken (the machine is shared: one
slow or lucky read must not move it); printed: per page wall and CPU seconds, then the
table pages' min / median / max and mean, and the load average before and after. With
``--profile``, where each page's time goes (exclusive wall seconds per stage, summed over
the table pages and divided by their number).

    python benchmarks/ocr_speed.py [--dpi 200] [--samples N] [--rounds 3] [--profile]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from make_scans import Scan, _table_pages, make_scan  # noqa: E402

from etl import ocr  # noqa: E402

# The stages of etl.ocr a page's time is split into (the functions each one's time is
# spent in; a function called inside another counts for its own stage only).
STAGES = {
    "render": ["render"],
    "seal removal": ["remove_seal"],
    "deskew": ["skew_angle", "rotate", "_binary", "_turned"],
    "grid finding": ["line_masks", "table_cells", "_ink_components", "_cell_lines",
                     "text_lines"],
    "recognition (model)": ["_run"],
    "recognition (crops, strips)": ["recognize", "_crop"],
    "decoding": ["_decode"],
    "cells to grid": ["_grid"],
}


class Profile:
    """Exclusive wall time per stage: each wrapped function's time less that of the
    wrapped functions it called."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._stack: list[float] = []  # per active call: its children's time so far

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                took = time.perf_counter() - start
                children = self._stack.pop()
                self.seconds[stage] += took - children
                if self._stack:
                    self._stack[-1] += took
        return timed

    def install(self) -> None:
        for stage, names in STAGES.items():
            for name in names:
                if name == "_run":  # the onnxruntime session's own call
                    engine = ocr._engine()
                    session = engine.session
                    session.run = self.wrap(stage, session.run)
                elif hasattr(ocr, name):
                    setattr(ocr, name, self.wrap(stage, getattr(ocr, name)))


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=200, help="the scans' resolution")
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="reads of each page")
    parser.add_argument("--profile", action="store_true", help="time per stage")
    args = parser.parse_args(argv)
    print(f"before: {_load()}")
    start = time.perf_counter()
    ocr._engine()
    print(f"model load: {time.perf_counter() - start:.2f} s (once per process)")
    profile = Profile()
    if args.profile:
        profile.install()
    walls, cpus, cells, every = [], [], 0, 0.0  # every: all rounds' wall, table pages
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted((REPO / "samples").glob("*.pdf"))[:args.samples]:
            scan = make_scan(source, Path(tmp) / source.name,
                             Scan(dpi=args.dpi, skew=1.0, tables_only=True, seed=1))
            doc = pdfium.PdfDocument(str(scan))
            for i in _table_pages(pdfium.PdfDocument(str(source))):
                wall, cpu = [], []
                kept = dict(profile.seconds)
                for _round in range(args.rounds):
                    start, started = time.perf_counter(), time.process_time()
                    grids, _text = ocr.read_page(doc[i])
                    wall.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - started)
                n = sum(len({id(s) for row in g for s in row}) for g in grids)
                w, c = statistics.median(wall), statistics.median(cpu)
                note = "" if n else "  (no ruled table: not a table page)"
                print(f"{source.stem} page {i + 1}: {w:.2f} s wall "
                      f"({min(wall):.2f}-{max(wall):.2f}), {c:.2f} s CPU, {n} cells{note}")
                if n:
                    walls.append(w)
                    cpus.append(c)
                    cells += n
                    every += sum(wall)
                else:
                    profile.seconds = kept
            doc.close()
    pages = len(walls)
    print(f"scanned table pages: {pages}, {cells} cells, {args.rounds} rounds each; "
          f"wall s/page min {min(walls):.2f} median {statistics.median(walls):.2f} "
          f"max {max(walls):.2f}; CPU s/page median {statistics.median(cpus):.2f}")
    print(f"{sum(walls) / pages:.2f} s per table page single process (mean wall; "
          f"target <= 5 s), {ocr._threads()} onnxruntime threads")
    if args.profile:
        reads = pages * args.rounds
        shares = {stage: s / reads for stage, s in profile.seconds.items()}
        total = every / reads
        shares["other"] = total - sum(shares.values())
        print(f"where a table page's time goes (mean of {reads} reads, {total:.2f} s):")
        for stage, per in shares.items():
            print(f"  {stage:<28} {per:6.2f} s  {100 * per / total:5.1f} %")
        print("  detection (the text detector) 0 s: not run; the grid gives the cells")
    print(f"after: {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
