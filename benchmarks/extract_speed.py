"""Extraction speed, side by side in one run on the same PDFs, single process:

1. plain ``camelot.read_pdf(path, pages="all", flavor="lattice")`` (default settings),
2. the same call with ``engine="vector"``,
3. ``etl.extract.extract_report`` (table pages from the text layer, vector engine there,
   cell text by position) — the full extraction, including mapping onto the template,

and the floor: reading every page's text layer with pypdfium2. Prints seconds per report
and the two ratios; then the whole ``ogi extract`` stage (extraction + review workbook) with
one worker and with ``--jobs`` all cores, and the skip of an unchanged PDF.

    python benchmarks/extract_speed.py [DIR ...]   # default: samples/ and ../shared/corpus-dev
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import camelot
import pypdfium2 as pdfium

from etl.build import extract_to_sheets
from etl.extract import extract_report

REPO = Path(__file__).resolve().parent.parent


def plain(path: Path, **kwargs: str) -> None:
    camelot.read_pdf(str(path), pages="all", flavor="lattice", **kwargs)


def text_layer(path: Path) -> None:
    doc = pdfium.PdfDocument(str(path))
    for page in doc:
        page.get_textpage().get_text_range()
    doc.close()


def timed(methods: dict[str, Callable[[Path], object]], pdfs: list[Path], rounds: int
          ) -> dict[str, float]:
    """Best seconds per report of each method; rounds interleave the methods so that a
    noisy neighbour slows them all alike."""
    best = dict.fromkeys(methods, float("inf"))
    for _ in range(rounds):
        for name, fn in methods.items():
            start = time.perf_counter()
            for pdf in pdfs:
                fn(pdf)
            best[name] = min(best[name], (time.perf_counter() - start) / len(pdfs))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path,
                        default=[REPO / "samples", REPO.parent / "shared" / "corpus-dev"])
    parser.add_argument("--rounds", type=int, default=3, help="best of N rounds")
    args = parser.parse_args()
    pdfs = [p for d in args.dirs if d.exists() for p in sorted(d.glob("*.pdf"))]
    warnings.simplefilter("ignore")
    logging.getLogger("camelot").setLevel(logging.ERROR)
    extract_report(pdfs[0])  # warm imports so no method pays for them
    results = timed({
        "camelot lattice (default)": plain,
        "camelot lattice engine=vector": lambda p: plain(p, engine="vector"),
        "ogi extract_report": extract_report,
        "text layer only (floor)": text_layer,
    }, pdfs, args.rounds)
    print(f"{len(pdfs)} PDFs, single process, seconds per report:")
    for name, seconds in results.items():
        print(f"  {name:<32} {seconds:8.3f}")
    ours = results["ogi extract_report"]
    print(f"speed-up vs plain lattice: {results['camelot lattice (default)'] / ours:.1f}x   "
          f"vs engine=vector: {results['camelot lattice engine=vector'] / ours:.1f}x")
    stage(pdfs)


def stage(pdfs: list[Path]) -> None:
    """``extract_to_sheets`` as ``ogi extract`` runs it: workbooks written, then skipped."""
    unique = list({p.stem: p for p in pdfs}.values())  # one workbook per report id
    for jobs in (1, os.cpu_count() or 1):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            outcomes = list(extract_to_sheets(unique, tmp, jobs=jobs))
            seconds = (time.perf_counter() - start) / len(unique)
            assert all(o.status == "written" for o in outcomes), outcomes
            start = time.perf_counter()
            again = list(extract_to_sheets(unique, tmp, jobs=1))
            skip_ms = 1000 * (time.perf_counter() - start) / len(unique)
            assert all(o.status == "unchanged" for o in again)
        print(f"ogi extract (PDF -> workbook), --jobs {jobs}: {seconds:.3f} s per report")
    print(f"unchanged PDF with its workbook: skipped in {skip_ms:.1f} ms")


if __name__ == "__main__":
    main()
