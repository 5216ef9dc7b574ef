"""The one in-memory shape that crosses every boundary: a report = metadata + cells.

The workbook and the database are two serialisations of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from etl import template as tpl
from etl.template import Key

Number = int | float

# Cell flags; a cell may carry several.
BLANK = "blank"          # printed empty in the source: value stays None, never 0
ABSENT = "absent"        # not printed at all (e.g. no 总计 column)
DERIVED = "derived"      # value computed from other cells because the source lacked it
UNPARSED = "unparsed"    # printed text that is not a number (``/``, ``无``): value None
LOW_CONFIDENCE = "low_confidence"  # the label match or the text layout was doubtful
FLAGS = (BLANK, ABSENT, DERIVED, UNPARSED, LOW_CONFIDENCE)


@dataclass
class Cell:
    section: str
    item: str
    measure: str
    value: Number | None = None
    printed: str | None = None  # the raw text as printed; None when nothing was printed
    page: int | None = None
    box: tuple[float, float, float, float] | None = None  # x1, y1, x2, y2 in PDF points
    flags: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def key(self) -> Key:
        return (self.section, self.item, self.measure)


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
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None
    level: str | None = None  # province | city | county | department
    cells: dict[Key, Cell] = field(default_factory=dict)
    # Prose sections for search: number (一/五/六) -> (heading as printed, text).
    narrative: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every cell of the template exists, so a missing one is visible as None, never dropped.
        for spec in tpl.cells(self.template):
            self.cells.setdefault(spec.key, Cell(*spec.key))

    def set_place(self, place: object) -> None:
        """Copy a ``place.Place`` onto the report."""
        for name in ("province", "city", "county", "adcode", "level"):
            setattr(self, name, getattr(place, name))

    def value(self, section: str, item: str, measure: str) -> Number | None:
        return self.cells[(section, item, measure)].value


# Printed marks for "nothing to count here": kept as text, never read as 0.
NOT_A_NUMBER = {"/", "／", "—", "——", "-", "－", "无", "空", "\\"}
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def parse_number(text: str, kind: str) -> tuple[Number | None, list[str], str]:
    """Printed text -> (value, flags, note). A blank stays None: a blank is not a zero."""
    s = tpl.squash(text).replace(",", "")
    if s == "":
        return None, [BLANK], ""
    if s in NOT_A_NUMBER:
        return None, [UNPARSED], f"printed {text.strip()!r}, not a number"
    scale, note, flags = 1.0, "", []
    for unit in ("(万元)", "万元"):
        if s.endswith(unit):
            s = s[: -len(unit)]
            break
    else:
        if s.endswith("元") and kind == "decimal":
            s, scale = s[:-1], 1e-4
            flags, note = [LOW_CONFIDENCE], "printed in 元, converted to 万元"
    if not _NUMBER.match(s):
        return None, [UNPARSED], f"printed {text.strip()!r}, not a number"
    if "." in s or kind == "decimal" or scale != 1.0:
        return round(float(s) * scale, 6), flags, note
    return int(s), flags, note


def is_number_like(text: str) -> bool:
    """Whether ``text`` reads as a number (of any kind)."""
    value, _, _ = parse_number(text, "decimal")
    return value is not None
