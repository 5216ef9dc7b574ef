"""The two official templates as data: every cell of ``gidar-cells.csv`` and its labels.

This module owns the template; extraction maps onto it, the workbook draws it, the loader
validates against it and the checks read it. Nobody else hard-codes a row list.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

TEMPLATES = ("2021", "2019")
SECTIONS = ("active", "requests", "appeals")
SECTION_TITLES = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}
# The applicant columns of the requests table, in printed order; ``total`` is last.
APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service",
              "other_org")

Key = tuple[str, str, str]  # (section, item, measure)


@dataclass(frozen=True)
class CellSpec:
    template: str
    section: str
    item: str
    item_label: str
    measure: str
    measure_label: str

    @property
    def key(self) -> Key:
        return (self.section, self.item, self.measure)

    @property
    def kind(self) -> str:
        """``decimal`` for 万元 amounts, ``signed`` for 本年增/减, else ``count``."""
        if self.measure.startswith("amount"):
            return "decimal"
        if self.measure == "change":
            return "signed"
        return "count"


def default_template(year: int) -> str:
    """The template a report of ``year`` is expected to use (the 2021 format applies from
    the 2021 reports on); extraction never relies on it, it tells from the headings."""
    return "2021" if year >= 2021 else "2019"


@cache
def cells(template: str) -> tuple[CellSpec, ...]:
    """Every cell of ``template`` in the order of ``gidar-cells.csv``."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; expected one of {', '.join(TEMPLATES)}")
    text = resources.files("etl").joinpath("data/gidar-cells.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        CellSpec(r["template"], r["table"], r["item"], r["item_label"], r["measure"],
                 r["measure_label"])
        for r in rows
        if r["template"] == template
    )


@cache
def spec_index(template: str) -> dict[Key, CellSpec]:
    return {c.key: c for c in cells(template)}


@cache
def items(template: str, section: str) -> tuple[str, ...]:
    """Item codes of one section, in template order."""
    return tuple(dict.fromkeys(c.item for c in cells(template) if c.section == section))


@cache
def measures(template: str, section: str, item: str | None = None) -> tuple[str, ...]:
    """Measure codes of a section (or of one item), in template order."""
    return tuple(dict.fromkeys(
        c.measure for c in cells(template)
        if c.section == section and (item is None or c.item == item)
    ))


@cache
def item_label(template: str, section: str, item: str) -> str:
    return next(c.item_label for c in cells(template) if c.section == section and c.item == item)


@cache
def measure_label(template: str, section: str, measure: str) -> str:
    return next(
        c.measure_label for c in cells(template) if c.section == section and c.measure == measure
    )


_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+、|\(?[一二三四五六七八九十]+\)|\d+[.、]|三\([一二三四五六七]\)\d*\.?)+"
)
_NOISE = re.compile(r"[\s　:：,，。;；]")


def squash(text: str) -> str:
    """Printed text without its whitespace, NFKC-folded (full-width digits, brackets)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def normalize_label(text: str) -> str:
    """Fold a printed label to a comparable key: NFKC (full-width brackets and digits),
    no whitespace or punctuation, no leading numbering such as ``一、``, ``（三）``, ``1.``."""
    text = _NOISE.sub("", unicodedata.normalize("NFKC", text))
    return _NUMBERING.sub("", text)


@cache
def label_keys(template: str, section: str) -> dict[str, str]:
    """Normalized leaf label -> item code, for matching printed row labels."""
    return {normalize_label(item_label(template, section, i)): i for i in items(template, section)}
