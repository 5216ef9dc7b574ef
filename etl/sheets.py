"""``Report`` <-> review workbook (one per report, the same grid for every report).

Sheets: ``meta`` (agency, year, status, reviewer …), one sheet per table (``active``,
``requests``, ``appeals``: items down, measures across, codes in the hidden column A and
hidden row 3), and a hidden ``_cells`` sheet with what was extracted (printed text, page,
box, flags), so corrections can be told from extraction and provenance survives the round
trip. ``write_workbook`` / ``read_workbook`` mirror each other.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import petl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from etl import template as tpl
from etl.errors import Problem, WorkbookError
from etl.report import ABSENT, BLANK, DERIVED, LOW_CONFIDENCE, UNPARSED, Cell, Report
from etl.template import Key

META_SHEET, CELLS_SHEET = "meta", "_cells"
META_FIELDS = ("report_id", "agency", "year", "template", "source_file", "sha256",
               "extracted_at", "status", "reviewer", "note", "province", "city", "county",
               "adcode", "level")
META_LABELS = {"report_id": "报告编号", "agency": "机关名称", "year": "年度", "template": "模板",
               "source_file": "来源文件", "sha256": "来源文件 SHA-256", "extracted_at": "提取时间",
               "status": "状态 (extracted / reviewed)", "reviewer": "审核人", "note": "备注",
               "province": "省（按机关名称推断，载入时重算）", "city": "市", "county": "县/区",
               "adcode": "行政区划代码", "level": "层级 province/city/county/department"}
TEXT_SHEET = "text"
_EXCEL_CELL_MAX = 32767
CELLS_COLUMNS = ("section", "item", "measure", "address", "extracted", "printed", "page", "box",
                 "flags", "note")
FIRST_ROW, CODE_ROW, FIRST_COL = 4, 3, 3  # data starts at C4; codes in row 3 and column A

_FILLS = {BLANK: "FFF2CC", DERIVED: "DDEBF7", ABSENT: "EDEDED", UNPARSED: "F8CBAD",
          LOW_CONFIDENCE: "F8CBAD"}
_WHY = {BLANK: "原表此格为空（不是 0）", DERIVED: "原表未列出，按其他单元格计算得出",
        ABSENT: "原表未列出此格", UNPARSED: "原表所印内容不是数字",
        LOW_CONFIDENCE: "识别把握不大，请核对"}
_NA_FILL = PatternFill("solid", fgColor="BFBFBF")


def layout(template: str) -> dict[Key, tuple[str, int, int]]:
    """Where each cell of ``template`` lives: key -> (sheet, row, column). Deterministic, so
    the reader finds cells by the same rule the writer placed them."""
    where: dict[Key, tuple[str, int, int]] = {}
    for section in tpl.SECTIONS:
        cols = tpl.measures(template, section)
        for r, item in enumerate(tpl.items(template, section), FIRST_ROW):
            for m in tpl.measures(template, section, item):
                where[(section, item, m)] = (section, r, FIRST_COL + cols.index(m))
    return where


def address(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{get_column_letter(col)}{row}"


def write_workbook(report: Report, path: str | Path) -> Path:
    """Write ``report`` as a review workbook at ``path`` (atomically: a crash leaves no
    half-written file)."""
    path = Path(path)
    wb = openpyxl.Workbook()
    meta = wb.active
    meta.title = META_SHEET
    meta.append(["field", "value", "说明"])
    for name in META_FIELDS:
        meta.append([name, getattr(report, name), META_LABELS[name]])
    meta.column_dimensions["A"].width = 14
    meta.column_dimensions["B"].width = 44
    meta.column_dimensions["C"].width = 26

    where = layout(report.template)
    for section in tpl.SECTIONS:
        ws = wb.create_sheet(section)
        cols = tpl.measures(report.template, section)
        ws.cell(1, 2, tpl.SECTION_TITLES[section]).font = Font(bold=True, size=13)
        ws.cell(2, 2, "项目").font = Font(bold=True)
        ws.cell(CODE_ROW, 1, "code")
        for c, m in enumerate(cols, FIRST_COL):
            head = ws.cell(2, c, tpl.measure_label(report.template, section, m))
            head.font, head.alignment = Font(bold=True), Alignment(wrap_text=True)
            ws.cell(CODE_ROW, c, m)
            ws.column_dimensions[get_column_letter(c)].width = 13
        for r, item in enumerate(tpl.items(report.template, section), FIRST_ROW):
            ws.cell(r, 1, item)
            ws.cell(r, 2, tpl.item_label(report.template, section, item)).alignment = Alignment(
                wrap_text=True)
            for c in range(FIRST_COL, FIRST_COL + len(cols)):
                ws.cell(r, c).fill = _NA_FILL  # cleared below for the template's own cells
        ws.column_dimensions["A"].hidden = True
        ws.row_dimensions[CODE_ROW].hidden = True
        ws.column_dimensions["B"].width = 48
        ws.freeze_panes = ws.cell(FIRST_ROW, FIRST_COL)

    text_ws = wb.create_sheet(TEXT_SHEET)
    text_ws.append(["section", "title", "text"])
    for number, (title, body) in report.narrative.items():
        text_ws.append([number, title, body[:_EXCEL_CELL_MAX]])
    text_ws.column_dimensions["C"].width = 100

    cells_ws = wb.create_sheet(CELLS_SHEET)
    cells_ws.sheet_state = "hidden"
    cells_ws.append(list(CELLS_COLUMNS))
    for key, (sheet, r, c) in where.items():
        cell = report.cells[key]
        target = wb[sheet].cell(r, c, cell.value)
        target.fill = PatternFill(fill_type=None)
        flagged = [f for f in cell.flags if f in _FILLS]
        if flagged:
            target.fill = PatternFill("solid", fgColor=_FILLS[flagged[-1]])
            why = "；".join(_WHY[f] for f in flagged)
            printed = f"\n原文：{cell.printed!r}" if cell.printed else ""
            target.comment = Comment(f"{why}{printed}\n{cell.note}".strip(), "ogi")
        cells_ws.append([*key, address(sheet, r, c), cell.value, cell.printed, cell.page,
                         json.dumps(cell.box) if cell.box else None, ",".join(cell.flags),
                         cell.note])

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    return list(petl.fromxlsx(str(path), sheet=sheet, read_only=True, data_only=True))


def _at(rows: list[tuple[Any, ...]], r: int, c: int) -> Any:
    return rows[r - 1][c - 1] if r <= len(rows) and c <= len(rows[r - 1]) else None


def _check_value(value: Any, kind: str) -> str | None:
    """What is wrong with a value typed into a cell of ``kind``, or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str) and value.startswith("#"):
            return "formula error in a value cell"
        return "not a number"
    if kind == "decimal":
        return "negative amount" if value < 0 else None
    if value != int(value):
        return "not a whole number"
    if kind == "count" and value < 0:
        return "negative count"
    return None


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
        sheets = {s: _rows(path, s) for s in (META_SHEET, *tpl.SECTIONS, CELLS_SHEET)}
    except (zipfile.BadZipFile, InvalidFileException, OSError) as e:
        raise WorkbookError(path, [Problem(name, "-", f"not a readable .xlsx workbook ({e})")]
                            ) from e
    except KeyError as e:
        raise WorkbookError(path, [Problem(name, str(e).strip("'\""),
                                           "sheet missing or renamed")]) from e
    try:
        text_rows = _rows(path, TEXT_SHEET)
    except KeyError:  # optional: a manually made workbook may have no prose
        text_rows = []

    meta = {str(row[0]): row[1] for row in sheets[META_SHEET][1:] if row and row[0]}
    template = str(meta.get("template") or "")
    if template not in tpl.TEMPLATES:
        raise WorkbookError(path, problems + [Problem(
            name, f"{META_SHEET}!B{META_FIELDS.index('template') + 2}",
            f"template must be one of {', '.join(tpl.TEMPLATES)}", str(template))])
    year = meta.get("year")
    if year is not None and not isinstance(year, int):
        try:
            year = int(str(year).strip())
        except ValueError:
            problems.append(Problem(name, f"{META_SHEET}!B{META_FIELDS.index('year') + 2}",
                                    "year is not a whole number", str(year)))
            year = None
    report = Report(
        report_id=str(meta.get("report_id") or path.stem), template=template,
        agency=meta.get("agency"), year=year, source_file=str(meta.get("source_file") or ""),
        sha256=str(meta.get("sha256") or ""), extracted_at=str(meta.get("extracted_at") or ""),
        status=str(meta.get("status") or "extracted"), reviewer=str(meta.get("reviewer") or ""),
        note=str(meta.get("note") or ""),
        narrative={str(r[0]): (str(r[1] or ""), str(r[2] or "")) for r in text_rows[1:]
                   if r and r[0] and r[2]})
    for place_field in ("province", "city", "county", "adcode", "level"):
        value = meta.get(place_field)
        setattr(report, place_field, str(value) if value not in (None, "") else None)

    provenance = {tuple(row[:3]): dict(zip(CELLS_COLUMNS, row, strict=False))
                  for row in sheets[CELLS_SHEET][1:] if row and row[0]}
    spec = tpl.spec_index(template)
    for key, (sheet, r, c) in layout(template).items():
        rows = sheets[sheet]
        if _at(rows, r, 1) != key[1]:
            problems.append(Problem(name, address(sheet, r, 1),
                                    f"row moved or deleted: expected item {key[1]}",
                                    str(_at(rows, r, 1) or "")))
            continue
        if _at(rows, CODE_ROW, c) != key[2]:
            problems.append(Problem(name, address(sheet, CODE_ROW, c),
                                    f"column moved or deleted: expected measure {key[2]}",
                                    str(_at(rows, CODE_ROW, c) or "")))
            continue
        value = _at(rows, r, c)
        if isinstance(value, str) and not value.strip():
            value = None
        wrong = _check_value(value, spec[key].kind)
        if wrong:
            problems.append(Problem(name, address(sheet, r, c), wrong, str(value)))
            continue
        if isinstance(value, float) and spec[key].kind != "decimal":
            value = int(value)
        p = provenance.get(key, {})
        box = p.get("box")
        report.cells[key] = Cell(
            *key, value=value, printed=p.get("printed"), page=p.get("page"),
            box=tuple(json.loads(box)) if box else None,
            flags=[f for f in str(p.get("flags") or "").split(",") if f], note=p.get("note") or "")
    if problems:
        raise WorkbookError(path, problems)
    return report


def extracted_values(path: str | Path) -> dict[Key, Any]:
    """The values as extracted (before any human correction), from the hidden sheet."""
    return {tuple(row[:3]): row[4] for row in _rows(Path(path), CELLS_SHEET)[1:] if row and row[0]}

