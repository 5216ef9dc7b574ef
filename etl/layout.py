"""The drawing plan of the review workbook: where every cell, label, code, check and header
goes, the same for every report of a template.

Each table sheet (``active``, ``requests``, ``appeals``) is drawn as the official table
(``plan``): a title in row ``TITLE_ROW``, then one or more (sub-)tables (``Block``), each with
its header rows, a hidden row with the measure codes of its columns, and one row per item
with the item code in hidden column A and its label nested as the official table nests it
(``label_path``). ``layout`` says where each value cell lives, ``code_cells`` where its codes
are, ``check_cells`` where each identity of the format (``identities``) is checked beside the
grid. The writer (``etl.sheets``) draws by this plan and the reader (``etl.sheets_read``) finds
the cells by it, so the two cannot disagree; ``legacy_places`` is the grid of workbooks
written before the official drawing, still read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from openpyxl.utils import get_column_letter

from etl import template as tpl
from etl.template import Key

# The sheets, found by name; the meta sheet has one field a row (from row 2), the hidden
# _cells sheet one cell a row under these columns.
META_SHEET, CELLS_SHEET, CHECKS_SHEET, OGI_SHEET = "meta", "_cells", "checks", "_ogi"
TEXT_SHEET = "text"
META_FIELDS = ("report_id", "agency", "year", "template", "source_file", "sha256",
               "extracted_at", "status", "reviewer", "note", "province", "city", "county",
               "adcode", "level")
STATUSES = ("extracted", "reviewed")
CELLS_COLUMNS = ("section", "item", "measure", "address", "extracted", "printed", "page", "box",
                 "flags", "note")
TITLE_ROW = 1  # every table sheet: the section's title in row 1, its grid below

# --- the layout: the official tables, drawn the same way for every report ------------------

# Label columns (B ..) of each table sheet; the values start right after them.
LABEL_WIDTHS = {"active": (26,), "requests": (6, 16, 40), "appeals": (10, 20)}
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
    return SheetPlan(section, 2 + len(LABEL_WIDTHS[section]), width, tuple(blocks))


@cache
def places(template: str) -> dict[Key, tuple[str, int, int, int]]:
    """Where each cell of ``template`` lives and where its measure code is: key -> (sheet,
    row, column, row of its measure code); ``layout`` and ``code_cells`` are views of it."""
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
    return {key: (sheet, r, c) for key, (sheet, r, c, _) in places(template).items()}


def code_cells(template: str) -> dict[Key, tuple[tuple[str, int, int], tuple[str, int, int]]]:
    """Where the codes of each cell are written: key -> (its item code: hidden column A of
    its row, its measure code: the hidden code row of its sub-table, above its column)."""
    return {key: ((sheet, r, 1), (sheet, code_row, c))
            for key, (sheet, r, c, code_row) in places(template).items()}


def label_path(template: str, section: str, item: str) -> list[str]:
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


# --- the identities, as cells, and where each is checked ---------------------------------

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


# --- the grid of older workbooks, still read ---------------------------------------------

@cache
def legacy_places(template: str) -> dict[Key, tuple[str, int, int, int]]:
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

