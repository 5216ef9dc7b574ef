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


def _grid_ops(x: float, y: float, cols: int, rows: int, w: float, h: float,
              cell: str) -> list[str]:
    """Content operators drawing a ``rows`` x ``cols`` grid cell by cell with ``cell`` (a
    format of x, y, w, h), a number in each cell."""
    ops = []
    for r in range(rows):
        for c in range(cols):
            cx, cy = x + c * w, y - (r + 1) * h
            ops.append(cell.format(x=cx, y=cy, w=w, h=h, x1=cx + w, y1=cy + h))
            ops.append(f"BT /F1 9 Tf {cx + 4:.2f} {cy + 5:.2f} Td ({r * cols + c + 1}) Tj ET")
    return ops


def shapes_pdf(path: Path) -> Path:
    """A page whose grids are drawn every way Camelot's vector engine takes lines from:
    stroked rectangles (``re S``), rectangles closed by hand (``m l l l h S``), thin filled
    bars (``re f``), single segments (``m l S``, ``m l h S``) inside a scaled form XObject,
    and a polyline (``m l l S``) it ignores."""
    page = _grid_ops(60.5, 760.25, 3, 3, 80.25, 20.5, "{x:.2f} {y:.2f} {w:.2f} {h:.2f} re S")
    page += _grid_ops(360, 760, 2, 3, 90, 20,
                      "{x:.2f} {y:.2f} m {x1:.2f} {y:.2f} l {x1:.2f} {y1:.2f} l "
                      "{x:.2f} {y1:.2f} l h S")
    bars = []
    for r in range(5):
        bars.append(f"60 {640 - r * 22:.2f} 300 0.8 re f")
    for c in range(4):
        bars.append(f"{60 + c * 100:.2f} 551.2 0.8 89.6 re f")
    page += bars + [f"BT /F1 9 Tf {70 + c * 100} {625 - r * 22} Td ({r}{c}) Tj ET"
                    for r in range(4) for c in range(3)]
    page += ["100 300 m 300 300 l 300 200 l S", "q 0.8 0 0 0.8 40 40 cm /Fm1 Do Q"]
    page += [f"BT /F1 9 Tf {60 + c * 80} {440 - r * 16} Td ({c}{r}) Tj ET"
             for r in range(3) for c in range(3)]
    form = []
    for r in range(4):
        y = 520 - r * 20
        form.append(f"25 {y} m 325 {y} l {'h ' if r % 2 else ''}S")
    for c in range(4):
        form.append(f"{25 + c * 100} 460 m {25 + c * 100} 520 l S")
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> /XObject << /Fm1 6 0 R >> >> >>",
        _stream("\n".join(page)),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        _stream("\n".join(form), "/Type /XObject /Subtype /Form /BBox [0 0 600 800] "),
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    path.write_bytes(out)
    return path


def _stream(content: str, head: str = "") -> str:
    return f"<< {head}/Length {len(content)} >>\nstream\n{content}\nendstream"


def test_every_kind_of_drawn_line_as_camelot_takes_it(tmp_path: Path) -> None:
    warnings.simplefilter("ignore")
    with ReportPdf(shapes_pdf(tmp_path / "shapes.pdf")) as doc:
        ours = vector_tables(doc, 1)
        camelots = ruled_tables(doc, [1])
    assert ours is not None
    assert len(camelots) == 4  # the four grids; the polyline is none
    assert _same(ours, camelots)
