"""A workbook's parts checked before anything parses them: what a hostile or broken file
could make a reader do (allocate a sheet of 17 billion cells, expand a billion entities,
inflate a 2 MB file to gigabytes) is refused here, naming the file and the part.

``scan_workbook`` reads the zip's directory (declared sizes), then streams the XML parts the
reader will read through expat (no DTD allowed: OOXML never has one, entity bombs always
do), noting each sheet's extent, its formulas and its error cells (``#REF!``: the values
calamine reads as empty).
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
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


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part's name in the zip, from the workbook and its relationships."""
    names: dict[str, str] = {}
    targets: dict[str, str] = {}

    def sheet(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            names[rid] = attrs.get("name", "")

    def rel(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            target = attrs.get("Target", "")
            targets[attrs.get("Id", "")] = (target.lstrip("/") if target.startswith("/")
                                            else posixpath.normpath(f"xl/{target}"))

    for part, handler in ((_MAIN, sheet), (_RELS, rel)):
        p = _parser(part)
        p.StartElementHandler = handler
        _feed(z, part, p)
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
