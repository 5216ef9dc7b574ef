"""Render the seed reports as sample PDFs laid out like the published originals.

For every ``<shared>/seeds/<stem>.txt`` this writes ``samples/<stem>.pdf`` (title and
prose from the seed, table cells from ``<shared>/corpus-dev/truth/<stem>.json``) and
``tests/expected/<stem>.json`` (the cells the extractor must find, in template order).

The tables imitate Word/LibreOffice exports of the official template: fully ruled
grids, real merged cells, the requests table split across a page break with the page
footer between its two parts and no repeated header.  Output is byte-for-byte
deterministic so that re-running does not churn git.

Usage: python scripts/make_samples.py [--shared DIR] [--out DIR] [--expected DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config

# Fixed dates and document IDs; must be set before any canvas is created.
rl_config.invariant = 1

from reportlab.lib import textsplit as rl_textsplit  # noqa: E402
from reportlab.lib.enums import TA_CENTER, TA_LEFT  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as rl_paragraph  # noqa: E402

# Chinese line-breaking rule: these never start a line (they hang at the end of the
# previous one).  reportlab's own list lacks the full-width comma and friends, and it
# hangs at most one character, so "主义”，有效" broke before "，".
NO_LINE_START = rl_textsplit.ALL_CANNOT_START + "，；：！？”’》）〉、。"


def cjk_breaks(
    text: Sequence[str], widths: Sequence[float], max_widths: Any, hard: Sequence[bool]
) -> list[tuple[int, int, float, bool]]:
    """Line breaks of CJK text as (start, end, spare width, forced) per line.

    reportlab's break loop (fill the line, push the overflowing character back, keep a
    Latin run such as a number or URL whole), plus hanging a whole run of closers.
    """
    if not isinstance(max_widths, list | tuple):
        max_widths = [max_widths]
    lines: list[tuple[int, int, float, bool]] = []
    i = used = start = 0
    max_width = max_widths[0]
    while i < len(text):
        c = text[i]
        used += widths[i]
        i += 1
        if not (hard[i - 1] or used > max_width + rl_config._FUZZ):
            continue
        extra = max_width - used
        if not hard[i - 1]:
            if len(c) == 1 and ord(c) < 0x3000:
                # inside a Latin run: break after its last preceding space or CJK char
                for j in range(i - 2, (start + i) >> 1, -1):
                    if text[j].isspace() or ord(text[j]) >= 0x3000:
                        extra += sum(widths[j + 1 : i])
                        i = j + 1
                        break
                else:
                    i -= 1
                    extra += widths[i]
            elif c not in NO_LINE_START and i > start + 1:
                i -= 1
                extra += widths[i]
            while i < len(text) and text[i] in NO_LINE_START:
                extra -= widths[i]
                i += 1
        lines.append((start, i, extra, hard[i - 1]))
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        start, used = i, 0
    if start < len(text):
        lines.append((start, len(text), max_width - sum(widths[start:]), False))
    return lines


def dumb_split(word: str, widths: Sequence[float], max_widths: Any) -> list[list[Any]]:
    """Replacement for textsplit.dumbSplit (single-style paragraphs)."""
    lines = cjk_breaks(word, widths, max_widths, [False] * len(word))
    last = len(lines) - 1
    return [
        [x, word[s:e] if n == last else word[s:e].strip()] for n, (s, e, x, _) in enumerate(lines)
    ]


def cjk_frag_split(frags: Any, max_widths: Any, calc_bounds: Any, encoding: str = "utf8") -> Any:
    """Replacement for paragraph.cjkFragSplit (paragraphs with several styles)."""
    chars = []
    for f in frags:
        text = f.text.decode(encoding) if isinstance(f.text, bytes) else f.text
        chars += [rl_paragraph.cjkU(t, f, encoding) for t in text or [text]]
    widths = [c.width for c in chars]
    hard = [hasattr(c.frag, "lineBreak") for c in chars]
    out = []
    for s, e, extra, forced in cjk_breaks(chars, widths, max_widths, hard):
        width = sum(widths[s:e])
        max_width = width + extra
        out.append(
            rl_paragraph.makeCJKParaLine(chars[s:e], max_width, width, extra, forced, calc_bounds)
        )
    return rl_paragraph.ParaLines(kind=1, lines=out)


rl_textsplit.dumbSplit = dumb_split
rl_paragraph.cjkFragSplit = cjk_frag_split

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT = "WQYZenHei"

MARGIN = 2.5 * cm
BODY_WIDTH = A4[0] - 2 * MARGIN

HEADINGS = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}
# Section 二 groups (第二十条第（x）项); the CSV has items, not the article they belong to.
ACTIVE_GROUP = {
    "rules": "（一）",
    "normative_docs": "（一）",
    "licensing": "（五）",
    "other_services": "（五）",
    "penalty": "（六）",
    "coercion": "（六）",
    "fees": "（八）",
    "procurement": "（九）",
}
# Section 三 outcome groups whose sub-rows sit in label column 3.
OUTCOME_GROUP = {
    "（三）": "不予公开",
    "（四）": "无法提供",
    "（五）": "不予处理",
    "（六）": "其他处理",
}
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
ORG_MEASURES = ("commercial", "research", "social_org", "legal_service", "other_org")

HEADING_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")
FOOTER_RE = re.compile(r"^-\s*\d+\s*-$")
TERMINAL = "。！？；："


class SampleError(Exception):
    """A problem the user can fix (missing font, missing input); printed without traceback."""


@dataclass
class CellSpec:
    """One row of gidar-cells.csv."""

    template: str
    table: str
    item: str
    item_label: str
    measure: str
    measure_label: str


@dataclass
class Report:
    """What one sample is built from: the seed's text and the truth's cells."""

    stem: str
    truth: dict[str, Any]
    specs: list[CellSpec]
    title_lines: list[str]
    intro: list[str]
    closing: list[str]
    cells: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return str(self.truth["template"])

    @property
    def variations(self) -> list[str]:
        return list(self.truth.get("variations", []))

    def specs_of(self, table: str) -> list[CellSpec]:
        return [s for s in self.specs if s.table == table]

    def items_of(self, table: str) -> list[tuple[str, str]]:
        """(item, item_label) of one table, in template order."""
        seen: dict[str, str] = {}
        for s in self.specs_of(table):
            seen.setdefault(s.item, s.item_label)
        return list(seen.items())

    def measures_of(self, table: str, item: str | None = None) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for s in self.specs_of(table):
            if item is None or s.item == item:
                seen.setdefault(s.measure, s.measure_label)
        return list(seen.items())

    def cell(self, table: str, item: str, measure: str) -> dict[str, Any]:
        return self.cells[(table, item, measure)]

    def shown(self, table: str, item: str, measure: str) -> str | None:
        """The text printed in a cell, or None when the cell is not printed at all."""
        c = self.cell(table, item, measure)
        if c.get("absent"):
            return None
        if c.get("blank_in_source"):
            return ""
        if "printed" in c:
            return str(c["printed"])
        return format_number(c["value"])


# --------------------------------------------------------------------------- inputs


def format_number(value: Any) -> str:
    """Integers as integers, floats as their plain decimal (0.0 -> '0', no exponent)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise SampleError(f"unexpected boolean cell value {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def load_specs(csv_path: Path) -> list[CellSpec]:
    with csv_path.open(encoding="utf-8", newline="") as fh:
        return [CellSpec(**row) for row in csv.DictReader(fh)]


def display_width(text: str) -> int:
    """Width in half-width units: what decides where a hard-wrapped seed line ended."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clean_line(line: str) -> str:
    line = line.strip()
    line = line.replace("**", "")  # markdown bold in some seeds
    line = re.sub(r"\[[^\]]*\]\(([^)]*)\)", r"\1", line)  # markdown link -> its URL
    # Justified lines come out as "电 子 版"; a space between two CJK chars is an artefact.
    line = re.sub(r"(?<=[^\x00-\x7f]) +(?=[^\x00-\x7f])", "", line)
    return line


def join_paragraphs(lines: list[str]) -> list[str]:
    """Re-join seed lines into paragraphs.

    Two seed styles exist: text hard-wrapped every ~30 CJK chars (a short line ends a
    paragraph) and one paragraph per line with the odd page-break split (a long line
    without closing punctuation continues).
    """
    lines = [clean_line(x) for x in lines]
    lines = [x for x in lines if x and not FOOTER_RE.match(x)]
    if not lines:
        return []
    widths = sorted(display_width(x) for x in lines)
    typical = widths[int(len(widths) * 0.9) - 1 if len(widths) > 1 else 0]
    hard_wrapped = typical <= 70
    paras: list[str] = []
    current = ""
    for i, line in enumerate(lines):
        current += line
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        w = display_width(line)
        if hard_wrapped:
            ends = w < 0.8 * typical or nxt is None or bool(HEADING_RE.match(nxt))
        else:
            short_heading = w < 60 and bool(HEADING_RE.match(line))
            ends = line[-1] in TERMINAL or short_heading or w < 30 or nxt is None
        if ends:
            paras.append(current)
            current = ""
    if current:
        paras.append(current)
    return paras


def split_seed(text: str) -> tuple[list[str], list[str], list[str]]:
    """(title lines, section 一 paragraphs, sections 五-六 paragraphs) of a seed."""
    lines = [x.strip() for x in text.splitlines()]
    lines = [x for x in lines if x]
    start = next((i for i, x in enumerate(lines) if x.startswith("根据")), None)
    active = next((i for i, x in enumerate(lines) if x.startswith("二、主动公开")), None)
    if start is None or active is None:
        raise SampleError("seed lacks the 根据… opening or the 二、主动公开 heading")
    closing = next((i for i in range(active, len(lines)) if lines[i].startswith("五、")), None)
    if closing is None:
        raise SampleError("seed lacks the 五、 section")
    title = [clean_line(x) for x in lines[:start]]
    return title, join_paragraphs(lines[start:active]), join_paragraphs(lines[closing:])


def load_report(stem: str, shared: Path, specs: list[CellSpec]) -> Report:
    truth_path = shared / "corpus-dev" / "truth" / f"{stem}.json"
    if not truth_path.is_file():
        raise SampleError(f"no truth file for seed {stem}: {truth_path}")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    seed = (shared / "seeds" / f"{stem}.txt").read_text(encoding="utf-8")
    title, intro, closing = split_seed(seed)
    template_specs = [s for s in specs if s.template == str(truth["template"])]
    report = Report(stem, truth, template_specs, title, intro, closing)
    report.cells = {(c["table"], c["item"], c["measure"]): c for c in truth["cells"]}
    missing = [s for s in template_specs if (s.table, s.item, s.measure) not in report.cells]
    if missing:
        m = missing[0]
        raise SampleError(f"{truth_path.name}: no cell {m.table}.{m.item}.{m.measure}")
    return report


# --------------------------------------------------------------------------- styles


def make_styles() -> dict[str, ParagraphStyle]:
    base = {"fontName": FONT, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("title", fontSize=18, leading=28, alignment=TA_CENTER, **base),
        "h": ParagraphStyle(
            "h", fontSize=14, leading=24, firstLineIndent=28, spaceBefore=6, spaceAfter=4, **base
        ),
        "body": ParagraphStyle("body", fontSize=12, leading=21, firstLineIndent=24, **base),
        "cell": ParagraphStyle("cell", fontSize=9, leading=11, alignment=TA_LEFT, **base),
        "cellc": ParagraphStyle("cellc", fontSize=9, leading=11, alignment=TA_CENTER, **base),
        "small": ParagraphStyle("small", fontSize=8, leading=10, alignment=TA_CENTER, **base),
    }


def base_style(font_size: float, extra: list[tuple[Any, ...]]) -> TableStyle:
    """Fully ruled grid (Word's 'all borders'), numbers centred, tight padding."""
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, "black"),
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("FONTSIZE", (0, 0), (-1, -1), font_size),
            ("LEADING", (0, 0), (-1, -1), font_size + 2),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            *extra,
        ]
    )


# --------------------------------------------------------------------------- section 二


def header_label(report: Report, items: list[tuple[str, str]], measure: str, label: str) -> str:
    """The column heading; a unit the values already carry (84933.6787（万元）) is dropped,
    as in the 2019 originals that head that column just 采购总金额."""
    unit = re.search(r"（[^（）]+）$", label)
    if unit:
        shown = [report.shown("active", item, measure) or "" for item, _ in items]
        if all(v.endswith(unit.group()) for v in shown):
            return label[: unit.start()]
    return label


def active_tables(report: Report, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Section 二 as one table with caption rows inside, or one small table per caption."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for item, label in report.items_of("active"):
        groups.setdefault(ACTIVE_GROUP[item], []).append((item, label))

    ncols = 4  # label + up to three measures, like the official grid
    col_widths = [BODY_WIDTH * 0.28] + [BODY_WIDTH * 0.24] * 3
    blocks: list[tuple[list[list[Any]], list[tuple[Any, ...]]]] = []
    for group, items in groups.items():
        rows: list[list[Any]] = []
        spans: list[tuple[Any, ...]] = []
        rows.append([f"第二十条第{group}项", "", "", ""])
        spans.append(("SPAN", (0, 0), (-1, 0)))
        measures = report.measures_of("active", items[0][0])
        header = ["信息内容"] + [
            Paragraph(escape(header_label(report, items, m, lbl)), st["cellc"])
            for m, lbl in measures
        ]
        rows.append(header + [""] * (ncols - len(header)))
        # A single measure fills the whole value area (a merged cell in the originals);
        # two measures leave the fourth column empty, as the 2019 template prints it.
        single = len(measures) == 1
        if single:
            spans.append(("SPAN", (1, 1), (-1, 1)))
        for item, label in items:
            r = len(rows)
            values = [report.shown("active", item, m) or "" for m, _ in measures]
            rows.append([label] + values + [""] * (ncols - 1 - len(values)))
            if single:
                spans.append(("SPAN", (1, r), (-1, r)))
        blocks.append((rows, spans))

    if "active_one_table" in report.variations:
        rows, spans = [], []
        captions: list[int] = []
        for b_rows, b_spans in blocks:
            off = len(rows)
            captions.append(off)
            rows.extend(b_rows)
            spans.extend((k, (c0, r0 + off), (c1, r1 + off)) for k, (c0, r0), (c1, r1) in b_spans)
        # The one-table layout prints captions left-aligned, like the Word originals.
        extra = spans + [("ALIGN", (0, r), (0, r), "LEFT") for r in captions]
        table = Table(rows, colWidths=col_widths, style=base_style(9, extra))
        return [KeepTogether([heading(HEADINGS["active"], st), table])]

    out: list[Flowable] = [heading(HEADINGS["active"], st)]
    for i, (rows, spans) in enumerate(blocks):
        table = Table(rows, colWidths=col_widths, style=base_style(9, spans))
        out.append(KeepTogether([table, Spacer(1, 8)]) if i else table)
        if not i:
            out.append(Spacer(1, 8))
    return out


# --------------------------------------------------------------------------- section 三


@dataclass
class Labelled:
    """One body row of the requests table and the label cells it starts."""

    item: str
    top: str | None  # text for a label spanning all three label columns
    group: str | None  # outcome-group key (（三）…) for column-2 spans
    sub: str  # label in column 2-3 (or 3 when grouped)


def request_rows(report: Report) -> list[Labelled]:
    rows: list[Labelled] = []
    for item, label in report.items_of("requests"):
        if not label.startswith("三"):
            rows.append(Labelled(item, label, None, ""))
            continue
        rest = label[1:]
        key = rest[:3]
        if key in OUTCOME_GROUP and rest[3:] and rest[3:] != OUTCOME_GROUP[key]:
            rows.append(Labelled(item, None, key, rest[3:]))
        else:
            rows.append(Labelled(item, None, None, rest))
    return rows


def fix_label(text: str, report: Report) -> str:
    """Reproduce the seed's typography quirks (half-width enumerators, stray spaces)."""
    if "halfwidth_parens" in report.variations:
        text = re.sub(r"^（([一二三四五六七八九十]+)）", r"(\1) ", text)
        if text.startswith("（本列"):
            text = "(" + text[1:-1] + ")"
    if "label_stray_spaces" in report.variations:
        text = re.sub(r"^(\d+\.)", r"\1 ", text)
    return text


def requests_tables(report: Report, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """Section 三 in the official layout, as two tables when the original splits it."""
    measures = [m for m, _ in report.measures_of("requests")]
    if report.shown("requests", "new", "total") is None:
        measures.remove("total")  # 003 prints no 总计 column at all
    nval = len(measures)
    # Widths that wrap labels as the originals do: 三、本年/度办理/结果, （四）无法/提供.
    label_w = [1.5 * cm, 1.8 * cm, 5.4 * cm]
    val_w = (BODY_WIDTH - sum(label_w)) / nval
    col_widths = label_w + [val_w] * nval
    last = 2 + nval

    def para(text: str, style: str = "cellc") -> Paragraph:
        return Paragraph(escape(fix_label(text, report)), st[style])

    head: list[list[Any]] = [[""] * (3 + nval) for _ in range(3)]
    head_spans: list[tuple[Any, ...]] = [("SPAN", (0, 0), (2, 2)), ("SPAN", (3, 0), (last, 0))]
    head[0][0] = para(BALANCE_NOTE)
    head[0][3] = para("申请人情况")
    head[1][3] = para("自然人")
    head_spans.append(("SPAN", (3, 1), (3, 2)))
    head[1][4] = para("法人或其他组织")
    head_spans.append(("SPAN", (4, 1), (3 + len(ORG_MEASURES), 1)))
    labels = dict(report.measures_of("requests"))
    for j, m in enumerate(ORG_MEASURES):
        # Narrow columns: the originals stack these two characters a line (社会/公益/组织).
        text = labels[m]
        lines = [escape(text[k : k + 2]) for k in range(0, len(text), 2)]
        head[2][4 + j] = Paragraph("<br/>".join(lines), st["cellc"])
    if "total" in measures:
        head[1][last] = para(labels["total"])
        head_spans.append(("SPAN", (last, 1), (last, 2)))

    body = request_rows(report)
    split_after = report.truth.get("layout", {}).get("requests_split_after_item")
    if split_after and report.truth.get("layout", {}).get("requests_split", True):
        cut = next(i for i, r in enumerate(body) if r.item == split_after) + 1
        parts = [body[:cut], body[cut:]]
    else:
        parts = [body]

    # A merged cell cut by the page break: Word keeps its text in the first part,
    # LibreOffice centres it vertically, i.e. in whichever part holds its middle row.
    middle = report.truth.get("producer") == "libreoffice"

    def span_runs(key_of: Any) -> list[tuple[int, int]]:
        runs: list[tuple[int, int]] = []
        for i, r in enumerate(body):
            if key_of(r) is None:
                continue
            if runs and key_of(body[runs[-1][0]]) == key_of(r) and runs[-1][1] == i - 1:
                runs[-1] = (runs[-1][0], i)
            else:
                runs.append((i, i))
        return runs

    outcome_runs = span_runs(lambda r: "outcome" if r.top is None else None)
    group_runs = span_runs(lambda r: r.group)

    def text_row(run: tuple[int, int]) -> int:
        if not middle:
            return run[0]
        mid = (run[0] + run[1]) / 2
        # the text goes to the first row of the part that contains the middle row
        offset = 0
        for part in parts:
            if offset <= mid < offset + len(part):
                return max(run[0], offset)
            offset += len(part)
        return run[0]

    flowables: list[Flowable] = []
    offset = 0
    for p, part in enumerate(parts):
        rows: list[list[Any]] = [list(r) for r in head] if p == 0 else []
        spans: list[tuple[Any, ...]] = list(head_spans) if p == 0 else []
        base = len(rows)
        lo, hi = offset, offset + len(part) - 1
        for k, r in enumerate(part):
            row: list[Any] = [""] * (3 + nval)
            if r.top is not None:
                row[0] = para(r.top, "cell")
                spans.append(("SPAN", (0, base + k), (2, base + k)))
            elif r.group is None:
                row[1] = para(r.sub, "cell")
                spans.append(("SPAN", (1, base + k), (2, base + k)))
            else:
                row[2] = para(r.sub, "cell")
            for j, m in enumerate(measures):
                row[3 + j] = report.shown("requests", r.item, m) or ""
            rows.append(row)
        for col, runs in ((0, outcome_runs), (1, group_runs)):
            for a, b in runs:
                s, e = max(a, lo), min(b, hi)
                if s > e:
                    continue
                spans.append(("SPAN", (col, base + s - offset), (col, base + e - offset)))
                if lo <= text_row((a, b)) <= hi:
                    key = body[a].group or ""
                    label = "三、本年度办理结果" if col == 0 else key + OUTCOME_GROUP[key]
                    rows[base + s - offset][col] = para(label)
        table = Table(rows, colWidths=col_widths, style=base_style(9, spans))
        if p == 0:
            flowables.append(KeepTogether([heading(HEADINGS["requests"], st), table]))
        else:
            flowables += [PageBreak(), table]
        offset += len(part)
    return flowables


# --------------------------------------------------------------------------- section 四


def appeals_table(report: Report, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    items = report.items_of("appeals")
    measures = report.measures_of("appeals")
    n = len(measures)
    ncols = n * len(items)

    def para(text: str) -> Paragraph:
        return Paragraph(escape(text), st["small"])

    top = [""] * ncols
    mid = [""] * ncols
    sub = [""] * ncols
    spans: list[tuple[Any, ...]] = []
    parents: dict[str, list[int]] = {}  # 行政诉讼 -> its columns, across both groups
    for g, (_, label) in enumerate(items):
        c0, c1 = g * n, g * n + n - 1
        if "·" in label:
            parent, child = label.split("·", 1)
            mid[c0] = para(child)
            spans.append(("SPAN", (c0, 1), (c1, 1)))
            parents.setdefault(parent, []).extend((c0, c1))
        else:
            top[c0] = para(label)
            spans.append(("SPAN", (c0, 0), (c1, 1)))
        for j, (_, mlabel) in enumerate(measures):
            # Narrow columns: break 结果维持 as 结果/维持, not 结果维/持.
            text = escape(mlabel)
            if len(mlabel) == 4:
                text = f"{text[:2]}<br/>{text[2:]}"
            sub[c0 + j] = Paragraph(text, st["small"])
    for parent, cols in parents.items():
        top[min(cols)] = para(parent)
        spans.append(("SPAN", (min(cols), 0), (max(cols), 0)))
    data = [report.shown("appeals", item, m) or "" for item, _ in items for m, _ in measures]
    widths = [BODY_WIDTH / ncols] * ncols
    table = Table([top, mid, sub, data], colWidths=widths, style=base_style(8, spans))
    return [KeepTogether([heading(HEADINGS["appeals"], st), table])]


# --------------------------------------------------------------------------- document


def heading(text: str, st: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph(escape(text), st["h"])


def prose(paras: list[str], st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = []
    for p in paras:
        is_section = bool(re.match(r"^[一二三四五六七八九十]+、", p)) and len(p) < 40
        out.append(Paragraph(escape(p), st["h" if is_section else "body"]))
    return out


def footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 10.5)
    canvas.drawCentredString(A4[0] / 2, 1.5 * cm, f"- {doc.page} -")
    canvas.restoreState()


def build_pdf(report: Report, path: Path) -> None:
    st = make_styles()
    agency = str(report.truth["agency"])
    story: list[Flowable] = [Paragraph(escape(t), st["title"]) for t in report.title_lines]
    story.append(Spacer(1, 12))
    story += prose(report.intro, st)
    story += active_tables(report, st)
    story.append(Spacer(1, 6))
    story += requests_tables(report, st)
    story.append(Spacer(1, 6))
    story += appeals_table(report, st)
    story.append(Spacer(1, 6))
    story += prose(report.closing, st)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title="".join(report.title_lines),
        author=agency,
        creator="ogi-etl scripts/make_samples.py",
        subject="",
        pageCompression=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def expected_json(report: Report) -> str:
    """The truth's cells in template order; one cell per line keeps diffs readable."""
    keep = ("table", "item", "measure", "value", "absent", "blank_in_source", "printed")
    cells = []
    for s in report.specs:
        c = report.cell(s.table, s.item, s.measure)
        cells.append({k: c[k] for k in keep if k in c})
    head = {
        "file": f"{report.stem}.pdf",
        "agency": report.truth["agency"],
        "year": report.truth["year"],
        "template": report.template,
    }
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "cells": [')
    body = [f"    {json.dumps(c, ensure_ascii=False)}" for c in cells]
    lines.append(",\n".join(body))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def register_font(path: Path) -> None:
    if not path.is_file():
        raise SampleError(
            f"CJK font not found: {path}\n"
            "install it with `apt-get install -y fonts-wqy-zenhei` or pass --font PATH"
        )
    try:
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    except Exception as exc:  # reportlab raises its own TTFError and friends
        raise SampleError(f"cannot use font {path}: {exc}") from exc
    # Otherwise every page also references an unused, unembedded Helvetica.
    rl_config.canvas_basefontname = FONT


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--shared",
        type=Path,
        default=REPO_ROOT.parent / "shared",
        help="shared dir with seeds/, corpus-dev/truth/, gidar-cells.csv",
    )
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "samples", help="PDF output dir")
    ap.add_argument(
        "--expected",
        type=Path,
        default=REPO_ROOT / "tests" / "expected",
        help="expected-cells JSON output dir",
    )
    ap.add_argument("--font", type=Path, default=DEFAULT_FONT, help="TTF/TTC CJK font")
    return ap.parse_args(argv)


def run(args: argparse.Namespace) -> list[Path]:
    shared: Path = args.shared
    csv_path = shared / "gidar-cells.csv"
    seeds = sorted((shared / "seeds").glob("*.txt"))
    if not shared.is_dir() or not csv_path.is_file() or not seeds:
        raise SampleError(
            f"shared dir {shared} must hold gidar-cells.csv, seeds/*.txt and corpus-dev/truth/"
        )
    register_font(args.font)
    specs = load_specs(csv_path)
    args.out.mkdir(parents=True, exist_ok=True)
    args.expected.mkdir(parents=True, exist_ok=True)
    written = []
    for seed in seeds:
        report = load_report(seed.stem, shared, specs)
        pdf = args.out / f"{seed.stem}.pdf"
        build_pdf(report, pdf)
        (args.expected / f"{seed.stem}.json").write_text(expected_json(report), encoding="utf-8")
        written.append(pdf)
    return written


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        written = run(args)
    except SampleError as exc:
        print(f"make_samples: error: {exc}", file=sys.stderr)
        return 2
    for pdf in written:
        print(f"{pdf} ({pdf.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
