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

from etl import template as tpl  # noqa: E402

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

HEADING_RE = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")
FOOTER_RE = re.compile(r"^-\s*\d+\s*-$")
TERMINAL = "。！？；："

Key = tuple[str, str, str]


class SampleError(Exception):
    """A problem the user can fix (missing font, missing input); printed without traceback."""


@dataclass(frozen=True)
class Style:
    """How a report's tables are drawn: the official layout and each way real reports bend
    it. The renderers (this script's reportlab one, make_fixtures' LibreOffice one) read it;
    nothing else changes how a table looks."""

    headings: dict[str, str] = field(default_factory=lambda: {
        s: tpl.section_title(s) for s in tpl.SECTIONS})
    # Section heading paragraphs replaced by the tables' own first rows (二, 四) and the
    # top-left cell (三, before its 勾稽关系 note).
    heading_in_table: bool = False
    rules: dict[str, str] = field(default_factory=dict)  # section -> "grid" | "three_line"
    active_one_table: bool = False  # section 二 as one table with its caption rows inside
    captions_above: bool = False  # the 第二十条第（X）项 lines as paragraphs above the tables
    # The requests table split after this item (None: one part); how its second part is
    # headed: "" (not at all), "repeat" (the three header rows), "leaf" (the row of column
    # names only); ``drop_first_column``: the second part without its merged first column.
    split_after: str | None = None
    second_header: str = ""
    drop_first_column: bool = False
    # A merged cell cut by the page break: Word keeps its text in the first part,
    # LibreOffice in whichever part holds its middle row.
    text_in_middle: bool = False
    merge_other: bool = False  # （六）其他处理 as one row without its three sub-rows
    no_total_column: bool = False  # the requests table without its 总计 column
    halfwidth_parens: bool = False  # (一) for （一） in the requests labels
    label_stray_spaces: bool = False  # "1. 属于…" in the requests labels
    # Printed text for template text (``\n`` a line break): row labels and headings of
    # the requests table, and captions.
    labels: dict[str, str] = field(default_factory=dict)
    # Printed labels of items and measures: (section, code) -> label.
    codes: dict[tuple[str, str], str] = field(default_factory=dict)

    def printed(self, text: str) -> str:
        """A label of the requests table (or a caption) as this report prints it."""
        if text in self.labels:
            return self.labels[text]
        if self.halfwidth_parens:
            text = re.sub(r"^（([一二三四五六七八九十]+)）", r"(\1) ", text)
            if text.startswith("（本列"):
                text = "(" + text[1:-1] + ")"
        if self.label_stray_spaces:
            text = re.sub(r"^(\d+\.)", r"\1 ", text)
        return text

    def item_label(self, section: str, item: str, template: str) -> str:
        return self.codes.get((section, item), tpl.item_label(template, section, item))

    def measure_label(self, section: str, measure: str, template: str) -> str:
        return self.codes.get((section, measure), tpl.measure_label(template, section, measure))

    def corner(self) -> str:
        """The requests table's top-left cell: the 勾稽关系 note (after the heading)."""
        note = self.printed(tpl.section_text("requests", "corner"))
        return self.headings["requests"] + note if self.heading_in_table else note


@dataclass
class Report:
    """What one report is drawn from: title and prose, and each cell's printed text."""

    stem: str
    template: str
    agency: str
    title_lines: list[str]
    intro: list[str]
    closing: list[str]
    shown: dict[Key, str | None]  # printed text; "" printed empty; None not printed at all


@dataclass(frozen=True)
class Para:
    """A cell's text set as a paragraph in style ``style`` (``\n`` a line break)."""

    text: str
    style: str = "cellc"


Content = str | Para


@dataclass
class TableModel:
    """One table as drawn: cell contents, column widths, reportlab-style commands for its
    merged cells and alignment (``("SPAN", (c0, r0), (c1, r1))``), its rules, the rows a
    part repeats as header, and a caption printed just above it."""

    section: str
    rows: list[list[Content]]
    widths: list[float]
    font_size: float
    cmds: list[tuple[Any, ...]]
    rules: str = "grid"
    header_rows: int = 0
    caption: str | None = None


def shifted(cmds: list[tuple[Any, ...]], drow: int, dcol: int = 0) -> list[tuple[Any, ...]]:
    """Table commands moved by ``drow`` rows and ``dcol`` columns (negative indices count
    from the end and stay); a span wholly inside a dropped column goes."""
    out = []
    for cmd in cmds:
        (c0, r0), (c1, r1) = cmd[1], cmd[2]
        if cmd[0] == "SPAN" and dcol and c1 < -dcol:
            continue
        c0, c1 = (max(c0 + dcol, 0) if c0 >= 0 else c0), (c1 + dcol if c1 >= 0 else c1)
        r0, r1 = (r0 + drow if r0 >= 0 else r0), (r1 + drow if r1 >= 0 else r1)
        out.append((cmd[0], (c0, r0), (c1, r1), *cmd[3:]))
    return out


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


def shown_text(cell: dict[str, Any]) -> str | None:
    """The text a truth cell is printed as, or None when it is not printed at all."""
    if cell.get("absent"):
        return None
    if cell.get("blank_in_source"):
        return ""
    if "printed" in cell:
        return str(cell["printed"])
    return format_number(cell["value"])


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


def load_sample(stem: str, shared: Path) -> tuple[Report, Style, dict[str, Any]]:
    """A seed's report, the style its truth file describes, and the truth."""
    truth_path = shared / "corpus-dev" / "truth" / f"{stem}.json"
    if not truth_path.is_file():
        raise SampleError(f"no truth file for seed {stem}: {truth_path}")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    seed = (shared / "seeds" / f"{stem}.txt").read_text(encoding="utf-8")
    title, intro, closing = split_seed(seed)
    template = str(truth["template"])
    cells = {(c["table"], c["item"], c["measure"]): c for c in truth["cells"]}
    missing = [s for s in tpl.cells(template) if s.key not in cells]
    if missing:
        raise SampleError(f"{truth_path.name}: no cell {'.'.join(missing[0].key)}")
    shown = {s.key: shown_text(cells[s.key]) for s in tpl.cells(template)}
    layout = truth.get("layout", {})
    variations = set(truth.get("variations", []))
    style = Style(
        active_one_table="active_one_table" in variations,
        split_after=layout.get("requests_split_after_item") if layout.get(
            "requests_split", True) else None,
        text_in_middle=truth.get("producer") == "libreoffice",
        no_total_column=shown[("requests", "new", "total")] is None,
        halfwidth_parens="halfwidth_parens" in variations,
        label_stray_spaces="label_stray_spaces" in variations)
    report = Report(stem, template, str(truth["agency"]), title, intro, closing, shown)
    return report, style, truth


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


def table_style(model: TableModel) -> TableStyle:
    """Fully ruled grid (Word's 'all borders'), numbers centred, tight padding; or a 三线表
    (no vertical rules: a rule above, below the first row, and below)."""
    font_size = model.font_size
    cmds: list[tuple[Any, ...]] = [
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
        *model.cmds,
    ]
    if model.rules == "three_line":
        cmds = [c for c in cmds if c[0] != "GRID"] + [
            ("LINEABOVE", (0, 0), (-1, 0), 1.2, "black"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, "black"),
            ("LINEBELOW", (0, -1), (-1, -1), 1.2, "black")]
    return TableStyle(cmds)


# --------------------------------------------------------------------------- section 二


def header_label(report: Report, items: tuple[str, ...], measure: str, label: str) -> str:
    """The column heading; a unit the values already carry (84933.6787（万元）) is dropped,
    as in the 2019 originals that head that column just 采购总金额."""
    unit = re.search(r"（[^（）]+）$", label)
    if unit:
        shown = [report.shown[("active", item, measure)] or "" for item in items]
        if all(v.endswith(unit.group()) for v in shown):
            return label[: unit.start()]
    return label


def with_heading_row(model: TableModel, text: str) -> TableModel:
    """The section heading as the table's first row, spanning it, set left."""
    n = len(model.widths)
    cmds = [*shifted(model.cmds, 1), ("SPAN", (0, 0), (-1, 0)), ("ALIGN", (0, 0), (-1, 0), "LEFT")]
    return TableModel(model.section, [[text] + [""] * (n - 1), *model.rows], model.widths,
                      model.font_size, cmds, model.rules, model.header_rows, model.caption)


def active_models(report: Report, style: Style) -> list[TableModel]:
    """Section 二 as one small table per 第二十条 article (its caption the first row, or a
    paragraph above it), or as one table with the caption rows inside."""
    t = report.template
    ncols = 4  # label + up to three measures, like the official grid
    col_widths = [BODY_WIDTH * 0.28] + [BODY_WIDTH * 0.24] * 3
    rules = style.rules.get("active", "grid")
    blocks: list[tuple[list[list[Content]], list[tuple[Any, ...]]]] = []
    for caption, items in tpl.subtables(t):
        rows: list[list[Content]] = [[style.printed(caption), "", "", ""]]
        spans: list[tuple[Any, ...]] = [("SPAN", (0, 0), (-1, 0))]
        measures = tpl.measures(t, "active", items[0])
        header: list[Content] = [tpl.section_text("active", "row_heading")] + [
            Para(header_label(report, items, m, style.measure_label("active", m, t)))
            for m in measures]
        rows.append(header + [""] * (ncols - len(header)))
        # A single measure fills the whole value area (a merged cell in the originals);
        # two measures leave the fourth column empty, as the 2019 template prints it.
        single = len(measures) == 1
        if single:
            spans.append(("SPAN", (1, 1), (-1, 1)))
        for item in items:
            r = len(rows)
            values = [report.shown[("active", item, m)] or "" for m in measures]
            label = style.item_label("active", item, t)
            rows.append([label] + values + [""] * (ncols - 1 - len(values)))
            if single:
                spans.append(("SPAN", (1, r), (-1, r)))
        blocks.append((rows, spans))
    if style.active_one_table:
        rows, cmds = [], []
        captions: list[int] = []
        for b_rows, b_spans in blocks:
            captions.append(len(rows))
            cmds += shifted(b_spans, len(rows))
            rows += b_rows
        # The one-table layout prints captions left-aligned, like the Word originals.
        cmds += [("ALIGN", (0, r), (0, r), "LEFT") for r in captions]
        one = TableModel("active", rows, col_widths, 9, cmds, rules)
        return [with_heading_row(one, style.headings["active"]) if style.heading_in_table
                else one]
    models = []
    for rows, spans in blocks:
        if style.captions_above:
            caption = str(rows[0][0])
            models.append(TableModel("active", rows[1:], col_widths, 9, shifted(spans[1:], -1),
                                     rules, caption=caption))
        else:
            models.append(TableModel("active", rows, col_widths, 9, spans, rules))
    if style.heading_in_table:
        models[0] = with_heading_row(models[0], style.headings["active"])
    return models


# --------------------------------------------------------------------------- section 三


@dataclass
class Labelled:
    """One body row of the requests table and the label cells it starts."""

    item: str
    top: str | None  # text for a label spanning all three label columns
    group: str | None  # the merged label (（三）不予公开) of column 2 above this row
    sub: str  # label in column 2-3 (or 3 when grouped)


def request_rows(report: Report, style: Style) -> list[Labelled]:
    """The rows as the official table nests them (``template.label_path``)."""
    rows: list[Labelled] = []
    t = report.template
    for item in tpl.items(t, "requests"):
        path = tpl.label_path(t, "requests", item)
        if style.merge_other and item in tpl.group_items(t, "requests", "other"):
            if item != tpl.group_items(t, "requests", "other")[-1]:
                continue  # one row takes the place of the last sub-row
            item, path = "other_merged", path[:2]
        if len(path) == 1:
            rows.append(Labelled(item, style.item_label("requests", item, t), None, ""))
        elif len(path) == 2:
            rows.append(Labelled(item, None, None, path[1]))
        else:
            rows.append(Labelled(item, None, path[1], path[2]))
    return rows


def request_values(report: Report, item: str, measure: str) -> str:
    if item == "other_merged":  # the sum of the sub-rows it stands for
        subrows = tpl.group_items(report.template, "requests", "other")
        return format_number(sum(int(report.shown[("requests", i, measure)] or 0)
                                 for i in subrows))
    return report.shown[("requests", item, measure)] or ""


def requests_head(report: Report, style: Style, measures: list[str]
                  ) -> tuple[list[list[Content]], list[tuple[Any, ...]]]:
    """The three header rows: the 勾稽关系 note, 申请人情况 over the applicants, the
    applicants (the five kinds of organisation under 法人或其他组织), 总计."""
    t = report.template
    nval = len(measures)
    last = 2 + nval
    head: list[list[Content]] = [[""] * (3 + nval) for _ in range(3)]
    spans: list[tuple[Any, ...]] = [("SPAN", (0, 0), (2, 2)), ("SPAN", (3, 0), (last, 0))]
    head[0][0] = Para(style.corner())
    head[0][3] = Para(style.printed(tpl.section_text("requests", "column_heading")))
    (group_label, group), = tpl.column_groups("requests")
    head[1][3] = Para(style.printed(style.measure_label("requests", measures[0], t)))
    spans.append(("SPAN", (3, 1), (3, 2)))
    head[1][4] = Para(style.printed(group_label))
    spans.append(("SPAN", (4, 1), (3 + len(group), 1)))
    for j, m in enumerate(group):
        # Narrow columns: the originals stack these two characters a line (社会/公益/组织).
        text = style.measure_label("requests", m, t)
        head[2][4 + j] = Para("\n".join(text[k: k + 2] for k in range(0, len(text), 2)))
    if "total" in measures:
        head[1][last] = Para(style.printed(style.measure_label("requests", "total", t)))
        spans.append(("SPAN", (last, 1), (last, 2)))
    return head, spans


def leaf_header(report: Report, style: Style, measures: list[str]) -> list[Content]:
    """The row of column names alone (自然人 … 总计), as a second part may repeat it."""
    names = [style.measure_label("requests", m, report.template) for m in measures]
    return ["", "", ""] + [Para("\n".join(n[k: k + 2] for k in range(0, len(n), 2)))
                           for n in names]


def requests_models(report: Report, style: Style) -> list[TableModel]:
    """Section 三 in the official layout, as two tables when the original splits it."""
    measures = list(tpl.measures(report.template, "requests"))
    if style.no_total_column:
        measures.remove("total")
    nval = len(measures)
    # Widths that wrap labels as the originals do: 三、本年/度办理/结果, （四）无法/提供.
    label_w = [1.5 * cm, 1.8 * cm, 5.4 * cm]
    val_w = (BODY_WIDTH - sum(label_w)) / nval
    col_widths = label_w + [val_w] * nval
    head, head_spans = requests_head(report, style, measures)
    body = request_rows(report, style)
    parts = [body]
    if style.split_after:
        cut = next(i for i, r in enumerate(body) if r.item == style.split_after) + 1
        parts = [body[:cut], body[cut:]]
    runs = {0: _span_runs(body, lambda r: "outcome" if r.top is None else None),
            1: _span_runs(body, lambda r: r.group)}
    models = []
    offset = 0
    for p, part in enumerate(parts):
        rows: list[list[Content]] = [list(r) for r in head] if p == 0 else []
        spans: list[tuple[Any, ...]] = list(head_spans) if p == 0 else []
        base = len(rows)
        for k, r in enumerate(part):
            row: list[Content] = [""] * (3 + nval)
            if r.top is not None:
                row[0] = Para(style.printed(r.top), "cell")
                spans.append(("SPAN", (0, base + k), (2, base + k)))
            elif r.group is None:
                row[1] = Para(style.printed(r.sub), "cell")
                spans.append(("SPAN", (1, base + k), (2, base + k)))
            else:
                row[2] = Para(style.printed(r.sub), "cell")
            for j, m in enumerate(measures):
                row[3 + j] = request_values(report, r.item, m)
            rows.append(row)
        lo, hi = offset, offset + len(part) - 1
        for col, col_runs in runs.items():
            for a, b in col_runs:
                s, e = max(a, lo), min(b, hi)
                if s > e:
                    continue
                spans.append(("SPAN", (col, base + s - offset), (col, base + e - offset)))
                if lo <= _text_row((a, b), parts, style) <= hi:
                    label = (tpl.row_groups(report.template, "requests")[0].label if col == 0
                             else body[a].group or "")
                    rows[base + s - offset][col] = Para(style.printed(label))
        model = TableModel("requests", rows, col_widths, 9, spans,
                           style.rules.get("requests", "grid"), header_rows=3 if p == 0 else 0)
        models.append(bent_second_part(model, models[0], report, style, measures)
                      if p == 1 else model)
        offset += len(part)
    return models


def _span_runs(body: list[Labelled], key_of: Any) -> list[tuple[int, int]]:
    """Runs of consecutive rows with the same merged label in a column."""
    runs: list[tuple[int, int]] = []
    for i, r in enumerate(body):
        if key_of(r) is None:
            continue
        if runs and key_of(body[runs[-1][0]]) == key_of(r) and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _text_row(run: tuple[int, int], parts: list[list[Labelled]], style: Style) -> int:
    """The body row whose cell carries the text of a merged label cut by the page break."""
    if not style.text_in_middle:
        return run[0]
    mid = (run[0] + run[1]) / 2
    offset = 0
    for part in parts:
        if offset <= mid < offset + len(part):
            return max(run[0], offset)
        offset += len(part)
    return run[0]


def bent_second_part(model: TableModel, first: TableModel, report: Report, style: Style,
                     measures: list[str]) -> TableModel:
    """The second part of the split requests table as the style heads it: the first
    part's three header rows repeated, the row of column names only, or without its merged
    first column (三、本年度办理结果), so that a grid reader sees a column fewer."""
    rows, cmds, widths = model.rows, model.cmds, model.widths
    header_rows = 0
    if style.second_header == "repeat":
        head_spans = [c for c in first.cmds if c[0] == "SPAN" and c[2][1] <= 2]
        cmds = head_spans + shifted(cmds, 3)
        rows = [list(r) for r in first.rows[:3]] + rows
        header_rows = 3
    elif style.second_header == "leaf":
        cmds = [("SPAN", (0, 0), (2, 0)), *shifted(cmds, 1)]
        rows = [leaf_header(report, style, measures), *rows]
        header_rows = 1
    if style.drop_first_column:
        # a label spanning all three label columns keeps its text
        rows = [[r[0] if r[0] and not r[1] else r[1], *r[2:]] for r in rows]
        widths = [widths[0] + widths[1], *widths[2:]]
        cmds = shifted(cmds, 0, -1)
    return TableModel("requests", rows, widths, model.font_size, cmds, model.rules, header_rows)


# --------------------------------------------------------------------------- section 四


def appeals_model(report: Report, style: Style) -> TableModel:
    """Section 四: three groups side by side, one row of 15 values."""
    t = report.template
    items = tpl.items(t, "appeals")
    measures = tpl.measures(t, "appeals")
    n = len(measures)
    ncols = n * len(items)
    top: list[Content] = [""] * ncols
    mid: list[Content] = [""] * ncols
    sub: list[Content] = [""] * ncols
    spans: list[tuple[Any, ...]] = []
    parents: dict[str, list[int]] = {}  # 行政诉讼 -> its columns, across both groups
    groups = {i: g for g in tpl.row_groups(t, "appeals") for i in g.items}
    for g, item in enumerate(items):
        c0, c1 = g * n, g * n + n - 1
        label = style.item_label("appeals", item, t)
        if item in groups:
            mid[c0] = Para(label.removeprefix(groups[item].prefix), "small")
            spans.append(("SPAN", (c0, 1), (c1, 1)))
            parents.setdefault(groups[item].label, []).extend((c0, c1))
        else:
            top[c0] = Para(label, "small")
            spans.append(("SPAN", (c0, 0), (c1, 1)))
        for j, m in enumerate(measures):
            # Narrow columns: break 结果维持 as 结果/维持, not 结果维/持.
            text = style.measure_label("appeals", m, t)
            sub[c0 + j] = Para(f"{text[:2]}\n{text[2:]}" if len(text) == 4 else text, "small")
    for parent, cols in parents.items():
        top[min(cols)] = Para(parent, "small")
        spans.append(("SPAN", (min(cols), 0), (max(cols), 0)))
    data: list[Content] = [report.shown[("appeals", item, m)] or "" for item in items
                           for m in measures]
    model = TableModel("appeals", [top, mid, sub, data], [BODY_WIDTH / ncols] * ncols, 8,
                       spans, style.rules.get("appeals", "grid"))
    return with_heading_row(model, style.headings["appeals"]) if style.heading_in_table else model


# --------------------------------------------------------------------------- document


class Stacked(Flowable):
    """Flowables drawn one below the other as one (nested ``KeepTogether`` breaks pages)."""

    def __init__(self, *parts: Any) -> None:
        super().__init__()
        self.parts, self.sizes = parts, [(0.0, 0.0)] * len(parts)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.sizes = [p.wrap(avail_width, avail_height) for p in self.parts]
        return max(w for w, _ in self.sizes), sum(h for _, h in self.sizes)

    def draw(self) -> None:
        y = sum(h for _, h in self.sizes)
        for part, (_, h) in zip(self.parts, self.sizes, strict=True):
            y -= h
            part.drawOn(self.canv, 0, y)


def draw_table(model: TableModel, st: dict[str, ParagraphStyle]) -> Flowable:
    """A model as a reportlab table (with its caption paragraph above it)."""
    def content(c: Content) -> Any:
        if isinstance(c, Para):
            return Paragraph("<br/>".join(escape(x) for x in c.text.split("\n")), st[c.style])
        return c

    table = Table([[content(c) for c in row] for row in model.rows], colWidths=model.widths,
                  style=table_style(model))
    if model.caption is None:
        return table
    return Stacked(Paragraph(escape(model.caption), st["body"]), Spacer(1, 2), table)


def heading(text: str, st: dict[str, ParagraphStyle], style: Style) -> Flowable:
    return Spacer(1, 4) if style.heading_in_table else Paragraph(escape(text), st["h"])


def active_flowables(report: Report, style: Style, st: dict[str, ParagraphStyle]
                     ) -> list[Flowable]:
    tables = [draw_table(m, st) for m in active_models(report, style)]
    head = heading(style.headings["active"], st, style)
    if style.active_one_table:
        return [KeepTogether([head, tables[0]])]
    out: list[Flowable] = [head, tables[0], Spacer(1, 8)]
    out += [KeepTogether([t, Spacer(1, 8)]) for t in tables[1:]]
    return out


def requests_flowables(report: Report, style: Style, st: dict[str, ParagraphStyle]
                       ) -> list[Flowable]:
    first, *rest = [draw_table(m, st) for m in requests_models(report, style)]
    out: list[Flowable] = [KeepTogether([heading(style.headings["requests"], st, style),
                                         first])]
    for table in rest:
        out += [PageBreak(), table]
    return out


def appeals_flowables(report: Report, style: Style, st: dict[str, ParagraphStyle]
                      ) -> list[Flowable]:
    return [KeepTogether([heading(style.headings["appeals"], st, style),
                          draw_table(appeals_model(report, style), st)])]


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


def story(report: Report, style: Style) -> list[Flowable]:
    """The whole report: title, prose, the three tables, the closing sections."""
    st = make_styles()
    out: list[Flowable] = [Paragraph(escape(t), st["title"]) for t in report.title_lines]
    out.append(Spacer(1, 12))
    out += prose(report.intro, st)
    out += active_flowables(report, style, st)
    out.append(Spacer(1, 6))
    out += requests_flowables(report, style, st)
    out.append(Spacer(1, 6))
    out += appeals_flowables(report, style, st)
    out.append(Spacer(1, 6))
    out += prose(report.closing, st)
    return out


def build_pdf(report: Report, style: Style, path: Path, creator: str = "make_samples.py",
              **doc_options: Any) -> None:
    """Render ``report`` drawn as ``style`` says into ``path`` (``doc_options``: more
    ``SimpleDocTemplate`` options, such as ``encrypt``)."""
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title="".join(report.title_lines),
        author=report.agency,
        creator=f"ogi-etl scripts/{creator}",
        subject="",
        **{"pageCompression": 1, **doc_options},
    )
    doc.build(story(report, style), onFirstPage=footer, onLaterPages=footer)


def expected_json(stem: str, truth: dict[str, Any]) -> str:
    """The truth's cells in template order; one cell per line keeps diffs readable."""
    keep = ("table", "item", "measure", "value", "absent", "blank_in_source", "printed")
    by_key = {(c["table"], c["item"], c["measure"]): c for c in truth["cells"]}
    cells = [{k: by_key[s.key][k] for k in keep if k in by_key[s.key]}
             for s in tpl.cells(str(truth["template"]))]
    head = {"file": f"{stem}.pdf", "agency": truth["agency"], "year": truth["year"],
            "template": str(truth["template"])}
    return json_lines(head, cells)


def json_lines(head: dict[str, Any], cells: list[dict[str, Any]]) -> str:
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "cells": [')
    lines.append(",\n".join(f"    {json.dumps(c, ensure_ascii=False)}" for c in cells))
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
        help="shared dir with seeds/ and corpus-dev/truth/",
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
    seeds = sorted((shared / "seeds").glob("*.txt"))
    if not shared.is_dir() or not seeds:
        raise SampleError(f"shared dir {shared} must hold seeds/*.txt and corpus-dev/truth/")
    register_font(args.font)
    args.out.mkdir(parents=True, exist_ok=True)
    args.expected.mkdir(parents=True, exist_ok=True)
    written = []
    for seed in seeds:
        report, style, truth = load_sample(seed.stem, shared)
        pdf = args.out / f"{seed.stem}.pdf"
        build_pdf(report, style, pdf)
        (args.expected / f"{seed.stem}.json").write_text(expected_json(seed.stem, truth),
                                                         encoding="utf-8")
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
