"""Review workbook -> ``Report``: ``read_workbook``, the mirror of ``etl.sheets.write_workbook``.

The reader reads the template's cells only, by the same ``etl.layout`` the writer drew them
with, so the check columns and rows beside the grids are ignored. It parses the file once: a
workbook as ogi writes it in one pass that also scans it (``etl.xlsx_scan.read_own``), any
other with calamine after ``scan_workbook``. It checks every cell against the rules
(``_cell_rules``; the rows the rules read are built only for a cell that breaks one, the
meta fields' in a petl table only when one is wrong) and refuses a bad workbook whole,
every problem named by ``sheet!cell``. Besides: what was written and extracted, from the
hidden sheets (``stored_fingerprint``, ``stored_source_sha256``, ``extracted_values``).
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Callable
from datetime import date
from functools import cache, lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from python_calamine import CalamineError, CalamineWorkbook

from etl import template as tpl
from etl.errors import Problem, WorkbookError
from etl.i18n import _
from etl.layout import (
    CELLS_COLUMNS,
    CELLS_JSON,
    CELLS_SHEET,
    META_CODE_COL,
    META_FIELDS,
    META_LABELS,
    META_SHEET,
    META_VALUE_COL,
    OGI_SHEET,
    STATUS_LABELS,
    TEXT_SHEET,
    address,
    derived_formula,
    derived_parts,
    positions,
)
from etl.report import DERIVED, Cell, Report, decode_box, decode_flags, typed_value
from etl.template import Key
from etl.xlsx_scan import Scan, SheetScan, read_own, scan_workbook

if TYPE_CHECKING:  # petl only where a workbook is wrong: its import is a tenth of a reload
    import petl

# Sheets whose rows the reader needs; the image-heavy table sheets are read for values only.
_READ_SHEETS = (META_SHEET, *tpl.SECTIONS, CELLS_SHEET, TEXT_SHEET, OGI_SHEET)


def _plain(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)  # calamine gives every number as float
    return value


@lru_cache(maxsize=4)
def _workbook(path: Path, _stamp: tuple[int, int]) -> tuple[dict[str, list[list[Any]]], Scan]:
    """Every sheet's rows from one parse of the workbook, and its scan, cached per file
    version (the loader reads values, provenance and fingerprint of the same file in turn).
    The scan comes first: nothing out of bounds reaches the parser. Read with calamine
    (~40x faster than openpyxl); the error cells it reads as empty get their ``#REF!``
    back from the scan. A workbook as ogi writes it is scanned and read in one pass
    instead (``read_own``: the same rows, ~5x faster)."""
    own = read_own(path, _READ_SHEETS)
    if own is not None:
        return own
    scan = scan_workbook(path, _READ_SHEETS)
    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = {name: [[_plain(v) for v in row]
                       for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
                for name in book.sheet_names if name in _READ_SHEETS}
    except (CalamineError, ValueError, OverflowError) as e:
        raise WorkbookError(path, [Problem(path.name, "-", _(
            "不是可读的 .xlsx 工作簿（{error}）").format(error=e))]) from None
    for name, found in scan.sheets.items():
        for (r, c), error in found.errors.items():
            if name in rows:
                sheet = rows[name]
                sheet.extend([] for _ in range(r - len(sheet)))
                sheet[r - 1].extend(None for _ in range(c - len(sheet[r - 1])))
                sheet[r - 1][c - 1] = error
    return rows, scan


def _opened(path: Path) -> tuple[dict[str, list[list[Any]]], Scan]:
    stat = path.stat()
    return _workbook(path.resolve(), (stat.st_mtime_ns, stat.st_size))


def _sheets(path: Path) -> dict[str, list[list[Any]]]:
    return _opened(path)[0]


def _rows(path: Path, sheet: str) -> list[list[Any]]:
    """One sheet's rows; ``KeyError`` when the workbook has no such sheet."""
    return _sheets(path)[sheet]


def _at(rows: list[list[Any]], r: int, c: int) -> Any:
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_error(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("#")


# The largest number a value cell may hold: far above any count or 万元 amount a report
# prints, far below what SQLite's integers hold (1e19 would not store).
VALUE_LIMIT = 10**12


def _in_bounds(v: Any) -> bool:
    return not _is_number(v) or (math.isfinite(v) and abs(v) <= VALUE_LIMIT)


# (what the problem names: row | column | value, message, constraint). Checked in this
# order; a cell reports only its first failure (a moved row makes its values meaningless).
def _cell_rules() -> tuple[tuple[str, str, Callable[[Any], bool]], ...]:
    return (
        ("row", _("行被移动或删除：这一行应是「{item_label}」"),
         lambda r: r["found_item"] == r["item"]),
        ("column", _("列被移动或删除：这一列应是「{measure_label}」"),
         lambda r: r["found_measure"] == r["measure"]),
        ("value", _("值单元格里是公式「{formula}」：只能填数字或留空"),
         lambda r: not r["formula"]),
        ("value", _("公式出错"), lambda r: not _is_error(r["value"])),
        ("value", _("应填数字"), lambda r: r["value"] is None or _is_number(r["value"])),
        ("value", _("数值过大（上限 {limit:,}）").replace("{limit:,}", f"{VALUE_LIMIT:,}"),
         lambda r: _in_bounds(r["value"])),
        ("value", _("应填整数"),
         lambda r: r["value"] is None or r["kind"] == "decimal" or r["value"] == int(r["value"])),
        ("value", _("件数不能为负"),
         lambda r: r["value"] is None or r["kind"] != "count" or r["value"] >= 0),
        ("value", _("金额不能为负"),
         lambda r: r["value"] is None or r["kind"] != "decimal" or r["value"] >= 0),
    )


_CELL_HEADER = ("sheet", "row", "col", "code_row", "item", "measure", "kind", "found_item",
                "found_measure", "value", "formula", "item_label", "measure_label")


def _status_code(value: Any) -> str | None:
    """A status as shown (未审核 / 已审核) or as its code -> its code; blank -> extracted."""
    text = str(value or "").strip()
    if not text:
        return "extracted"
    return next((code for code, label in STATUS_LABELS.items() if text in (code, label)), None)


FIRST_YEAR = 2008  # the regulations (政府信息公开条例) took effect in 2008


def _as_year(v: Any) -> int | None:
    """A year the reports can have (2008 … next year), or None."""
    whole = _is_number(v) and float(v).is_integer()
    if not (whole or isinstance(v, str) and re.fullmatch(r"\s*\d{4}\s*", v)):
        return None
    year = int(v)
    return year if FIRST_YEAR <= year <= date.today().year + 1 else None


# The meta fields' constraints, in the order of ``_meta_rules`` (which adds what each says
# when it fails: its messages are made only then).
_META_CONSTRAINTS: tuple[Callable[[Any], bool], ...] = (
    lambda r: r["present"],
    lambda r: r["field"] != "template" or str(r["value"] or "") in tpl.TEMPLATES,
    lambda r: r["field"] != "year" or _as_year(r["value"]) is not None,
    lambda r: r["field"] != "agency" or bool(str(r["value"] or "").strip()),
    lambda r: r["field"] != "status" or _status_code(r["value"]) is not None,
)


def _meta_rules() -> tuple[tuple[str, str, Callable[[Any], bool]], ...]:
    messages = (
        _("这一行（{label}）被删除了"),
        _("模板应为 {templates}").format(templates=" 或 ".join(tpl.TEMPLATES)),
        _("年度应为 {first} 至 {last} 之间的整数").format(
            first=FIRST_YEAR, last=date.today().year + 1),
        _("机关名称不能为空"),
        _("状态应为 {statuses}").format(statuses=" 或 ".join(STATUS_LABELS.values())),
    )
    return tuple(("meta", message, constraint)
                 for message, constraint in zip(messages, _META_CONSTRAINTS, strict=True))


# Meta fields that must be there (their rows cannot be deleted).
_REQUIRED = ("report_id", "agency", "year", "template", "status")


_positions = cache(positions)  # the same for every workbook of a template


@cache
def _cell_plan(template: str) -> tuple[tuple[Any, ...], ...]:
    """Per cell of ``template``: its key, where it is (sheet, row, column, row of its
    measure code), its kind and labels, and ogi's own formula for it (None if none); worked
    out once per template and process, not per workbook."""
    spec = tpl.spec_index(template)
    return tuple((key, sheet, r, c, code_row, spec[key].kind, spec[key].item_label,
                  spec[key].measure_label, derived_formula(template, key))
                 for key, (sheet, r, c, code_row) in _positions(template).items())


def _fits(value: Any, kind: str) -> bool:
    """Whether a value passes every value rule of ``_cell_rules`` (the common case, checked
    without building the row the rules read)."""
    if value is None:
        return True
    if type(value) is int:
        return (-VALUE_LIMIT <= value <= VALUE_LIMIT
                and (value >= 0 or kind not in ("count", "decimal")))
    return type(value) is float and kind == "decimal" and 0 <= value <= VALUE_LIMIT


# One read cell: its key, kind, value (whitespace-only text as empty) and formula (None:
# none; "": ogi's own total of its parts, recomputed on reading; else the formula).
_ReadCell = tuple[Key, str, Any, str | None]


def _read_cells(sheets: dict[str, list[list[Any]]], template: str,
                formulas: dict[str, dict[tuple[int, int], str]]
                ) -> tuple[list[_ReadCell], list[dict[str, Any]]]:
    """The template's cells as read, and for those that break a rule the rows the rules
    read (``_CELL_HEADER``: where the cell should be, the codes found there, its value and
    formula, the labels of its row and column; the rules then name them)."""
    out: list[_ReadCell] = []
    broken: list[dict[str, Any]] = []
    no_formulas: dict[tuple[int, int], str] = {}
    for key, sheet, r, c, code_row, kind, item_label, measure_label, own in _cell_plan(template):
        rows = sheets[sheet]
        try:  # _at, inline: 600 cells a workbook
            line = rows[r - 1]
            value, found_item = (line[c - 1] if c <= len(line) else None), line[0]
        except IndexError:
            value = found_item = None
        if isinstance(value, str) and not value.strip():
            value = None
        formula = formulas.get(sheet, no_formulas).get((r, c))
        if formula is not None and formula == own:
            formula = ""
        out.append((key, kind, value, formula))
        found_measure = _at(rows, code_row, c)
        if not (found_item == key[1] and found_measure == key[2] and not formula
                and _fits(value, kind)):
            broken.append(dict(zip(_CELL_HEADER, (
                sheet, r, c, code_row, key[1], key[2], kind, found_item, found_measure, value,
                formula, item_label, measure_label), strict=True)))
    return out, broken


PROBLEM_HEADER = ("file", "where", "label", "value", "what")


def problem_table(name: str, table: petl.Table,
                  rules: tuple[tuple[str, str, Callable[[Any], bool]], ...],
                  where: Callable[[str, dict[str, Any]], tuple[str, str, Any]]) -> petl.Table:
    """``table`` checked against ``rules`` in one pass -> a table of problems (file, where,
    label, value, what): the first failing rule of each row, and a moved row or column once
    per sheet (every row below a deleted one is out of place too)."""
    import petl

    return petl.wrap([PROBLEM_HEADER, *_problem_rows(name, petl.dicts(table), rules, where)])


def _problem_rows(name: str, rows: Any, rules: tuple[tuple[str, str, Callable[[Any], bool]], ...],
                  where: Callable[[str, dict[str, Any]], tuple[str, str, Any]]
                  ) -> list[tuple[str, str, str, str, str]]:
    out: dict[tuple[str, str, str, str, str], None] = {}
    moved: set[tuple[Any, str]] = set()
    for row in rows:
        failed = next(((subject, message) for subject, message, ok in rules if not ok(row)),
                      None)
        if failed is None:
            continue
        subject, message = failed
        if subject in ("row", "column"):
            if (row.get("sheet"), subject) in moved:
                continue
            moved.add((row.get("sheet"), subject))
        at, label, value = where(subject, row)
        out[(name, at, label, "" if value is None else str(value), message.format(**row))] = None
    return list(out)


def _cell_where(subject: str, row: dict[str, Any]) -> tuple[str, str, Any]:
    label = f"{row['item_label']}／{row['measure_label']}"
    if subject == "row":
        return address(row["sheet"], row["row"], 1), row["item_label"], row["found_item"]
    if subject == "column":
        return (address(row["sheet"], row["code_row"], row["col"]), row["measure_label"],
                row["found_measure"])
    return address(row["sheet"], row["row"], row["col"]), label, row["value"]


def _problems(rows: Any) -> list[Problem]:
    """Problems from a problem table or from its rows (file, where, label, value, what)."""
    if not isinstance(rows, list):  # a petl table
        import petl

        rows = petl.data(rows)
    return [Problem(f, where, what, value, label) for f, where, label, value, what in rows]


def _locked(path: Path) -> int:
    """1 while the workbook is open in Excel (its lock file beside it), else 0."""
    return int(Path(path.parent, f"~${path.name}").exists())


_Book = tuple[dict[str, list[list[Any]]], Scan]


def _open_problems(path: Path) -> tuple[_Book | None, list[Problem], int]:
    """The workbook opened, and the sheets a review workbook must have, or why it cannot be
    read at all (then no workbook); and 1 if it is open in Excel (``_locked``), else 0."""
    name = path.name
    problems = []
    locked = _locked(path)
    if locked:
        problems.append(Problem(name, "-", _("工作簿正在 Excel 中打开（有锁文件 ~${name}）："
                                             "关闭后再载入").format(name=name)))
    try:
        book = _opened(path)
    except WorkbookError as e:
        return None, problems + e.problems, locked
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as e:
        return None, problems + [Problem(name, "-", _("不是可读的 .xlsx 工作簿（{error}）").format(
            error=e))], locked
    return book, problems + [Problem(name, s, _("工作表缺失或被改名"))
                             for s in (META_SHEET, *tpl.SECTIONS, CELLS_SHEET)
                             if s not in book[0]], locked


_META_HEADER = ("field", "value", "at", "present", "label")


def _meta_ok(checked: list[tuple[Any, ...]]) -> bool:
    """Whether the meta fields pass every rule of ``_meta_rules`` (the common case, checked
    without a petl table or the rules' messages)."""
    return all(constraint(dict(zip(_META_HEADER, row, strict=True)))
               for row in checked for constraint in _META_CONSTRAINTS)


def _meta(path: Path, book: _Book) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """The meta fields by code, the row each is on, and their problems."""
    rows = book[0][META_SHEET]
    found = {str(row[META_CODE_COL - 1]): r for r, row in enumerate(rows[1:], 2)
             if row and row[0]}
    meta = {f: _at(rows, r, META_VALUE_COL) for f, r in found.items()}
    checked = [(f, meta.get(f), found.get(f, META_FIELDS.index(f) + 2), f in found,
                META_LABELS.get(f, f)) for f in dict.fromkeys((*_REQUIRED, *found))
               if f in META_FIELDS]
    formulas = book[1].sheets.get(META_SHEET, SheetScan()).formulas
    problems = [Problem(path.name, address(META_SHEET, r, META_VALUE_COL),
                        _("这里是公式：只能填文字"), formulas[(r, META_VALUE_COL)],
                        META_LABELS.get(f, f))
                for f, r in found.items() if (r, META_VALUE_COL) in formulas]
    if _meta_ok(checked):
        return meta, found, problems
    import petl

    problems += _problems(problem_table(
        path.name, petl.wrap([_META_HEADER, *checked]),
        _meta_rules(),
        lambda _s, row: (address(META_SHEET, row["at"], META_VALUE_COL), row["label"],
                         row["value"])))
    return meta, found, problems


def _stamp(sheets: dict[str, list[list[Any]]]) -> dict[str, str]:
    rows = sheets.get(OGI_SHEET)
    if rows is None:
        return {}
    return {str(r[0]): str(r[1]) for r in rows[1:] if r and r[0] and r[1] not in (None, "")}


def stored_stamp(path: str | Path) -> dict[str, str]:
    """What ogi wrote on the hidden ``_ogi`` sheet (fingerprint, report id, the workbook's
    own file name, the source's provenance); empty for an older or foreign workbook."""
    return _stamp(_sheets(Path(path)))


# Provenance on the meta sheet (locked) and where ogi also keeps it (the _ogi sheet).
_PROVENANCE = {"report_id": "report_id", "source_file": "source_file",
               "sha256": "source_sha256", "extracted_at": "extracted_at"}


def _provenance(path: Path, meta: dict[str, Any], rows: dict[str, int],
                warnings: list[Problem] | None, stamp: dict[str, str]) -> dict[str, str]:
    """The provenance extraction recorded: a reviewer's edit of it (the cells are locked,
    but a file can be edited by other means) is ignored, with a warning."""
    kept = {}
    for field_, key in _PROVENANCE.items():
        shown = str(meta.get(field_) or "")
        kept[field_] = stamp.get(key, shown)
        if field_ == "report_id" and kept[field_] != shown:
            raise WorkbookError(path, [Problem(
                path.name, address(META_SHEET, rows.get(field_, 2), META_VALUE_COL),
                _("报告编号被改动：这个工作簿是报告「{report}」的，不能改成另一份报告").format(
                    report=kept[field_]), shown, META_LABELS[field_])])
        if kept[field_] != shown and warnings is not None:
            warnings.append(Problem(
                path.name, address(META_SHEET, rows.get(field_, 2), META_VALUE_COL),
                _("这是提取时记录的，不能修改：改动已忽略（保留「{kept}」）").format(
                    kept=kept[field_]), shown, META_LABELS[field_]))
    return kept


def _report(path: Path, meta: dict[str, Any], kept: dict[str, str],
            text_rows: list[list[Any]], cells: dict[Key, Cell]) -> Report:
    return Report(cells=cells,
        report_id=kept["report_id"] or path.stem, template=str(meta["template"]),
        agency=str(meta["agency"]).strip(), year=_as_year(meta.get("year")),
        source_file=kept["source_file"], sha256=kept["sha256"],
        extracted_at=kept["extracted_at"],
        status=_status_code(meta.get("status")) or "extracted",
        reviewer=str(meta.get("reviewer") or "").strip(), note=str(meta.get("note") or ""),
        narrative={str(r[0]): (str(r[1] or ""), str(r[2] or "")) for r in text_rows[1:]
                   if r and r[0] and len(r) > 2 and r[2]})


_PROVENANCE_AT = tuple(CELLS_COLUMNS.index(name) for name in (
    "printed", "page", "box", "flags", "note", "confidence"))
_flags = lru_cache(maxsize=256)(lambda text: tuple(decode_flags(text)))  # a handful of values


def _recorded(sheets: dict[str, list[list[Any]]]
              ) -> tuple[dict[Key, list[Any]], tuple[str, str] | None]:
    """The hidden ``_cells`` sheet's rows by key, each as wide as ``CELLS_COLUMNS``: what
    extraction recorded of each cell; and the problem found with the sheet, as (its cell,
    what), or None."""
    found = sheets[CELLS_SHEET]
    if found and found[0] and found[0][0] == CELLS_JSON:
        rows = _json_rows(found[1:])
        if rows is None:
            return {}, (f"{CELLS_SHEET}!A2",
                        _("隐藏的 _cells 表被改动：其中记录的提取结果无法读出"))
        return {tuple(row[:3]): row for row in rows if row[0]}, None  # type: ignore[misc]
    # a workbook written before CELLS_JSON: one row of cells a cell, under CELLS_COLUMNS
    header = tuple(found[0]) if found else ()
    problem = None if header[:len(CELLS_COLUMNS)] == CELLS_COLUMNS else (
        f"{CELLS_SHEET}!A1", _("隐藏的 _cells 表被改动：表头应为 {header}").format(
            header=",".join(CELLS_COLUMNS)))
    width = len(CELLS_COLUMNS)
    return {tuple(row[:3]): (row + [None] * (width - len(row)) if len(row) < width else row)
            for row in found[1:] if row and row[0]}, problem


_RECORDED_TYPES = {str, int, float, type(None)}  # what a cell can hold (no list, no bool)
_NUMBERS_AT = tuple(CELLS_COLUMNS.index(name) for name in ("extracted", "page", "confidence"))


def _json_rows(pieces: list[list[Any]]) -> list[list[Any]] | None:
    """The rows the JSON text in column A holds (the first one ``CELLS_COLUMNS``), their
    numbers as a cell would have given them (whole ones as ``int``); None when it is not such
    rows."""
    if not all(row and type(row[0]) is str for row in pieces):
        return None
    try:
        rows = json.loads("".join(row[0] for row in pieces))
    except (ValueError, RecursionError):  # not JSON; nested deeper than the parser goes
        return None
    width = len(CELLS_COLUMNS)
    if (type(rows) is not list or not rows or rows[0] != list(CELLS_COLUMNS)
            or set(map(type, rows)) != {list} or set(map(len, rows)) != {width}
            or not set(map(type, chain.from_iterable(rows))) <= _RECORDED_TYPES):
        return None
    for row in rows:
        for at in _NUMBERS_AT:
            v = row[at]
            if type(v) is float and v.is_integer() and abs(v) < 2**63:
                row[at] = int(v)
    return rows[1:]


_EXTRACTED_AT = CELLS_COLUMNS.index("extracted")


def _extracted(recorded: dict[Key, list[Any]]) -> dict[Key, Any]:
    return {key: row[_EXTRACTED_AT] for key, row in recorded.items()}


def _cells(cells: list[_ReadCell], by_key: dict[Key, list[Any]]) -> dict[Key, Cell]:
    """The report's cells: their values as read, what extraction recorded of each
    (``_recorded``; made before the ``Report``, which would otherwise make every cell blank
    first)."""
    blank = [None] * len(CELLS_COLUMNS)
    at_printed, at_page, at_box, at_flags, at_note, at_confidence = _PROVENANCE_AT
    out = {}
    for key, kind, value, _formula in cells:
        p = by_key.get(key, blank)
        confidence = p[at_confidence]
        out[key] = Cell(
            *key, value=typed_value(value, kind), printed=p[at_printed], page=p[at_page],
            box=decode_box(p[at_box]), flags=list(_flags(p[at_flags])), note=p[at_note] or "",
            confidence=float(confidence) if confidence not in (None, "") else None)
    return out


def read_workbook(path: str | Path, warnings: list[Problem] | None = None) -> Report:
    """Read a review workbook back into a ``Report``. Every problem found is collected and
    raised together as one ``WorkbookError`` naming ``sheet!cell``: a bad workbook is refused
    whole. What is worth saying but not refusing goes into ``warnings``, when given."""
    return read_for_load(Path(path), warnings)[0]


def read_for_load(path: Path, warnings: list[Problem] | None = None
                  ) -> tuple[Report, dict[Key, Any], dict[str, str]]:
    """``read_workbook``, with what the loader also needs from the same parse: the values as
    extracted (``extracted_values``) and the ``_ogi`` stamp (``stored_stamp``)."""
    book, problems, locked = _open_problems(path)
    if book is None or len(problems) > locked:  # more than the lock file: cannot be read
        raise WorkbookError(path, problems)
    sheets = book[0]
    meta, rows, found = _meta(path, book)
    problems += found
    template = str(meta.get("template") or "")
    if template not in tpl.TEMPLATES:
        raise WorkbookError(path, problems)
    recorded, broken_cells = _recorded(sheets)
    if broken_cells:
        problems.append(Problem(path.name, *broken_cells))
    cells, broken = _read_cells(sheets, template,
                                {s: x.formulas for s, x in book[1].sheets.items()})
    if broken:
        problems += _problems(_problem_rows(path.name, broken, _cell_rules(), _cell_where))
    if problems:
        raise WorkbookError(path, problems)
    stamp = _stamp(sheets)
    report = _report(path, meta, _provenance(path, meta, rows, warnings, stamp),
                     sheets.get(TEXT_SHEET, []), _cells(cells, recorded))
    follow_parts(report, {key for key, _k, value, formula in cells
                          if formula is None and value is not None})
    return report, _extracted(recorded), stamp


_derived_parts = cache(derived_parts)  # per template and cell: bounded


def follow_parts(report: Report, typed: set[Key] | frozenset[Key] = frozenset()) -> None:
    """A derived total (one the report did not print) is the sum of its parts as they are
    now, so a corrected part carries its total with it; blank while a part is blank (never
    an invented 0); it stays marked derived. A number a reviewer typed over ogi's formula
    (``typed``) is theirs: kept, and no longer marked derived when it differs."""
    for key, cell in report.cells.items():
        parts = _derived_parts(report.template, key) if DERIVED in cell.flags else None
        if not parts:
            continue
        values = [report.cells[k].value for k in parts]
        total = None if None in values else sum(values)  # type: ignore[arg-type]
        if key in typed and cell.value != total:
            cell.flags = [f for f in cell.flags if f != DERIVED]
        else:
            cell.value = total


def stored_source_sha256(path: str | Path) -> str | None:
    """The source PDF's sha256 recorded with the workbook (None when it cannot be read)."""
    try:
        value = stored_stamp(path).get("source_sha256")
        if value is None:  # older workbooks: only on the meta sheet
            rows = _rows(Path(path), META_SHEET)
            value = {str(r[0]): _at(rows, n, META_VALUE_COL)
                     for n, r in enumerate(rows[1:], 2) if r and r[0]}.get("sha256")
    except (KeyError, WorkbookError, OSError):
        return None
    return str(value) if value else None


def stored_fingerprint(path: str | Path) -> str | None:
    """The fingerprint written with the workbook, or None (an older or foreign workbook)."""
    return stored_stamp(path).get("fingerprint")


def extracted_values(path: str | Path) -> dict[Key, Any]:
    """The values as extracted (before any human correction), from the hidden sheet."""
    return _extracted(_recorded(_sheets(Path(path)))[0])
