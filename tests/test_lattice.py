"""The ruled grids read from pdfium's path objects (``etl.lattice.vector_tables``) are the
ones Camelot's lattice (vector engine) finds, cell for cell, on every ruled page of the
samples and the fixtures (rotated pages, owner-password files, LibreOffice exports, tables
split over pages, merged cells), so the faster reading changes no extraction."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from etl.lattice import ruled_tables, vector_tables
from etl.pdf import ReportPdf

REPO = Path(__file__).resolve().parent.parent
PDFS = [p for d in ("samples", "tests/fixtures") for p in sorted((REPO / d).glob("*.pdf"))
        if p.stem != "user-password"]


def _same(ours: list, camelots: list) -> bool:
    """Same grids: rows, columns, edges; boxes within 0.001 pt (pdfium keeps floats)."""
    if [t.page for t in ours] != [t.page for t in camelots]:
        return False
    for a, b in zip(ours, camelots, strict=True):
        if [len(r) for r in a.cells] != [len(r) for r in b.cells]:
            return False
        for x, y in zip((c for r in a.cells for c in r), (c for r in b.cells for c in r),
                        strict=True):
            if (x.left, x.right, x.top, x.bottom) != (y.left, y.right, y.top, y.bottom):
                return False
            if max(abs(p - q) for p, q in zip((x.x1, x.y1, x.x2, x.y2),
                                               (y.x1, y.y1, y.x2, y.y2), strict=True)) > 1e-3:
                return False
    return True


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: p.stem)
def test_vector_tables_are_camelots(pdf: Path) -> None:
    warnings.simplefilter("ignore")
    with ReportPdf(pdf) as doc:
        ruled = [n for n in range(1, len(doc.texts) + 1) if doc.is_ruled(n)]
        for n in ruled:
            ours = vector_tables(doc, n)
            assert ours is not None, f"page {n} left to Camelot"
            camelots = ruled_tables(doc, [n])
            assert _same(ours, camelots), f"page {n}: {[len(t.cells) for t in ours]} vs " \
                f"{[len(t.cells) for t in camelots]}"
