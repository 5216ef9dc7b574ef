"""Render the layout-variant fixtures: small report PDFs, each with one thing real reports do.

For every variant (one ``Variant`` record in ``VARIANTS``) this writes
``tests/fixtures/<name>.pdf`` and, when the PDF should extract,
``tests/fixtures/truth/<name>.json`` (the cells the extractor must find, in the format of
``../shared/corpus-dev/truth/``, so ``python benchmarks/accuracy.py tests/fixtures`` scores
them). The tables are laid out by ``scripts/make_samples.py`` from a ``Style`` (rotation,
encryption, repeated header, a column fewer, 三线表 rules, tables as images, captions
outside the tables, headings inside them, labels with stray spaces, line breaks or
half-width brackets, …) and drawn by reportlab (byte-for-byte deterministic, reportlab
``invariant``) or exported by LibreOffice from a document this script writes
(``scripts/fodt.py``; same text, not the same bytes, from run to run).

A cell printed differently from its synthetic value states its true value literally
(``P("2,229", 2229)``): the truth is never computed with the code under test.

Usage: python scripts/make_fixtures.py [--out DIR] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_samples as ms  # noqa: E402  (sets rl_config.invariant before any canvas)
from reportlab.lib.pdfencrypt import StandardEncryption  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.platypus import Image, PageBreak, Paragraph, Spacer  # noqa: E402

from etl import template as tpl  # noqa: E402

REPO = ms.REPO_ROOT
AGENCY = {"2021": "吴忠市人民政府办公室", "2019": "吴忠市"}
YEAR = {"2021": 2024, "2019": 2020}
INTRO = [
    "根据《中华人民共和国政府信息公开条例》规定，现发布本机关政府信息公开工作年度报告，"
    "本报告中统计数据自1月1日至12月31日。",
    "一、总体情况",
    "本年度持续加大主动公开力度，规范依申请公开办理，政府信息管理和平台建设不断加强。",
]
CLOSING = [
    "五、存在的主要问题及改进情况",
    "政策解读形式还不够丰富，下一步将加强培训，提升依申请公开答复质量。",
    "六、其他需要报告的事项",
    "本年度未收取信息处理费。",
]

Key = tuple[str, str, str]
Value = int | float | None


@dataclass(frozen=True)
class P:
    """A cell printed as ``text`` whose true value is ``value`` (flags the reader must set)."""

    text: str
    value: Value
    flags: tuple[str, ...] = ()


def blank() -> P:
    return P("", None, ("blank",))


@dataclass
class Variant:
    """One fixture: its template, how it is drawn, what its cells print, its truth."""

    name: str
    template: str = "2021"
    style: ms.Style = field(default_factory=lambda: ms.Style(split_after="withheld_prohibited"))
    # (item, applicant) outcome cells set before the totals are summed
    fixed: dict[tuple[str, str], int] = field(default_factory=dict)
    printed: dict[Key, P] = field(default_factory=dict)
    # Cells whose truth differs from what they print (absent, derived), stated literally.
    truth_cells: dict[Key, dict[str, Any]] = field(default_factory=dict)
    # A change to the synthetic data drawn from a rule (zeros printed empty, say).
    bend: Callable[[dict[Key, dict[str, Any]]], None] | None = None
    render: str = "reportlab"  # or rotated | images | libreoffice (see ``render``)
    options: dict[str, Any] = field(default_factory=dict)
    variations: tuple[str, ...] = ()
    agency: str | None = None  # as the truth reads it, where the text layer garbles it
    title: list[str] | None = None  # title lines and section 一 when not the usual ones
    intro: list[str] | None = None
    truth: bool = True  # False: bad input that must fail, or a cell no reader gets right


# --------------------------------------------------------------------------- data


def synthetic_cells(template: str, fixed: dict[tuple[str, str], int]
                    ) -> dict[Key, dict[str, Any]]:
    """Values that differ from row to row and column to column (so a shifted row or column
    shows) and satisfy every identity of the format; ``fixed`` sets (item, applicant)
    outcome cells before the totals are summed."""
    cells: dict[Key, dict[str, Any]] = {}

    def put(table: str, item: str, measure: str, value: Any) -> None:
        cells[(table, item, measure)] = {"table": table, "item": item, "measure": measure,
                                         "value": value}

    for n, s in enumerate(x for x in tpl.cells(template) if x.section == "active"):
        if s.kind == "decimal":
            put("active", s.item, s.measure, round(96.5 + 13.25 * n, 4))
        elif s.kind == "signed":
            put("active", s.item, s.measure, (-1) ** n * (n % 4))
        else:
            put("active", s.item, s.measure, (n * 37) % 90 + n)
    outcomes = [i for i in tpl.group_items(template, "requests", "outcomes")
                if i != "handled_total"]
    for j, a in enumerate(tpl.applicants()):
        handled = 0
        for i, item in enumerate(outcomes):
            v = (i * 7 + j * 3) % 5 + (40 - 6 * j if item == "granted" else 0)
            v = fixed.get((item, a), v)
            put("requests", item, a, v)
            handled += v
        carried_in, carried_out = j + 1, (j * 2) % 3
        put("requests", "handled_total", a, handled)
        put("requests", "carried_in", a, carried_in)
        put("requests", "carried_out", a, carried_out)
        put("requests", "new", a, handled + carried_out - carried_in)
    for item in tpl.items(template, "requests"):
        put("requests", item, "total", sum(cells[("requests", item, a)]["value"]
                                           for a in tpl.applicants()))
    parts_of = [m for m in tpl.measures(template, "appeals") if m != "total"]
    for g, item in enumerate(tpl.items(template, "appeals")):
        parts = [(g + k) % 3 + (5 if k == 0 else 0) for k in range(len(parts_of))]
        for m, v in zip(parts_of, parts, strict=True):
            put("appeals", item, m, v)
        put("appeals", item, "total", sum(parts))
    return cells


def variant_cells(v: Variant) -> dict[Key, dict[str, Any]]:
    """The variant's truth cells: synthetic values, bent, then its printed cells."""
    cells = synthetic_cells(v.template, v.fixed)
    if v.bend:
        v.bend(cells)
    for key, p in v.printed.items():
        c = cells[key]
        c["value"], c["printed"] = p.value, p.text
        if p.flags:
            c["flags"] = list(p.flags)
        if p.text == "":
            c["blank_in_source"] = True
    for key, entry in v.truth_cells.items():
        cells[key].update(entry)
    return cells


def variant_report(v: Variant, cells: dict[Key, dict[str, Any]]) -> ms.Report:
    shown = {k: ms.shown_text(c) for k, c in cells.items()}
    if v.style.merge_other:  # the sub-rows print as one row: their synthetic values add up
        for key in shown:
            if key[1] in tpl.group_items(v.template, "requests", "other"):
                shown[key] = ms.format_number(synthetic_cells(v.template, v.fixed)[key]["value"])
    title = v.title or [AGENCY[v.template], f"{YEAR[v.template]}年政府信息公开工作年度报告"]
    return ms.Report(v.name, v.template, AGENCY[v.template], title, v.intro or INTRO, CLOSING,
                     shown)


def truth_json(v: Variant, cells: dict[Key, dict[str, Any]]) -> str:
    head = {"file": f"{v.name}.pdf", "agency": v.agency or AGENCY[v.template],
            "year": YEAR[v.template], "template": v.template, "variations": list(v.variations)}
    return ms.json_lines(head, [cells[s.key] for s in tpl.cells(v.template)])


# --------------------------------------------------------------------------- rendering


def build_rotated(report: ms.Report, style: ms.Style, path: Path, *, upright: bool | None
                  ) -> None:
    """Pages carrying ``/Rotate 90`` over a portrait MediaBox.

    ``upright``: the appeals table on a landscape page made the way print drivers make them,
    its content drawn a quarter turned so that ``/Rotate 90`` shows it upright. False: the
    pages with the requests and appeals tables are drawn upright in the MediaBox, and
    ``/Rotate 90`` shows them lying on their side (a page rotated in a viewer and saved).
    None: the appeals table on a plain landscape page (a landscape MediaBox, no /Rotate)."""
    from reportlab.lib.pagesizes import landscape
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageTemplate

    w, h = ms.A4
    m = ms.MARGIN

    def turn(canvas: Any, doc: Any) -> None:
        canvas.translate(w, 0)  # landscape (u, v) -> portrait MediaBox (w - v, u)
        canvas.rotate(90)

    # reportlab's pagesize is the page as shown: with /Rotate 90 it writes the MediaBox
    # with width and height swapped.
    portrait = PageTemplate("portrait", frames=[Frame(m, m, w - 2 * m, h - 2 * m)],
                            onPage=ms.footer, pagesize=ms.A4)
    if upright is None:
        turned = PageTemplate("turned", frames=[Frame(m, m, h - 2 * m, w - 2 * m)],
                              pagesize=landscape(ms.A4))
    elif upright:
        turned = PageTemplate("turned", frames=[Frame(m, m, h - 2 * m, w - 2 * m)],
                              onPage=turn, pagesize=landscape(ms.A4))
    else:
        turned = PageTemplate("turned", frames=[Frame(m, m, w - 2 * m, h - 2 * m)],
                              onPage=ms.footer, pagesize=landscape(ms.A4))
    turned.rotation = 0 if upright is None else 90  # read by BaseDocTemplate.handle_pageEnd
    st = ms.make_styles()
    story: list[Any] = [Paragraph(ms.escape(t), st["title"]) for t in report.title_lines]
    story.append(Spacer(1, 12))
    story += ms.prose(report.intro, st)
    story += ms.active_flowables(report, style, st)
    story.append(Spacer(1, 6))
    requests = ms.requests_flowables(report, style, st)
    appeals = ms.appeals_flowables(report, style, st)
    if upright is not False:
        story += [*requests, NextPageTemplate("turned"), PageBreak(), *appeals]
    else:
        story += [NextPageTemplate("turned"), PageBreak(), *requests, Spacer(1, 6), *appeals]
    story += [NextPageTemplate("portrait"), PageBreak(), *ms.prose(report.closing, st)]
    doc = BaseDocTemplate(str(path), pagesize=ms.A4, pageTemplates=[portrait, turned],
                          title="".join(report.title_lines), author=report.agency,
                          creator="ogi-etl scripts/make_fixtures.py", subject="",
                          pageCompression=1)
    doc.build(story)


def build_with_image_tables(report: ms.Report, style: ms.Style, path: Path,
                            text_active: bool = False) -> None:
    """Prose as text, the tables as pictures (a scan pasted into a Word file): all three, or
    (``text_active``) the requests and appeals tables only."""
    import pypdfium2 as pdfium

    buf = path.with_suffix(".tmp.pdf")
    ms.build_pdf(report, style, buf)
    doc = pdfium.PdfDocument(str(buf))
    st = ms.make_styles()
    story: list[Any] = [Paragraph(ms.escape(t), st["title"]) for t in report.title_lines]
    story.append(Spacer(1, 12))
    story += ms.prose(report.intro, st)
    if text_active:
        story += ms.active_flowables(report, style, st)
    for n in range(1, len(doc)):
        img = doc[n].render(scale=70 / 72, grayscale=True).to_pil()
        png = io.BytesIO()
        img.convert("1", dither=0).save(png, format="PNG", optimize=True)
        png.seek(0)
        width = ms.BODY_WIDTH
        story += [PageBreak(), Image(png, width=width, height=width * img.height / img.width)]
    doc.close()
    buf.unlink()
    pdf = ms.SimpleDocTemplate(str(path), pagesize=ms.A4, leftMargin=ms.MARGIN,
                               rightMargin=ms.MARGIN, topMargin=1 * cm, bottomMargin=1 * cm,
                               title="".join(report.title_lines), author=report.agency,
                               creator="ogi-etl scripts/make_fixtures.py", subject="",
                               pageCompression=1)
    pdf.build(story)


def build_with_control_glyph(report: ms.Report, style: ms.Style, path: Path, *,
                             glyph: str) -> None:
    """A PDF whose ToUnicode map sends ``glyph`` to U+0017, as broken maps in real PDFs do:
    the glyph is drawn, the text layer reads a control character. Written uncompressed so
    that the map can be edited in place (same length, same offsets)."""
    ms.build_pdf(report, style, path, pageCompression=0)
    data = path.read_bytes()
    target = f"<{ord(glyph):04X}>".encode()
    count = data.count(b" " + target)
    if count != 1:
        raise ms.SampleError(f"{path.name}: {glyph!r} mapped {count} times in ToUnicode")
    path.write_bytes(data.replace(b" " + target, b" <0017>"))


def render(v: Variant, report: ms.Report, path: Path) -> None:
    if v.render == "rotated":
        build_rotated(report, v.style, path, **v.options)
    elif v.render == "images":
        build_with_image_tables(report, v.style, path, **v.options)
    elif v.render == "control-glyph":
        build_with_control_glyph(report, v.style, path, **v.options)
    elif v.render == "libreoffice":
        import fodt

        fodt.export_pdf(report, v.style, path, **v.options)
    else:
        ms.build_pdf(report, v.style, path, **v.options)


# --------------------------------------------------------------------------- variants


R, A = "requests", "active"
OTHER_ROWS = tpl.group_items("2021", "requests", "other")
OUTCOMES_2021 = [i for i in tpl.group_items("2021", "requests", "outcomes")
                 if i != "handled_total"]
# 2019 section 二 with full-width digits and signs, and a unit after the amount.
FULLWIDTH_SIGNS = {
    (A, "licensing", "change"): P("＋１９５３", 1953),
    (A, "licensing", "prev_items"): P("２０４", 204),
    (A, "other_services", "change"): P("－１", -1), (A, "penalty", "change"): P("+12", 12),
    (A, "fees", "change"): P("＋０", 0), (A, "coercion", "decisions"): P("１８７", 187),
    (A, "procurement", "amount_10k_yuan"): P("１９６３.２９８９万元", 1963.2989),
}
# Labels as some reports print them: stray spaces and line breaks inside words, in the
# requests table's headers and row labels (template text -> printed text).
SPACED_LABELS = {
    "自然人": "自 然 人", "法人或其他组织": "法人或 其他组织", "总计": "总\n计",
    "（一）予以公开": "（一） 予以 公开", "1.属于国家秘密": "1. 属于 国家 秘密",
    "2.重复申请": "2. 重复\n申请", "（四）无法提供": "（四）无 法 提 供",
    "二、上年结转政府信息公开申请数量": "二、上年结转政府信息\n公开申请数量",
    "四、结转下年度继续办理": "四、结转 下年度 继续办理",
    # ideographic spaces, as justified Word labels carry them
    "5.属于三类内部事务信息": "5.属于　三类　内部事务信息", "（六）其他处理": "（六）其他　处理",
    "三、本年度办理结果": "三、本　年　度办理结果",
}
# The same in the other two tables' item and measure labels.
SPACED_CODES = {
    ("active", "licensing"): "行 政 许 可", ("active", "normative_docs"): "行政规范性\n文件",
    ("active", "issued"): "本年 制发 件数", ("requests", "commercial"): "商 业 企 业",
    ("appeals", "upheld"): "结果 维持", ("appeals", "corrected"): "结果\n纠正",
}
# Half-width brackets beside full-width ones in one report.
MIXED_BRACKETS = {
    "（一）予以公开": "(一)予以公开", "（三）不予公开": "(三)不予公开",
    "（五）不予处理": "(五)不予处理", "（七）总计": "(七)总计",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）":
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
    "第二十条第（一）项": "第二十条第(一)项", "第二十条第（六）项": "第二十条第(六)项",
    tpl.section_text("requests", "corner"):
        "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
}
SPLIT = "withheld_prohibited"


def zeros_and_totals_blank(cells: dict[Key, dict[str, Any]]) -> None:
    """上海市人民政府办公厅 2019: zeros printed as empty cells, and 总计 left empty on the
    outcome rows (not zero)."""
    outcomes = [i for i in tpl.group_items("2019", "requests", "outcomes")
                if i != "handled_total"]
    for (table, item, measure), c in cells.items():
        if (table in ("requests", "appeals") and c["value"] == 0) or (
                table == "requests" and measure == "total" and item in outcomes):
            c.update(value=None, printed="", flags=["blank"], blank_in_source=True)


def research_blank(cells: dict[Key, dict[str, Any]]) -> None:
    for (table, _item, measure), c in cells.items():
        if table == "requests" and measure == "research":
            c.update(value=None, printed="", flags=["blank"], blank_in_source=True)


def only_active_readable(cells: dict[Key, dict[str, Any]]) -> None:
    for c in cells.values():
        if c["table"] != "active":
            c.update(value=None, flags=["absent"])


def both(*bends: Callable[[dict[Key, dict[str, Any]]], None]
         ) -> Callable[[dict[Key, dict[str, Any]]], None]:
    def bend(cells: dict[Key, dict[str, Any]]) -> None:
        for b in bends:
            b(cells)
    return bend


def with_units(template: str, sections: tuple[str, ...] = tpl.SECTIONS
               ) -> Callable[[dict[Key, dict[str, Any]]], None]:
    """Counts printed with a unit: section 二's counts and the 总计 column of the requests
    and appeals tables (5件, 49个, 1416件), their values unchanged."""
    def bend(cells: dict[Key, dict[str, Any]]) -> None:
        for s in tpl.cells(template):
            c = cells[s.key]
            unit = "个" if s.item == "licensing" else "件"
            if s.section not in sections:
                continue
            if (s.section == "active" and s.kind == "count") or (
                    s.section in ("requests", "appeals") and s.measure == "total"):
                c["printed"] = f"{c['value']}{unit}"
    return bend


def thousands(template: str) -> Callable[[dict[Key, dict[str, Any]]], None]:
    """自然人 requests in the thousands (new, granted, handled, with their totals: every
    identity still holds), printed with thousands separators (1,040)."""
    def bend(cells: dict[Key, dict[str, Any]]) -> None:
        for item in ("new", "granted", "handled_total"):
            for m in ("natural_person", "total"):
                cells[("requests", item, m)]["value"] += 1000
        for c in cells.values():
            if isinstance(c["value"], int) and c["value"] >= 1000:
                c["printed"] = f"{c['value']:,}"
    del template
    return bend


MERGED_OTHER = {(item, a): 0 for item in OTHER_ROWS for a in tpl.applicants()} | {
    ("other_misc", "natural_person"): 3}


def merged_other_truth() -> dict[Key, dict[str, Any]]:
    """（六）其他处理 printed as one row (3 for 自然人, 0 elsewhere): the sub-rows are 0,
    derived, where it prints 0; unknown, flagged, where it prints 3."""
    out: dict[Key, dict[str, Any]] = {}
    for item in OTHER_ROWS:
        for m in (*tpl.applicants(), "total"):
            out[(R, item, m)] = ({"value": None, "flags": ["absent", "low_confidence"]}
                                 if m in ("natural_person", "total")
                                 else {"value": 0, "flags": ["absent", "derived"]})
    return out


VARIANTS: list[Variant] = [
    Variant("header-repeated", style=ms.Style(split_after=SPLIT, second_header="repeat")),
    Variant("column-fewer", style=ms.Style(split_after=SPLIT, drop_first_column=True)),
    Variant("number-formats", printed={
        (R, "new", "natural_person"): P("2,229", 2229), (R, "new", "total"): P("2,264", 2264),
        (R, "granted", "natural_person"): P("１８７", 187),
        (R, "granted", "commercial"): P("/", None, ("unparsed",)),
        (R, "partial", "commercial"): P("—", None, ("unparsed",)),
        (R, "partial", "research"): P("-", None, ("unparsed",)),
        (R, "partial", "social_org"): P("无", None, ("unparsed",)),
        (R, "withheld_state_secret", "research"): blank()}),
    Variant("rotated", style=ms.Style(), render="rotated", options={"upright": False}),
    Variant("owner-password", options={"encrypt": StandardEncryption(
        "", ownerPassword="owner-secret", canPrint=0, canModify=0, canCopy=0, canAnnotate=0)}),
    Variant("user-password", truth=False, options={"encrypt": StandardEncryption(
        "open-sesame", ownerPassword="owner-secret")}),
    Variant("borderless", style=ms.Style(rules=dict.fromkeys(tpl.SECTIONS, "three_line"))),
    # Ruled tables, but the appeals table a 三线表.
    Variant("mixed-rules", style=ms.Style(split_after=SPLIT, rules={"appeals": "three_line"})),
    Variant("landscape-rotated", style=ms.Style(), render="rotated", options={"upright": True}),
    Variant("landscape-appeals", style=ms.Style(), render="rotated", options={"upright": None}),
    # A 三线表 whose 科研机构 column is printed empty in every row: no number marks it.
    Variant("borderless-blank-column",
            style=ms.Style(rules=dict.fromkeys(tpl.SECTIONS, "three_line")),
            fixed={(i, "research"): 0 for i in OUTCOMES_2021}, bend=research_blank),
    Variant("image-tables", render="images", truth=False),
    Variant("image-requests", render="images", options={"text_active": True},
            bend=only_active_readable),
    # 洪泽-like: （六）其他处理 printed as one row, and an appeals total printed 0 beside
    # its non-zero parts (the publisher's error the checks must show).
    Variant("merged-other", style=ms.Style(split_after=SPLIT, merge_other=True),
            fixed=MERGED_OTHER, printed={("appeals", "review", "total"): P("0", 0)},
            truth_cells=merged_other_truth()),
    # 上海市科委 2024 / 平潭: tables numbered 一/二/三, 规范性文件 for 行政规范性文件, and
    # 总计 cells printed empty on rows that are not zero.
    Variant("stcsm-style", style=ms.Style(split_after=SPLIT, headings={
        "active": "一、主动公开政府信息情况", "requests": "二、收到和处理政府信息公开申请情况",
        "appeals": "三、政府信息公开行政复议、行政诉讼情况"},
        codes={("active", "normative_docs"): "规范性文件"}),
        printed={(R, "granted", "total"): blank(), (R, "unable_not_held", "total"): blank()}),
    Variant("blank-cells-2019", "2019", ms.Style(), bend=zeros_and_totals_blank, printed={
        (A, "procurement", "amount_10k_yuan"): P("251000元", 25.1, ("low_confidence",))}),
    Variant("yuan-2019", "2019", ms.Style(active_one_table=True), variations=("active_one_table",),
            printed={(A, "procurement", "amount_10k_yuan"): P(
                "75394432.52元", 7539.443252, ("low_confidence",))}),
    # Section 二 as small tables, the 第二十条第（X）项 line a caption above each table.
    Variant("active-captions", style=ms.Style(captions_above=True)),
    Variant("active-captions-2019", "2019", ms.Style(captions_above=True)),
    Variant("label-spaces", style=ms.Style(split_after=SPLIT, labels=SPACED_LABELS,
                                           codes=SPACED_CODES)),
    # The section headings merged into the tables: the first row of 二 and 四, the top-left
    # cell of 三 (before its 勾稽关系 note); no heading paragraphs.
    Variant("heading-in-cell", style=ms.Style(active_one_table=True, heading_in_table=True),
            variations=("active_one_table",)),
    Variant("mixed-brackets", style=ms.Style(split_after=SPLIT, labels=MIXED_BRACKETS)),
    # The requests table split, its second part headed by the row of column names only.
    Variant("header-row-only", style=ms.Style(split_after=SPLIT, second_header="leaf")),
    Variant("fullwidth-signs-2019", "2019", ms.Style(active_one_table=True),
            printed=FULLWIDTH_SIGNS, variations=("active_one_table",)),
    # Counts printed with their unit (issue 14): section 二's counts and the 总计 column of
    # the requests and appeals tables, in both templates.
    Variant("units", bend=with_units("2021")),
    Variant("units-2019", "2019", ms.Style(), bend=with_units("2019")),
    # The appeals table a 三线表 whose totals print 3件: a column no number marks.
    Variant("units-three-line-appeals", style=ms.Style(rules={"appeals": "three_line"}),
            bend=with_units("2021")),
    # A broken ToUnicode map: the middle dot reads as U+0017 in the title, the prose, a row
    # label and after a count.
    Variant("control-chars", render="control-glyph", options={"glyph": "·"},
            style=ms.Style(split_after=SPLIT, labels={
                "5.属于三类内部事务信息": "5.属于·三类内部事务信息"}),
            printed={(A, "licensing", "decisions"): P("49·", 49)},
            # what the text layer reads, cleaned: the glyph's text is lost
            truth_cells={(A, "licensing", "decisions"): {"printed": "49"}},
            intro=[INTRO[0], INTRO[1], "本年度持续加大·主动公开力度，规范依申请公开办理。"],
            title=["吴忠市人民政府办公室·", "2024年政府信息公开工作年度报告"]),
    # A row label misspelt (过程姓 for 过程性): matched by its close spelling, every cell of
    # the row flagged for the reviewer.
    Variant("label-typo", style=ms.Style(split_after=SPLIT, labels={
        "6.属于四类过程性信息": "6.属于四类过程姓信息"}),
        truth_cells={(R, "withheld_process", m): {"flags": ["low_confidence"]}
                     for m in (*tpl.applicants(), "total")}),
    # LibreOffice exports (issue 14). 2019: the requests table split by Writer across a
    # page, its header rows repeated, the appeals table on that page; thousands separators.
    Variant("lo-split-appeals-2019", "2019", ms.Style(), render="libreoffice",
            bend=both(thousands("2019"), with_units("2019", ("appeals",))),
            variations=("libreoffice", "thousands_separators", "units")),
    # 2021: section 二's tables under their 第二十条 captions, the appeals table on a
    # landscape page, Noto CJK fonts embedded.
    Variant("lo-captions-landscape", style=ms.Style(captions_above=True), render="libreoffice",
            options={"landscape_appeals": True}, bend=with_units("2021"),
            variations=("libreoffice", "units")),
    # An amount too wide for its cell overflows into the cell to its left (40 -> "40 ８"):
    # no reading can tell which digits belong where, so the cell must be flagged.
    Variant("cell-overflow-2019", "2019", ms.Style(active_one_table=True), truth=False,
            printed={**FULLWIDTH_SIGNS, (A, "procurement", "amount_10k_yuan"): P(
                "８４９３３.６７８７（万元）", 84933.6787)}, variations=("active_one_table",)),
]


def run(out: Path, only: set[str] | None = None) -> list[Path]:
    ms.register_font(ms.DEFAULT_FONT)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    written = []
    for v in VARIANTS:
        if only and v.name not in only:
            continue
        cells = variant_cells(v)
        pdf = out / f"{v.name}.pdf"
        render(v, variant_report(v, cells), pdf)
        if v.truth:
            (out / "truth" / f"{v.name}.json").write_text(truth_json(v, cells),
                                                          encoding="utf-8")
        written.append(pdf)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "fixtures")
    ap.add_argument("--only", nargs="*", help="variant names (default: all)")
    args = ap.parse_args(argv)
    try:
        written = run(args.out, set(args.only) if args.only else None)
    except ms.SampleError as exc:
        print(f"make_fixtures: error: {exc}", file=sys.stderr)
        return 2
    for pdf in written:
        print(f"{pdf} ({pdf.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
