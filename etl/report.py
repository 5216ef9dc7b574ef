"""The one in-memory shape that crosses every boundary: a report = metadata + cells.

The workbook and the database are two serialisations of it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from etl import template as tpl
from etl.i18n import _
from etl.template import Key

Number = int | float

# Cell flags; a cell may carry several.
BLANK = "blank"          # printed empty in the source: value stays None, never 0
ABSENT = "absent"        # not printed at all (e.g. no 总计 column)
DERIVED = "derived"      # value computed from other cells because the source lacked it
UNPARSED = "unparsed"    # printed text that is not a number (``/``, ``无``): value None
LOW_CONFIDENCE = "low_confidence"  # the label match or the text layout was doubtful
OCR = "ocr"              # read by OCR from an image of the page (``Cell.confidence`` says how sure)
# An OCR'd cell read less sure than this (the recogniser's least sure character) is also
# flagged low_confidence: the reviewer checks it against the page image.
OCR_SURE = 0.9

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in PDF points, origin bottom left


@dataclass
class Cell:
    section: str
    item: str
    measure: str
    value: Number | None = None
    printed: str | None = None  # the raw text as printed; None when nothing was printed
    page: int | None = None
    box: Box | None = None
    flags: list[str] = field(default_factory=list)
    note: str = ""
    confidence: float | None = None  # the OCR recogniser's, 0..1; None when read from text

    @property
    def key(self) -> Key:
        return (self.section, self.item, self.measure)


@dataclass(frozen=True)
class Region:
    """One table's box on one page."""

    section: str
    page: int
    box: Box


@dataclass
class Report:
    report_id: str
    template: str
    agency: str | None = None
    year: int | None = None
    source_file: str = ""
    sha256: str = ""
    extracted_at: str = ""
    status: str = "extracted"  # or "reviewed"
    reviewer: str = ""
    note: str = ""
    cells: dict[Key, Cell] = field(default_factory=dict)
    # Prose sections for search: number (一/五/六) -> (heading as printed, text).
    narrative: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Where each table was found: its box on each page it spans (top rule to bottom rule,
    # with its section heading), for the page images beside the workbook's grids.
    regions: list[Region] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Every cell of the template exists, so a missing one is visible as None, never dropped.
        cells = self.cells
        for spec in tpl.cells(self.template):
            if spec.key not in cells:  # (a reader passes them all: none made to be dropped)
                cells[spec.key] = Cell(*spec.key)

    def value(self, section: str, item: str, measure: str) -> Number | None:
        return self.cells[(section, item, measure)].value


# Printed marks for "nothing to count here": kept as text, never read as 0.
NOT_A_NUMBER = {"/", "／", "—", "——", "-", "－", "无", "空", "\\"}
# Units some reports print after a count (5件, 49个, 1416件): the count is the number.
COUNT_UNITS = ("件", "个", "项", "次", "宗", "份", "条")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def _strip_unit(s: str, kind: str) -> tuple[str, float, bool]:
    """(number text, scale to 万元, whether the scale is a guess) of a squashed cell text."""
    for unit in ("(万元)", "万元"):
        if s.endswith(unit):
            return s[: -len(unit)], 1.0, False
    if kind == "decimal":
        return (s[:-1], 1e-4, True) if s.endswith("元") else (s, 1.0, False)
    for unit in COUNT_UNITS:
        if s.endswith(unit):
            return s[: -len(unit)], 1.0, False
    return s, 1.0, False


def parse_number(text: str, kind: str) -> tuple[Number | None, list[str], str]:
    """Printed text -> (value, flags, note). A blank stays None: a blank is not a zero.
    ``kind`` is the cell's (``CellSpec.kind``): counts may carry a unit (件, 个); 万元
    amounts printed in 元 are converted and flagged."""
    value, state = _parsed(text, kind)
    if state == BLANK:
        return None, [BLANK], ""
    if state == UNPARSED:
        return None, [UNPARSED], _("原表印作“{printed}”，不是数字").format(printed=text.strip())
    if state == "converted":
        return value, [LOW_CONFIDENCE], _("原表以元为单位，已换算为万元")
    return value, [], ""


@lru_cache(maxsize=4096)
def _parsed(text: str, kind: str) -> tuple[Number | None, str]:
    """(value, BLANK | UNPARSED | "converted" | ""): the reading alone, without the texts
    said about it (in the user's language, so not cached). Printed cells repeat (0, 1, /):
    a report's labels are tested as numbers too, hundreds of times."""
    s = tpl.squash(text).replace(",", "")
    if s == "":
        return None, BLANK
    if s not in NOT_A_NUMBER:
        s, scale, converted = _strip_unit(s, kind)
    if s in NOT_A_NUMBER or not _NUMBER.match(s):
        return None, UNPARSED
    if "." in s or kind == "decimal" or scale != 1.0:
        return round(float(s) * scale, 6), "converted" if converted else ""
    return int(s), "converted" if converted else ""


def is_number_like(text: str) -> bool:
    """Whether ``text`` reads as a number (of any kind: an amount, or a count with its
    unit)."""
    return any(_parsed(text, kind)[0] is not None for kind in ("decimal", "count"))


# --- one codec for a cell's fields where they are stored as text (the workbook's hidden
# sheet, the database) --------------------------------------------------------------------

class _ReadBox(tuple):
    """A box decoded from text that ``encode_box`` writes back unchanged: it keeps that
    text (a tuple, so it cannot change under it), and a load stores it as read instead of
    formatting two hundred boxes per report again."""

    text: str


def encode_box(box: Box | None) -> str | None:
    """``[x1, y1, x2, y2]`` rounded to 0.01 pt, as JSON. Formatted without the encoder (a
    finite float's ``repr`` is its JSON text): it runs for every cell of every load."""
    if type(box) is _ReadBox:
        return box.text
    if not box:
        return None
    try:  # the common case, a box read back from a workbook: already rounded, rounded fast
        a, b, c, d = box
        if (type(a) is type(b) is type(c) is type(d) is float and round(a * 100) / 100 == a
                and round(b * 100) / 100 == b and round(c * 100) / 100 == c
                and round(d * 100) / 100 == d):
            return f"[{a!r}, {b!r}, {c!r}, {d!r}]"
    except (ValueError, OverflowError):  # not four values; inf or nan
        pass
    values = [round(x, 2) for x in box]
    if all(type(v) is float and math.isfinite(v) for v in values):
        return f"[{', '.join(map(repr, values))}]"
    return json.dumps(values)


_PLAIN_BOX = re.compile(r"\[-?\d+\.\d+(?:, -?\d+\.\d+)*\]")  # as encode_box writes it
# Four numbers each its own float's repr, at most two decimals (no trailing 0), below a
# million: what encode_box writes for them is this very text.
_BOX_NUMBER = r"-?(?:0|[1-9][0-9]{0,5})\.(?:0|[0-9]?[1-9])"
_SAME_BOX = re.compile(rf"\[(?:{_BOX_NUMBER}, ){{3}}{_BOX_NUMBER}\]")


def decode_box(text: Any) -> Box | None:
    if not text:
        return None
    if isinstance(text, str) and _SAME_BOX.fullmatch(text):  # the common case, no decoder
        box = _ReadBox(map(float, text[1:-1].split(",")))
        box.text = text
        return box  # type: ignore[return-value]
    if isinstance(text, str) and _PLAIN_BOX.fullmatch(text):
        return tuple(map(float, text[1:-1].split(",")))  # type: ignore[return-value]
    values = json.loads(text) if isinstance(text, str) else text
    return tuple(float(x) for x in values)  # type: ignore[return-value]


def encode_flags(flags: list[str]) -> str:
    return ",".join(flags)


def decode_flags(text: Any) -> list[str]:
    return [f for f in str(text or "").split(",") if f]


def typed_value(value: Any, kind: str) -> Number | None:
    """A stored number as its kind wants it: whole numbers as ``int`` (spreadsheets and
    SQLite hand back 12.0), 万元 amounts as ``float``."""
    if value is None or value == "":
        return None
    if kind != "decimal" and float(value).is_integer():
        return int(value)
    return float(value) if kind == "decimal" else value


# What the fingerprint covers besides the values: what a person may correct on the meta
# sheet and what identifies the workbook. The place is not in it: it follows the agency.
FINGERPRINT_FIELDS = ("report_id", "agency", "year", "template", "source_file", "sha256",
                      "extracted_at", "status", "reviewer", "note")


def fingerprint(report: Report) -> str:
    """sha256 of the values and the metadata a person may correct: equal fingerprints mean
    nobody changed the workbook's data since it was written."""
    def norm(v: Any) -> Any:
        if v is None or v == "":
            return None
        if isinstance(v, int | float) and not isinstance(v, bool):
            return int(v) if float(v).is_integer() else round(float(v), 9)
        return str(v)

    payload = {"meta": {f: norm(getattr(report, f)) for f in FINGERPRINT_FIELDS},
               "cells": sorted([*k, norm(c.value)] for k, c in report.cells.items())}
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
