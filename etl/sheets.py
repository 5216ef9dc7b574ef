"""``Report`` -> review workbook (one per report, the same grid for every report):
``write_workbook``, read back by ``etl.sheets_read.read_workbook``.

Sheets: ``meta`` (agency, year, status, reviewer …), one sheet per table (``active``,
``requests``, ``appeals``), each drawn as the official table by the plan of ``etl.layout``:
merged label cells (for ``requests`` 三、本年度办理结果 down the outcome rows, （三）不予公开
down its eight reasons …), the applicant header of ``requests`` on three levels,
``active`` as its sub-tables 第二十条第（一）（五）（六）（八）（九）项 with their own header
rows; the item code of each row in the hidden column A and the measure codes in a hidden row
under each (sub-)table's header. Beside each grid and on ``checks``, every identity of the
format as live Excel formulas, beside the result computed at extraction time; ``text`` (the
prose sections), a hidden ``_cells`` sheet with what was extracted (printed text, page, box,
flags), so corrections can be told from extraction and provenance survives the round trip,
and a hidden ``_ogi`` sheet with the fingerprint of what was written.

Only values are editable: every sheet is protected (no password) and only the value cells
(and the editable meta fields) are unlocked, with data validation by cell kind.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl import template as tpl
from etl.checks import TOLERANCE, CheckResult, check_report
from etl.layout import (
    CELLS_COLUMNS,
    CELLS_SHEET,
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
    STATUS_LABELS,
    TEXT_SHEET,
    TITLE_ROW,
    Block,
    SheetPlan,
    address,
    check_cells,
    layout,
    plan,
)
from etl.place import place_of
from etl.report import (
    ABSENT,
    BLANK,
    DERIVED,
    LOW_CONFIDENCE,
    UNPARSED,
    Report,
    encode_box,
    encode_flags,
    fingerprint,
)
from etl.template import Identity, Key

_EXCEL_CELL_MAX = 32767
_EPS = f"{TOLERANCE:f}"  # the checks' tolerance as Excel formula text

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
_VALUE_WIDTH = 13  # of each value column (the label columns: ``etl.layout.LABEL_WIDTHS``)


# --- the identities, as live formulas over the cells of ``layout`` -----------------------

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
        for c, width in enumerate(LABEL_WIDTHS[section], 2):
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


def _write_live_checks(wb: openpyxl.Workbook, report: Report) -> None:
    """Beside each grid: each identity as a live formula (expected − actual, red when not 0),
    the cells it adds up turning light red with it, and the difference found at extraction
    time as a plain value (red when the check failed), for viewers that do not calculate."""
    t = report.template
    where = layout(t)
    results = {(r.rule, r.subject): r for r in check_report(report)}
    places = check_cells(t)

    for ident in tpl.identities(t):
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
    for r, ident in enumerate(tpl.identities(t), 2):
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


def _meta_value(report: Report, name: str) -> Any:
    if name in META_PLACE:
        return getattr(place_of(report.agency), name)  # shown for information only
    if name == "status":
        return STATUS_LABELS.get(report.status, report.status)
    return getattr(report, name)


def _write_meta(wb: openpyxl.Workbook, report: Report) -> None:
    meta = wb.active
    meta.title = META_SHEET
    meta.append(["code", "项目", "内容"])
    for name in META_FIELDS:
        row = [None] * META_VALUE_COL
        row[META_CODE_COL - 1], row[META_LABEL_COL - 1] = name, META_LABELS[name]
        row[META_VALUE_COL - 1] = _meta_value(report, name)
        meta.append(row)
    meta.column_dimensions[get_column_letter(META_CODE_COL)].hidden = True
    meta.column_dimensions[get_column_letter(META_LABEL_COL)].width = 16
    meta.column_dimensions[get_column_letter(META_VALUE_COL)].width = 60
    labels = list(STATUS_LABELS.values())
    status = DataValidation(type="list", formula1=f'"{",".join(labels)}"', allow_blank=True,
                            showErrorMessage=True, error="、".join(labels) + " 二选一")
    year = DataValidation(type="whole", operator="between", formula1="2008", formula2="2100",
                          allow_blank=True, showErrorMessage=True, error="年度：四位数字")
    meta.add_data_validation(status)
    meta.add_data_validation(year)
    for r, name in enumerate(META_FIELDS, 2):
        cell = meta.cell(r, META_VALUE_COL)
        if name in META_EDITABLE:
            cell.protection = _UNLOCKED
            cell.fill = PatternFill("solid", fgColor="FFFFFF")
        else:
            cell.fill = _HEAD_FILL
        if name == "status":
            status.add(cell.coordinate)
        elif name == "year":
            year.add(cell.coordinate)
    _print_setup(meta)
    _protect(meta)


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
                         encode_box(cell.box), encode_flags(cell.flags), cell.note,
                         cell.confidence])

    ogi = wb.create_sheet(OGI_SHEET)
    ogi.sheet_state = "hidden"
    ogi.append(["key", "value"])
    stamp = {"fingerprint": fingerprint(report), "report_id": report.report_id,
             "workbook": path.name, "source_sha256": report.sha256,
             "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
    for key in OGI_KEYS:
        ogi.append([key, stamp[key]])
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

