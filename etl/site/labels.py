"""Every code the database keeps, said in Chinese for the pages a person reads.

The database keeps codes (``county``, ``extracted``, ``requests.balance``, ``natural_person``):
they are the data's contract for tools, and JSON and CSV exports keep them. The pages show
these labels instead. Item and measure labels come from the template (``etl.template``),
statuses from the workbook's own (``etl.layout.STATUS_LABELS``); nothing here restates a row
or column of the official tables.
"""

from __future__ import annotations

import re
from functools import cache

from etl import report as rp
from etl import template as tpl
from etl.layout import STATUS_LABELS

LEVEL_LABELS = {"province": "省级", "city": "市级", "county": "县级", "department": "部门"}
TEMPLATE_LABELS = {"2021": "2021 年版", "2019": "2019 年版"}
FLAG_LABELS = {rp.BLANK: "原表空白", rp.ABSENT: "原表未列", rp.DERIVED: "计算得出",
               rp.UNPARSED: "非数字", rp.LOW_CONFIDENCE: "需核对", rp.OCR: "图像识别"}
OK_LABELS = {1: "成立", 0: "不成立"}
YES_NO = {1: "是", 0: "否"}
SECTION_SHORT = {"active": "主动公开", "requests": "依申请公开", "appeals": "复议诉讼"}
NARRATIVE_SECTIONS = {"一": "一、总体情况", "五": "五、存在的主要问题及改进情况",
                      "六": "六、其他需要报告的事项"}


# Numbers that are not counts, by column name: shown as they are (2,024 would be wrong).
PLAIN_NUMBERS = {"年度", "year", "上年", "本年", "首年", "末年", "行序", "position", "page",
                 "rowid", "workbook_mtime", "ok", "derived", "序号", "序"}
RATE_COLUMNS = {"公开率", "不予公开率", "无法提供率", "不予处理率", "纠正率", "百分位", "占比"}


def number(value: object) -> str:
    """568000 -> 568,000; 12.5 -> 12.5; None -> —."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}"
    return f"{int(value):,}"


def format_number(column: str, value: object) -> str | None:
    """A value of ``column`` as a page shows it: a count with thousands separators, a rate
    with %; None when the column holds no count (a year) or the value is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or column in PLAIN_NUMBERS:
        return None
    if column in RATE_COLUMNS:
        return f"{value:.1f}%"  # one decimal throughout: 19.0%, not 19%
    return number(value)


def section_label(section: str) -> str:
    """``requests`` -> 三、收到和处理政府信息公开申请情况."""
    return tpl.section_title(section) if section in tpl.SECTIONS else section


def flags_label(flags: str | None) -> str:
    """``absent,derived`` -> 原表未列、计算得出 (unknown flags stay as they are)."""
    return "、".join(FLAG_LABELS.get(f, f) for f in rp.decode_flags(flags or ""))


def rule_label(rule: str) -> str:
    """A check rule's short Chinese name (``requests.balance`` -> 收支平衡)."""
    return tpl.rule_title(rule)


@cache
def section_codes(section: str) -> dict[str, str]:
    """Every item and measure code of a section, in both templates, with its label."""
    found: dict[str, str] = {}
    for template in tpl.TEMPLATES:
        for item in tpl.items(template, section):
            found.setdefault(item, tpl.item_label(template, section, item))
        for measure in tpl.measures(template, section):
            found.setdefault(measure, tpl.measure_label(template, section, measure))
    return found


def code_label(section: str | None, code: str | None) -> str | None:
    """An item or measure code of ``section`` as the template prints it; None if unknown."""
    if not code or not section:
        return None
    return section_codes(section).get(code)


def subject_label(rule: str, subject: str) -> str:
    """What a check concerns, in Chinese: the column or row a rule's ``subject`` names."""
    return code_label(rule.split(".", 1)[0], subject) or subject


# English notes written by extraction, said in Chinese (a note already in Chinese is kept).
_NOTES = [
    (re.compile(r"not printed; computed as the sum of the applicant columns"),
     "原表未印，按各类申请人之和计算"),
    (re.compile(r"not printed, and its parts are incomplete"), "原表未印，且其组成部分不全"),
    (re.compile(r"not printed: the report prints （六）其他处理 as one row with 0[^;]*"),
     "原表未印：报告把（六）其他处理印作一行且为 0，本格记为 0（计算得出）"),
    (re.compile(r"not printed: the report prints （六）其他处理 as one row[^;]*"),
     "原表未印：报告把（六）其他处理印作一行，无法拆分到各子项"),
    (re.compile(r"row label matched approximately"), "行标签为近似匹配"),
    (re.compile(r"digits apart in the cell: text of a neighbouring cell may run into it"),
     "格内数字有间隔：可能混入了相邻单元格的文字"),
    (re.compile(r"not found in the PDF"), "PDF 中未找到"),
    (re.compile(r"not found in the text layer; page\(s\) (.+?) are images without text "
                r"\(OCR or manual entry\)"),
     "文字层中未找到：第 {0} 页是没有文字的图像（需 OCR 或手工录入）"),
    (re.compile(r"found only in the text layer, outside the ruled table"),
     "仅在文字层中找到，不在表格线内"),
    (re.compile(r"read as (.+?) from the text layer alone"), "仅按文字层读作 {0}"),
    (re.compile(r"printed in 元, converted to 万元"), "原表以元为单位，已换算为万元"),
]


def note_label(note: str | None) -> str:
    """A cell's note for a person: the known English notes in Chinese (notes joined by
    extraction with "; " translated one by one), anything else kept as it is."""
    if not note:
        return ""
    parts = []
    rest = note
    while rest:
        for pattern, chinese in _NOTES:
            m = pattern.match(rest)
            if m:
                parts.append(chinese.format(*m.groups()))
                rest = rest[m.end():].removeprefix("; ")
                break
        else:
            part, _, rest = rest.partition("; ")
            parts.append(part)
    return "；".join(parts)


def value_label(table: str | None, column: str, value: object, row: object = None
                ) -> str | None:
    """The Chinese a page shows for a coded value of a base table's column; None when the
    column holds no code (the value is then shown as it is)."""
    if value is None:
        return None
    if column == "level":
        return LEVEL_LABELS.get(str(value))
    if column == "status":
        return STATUS_LABELS.get(str(value))
    if column == "template":
        return TEMPLATE_LABELS.get(str(value))
    if column == "flags":
        return flags_label(str(value)) if value else None
    if column == "rule":
        return rule_label(str(value))
    if column == "ok" and table == "checks":
        return OK_LABELS.get(value)  # type: ignore[call-overload]
    if column == "derived" and table == "cells":
        return YES_NO.get(value)  # type: ignore[call-overload]
    if column == "note" and table == "cells":
        return note_label(str(value)) or None
    if column == "section":
        if table == "narrative":
            return NARRATIVE_SECTIONS.get(str(value))
        return SECTION_SHORT.get(str(value))
    return _code_in_row(table, column, value, row)


def _code_in_row(table: str | None, column: str, value: object, row: object) -> str | None:
    """Item / measure / subject codes, whose meaning depends on the row's section or rule."""
    if row is None or column not in ("item", "measure", "subject"):
        return None
    try:
        if column == "subject":
            return subject_label(str(row["rule"]), str(value))
        return code_label(str(row["section"]), str(value))
    except (IndexError, KeyError):
        return None
