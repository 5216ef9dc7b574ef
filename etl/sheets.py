"""``Report`` -> review workbook (one per report, the same grid for every report):
``write_workbook``, read back by ``etl.sheets_read.read_workbook``.

Sheets: ``meta`` (报告编号, 机关名称, 年度, 状态, 审核人 … with a 说明 block: the review steps and
what each colour means), one sheet per table (``active``, ``requests``, ``appeals``), each
drawn as the official table by the plan of ``etl.layout`` — merged labels, the applicant
header of ``requests`` on three levels, ``active`` as its sub-tables — with the item code of
each row in the hidden column A and the measure codes in a hidden row under each header.
Right of each grid, outside the frozen label columns: the live row checks, then the source
page's image of the table, its rows beside the grid's rows (``etl.pageimage``) and a band
naming its page. Beside the grids and on ``checks``, every identity of the format as live
formulas, with the result found at extraction as plain values; ``text`` (the prose sections
as paragraphs), a hidden ``_cells`` sheet with what was extracted (printed text, page, box,
flags, confidence), and a hidden ``_ogi`` sheet with the fingerprint of what was written.

A cell the source did not print but ogi computed (a derived total) holds the live formula
``etl.layout.derived_formula`` with its value cached, so it follows its corrected parts.
Cells are coloured by what extraction says of them (blank, derived, absent, doubtful, OCR'd
by confidence), each colour explained by a one-sentence Chinese comment.

Only values are editable: every sheet is protected (no password) and only the value cells
(and the editable meta fields) are unlocked, with data validation by cell kind. Every text
is written as text, never as a formula. The template's fixed parts are drawn once per
template and process (``etl.ooxml``); a report adds its values, marks and images.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from etl import template as tpl
from etl.checks import TOLERANCE, CheckResult, check_report
from etl.i18n import _
from etl.layout import (
    CELLS_COLUMNS,
    CELLS_JSON,
    CELLS_JSON_PIECE,
    CELLS_SHEET,
    CHECK_WIDTHS,
    CHECKS_SHEET,
    LABEL_WIDTHS,
    META_CODE_COL,
    META_EDITABLE,
    META_FIELDS,
    META_LABEL_COL,
    META_LABELS,
    META_PLACE,
    META_SHEET,
    META_VALUE_COL,
    OGI_KEYS,
    OGI_SHEET,
    POINTER_WIDTH,
    STATUS_LABELS,
    TEXT_SHEET,
    TITLE_ROW,
    VALUE_WIDTHS,
    Block,
    SheetPlan,
    address,
    check_cells,
    check_columns,
    derived_formula,
    layout,
    picture_column,
    plan,
)
from etl.ooxml import STYLES, Formula, Picture, Sheet, Style, Validation, Workbook, column, ref
from etl.pageimage import PageImage, page_images
from etl.place import place_of
from etl.report import (
    ABSENT,
    BLANK,
    DERIVED,
    LOW_CONFIDENCE,
    OCR,
    OCR_SURE,
    UNPARSED,
    Cell,
    Report,
    encode_box,
    encode_flags,
    fingerprint,
)
from etl.template import Identity, Key

_EPS = f"{TOLERANCE:f}"  # the checks' tolerance as formula text
_OCR_SURE = OCR_SURE  # an OCR'd value read at least this sure gets the lighter shade


def _st(**kw: Any) -> int:
    return STYLES(Style(**kw))


_GREY_TEXT = "595959"
_TITLE = _st(bold=True, size=12, wrap=True)
_HEAD = _st(bold=True, fill="F2F2F2", border=True, halign="center", wrap=True)
_HEAD_LEFT = _st(bold=True, fill="F2F2F2", border=True, wrap=True)
_LABEL = _st(border=True, wrap=True)
_LABEL_CENTER = _st(border=True, wrap=True, halign="center")
_NA = _st(fill="BFBFBF", border=True)
_NOTE = _st(color=_GREY_TEXT, wrap=True)
_NOTE_HEAD = _st(bold=True, color=_GREY_TEXT, border=True, halign="center", wrap=True)
_CHECK = _st(fill="E2EFDA", border=True, halign="center")
_STORED = _st(border=True, halign="center")
_STORED_FAILED = _st(fill="FFC7CE", border=True, halign="center")
_POINTER = _st(bold=True, fill="D9E1F2", border=True, halign="center", rotation=255)
_CODE = _st(color="808080")
_PLAIN_WRAP = _st(wrap=True, valign="top")
_BOLD = _st(bold=True)

_RED, _LIGHT_RED = STYLES.dxf("FF7C80"), STYLES.dxf("FFC7CE")


# A value cell's fill by its most important flag ("ocr_low": OCR'd, not sure); each colour
# is explained in the 说明 legend, and a cell's comment says the same of it.
_FILLS = {UNPARSED: "F8CBAD", LOW_CONFIDENCE: "FFD966", "ocr_low": "B4A7D6", OCR: "E4DFEC",
          DERIVED: "DDEBF7", ABSENT: "EDEDED", BLANK: "FFF2CC"}
_NA_FILL, _CHECK_FILL, _FAILED_FILL = "BFBFBF", "E2EFDA", "FF7C80"


def _legend() -> list[tuple[str | None, str]]:
    """What each colour means: (fill, meaning), for the 说明 block."""
    return [
        (None, _("白色：从原表提取的数字，可修改")),
        (_FILLS[UNPARSED], _("原表所印不是数字（如「/」「无」），此格留空")),
        (_FILLS[LOW_CONFIDENCE], _("提取有疑问，请对照原表核对")),
        (_FILLS["ocr_low"], _("由扫描图片文字识别所得，把握不大，请核对")),
        (_FILLS[OCR], _("由扫描图片文字识别所得，把握较大")),
        (_FILLS[DERIVED], _("原表未列出，由其他格计算得出（公式，随各项更新）")),
        (_FILLS[ABSENT], _("原表未列出此格")),
        (_FILLS[BLANK], _("原表此格为空（不是 0）")),
        (_NA_FILL, _("本模板无此格")),
        (_CHECK_FILL, _("核对格：实时计算，应为 0")),
        (_FAILED_FILL, _("核对不符（参与该核对的格变为浅红）")),
    ]


def _sentences(cell: Cell, formula: bool) -> list[str]:
    """Why the cell is marked: one short Chinese sentence per reason."""
    if not cell.flags and not cell.note:
        return []  # most cells: nothing to say
    flags = set(cell.flags)
    out = _reading_sentences(cell, flags)
    note = cell.note.strip()
    # extraction's own note on an unprinted cell says why more exactly, unless ogi wrote a
    # live formula there: one sentence on it, not two
    absent_note = note.startswith(_("原表未列出"))
    if DERIVED in flags:
        out.append(_("原表未列出，按本行各项之和计算，改动各项时随之更新。") if formula
                   else note if absent_note else _("原表未列出，由其他格推算得出。"))
    elif ABSENT in flags:
        out.append(note if absent_note else _("原表未列出此格。"))
    if BLANK in flags:
        out.append(_("原表此格为空，不是 0。"))
    if note and not absent_note and not re.search("[A-Za-z]", note) and note not in out:
        out.append(note)  # a note in Chinese (extraction's English notes stay in _cells)
    return list(dict.fromkeys(out))


def _reading_sentences(cell: Cell, flags: set[str]) -> list[str]:
    """What is doubtful about how the printed value was read."""
    out = []
    printed = (cell.printed or "").strip()
    if UNPARSED in flags:
        out.append(_("原表印作「{printed}」，不是数字，此格留空。").format(printed=printed))
    if LOW_CONFIDENCE in flags:
        if printed and printed != str(cell.value):
            out.append(_("提取有疑问（原表印作「{printed}」），请对照原表核对。").format(
                printed=printed))
        else:
            out.append(_("提取有疑问，请对照原表核对。"))
    if OCR in flags:
        sure = cell.confidence is not None and cell.confidence >= _OCR_SURE
        pct = "" if cell.confidence is None else _("，把握 {pct:.0f}%").format(
            pct=cell.confidence * 100)
        out.append(_("由扫描图片文字识别读出{pct}。").format(pct=pct)
                   + ("" if sure else _("请核对。")))
    return out


def _mark(cell: Cell) -> str | None:
    """The fill of a value cell: its most important flag's."""
    flags = set(cell.flags)
    for flag in (UNPARSED, LOW_CONFIDENCE, OCR, DERIVED, ABSENT, BLANK):
        if flag in flags:
            if flag == OCR and (cell.confidence is None or cell.confidence < _OCR_SURE):
                return _FILLS["ocr_low"]
            return _FILLS[flag]
    return None


@cache
def _value_style(fill: str | None, kind: str) -> int:
    return _st(fill=fill, border=True, halign="center", locked=False,
               numfmt="+0;-0;0" if kind == "signed" else None)  # 本年增/减 as printed


# --- the identities, as live formulas over the cells of ``layout`` -----------------------

Where = dict[Key, tuple[str, int, int]]


def _refs(where: Where, keys: tuple[Key, ...], local: str = "") -> str:
    """The cells of ``keys`` as a formula argument list (sheet-qualified unless on ``local``)."""
    out = []
    for key in keys:
        sheet, r, c = where[key]
        out.append(ref(r, c) if sheet == local else address(sheet, r, c))
    return ",".join(out)


def _sum_formula(where: Where, keys: tuple[Key, ...]) -> str:
    refs = _refs(where, keys)
    return f'IF(COUNT({refs})<{len(keys)},"",SUM({refs}))'


def _diff_formula(where: Where, ident: Identity, local: str = "") -> str:
    """expected − actual, or "" while a cell is empty (as the Python check skips it)."""
    e, a = _refs(where, ident.expected, local), _refs(where, ident.actual, local)
    n = len(ident.expected) + len(ident.actual)
    return f'IF(COUNT({e},{a})<{n},"",SUM({e})-SUM({a}))'


def _failing(cell: str) -> str:
    return f"AND(ISNUMBER({cell}),ABS({cell})>{_EPS})"


def _stored(result: CheckResult | None) -> float | int | None:
    """The difference found at extraction time, as a plain value."""
    if result is None:
        return None
    diff = result.expected - result.actual
    return int(diff) if float(diff).is_integer() else round(diff, 6)


# --- text: how much room it needs ---------------------------------------------------------

_WIDE = re.compile("[\u2e80-\U0010ffff]")


def _units(text: str) -> int:
    """Display width of ``text`` in column-width units (a CJK character counts 2)."""
    return len(text) + len(_WIDE.findall(text))


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` units wide."""
    room = max(int(width * 0.95), 1)
    return sum(max(1, -(-_units(part) // room)) for part in text.split("\n"))


def _height(lines: int) -> float:
    """A row's height for ``lines`` lines of 11 pt text, on whole pixels."""
    return _px_round(16 * lines + 3)


def _px_round(points: float) -> float:
    """Points rounded to whole pixels (0.75 pt), so Excel's pixels and LibreOffice's points
    put rows and images at the same place."""
    return round(points / 0.75) * 0.75


_TAILS = ("总数量", "数量", "总数", "件数", "金额")  # a heading's last word, kept whole


def _fit(label: str, width: float) -> str:
    """A heading broken where it reads well when it is too wide for its column: before its
    bracket（…）, else in the middle, never leaving one character alone on a line."""
    room = int(width * 0.95)
    if _units(label) <= room or "\n" in label:
        return label
    if "（" in label[1:]:
        head, rest = label.split("（", 1)
        if _units(head) <= room:
            return f"{head}\n（{rest}"
    for tail in _TAILS:
        head = label.removesuffix(tail)
        if head != label and len(head) > 1 and _units(head) <= room:
            return f"{head}\n{tail}"
    half = (len(label) + 1) // 2
    return f"{label[:half]}\n{label[half:]}" if _lines(label, width) == 2 else label


# --- the table sheets: drawn once per template ---------------------------------------------

@dataclass
class _Drawing:
    """A table sheet's fixed parts, and the cells a report fills."""

    sheet: Sheet
    plan: SheetPlan
    value_cells: dict[Key, tuple[int, int]]


def _box(ws: Sheet, r1: int, c1: int, r2: int, c2: int, value: Any = None,
         style: int = _LABEL) -> None:
    """One (merged) cell of the drawing, every cell under it bordered."""
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            ws.set(r, c, value if (r, c) == (r1, c1) else None, style)
    ws.merge(r1, c1, r2, c2)


def _width(ws: Sheet, c1: int, c2: int) -> float:
    return sum(ws.widths.get(c, 8.43) for c in range(c1, c2 + 1))


def _heading(ws: Sheet, t: str, p: SheetPlan, block: Block) -> None:
    """A block's title row and header rows, and its hidden row of measure codes."""
    section, last = p.section, p.last_col
    if block.title_row:
        _box(ws, block.title_row, 2, block.title_row, last, block.title, _HEAD_LEFT)
        ws.heights[block.title_row] = _height(1)
    head, code = block.head_row, block.code_row
    if section == "requests":
        _requests_heading(ws, t, p, block)
    else:
        _box(ws, head, 2, head, p.first_col - 1, tpl.section_text(section, "row_heading")
             or ("信息内容" if section == "active" else "项目"), _HEAD)
        lines = 1
        for c in range(p.first_col, last + 1):
            n = c - p.first_col
            m = block.measures[n] if n < len(block.measures) else None
            span = p.spans(block)
            if span and n:
                continue
            text = _fit(tpl.measure_label(t, section, m), _width(ws, c, last if span else c)
                        ) if m else None
            _box(ws, head, c, head, last if span else c, text, _HEAD)
            lines = max(lines, text.count("\n") + 1 if text else 1)
        ws.heights[head] = _height(lines)
    ws.set(code, 1, "code", _CODE)
    for m in block.measures:
        ws.set(code, p.col(block, m), m, _CODE)
    ws.hidden_rows.add(code)


def _requests_heading(ws: Sheet, t: str, p: SheetPlan, block: Block) -> None:
    """申请人情况 over 自然人, 法人或其他组织 (over its five kinds) and 总计, three levels, with
    the table's own statement of its balance in the corner."""
    head, code, last = block.head_row, block.code_row, p.last_col
    corner = tpl.section_text("requests", "corner")
    _box(ws, head, 2, code - 1, p.first_col - 1, corner or None, _HEAD)
    _box(ws, head, p.first_col, head, last,
         tpl.section_text("requests", "column_heading") or "申请人情况", _HEAD)
    grouped = {m for _, ms in tpl.column_groups("requests") for m in ms}
    for label, measures in tpl.column_groups("requests"):
        first = p.col(block, measures[0])
        _box(ws, head + 1, first, head + 1, first + len(measures) - 1, label, _HEAD)
        for m in measures:
            c = p.col(block, m)
            _box(ws, head + 2, c, head + 2, c, _fit(tpl.measure_label(t, "requests", m),
                                                    ws.widths[c]), _HEAD)
    for m in block.measures:
        if m not in grouped:
            c = p.col(block, m)
            _box(ws, head + 1, c, head + 2, c, tpl.measure_label(t, "requests", m), _HEAD)
    ws.heights[head] = ws.heights[head + 1] = _height(1)
    ws.heights[head + 2] = _height(2)


def _labels(ws: Sheet, t: str, p: SheetPlan, block: Block) -> None:
    """The item labels as the official table draws them: an outer label merged down the rows
    it groups, a label without sub-levels merged across the remaining label columns."""
    paths = [tpl.label_path(t, p.section, item) for item in block.items]
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
            _box(ws, first + i, 2 + level, first + end, 2 + level, path[level], _LABEL_CENTER)
            i = end + 1
    for i, count in enumerate(lines):
        ws.heights[first + i] = _height(count)


def _grid(ws: Sheet, t: str, p: SheetPlan, where: dict[Key, tuple[int, int]]) -> None:
    """Title, blocks with their headings and labels, the value cells (unlocked, validated
    by kind) and grey where the template has no cell."""
    ws.hidden_cols.add(1)
    for c, width in enumerate(LABEL_WIDTHS[p.section], 2):
        ws.widths[c] = width
    for c in range(p.first_col, p.last_col + 1):
        ws.widths[c] = VALUE_WIDTHS[p.section]
    ws.set(TITLE_ROW, 2, tpl.section_title(p.section), _TITLE)
    ws.merge(TITLE_ROW, 2, TITLE_ROW, p.last_col)
    ws.heights[TITLE_ROW] = 24
    spec = tpl.spec_index(t)
    rules = {kind: _validation(kind) for kind in ("count", "decimal", "signed")}
    for block in p.blocks:
        _heading(ws, t, p, block)
        _labels(ws, t, p, block)
        for r, item in enumerate(block.items, block.first_row):
            ws.set(r, 1, item, _CODE)
            for c in range(p.first_col, p.last_col + 1):
                ws.set(r, c, None, _NA)
            if p.spans(block):
                ws.merge(r, p.first_col, r, p.last_col)
    for key, (r, c) in where.items():
        kind = spec[key].kind
        ws.set(r, c, None, _value_style(None, kind))
        rules[kind].cells.append(ref(r, c))
    ws.validations = [v for v in rules.values() if v.cells]
    ws.freeze = (TITLE_ROW, p.first_col)  # the labels stay; no rows, so the image scrolls along


def _validation(kind: str) -> Validation:
    title = _("数值不符合要求")
    if kind == "count":
        return Validation("whole", "greaterThanOrEqual", "0", title=title,
                          error=_("请填写不小于 0 的整数；原表为空请留空"))
    if kind == "decimal":
        return Validation("decimal", "greaterThanOrEqual", "0", title=title,
                          error=_("请填写不小于 0 的数（万元，可有小数）"))
    return Validation("whole", "between", "-999999999", "999999999", title=title,
                      error=_("请填写整数（本年增/减，可为负数）"))


def _live_checks(ws: Sheet, t: str, p: SheetPlan) -> None:
    """Each identity checked on this sheet as a live formula (expected − actual, red when
    not 0), the cells it adds up turning light red with it."""
    where = layout(t)
    for ident in tpl.identities(t):
        sheet, live, _stored_at = check_cells(t)[(ident.rule, ident.subject)]
        if sheet != p.section:
            continue
        ws.set(*live, Formula(_diff_formula(where, ident, sheet)), _CHECK)
        ws.set(*_stored_at, None, _STORED)
        at = f"${column(live[1])}${live[0]}"
        ws.conditional.append((ref(*live), _failing(at), _RED))
        involved = " ".join(ref(where[k][1], where[k][2]) for k in (*ident.expected,
                                                                      *ident.actual))
        ws.conditional.append((involved, _failing(at), _LIGHT_RED))
    if check_columns(t, p.section):
        block = p.blocks[0]
        for n, (width, text) in enumerate(zip(CHECK_WIDTHS, (
                _("本行核对（应为 0）"), _("提取时")), strict=True)):
            c = p.last_col + 1 + n
            ws.widths[c] = width
            _box(ws, block.head_row, c, block.code_row - 1, c, text, _NOTE_HEAD)
        rows = range(block.head_row, block.code_row)
        room = sum(ws.heights.get(r, 15) for r in rows)
        if room < _height(2):
            _grow(ws, list(rows), _height(2) - room)
    if p.section == "requests":
        _column_check_labels(ws, t, p)


def _column_check_labels(ws: Sheet, t: str, p: SheetPlan) -> None:
    """The rows below the requests grid: each column's checks, live and at extraction."""
    check_at = check_cells(t)
    subject = tpl.measures(t, "requests")[0]
    for rule in dict.fromkeys(i.rule for i in tpl.identities(t) if i.per == "measure"):
        ident = next(i for i in tpl.identities(t) if i.rule == rule)
        _sheet, (live_row, _c), (stored_row, _c2) = check_at[(rule, subject)]
        for r, when in ((live_row, _("（实时，应为 0）")), (stored_row, _("（提取时）"))):
            text = _("本列核对：{statement}{when}").format(statement=ident.statement, when=when)
            _box(ws, r, 2, r, p.first_col - 1, text, _NOTE)
            ws.heights[r] = _height(_lines(text, _width(ws, 2, p.first_col - 1)))


@cache
def _table_drawing(template: str, section: str) -> _Drawing:
    p = plan(template, section)
    ws = Sheet(section)
    where = {k: (r, c) for k, (s, r, c) in layout(template).items() if s == section}
    _grid(ws, template, p, where)
    _live_checks(ws, template, p)
    pointer = picture_column(template, section)
    ws.widths[pointer] = POINTER_WIDTH
    return _Drawing(ws.keep(), p, where)


# --- the table sheets: one report's values, marks and images ------------------------------

def _fill_table(drawing: _Drawing, report: Report,
                results: dict[tuple[str, str], CheckResult]) -> Sheet:
    ws = drawing.sheet.copy()
    t, section = report.template, drawing.plan.section
    spec = tpl.spec_index(t)
    for key, (r, c) in drawing.value_cells.items():
        cell = report.cells[key]
        formula = derived_formula(t, key) if DERIVED in cell.flags else None
        value: Any = cell.value
        if formula and cell.value is not None:
            value = Formula(formula.removeprefix("="), cell.value)
        ws.set(r, c, value, _value_style(_mark(cell), spec[key].kind))
        why = _sentences(cell, formula is not None)
        if why:
            ws.comments[(r, c)] = "".join(why)
    check_at = check_cells(t)
    for ident in tpl.identities(t):
        sheet, _live, stored = check_at[(ident.rule, ident.subject)]
        if sheet == section:
            result = results.get((ident.rule, ident.subject))
            failed = result is not None and not result.ok
            ws.set(*stored, _stored(result), _STORED_FAILED if failed else _STORED)
    pages = sorted({c.page for c in report.cells.values() if c.section == section and c.page})
    if pages:
        ws.set(TITLE_ROW, 2, _("{title}（原表第 {pages} 页）").format(
            title=tpl.section_title(section), pages="、".join(map(str, pages))), _TITLE)
    return ws


def _tops(ws: Sheet, last: int) -> list[float]:
    """The top of each row 1 .. last + 1 in points (index = row)."""
    tops = [0.0, 0.0]
    for r in range(1, last + 1):
        tops.append(tops[-1] + (0 if r in ws.hidden_rows else ws.heights.get(r, 15)))
    return tops


def _grow(ws: Sheet, rows: list[int], by: float) -> None:
    """Add ``by`` points to the rows (shared), on whole pixels."""
    for r in rows:
        ws.heights[r] = _px_round(ws.heights.get(r, 15) + by / len(rows))


_MAX_SCALE = 1.4  # an image is shown at most this much larger than printed


def _rows(p: SheetPlan, image: PageImage) -> list[tuple[int, float, float]]:
    """The image's rows as (grid row, top, bottom in points from the image's top), in grid
    order; rows printed as one (（六）其他处理 without its sub-rows) by the first of them."""
    row_of = {item: r for block in p.blocks for r, item in enumerate(block.items,
                                                                       block.first_row)}
    known: list[tuple[int, float, float]] = []
    for r, top, bottom in sorted((row_of[i], t, b) for i, (t, b) in image.rows.items()
                                 if i in row_of):
        if not known or top > known[-1][1] + 0.5:
            known.append((r, top, bottom))
    return known


def _scale(ws: Sheet, p: SheetPlan, images: list[PageImage]) -> float:
    """How much larger than printed a table's images are shown, the same for all its pages:
    rows only grow, so enough that most neighbouring grid rows stand no further apart than
    the image's (a grid row taller than its printed one, a label wrapped on more lines,
    shifts the rows after it until shorter ones catch up), within ``_MAX_SCALE``. A table
    printed in another shape is shown as tall as its grid."""
    tops = _tops(ws, p.last_row)
    items = {r for block in p.blocks for r in range(block.first_row, block.last_row + 1)}
    ratios = []
    for image in images:
        known = _rows(p, image)
        ratios += sorted((tops[b[0]] - tops[a[0]]) / (b[1] - a[1])
                         for a, b in zip(known, known[1:], strict=False)
                         if not any(a[0] < r < b[0] for r in items))
    if not ratios:  # printed in another shape (appeals): as tall as the grid, if larger
        printed = sum(image.size[1] for image in images)
        return min(_MAX_SCALE, max(1.0, tops[p.last_row + 1] / printed)) if printed else 1.0
    ratios.sort()
    return min(_MAX_SCALE, max(1.0, ratios[len(ratios) * 3 // 4]))


def _align(ws: Sheet, p: SheetPlan, image: PageImage, scale: float, floor: float,
           previous: int | None) -> tuple[float, int | None]:
    """Where ``image`` goes (its top, points from the sheet's top), rows stretched so that
    each of its table's rows stands beside the grid row it is: a row grows to its printed
    height (scaled), and the rows between two rows grow by what the image has more (the
    titles and headings between them, else the upper row; above the first, the sheet's
    title and header rows). A table printed in another shape (appeals: its three items side
    by side) is placed without stretching."""
    known = [(r, top * scale, bottom * scale) for r, top, bottom in _rows(p, image)]
    if len(known) < 2:
        return floor, previous
    items = {r for block in p.blocks for r in range(block.first_row, block.last_row + 1)}
    start = max(floor, _tops(ws, p.last_row)[known[0][0]] - known[0][1])
    for r, top, bottom in known:
        short = start + top - _tops(ws, p.last_row)[r]
        if short > 0.5:
            between = [k for k in range((previous or TITLE_ROW - 1) + 1, r)
                       if k not in ws.hidden_rows and k not in items]
            _grow(ws, between or [previous or TITLE_ROW], short)
        if bottom - top > ws.heights.get(r, 15) + 0.5:
            ws.heights[r] = _px_round(bottom - top)
        previous = r
    return start, previous


def _anchor(ws: Sheet, y: float) -> tuple[int, int]:
    """The row holding ``y`` points and the offset into it in pixels."""
    r, top = 1, 0.0
    while True:
        h = 0 if r in ws.hidden_rows else ws.heights.get(r, 15)
        if top + h > y + 0.01 or r > 2000:
            return r, round((y - top) * 4 / 3)
        top += h
        r += 1


def _place_images(ws: Sheet, t: str, p: SheetPlan, images: list[PageImage]) -> None:
    """Each page image of the table right of the grid (and its row checks), its rows beside
    the grid's, a band left of it naming the page."""
    if not images:
        return
    col = picture_column(t, p.section)
    floor, previous, widest = 0.0, None, 0
    spans = []
    scale = _scale(ws, p, images)
    for image in images:
        y, previous = _align(ws, p, image, scale, floor, previous)
        height = _px_round(image.size[1] * scale)
        width = round(image.size[0] * scale * 4 / 3)
        widest = max(widest, width)
        row, dy = _anchor(ws, y)
        name = _("原表第 {page} 页").format(page=image.page)
        ws.pictures.append(Picture(image.png, row, col + 1, width, round(height * 4 / 3),
                                   dy=dy, name=name))
        spans.append((row, _anchor(ws, y + height - 0.01)[0], name))
        floor = y + height + 6
    for n, (first, last, name) in enumerate(spans):  # a band ends where the next begins
        if n + 1 < len(spans):
            last = min(last, spans[n + 1][0] - 1)
        _box(ws, first, col, max(first, last), col, name, _POINTER)
    right, used = col + 1, 0
    while used < widest:
        used += ws.width_px(right)
        right += 1
    bottom, _off = _anchor(ws, floor)
    ws.print_area = f"$B$1:${column(right - 1)}${max(bottom, _max_row(ws))}"


def _max_row(ws: Sheet) -> int:
    return max(ws.rows) if ws.rows else 1


# --- the meta sheet -----------------------------------------------------------------------

_META_VALUE_WIDTH = 68


def _steps() -> list[str]:
    return [
        _("1. 打开 active（二、主动公开）、requests（三、依申请公开）、appeals（四、复议诉讼）"
          "三张表，对照每张表右侧的原表图片逐格核对数字；图片左侧竖条写明原表页码。"),
        _("2. 数字与原表不符时，直接改正该格；原表为空的格请留空，不要填 0。"),
        _("3. 绿色核对格实时计算「各项之和 − 总计」，应为 0；变红表示不符，参与该核对的格"
          "同时变为浅红。checks 表列出全部核对。"),
        _("4. 全部核对后，在本表把「状态」选为「已审核」，并填写「审核人」。"),
        _("5. 保存工作簿（保持 .xlsx 格式和文件名），然后运行 ogi load 导入数据库。"),
    ]


@cache
def _meta_drawing() -> Sheet:
    ws = Sheet(META_SHEET)
    ws.set(1, META_CODE_COL, "code", _CODE)
    ws.set(1, META_LABEL_COL, _("项目"), _HEAD)
    ws.set(1, META_VALUE_COL, _("内容"), _HEAD)
    ws.hidden_cols.add(META_CODE_COL)
    ws.widths[META_LABEL_COL], ws.widths[META_VALUE_COL] = 18, _META_VALUE_WIDTH
    hint_col = META_VALUE_COL + 1
    ws.widths[hint_col] = 30
    for r, name in enumerate(META_FIELDS, 2):
        ws.set(r, META_CODE_COL, name, _CODE)
        ws.set(r, META_LABEL_COL, META_LABELS[name], _LABEL)
        if name in _hints():
            ws.set(r, hint_col, _hints()[name], _NOTE)
    labels = list(STATUS_LABELS.values())
    status = Validation("list", None, f'"{",".join(labels)}"', title=_("状态"),
                        error=_("请在「{options}」中选一个").format(options="」「".join(labels)),
                        prompt=_("核对完毕后选「{done}」").format(done=labels[-1]))
    year = Validation("whole", "between", "2008", "2100", title=_("年度"),
                      error=_("年度：四位数字"))
    status.cells.append(ref(META_FIELDS.index("status") + 2, META_VALUE_COL))
    year.cells.append(ref(META_FIELDS.index("year") + 2, META_VALUE_COL))
    ws.validations = [status, year]
    r = len(META_FIELDS) + 3
    ws.set(r, META_LABEL_COL, _("说明"), _TITLE)
    ws.heights[r] = 24
    for text in _steps():
        r += 1
        ws.set(r, META_LABEL_COL, text, _PLAIN_WRAP)
        ws.merge(r, META_LABEL_COL, r, META_VALUE_COL)
        ws.heights[r] = _height(_lines(text, 18 + _META_VALUE_WIDTH))
    r += 2
    ws.set(r, META_LABEL_COL, _("颜色"), _BOLD)
    ws.set(r, META_VALUE_COL, _("含义（带颜色的格有批注，鼠标停在格上可看原因）"), _BOLD)
    for fill, text in _legend():
        r += 1
        ws.set(r, META_LABEL_COL, None, _st(fill=fill, border=True))
        ws.set(r, META_VALUE_COL, text, _st(wrap=True))
        ws.heights[r] = _height(_lines(text, _META_VALUE_WIDTH))
    ws.print_area = f"$B$1:${column(hint_col)}${r}"
    ws.pages_tall, ws.landscape = 1, False
    return ws.keep()


_LEVELS = {"province": "省级", "city": "市级", "county": "县级", "department": "部门"}


def _hints() -> dict[str, str]:
    """What a reviewer may do with each editable meta field."""
    return {"agency": _("提取有误时可改正"), "year": _("提取有误时可改正（四位数字）"),
            "status": _("核对完毕后选「已审核」"), "reviewer": _("填写审核人姓名"),
            "note": _("可填写审核中发现的问题")}


def _meta_value(report: Report, name: str) -> Any:
    if name in META_PLACE:
        value = getattr(place_of(report.agency), name)  # shown for information only
        return _LEVELS.get(value, value) if name == "level" else value
    if name == "status":
        return STATUS_LABELS.get(report.status, report.status)
    value = getattr(report, name)
    return None if value == "" else value


_FORMULA_LIKE = ("=", "+", "-", "@")  # what a spreadsheet would take as a formula when typed


def _write_meta(report: Report) -> Sheet:
    ws = _meta_drawing().copy()
    for r, name in enumerate(META_FIELDS, 2):
        value = _meta_value(report, name)
        editable = name in META_EDITABLE
        quote = isinstance(value, str) and value.startswith(_FORMULA_LIKE)
        ws.set(r, META_VALUE_COL, value,
               _st(border=True, wrap=True, locked=not editable, quote=quote,
                   fill=None if editable else "F2F2F2", halign="left"))
        if isinstance(value, str) and _lines(value, _META_VALUE_WIDTH) > 1:
            ws.heights[r] = _height(_lines(value, _META_VALUE_WIDTH))
    return ws


# --- the checks sheet ---------------------------------------------------------------------

_CHECK_HEADS = ("规则", "对象", "说明", "应为（实时）", "实为（实时）", "结果（实时）",
                "应为（提取时）", "实为（提取时）", "结果（提取时）")
_CHECK_COL_WIDTHS = (22, 22, 58, 12, 12, 12, 13, 13, 13)


def _subject_label(t: str, ident: Identity) -> str:
    """表三·自然人列 / 表三·（四）无法提供 3.补正后申请内容仍不明确行: which table, which
    column or row the identity checks."""
    section = ident.expected[0][0]
    table = _("表{number}").format(number=tpl.section_title(section).split("、", 1)[0])
    if ident.per == "measure":
        return _("{table}·{name}列").format(
            table=table, name=tpl.measure_label(t, section, ident.subject))
    path = tpl.label_path(t, section, ident.subject)
    return _("{table}·{name}行").format(table=table, name=" ".join(path[-2:]))


@cache
def _checks_drawing(t: str) -> Sheet:
    ws = Sheet(CHECKS_SHEET)
    where = layout(t)
    for c, (head, width) in enumerate(zip(_CHECK_HEADS, _CHECK_COL_WIDTHS, strict=True), 1):
        ws.set(1, c, _(head), _HEAD)
        ws.widths[c] = width
    ws.hidden_cols.update({1, 2})  # the rule and subject codes, for tools
    ws.heights[1] = _height(2)
    for r, ident in enumerate(tpl.identities(t), 2):
        text = _("{subject}：{description}（{statement}）").format(
            subject=_subject_label(t, ident), description=tpl.rule_description(ident.rule),
            statement=ident.statement)
        ws.set(r, 1, ident.rule, _CODE)
        ws.set(r, 2, ident.subject, _CODE)
        ws.set(r, 3, text, _LABEL)
        ws.set(r, 4, Formula(_sum_formula(where, ident.expected)), _STORED)
        ws.set(r, 5, Formula(_sum_formula(where, ident.actual)), _STORED)
        ws.set(r, 6, Formula(f'IF(OR(D{r}="",E{r}=""),"",IF(ABS(D{r}-E{r})<{_EPS},'
                             f'"{_("相符")}","{_("不符")}"))'), _STORED)
        ws.heights[r] = _height(_lines(text, _CHECK_COL_WIDTHS[2]))
    last = len(tpl.identities(t)) + 1
    ws.conditional.append((f"C2:F{last}", f'$F2="{_("不符")}"', _RED))
    ws.freeze = (2, 1)
    ws.print_area = f"$C$1:$I${last}"
    ws.print_titles = "$1:$1"
    return ws.keep()


def _write_checks(t: str, results: dict[tuple[str, str], CheckResult]) -> Sheet:
    ws = _checks_drawing(t).copy()
    for r, ident in enumerate(tpl.identities(t), 2):
        result = results.get((ident.rule, ident.subject))
        if result is None:
            for c in (7, 8, 9):
                ws.set(r, c, None, _STORED)
            continue
        ws.set(r, 7, result.expected, _STORED)
        ws.set(r, 8, result.actual, _STORED)
        ws.set(r, 9, _("相符") if result.ok else _("不符"),
               _STORED if result.ok else _STORED_FAILED)
    return ws


# --- text, _cells, _ogi -------------------------------------------------------------------

_TEXT_WIDTH = 96
_PARAGRAPH = 420  # characters at most in one displayed paragraph (a row's height is capped)
_SUBHEAD = re.compile(r"(?<=[。；！])(?=（[一二三四五六七八九十]+）|[一二三四五六七八九十]+是)")


def _paragraphs(text: str) -> list[str]:
    """The text as the paragraphs it has (its line breaks, and a break before the numbered
    points （一）… / 一是… that follow a full stop), long ones cut after a sentence so that
    no row is taller than a spreadsheet allows."""
    out = []
    for line in text.split("\n"):
        for part in _SUBHEAD.split(line.strip()):
            while len(part) > _PARAGRAPH:
                cut = max(part.rfind(p, 0, _PARAGRAPH) for p in "。；！？")
                cut = cut + 1 if cut > _PARAGRAPH // 3 else _PARAGRAPH
                out.append(part[:cut])
                part = part[cut:]
            if part.strip():
                out.append(part.strip())
    return out


def _write_text(report: Report) -> Sheet:
    """One row per section for tools (its number, heading and whole text, in columns A–C;
    C hidden), and its paragraphs in column D, a row each, for the reader."""
    ws = Sheet(TEXT_SHEET)
    for c, (head, width) in enumerate(zip(("节", "标题", "全文", "内容"),
                                          (6, 22, 10, _TEXT_WIDTH), strict=True), 1):
        ws.set(1, c, _(head), _HEAD)
        ws.widths[c] = width
    ws.hidden_cols.add(3)
    top = _st(wrap=True, valign="top")
    r = 1
    for number, (title, body) in report.narrative.items():
        r += 1
        ws.set(r, 1, number, _st(bold=True, valign="top"))
        ws.set(r, 2, title, _st(bold=True, wrap=True, valign="top"))
        ws.set(r, 3, body, top)
        paragraphs = _paragraphs(body) or [""]
        for n, text in enumerate(paragraphs):
            ws.set(r + n, 4, text, top)
            ws.heights[r + n] = min(_height(_lines(text, _TEXT_WIDTH)), 409)
        r += len(paragraphs)  # a blank row between sections
    ws.freeze = (2, 1)
    ws.landscape = False
    ws.print_area = f"$A$1:$D${max(r, 1)}"
    return ws


def _recorded_value(value: Any) -> Any:
    """A field as the _cells rows record it: None for empty text and for what no cell could
    hold as a number (inf, nan), as the sheet of cells it replaced left such cells empty."""
    if value == "" or type(value) is float and not math.isfinite(value):
        return None
    return value


def _write_cells(report: Report) -> Sheet:
    ws = Sheet(CELLS_SHEET, hidden=True)
    rows: list[list[Any]] = [list(CELLS_COLUMNS)]
    for key, (sheet, row, col) in layout(report.template).items():
        cell = report.cells[key]
        rows.append([_recorded_value(v) for v in (
            *key, address(sheet, row, col), cell.value, cell.printed, cell.page,
            encode_box(cell.box), encode_flags(cell.flags), cell.note, cell.confidence)])
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    ws.set(1, 1, CELLS_JSON)
    for r, start in enumerate(range(0, len(text), CELLS_JSON_PIECE), 2):
        ws.set(r, 1, text[start:start + CELLS_JSON_PIECE])
    return ws


def _write_ogi(report: Report, name: str) -> Sheet:
    ws = Sheet(OGI_SHEET, hidden=True)
    stamp = {"fingerprint": fingerprint(report), "report_id": report.report_id,
             "workbook": name, "source_sha256": report.sha256,
             "source_file": report.source_file, "extracted_at": report.extracted_at,
             "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
    ws.set(1, 1, "key")
    ws.set(1, 2, "value")
    for r, key in enumerate(OGI_KEYS, 2):
        ws.set(r, 1, key)
        ws.set(r, 2, stamp[key] or None)
    return ws


# --- the workbook -------------------------------------------------------------------------

def write_workbook(report: Report, path: str | Path, *, pdf: str | Path | None = None,
                   images: list[PageImage] | None = None) -> Path:
    """Write ``report`` as a review workbook at ``path`` (atomically: a crash leaves no
    half-written file). With ``pdf`` (the source), the image of each table's region of each
    page it spans is placed beside its grid (``Report.regions``, or found on the pages);
    ``images``: those images already made (``extract_with_images``)."""
    path = Path(path)
    t = report.template
    results = {(r.rule, r.subject): r for r in check_report(report)}
    if images is None:
        images = page_images(pdf, report) if pdf is not None else []
    found = images
    tables = []
    for section in tpl.SECTIONS:
        drawing = _table_drawing(t, section)
        ws = _fill_table(drawing, report, results)
        _place_images(ws, t, drawing.plan, [i for i in found if i.section == section])
        if not ws.print_area:
            ws.print_area = f"$B$1:${column(picture_column(t, section) - 1)}${_max_row(ws)}"
        tables.append(ws)
    sheets = [_write_meta(report), *tables, _write_checks(t, results), _write_text(report),
              _write_cells(report), _write_ogi(report, path.name)]
    return Workbook(sheets, lock_structure=True).save(path)
