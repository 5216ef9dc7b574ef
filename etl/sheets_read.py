"""Review workbook -> ``Report``: ``read_workbook``, the mirror of ``etl.sheets.write_workbook``.

The reader reads the template's cells only, by the same ``etl.layout`` the writer drew them
with, so the check columns and rows beside the grids are ignored. It parses the file once
(calamine; openpyxl only for a workbook with error cells), puts the cells in petl tables,
validates them with ``petl.validate`` and refuses a bad workbook whole, every problem named
by ``sheet!cell``. Besides: what was written and extracted, from the hidden sheets
(``stored_fingerprint``, ``stored_source_sha256``, ``extracted_values``).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import openpyxl
import petl
from openpyxl.utils.exceptions import InvalidFileException
from python_calamine import CalamineError, CalamineWorkbook

from etl import template as tpl
from etl.errors import Problem, WorkbookError
from etl.layout import (
    CELLS_COLUMNS,
    CELLS_SHEET,
    META_CODE_COL,
    META_FIELDS,
    META_SHEET,
    META_VALUE_COL,
    OGI_SHEET,
    STATUS_LABELS,
    TEXT_SHEET,
    address,
    derived_parts,
    positions,
)
from etl.report import DERIVED, Cell, Report, decode_box, decode_flags, typed_value
from etl.template import Key

# Sheets whose rows the reader needs; the image-heavy table sheets are read for values only.
_READ_SHEETS = (META_SHEET, *tpl.SECTIONS, CELLS_SHEET, TEXT_SHEET, OGI_SHEET)


def _has_error_cells(path: Path) -> bool:
    """Whether any sheet holds an error value such as ``#REF!`` (calamine reads those as
    empty, which would turn a broken cell into a blank one)."""
    with zipfile.ZipFile(path) as z:
        return any(b't="e"' in z.read(n) for n in z.namelist()
                   if n.startswith("xl/worksheets/") and n.endswith(".xml"))


def _plain(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)  # calamine gives every number as float
    return value


@lru_cache(maxsize=4)
def _workbook_rows(path: Path, _stamp: tuple[int, int]) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's rows from one parse of the workbook, cached per file version (the loader
    reads values, provenance and fingerprint of the same file in turn). Read with calamine:
    ~40x faster than openpyxl, whose parse (once per sheet through petl.fromxlsx) loaded
    5 workbooks a second (half an hour for 10,000); openpyxl only for workbooks with error
    cells."""
    if _has_error_cells(path):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {name: [tuple(row) for row in wb[name].iter_rows(values_only=True)]
                    for name in wb.sheetnames if name in _READ_SHEETS}
        finally:
            wb.close()
    try:
        book = CalamineWorkbook.from_path(str(path))
    except CalamineError as e:
        raise InvalidFileException(str(e)) from e
    return {name: [tuple(_plain(v) for v in row)
                   for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
            for name in book.sheet_names if name in _READ_SHEETS}


def _sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    stat = path.stat()
    return _workbook_rows(path.resolve(), (stat.st_mtime_ns, stat.st_size))


def _rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    """One sheet's rows; ``KeyError`` when the workbook has no such sheet."""
    return _sheets(path)[sheet]


def _at(rows: list[tuple[Any, ...]], r: int, c: int) -> Any:
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_error(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("#")


# (what the problem names: row | column | value, message, constraint). Checked in this
# order; a cell reports only its first failure (a moved row makes its values meaningless).
_CELL_RULES: tuple[tuple[str, str, Callable[[Any], bool]], ...] = (
    ("row", "row moved or deleted: expected item {item}",
     lambda r: r["found_item"] == r["item"]),
    ("column", "column moved or deleted: expected measure {measure}",
     lambda r: r["found_measure"] == r["measure"]),
    ("value", "formula error in a value cell", lambda r: not _is_error(r["value"])),
    ("value", "not a number", lambda r: r["value"] is None or _is_number(r["value"])),
    ("value", "not a whole number",
     lambda r: r["value"] is None or r["kind"] == "decimal" or r["value"] == int(r["value"])),
    ("value", "negative count",
     lambda r: r["value"] is None or r["kind"] != "count" or r["value"] >= 0),
    ("value", "negative amount",
     lambda r: r["value"] is None or r["kind"] != "decimal" or r["value"] >= 0),
)
_CELL_HEADER = ("sheet", "row", "col", "code_row", "item", "measure", "kind", "found_item",
                "found_measure", "value")


def _status_code(value: Any) -> str | None:
    """A status as shown (未审核 / 已审核) or as its code -> its code; blank -> extracted."""
    text = str(value or "").strip()
    if not text:
        return "extracted"
    return next((code for code, label in STATUS_LABELS.items() if text in (code, label)), None)


def _as_year(v: Any) -> bool:
    if v is None or v == "":
        return True
    if _is_number(v):
        return float(v).is_integer()
    return bool(re.fullmatch(r"\s*\d{4}\s*", str(v)))


_META_RULES: tuple[tuple[str, str, Callable[[Any], bool]], ...] = (
    ("meta", f"template must be one of {', '.join(tpl.TEMPLATES)}",
     lambda r: r["field"] != "template" or str(r["value"] or "") in tpl.TEMPLATES),
    ("meta", "year is not a whole number",
     lambda r: r["field"] != "year" or _as_year(r["value"])),
    ("meta", f"status must be one of {', '.join(STATUS_LABELS.values())}",
     lambda r: r["field"] != "status" or _status_code(r["value"]) is not None),
)


def cell_table(sheets: dict[str, list[tuple[Any, ...]]], template: str) -> petl.Table:
    """The template's cells as read: one row per cell with where it should be, the codes
    found there and its value (a whitespace-only text counts as empty)."""
    spec = tpl.spec_index(template)
    where = positions(template)
    data = []
    for key, (sheet, r, c, code_row) in where.items():
        value = _at(sheets[sheet], r, c)
        if isinstance(value, str) and not value.strip():
            value = None
        data.append((sheet, r, c, code_row, key[1], key[2], spec[key].kind,
                     _at(sheets[sheet], r, 1), _at(sheets[sheet], code_row, c), value))
    return petl.wrap([_CELL_HEADER, *data])


def problem_table(name: str, table: petl.Table,
                  rules: tuple[tuple[str, str, Callable[[Any], bool]], ...],
                  where: Callable[[str, dict[str, Any]], tuple[str, Any]]) -> petl.Table:
    """``petl.validate`` ``table`` against ``rules`` -> a table of problems
    (file, where, value, what), the first failing rule of each row only."""
    empty = petl.wrap([("file", "where", "value", "what")])
    # A clean workbook (the common case) is told with the same rules on plain dicts: petl's
    # row records made validation half the cost of reading a workbook.
    header = petl.header(table)
    rows = [dict(zip(header, values, strict=True)) for values in petl.data(table)]
    if all(fn(row) for row in rows for _, _, fn in rules):
        return empty
    constraints = [dict(name=str(n), assertion=fn) for n, (_, _, fn) in enumerate(rules)]
    found = petl.wrap(list(iter(petl.validate(table, constraints=constraints))))
    if found.nrows() == 0:
        return empty
    found = found.convert("name", int).sort(("row", "name"))
    rows = list(petl.dicts(table))
    out = []
    for p in petl.dicts(petl.groupselectfirst(found, "row", presorted=True)):
        row = rows[p["row"] - 1]
        subject, message = rules[p["name"]][:2]
        at, value = where(subject, row)
        out.append((name, at, "" if value is None else str(value), message.format(**row)))
    return petl.wrap([("file", "where", "value", "what"), *dict.fromkeys(out)])


def _cell_where(subject: str, row: dict[str, Any]) -> tuple[str, Any]:
    if subject == "row":
        return address(row["sheet"], row["row"], 1), row["found_item"]
    if subject == "column":
        return address(row["sheet"], row["code_row"], row["col"]), row["found_measure"]
    return address(row["sheet"], row["row"], row["col"]), row["value"]


def _problems(table: petl.Table) -> list[Problem]:
    return [Problem(r["file"], r["where"], r["what"], r["value"]) for r in petl.dicts(table)]


def _sheet_names(path: Path) -> list[str]:
    return list(_sheets(path))


def read_workbook(path: str | Path) -> Report:
    """Read a review workbook back into a ``Report``. Every problem found is collected and
    raised together as one ``WorkbookError`` naming ``sheet!cell``: a bad workbook is refused
    whole."""
    path = Path(path)
    name = path.name
    problems: list[Problem] = []
    if Path(path.parent, f"~${name}").exists():
        problems.append(Problem(name, "-", "the workbook is open in Excel (lock file "
                                           f"~${name}); close it and load again"))
    try:
        present = _sheet_names(path)
    except (zipfile.BadZipFile, InvalidFileException, OSError, KeyError, ValueError) as e:
        raise WorkbookError(path, problems + [
            Problem(name, "-", f"not a readable .xlsx workbook ({e})")]) from e
    missing = [s for s in (META_SHEET, *tpl.SECTIONS, CELLS_SHEET) if s not in present]
    if missing:
        raise WorkbookError(path, problems + [Problem(name, s, "sheet missing or renamed")
                                              for s in missing])
    sheets = {s: _rows(path, s) for s in (META_SHEET, *tpl.SECTIONS, CELLS_SHEET)}
    text_rows = _rows(path, TEXT_SHEET) if TEXT_SHEET in present else []  # optional

    # meta: one row per field, found by its code; a field's problem is named by its own row.
    meta_rows = [(str(row[META_CODE_COL - 1]), _at(sheets[META_SHEET], r, META_VALUE_COL), r)
                 for r, row in enumerate(sheets[META_SHEET][1:], 2) if row and row[0]]
    meta = {field: value for field, value, _ in meta_rows}
    if "template" not in meta:  # a missing template row is a problem too
        meta_rows.append(("template", None, META_FIELDS.index("template") + 2))
    problems += _problems(problem_table(
        name, petl.wrap([("field", "value", "at"), *meta_rows]), _META_RULES,
        lambda _subject, row: (address(META_SHEET, row["at"], META_VALUE_COL), row["value"])))
    template = str(meta.get("template") or "")
    if template not in tpl.TEMPLATES:
        raise WorkbookError(path, problems)

    header = tuple(sheets[CELLS_SHEET][0]) if sheets[CELLS_SHEET] else ()
    if header[:len(CELLS_COLUMNS)] != CELLS_COLUMNS:
        problems.append(Problem(name, f"{CELLS_SHEET}!A1",
                                "hidden sheet _cells changed: its header is not "
                                + ",".join(CELLS_COLUMNS)))
    cells = cell_table(sheets, template)
    problems += _problems(problem_table(name, cells, _CELL_RULES, _cell_where))
    if problems:
        raise WorkbookError(path, problems)

    year = meta.get("year")
    year = int(float(str(year).strip())) if year not in (None, "") else None
    report = Report(
        report_id=str(meta.get("report_id") or path.stem), template=template,
        agency=meta.get("agency"), year=year, source_file=str(meta.get("source_file") or ""),
        sha256=str(meta.get("sha256") or ""), extracted_at=str(meta.get("extracted_at") or ""),
        status=_status_code(meta.get("status")) or "extracted",
        reviewer=str(meta.get("reviewer") or ""),
        note=str(meta.get("note") or ""),
        narrative={str(r[0]): (str(r[1] or ""), str(r[2] or "")) for r in text_rows[1:]
                   if r and r[0] and len(r) > 2 and r[2]})

    provenance = {tuple(row[:3]): dict(zip(CELLS_COLUMNS, row, strict=False))
                  for row in sheets[CELLS_SHEET][1:] if row and row[0]}
    for row in petl.dicts(cells):
        key = (row["sheet"], row["item"], row["measure"])
        p = provenance.get(key, {})
        confidence = p.get("confidence")
        report.cells[key] = Cell(
            *key, value=typed_value(row["value"], row["kind"]), printed=p.get("printed"),
            page=p.get("page"), box=decode_box(p.get("box")), flags=decode_flags(p.get("flags")),
            note=p.get("note") or "",
            confidence=float(confidence) if confidence not in (None, "") else None)
    _follow_parts(report)
    return report


def _follow_parts(report: Report) -> None:
    """A derived total holds ogi's live formula; a file saved by a program that does not
    calculate (a script through openpyxl) keeps the formula without its value: such a
    total is computed from its parts as read. (Writer's stop-gap until the loader's own
    recomputation of derived totals lands.)"""
    for key, cell in report.cells.items():
        parts = derived_parts(report.template, key) if DERIVED in cell.flags else None
        if parts and cell.value is None:
            values = [report.cells[k].value for k in parts]
            if None not in values:
                cell.value = sum(values)  # type: ignore[arg-type]


def stored_source_sha256(path: str | Path) -> str | None:
    """The source PDF's sha256 recorded on the meta sheet (cheap: one sheet is read)."""
    try:
        rows = _rows(Path(path), META_SHEET)
    except (KeyError, zipfile.BadZipFile, InvalidFileException, OSError):
        return None
    value = {str(r[0]): _at(rows, n, META_VALUE_COL)
             for n, r in enumerate(rows[1:], 2) if r and r[0]}.get("sha256")
    return str(value) if value else None


def stored_fingerprint(path: str | Path) -> str | None:
    """The fingerprint written with the workbook, or None (an older or foreign workbook)."""
    try:
        rows = _rows(Path(path), OGI_SHEET)
    except KeyError:
        return None
    found = {str(r[0]): r[1] for r in rows[1:] if r and r[0]}
    value = found.get("fingerprint")
    return str(value) if value else None


def extracted_values(path: str | Path) -> dict[Key, Any]:
    """The values as extracted (before any human correction), from the hidden sheet."""
    return {tuple(row[:3]): row[4] for row in _rows(Path(path), CELLS_SHEET)[1:] if row and row[0]}
