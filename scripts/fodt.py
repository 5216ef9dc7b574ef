"""A report exported by LibreOffice: the tables laid out by ``make_samples`` (the same
``Style`` and table models), written as a flat OpenDocument text file (.fodt) and converted
with ``soffice --headless --convert-to pdf``, so the PDF is what LibreOffice Writer makes
(its own table layout and page breaks, header rows repeated where a table crosses a page,
Noto CJK fonts embedded). LibreOffice's output carries dates and ids: the same document
gives the same text, not the same bytes.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import make_samples as ms

FONT = "Noto Serif CJK SC"
NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
}
# paragraph style -> (size pt, alignment, bold)
PARAS = {"title": (18, "center"), "h": (14, "start"), "body": (12, "justify"),
         "cell": (9, "start"), "cellc": (9, "center"), "small": (8, "center"),
         "plain9": (9, "center"), "plain8": (8, "center"), "left9": (9, "start"),
         "left8": (8, "start")}
BORDERS = {"grid": {"fo:border": "0.5pt solid #000000"},
           "top": {"fo:border-top": "1.2pt solid #000000",
                   "fo:border-bottom": "0.6pt solid #000000"},
           "bottom": {"fo:border-bottom": "1.2pt solid #000000"}, "none": {}}


def soffice() -> str:
    path = shutil.which("soffice")
    if path is None:
        raise ms.SampleError("LibreOffice (soffice) not found: apt-get install -y "
                             "libreoffice-writer-nogui")
    return path


def _styles() -> str:
    out = []
    for name, (size, align) in PARAS.items():
        indent = ' fo:text-indent="24pt"' if name == "body" else ""
        space = ' fo:margin-top="6pt" fo:margin-bottom="4pt"' if name == "h" else ""
        out.append(
            f'<style:style style:name="{name}" style:family="paragraph">'
            f'<style:paragraph-properties fo:text-align="{align}"{indent}{space}/>'
            f'<style:text-properties style:font-name="{FONT}" style:font-name-asian="{FONT}" '
            f'fo:font-size="{size}pt" style:font-size-asian="{size}pt" fo:language="zh" '
            f'fo:country="CN" style:language-asian="zh" style:country-asian="CN"/>'
            f'</style:style>')
    for master in ("Standard", "Landscape"):
        out.append(f'<style:style style:name="to-{master}" style:family="paragraph" '
                   f'style:parent-style-name="h" style:master-page-name="{master}"/>')
    return "\n".join(out)


def _page_layouts() -> str:
    layouts = []
    for name, (w, h, orient) in {"Portrait": ("21cm", "29.7cm", "portrait"),
                                  "Landscape": ("29.7cm", "21cm", "landscape")}.items():
        layouts.append(
            f'<style:page-layout style:name="pl-{name}"><style:page-layout-properties '
            f'fo:page-width="{w}" fo:page-height="{h}" style:print-orientation="{orient}" '
            f'fo:margin-top="2.5cm" fo:margin-bottom="1.5cm" fo:margin-left="2.5cm" '
            f'fo:margin-right="2.5cm"/><style:footer-style><style:header-footer-properties '
            f'fo:min-height="0.6cm" fo:margin-top="0.4cm"/></style:footer-style>'
            f'</style:page-layout>')
    return "\n".join(layouts)


def _masters() -> str:
    footer = ('<style:footer><text:p text:style-name="cellc">- <text:page-number '
              'text:select-page="current"/> -</text:p></style:footer>')
    return (f'<style:master-page style:name="Standard" style:page-layout-name="pl-Portrait">'
            f'{footer}</style:master-page><style:master-page style:name="Landscape" '
            f'style:page-layout-name="pl-Landscape">{footer}</style:master-page>')


def para(text: str, style: str) -> str:
    lines = [escape(x) for x in text.split("\n")]
    return f'<text:p text:style-name="{style}">{"<text:line-break/>".join(lines)}</text:p>'


def _resolve(index: int, size: int) -> int:
    return index if index >= 0 else size + index


def _table(model: ms.TableModel, name: str) -> str:
    nrows, ncols = len(model.rows), len(model.widths)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    left: set[tuple[int, int]] = set()
    for cmd in model.cmds:
        c0, r0 = _resolve(cmd[1][0], ncols), _resolve(cmd[1][1], nrows)
        c1, r1 = _resolve(cmd[2][0], ncols), _resolve(cmd[2][1], nrows)
        cells = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        if cmd[0] == "SPAN":
            spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
            covered |= cells - {(r0, c0)}
        elif cmd[0] == "ALIGN" and cmd[3] == "LEFT":
            left |= cells
    size = int(model.font_size)
    out = [f'<table:table table:name="{name}" table:style-name="{name}">']
    for c in range(ncols):
        out.append(f'<table:table-column table:style-name="{name}.C{c}"/>')
    for r, row in enumerate(model.rows):
        if r == 0 and model.header_rows:
            out.append("<table:table-header-rows>")
        out.append("<table:table-row>")
        border = "grid" if model.rules == "grid" else (
            "top" if r == 0 else "bottom" if r == nrows - 1 else "none")
        for c, content in enumerate(row):
            if (r, c) in covered:
                out.append("<table:covered-table-cell/>")
                continue
            rs, cs = spans.get((r, c), (1, 1))
            attrs = f' table:style-name="cell-{border}"'
            attrs += f' table:number-rows-spanned="{rs}"' if rs > 1 else ""
            attrs += f' table:number-columns-spanned="{cs}"' if cs > 1 else ""
            if isinstance(content, ms.Para):
                body = para(content.text, content.style)
            else:
                style = f"left{size}" if (r, c) in left else f"plain{size}"
                body = para(content, style)
            out.append(f'<table:table-cell office:value-type="string"{attrs}>{body}'
                       f'</table:table-cell>')
        out.append("</table:table-row>")
        if model.header_rows and r == model.header_rows - 1:
            out.append("</table:table-header-rows>")
    out.append("</table:table>")
    return "\n".join(out)


def _table_styles(models: list[tuple[str, ms.TableModel]]) -> str:
    out = []
    for name, props in BORDERS.items():  # cell styles are automatic styles in ODF
        attrs = " ".join(f'{k}="{v}"' for k, v in props.items())
        out.append(f'<style:style style:name="cell-{name}" style:family="table-cell">'
                   f'<style:table-cell-properties {attrs} fo:padding="2pt" '
                   f'style:vertical-align="middle"/></style:style>')
    for name, model in models:
        width = sum(model.widths)
        out.append(f'<style:style style:name="{name}" style:family="table">'
                   f'<style:table-properties style:width="{width:.2f}pt" table:align="center"'
                   f' fo:margin-top="4pt" fo:margin-bottom="8pt"/></style:style>')
        for c, w in enumerate(model.widths):
            out.append(f'<style:style style:name="{name}.C{c}" style:family="table-column">'
                       f'<style:table-column-properties style:column-width="{w:.2f}pt"/>'
                       f'</style:style>')
    return "\n".join(out)


def document(report: ms.Report, style: ms.Style, landscape_appeals: bool = False) -> str:
    """The report as a flat ODF text document."""
    body: list[str] = [para(t, "title") for t in report.title_lines]
    body += [para(p, "h" if p[:2] in ("一、", "五、", "六、") else "body") for p in report.intro]
    models: list[tuple[str, ms.TableModel]] = []

    def table(model: ms.TableModel) -> None:
        name = f"T{len(models) + 1}"
        models.append((name, model))
        if model.caption:
            body.append(para(model.caption, "body"))
        body.append(_table(model, name))

    body.append(para(style.headings["active"], "h"))
    for model in ms.active_models(report, style):
        table(model)
    body.append(para(style.headings["requests"], "h"))
    for model in ms.requests_models(report, style):
        table(model)
    body.append(para(style.headings["appeals"], "to-Landscape" if landscape_appeals else "h"))
    table(ms.appeals_model(report, style))
    closing = [para(p, "h" if p[:2] in ("五、", "六、") else "body") for p in report.closing]
    if landscape_appeals and closing:
        closing[0] = closing[0].replace('text:style-name="h"', 'text:style-name="to-Standard"',
                                        1)
    body += closing
    ns = " ".join(f"xmlns:{k}={quoteattr(v)}" for k, v in NS.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {ns} '
            f'office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">'
            f'<office:meta/><office:font-face-decls><style:font-face style:name="{FONT}" '
            f'svg:font-family="&apos;{FONT}&apos;"/></office:font-face-decls>'
            f'<office:styles>{_styles()}</office:styles>'
            f'<office:automatic-styles>{_page_layouts()}{_table_styles(models)}'
            f'</office:automatic-styles><office:master-styles>{_masters()}'
            f'</office:master-styles><office:body><office:text>{"".join(body)}'
            f'</office:text></office:body></office:document>\n')


def export_pdf(report: ms.Report, style: ms.Style, path: Path, **options: Any) -> None:
    """Write the document and let LibreOffice export it to ``path``."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"{path.stem}.fodt"
        src.write_text(document(report, style, **options), encoding="utf-8")
        # A profile of its own: another LibreOffice running on the machine does not block it.
        profile = (Path(tmp) / "profile").as_uri()
        subprocess.run([soffice(), f"-env:UserInstallation={profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=300)
        shutil.move(Path(tmp) / f"{path.stem}.pdf", path)
