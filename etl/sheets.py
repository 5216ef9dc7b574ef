"""``Report`` <-> review workbook (one per report, the same grid for every report).

Sheets: ``meta`` (agency, year, status, reviewer …), one sheet per table (``active``,
``requests``, ``appeals``), each drawn as the official table: merged label cells (for
``requests`` 三、本年度办理结果 down the outcome rows, （三）不予公开 down its eight
reasons …), the applicant header of ``requests`` on three levels, ``active`` as its
sub-tables 第二十条第（一）（五）（六）（八）（九）项 with their own header rows; the item code of
each row in the hidden column A and the measure codes in a hidden row under each
(sub-)table's header (``plan``, ``layout``, ``code_cells``). ``checks`` (every identity of
the format as live Excel formulas, beside the result computed at extraction time), ``text``
(the prose sections), a hidden ``_cells`` sheet with what was extracted (printed text, page,
box, flags), so corrections can be told from extraction and provenance survives the round
trip, and a hidden ``_ogi`` sheet with the fingerprint of what was written.

Only values are editable: every sheet is protected (no password) and only the value cells
(and the editable meta fields) are unlocked, with data validation by cell kind. The reader
reads the template's cells only, by the same ``layout`` the writer used, so the check
columns and rows beside the grids are ignored. ``write_workbook`` / ``read_workbook`` mirror
each other; ``read_workbook`` parses the file once, puts the cells in petl tables,
validates them with ``petl.validate`` and refuses a bad workbook whole, every problem named
by ``sheet!cell``.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import openpyxl
import petl
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

from etl import template as tpl
from etl.checks import CheckResult, check_report
from etl.errors import EtlError, Problem, WorkbookError
from etl.report import ABSENT, BLANK, DERIVED, LOW_CONFIDENCE, UNPARSED, Cell, Report
from etl.template import Key

META_SHEET, CELLS_SHEET, CHECKS_SHEET, OGI_SHEET = "meta", "_cells", "checks", "_ogi"
META_FIELDS = ("report_id", "agency", "year", "template", "source_file", "sha256",
               "extracted_at", "status", "reviewer", "note", "province", "city", "county",
               "adcode", "level")
META_LABELS = {"report_id": "报告编号", "agency": "机关名称", "year": "年度", "template": "模板",
               "source_file": "来源文件", "sha256": "来源文件 SHA-256", "extracted_at": "提取时间",
               "status": "状态 (extracted / reviewed)", "reviewer": "审核人", "note": "备注",
               "province": "省（按机关名称推断，载入时重算）", "city": "市", "county": "县/区",
               "adcode": "行政区划代码", "level": "层级 province/city/county/department"}
# What a reviewer may change on the meta sheet (the rest is locked).
META_EDITABLE = ("agency", "year", "status", "reviewer", "note")
STATUSES = ("extracted", "reviewed")
# What the fingerprint covers besides the values: the place is recomputed at load.
FINGERPRINT_FIELDS = ("report_id", "agency", "year", "template", "source_file", "sha256",
                      "extracted_at", "status", "reviewer", "note")
TEXT_SHEET = "text"
_EXCEL_CELL_MAX = 32767
CELLS_COLUMNS = ("section", "item", "measure", "address", "extracted", "printed", "page", "box",
                 "flags", "note")
TITLE_ROW = 1  # every table sheet: the section's title in row 1, its grid below
_EPS = "0.000001"  # tolerance of the live checks, as Excel formula text (万元 decimals)

_FILLS = {BLANK: "FFF2CC", DERIVED: "DDEBF7", ABSENT: "EDEDED", UNPARSED: "F8CBAD",
          LOW_CONFIDENCE: "F8CBAD"}
_WHY = {BLANK: "原表此格为空（不是 0）", DERIVED: "原表未列出，按其他单元格计算得出",
        ABSENT: "原表未列出此格", UNPARSED: "原表所印内容不是数字",
        LOW_CONFIDENCE: "识别把握不大，请核对"}
_NA_FILL = PatternFill("solid", fgColor="BFBFBF")
_HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
_CHECK_FILL = PatternFill("solid", fgColor="E2EFDA")
_FAILED_FILL = PatternFill("solid", fgColor="FFC7CE")
_RED = PatternFill(start_color="FF7C80", end_color="FF7C80", fill_type="solid")
_LIGHT_RED = PatternFill(start_color="FFC7CE", end_color="FFC7CE", fill_type="solid")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_UNLOCKED = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
_BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


# --- the layout: the official tables, drawn the same way for every report ------------------

# Label columns (B ..) of each table sheet; the values start right after them.
_LABEL_WIDTHS = {"active": (26,), "requests": (6, 16, 40), "appeals": (10, 20)}
_VALUE_WIDTH = 13
_HEAD_ROWS = {"active": 1, "requests": 3, "appeals": 1}  # header rows of a (sub-)table
# Section 二 is four (2019: five) sub-tables, each with its own title and header rows.
_ACTIVE_BLOCKS = {
    "2021": (("第二十条第（一）项", ("rules", "normative_docs")),
             ("第二十条第（五）项", ("licensing",)),
             ("第二十条第（六）项", ("penalty", "coercion")),
             ("第二十条第（八）项", ("fees",))),
    "2019": (("第二十条第（一）项", ("rules", "normative_docs")),
             ("第二十条第（五）项", ("licensing", "other_services")),
             ("第二十条第（六）项", ("penalty", "coercion")),
             ("第二十条第（八）项", ("fees",)),
             ("第二十条第（九）项", ("procurement",))),
}
_OUTCOMES = "三、本年度办理结果"
_OUTCOME_GROUPS = {"三": "（三）不予公开", "四": "（四）无法提供", "五": "（五）不予处理",
                   "六": "（六）其他处理"}
_OUTCOME_LABEL = re.compile(r"三（([一二三四五六七])）(.*)")


@dataclass(frozen=True)
class Block:
    """One (sub-)table of a sheet: an optional title row, its header rows, a hidden row with
    the measure codes of its columns, then one row per item (item code in hidden column A)."""

    title: str
    items: tuple[str, ...]
    measures: tuple[str, ...]
    title_row: int | None
    head_row: int
    code_row: int
    first_row: int

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.items) - 1


@dataclass(frozen=True)
class SheetPlan:
    """Where one table sheet puts everything: label columns B .. first_col − 1, value columns
    first_col .. last_col, its blocks top to bottom below the title row."""

    section: str
    first_col: int
    width: int
    blocks: tuple[Block, ...]

    @property
    def last_col(self) -> int:
        return self.first_col + self.width - 1

    @property
    def last_row(self) -> int:
        return self.blocks[-1].last_row

    @property
    def label_cols(self) -> int:
        return self.first_col - 2

    def col(self, block: Block, measure: str) -> int:
        return self.first_col + block.measures.index(measure)

    def spans(self, block: Block) -> bool:
        """A sub-table of one measure draws it across the whole width, as the official one."""
        return len(block.measures) == 1 and self.width > 1


@cache
def plan(template: str, section: str) -> SheetPlan:
    """The drawing of one table sheet of ``template``; ``layout`` and the writer read it."""
    items = tpl.items(template, section)
    groups = _ACTIVE_BLOCKS[template] if section == "active" else (("", tuple(items)),)
    if tuple(i for _, group in groups for i in group) != items:
        raise ValueError(f"{template}/{section}: the sub-tables do not cover the template's items")
    width = max(len(tpl.measures(template, section, i)) for i in items)
    blocks, row = [], TITLE_ROW + 1
    for title, group in groups:
        title_row = None
        if title:
            title_row, row = row, row + 1
        measures = tuple(dict.fromkeys(
            m for i in group for m in tpl.measures(template, section, i)))
        code_row = row + _HEAD_ROWS[section]
        blocks.append(Block(title, tuple(group), measures, title_row, row, code_row, code_row + 1))
        row = code_row + 1 + len(group)
    return SheetPlan(section, 2 + len(_LABEL_WIDTHS[section]), width, tuple(blocks))


@cache
def _places(template: str) -> dict[Key, tuple[str, int, int, int]]:
    """key -> (sheet, row, column, row of its measure code)."""
    where: dict[Key, tuple[str, int, int, int]] = {}
    for section in tpl.SECTIONS:
        p = plan(template, section)
        for block in p.blocks:
            for r, item in enumerate(block.items, block.first_row):
                for m in tpl.measures(template, section, item):
                    where[(section, item, m)] = (section, r, p.col(block, m), block.code_row)
    return where


def layout(template: str) -> dict[Key, tuple[str, int, int]]:
    """Where each cell of ``template`` lives: key -> (sheet, row, column). Deterministic, so
    the reader finds cells by the same rule the writer placed them; the one source of
    workbook addresses."""
    return {key: (sheet, r, c) for key, (sheet, r, c, _) in _places(template).items()}


def code_cells(template: str) -> dict[Key, tuple[tuple[str, int, int], tuple[str, int, int]]]:
    """Where the codes of each cell are written: key -> (its item code: hidden column A of
    its row, its measure code: the hidden code row of its sub-table, above its column)."""
    return {key: ((sheet, r, 1), (sheet, code_row, c))
            for key, (sheet, r, c, code_row) in _places(template).items()}


def _label_path(template: str, section: str, item: str) -> list[str]:
    """An item's label as the official table nests it, outermost first: ``三（三）1.属于国家秘密``
    -> [三、本年度办理结果, （三）不予公开, 1.属于国家秘密]."""
    label = tpl.item_label(template, section, item)
    if section == "requests" and (m := _OUTCOME_LABEL.fullmatch(label)):
        number, rest = m.groups()
        if re.match(r"\d", rest):
            return [_OUTCOMES, _OUTCOME_GROUPS[number], rest]
        return [_OUTCOMES, f"（{number}）{rest}"]
    if section == "appeals" and "·" in label:
        return label.split("·", 1)
    return [label]


def address(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{get_column_letter(col)}{row}"


# --- the identities, as cells ------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    """One single-report identity of the format: sum(expected) = sum(actual)."""

    rule: str
    subject: str
    expected: tuple[Key, ...]
    actual: tuple[Key, ...]
    statement: str


def identities(template: str) -> list[Identity]:
    """Every single-report identity of ``template`` with the cells it adds up; the same rules,
    in the same order, as ``etl.checks.check_report`` (a test holds them together)."""
    rows = tpl.items(template, "requests")
    outcomes = rows[rows.index("granted"):rows.index("handled_total")]
    found: list[Identity] = []
    for m in tpl.measures(template, "requests"):
        found.append(Identity(
            "requests.balance", m, (("requests", "new", m), ("requests", "carried_in", m)),
            (("requests", "handled_total", m), ("requests", "carried_out", m)),
            "一 + 二 = 三（七）+ 四"))
    for m in tpl.measures(template, "requests"):
        found.append(Identity(
            "requests.handled_sum", m, tuple(("requests", i, m) for i in outcomes),
            (("requests", "handled_total", m),), "三（一）至（六）之和 = 三（七）总计"))
    for i in rows:
        found.append(Identity(
            "requests.row_total", i, tuple(("requests", i, a) for a in tpl.APPLICANTS),
            (("requests", i, "total"),), "六类申请人之和 = 总计"))
    for i in tpl.items(template, "appeals"):
        found.append(Identity(
            "appeals.row_total", i,
            tuple(("appeals", i, m) for m in ("upheld", "corrected", "other", "pending")),
            (("appeals", i, "total"),), "维持 + 纠正 + 其他 + 尚未审结 = 总计"))
    return found


def _refs(where: dict[Key, tuple[str, int, int]], keys: tuple[Key, ...], local: str = "") -> str:
    """The cells of ``keys`` as a formula argument list (sheet-qualified unless on ``local``)."""
    out = []
    for key in keys:
        sheet, r, c = where[key]
        out.append(f"{get_column_letter(c)}{r}" if sheet == local else address(sheet, r, c))
    return ",".join(out)


def _sum_formula(where: dict[Key, tuple[str, int, int]], keys: tuple[Key, ...],
                 local: str = "") -> str:
    refs = _refs(where, keys, local)
    return f'IF(COUNT({refs})<{len(keys)},"",SUM({refs}))'


def _diff_formula(where: dict[Key, tuple[str, int, int]], ident: Identity,
                  local: str = "") -> str:
    """expected − actual, or "" while a cell is empty (as the Python check skips it)."""
    e, a = _refs(where, ident.expected, local), _refs(where, ident.actual, local)
    n = len(ident.expected) + len(ident.actual)
    return f'=IF(COUNT({e},{a})<{n},"",SUM({e})-SUM({a}))'


def _failing(ref: str) -> str:
    return f"AND(ISNUMBER({ref}),ABS({ref})>{_EPS})"


def _stored(result: CheckResult | None) -> float | int | None:
    """The difference found at extraction time, as a plain value."""
    if result is None:
        return None
    diff = result.expected - result.actual
    return int(diff) if float(diff).is_integer() else round(diff, 6)


# --- writing -----------------------------------------------------------------------------

def _protect(ws: Worksheet) -> None:
    """Lock the sheet without a password (reviewers may still resize rows and columns)."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _print_setup(ws: Worksheet, area: str | None = None) -> None:
    """Print (and export to PDF) one page wide, landscape A4."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if area:
        ws.print_area = area


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (CJK = 2)."""
    size = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return max(1, -(-size // int(width * 0.95)))


def _validations(ws: Worksheet) -> dict[str, DataValidation]:
    common = {"allow_blank": True, "showErrorMessage": True, "errorTitle": "数值不符合要求"}
    dvs = {
        "count": DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                                error="请填写不小于 0 的整数；原表为空请留空", **common),
        "decimal": DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                  error="请填写不小于 0 的数（万元，可有小数）", **common),
        "signed": DataValidation(type="whole", operator="between", formula1="-999999999",
                                 formula2="999999999",
                                 error="请填写整数（本年增/减，可为负数）", **common),
    }
    for dv in dvs.values():
        ws.add_data_validation(dv)
    return dvs


def _box(ws: Worksheet, r1: int, c1: int, r2: int, c2: int, value: Any = None, *,
         head: bool = False, align: Alignment = _WRAP) -> None:
    """One (merged) cell of the drawing: bordered, bold and grey when a heading."""
    cell = ws.cell(r1, c1, value)
    cell.border, cell.alignment = _BORDER, align
    if head:
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def _width(ws: Worksheet, c1: int, c2: int) -> float:
    return sum(ws.column_dimensions[get_column_letter(c)].width or 13 for c in range(c1, c2 + 1))


def _heading(ws: Worksheet, t: str, p: SheetPlan, block: Block) -> None:
    """A block's title row and header rows, and its hidden row of measure codes."""
    section, last = p.section, p.last_col
    if block.title_row:
        _box(ws, block.title_row, 2, block.title_row, last, block.title, head=True)
    head, code = block.head_row, block.code_row
    label = tpl.measure_label
    if section == "requests":
        _box(ws, head, 2, code - 1, p.first_col - 1, _BALANCE_NOTE, head=True, align=_CENTER)
        _box(ws, head, p.first_col, head, last, "申请人情况", head=True, align=_CENTER)
        org = [m for m in block.measures if m not in ("natural_person", "total")]
        for m in ("natural_person", "total"):
            c = p.col(block, m)
            _box(ws, head + 1, c, head + 2, c, label(t, section, m), head=True, align=_CENTER)
        first = p.col(block, org[0])
        _box(ws, head + 1, first, head + 1, first + len(org) - 1, "法人或其他组织", head=True,
             align=_CENTER)
        for m in org:
            c = p.col(block, m)
            _box(ws, head + 2, c, head + 2, c, label(t, section, m), head=True, align=_CENTER)
        for r in range(head, code):
            ws.row_dimensions[r].height = 20
    else:
        _box(ws, head, 2, head, p.first_col - 1, "信息内容" if section == "active" else "项目",
             head=True, align=_CENTER)
        if p.spans(block):
            _box(ws, head, p.first_col, head, last, label(t, section, block.measures[0]),
                 head=True, align=_CENTER)
        else:
            for c in range(p.first_col, last + 1):
                m = block.measures[c - p.first_col] if c - p.first_col < len(block.measures) \
                    else None
                _box(ws, head, c, head, c, label(t, section, m) if m else None, head=True,
                     align=_CENTER)
        ws.row_dimensions[head].height = 32 if section == "active" else 48
    ws.cell(code, 1, "code")
    for m in block.measures:
        ws.cell(code, p.col(block, m), m)
    ws.row_dimensions[code].hidden = True


def _labels(ws: Worksheet, t: str, p: SheetPlan, block: Block) -> None:
    """The item labels as the official table draws them: an outer label merged down the rows
    it groups, a label without sub-levels merged across the remaining label columns."""
    paths = [_label_path(t, p.section, item) for item in block.items]
    n, first = p.label_cols, block.first_row
    lines = [1] * len(paths)
    for level in range(n):
        i = 0
        while i < len(paths):
            path = paths[i]
            if len(path) <= level:
                i += 1
                continue
            if level == len(path) - 1:  # the leaf: across the remaining label columns
                _box(ws, first + i, 2 + level, first + i, 1 + n, path[level])
                lines[i] = _lines(path[level], _width(ws, 2 + level, 1 + n))
                i += 1
                continue
            end = i
            while (end + 1 < len(paths) and len(paths[end + 1]) > level + 1
                   and paths[end + 1][:level + 1] == path[:level + 1]):
                end += 1
            _box(ws, first + i, 2 + level, first + end, 2 + level, path[level], align=_CENTER)
            i = end + 1
    for i, count in enumerate(lines):
        if count > 1:
            ws.row_dimensions[first + i].height = 15 * count + 2


def _write_grid(wb: openpyxl.Workbook, report: Report) -> None:
    t = report.template
    where = layout(t)
    spec = tpl.spec_index(t)
    spanned: list[tuple[str, int, int, int]] = []  # value cells drawn across the width
    for section in tpl.SECTIONS:
        ws = wb.create_sheet(section)
        p = plan(t, section)
        ws.column_dimensions["A"].hidden = True
        for c, width in enumerate(_LABEL_WIDTHS[section], 2):
            ws.column_dimensions[get_column_letter(c)].width = width
        for c in range(p.first_col, p.last_col + 1):
            ws.column_dimensions[get_column_letter(c)].width = _VALUE_WIDTH
        title = ws.cell(TITLE_ROW, 2, tpl.SECTION_TITLES[section])
        title.font, title.alignment = Font(bold=True, size=12), _WRAP
        ws.merge_cells(start_row=TITLE_ROW, start_column=2, end_row=TITLE_ROW,
                       end_column=p.last_col)
        ws.row_dimensions[TITLE_ROW].height = 22
        for block in p.blocks:
            _heading(ws, t, p, block)
            _labels(ws, t, p, block)
            for r, item in enumerate(block.items, block.first_row):
                ws.cell(r, 1, item)
                for c in range(p.first_col, p.last_col + 1):
                    ws.cell(r, c).fill = _NA_FILL  # cleared below for the template's own cells
                    ws.cell(r, c).border = _BORDER
                if p.spans(block):
                    spanned.append((section, r, p.first_col, p.last_col))
        pages = sorted({c.page for c in report.cells.values() if c.section == section and c.page})
        for c in (p.last_col + 1, p.last_col + 2):  # the check columns, or the page note
            ws.column_dimensions[get_column_letter(c)].width = 14
        if pages:
            ws.cell(TITLE_ROW, p.last_col + 1,
                    f"来源：PDF 第 {'、'.join(map(str, pages))} 页").font = Font(color="595959")
            ws.merge_cells(start_row=TITLE_ROW, start_column=p.last_col + 1, end_row=TITLE_ROW,
                           end_column=p.last_col + 2)
        first = p.blocks[0]
        top = first.first_row if len(p.blocks) == 1 else TITLE_ROW + 1
        ws.freeze_panes = f"{get_column_letter(p.first_col)}{top}"
        _protect(ws)

    dvs = {section: _validations(wb[section]) for section in tpl.SECTIONS}
    for key, (sheet, r, c) in where.items():
        cell = report.cells[key]
        target = wb[sheet].cell(r, c, cell.value)
        target.fill = PatternFill(fill_type=None)
        target.protection = _UNLOCKED
        target.alignment = Alignment(horizontal="center", vertical="center")
        dvs[sheet][spec[key].kind].add(target.coordinate)
        if spec[key].kind == "signed":
            target.number_format = "+0;-0;0"  # 本年增/减 as the official table prints it
        flagged = [f for f in cell.flags if f in _FILLS]
        if flagged:
            target.fill = PatternFill("solid", fgColor=_FILLS[flagged[-1]])
            why = "；".join(_WHY[f] for f in flagged)
            printed = f"\n原文：{cell.printed!r}" if cell.printed else ""
            target.comment = Comment(f"{why}{printed}\n{cell.note}".strip(), "ogi")
    for sheet, r, c1, c2 in spanned:
        wb[sheet].merge_cells(start_row=r, start_column=c1, end_row=r, end_column=c2)


def _cf(ws: Worksheet, cells: str, condition: str, fill: PatternFill) -> None:
    ws.conditional_formatting.add(cells, FormulaRule(formula=[condition], fill=fill))


CheckPlace = tuple[str, tuple[int, int], tuple[int, int]]  # sheet, live (row, col), stored


def check_cells(template: str) -> dict[tuple[str, str], CheckPlace]:
    """Where each live check is written: (rule, subject) -> (sheet, (row, column) of the live
    formula, (row, column) of the difference found at extraction). A row's check sits in the
    two columns right of the grid, a column's check in the rows below it."""
    where = layout(template)
    found: dict[tuple[str, str], CheckPlace] = {}
    below = plan(template, "requests").last_row + 2
    row_rules = ("requests.balance", "requests.handled_sum")
    for ident in identities(template):
        sheet, r, c = where[ident.actual[0]]
        if ident.rule in row_rules:
            n = row_rules.index(ident.rule)
            found[(ident.rule, ident.subject)] = (sheet, (below + n, c), (below + 2 + n, c))
        else:
            live = plan(template, sheet).last_col + 1
            found[(ident.rule, ident.subject)] = (sheet, (r, live), (r, live + 1))
    return found


def _write_live_checks(wb: openpyxl.Workbook, report: Report) -> None:
    """Beside each grid: each identity as a live formula (expected − actual, red when not 0),
    the cells it adds up turning light red with it, and the difference found at extraction
    time as a plain value (red when the check failed), for viewers that do not calculate."""
    t = report.template
    where = layout(t)
    results = {(r.rule, r.subject): r for r in check_report(report)}
    places = check_cells(t)

    for ident in identities(t):
        sheet, live, stored = places[(ident.rule, ident.subject)]
        ws = wb[sheet]
        cell = ws.cell(*live, _diff_formula(where, ident, sheet))
        cell.fill, cell.border = _CHECK_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ref = f"${get_column_letter(live[1])}${live[0]}"
        _cf(ws, cell.coordinate, _failing(ref), _RED)
        involved = " ".join(address(*where[k]).split("!")[1]
                            for k in (*ident.expected, *ident.actual))
        _cf(ws, involved, _failing(ref), _LIGHT_RED)
        result = results.get((ident.rule, ident.subject))
        old = ws.cell(*stored, _stored(result))
        old.border = _BORDER
        old.alignment = Alignment(horizontal="center", vertical="center")
        if result is not None and not result.ok:
            old.fill = _FAILED_FILL

    grey = Font(bold=True, color="595959")
    for section in ("requests", "appeals"):  # headings of the check columns
        ws, p = wb[section], plan(t, section)
        block = p.blocks[0]
        for c, text in ((p.last_col + 1, "核对：各项之和−总计（实时，应为 0）"),
                        (p.last_col + 2, "同上，提取时")):
            _box(ws, block.head_row, c, block.code_row - 1, c, text, align=_CENTER)
            ws.cell(block.head_row, c).font = grey

    ws, p = wb["requests"], plan(t, "requests")
    labels = {"requests.balance": "本列核对：一 + 二 − 三（七）− 四",
              "requests.handled_sum": "本列核对：三（一）至（六）之和 − 三（七）"}
    for rule, text in labels.items():
        subject = tpl.measures(t, "requests")[0]
        _, (live_row, _), (stored_row, _) = places[(rule, subject)]
        for r, when in ((live_row, "（实时，应为 0）"), (stored_row, "（提取时）")):
            _box(ws, r, 2, r, p.first_col - 1, f"{text}{when}")
            ws.cell(r, 2).font = Font(color="595959")
    for section in tpl.SECTIONS:
        ws = wb[section]
        _print_setup(ws, f"B1:{get_column_letter(ws.max_column)}{ws.max_row}")


def _write_checks_sheet(wb: openpyxl.Workbook, report: Report) -> None:
    """One row per identity: live expected / actual / result, and the extraction-time ones."""
    t = report.template
    where = layout(t)
    results = {(r.rule, r.subject): r for r in check_report(report)}
    ws = wb.create_sheet(CHECKS_SHEET)
    ws.append(["rule", "subject", "说明", "应为（实时）", "实为（实时）", "结果（实时）",
               "应为（提取时）", "实为（提取时）", "结果（提取时）"])
    for c in range(1, 10):
        ws.cell(1, c).font, ws.cell(1, c).fill = Font(bold=True), _HEAD_FILL
    for r, ident in enumerate(identities(t), 2):
        section = ident.expected[0][0]
        subject = (tpl.measure_label(t, section, ident.subject) if ident.rule in (
            "requests.balance", "requests.handled_sum")
            else tpl.item_label(t, section, ident.subject))
        result = results.get((ident.rule, ident.subject))
        ws.append([ident.rule, ident.subject, f"{subject}：{ident.statement}",
                   f"={_sum_formula(where, ident.expected)}",
                   f"={_sum_formula(where, ident.actual)}",
                   f'=IF(OR(D{r}="",E{r}=""),"",IF(ABS(D{r}-E{r})<{_EPS},"相符","不符"))',
                   result.expected if result else None, result.actual if result else None,
                   ("相符" if result.ok else "不符") if result else None])
        for c in (6, 9):
            ws.cell(r, c).alignment = Alignment(horizontal="center")
        if result is not None and not result.ok:
            ws.cell(r, 9).fill = _FAILED_FILL
    last = ws.max_row
    _cf(ws, f"A2:F{last}", '$F2="不符"', _RED)
    for letter, width in zip("ABCDEFGHI", (22, 22, 60, 12, 12, 12, 14, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    _print_setup(ws)
    _protect(ws)


def _write_meta(wb: openpyxl.Workbook, report: Report) -> None:
    meta = wb.active
    meta.title = META_SHEET
    meta.append(["field", "value", "说明"])
    for name in META_FIELDS:
        meta.append([name, getattr(report, name), META_LABELS[name]])
    meta.column_dimensions["A"].width = 14
    meta.column_dimensions["B"].width = 44
    meta.column_dimensions["C"].width = 26
    status = DataValidation(type="list", formula1=f'"{",".join(STATUSES)}"', allow_blank=True,
                            showErrorMessage=True, error="extracted 或 reviewed")
    year = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                          allow_blank=True, showErrorMessage=True, error="年度：四位数字")
    meta.add_data_validation(status)
    meta.add_data_validation(year)
    for name in META_EDITABLE:
        cell = meta.cell(META_FIELDS.index(name) + 2, 2)
        cell.protection = _UNLOCKED
        cell.fill = PatternFill("solid", fgColor="FFFFFF")
        if name == "status":
            status.add(cell.coordinate)
        elif name == "year":
            year.add(cell.coordinate)
    for r in range(2, len(META_FIELDS) + 2):
        if meta.cell(r, 1).value not in META_EDITABLE:
            meta.cell(r, 2).fill = _HEAD_FILL
    _print_setup(meta)
    _protect(meta)


def fingerprint(report: Report) -> str:
    """sha256 of the values and the metadata a person may correct: equal fingerprints mean
    nobody changed the workbook's data since it was written."""
    def norm(v: Any) -> Any:
        if v is None or v == "":
            return None
        if isinstance(v, int | float) and not isinstance(v, bool):
            return int(v) if float(v).is_integer() else round(float(v), 9)
        return str(v)

    payload = {"meta": {f: norm(getattr(report, f)) for f in FINGERPRINT_FIELDS},
               "cells": sorted([*k, norm(c.value)] for k, c in report.cells.items())}
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_workbook(report: Report, path: str | Path, *, pdf: str | Path | None = None) -> Path:
    """Write ``report`` as a review workbook at ``path`` (atomically: a crash leaves no
    half-written file). With ``pdf`` (the source), an image of each table's region of the
    page is placed beside its grid."""
    path = Path(path)
    wb = openpyxl.Workbook()
    _write_meta(wb, report)
    _write_grid(wb, report)
    _write_live_checks(wb, report)
    _write_checks_sheet(wb, report)

    text_ws = wb.create_sheet(TEXT_SHEET)
    text_ws.append(["section", "title", "text"])
    for number, (title, body) in report.narrative.items():
        text_ws.append([number, title, body[:_EXCEL_CELL_MAX]])
    text_ws.column_dimensions["C"].width = 100
    for row in text_ws.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    _print_setup(text_ws)

    cells_ws = wb.create_sheet(CELLS_SHEET)
    cells_ws.sheet_state = "hidden"
    cells_ws.append(list(CELLS_COLUMNS))
    for key, (sheet, r, c) in layout(report.template).items():
        cell = report.cells[key]
        cells_ws.append([*key, address(sheet, r, c), cell.value, cell.printed, cell.page,
                         json.dumps(cell.box) if cell.box else None, ",".join(cell.flags),
                         cell.note])

    ogi = wb.create_sheet(OGI_SHEET)
    ogi.sheet_state = "hidden"
    ogi.append(["key", "value"])
    ogi.append(["fingerprint", fingerprint(report)])
    ogi.append(["written_at", datetime.now(UTC).isoformat(timespec="seconds")])
    _protect(cells_ws)
    _protect(ogi)

    if pdf is not None:
        _place_source_images(wb, report, Path(pdf))
    # Sheets cannot be added, removed, renamed or moved: the reader finds them by name.
    wb.security = WorkbookProtection(lockStructure=True)

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _place_source_images(wb: openpyxl.Workbook, report: Report, pdf: Path) -> None:
    """An image of each table, cut from its page(s) by the boxes of its cells, beside the
    grid with the page number. Best effort: a PDF that cannot be rendered adds nothing."""
    from openpyxl.drawing.image import Image

    try:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(pdf))
    except Exception:  # noqa: BLE001 - the images are an aid; the data never depends on them
        return
    scale = 2.0
    try:
        for section in tpl.SECTIONS:
            boxes: dict[int, list[tuple[float, float, float, float]]] = {}
            for cell in report.cells.values():
                if cell.section == section and cell.page and cell.box:
                    boxes.setdefault(cell.page, []).append(cell.box)
            ws = wb[section]
            anchor_col = plan(report.template, section).last_col + 4
            row = 1
            for page_no in sorted(boxes):
                if not 1 <= page_no <= len(doc):
                    continue
                page = doc[page_no - 1]
                width, height = page.get_size()
                # The whole width (the row labels have no boxes), from the headings above
                # the topmost value to just below the lowest.
                x1, x2 = 0.0, width
                y1 = min(min(b[1], b[3]) for b in boxes[page_no]) - 8
                y2 = max(max(b[1], b[3]) for b in boxes[page_no]) + 72
                # Camelot boxes are in PDF points with the origin at the bottom left.
                top, bottom = max(height - y2, 0), min(height - y1, height)
                image = page.render(scale=scale).to_pil()
                crop = image.crop((int(x1 * scale), int(top * scale), int(x2 * scale),
                                   int(bottom * scale)))
                buffer = io.BytesIO()
                crop.save(buffer, format="PNG")
                buffer.seek(0)
                picture = Image(buffer)
                picture.width, picture.height = crop.width // 2, crop.height // 2
                ws.cell(row, anchor_col, f"原表第 {page_no} 页").font = Font(bold=True)
                ws.add_image(picture, f"{get_column_letter(anchor_col)}{row + 1}")
                row += 2 + picture.height // 20
    finally:
        doc.close()


def blank_report(agency: str, year: int, template: str | None = None) -> Report:
    """An empty report for manual entry (a scan that cannot be extracted): every value empty,
    status ``extracted``, its id from agency and year."""
    template = template or ("2021" if year >= 2021 else "2019")
    if template not in tpl.TEMPLATES:
        raise EtlError(f"template must be one of {', '.join(tpl.TEMPLATES)}, not {template!r}")
    return Report(report_id=manual_report_id(agency, year), template=template, agency=agency,
                  year=year, extracted_at=datetime.now(UTC).isoformat(timespec="seconds"),
                  note="手工录入（无可提取的 PDF）")


def manual_report_id(agency: str, year: int) -> str:
    """A stable id for a manually entered report: ``manual_<year>_<hash of agency+year>``."""
    digest = hashlib.sha256(f"{agency.strip()}|{year}".encode()).hexdigest()[:12]
    return f"manual_{year}_{digest}"


def write_template(agency: str, year: int, template: str | None, sheets_dir: str | Path
                   ) -> Path:
    """Write the blank workbook of ``blank_report`` into ``sheets_dir``; never overwrites."""
    report = blank_report(agency, year, template)
    path = Path(sheets_dir) / f"{report.report_id}.xlsx"
    if path.exists():
        raise EtlError(f"{path}: already exists; not overwritten")
    return write_workbook(report, path)


# --- reading and validation --------------------------------------------------------------

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
    ~40x faster than openpyxl, whose parse (once per sheet through petl.fromxlsx) made a load
    of thousands of workbooks take an hour; openpyxl only for workbooks with error cells."""
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
    ("meta", f"status must be one of {', '.join(STATUSES)}",
     lambda r: r["field"] != "status" or str(r["value"] or "").strip() in ("", *STATUSES)),
)


@cache
def _legacy_places(template: str) -> dict[Key, tuple[str, int, int, int]]:
    """The grid of workbooks written before the official drawing (one label column B, values
    from C4, measure codes in row 3): still read, so such workbooks load as they are; ``ogi
    extract --force`` redraws them."""
    where: dict[Key, tuple[str, int, int, int]] = {}
    for section in tpl.SECTIONS:
        cols = tpl.measures(template, section)
        for r, item in enumerate(tpl.items(template, section), 4):
            for m in tpl.measures(template, section, item):
                where[(section, item, m)] = (section, r, 3 + cols.index(m), 3)
    return where


def _codes_match(sheets: dict[str, list[tuple[Any, ...]]],
                 places: dict[Key, tuple[str, int, int, int]]) -> bool:
    return all(_at(sheets[sheet], r, 1) == item and _at(sheets[sheet], code_row, c) == measure
               for (_, item, measure), (sheet, r, c, code_row) in places.items())


def cell_table(sheets: dict[str, list[tuple[Any, ...]]], template: str) -> petl.Table:
    """The template's cells as read: one row per cell with where it should be, the codes
    found there and its value (a whitespace-only text counts as empty)."""
    spec = tpl.spec_index(template)
    places = _places(template)
    if not _codes_match(sheets, places) and _codes_match(sheets, _legacy_places(template)):
        places = _legacy_places(template)
    data = []
    for key, (sheet, r, c, code_row) in places.items():
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

    # meta: one row per field; a field's problem is named by its own row.
    meta_rows = [(str(row[0]), row[1] if len(row) > 1 else None, r)
                 for r, row in enumerate(sheets[META_SHEET][1:], 2) if row and row[0]]
    meta = {field: value for field, value, _ in meta_rows}
    if "template" not in meta:  # a missing template row is a problem too
        meta_rows.append(("template", None, META_FIELDS.index("template") + 2))
    problems += _problems(problem_table(
        name, petl.wrap([("field", "value", "at"), *meta_rows]), _META_RULES,
        lambda _subject, row: (f"{META_SHEET}!B{row['at']}", row["value"])))
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
        status=str(meta.get("status") or "").strip() or "extracted",
        reviewer=str(meta.get("reviewer") or ""),
        note=str(meta.get("note") or ""),
        narrative={str(r[0]): (str(r[1] or ""), str(r[2] or "")) for r in text_rows[1:]
                   if r and r[0] and len(r) > 2 and r[2]})
    for place_field in ("province", "city", "county", "adcode", "level"):
        value = meta.get(place_field)
        setattr(report, place_field, str(value) if value not in (None, "") else None)

    provenance = {tuple(row[:3]): dict(zip(CELLS_COLUMNS, row, strict=False))
                  for row in sheets[CELLS_SHEET][1:] if row and row[0]}
    for row in petl.dicts(cells):
        key = (row["sheet"], row["item"], row["measure"])
        value = row["value"]
        if isinstance(value, float) and row["kind"] != "decimal":
            value = int(value)
        p = provenance.get(key, {})
        box = p.get("box")
        report.cells[key] = Cell(
            *key, value=value, printed=p.get("printed"), page=p.get("page"),
            box=tuple(json.loads(box)) if box else None,
            flags=[f for f in str(p.get("flags") or "").split(",") if f], note=p.get("note") or "")
    return report


def stored_source_sha256(path: str | Path) -> str | None:
    """The source PDF's sha256 recorded on the meta sheet (cheap: one sheet is read)."""
    try:
        rows = _rows(Path(path), META_SHEET)
    except (KeyError, zipfile.BadZipFile, InvalidFileException, OSError):
        return None
    value = {str(r[0]): r[1] for r in rows[1:] if r and r[0]}.get("sha256")
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
