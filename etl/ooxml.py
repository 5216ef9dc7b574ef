"""A small SpreadsheetML (.xlsx) writer: exactly what the review workbook uses, written
straight from Python strings.

Inline strings, numbers and formulas (with or without a cached result), styles (font,
fill, border, alignment, protection, number format), column widths, row heights, hidden
rows, columns and sheets, merged cells, frozen panes, data validation, conditional formats,
sheet and workbook protection, comments (with the VML shapes Excel shows them by), PNG
images anchored to a cell, print areas and page setup. The parts follow what Excel itself
and XlsxWriter write, in the element order of the ECMA-376 schema.

Why not openpyxl or XlsxWriter: a review workbook is written per report, and the
template's fixed parts (labels, merges, formulas, validation, formats) are the same for
every report of a template: ``Sheet.copy`` of a sheet built once, then only the report's
values go in. openpyxl took ~0.45 s a workbook and XlsxWriter ~0.05 s for the same kind of
content (``benchmarks/write_speed.py``); this writes one in a few milliseconds.

Every string is written as a string cell (inline), never as a formula: text that starts
with ``=`` stays text (formula injection), and characters XML cannot hold are dropped. The
XML of a sheet built once is kept per cell, so a copy renders only the cells it changed.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_EMU = 9525  # per pixel at 96 dpi
_LEVEL = 1  # deflate: the parts are small and repetitive; speed matters more than bytes

# Characters XML 1.0 cannot hold (and lone surrogates): dropped from every string.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Excel reads _xHHHH_ in a string as an escaped character: such text is escaped itself.
_EXCEL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
TEXT_MAX = 32767  # characters in one cell

def _letters(col: int) -> str:
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_COLS = [_letters(c) for c in range(1, 120)]


def column(c: int) -> str:
    """Column number (1 = A, 28 = AB) -> its letters (as openpyxl's get_column_letter, which
    the loader would import with openpyxl and numpy, a third of a reload's start-up)."""
    return _COLS[c - 1] if c < len(_COLS) else _letters(c)


def ref(row: int, col: int) -> str:
    return f"{column(col)}{row}"


def clean(text: str) -> str:
    """``text`` as a cell can hold it: without the characters XML cannot hold, at most
    ``TEXT_MAX`` characters."""
    return _NOT_XML.sub("", text)[:TEXT_MAX]


_PLAIN = re.compile("[^&<>_\x00-\x1f\ufffe\uffff\ud800-\udfff]*")


def _xml_text(text: str) -> str:
    """``text`` (clean) as XML character data that Excel reads back unchanged."""
    if _PLAIN.fullmatch(text):
        return text
    return escape(_EXCEL_ESCAPE.sub(r"_x005F_\1", text))


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;", "\n": "&#10;"})


# --- styles -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Style:
    """How a cell looks and whether it is locked; equal styles share one entry."""

    bold: bool = False
    size: float = 11
    color: str | None = None  # font colour, RRGGBB
    fill: str | None = None   # solid fill, RRGGBB
    border: bool = False      # thin grey border all round
    halign: str | None = None
    valign: str | None = "center"
    wrap: bool = False
    rotation: int = 0         # 255: letters stacked vertically
    locked: bool = True
    numfmt: str | None = None
    quote: bool = False       # shown as typed text (a leading = is not a formula)


class Styles:
    """The workbook's style sheet, shared by every workbook written in this process (the
    template sheets built once carry their style numbers)."""

    def __init__(self, font: str = "等线") -> None:
        self.font = font
        self.fonts: dict[tuple[Any, ...], int] = {(False, 11.0, None): 0}
        self.fills: dict[str | None, int] = {None: 0, "gray125": 1}
        self.borders: dict[bool, int] = {False: 0}
        self.numfmts: dict[str, int] = {}
        self.xfs: dict[Style, int] = {Style(valign=None): 0}
        self.dxfs: dict[tuple[str | None, str | None], int] = {}
        self._xml: tuple[int, str] | None = None

    def __call__(self, style: Style) -> int:
        """The number of ``style``, added when new."""
        found = self.xfs.get(style)
        if found is None:
            found = self.xfs[style] = len(self.xfs)
            key = (style.bold, float(style.size), style.color)
            self.fonts.setdefault(key, len(self.fonts))
            self.fills.setdefault(style.fill, len(self.fills))
            self.borders.setdefault(style.border, len(self.borders))
            if style.numfmt:
                self.numfmts.setdefault(style.numfmt, 164 + len(self.numfmts))
        return found

    def dxf(self, fill: str | None = None, color: str | None = None) -> int:
        """A differential format for conditional formatting (a fill, a font colour)."""
        return self.dxfs.setdefault((fill, color), len(self.dxfs))

    def xml(self) -> str:
        size = len(self.xfs) + len(self.dxfs)
        if self._xml is None or self._xml[0] != size:
            self._xml = (size, self._build())
        return self._xml[1]

    def _font(self, bold: bool, size: float, color: str | None) -> str:
        rgb = f'<color rgb="FF{color}"/>' if color else ""
        return (f"<font>{'<b/>' if bold else ''}<sz val=\"{size:g}\"/>{rgb}"
                f'<name val="{_attr(self.font)}"/><family val="2"/><charset val="134"/></font>')

    @staticmethod
    def _fill(fill: str | None) -> str:
        if fill in (None, "gray125"):
            return f'<fill><patternFill patternType="{fill or "none"}"/></fill>'
        return (f'<fill><patternFill patternType="solid"><fgColor rgb="FF{fill}"/>'
                '<bgColor indexed="64"/></patternFill></fill>')

    @staticmethod
    def _border(on: bool) -> str:
        if not on:
            return "<border><left/><right/><top/><bottom/><diagonal/></border>"
        side = '<{0} style="thin"><color rgb="FF808080"/></{0}>'
        return f"<border>{''.join(side.format(s) for s in ('left', 'right', 'top', 'bottom'))}" \
               "<diagonal/></border>"

    def _xf(self, s: Style) -> str:
        font = self.fonts[(s.bold, float(s.size), s.color)]
        numfmt = self.numfmts.get(s.numfmt, 0) if s.numfmt else 0
        align = "".join(f' {k}="{v}"' for k, v in (
            ("horizontal", s.halign), ("vertical", s.valign),
            ("textRotation", s.rotation or None), ("wrapText", 1 if s.wrap else None)) if v)
        quote = ' quotePrefix="1"' if s.quote else ""
        applied = ' applyNumberFormat="1"' if numfmt else ""
        unlocked = "" if s.locked else '<protection locked="0"/>'
        return (f'<xf numFmtId="{numfmt}" fontId="{font}" fillId="{self.fills[s.fill]}" '
                f'borderId="{self.borders[s.border]}" xfId="0"{quote} applyFont="1" '
                f'applyFill="1" applyBorder="1" applyAlignment="1" applyProtection="1"{applied}>'
                f"<alignment{align}/>{unlocked}</xf>")

    def _build(self) -> str:
        numfmts = "".join(f'<numFmt numFmtId="{n}" formatCode="{_attr(code)}"/>'
                          for code, n in self.numfmts.items())
        fonts = "".join(self._font(*key) for key in self.fonts)
        fills = "".join(self._fill(f) for f in self.fills)
        borders = "".join(self._border(b) for b in self.borders)
        xfs = "".join(self._xf(s) for s in self.xfs)
        dxfs = "".join(
            "<dxf>" + (f'<font><color rgb="FF{color}"/></font>' if color else "")
            + (f'<fill><patternFill><bgColor rgb="FF{fill}"/></patternFill></fill>'
               if fill else "") + "</dxf>" for fill, color in self.dxfs)
        return (f'{_HEAD}<styleSheet xmlns="{_NS}">'
                + (f'<numFmts count="{len(self.numfmts)}">{numfmts}</numFmts>'
                   if self.numfmts else "")
                + f'<fonts count="{len(self.fonts)}">{fonts}</fonts>'
                f'<fills count="{len(self.fills)}">{fills}</fills>'
                f'<borders count="{len(self.borders)}">{borders}</borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
                f'</cellStyleXfs><cellXfs count="{len(self.xfs)}">{xfs}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
                f'</cellStyles><dxfs count="{len(self.dxfs)}">{dxfs}</dxfs>'
                '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
                'defaultPivotStyle="PivotStyleLight16"/></styleSheet>')


STYLES = Styles()


# --- sheets -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Formula:
    """A live formula (without the leading ``=``) and the result cached with it, if any."""

    text: str
    cached: int | float | str | None = None


@dataclass
class Validation:
    """A data-validation rule over ``cells`` (A1 references)."""

    kind: str  # whole | decimal | list
    operator: str | None
    formula1: str
    formula2: str | None = None
    error: str = ""
    title: str = ""
    prompt: str = ""
    cells: list[str] = field(default_factory=list)


@dataclass
class Picture:
    """A PNG placed with its top left corner at (row, col) plus an offset in pixels."""

    png: bytes
    row: int
    col: int
    width: int  # shown size in pixels
    height: int
    dy: int = 0
    dx: int = 0
    name: str = ""


Cell = tuple[Any, int]  # value (str, number, Formula or None) and style number


class Sheet:
    """One worksheet: cells by row and column (1-based) and the sheet's settings."""

    def __init__(self, name: str, hidden: bool = False) -> None:
        self.name, self.hidden = name, hidden
        self.rows: dict[int, dict[int, Cell]] = {}
        self.heights: dict[int, float] = {}
        self.hidden_rows: set[int] = set()
        self.widths: dict[int, float] = {}
        self.hidden_cols: set[int] = set()
        self.merges: list[str] = []
        self.freeze: tuple[int, int] | None = None  # the top left cell that scrolls
        self.validations: list[Validation] = []
        self.conditional: list[tuple[str, str, int]] = []  # cells, formula, dxf
        self.protected = True
        self.comments: dict[tuple[int, int], str] = {}
        self.pictures: list[Picture] = []
        self.print_area: str | None = None
        self.print_titles: str | None = None  # rows repeated on every printed page
        self.landscape = True
        self.pages_tall = 0  # printed pages tall at most (0: as many as it takes)
        self.rendered: dict[tuple[int, int], str] = {}  # cell XML kept from ``keep``

    def set(self, row: int, col: int, value: Any = None, style: int = 0) -> None:
        self.rows.setdefault(row, {})[col] = (value, style)
        if self.rendered:
            self.rendered.pop((row, col), None)

    def keep(self) -> Sheet:
        """Render every cell's XML now and keep it: the copies of a sheet built once then
        render only the cells they change."""
        self.rendered = {(r, c): _cell_xml(r, c, v, st) for r, cells in self.rows.items()
                         for c, (v, st) in cells.items()}
        return self

    def get(self, row: int, col: int) -> Cell | None:
        return self.rows.get(row, {}).get(col)

    def restyle(self, row: int, col: int, style: int) -> None:
        value = self.rows.get(row, {}).get(col, (None, 0))[0]
        self.set(row, col, value, style)

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.merges.append(f"{ref(r1, c1)}:{ref(r2, c2)}")

    def copy(self) -> Sheet:
        """A copy whose cells and settings can change without touching this one (the
        validations' cell lists are shared: fill them before copying)."""
        other = Sheet(self.name, self.hidden)
        other.__dict__.update({k: v for k, v in self.__dict__.items()})
        other.rows = {r: dict(cells) for r, cells in self.rows.items()}
        other.heights, other.hidden_rows = dict(self.heights), set(self.hidden_rows)
        other.widths, other.hidden_cols = dict(self.widths), set(self.hidden_cols)
        other.merges, other.conditional = list(self.merges), list(self.conditional)
        other.validations = list(self.validations)
        other.comments, other.pictures = dict(self.comments), list(self.pictures)
        other.rendered = dict(self.rendered)
        return other

    # geometry, for placing pictures
    def width_px(self, col: int) -> int:
        """A column's width in pixels as Excel draws it (its default font's digit: 7 px)."""
        if col in self.hidden_cols:
            return 0
        width = self.widths.get(col, 8.43)
        return int(((256 * width + 18) // 256) * 7)

    def height_px(self, row: int) -> int:
        if row in self.hidden_rows:
            return 0
        return round(self.heights.get(row, 15) * 96 / 72)


# --- writing the package ------------------------------------------------------------------

def _number(value: int | float) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(value) if value == value and abs(value) != float("inf") else None


def _inline(text: str) -> str:
    text = _xml_text(clean(text) if not _PLAIN.fullmatch(text) else text[:TEXT_MAX])
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<is><t{space}>{text}</t></is>"


_inline_short = lru_cache(maxsize=8192)(_inline)  # labels and codes: the same in every workbook
_SHORT = 200  # characters: longer texts (prose, the _cells rows) are each report's own


def inline(text: str) -> str:
    """A string's XML as the content of an inline string cell."""
    return _inline_short(text) if len(text) <= _SHORT else _inline(text)


def _cell_xml(r: int, c: int, value: Any, style: int) -> str:
    s = f' s="{style}"' if style else ""
    where = f"{column(c)}{r}"
    if value is None:
        return f'<c r="{where}"{s}/>'
    if isinstance(value, str):
        return f'<c r="{where}"{s} t="inlineStr">{inline(value)}</c>'
    if isinstance(value, Formula):
        f = f"<f>{escape(value.text)}</f>"
        if value.cached is None:
            return f'<c r="{where}"{s}>{f}</c>'
        if isinstance(value.cached, str):
            return f'<c r="{where}"{s} t="str">{f}<v>{escape(clean(value.cached))}</v></c>'
        number = _number(value.cached)
        return f'<c r="{where}"{s}>{f}<v>{number}</v></c>' if number else \
            f'<c r="{where}"{s}>{f}</c>'
    number = _number(value)
    return f'<c r="{where}"{s}><v>{number}</v></c>' if number else f'<c r="{where}"{s}/>'


def _sheet_data(sheet: Sheet) -> str:
    out = ["<sheetData>"]
    kept = sheet.rendered
    for r in sorted(set(sheet.rows) | set(sheet.heights) | sheet.hidden_rows):
        attrs = f'<row r="{r}"'
        if r in sheet.heights:
            attrs += f' ht="{sheet.heights[r]:g}" customHeight="1"'
        if r in sheet.hidden_rows:
            attrs += ' hidden="1"'
        cells = sheet.rows.get(r)
        if not cells:
            out.append(attrs + "/>")
            continue
        out.append(attrs + ">")
        for c in sorted(cells):
            xml = kept.get((r, c))
            if xml is None:
                value, style = cells[c]
                xml = _cell_xml(r, c, value, style)
            out.append(xml)
        out.append("</row>")
    out.append("</sheetData>")
    return "".join(out)


def _cols(sheet: Sheet) -> str:
    cols = sorted(set(sheet.widths) | sheet.hidden_cols)
    if not cols:
        return ""
    out = []
    for c in cols:
        width = 0 if c in sheet.hidden_cols else sheet.widths.get(c, 8.43)
        hidden = ' hidden="1"' if c in sheet.hidden_cols else ""
        out.append(f'<col min="{c}" max="{c}" width="{width:g}"{hidden} customWidth="1"/>')
    return f"<cols>{''.join(out)}</cols>"


def _view(sheet: Sheet, selected: bool) -> str:
    tab = ' tabSelected="1"' if selected else ""
    if not sheet.freeze:
        return f'<sheetViews><sheetView{tab} workbookViewId="0"/></sheetViews>'
    row, col = sheet.freeze
    split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1
                                                            else "")
    pane = ("bottomRight" if row > 1 and col > 1 else "topRight" if col > 1
            else "bottomLeft")
    return (f'<sheetViews><sheetView{tab} workbookViewId="0"><pane{split} '
            f'topLeftCell="{ref(row, col)}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{ref(row, col)}" sqref="{ref(row, col)}"/>'
            "</sheetView></sheetViews>")


def _validations(sheet: Sheet) -> str:
    rules = [v for v in sheet.validations if v.cells]
    if not rules:
        return ""
    out = []
    for v in rules:
        op = f' operator="{v.operator}"' if v.operator else ""
        msg = (f' showInputMessage="1" promptTitle="{_attr(v.title)}" prompt="{_attr(v.prompt)}"'
               if v.prompt else "")
        out.append(f'<dataValidation type="{v.kind}"{op} allowBlank="1"{msg} '
                   f'showErrorMessage="1" errorTitle="{_attr(v.title)}" error="{_attr(v.error)}" '
                   f'sqref="{" ".join(v.cells)}"><formula1>{escape(v.formula1)}</formula1>'
                   + (f"<formula2>{escape(v.formula2)}</formula2>" if v.formula2 else "")
                   + "</dataValidation>")
    return f'<dataValidations count="{len(out)}">{"".join(out)}</dataValidations>'


def _sheet_xml(sheet: Sheet, selected: bool, rels: list[str]) -> str:
    cells = [(r, c) for r, row in sheet.rows.items() for c in row]
    last = max(cells) if cells else (1, 1)
    dim = f"A1:{ref(max(r for r, _ in cells), max(c for _, c in cells))}" if cells else "A1"
    del last
    parts = [f'{_HEAD}<worksheet xmlns="{_NS}" xmlns:r="{_R}">',
             '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>', f'<dimension ref="{dim}"/>',
             _view(sheet, selected), '<sheetFormatPr defaultRowHeight="15"/>', _cols(sheet),
             _sheet_data(sheet)]
    if sheet.protected:
        parts.append('<sheetProtection sheet="1" objects="1" scenarios="1" '
                     'formatColumns="0" formatRows="0"/>')
    if sheet.merges:
        parts.append(f'<mergeCells count="{len(sheet.merges)}">'
                     + "".join(f'<mergeCell ref="{m}"/>' for m in sheet.merges) + "</mergeCells>")
    for priority, (where, formula, dxf) in enumerate(sheet.conditional, 1):
        parts.append(f'<conditionalFormatting sqref="{where}"><cfRule type="expression" '
                     f'dxfId="{dxf}" priority="{priority}"><formula>{escape(formula)}</formula>'
                     "</cfRule></conditionalFormatting>")
    parts.append(_validations(sheet))
    parts.append('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" '
                 'footer="0.3"/>')
    parts.append(f'<pageSetup paperSize="9" fitToWidth="1" fitToHeight="{sheet.pages_tall}" '
                 f'orientation="{"landscape" if sheet.landscape else "portrait"}"/>')
    for kind in rels:
        tag = "legacyDrawing" if kind == "vmlDrawing" else kind
        if tag in ("drawing", "legacyDrawing"):
            parts.append(f'<{tag} r:id="rId{rels.index(kind) + 1}"/>')
    parts.append("</worksheet>")
    return "".join(parts)


def _drawing_xml(sheet: Sheet) -> str:
    out = [f'{_HEAD}<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
           'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">']
    for n, p in enumerate(sheet.pictures, 1):
        out.append(
            f"<xdr:oneCellAnchor><xdr:from><xdr:col>{p.col - 1}</xdr:col><xdr:colOff>"
            f"{p.dx * _EMU}</xdr:colOff><xdr:row>{p.row - 1}</xdr:row><xdr:rowOff>"
            f"{p.dy * _EMU}</xdr:rowOff></xdr:from><xdr:ext cx=\"{p.width * _EMU}\" "
            f'cy="{p.height * _EMU}"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="{n + 1}" '
            f'name="Picture {n}" descr="{_attr(clean(p.name))}"/><xdr:cNvPicPr>'
            '<a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill>'
            f'<a:blip xmlns:r="{_R}" r:embed="rId{n}"/><a:stretch><a:fillRect/></a:stretch>'
            '</xdr:blipFill><xdr:spPr><a:xfrm><a:off x="0" y="0"/>'
            f'<a:ext cx="{p.width * _EMU}" cy="{p.height * _EMU}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
            "<xdr:clientData/></xdr:oneCellAnchor>")
    out.append("</xdr:wsDr>")
    return "".join(out)


def _comments_xml(sheet: Sheet) -> str:
    items = "".join(
        f'<comment ref="{ref(r, c)}" authorId="0"><text><r><rPr><sz val="9"/>'
        f'<rFont val="宋体"/><charset val="134"/></rPr><t xml:space="preserve">'
        f"{_xml_text(clean(text))}</t></r></text></comment>"
        for (r, c), text in sorted(sheet.comments.items()))
    return (f'{_HEAD}<comments xmlns="{_NS}"><authors><author>ogi</author></authors>'
            f"<commentList>{items}</commentList></comments>")


def _vml_xml(sheet: Sheet, number: int) -> str:
    shapes = []
    for n, (r, c) in enumerate(sorted(sheet.comments), 1):
        shapes.append(
            f'<v:shape id="_x0000_s{number * 1024 + n}" type="#_x0000_t202" style="position:'
            'absolute;margin-left:59.25pt;margin-top:1.5pt;width:180pt;height:60pt;z-index:'
            f'{n};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill '
            'color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path '
            'o:connecttype="none"/><v:textbox style="mso-direction-alt:auto"><div '
            'style="text-align:left"></div></v:textbox><x:ClientData ObjectType="Note">'
            f"<x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{c}, 15, {max(r - 2, 0)}, 10, "
            f"{c + 3}, 15, {r + 2}, 4</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{r - 1}</x:Row><x:Column>{c - 1}</x:Column></x:ClientData></v:shape>")
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
            'office:office" xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout '
            f'v:ext="edit"><o:idmap v:ext="edit" data="{number}"/></o:shapelayout><v:shapetype '
            'id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,'
            'l21600,xe"><v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype='
            f'"rect"/></v:shapetype>{"".join(shapes)}</xml>')


def _rels(targets: list[tuple[str, str]], base: str = _R) -> str:
    items = "".join(f'<Relationship Id="rId{n}" Type="{base}/{kind}" Target="{target}"/>'
                    for n, (kind, target) in enumerate(targets, 1))
    return f'{_HEAD}<Relationships xmlns="{_PKG}">{items}</Relationships>'


_TYPES = "application/vnd.openxmlformats-officedocument"


class Workbook:
    """Sheets in tab order; ``save`` writes the package atomically."""

    def __init__(self, sheets: list[Sheet], lock_structure: bool = True) -> None:
        self.sheets, self.lock_structure = sheets, lock_structure

    def _workbook_xml(self) -> str:
        hidden = ' state="hidden"'
        sheets = "".join(
            f'<sheet name="{_attr(s.name)}" sheetId="{n}"{hidden if s.hidden else ""} '
            f'r:id="rId{n}"/>' for n, s in enumerate(self.sheets, 1))
        names = "".join(
            f'<definedName name="_xlnm.{kind}" localSheetId="{n}">'
            f"'{_attr(s.name)}'!{where}</definedName>"
            for n, s in enumerate(self.sheets)
            for kind, where in (("Print_Area", s.print_area), ("Print_Titles", s.print_titles))
            if where)
        lock = '<workbookProtection lockStructure="1"/>' if self.lock_structure else ""
        return (f'{_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_R}"><workbookPr/>{lock}'
                '<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" '
                f'windowHeight="15000"/></bookViews><sheets>{sheets}</sheets>'
                + (f"<definedNames>{names}</definedNames>" if names else "")
                + '<calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>')

    def parts(self) -> list[tuple[str, str | bytes]]:
        """The package's parts, in the order they are zipped."""
        sheets, extra, types = [], [], []
        media = drawings = comments = 0
        for n, sheet in enumerate(self.sheets, 1):
            rels: list[tuple[str, str]] = []
            if sheet.pictures:
                drawings += 1
                rels.append(("drawing", f"../drawings/drawing{drawings}.xml"))
                extra.append((f"xl/drawings/drawing{drawings}.xml", _drawing_xml(sheet)))
                types.append((f"/xl/drawings/drawing{drawings}.xml", f"{_TYPES}.drawing+xml"))
                images = []
                for p in sheet.pictures:
                    media += 1
                    extra.append((f"xl/media/image{media}.png", p.png))
                    images.append(("image", f"../media/image{media}.png"))
                extra.append((f"xl/drawings/_rels/drawing{drawings}.xml.rels", _rels(images)))
            if sheet.comments:
                comments += 1
                rels.append(("vmlDrawing", f"../drawings/vmlDrawing{comments}.vml"))
                rels.append(("comments", f"../comments{comments}.xml"))
                extra.append((f"xl/drawings/vmlDrawing{comments}.vml", _vml_xml(sheet, n)))
                extra.append((f"xl/comments{comments}.xml", _comments_xml(sheet)))
                types.append((f"/xl/comments{comments}.xml",
                               f"{_TYPES}.spreadsheetml.comments+xml"))
            sheets.append((f"xl/worksheets/sheet{n}.xml",
                           _sheet_xml(sheet, n == 1, [k for k, _ in rels])))
            if rels:
                extra.append((f"xl/worksheets/_rels/sheet{n}.xml.rels", _rels(rels)))
            types.append((f"/xl/worksheets/sheet{n}.xml", f"{_TYPES}.spreadsheetml.worksheet+xml"))
        count = len(self.sheets)
        book_rels = [("worksheet", f"worksheets/sheet{n}.xml") for n in range(1, count + 1)]
        book_rels.append(("styles", "styles.xml"))
        overrides = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in [
            ("/xl/workbook.xml", f"{_TYPES}.spreadsheetml.sheet.main+xml"),
            ("/xl/styles.xml", f"{_TYPES}.spreadsheetml.styles+xml"),
            ("/docProps/app.xml", f"{_TYPES}.extended-properties+xml"), *types])
        content_types = (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="png" ContentType="image/png"/><Default Extension="vml" '
            f'ContentType="{_TYPES}.vmlDrawing"/>{overrides}</Types>')
        app = (f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
               'extended-properties"><Application>ogi-etl</Application></Properties>')
        return [("[Content_Types].xml", content_types),
                ("_rels/.rels", _rels([("officeDocument", "xl/workbook.xml"),
                                       ("extended-properties", "docProps/app.xml")])),
                ("docProps/app.xml", app), ("xl/workbook.xml", self._workbook_xml()),
                ("xl/_rels/workbook.xml.rels", _rels(book_rels)), *sheets, *extra,
                ("xl/styles.xml", STYLES.xml())]

    def save(self, path: str | Path) -> Path:
        """Write the workbook at ``path`` through a temporary file beside it: a crash
        leaves the old file or none, never half a workbook."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as z:
                for name, data in self.parts():
                    if isinstance(data, bytes):  # PNG: compressed already
                        z.writestr(name, data, compress_type=zipfile.ZIP_STORED)
                    else:
                        z.writestr(name, data.encode("utf-8"))
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path
