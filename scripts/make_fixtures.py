"""Render the layout-variant fixtures: small report PDFs, each with one thing real reports do.

For every variant this writes ``tests/fixtures/<name>.pdf`` and, when the PDF should extract,
``tests/fixtures/truth/<name>.json`` (the cells the extractor must find, in the format of
``../shared/corpus-dev/truth/``, so ``python benchmarks/accuracy.py tests/fixtures`` scores
them). The tables are drawn by ``scripts/make_samples.py``; this script only chooses the data
and bends the layout (rotation, encryption, repeated header, a column fewer, 三线表 rules,
tables as images, captions outside the tables, headings inside them, labels with stray
spaces, line breaks or half-width brackets, …). Output is byte-for-byte deterministic
(reportlab ``invariant``).

Usage: python scripts/make_fixtures.py [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_samples as ms  # noqa: E402  (sets rl_config.invariant before any canvas)
from reportlab.lib.pdfencrypt import StandardEncryption  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.platypus import Image, PageBreak, Paragraph, Spacer  # noqa: E402

REPO = ms.REPO_ROOT
CSV = REPO / "etl" / "data" / "gidar-cells.csv"
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


# --------------------------------------------------------------------------- data


def synthetic_cells(template: str, fixed: dict[tuple[str, str], int] | None = None,
                    ) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Values that differ from row to row and column to column (so a shifted row or column
    shows) and satisfy every identity of the format; ``fixed`` sets (item, applicant)
    outcome cells before the totals are summed."""
    specs = [s for s in ms.load_specs(CSV) if s.template == template]
    items = {t: list(dict.fromkeys(s.item for s in specs if s.table == t))
             for t in ("active", "requests", "appeals")}
    cells: dict[tuple[str, str, str], dict[str, Any]] = {}

    def put(table: str, item: str, measure: str, value: Any) -> None:
        cells[(table, item, measure)] = {"table": table, "item": item, "measure": measure,
                                         "value": value}

    for n, s in enumerate(x for x in specs if x.table == "active"):
        if s.measure.startswith("amount"):
            put("active", s.item, s.measure, round(96.5 + 13.25 * n, 4))
        elif s.measure == "change":
            put("active", s.item, s.measure, (-1) ** n * (n % 4))
        else:
            put("active", s.item, s.measure, (n * 37) % 90 + n)
    outcomes = items["requests"][items["requests"].index("granted"):
                                 items["requests"].index("handled_total")]
    applicants = ["natural_person", "commercial", "research", "social_org", "legal_service",
                  "other_org"]
    for j, a in enumerate(applicants):
        handled = 0
        for i, item in enumerate(outcomes):
            v = (i * 7 + j * 3) % 5 + (40 - 6 * j if item == "granted" else 0)
            v = (fixed or {}).get((item, a), v)
            put("requests", item, a, v)
            handled += v
        carried_in, carried_out = j + 1, (j * 2) % 3
        put("requests", "handled_total", a, handled)
        put("requests", "carried_in", a, carried_in)
        put("requests", "carried_out", a, carried_out)
        put("requests", "new", a, handled + carried_out - carried_in)
    for item in items["requests"]:
        put("requests", item, "total", sum(cells[("requests", item, a)]["value"]
                                           for a in applicants))
    for g, item in enumerate(items["appeals"]):
        parts = [(g + k) % 3 + (5 if k == 0 else 0) for k in range(4)]
        for m, v in zip(("upheld", "corrected", "other", "pending"), parts, strict=True):
            put("appeals", item, m, v)
        put("appeals", item, "total", sum(parts))
    return cells


def make_report(name: str, template: str = "2021", variations: tuple[str, ...] = (),
                split_after: str | None = "withheld_prohibited",
                printed: dict[tuple[str, str, str], str] | None = None,
                fixed: dict[tuple[str, str], int] | None = None) -> ms.Report:
    cells = synthetic_cells(template, fixed)
    for key, text in (printed or {}).items():
        cells[key]["printed"] = text
    truth = {"agency": AGENCY[template], "year": YEAR[template], "template": template,
             "producer": "reportlab", "variations": list(variations),
             "layout": {"requests_split_after_item": split_after,
                        "requests_split": split_after is not None}}
    specs = [s for s in ms.load_specs(CSV) if s.template == template]
    title = [AGENCY[template], f"{YEAR[template]}年政府信息公开工作年度报告"]
    report = ms.Report(name, truth, specs, title, INTRO, CLOSING)
    report.cells = cells
    return report


# --------------------------------------------------------------------------- layout bends


@contextlib.contextmanager
def patched(obj: Any, name: str, value: Any) -> Iterator[None]:
    old = getattr(obj, name)
    setattr(obj, name, value)
    try:
        yield
    finally:
        setattr(obj, name, old)


def _shift(cmds: list[tuple], drow: int, dcol: int) -> list[tuple]:
    """Table style commands moved by ``drow`` rows and ``dcol`` columns."""
    out = []
    for cmd in cmds:
        (c0, r0), (c1, r1) = cmd[1], cmd[2]
        if cmd[0] == "SPAN" and dcol and c1 < -dcol:
            continue  # a span wholly inside a dropped column
        c0, c1 = (max(c0 + dcol, 0) if c0 >= 0 else c0), (c1 + dcol if c1 >= 0 else c1)
        r0, r1 = (r0 + drow if r0 >= 0 else r0), (r1 + drow if r1 >= 0 else r1)
        out.append((cmd[0], (c0, r0), (c1, r1), *cmd[3:]))
    return out


def second_part_table(repeat_header: bool = False, drop_first_column: bool = False,
                      leaf_header: bool = False) -> Callable:
    """A ``Table`` factory for ``make_samples.requests_tables`` that bends the second part of
    the split requests table: its three header rows repeated, only the row of column names
    (自然人 … 总计) repeated (``leaf_header``), or its first label column (the merged
    三、本年度办理结果) left out, so Camelot sees a column fewer."""
    real = ms.Table
    calls: list[list[list[Any]]] = []  # the rows of each requests-table part drawn so far
    first_style: list[list[tuple]] = []

    def factory(rows: list[list[Any]], colWidths: list[float], style: Any) -> Any:  # noqa: N803
        cmds = list(style.getCommands())
        if len(colWidths) not in (9, 10):  # not the requests table
            return real(rows, colWidths=colWidths, style=style)
        calls.append(rows)
        if len(calls) == 2 and (repeat_header or drop_first_column or leaf_header):
            first_rows, first_cmds = calls[0], first_style[0]
            if repeat_header:
                head_spans = [c for c in first_cmds if c[0] == "SPAN" and c[2][1] <= 2]
                cmds = [c for c in cmds if c[0] != "SPAN"] + head_spans + _shift(
                    [c for c in cmds if c[0] == "SPAN"], 3, 0)
                rows = [list(r) for r in first_rows[:3]] + rows
            if leaf_header:
                st = ms.make_styles()
                names = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
                         "其他", "总计"][: len(colWidths) - 3]
                leaf = ["", "", ""] + [Paragraph("<br/>".join(
                    ms.escape(n[k: k + 2]) for k in range(0, len(n), 2)), st["cellc"])
                    for n in names]
                cmds = [c for c in cmds if c[0] != "SPAN"] + [("SPAN", (0, 0), (2, 0))] + _shift(
                    [c for c in cmds if c[0] == "SPAN"], 1, 0)
                rows = [leaf, *rows]
            if drop_first_column:
                # a label spanning all three label columns keeps its text
                rows = [[r[0] if r[0] and not r[1] else r[1], *r[2:]] for r in rows]
                colWidths = [colWidths[0] + colWidths[1], *colWidths[2:]]
                cmds = [c for c in cmds if c[0] != "SPAN"] + _shift(
                    [c for c in cmds if c[0] == "SPAN"], 0, -1)
        if len(calls) == 1:
            first_style.append(cmds)
        return real(rows, colWidths=colWidths, style=ms.TableStyle(cmds))

    return factory


_BASE_STYLE = ms.base_style


def _whole_table(cmd: tuple) -> bool:
    return tuple(cmd[1]) == (0, 0) and tuple(cmd[2]) == (-1, -1)


class Stacked(ms.Flowable):
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


def captions_above_tables() -> Callable:
    """A ``Table`` factory for ``make_samples.active_tables``: each small table of section 二
    without its 第二十条第（X）项 row, the line printed instead as a paragraph above it."""
    real = ms.Table

    def factory(rows: list[list[Any]], colWidths: list[float], style: Any) -> Any:  # noqa: N803
        first = rows[0][0] if rows and rows[0] else ""
        if len(colWidths) != 4 or not (isinstance(first, str) and first.startswith("第二十条")):
            return real(rows, colWidths=colWidths, style=style)
        cmds = [c for c in style.getCommands() if _whole_table(c) or c[1][1] != 0]
        cmds = [c if _whole_table(c) else _shift([c], -1, 0)[0] for c in cmds]
        caption = Paragraph(ms.escape(first), ms.make_styles()["body"])
        return Stacked(caption, Spacer(1, 2),
                       real(rows[1:], colWidths=colWidths, style=ms.TableStyle(cmds)))

    return factory


def heading_rows() -> Callable:
    """A ``Table`` factory that prints the section headings of section 二 and 四 as the
    table's first row, spanning it (the heading of 三 goes into its top-left cell through
    ``BALANCE_NOTE``)."""
    real = ms.Table
    titles = {4: ms.HEADINGS["active"], 15: ms.HEADINGS["appeals"]}
    done: set[int] = set()

    def factory(rows: list[list[Any]], colWidths: list[float], style: Any) -> Any:  # noqa: N803
        n = len(colWidths)
        if n not in titles or n in done:
            return real(rows, colWidths=colWidths, style=style)
        done.add(n)
        cmds = list(style.getCommands())
        cmds = [c if _whole_table(c) else _shift([c], 1, 0)[0] for c in cmds]
        cmds += [("SPAN", (0, 0), (-1, 0)), ("ALIGN", (0, 0), (-1, 0), "LEFT")]
        return real([[titles[n]] + [""] * (n - 1), *rows], colWidths=colWidths,
                    style=ms.TableStyle(cmds))

    return factory


def three_line_style(font_size: float, extra: list[tuple[Any, ...]]) -> Any:
    """三线表: no vertical rules, only a rule above, below the first row, and below."""
    style = _BASE_STYLE(font_size, extra)
    cmds = [c for c in style.getCommands() if c[0] != "GRID"]
    cmds += [("LINEABOVE", (0, 0), (-1, 0), 1.2, "black"),
             ("LINEBELOW", (0, 0), (-1, 0), 0.6, "black"),
             ("LINEBELOW", (0, -1), (-1, -1), 1.2, "black")]
    return ms.TableStyle(cmds)


def three_line_appeals(font_size: float, extra: list[tuple[Any, ...]]) -> Any:
    """Ruled tables, but the appeals table (the only one set in 8 pt) as a 三线表."""
    return (three_line_style if font_size == 8 else _BASE_STYLE)(font_size, extra)


def build(report: ms.Report, path: Path, *, table: Callable | None = None,
          style: Callable | None = None, encrypt: StandardEncryption | None = None,
          headings: dict[str, str] | None = None, labels: dict[str, str] | None = None,
          patches: dict[str, Any] | None = None) -> None:
    """``make_samples.build_pdf`` with its table factory, table style, section headings,
    printed labels (``labels``: template text -> printed text, ``\n`` a line break), other
    module globals (``patches``) or document encryption swapped for the duration."""
    with contextlib.ExitStack() as stack:
        for name, value in (patches or {}).items():
            stack.enter_context(patched(ms, name, value))
        if headings:
            stack.enter_context(patched(ms, "HEADINGS", headings))
        if labels:
            fix, para = ms.fix_label, ms.Paragraph
            stack.enter_context(patched(
                ms, "fix_label", lambda text, rep: labels.get(text, fix(text, rep))))
            stack.enter_context(patched(
                ms, "Paragraph", lambda text, *a, **k: para(text.replace("\n", "<br/>"), *a, **k)))
        if table:
            stack.enter_context(patched(ms, "Table", table))
        if style:
            stack.enter_context(patched(ms, "base_style", style))
        if encrypt:
            real = ms.SimpleDocTemplate
            stack.enter_context(patched(
                ms, "SimpleDocTemplate", lambda *a, **k: real(*a, encrypt=encrypt, **k)))
        ms.build_pdf(report, path)


def build_rotated(report: ms.Report, path: Path, *, upright: bool | None) -> None:
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
    story += ms.active_tables(report, st)
    story.append(Spacer(1, 6))
    if upright is not False:
        story += ms.requests_tables(report, st)
        story += [NextPageTemplate("turned"), PageBreak(), *ms.appeals_table(report, st)]
    else:
        story += [NextPageTemplate("turned"), PageBreak(), *ms.requests_tables(report, st),
                  Spacer(1, 6), *ms.appeals_table(report, st)]
    story += [NextPageTemplate("portrait"), PageBreak(), *ms.prose(report.closing, st)]
    doc = BaseDocTemplate(str(path), pagesize=ms.A4, pageTemplates=[portrait, turned],
                          title="".join(report.title_lines), author=report.truth["agency"],
                          creator="ogi-etl scripts/make_fixtures.py", subject="",
                          pageCompression=1)
    doc.build(story)


def build_with_image_tables(report: ms.Report, path: Path, text_active: bool = False) -> None:
    """Prose as text, the tables as pictures (a scan pasted into a Word file): all three, or
    (``text_active``) the requests and appeals tables only."""
    import pypdfium2 as pdfium

    buf = path.with_suffix(".tmp.pdf")
    ms.build_pdf(report, buf)
    doc = pdfium.PdfDocument(str(buf))
    st = ms.make_styles()
    story: list[Any] = [Paragraph(ms.escape(t), st["title"]) for t in report.title_lines]
    story.append(Spacer(1, 12))
    story += ms.prose(report.intro, st)
    if text_active:
        story += ms.active_tables(report, st)
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
                               title="".join(report.title_lines), author=report.truth["agency"],
                               creator="ogi-etl scripts/make_fixtures.py", subject="",
                               pageCompression=1)
    pdf.build(story)


# --------------------------------------------------------------------------- variants


R = "requests"
NUMBER_FORMATS = {
    (R, "new", "natural_person"): "2,229",
    (R, "new", "total"): "2,264",
    (R, "granted", "natural_person"): "１８７",
    (R, "granted", "commercial"): "/",
    (R, "partial", "commercial"): "—",
    (R, "partial", "research"): "-",
    (R, "partial", "social_org"): "无",
    (R, "withheld_state_secret", "research"): "",
}
# The outcome rows: every requests row but new, carried_in, handled_total, carried_out.
OUTCOMES_2021 = tuple(
    s.item for s in ms.load_specs(CSV)
    if s.template == "2021" and s.table == "requests" and s.measure == "total")[2:-2]
APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service",
              "other_org")
OTHER_ROWS = ("other_no_correction", "other_no_fee", "other_misc")
# 洪泽-like: （六）其他处理 printed as one row (3 for 自然人, 0 elsewhere) and an appeals
# total printed 0 beside its non-zero parts (the publisher's error the checks must show).
MERGED_OTHER = {(item, a): 0 for item in OTHER_ROWS for a in APPLICANTS} | {
    ("other_misc", "natural_person"): 3}


def merge_other_rows(report: ms.Report) -> None:
    """Draw （六）其他处理 as one row: one pseudo item replaces its three sub-rows."""
    specs = []
    for s in report.specs:
        if s.table == "requests" and s.item in OTHER_ROWS:
            if s.item != OTHER_ROWS[-1]:
                continue  # the pseudo row takes the place of the last sub-row
            s = ms.CellSpec(s.template, s.table, "other_merged", "三（六）其他处理", s.measure,
                            s.measure_label)
            report.cells[("requests", "other_merged", s.measure)] = {
                "value": sum(report.cells[("requests", i, s.measure)]["value"]
                             for i in OTHER_ROWS)}
        specs.append(s)
    report.truth["render_specs"] = specs
    report.truth["merged_other"] = True


# Labels as some reports print them: stray spaces and line breaks inside words, in the
# requests table's headers and row labels (template text -> printed text; see ``build``).
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
# The same labels in the other two tables, printed through the template specs:
# (table, item or measure) -> printed label.
SPACED_SPECS = {
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
}
MIXED_GROUPS = ms.ACTIVE_GROUP | {"rules": "(一)", "normative_docs": "(一)", "penalty": "(六)",
                                  "coercion": "(六)"}
# 2019 section 二 with full-width digits and signs, and a unit after the amount.
A = "active"
FULLWIDTH_SIGNS = {
    (A, "licensing", "change"): "＋１９５３", (A, "licensing", "prev_items"): "２０４",
    (A, "other_services", "change"): "－１", (A, "penalty", "change"): "+12",
    (A, "fees", "change"): "＋０", (A, "coercion", "decisions"): "１８７",
    (A, "procurement", "amount_10k_yuan"): "１９６３.２９８９万元",
}


def relabel(report: ms.Report, labels: dict[tuple[str, str], str]) -> list[ms.CellSpec]:
    """The report's specs with item or measure labels printed differently."""
    return [ms.CellSpec(s.template, s.table, s.item, labels.get((s.table, s.item), s.item_label),
                        s.measure, labels.get((s.table, s.measure), s.measure_label))
            for s in report.specs]


def variant_reports() -> dict[str, tuple[ms.Report, dict[str, Any]]]:
    """name -> (report, build options)."""
    out: dict[str, tuple[ms.Report, dict[str, Any]]] = {}
    out["header-repeated"] = (make_report("header-repeated"),
                              {"table": second_part_table(repeat_header=True)})
    out["column-fewer"] = (make_report("column-fewer"),
                           {"table": second_part_table(drop_first_column=True)})
    out["number-formats"] = (make_report("number-formats", printed=NUMBER_FORMATS), {})
    out["rotated"] = (make_report("rotated", split_after=None), {"upright": False})
    out["owner-password"] = (make_report("owner-password"), {"encrypt": StandardEncryption(
        "", ownerPassword="owner-secret", canPrint=0, canModify=0, canCopy=0, canAnnotate=0)})
    out["user-password"] = (make_report("user-password"), {"encrypt": StandardEncryption(
        "open-sesame", ownerPassword="owner-secret")})
    out["borderless"] = (make_report("borderless", split_after=None), {"style": three_line_style})
    out["mixed-rules"] = (make_report("mixed-rules"), {"style": three_line_appeals})
    out["landscape-rotated"] = (make_report("landscape-rotated", split_after=None),
                                {"upright": True})
    out["landscape-appeals"] = (make_report("landscape-appeals", split_after=None),
                                {"upright": None})
    # A 三线表 whose 科研机构 column is printed empty in every row: no number marks it.
    out["borderless-blank-column"] = (make_report("borderless-blank-column", split_after=None,
                                                  fixed={(i, "research"): 0
                                                         for i in OUTCOMES_2021}),
                                      {"style": three_line_style})
    out["image-tables"] = (make_report("image-tables"), {"images": "all"})
    out["image-requests"] = (make_report("image-requests"), {"images": "partly"})
    out["merged-other"] = (make_report("merged-other", fixed=MERGED_OTHER, printed={
        ("appeals", "review", "total"): "0"}), {})
    # 上海市科委 2024 / 平潭: tables numbered 一/二/三, 规范性文件 for 行政规范性文件, and
    # 总计 cells printed empty on rows that are not zero.
    out["stcsm-style"] = (make_report("stcsm-style", printed={
        (R, "granted", "total"): "", (R, "unable_not_held", "total"): ""}), {"headings": {
            "active": "一、主动公开政府信息情况", "requests": "二、收到和处理政府信息公开申请情况",
            "appeals": "三、政府信息公开行政复议、行政诉讼情况"}})
    # 上海市人民政府办公厅 2019: zeros printed as empty cells, 总计 left empty on outcome
    # rows that are not zero, 采购总金额 in 元.
    out["blank-cells-2019"] = (make_report("blank-cells-2019", "2019", (), None), {})
    out["yuan-2019"] = (make_report("yuan-2019", "2019", ("active_one_table",), None), {})
    # Section 二 as small tables, the 第二十条第（X）项 line a caption above each table.
    out["active-captions"] = (make_report("active-captions", split_after=None),
                              {"table": captions_above_tables()})
    out["active-captions-2019"] = (make_report("active-captions-2019", "2019", (), None),
                                   {"table": captions_above_tables()})
    out["label-spaces"] = (make_report("label-spaces"), {"labels": SPACED_LABELS})
    # The section headings merged into the tables: the first row of 二 and 四, the top-left
    # cell of 三 (before its 勾稽关系 note); no heading paragraphs.
    out["heading-in-cell"] = (make_report("heading-in-cell", variations=("active_one_table",),
                                          split_after=None), {
        "table": heading_rows(), "patches": {
            "BALANCE_NOTE": ms.HEADINGS["requests"] + ms.BALANCE_NOTE,
            "heading": lambda text, st: Spacer(1, 4)}})
    out["mixed-brackets"] = (make_report("mixed-brackets"), {
        "labels": MIXED_BRACKETS, "patches": {
            "ACTIVE_GROUP": MIXED_GROUPS,
            "BALANCE_NOTE": "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"}})
    # The requests table split, its second part headed by the row of column names only.
    out["header-row-only"] = (make_report("header-row-only"),
                              {"table": second_part_table(leaf_header=True)})
    out["fullwidth-signs-2019"] = (make_report("fullwidth-signs-2019", "2019",
                                               ("active_one_table",), None,
                                               printed=FULLWIDTH_SIGNS), {})
    # An amount too wide for its cell overflows into the cell to its left (40 -> "40 ８"):
    # no reading can tell which digits belong where, so the cell must be flagged.
    out["cell-overflow-2019"] = (make_report("cell-overflow-2019", "2019", ("active_one_table",),
                                             None, printed={**FULLWIDTH_SIGNS, (
                                                 A, "procurement", "amount_10k_yuan"):
                                                 "８４９３３.６７８７（万元）"}), {})
    return out


def bend_data(name: str, report: ms.Report) -> None:
    """Changes to what is printed that the truth must reflect."""
    if name == "merged-other":
        merge_other_rows(report)
    if name == "stcsm-style":
        report.truth["render_specs"] = [
            ms.CellSpec(s.template, s.table, s.item, "规范性文件", s.measure, s.measure_label)
            if s.item == "normative_docs" else s for s in report.specs]
    if name == "label-spaces":
        report.truth["render_specs"] = relabel(report, SPACED_SPECS)
    if name == "borderless-blank-column":
        for (table, _item, measure), c in report.cells.items():
            if table == "requests" and measure == "research":
                c["printed"] = ""
    if name == "blank-cells-2019":
        outcomes = [i for t, i, _ in report.cells if t == "requests"]
        outcomes = list(dict.fromkeys(outcomes))
        outcomes = outcomes[outcomes.index("granted"):outcomes.index("handled_total")]
        for (table, item, measure), c in report.cells.items():
            if table in ("requests", "appeals") and c["value"] == 0:
                c["printed"] = ""
            if table == "requests" and measure == "total" and item in outcomes:
                c["printed"] = ""
        c = report.cells[("active", "procurement", "amount_10k_yuan")]
        c["value"], c["printed"] = 25.1, "251000元"
    if name == "image-requests":  # only section 二 has a text layer
        for c in report.cells.values():
            if c["table"] != "active":
                c["value"], c["flags"] = None, ["absent"]
    if name == "yuan-2019":
        c = report.cells[("active", "procurement", "amount_10k_yuan")]
        c["value"] = 7539.443252
        c["printed"] = "75394432.52元"
        c["flags"] = ["low_confidence"]


def truth_json(report: ms.Report, name: str) -> str:
    cells = []
    for s in report.specs:
        c = dict(report.cell(s.table, s.item, s.measure))
        if "printed" in c:
            from etl.report import parse_number  # the fixture states what a reader must get

            kind = "decimal" if s.measure.startswith("amount") else (
                "signed" if s.measure == "change" else "count")
            value, flags, _ = parse_number(c["printed"], kind)
            c["value"] = value
            if flags:
                c["flags"] = flags
            if c["printed"] == "":
                c["blank_in_source"] = True
        if s.item in OTHER_ROWS and report.truth.get("merged_other"):
            merged = sum(report.cell(s.table, i, s.measure)["value"] for i in OTHER_ROWS)
            c["value"] = 0 if merged == 0 else None  # see etl.extract._split_merged_other
            c["flags"] = ["absent", "derived"] if merged == 0 else ["absent", "low_confidence"]
        cells.append(c)
    head = {"file": f"{name}.pdf", "agency": report.truth["agency"],
            "year": report.truth["year"], "template": report.template,
            "variations": report.variations}
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "cells": [')
    lines.append(",\n".join(f"    {json.dumps(c, ensure_ascii=False)}" for c in cells))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


NO_TRUTH = {"user-password", "image-tables",  # bad input: they must fail with a clear error
            "cell-overflow-2019"}  # a cell not read right, but flagged


def run(out: Path) -> list[Path]:
    ms.register_font(ms.DEFAULT_FONT)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    written = []
    for name, (report, opts) in variant_reports().items():
        bend_data(name, report)
        pdf = out / f"{name}.pdf"
        real_specs = report.specs
        report.specs = report.truth.pop("render_specs", real_specs)
        if "images" in opts:
            build_with_image_tables(report, pdf, text_active=opts["images"] == "partly")
        elif "upright" in opts:
            build_rotated(report, pdf, upright=opts["upright"])
        else:
            build(report, pdf, **opts)
        report.specs = real_specs
        if name not in NO_TRUTH:
            (out / "truth" / f"{name}.json").write_text(truth_json(report, name),
                                                         encoding="utf-8")
        written.append(pdf)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "tests" / "fixtures")
    args = ap.parse_args(argv)
    try:
        written = run(args.out)
    except ms.SampleError as exc:
        print(f"make_fixtures: error: {exc}", file=sys.stderr)
        return 2
    for pdf in written:
        print(f"{pdf} ({pdf.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
