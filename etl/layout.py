"""The drawing plan of the review workbook: where every cell, label, code, check and header
goes, the same for every report of a template.

Each table sheet (``active``, ``requests``, ``appeals``) is drawn as the official table
(``plan``): a title in row ``TITLE_ROW``, then one or more (sub-)tables (``Block``), each with
its header rows, a hidden row with the measure codes of its columns, and one row per item
with the item code in hidden column A and its label nested as the official table nests it
(``etl.template.label_path``). ``positions`` says where each value cell and its codes live,
``layout`` where each value cell lives, ``check_cells`` where each identity of the format
(``etl.template.identities``) is checked beside the grid. The writer (``etl.sheets``) draws by
this plan and the reader (``etl.sheets_read``) finds the cells by it, so the two cannot
disagree.

The meta sheet has one field a row: its code in hidden column ``META_CODE_COL``, its Chinese
label in ``META_LABEL_COL``, its value in ``META_VALUE_COL``; the reader finds fields by code,
whatever row they are in. Statuses are shown as ``STATUS_LABELS`` and stored as their codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from etl import template as tpl
from etl.errors import EtlError
from etl.ooxml import column
from etl.template import Key

# The sheets, found by name; the meta sheet has one field a row (from row 2), the hidden
# _cells sheet one cell a row under CELLS_COLUMNS (as JSON, see CELLS_JSON).
META_SHEET, CELLS_SHEET, CHECKS_SHEET, OGI_SHEET = "meta", "_cells", "checks", "_ogi"
TEXT_SHEET = "text"
META_FIELDS = ("report_id", "agency", "year", "template", "source_file", "sha256",
               "extracted_at", "status", "reviewer", "note", "province", "city", "county",
               "adcode", "level")
# What a person reads and picks for each status (the database keeps the codes).
STATUS_LABELS = {"extracted": "未审核", "reviewed": "已审核"}
META_LABELS = {"report_id": "报告编号", "agency": "机关名称", "year": "年度", "template": "模板",
               "source_file": "来源文件", "sha256": "来源文件 SHA-256", "extracted_at": "提取时间",
               "status": "状态", "reviewer": "审核人", "note": "备注", "province": "省",
               "city": "市", "county": "县（区）", "adcode": "行政区划代码", "level": "层级"}
# What a reviewer may change on the meta sheet; the rest is provenance, locked and ignored
# (with a warning) when edited.
META_EDITABLE = ("agency", "year", "status", "reviewer", "note")
# The place fields are shown for information only: the loader derives them from the agency.
META_PLACE = ("province", "city", "county", "adcode", "level")
META_CODE_COL, META_LABEL_COL, META_VALUE_COL = 1, 2, 3
# The hidden _ogi sheet: key in column A, value in column B, one a row. What ogi wrote:
# the fingerprint of the data, the workbook's own file name and report id (a workbook is
# bound to them: a copy renamed or relabelled as another report is refused), when.
OGI_KEYS = ("fingerprint", "report_id", "workbook", "source_sha256", "source_file",
            "extracted_at", "written_at")
CELLS_COLUMNS = ("section", "item", "measure", "address", "extracted", "printed", "page", "box",
                 "flags", "note", "confidence")
# The _cells sheet as written since 2026-12-03: CELLS_JSON in A1, and from A2 down the JSON
# text of its rows (the first one CELLS_COLUMNS) in pieces of at most CELLS_JSON_PIECE
# characters (a cell holds 32,767). A row of cells for each cell of the report made 1,600
# cells, and reading them was half of a load's reading. Workbooks written before hold those
# rows of cells, under CELLS_COLUMNS in row 1; they still read.
CELLS_JSON = "cells_json"
CELLS_JSON_PIECE = 30_000
TITLE_ROW = 1  # every table sheet: the section's title in row 1, its grid below

# --- the layout: the official tables, drawn the same way for every report ------------------

# Label columns (B ..) of each table sheet; the values start right after them. Widths are
# chosen so that labels, values, checks and the page image fit 1920 px at 100 %.
LABEL_WIDTHS = {"active": (26,), "requests": (6, 16, 38), "appeals": (10, 18)}
VALUE_WIDTHS = {"active": 14, "requests": 9, "appeals": 9}
CHECK_WIDTHS = (11, 8)  # the live check column, the one found at extraction
POINTER_WIDTH = 3.5  # the band naming the page of the image beside it
_HEAD_ROWS = {"active": 1, "requests": 3, "appeals": 1}  # header rows of a (sub-)table


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
    groups = tpl.subtables(template) if section == "active" else (("", tuple(items)),)
    if tuple(i for _, group in groups for i in group) != items:
        raise EtlError(f"{template}/{section}: the sub-tables do not cover the template's items")
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
    return SheetPlan(section, 2 + len(LABEL_WIDTHS[section]), width, tuple(blocks))


@cache
def positions(template: str) -> dict[Key, tuple[str, int, int, int]]:
    """Where each cell of ``template`` lives and where its measure code is: key -> (sheet,
    row, column, row of its measure code; its item code is in column A of its row)."""
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
    return {key: (sheet, r, c) for key, (sheet, r, c, _) in positions(template).items()}


def address(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{column(col)}{row}"


# --- where each identity is checked ------------------------------------------------------

CheckCells = tuple[str, tuple[int, int], tuple[int, int]]  # sheet, live (row, col), stored


@cache
def check_cells(template: str) -> dict[tuple[str, str], CheckCells]:
    """Where each live check is written: (rule, subject) -> (sheet, (row, column) of the live
    formula, (row, column) of the difference found at extraction). A row's check sits in the
    two columns right of the grid, a column's check in the rows below it."""
    where = layout(template)
    found: dict[tuple[str, str], CheckCells] = {}
    below = plan(template, "requests").last_row + 2
    column_rules = list(dict.fromkeys(i.rule for i in tpl.identities(template)
                                      if i.per == "measure"))
    for ident in tpl.identities(template):
        sheet, r, c = where[ident.actual[0]]
        if ident.per == "measure":
            n = column_rules.index(ident.rule)
            found[(ident.rule, ident.subject)] = (sheet, (below + n, c),
                                                  (below + len(column_rules) + n, c))
        else:
            live = plan(template, sheet).last_col + 1
            found[(ident.rule, ident.subject)] = (sheet, (r, live), (r, live + 1))
    return found


def check_columns(template: str, section: str) -> int:
    """How many columns of row checks stand right of the grid (0 on a sheet without)."""
    return 2 if any(i.per == "item" and i.actual[0][0] == section
                    for i in tpl.identities(template)) else 0


def picture_column(template: str, section: str) -> int:
    """The column of the band naming the source page; its image starts in the next one:
    right of the grid and its row checks, so values and image are seen side by side."""
    return plan(template, section).last_col + check_columns(template, section) + 1


def derived_formula(template: str, key: Key) -> str | None:
    """The live formula ogi writes in a derived cell (a total the report does not print):
    the sum of the operands of the row identity whose total it is, blank while one of them
    is blank (never an invented 0). The reader recognises exactly this text as ogi's own;
    None for a cell no row identity totals."""
    parts = derived_parts(template, key)
    if parts is None:
        return None
    where = layout(template)
    refs = ",".join(f"{column(where[k][2])}{where[k][1]}" for k in parts)
    return f'=IF(COUNT({refs})<{len(parts)},"",SUM({refs}))'


def derived_parts(template: str, key: Key) -> tuple[Key, ...] | None:
    """The cells a derived total of ``key`` adds up (the operands of the row identity
    whose total it is); None for a cell no row identity totals."""
    ident = next((i for i in tpl.identities(template)
                  if i.per == "item" and i.actual == (key,)), None)
    return None if ident is None else ident.expected
