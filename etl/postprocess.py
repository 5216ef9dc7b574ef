"""After the readers: what the printed tables leave for arithmetic and for the reviewer.
（六）其他处理 printed as one row, the 总计 column not printed (derived), the text-only
reading merged in as a cross-check, unprinted cells marked absent, and identities that a
missing number keeps from being checked flagged, so that no miss is silent.
"""

from __future__ import annotations

from etl import template as tpl
from etl.checks import check_report, unevaluable
from etl.i18n import _
from etl.mapping import CellCollector, add_note, other_subrows
from etl.report import ABSENT, DERIVED, LOW_CONFIDENCE, Report, parse_number


def split_merged_other(cells: CellCollector) -> None:
    """A 2021 report printing （六）其他处理 as one row: the three sub-rows are not printed.

    Per column: a printed 0 means each sub-row is 0 (counts are never negative), so they get
    0 flagged ``derived`` and the handled_sum check stays evaluable; any other printed value
    cannot be split, so the sub-rows stay NULL flagged ``absent`` + ``low_confidence`` with
    the printed value in the note (and handled_sum is not evaluated for that column, rather
    than failing falsely). Nothing is invented either way."""
    subrows = other_subrows(cells.report.template)
    if not cells.merged_other or any(k[1] in subrows for k in cells.seen if k[0] == "requests"):
        return
    for measure, (span, page) in cells.merged_other.items():
        value, _flags, _note = parse_number(span.text, "count")
        box = tuple(round(x, 2) for x in span.box)
        for item in subrows:
            cell = cells.report.cells.get(("requests", item, measure))
            if cell is None:
                continue
            cell.page, cell.box = page, box
            if value == 0:
                cell.value, cell.flags = 0, [ABSENT, DERIVED]
                cell.note = _("原表未列出：（六）其他处理只印一行且为 0，各子项均为 0")
            else:
                cell.value, cell.flags = None, [ABSENT, LOW_CONFIDENCE]
                cell.note = _("原表未列出：（六）其他处理只印一行（{printed}），无法分到三个子项"
                              ).format(printed=span.text.strip())


def complete_and_consistent(report: Report) -> bool:
    """Every cell printed and read as a number, no flag, every identity holding."""
    cells = report.cells.values()
    return (all(c.printed is not None and c.value is not None and not c.flags for c in cells)
            and all(r.ok for r in check_report(report)))


def reconcile(report: Report, text_only: Report) -> None:
    """Merge the text-only reading of the ruled pages into ``report``: a section the ruled
    tables did not yield at all (a borderless table on a page that also has a ruled one) is
    taken from it; a cell only it found is taken, flagged; a cell both readings found but
    read differently is flagged."""
    for section in tpl.SECTIONS:
        keys = [k for k in report.cells if k[0] == section]
        whole = not any(report.cells[k].printed is not None or report.cells[k].flags
                        for k in keys)
        for k in keys:
            cell, other = report.cells[k], text_only.cells[k]
            if whole:
                report.cells[k] = other
            elif cell.printed is None and not cell.flags and other.printed is not None:
                other.flags = [*other.flags, LOW_CONFIDENCE]
                add_note(other, _("只在文字层中找到，不在表格线内"))
                report.cells[k] = other
            elif (cell.printed is not None and other.printed is not None
                    and cell.value != other.value and LOW_CONFIDENCE not in cell.flags):
                cell.flags = [*cell.flags, LOW_CONFIDENCE]
                add_note(cell, _("仅按文字层读作“{printed}”，与表格线内的读法不同").format(
                    printed=other.printed))


def derive(report: Report, image_pages: list[int] | None = None) -> None:
    """Fill cells the source does not print (the 总计 column) and mark them derived; mark
    the rest of the unprinted ones absent (saying so when some pages are images)."""
    missing = _("PDF 中未找到此格")
    if image_pages:
        missing = _("文字层中未找到此格：第 {pages} 页是没有文字的图片（需要 OCR 或手工录入）"
                    ).format(pages=page_list(image_pages))
    # Each row's 总计 is the total of its row identity (requests.row_total: the applicants).
    row_totals = [i for i in tpl.identities(report.template)
                  if i.per == "item" and i.actual[0][0] == "requests"]
    for ident in row_totals:
        cell = report.cells[ident.actual[0]]
        if cell.printed is None and not cell.flags:
            parts = [report.cells[k].value for k in ident.expected]
            cell.flags = [ABSENT]
            if all(p is not None for p in parts):
                cell.value = sum(parts)  # type: ignore[arg-type]
                cell.flags.append(DERIVED)
                cell.note = _("原表未列出，按各申请人类型之和计算")
            else:
                cell.note = _("原表未列出，各申请人类型的数字又不全，无法计算")
    for cell in report.cells.values():
        if cell.printed is None and not cell.flags:
            cell.flags = [ABSENT]
            cell.note = missing


def flag_gaps(report: Report) -> None:
    """Flag the cells that keep an identity from being checked while a known operand of it
    is not 0 (a blank total beside non-zero parts): the reviewer sees each such miss."""
    unchecked: dict[tuple[str, str, str], list[str]] = {}
    statements = {(i.rule, i.subject): i.statement for i in tpl.identities(report.template)}
    for gap in unevaluable(report):
        for key in gap.missing:
            unchecked.setdefault(key, []).append(statements[(gap.rule, gap.subject)])
    for key, rules in unchecked.items():
        cell = report.cells[key]
        if LOW_CONFIDENCE not in cell.flags:
            cell.flags = [*cell.flags, LOW_CONFIDENCE]
        add_note(cell, _("此格没有数值，无法核对：{rules}（其中已有不为 0 的数）").format(
            rules="；".join(dict.fromkeys(rules))))


def page_list(pages: list[int]) -> str:
    """Page numbers as a person reads them: ``2、3`` or ``4–9``."""
    return "、".join(map(str, pages)) if len(pages) <= 5 else f"{pages[0]}–{pages[-1]}"
