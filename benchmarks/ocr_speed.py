"""Seconds per scanned table page, single process: OCR's reading of an image page into
grids (render, straighten, rules, recogniser), on scans of samples/ made by
scripts/make_scans.py (200 dpi grey, table pages only). The model's one-time load is
timed apart.

    python benchmarks/ocr_speed.py [--dpi 200] [--samples N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from make_scans import Scan, _table_pages, make_scan  # noqa: E402

from etl import ocr  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=200, help="the scans' resolution")
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    ocr._engine()
    print(f"model load: {time.perf_counter() - start:.2f} s (once per process)")
    seconds, pages, cells = 0.0, 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted((REPO / "samples").glob("*.pdf"))[:args.samples]:
            scan = make_scan(source, Path(tmp) / source.name,
                             Scan(dpi=args.dpi, skew=1.0, tables_only=True, seed=1))
            doc = pdfium.PdfDocument(str(scan))
            for i in _table_pages(pdfium.PdfDocument(str(source))):
                start = time.perf_counter()
                grids, _text = ocr.read_page(doc[i])
                took = time.perf_counter() - start
                n = sum(len({id(s) for row in g for s in row}) for g in grids)
                print(f"{source.stem} page {i + 1}: {took:.2f} s, {n} cells")
                seconds, pages, cells = seconds + took, pages + 1, cells + n
            doc.close()
    print(f"scanned table pages: {pages}, {cells} cells; "
          f"{seconds / pages:.2f} s per page single process (target <= 5 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
