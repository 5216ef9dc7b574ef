"""The two official templates as data: every cell of ``gidar-cells.csv`` and its labels, and
the tables' structure from ``gidar-structure.yml`` (row nesting, column groups, sub-tables of
section 二, identities, the words that tell a template or a table page, label variants).

This module owns the template; extraction maps onto it, the workbook draws it, the loader
validates against it and the checks read it. Nobody else hard-codes a row list.
"""

from __future__ import annotations

import csv
import fnmatch
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from etl.errors import EtlError
from etl.i18n import _

TEMPLATES = ("2021", "2019")
SECTIONS = ("active", "requests", "appeals")

Key = tuple[str, str, str]  # (section, item, measure)


@cache
def structure() -> dict[str, Any]:
    """``gidar-structure.yml`` as read (see its comments); prefer the functions below."""
    import yaml  # here, not at the top: ``ogi --help`` imports this module for TEMPLATES

    text = resources.files("etl").joinpath("data/gidar-structure.yml").read_text(
        encoding="utf-8")
    # libyaml's loader where PyYAML has it: the pure-Python one took 23 ms of every start
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def section_title(section: str) -> str:
    """The table's heading as the template prints it (二、主动公开政府信息情况 …)."""
    return structure()["sections"][section]["title"]


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
        raise EtlError(_("没有模板「{template}」：只有 {known}").format(
            template=template, known="、".join(TEMPLATES)))
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


# --- structure ---------------------------------------------------------------------------

def _expand(template: str, section: str, patterns: list[str], codes: tuple[str, ...]
            ) -> tuple[str, ...]:
    """The codes matching ``patterns`` (globs such as ``withheld_*``), in template order."""
    return tuple(c for c in codes if any(fnmatch.fnmatchcase(c, p) for p in patterns))


@dataclass(frozen=True)
class RowGroup:
    """Rows the official table nests under one merged label (（三）不予公开 …)."""

    code: str
    label: str
    prefix: str  # what the cell list's item labels carry for this nesting
    items: tuple[str, ...]
    parent: str | None = None


@cache
def row_groups(template: str, section: str) -> tuple[RowGroup, ...]:
    """The merged-label groups of a section's rows, outermost first; a group none of whose
    rows the template has (（六）其他处理's sub-rows in 2019) is left out."""
    found = []
    for g in structure()["row_groups"].get(section, ()):
        members = _expand(template, section, g["items"], items(template, section))
        if members:
            found.append(RowGroup(g["code"], g["label"], g["prefix"], members, g.get("parent")))
    return tuple(found)


def group_items(template: str, section: str, code: str) -> tuple[str, ...]:
    """The rows of one group (``withheld``: the eight reasons of （三）不予公开)."""
    return next((g.items for g in row_groups(template, section) if g.code == code), ())


def label_path(template: str, section: str, item: str) -> list[str]:
    """An item's label as the official table nests it, outermost first: ``三（三）1.属于国家秘密``
    -> [三、本年度办理结果, （三）不予公开, 1.属于国家秘密]."""
    groups = [g for g in row_groups(template, section) if item in g.items]
    label = item_label(template, section, item)
    return [*(g.label for g in groups), label.removeprefix(groups[-1].prefix if groups else "")]


@cache
def column_groups(section: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Columns under one spanning heading (法人或其他组织 over five kinds of applicant)."""
    return tuple((g["label"], tuple(g["measures"]))
                 for g in structure()["sections"][section].get("column_groups", ()))


def section_text(section: str, name: str) -> str:
    """A fixed text of a section's drawing: ``row_heading`` (信息内容), ``column_heading``
    (申请人情况), ``corner`` (the template's own statement of requests.balance)."""
    return structure()["sections"][section].get(name, "")


@cache
def subtables(template: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Section 二's sub-tables: (caption 第二十条第（一）项, its items), in printed order."""
    found = tuple((t["caption"], tuple(t["items"])) for t in structure()["subtables"][template])
    if tuple(i for _, group in found for i in group) != items(template, "active"):
        raise EtlError(f"{template}/active: the sub-tables do not cover the template's items")
    return found


def template_markers() -> dict[str, tuple[str, ...]]:
    """Per template, the column headings of section 二 that tell it."""
    return {t: tuple(words) for t, words in structure()["template_markers"].items()}


def table_markers() -> tuple[str, ...]:
    """Words that occur only on pages carrying one of the three tables."""
    return tuple(structure()["table_markers"])


@cache
def label_aliases(section: str) -> dict[str, str]:
    """Row labels as real reports print them, normalized -> item code."""
    return {normalize_label(k): v
            for k, v in structure()["label_aliases"].get(section, {}).items()}


def value_columns(template: str, section: str) -> int:
    """How many value columns the printed table has: the appeals table prints its three
    groups side by side in one row (15), requests its applicants and total (7)."""
    width = len(measures(template, section))
    return width * len(items(template, section)) if section == "appeals" else width


@dataclass(frozen=True)
class Identity:
    """One single-report identity: sum of ``expected`` cells = sum of ``actual`` cells."""

    rule: str
    subject: str  # the measure (column identity) or item (row identity) it concerns
    expected: tuple[Key, ...]
    actual: tuple[Key, ...]
    statement: str
    per: str  # ``measure``: it checks a column; ``item``: a row


def _operands(template: str, section: str, names: list[str], per: str) -> tuple[str, ...]:
    """Items (per measure) or measures (per item), a ``{group}`` standing for its rows
    other than the total row."""
    out: list[str] = []
    for name in names:
        if name.startswith("{"):
            rows = group_items(template, section, name.strip("{}"))
            out += [r for r in rows if r != "handled_total"]
        else:
            out.append(name)
    return tuple(out)


@cache
def identities(template: str) -> tuple[Identity, ...]:
    """Every single-report identity of ``template`` with the cells it adds up, in the order of
    ``gidar-structure.yml``: the one definition the checks, the workbook's live formulas and
    the site all read."""
    found: list[Identity] = []
    for rule in structure()["identities"]:
        section, per = rule["section"], rule["per"]
        exp = _operands(template, section, rule["expected"], per)
        act = _operands(template, section, rule["actual"], per)
        if per == "measure":
            for m in measures(template, section):
                found.append(Identity(rule["rule"], m, tuple((section, i, m) for i in exp),
                                      tuple((section, i, m) for i in act), rule["statement"],
                                      per))
        else:
            for i in items(template, section):
                found.append(Identity(rule["rule"], i, tuple((section, i, m) for m in exp),
                                      tuple((section, i, m) for m in act), rule["statement"],
                                      per))
    return tuple(found)


@dataclass(frozen=True)
class ChainIdentity:
    """A cross-year identity: previous year's ``previous`` + this year's ``plus`` − ``minus``
    = this year's ``actual``."""

    rule: str
    subject: str
    previous: Key
    plus: tuple[Key, ...]
    minus: tuple[Key, ...]
    actual: Key
    statement: str


@cache
def chain_identities(template: str, previous_template: str) -> tuple[ChainIdentity, ...]:
    """The cross-year identities between a report of ``template`` and the same agency's report
    of the year before (of ``previous_template``): subjects both templates have."""
    found: list[ChainIdentity] = []
    for rule in structure()["chain_identities"]:
        if not {template, previous_template} <= set(rule.get("templates", TEMPLATES)):
            continue
        section = rule["section"]
        if rule["per"] == "measure":
            subjects = [m for m in measures(template, section)
                        if m in measures(previous_template, section)]
            cell = lambda name, s, sec=section: (sec, name, s)  # noqa: E731
        else:
            subjects = list(rule["items"])
            cell = lambda name, s, sec=section: (sec, s, name)  # noqa: E731
        for s in subjects:
            found.append(ChainIdentity(
                rule["rule"], s, cell(rule["previous"], s),
                tuple(cell(n, s) for n in rule["plus"]), tuple(cell(n, s) for n in rule["minus"]),
                cell(rule["actual"], s), rule["statement"]))
    return tuple(found)


def chain_cells() -> set[Key]:
    """Every cell a cross-year identity reads, of either template (what the loader fetches
    to evaluate them)."""
    return {k for t in TEMPLATES for p in TEMPLATES for c in chain_identities(t, p)
            for k in (c.previous, *c.plus, *c.minus, c.actual)}


def rule_title(rule: str) -> str:
    """A rule's short Chinese name (``requests.balance`` -> 收支平衡); the code if unknown."""
    for r in (*structure()["identities"], *structure()["chain_identities"]):
        if r["rule"] == rule:
            return r.get("title", rule)
    return rule


@dataclass(frozen=True)
class Total:
    """A headline number of a report (see ``totals`` in gidar-structure.yml)."""

    column: str  # in report_totals
    label: str  # as the site shows it
    of: str = ""  # a requests row or row group: its 总计 column (summed)
    appeals: str = ""  # an appeals column, summed over the table's rows
    outcome: bool = False  # one of section 三's outcomes


@cache
def totals() -> tuple[Total, ...]:
    """A report's headline numbers, in the order the site shows them."""
    return tuple(Total(**t) for t in structure()["totals"])


def rule_description(rule: str) -> str:
    """A rule's meaning in a sentence of Chinese, for the people reading a check."""
    for r in (*structure()["identities"], *structure()["chain_identities"]):
        if r["rule"] == rule:
            return r["description"]
    return rule


@cache
def applicants() -> tuple[str, ...]:
    """The applicant columns of the requests table, in printed order (``total`` after them):
    the operands of requests.row_total."""
    return next(tuple(r["expected"]) for r in structure()["identities"]
                if r["rule"] == "requests.row_total")
