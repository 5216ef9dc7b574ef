"""Extraction accuracy against truth files (the format of ../shared/corpus-dev/truth/).

Prints, per report and in total: cell accuracy, reports fully correct, wrong cells that no
failed check or flag catches, and seconds per report.

    python benchmarks/accuracy.py [DIR ...] [--scans]
    # default: ../shared/corpus-dev, ../shared/real-reports, samples/, tests/fixtures/
    # --scans: also the scan set, SCANS made from samples/ by scripts/make_scans.py (OCR)

Truth files are looked up beside the PDFs (``truth/<stem>.json``), in tests/expected (the
samples) and in tests/fixtures/real-truth (the published reports, checked by hand).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from etl.checks import check_report
from etl.errors import EtlError
from etl.extract import extract_report
from etl.report import LOW_CONFIDENCE, UNPARSED

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

# The scan set: (sample, how it is scanned); its truth is the sample's (tests/expected).
SCANS = [
    ("000_59d377ad04b23a3b", dict(dpi=200, skew=1.5, speckle=0.0003, blur=0.6, seed=1)),
    ("001_1f6271bab0582421", dict(dpi=300, mode="bw", skew=-2.0, tables_only=True, seed=2)),
    ("002_a9c952ea755c5d56", dict(mode="rgb", seal=True, skew=0.8, tables_only=True, seed=3)),
    ("003_dca3b8d882aa9ceb", dict(dpi=150, quality=40, seed=4)),
    ("004_dc6eabfeda6fcd8b", dict(dpi=250, skew=3.0, quality=30, seed=5)),
]


def make_scan_set(folder: Path) -> Path:
    """The scan set's PDFs in ``folder``, each named after its sample (so its truth is
    found in tests/expected)."""
    from make_scans import Scan, make_scan

    for stem, how in SCANS:
        make_scan(REPO / "samples" / f"{stem}.pdf", folder / f"{stem}.pdf", Scan(**how))
    return folder


def truth_for(pdf: Path) -> Path | None:
    for candidate in (pdf.parent / "truth" / f"{pdf.stem}.json",
                      REPO / "tests" / "expected" / f"{pdf.stem}.json",
                      REPO / "tests" / "fixtures" / "real-truth" / f"{pdf.stem}.json"):
        if candidate.exists():
            return candidate
    return None


def score(pdf: Path, truth: dict) -> dict:
    start = time.perf_counter()
    try:
        report = extract_report(pdf)
    except EtlError as e:
        # refused whole, by name (e.g. a scan too coarse for OCR: manual entry): no cell is
        # right, none is a silent wrong value either
        return {"file": pdf.name, "error": str(e), "seconds": time.perf_counter() - start,
                "cells": len(truth["cells"]), "right": 0, "uncaught": 0}
    seconds = time.perf_counter() - start
    failed = [c for c in check_report(report) if not c.ok]
    right = uncaught = 0
    for c in truth["cells"]:
        cell = report.cells[(c["table"], c["item"], c["measure"])]
        if cell.value == c["value"] and (cell.value is None) == (c["value"] is None):
            right += 1
            continue
        caught = (LOW_CONFIDENCE in cell.flags or UNPARSED in cell.flags or any(
            f.subject in (cell.item, cell.measure) and f.rule.startswith(cell.section)
            for f in failed))
        uncaught += not caught
    meta_ok = (report.agency, report.year, report.template) == (
        truth["agency"], truth["year"], truth["template"])
    return {"file": pdf.name, "cells": len(truth["cells"]), "right": right,
            "uncaught": uncaught, "meta_ok": meta_ok, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shared = REPO.parent / "shared"
    parser.add_argument("dirs", nargs="*", type=Path,
                        default=[shared / "corpus-dev", shared / "real-reports",
                                 REPO / "samples", REPO / "tests" / "fixtures"])
    parser.add_argument("--scans", action="store_true",
                        help="also the scan set made from samples/ (OCR; about 2 minutes)")
    args = parser.parse_args(argv)
    groups: dict[Path, list[dict]] = {}
    dirs = list(args.dirs)
    if args.scans:
        import tempfile

        dirs.append(make_scan_set(Path(tempfile.mkdtemp(prefix="ogi-")) / "scans"))
    for folder in dirs:
        for pdf in sorted(folder.glob("*.pdf")):
            truth = truth_for(pdf)
            if truth is None:
                print(f"skip {pdf}: no truth file", file=sys.stderr)
                continue
            groups.setdefault(folder, []).append(
                score(pdf, json.loads(truth.read_text(encoding="utf-8"))))
    if not groups:
        print("no PDFs with truth files found", file=sys.stderr)
        return 1
    print(f"{'file':<32} {'cells':>6} {'right':>6} {'uncaught':>8} {'meta':>5} {'s':>6}")
    for folder, rows in groups.items():
        print(f"-- {folder}")
        for r in rows:
            note = f"  ERROR {r['error']}" if "error" in r else ""
            print(f"{r['file']:<32} {r['cells']:>6} {r['right']:>6} {r['uncaught']:>8} "
                  f"{'ok' if r.get('meta_ok') else 'BAD':>5} {r['seconds']:>6.2f}{note}")
    print()
    for folder, rows in [*groups.items(), (Path("all"), [r for g in groups.values()
                                                         for r in g])]:
        print(f"{folder.name:<14} {summary_line(rows)}")
    return 0


def summary_line(rows: list[dict]) -> str:
    cells = sum(r["cells"] for r in rows)
    right = sum(r["right"] for r in rows)
    full = sum(r["right"] == r["cells"] and r.get("meta_ok", False) for r in rows)
    return (f"reports: {len(rows):>3}   cell accuracy: {right}/{cells} = "
            f"{100 * right / cells:.2f}%   reports fully correct: {full}/{len(rows)}   "
            f"wrong cells not caught: {sum(r['uncaught'] for r in rows)}   "
            f"refused: {sum('error' in r for r in rows)}   "
            f"seconds/report: {sum(r['seconds'] for r in rows) / len(rows):.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
