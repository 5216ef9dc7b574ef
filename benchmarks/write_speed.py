"""Review-workbook writing speed and size, single process, on the same reports:

1. ``write_workbook`` as ``ogi extract`` calls it (with the source PDF: page images),
2. the same without the PDF (the workbook's own parts only),
3. the page images alone (``etl.pageimage.page_images``: regions, render, PNG),
4. the same workbook content handed to XlsxWriter instead of ``etl.ooxml`` (every cell,
   style, merge, validation, conditional format, comment and image of the sheets built by
   ``etl.sheets``), the other road issue 15 names.

Extraction runs once beforehand and is not timed here (``benchmarks/extract_speed.py``
times the whole ``ogi extract``). Prints seconds per workbook (best of the rounds, rounds
interleaved so that a noisy neighbour slows all alike) and KB per workbook.

    python benchmarks/write_speed.py [PDF or DIR ...]   # default: samples/ and
                                                        # ../shared/real-reports
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from etl import sheets
from etl.build import find_pdfs
from etl.extract import extract_report
from etl.ooxml import STYLES, Formula, Sheet, Style
from etl.pageimage import page_images
from etl.report import Report

REPO = Path(__file__).resolve().parent.parent


def _xlsxwriter_format(book, style: Style, cache: dict) -> object:
    if style not in cache:
        props = {"bold": style.bold, "font_size": style.size, "text_wrap": style.wrap,
                 "locked": style.locked, "font_name": STYLES.font}
        if style.color:
            props["font_color"] = f"#{style.color}"
        if style.fill:
            props["bg_color"] = f"#{style.fill}"
        if style.border:
            props["border"], props["border_color"] = 1, "#808080"
        if style.halign:
            props["align"] = style.halign
        if style.valign:
            props["valign"] = "vcenter" if style.valign == "center" else style.valign
        if style.rotation:
            props["rotation"] = 270
        if style.numfmt:
            props["num_format"] = style.numfmt
        cache[style] = book.add_format(props)
    return cache[style]


def _xw_layout(ws, sheet: Sheet) -> None:  # noqa: ANN001 - an XlsxWriter worksheet
    for c, width in sheet.widths.items():
        ws.set_column(c - 1, c - 1, width)
    for c in sheet.hidden_cols:
        ws.set_column(c - 1, c - 1, None, None, {"hidden": True})
    for r, h in sheet.heights.items():
        ws.set_row(r - 1, h)
    for r in sheet.hidden_rows:
        ws.set_row(r - 1, None, None, {"hidden": True})
    for m in sheet.merges:
        ws.merge_range(m, None)
    if sheet.freeze:
        ws.freeze_panes(sheet.freeze[0] - 1, sheet.freeze[1] - 1)
    if sheet.hidden:
        ws.hide()
    if sheet.protected:
        ws.protect("", {"format_columns": True, "format_rows": True})


def _xw_cells(book, ws, sheet: Sheet, formats: dict) -> None:  # noqa: ANN001
    by_number = {n: s for s, n in STYLES.xfs.items()}
    for r, cells in sheet.rows.items():
        for c, (value, number) in cells.items():
            fmt = _xlsxwriter_format(book, by_number[number], formats) if number else None
            if isinstance(value, Formula):
                ws.write_formula(r - 1, c - 1, f"={value.text}", fmt,
                                 value.cached if value.cached is not None else "")
            elif isinstance(value, str):
                ws.write_string(r - 1, c - 1, value, fmt)
            elif value is None:
                ws.write_blank(r - 1, c - 1, None, fmt)
            else:
                ws.write_number(r - 1, c - 1, value, fmt)


def _xw_rules(book, ws, sheet: Sheet) -> None:  # noqa: ANN001
    import io

    red = book.add_format({"bg_color": "#FF7C80"})
    for v in sheet.validations:
        opts = {"validate": {"whole": "integer"}.get(v.kind, v.kind),
                "error_message": v.error, "multi_range": " ".join(v.cells)}
        if v.kind == "list":
            opts["source"] = v.formula1.strip('"').split(",")
        else:
            opts.update({"criteria": {"greaterThanOrEqual": ">=", "between": "between"}
                         [v.operator or "between"], "value": v.formula1,
                         "minimum": v.formula1, "maximum": v.formula2 or v.formula1})
        ws.data_validation(v.cells[0], opts)
    for where, formula, _dxf in sheet.conditional:
        ws.conditional_format(where.split()[0], {
            "type": "formula", "criteria": f"={formula}", "format": red, "multi_range": where})
    for (r, c), text in sheet.comments.items():
        ws.write_comment(r - 1, c - 1, text)
    for p in sheet.pictures:
        ws.insert_image(p.row - 1, p.col - 1, "page.png",
                        {"image_data": io.BytesIO(p.png), "y_offset": p.dy})


def _to_xlsxwriter(sheets_: list[Sheet], path: Path) -> None:
    """Write the sheets ``etl.sheets`` built through XlsxWriter (same content)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                           "strings_to_numbers": False, "in_memory": True})
    formats: dict = {}
    for sheet in sheets_:
        ws = book.add_worksheet(sheet.name)
        _xw_layout(ws, sheet)
        _xw_cells(book, ws, sheet, formats)
        _xw_rules(book, ws, sheet)
    book.close()


def _built(report: Report, pdf: Path, out: Path) -> list[Sheet]:
    """The sheets ``write_workbook`` builds, caught before they are serialised."""
    caught: list[Sheet] = []
    original = sheets.Workbook

    class Catch(original):  # type: ignore[misc, valid-type]
        def save(self, path):  # noqa: ANN001, ANN202 - the benchmark's hook
            caught.extend(self.sheets)
            return Path(path)

    sheets.Workbook = Catch
    try:
        sheets.write_workbook(report, out, pdf=pdf)
    finally:
        sheets.Workbook = original
    return caught


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        default=[REPO / "samples", REPO.parent / "shared" / "real-reports"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pdfs = find_pdfs([p for p in args.paths if p.exists()])
    reports = [(pdf, extract_report(pdf)) for pdf in pdfs]
    print(f"{len(reports)} reports; timings taken on a shared machine are noisy")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        built = {pdf: _built(r, pdf, out / "x.xlsx") for pdf, r in reports}
        methods: dict[str, Callable[[Path, Report], object]] = {
            "write_workbook (with page images)":
                lambda pdf, r: sheets.write_workbook(r, out / f"{r.report_id}.xlsx", pdf=pdf),
            "write_workbook (no PDF)":
                lambda pdf, r: sheets.write_workbook(r, out / f"{r.report_id}-n.xlsx"),
            "page images alone": lambda pdf, r: page_images(pdf, r),
            "same sheets through XlsxWriter":
                lambda pdf, r: _to_xlsxwriter(built[pdf], out / f"{r.report_id}-x.xlsx"),
        }
        best = dict.fromkeys(methods, float("inf"))
        for _ in range(args.rounds):
            for name, fn in methods.items():
                start = time.perf_counter()
                for pdf, report in reports:
                    fn(pdf, report)
                best[name] = min(best[name], (time.perf_counter() - start) / len(reports))
        sizes = {
            "write_workbook (with page images)": [
                (out / f"{r.report_id}.xlsx").stat().st_size for _, r in reports],
            "write_workbook (no PDF)": [
                (out / f"{r.report_id}-n.xlsx").stat().st_size for _, r in reports],
            "same sheets through XlsxWriter": [
                (out / f"{r.report_id}-x.xlsx").stat().st_size for _, r in reports],
        }
    for name, seconds in best.items():
        size = sizes.get(name)
        kb = (f"{sum(size) / len(size) / 1024:6.1f} KB/workbook (max {max(size) / 1024:.1f})"
              if size else "")
        print(f"{name:36s} {seconds:.4f} s/workbook  {kb}")


if __name__ == "__main__":
    main()
