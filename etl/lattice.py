"""The ruled-grid reader: Camelot's lattice finds the grid of each ruled table, and each
cell's text is read from the text layer inside its (merged) box, by position.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any

from etl.pdf import AS_DRAWN, Grid, ReportPdf, Span, View

# Camelot only has to find the ruled grid: cell text is read from pdfium by position, so
# pdfminer's grouping of characters into text boxes (most of Camelot's time) is skipped.
_LINES_ONLY = {"boxes_flow": None, "detect_vertical": False, "all_texts": False}


def ruled_tables(pdf: ReportPdf, pages: list[int]) -> list[Any]:
    """Camelot's lattice tables on ``pages`` (each with ``.page`` and ``.cells``), read from
    a copy Camelot accepts where the file itself is refused (``ReportPdf.readable_copy``)."""
    import camelot  # heavy import, only when a PDF is really parsed

    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as tmp:
        warnings.simplefilter("ignore")
        logging.getLogger("camelot").setLevel(logging.ERROR)
        source = pdf.readable_copy(Path(tmp), pages)
        return list(camelot.read_pdf(str(source), pages=",".join(map(str, pages)),
                                     flavor="lattice", engine="vector",
                                     layout_kwargs=_LINES_ONLY))


def _merged_origin(cells: Any, r: int, c: int) -> tuple[int, int]:
    """The top-left cell of the merged cell that covers (r, c)."""
    while c > 0 and not cells[r][c].left:
        c -= 1
    while r > 0 and not cells[r][c].top:
        r -= 1
    return r, c


def _merged_end(cells: Any, r: int, c: int) -> tuple[int, int]:
    """The bottom-right cell of the merged cell whose top-left is (r, c)."""
    nrows, ncols = len(cells), len(cells[0])
    r1, c1 = r, c
    while c1 < ncols - 1 and not cells[r][c1].right:
        c1 += 1
    while r1 < nrows - 1 and not cells[r1][c].bottom:
        r1 += 1
    return r1, c1


def table_grid(table: Any, textpage: Any, view: View = AS_DRAWN) -> Grid:
    """The grid of a Camelot ``table`` with each cell replaced by its merged span, whose text
    is read from the text layer inside the span's box (robust where Camelot attaches text
    to the wrong row). Boxes are in the text layer's space."""
    cells = table.cells
    cache: dict[tuple[int, int], Span] = {}
    grid: Grid = []
    for r in range(len(cells)):
        row = []
        for c in range(len(cells[0])):
            r0, c0 = _merged_origin(cells, r, c)
            if (r0, c0) not in cache:
                r1, c1 = _merged_end(cells, r0, c0)
                box = view.stored((cells[r0][c0].x1, cells[r1][c0].y1, cells[r0][c1].x2,
                                   cells[r0][c0].y2))
                cache[(r0, c0)] = Span(textpage.get_text_bounded(*box).strip(), box)
            row.append(cache[(r0, c0)])
        grid.append(row)
    return grid


class Lattice:
    """The ruled grids of a PDF's ruled table pages, read by Camelot in one pass on first
    use (a pass per page would parse the file's structure again for each)."""

    def __init__(self, pdf: ReportPdf, pages: list[int]) -> None:
        self.pdf, self.pages = pdf, pages
        self._grids: dict[int, list[Grid]] | None = None

    def grids(self, n: int) -> list[Grid]:
        """The ruled tables of page ``n`` as grids (none when lattice finds no grid)."""
        if self._grids is None:
            self._grids = {}
            for table in ruled_tables(self.pdf, self.pages) if self.pages else []:
                grid = table_grid(table, self.pdf.textpage(table.page),
                                  self.pdf.view(table.page))
                self._grids.setdefault(table.page, []).append(grid)
        return self._grids.get(n, [])
