"""Extraction speed, side by side in one run on the same PDFs, single process:

1. plain ``camelot.read_pdf(path, pages="all", flavor="lattice")`` (default settings),
2. the same call with ``engine="vector"`` (tables only, no workbook),
3. ``etl.extract.extract_report`` (table pages from the text layer, their ruled grids,
   cell text by position, mapping onto the template, checks) -> a ``Report``,
4. the whole ``ogi extract`` of one PDF, ``--jobs 1``: ``extract_to_sheets`` as the command
   runs it, PDF -> finished review workbook (page images included) on disk,

and the floor: reading every page's text layer with pypdfium2. Prints seconds per report
(best of the rounds, rounds interleaving the methods so that a noisy neighbour slows all
alike) and the ratios issue 15 asks for (the whole extraction against 1 and 2); then
``--jobs`` all cores and the skip of an unchanged PDF. ``--profile``: where the whole
extraction's time goes, per report (cProfile, one pass).

    python benchmarks/extract_speed.py [DIR ...]   # default: ../shared/corpus-dev and
                                                   # ../shared/real-reports (else samples/)
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
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


def whole(path: Path) -> None:
    """``ogi extract PDF --sheets DIR --jobs 1``, into a new folder (no workbook to skip)."""
    with tempfile.TemporaryDirectory() as tmp:
        outcome, = extract_to_sheets([path], tmp, jobs=1)
        assert outcome.status == "written", outcome


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
    parser.add_argument("dirs", nargs="*", type=Path, default=[
        REPO.parent / "shared" / "corpus-dev", REPO.parent / "shared" / "real-reports"])
    parser.add_argument("--rounds", type=int, default=3, help="best of N rounds")
    parser.add_argument("--profile", action="store_true",
                        help="where the whole extraction's time goes")
    args = parser.parse_args()
    pdfs = [p for d in args.dirs if d.exists() for p in sorted(d.glob("*.pdf"))]
    pdfs = pdfs or sorted((REPO / "samples").glob("*.pdf"))
    warnings.simplefilter("ignore")
    logging.getLogger("camelot").setLevel(logging.ERROR)
    whole(pdfs[0])  # warm imports so no method pays for them
    plain(pdfs[0], engine="vector")
    if args.profile:
        profile(pdfs)
        return
    results = timed({
        "camelot lattice (default)": plain,
        "camelot lattice engine=vector": lambda p: plain(p, engine="vector"),
        "ogi extract_report (Report)": extract_report,
        "ogi extract (PDF -> workbook)": whole,
        "text layer only (floor)": text_layer,
    }, pdfs, args.rounds)
    print(f"{len(pdfs)} PDFs, single process, seconds per report (best of {args.rounds}):")
    for name, seconds in results.items():
        print(f"  {name:<32} {seconds:8.3f}")
    lattice, vector = (results["camelot lattice (default)"],
                       results["camelot lattice engine=vector"])
    for name in ("ogi extract (PDF -> workbook)", "ogi extract_report (Report)"):
        ours = results[name]
        print(f"{name}: {lattice / ours:.1f}x plain lattice, {vector / ours:.1f}x engine=vector")
    stage(pdfs)


# The stages of the whole extraction, as the profile names them.
STAGES = [
    ("extract + page images", "etl/extract.py", "_extract"),
    ("  open + text layer", "etl/pdf.py", "__init__"),
    ("  ruled grids (pdfium paths)", "etl/lattice.py", "grids"),
    ("    of which Camelot itself", "etl/lattice.py", "ruled_tables"),
    ("  text-only reading", "etl/textgrid.py", "borderless_grids"),
    ("  mapping onto the template", "etl/mapping.py", "map_grid"),
    ("  table regions", "etl/extract.py", "_regions"),
    ("  page images", "etl/pageimage.py", "rendered"),
    ("write_workbook", "etl/sheets.py", "write_workbook"),
    ("  OOXML parts + zip", "etl/ooxml.py", "save"),
    ("checks", "etl/checks.py", "check_report"),
]


def profile(pdfs: list[Path]) -> None:
    """cProfile of the whole extraction of every PDF once: seconds per report by stage."""
    prof = cProfile.Profile()
    prof.enable()
    for pdf in pdfs:
        whole(pdf)
    prof.disable()
    stats = pstats.Stats(prof).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    total = sum(tt for _cc, _nc, tt, _ct, _callers in stats.values())
    print(f"{len(pdfs)} PDFs, cProfile (adds overhead), seconds per report:")
    print(f"  {'whole (profiled)':<32} {total / len(pdfs):8.3f}")
    for label, file, name in STAGES:
        ct = sum(v[3] for k, v in stats.items() if k[0].endswith(file) and k[2] == name)
        print(f"  {label:<32} {ct / len(pdfs):8.3f}")


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
