"""A workbook's parts checked before anything parses them: what a hostile or broken file
could make a reader do (allocate a sheet of 17 billion cells, expand a billion entities,
inflate a 2 MB file to gigabytes) is refused here, naming the file and the part.

``scan_workbook`` reads the zip's directory (declared sizes), then streams the XML parts the
reader will read through expat (no DTD allowed: OOXML never has one, entity bombs always
do), noting each sheet's extent, its formulas and its error cells (``#REF!``: the values
calamine reads as empty). ``read_own`` does the same checks and reads the values too, in one
pass over each part, for a workbook whose XML is as ogi's writer (``etl.ooxml``) writes it;
``None`` for any other, which then goes through ``scan_workbook`` and calamine.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from pathlib import Path
from xml.parsers import expat

from etl.errors import Problem, WorkbookError
from etl.i18n import _

# Limits of one workbook (an ogi workbook: ~80 KB, its largest part ~100 KB, sheets of at
# most a few hundred rows and ~40 columns). Environment variables raise them if ever needed.
PART_LIMIT = int(os.environ.get("OGI_XLSX_PART_LIMIT", 32 * 2**20))  # bytes, one part unzipped
TOTAL_LIMIT = int(os.environ.get("OGI_XLSX_TOTAL_LIMIT", 128 * 2**20))  # bytes, all parts
ROW_LIMIT = int(os.environ.get("OGI_XLSX_ROW_LIMIT", 5000))  # rows of a sheet that is read
COL_LIMIT = int(os.environ.get("OGI_XLSX_COL_LIMIT", 200))  # columns of a sheet that is read

_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})$")
_CELL_TAGS = re.compile(r"<(?:c|f|row)\b", re.A)  # a cell, a formula, a row: however written
_MAIN = "xl/workbook.xml"
_RELS = "xl/_rels/workbook.xml.rels"


@dataclass
class SheetScan:
    """What one worksheet part holds besides its values."""

    rows: int = 0
    cols: int = 0
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "=…"
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "#REF!"


@dataclass
class Scan:
    sheets: dict[str, SheetScan] = field(default_factory=dict)  # by sheet name


class _Refused(Exception):
    def __init__(self, where: str, what: str, value: str = "") -> None:
        super().__init__(what)
        self.where, self.what, self.value = where, what, value


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _local(name: str) -> str:
    return name.rpartition(":")[2]  # namespace prefixes (x:c) are allowed by OOXML


def _parser(part: str) -> expat.XMLParserType:
    p = expat.ParserCreate()
    p.buffer_text = True

    def doctype(*_args: object) -> None:
        raise _Refused(part, _("含有 DTD（实体定义）：Excel 写出的工作簿从不含 DTD，这样的文件"
                               "可能是恶意构造的"))

    p.StartDoctypeDeclHandler = doctype
    p.EntityDeclHandler = doctype
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return p


def _feed(z: zipfile.ZipFile, part: str, p: expat.XMLParserType) -> None:
    try:
        with z.open(part) as f:
            while chunk := f.read(1 << 16):
                p.Parse(chunk, False)
        p.Parse(b"", True)
    except expat.ExpatError as e:
        raise _Refused(part, _("XML 损坏（{error}）").format(error=e)) from e


class _SheetReader:
    """expat handlers that follow <row>/<c> positions (explicit ``r`` or implied by order)."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.scan = SheetScan()
        self.row = 0
        self.col = 0
        self.text: list[str] | None = None
        self.error = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "row":
            self.row = int(attrs["r"]) if attrs.get("r", "").isdigit() else self.row + 1
            self.col = 0
            self._extent(self.row, 1)
        elif tag == "c":
            m = _REF.match(attrs.get("r", ""))
            if m:
                self.col, self.row = _col_number(m.group(1)), int(m.group(2))
            else:
                self.col += 1
            self._extent(self.row, self.col)
            self.error = attrs.get("t") == "e"
        elif tag in ("f", "v") and (tag == "f" or self.error):
            self.text = []

    def _extent(self, row: int, col: int) -> None:
        if row > ROW_LIMIT or col > COL_LIMIT:
            raise _Refused(self.part, _("工作表过大：有内容的单元格远到第 {row} 行第 {col} 列"
                                        "（上限 {rows} 行、{cols} 列）").format(
                row=row, col=col, rows=ROW_LIMIT, cols=COL_LIMIT))
        self.scan.rows = max(self.scan.rows, row)
        self.scan.cols = max(self.scan.cols, col)

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def end(self, name: str) -> None:
        tag = _local(name)
        if self.text is not None and tag in ("f", "v"):
            text = "".join(self.text)
            target = self.scan.formulas if tag == "f" else self.scan.errors
            target[(self.row, self.col)] = ("=" + text) if tag == "f" else text
            self.text = None


# The fast reading of a sheet part, for XML as spreadsheet programs write it (no namespace
# prefixes, every cell with its r="A1"); the expat reader above for anything else.
_ROW_R = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_CELL_R = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"')
_CELL_ANY = re.compile(rb'<c[\s/>]')
_PREFIXED = re.compile(rb'<\w+:(?:c|row|f|v)\b')
_FORMULA = re.compile(rb'<f\b[^>]*?(?:/>|>(.*?)</f>)', re.S)
_ERROR = re.compile(rb'<c\b([^>]*?)\bt="e"[^>]*>(?:<f\b.*?</f>|<f[^>]*/>)?<v>(.*?)</v>', re.S)
_R_ATTR = re.compile(rb'\br="([A-Z]+)(\d+)"')


def _at(tag: bytes) -> tuple[int, int] | None:
    ref = _R_ATTR.search(tag)
    return None if ref is None else (int(ref.group(2)), _col_number(ref.group(1).decode()))


def _fast_sheet(part: str, data: bytes) -> SheetScan | None:
    """``SheetScan`` of a sheet part by regular expressions; None when the XML is not as
    spreadsheet programs write it (a cell without ``r``, namespace prefixes)."""
    cells = _CELL_R.findall(data)
    if len(cells) != len(_CELL_ANY.findall(data)) or _PREFIXED.search(data):
        return None
    reader = _SheetReader(part)
    rows = [int(r) for r in _ROW_R.findall(data)] + [int(r) for _, r in cells]
    letters = {c for c, _ in cells}
    reader._extent(max(rows, default=0),
                   max((_col_number(c.decode()) for c in letters), default=0))
    scan = reader.scan
    for f in _FORMULA.finditer(data):
        start = data.rfind(b"<c ", 0, f.start())
        at = _at(data[start:data.index(b">", start)]) if start >= 0 else None
        if at is not None:
            scan.formulas[at] = "=" + html.unescape((f.group(1) or b"").decode())
    for e in _ERROR.finditer(data):
        if (at := _at(e.group(1))) is not None:
            scan.errors[at] = html.unescape(e.group(2).decode())
    return scan


def _no_dtd(part: str, data: bytes) -> None:
    # Markup only: a "<!" in text or an attribute is escaped (&lt;), so this finds every DTD.
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise _Refused(part, _("含有 DTD（实体定义）：Excel 写出的工作簿从不含 DTD，这样的文件"
                               "可能是恶意构造的"))


def _sheets_listed(z: zipfile.ZipFile) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The workbook's sheets in tab order as (relationship id, name), and the
    relationships' targets by id, as part names in the zip."""
    listed: list[tuple[str, str]] = []
    targets: dict[str, str] = {}

    def sheet(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            listed.append((rid, attrs.get("name", "")))

    def rel(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            target = attrs.get("Target", "")
            targets[attrs.get("Id", "")] = (target.lstrip("/") if target.startswith("/")
                                            else posixpath.normpath(f"xl/{target}"))

    for part, handler in ((_MAIN, sheet), (_RELS, rel)):
        p = _parser(part)
        p.StartElementHandler = handler
        _feed(z, part, p)
    return listed, targets


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part's name in the zip, from the workbook and its relationships."""
    listed, targets = _sheets_listed(z)
    names = dict(listed)
    return {name: targets[rid] for rid, name in names.items() if rid in targets}


def _check_sizes(z: zipfile.ZipFile) -> None:
    total = 0
    for info in z.infolist():
        total += info.file_size
        if info.file_size > PART_LIMIT:
            raise _Refused(info.filename, _("解压后过大：{size} MB（一个部分的上限 {limit} MB）")
                           .format(size=info.file_size // 2**20, limit=PART_LIMIT // 2**20))
    if total > TOTAL_LIMIT:
        raise _Refused("-", _("解压后过大：共 {size} MB（上限 {limit} MB）").format(
            size=total // 2**20, limit=TOTAL_LIMIT // 2**20))


def scan_workbook(path: str | Path, wanted: tuple[str, ...]) -> Scan:
    """Check the workbook at ``path`` and scan the sheets named in ``wanted`` (those a reader
    will read); ``WorkbookError`` naming the file and the part when it is out of bounds."""
    path = Path(path)
    scan = Scan()
    try:
        with zipfile.ZipFile(path) as z:
            _check_sizes(z)
            parts = _sheet_parts(z)
            present = set(z.namelist())
            for shared in ("xl/sharedStrings.xml", "xl/styles.xml"):  # calamine reads these
                if shared in present:
                    _no_dtd(shared, z.read(shared))
            for name in wanted:
                part = parts.get(name)
                if part is None or part not in present:
                    continue
                data = z.read(part)  # its size is checked; a lying size fails its CRC
                _no_dtd(part, data)
                where = f"{name}（{part}）"
                found = _fast_sheet(where, data)
                if found is None:
                    reader = _SheetReader(where)
                    p = _parser(part)
                    p.StartElementHandler = reader.start
                    p.EndElementHandler = reader.end
                    p.CharacterDataHandler = reader.chars
                    _feed(z, part, p)
                    found = reader.scan
                scan.sheets[name] = found
    except _Refused as e:
        raise WorkbookError(path, [Problem(path.name, e.where, e.what, e.value)]) from None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError, UnicodeDecodeError
            ) as e:
        raise WorkbookError(path, [Problem(path.name, "-", _(
            "不是可读的 .xlsx 工作簿（{error}）").format(error=e))]) from None
    return scan


# --- ogi's own workbooks: the scan and the values in one pass -----------------------------
# A worksheet part as etl.ooxml writes it: every cell <c r="A1" s="N" t="T"> with these
# attributes in this order and no other, holding an inline string, a number, or a formula
# with or without its cached result. Such a part is scanned and read in one pass over its
# text (each zip member inflated once; no calamine). Anything else (a workbook a
# spreadsheet program saved: shared strings, other attributes, rich text, dates) is
# ``None`` here and goes through ``scan_workbook`` and calamine, which read every workbook;
# tests/test_load_read.py holds the two readers to the same values.
# Its <sheetData> is read by one split on the tokens below, which must tile it exactly
# (nothing between two tokens; a row at its start, its end at its end): a cell in one of
# the forms ogi writes, or the boundary between two rows' cells (the row closed, any empty
# rows, the next one opened). Tiling, they check the sheetData in the same pass that reads
# it: rows of such cells and nothing else (no comment, no other element, no namespace
# prefix); a number as repr() writes it; an inline string not marked xml:space="preserve"
# neither starts nor ends with a space (a reader would trim it; ogi marks such text); an
# error with its text. The common cells (plain text, a whole number, empty) have groups of
# their own; any other form is captured whole and read by ``_own_rare``.
_NUMBER_XML = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_RARE_XML = (
    r'(?: t="n")?>(?:<f>[^<]*</f>)?(?:<v>(?:' + _NUMBER_XML + r')?</v>)?</c>'
    r'| t="inlineStr"><is>(?:<t>(?:[^<\s](?:[^<]*[^<\s])?)?|<t xml:space="preserve">[^<]*)'
    r'</t></is></c>'
    r'| t="str">(?:<f>[^<]*</f>)?(?:<v>[^<]*</v>)?</c>'
    r'| t="e">(?:<f>[^<]*</f>)?<v>[^<]+</v></c>')
_OWN_TOKEN = re.compile(
    r'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"(?: s="[0-9]{1,6}")?'  # 1: the cell's reference
    r'(?: t="inlineStr"><is><t>([^<\s](?:[^<]*[^<\s])?)</t></is></c>'  # 2: text
    r'|(?: t="n")?><v>([0-9]{1,15})</v></c>'  # 3: a whole number
    r'|(?: t="n")?/>'  # empty
    r'|>(<f>[^<]*</f>)</c>'  # 4: a formula (no result cached: ogi's derived cells)
    r'|(' + _RARE_XML + r'))'  # 5: any other cell
    r'|(?:\A|</row>)((?:<row r="[0-9]{1,7}"[^<>/]*(?:/>|></row>))*)'  # 6: empty rows
    r'(?:<row r="([0-9]{1,7})"[^<>/]*>|(\Z))')  # 7: the next row; 8: the end
_STRIDE = 9  # re.split's items per token: the text before it, then its 8 groups
_RARE = re.compile(r'(?: t="([a-zA-Z]{1,9})")?>(?:<f>([^<]*)</f>)?'
                   r'(?:<is><t(?: xml:space="preserve")?>([^<]*)</t></is>|<v>([^<]*)</v>)?</c>')
_OWN_ROW = re.compile(r'<row r="([0-9]+)"')
_NUMBER = re.compile(_NUMBER_XML)
_EXCEL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")  # _x000D_: decoded by calamine
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'"), ("&amp;", "&"))
# Number formats that are not dates (calamine reads a number in a date format as a date):
# the built-in ones below, and custom codes of digits and signs only.
_PLAIN_FORMAT_IDS = {*range(0, 14), *range(37, 45), 48, 49}
_PLAIN_FORMAT = re.compile(r'[0#?.,%+\-;E@ ]*')
_CELL_XFS = re.compile(rb"<cellXfs\b.*?</cellXfs>", re.S)
_FORMAT_ID = re.compile(rb'\bnumFmtId="([^"]*)"')
_CUSTOM_FORMAT = re.compile(rb'<numFmt numFmtId="([0-9]+)" formatCode="([^"]*)"/>')
_SHARED = "xl/sharedStrings.xml"
_STYLES = "xl/styles.xml"

Rows = list[list[object]]


class _NotOwn(Exception):
    """The workbook is not as ogi writes it: read it the general way."""


@lru_cache(maxsize=16)
def _plain_styles(data: bytes) -> bool:
    """Whether no cell format of a styles part is a date (the same few parts come back for
    every workbook: cached by content)."""
    xfs = _CELL_XFS.search(data)
    custom = {int(n): html.unescape(code.decode()) for n, code in _CUSTOM_FORMAT.findall(data)}
    for n in _FORMAT_ID.findall(xfs.group(0) if xfs else b""):
        if not n.isdigit():
            return False
        code = custom.get(int(n))
        if int(n) not in _PLAIN_FORMAT_IDS and (code is None or not _PLAIN_FORMAT.fullmatch(code)):
            return False
    return True


def _own_text(text: str) -> str:
    """A string's XML text as calamine reads it; ``_NotOwn`` for what the one pass does
    not decode (character references, an unknown entity)."""
    if text.count("&") != sum(text.count(e) for e, _c in _ENTITIES):
        raise _NotOwn
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def _own_number(v: str) -> int | float:
    """A number cell's value as the general reader gives it: whole numbers as ``int``."""
    if not _NUMBER.fullmatch(v):
        raise _NotOwn  # calamine parses (or refuses) other spellings its own way
    x = float(v)
    return int(x) if x.is_integer() and abs(x) < 2**63 else x


def _own_other(t: str, v: str) -> object:
    """A cell that holds neither an inline string nor a plain number: a formula's cached
    text (``str``) or an error (``e``); ``_NotOwn`` for any other kind."""
    if t == "str":
        text = _own_text(v) if "&" in v else v
        if text[:1].isspace() or text[-1:].isspace():
            raise _NotOwn
        return text or None
    if t == "e" and v:
        return html.unescape(v)
    raise _NotOwn  # booleans, shared strings, dates, an error without its text


_CACHED = 50_000  # references a cache below keeps: a bound on what hand-made files can add


class _Refs(dict[str, int]):
    """A cell reference's row or column, 0-based ("B7": row 6, column 1), computed once for
    each reference: the same few thousand come back in every workbook."""

    def __init__(self, which: int) -> None:
        super().__init__()
        self.which = which

    def __missing__(self, ref: str) -> int:
        m = _REF.match(ref)
        if m is None:
            raise _NotOwn
        at = (int(m.group(2)) - 1, _col_number(m.group(1)) - 1)
        if len(self) < _CACHED:
            _ROW_OF[ref], _COL_OF[ref] = at
        return at[self.which]


_ROW_OF, _COL_OF = _Refs(0), _Refs(1)


class _Flat(dict[str, int]):
    """A cell reference's place in a sheet's cells laid out row after row, for one width
    (ogi's sheets have a few widths, and the same references in every workbook)."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width

    def __missing__(self, ref: str) -> int:
        at = _ROW_OF[ref] * self.width + _COL_OF[ref]
        if len(self) < _CACHED // 10:
            self[ref] = at
        return at


_FLATS: dict[int, _Flat] = {}


def _flat(width: int) -> _Flat:
    found = _FLATS.get(width)
    if found is None:
        found = _Flat(width)
        if len(_FLATS) < 20:
            _FLATS[width] = found
    return found


def _own_rare(rare: str, ref: str, scan: SheetScan) -> object:
    """A cell in a form other than plain text, a whole number or empty (a formula, text
    with entities or spaces kept, a fraction, an error): its value (None for empty), its
    formula and its error into ``scan``; ``_NotOwn`` for one the one pass does not read."""
    t, formula, text, v = _RARE.fullmatch(rare).groups()  # type: ignore[union-attr]
    where = (_ROW_OF[ref] + 1, _COL_OF[ref] + 1)
    if formula is not None:
        scan.formulas[where] = "=" + html.unescape(formula)
    if text:
        return _own_text(text) if "&" in text else text
    if not v:
        return None
    if not t or t == "n":
        return int(v) if v.isdigit() and len(v) < 16 else _own_number(v)
    value = _own_other(t, v)
    if t == "e":
        scan.errors[where] = value  # type: ignore[assignment]
    return value


def _own_cells(found: list[str | None], cells: str, scan: SheetScan, width: int,
               height: int) -> Rows:
    """The rows (``height`` of ``width`` values) of the cells in ``found`` (``cells`` split
    on ``_OWN_TOKEN``, checked before), their formulas and errors into ``scan``; ``_NotOwn``
    for a cell the one pass does not read, or a value that is there twice."""
    step = _STRIDE
    refs, texts, numbers, rares = found[1::step], found[2::step], found[3::step], found[5::step]
    formulas = found[4::step]
    for ref, formula in compress(zip(refs, formulas, strict=True), formulas):
        scan.formulas[(_ROW_OF[ref] + 1, _COL_OF[ref] + 1)] = (  # type: ignore[index]
            "=" + html.unescape(formula[3:-4]))  # type: ignore[index]
    values: list[object] = list(filter(None, texts))
    if "&" in cells:
        values = [_own_text(t) if "&" in t else t for t in values]  # type: ignore[operator]
    values += map(int, filter(None, numbers))  # type: ignore[arg-type]
    placed = [*compress(refs, texts), *compress(refs, numbers)]
    for ref, rare in compress(zip(refs, rares, strict=True), rares):
        value = _own_rare(rare, ref, scan)  # type: ignore[arg-type]
        if value is not None:
            placed.append(ref)  # type: ignore[arg-type]
            values.append(value)
    flat: list[object] = [None] * (width * height)
    # any() only drives the map (__setitem__ returns None): no loop in Python. A cell past
    # the last row is an IndexError: not ogi's (read_own hands the workbook on).
    any(map(flat.__setitem__, map(_flat(width).__getitem__, placed), values))
    if len(flat) - flat.count(None) != len(values):
        raise _NotOwn  # two values in one cell
    return [flat[r * width:(r + 1) * width] for r in range(height)]


def _own_sheet(where: str, data: bytes) -> tuple[SheetScan, Rows]:
    """A sheet part's scan (as ``_fast_sheet`` makes it) and its rows (as calamine reads
    them: ``None`` for empty, whole numbers as ``int``); ``_NotOwn`` when the part is not
    as ogi writes it, ``_Refused`` when it is out of bounds."""
    xml = data.decode()
    start, end = xml.find("<sheetData>") + 11, xml.rfind("</sheetData>")
    if start < 11 or end < start:
        raise _NotOwn
    cells = xml[start:end]
    if ("\r" in cells or "_x" in cells and _EXCEL_ESCAPE.search(cells)
            or _CELL_TAGS.search(xml, 0, start) or _CELL_TAGS.search(xml, end)):
        raise _NotOwn  # a cell or formula elsewhere; what calamine decodes its own way
    reader = _SheetReader(where)
    if not cells:
        return reader.scan, []
    found: list[str | None] = _OWN_TOKEN.split(cells)
    if any(found[::_STRIDE]) or not cells.startswith("<row") or found[-2] is None:
        raise _NotOwn  # anything but ogi's rows of cells
    # the extent as the scan reports it, before any grid is made (ogi writes its cells in
    # order: the last is the farthest row; a cell beyond it is not ogi's, see _own_cells)
    refs: list[str] = list(filter(None, found[1::_STRIDE]))  # type: ignore[arg-type]
    empty_rows = "".join(filter(None, found[6::_STRIDE]))  # type: ignore[arg-type]
    height = max(max(map(int, filter(None, found[7::_STRIDE])), default=0),  # type: ignore
                 max(map(int, _OWN_ROW.findall(empty_rows)), default=0),
                 _ROW_OF[refs[-1]] + 1 if refs else 0)
    width = max(map(_COL_OF.__getitem__, refs), default=-1) + 1
    reader._extent(height, width)
    return reader.scan, _own_cells(found, cells, reader.scan, width, height)


def read_own(path: str | Path, wanted: tuple[str, ...]) -> tuple[dict[str, Rows], Scan] | None:
    """The rows of the sheets in ``wanted`` and the scan ``scan_workbook`` makes, for a
    workbook as ogi writes it, in one pass; ``None`` for any other workbook (read it with
    ``scan_workbook`` and a general reader). Refuses what ``scan_workbook`` refuses, with
    the same problem."""
    path = Path(path)
    scan, rows = Scan(), {}
    try:
        with zipfile.ZipFile(path) as z:
            _check_sizes(z)
            listed, targets = _sheets_listed(z)
            present = set(z.namelist())
            if _SHARED in present:
                raise _NotOwn
            styles = z.read(_STYLES) if _STYLES in present else b""
            _no_dtd(_STYLES, styles)
            if not _plain_styles(styles) or any(len(set(ids)) != len(listed)
                                                for ids in zip(*listed, strict=True)):
                raise _NotOwn  # dates; two sheets of one name or of one part
            parts = {name: targets.get(rid, "") for rid, name in listed}
            for name in wanted:
                if name not in parts:
                    continue
                if parts[name] not in present:
                    raise _NotOwn
                data = z.read(parts[name])
                _no_dtd(parts[name], data)
                scan.sheets[name], rows[name] = _own_sheet(f"{name}（{parts[name]}）", data)
    except _Refused as e:
        raise WorkbookError(path, [Problem(path.name, e.where, e.what, e.value)]) from None
    except Exception:  # noqa: BLE001 - whatever it is, the general reader says it
        return None
    return rows, scan
