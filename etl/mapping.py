"""Grids onto the template: which section a grid is (by how many value columns it prints),
which item each row is (by its printed label), which measure each column is (by its
heading, else by position), and the cells' values parsed from their printed text.

Both readers (ruled grid and text only) hand their grids to ``map_grid``; a
``CellCollector`` keeps the first reading of each cell of one report.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from etl import template as tpl
from etl.i18n import _
from etl.pdf import Grid, Span
from etl.report import (
    LOW_CONFIDENCE,
    NOT_A_NUMBER,
    OCR,
    OCR_SURE,
    Cell,
    Report,
    is_number_like,
    parse_number,
)

# Digits standing apart in one cell ("40 8"): a neighbour's text overflowing its border.
_SPLIT_DIGITS = re.compile(r"\d\s+\d")


def add_note(cell: Cell, note: str) -> None:
    """Append ``note`` to the cell's note (notes are read by a person: one sentence each)."""
    cell.note = f"{cell.note}；{note}" if cell.note else note


def match_label(text: str, keys: dict[str, str]) -> tuple[str | None, bool]:
    """Printed label -> (item code, confident). Exact match first, then a truncated or
    prefixed label, then a close spelling (not confident: the cells get flagged)."""
    norm = tpl.normalize_label(text)
    if not norm:
        return None, True
    if norm in keys:
        return keys[norm], True
    for key, item in keys.items():
        if min(len(key), len(norm)) >= 4 and (
            key.startswith(norm) or norm.startswith(key) or key.endswith(norm)
            or norm.endswith(key)
        ):
            return item, True
    close = difflib.get_close_matches(norm, keys, n=1, cutoff=0.8)
    return (keys[close[0]], False) if close else (None, True)


class CellCollector:
    """Collects the cells read for one report: the first reading of a cell wins."""

    def __init__(self, report: Report) -> None:
        self.report, self.page, self.seen = report, 0, set()
        self.spec = tpl.spec_index(report.template)
        # 2021 reports that print （六）其他处理 as one row: measure -> (span, page).
        self.merged_other: dict[str, tuple[Span, int]] = {}
        # The requests table's value columns as its header names them (see column_names).
        self.request_columns: list[str] | None = None

    def put(self, key: tuple[str, str, str], span: Span, confident: bool,
            by_order: bool = False) -> None:
        if key not in self.spec or key in self.seen:
            return
        self.seen.add(key)
        value, flags, note = parse_number(span.text, self.spec[key].kind)
        cell = Cell(*key, value=value, printed=span.text, page=self.page,
                    box=tuple(round(x, 2) for x in span.box), flags=flags, note=note,
                    confidence=span.confidence)
        if span.confidence is not None:
            cell.flags.append(OCR)
            if span.confidence < OCR_SURE and LOW_CONFIDENCE not in cell.flags:
                cell.flags.append(LOW_CONFIDENCE)
                add_note(cell, _("文字识别把握不大（{pct:.0f}%），请对照原图核对").format(
                    pct=span.confidence * 100))
        if by_order:
            cell.flags.append(LOW_CONFIDENCE)
            add_note(cell, _("行标签无法识别，按模板的行序放在此行，请核对"))
        elif not confident:
            cell.flags.append(LOW_CONFIDENCE)
            add_note(cell, _("行标签只是近似匹配，请核对"))
        if value is not None and _SPLIT_DIGITS.search(unicodedata.normalize("NFKC", span.text)):
            cell.flags.append(LOW_CONFIDENCE)
            add_note(cell, _("格内数字相隔：可能混入了相邻单元格的文字"))
        self.report.cells[key] = cell


def value_columns(grid: Grid) -> int:
    """How many trailing columns hold values: the widest trailing run of numeric cells."""
    k = 0
    for row in grid:
        leftmost = None
        for c in range(len(row) - 1, -1, -1):
            text = row[c].text
            if is_number_like(text):
                leftmost = c
            elif text and text not in NOT_A_NUMBER:
                break
        if leftmost is not None:
            k = max(k, len(row) - leftmost)
    return k


def section_by_width(k: int, template: str) -> str:
    """The section a grid of ``k`` value columns is: the appeals table prints all its
    cells side by side in one row, the requests table one column per applicant (its 总计
    column may be missing), section 二 fewer."""
    if k >= tpl.value_columns(template, "appeals"):
        return "appeals"
    if k >= len(tpl.applicants()):
        return "requests"
    return "active"


def column_names(grid: Grid, k: int, template: str) -> list[str] | None:
    """The requests table's value columns named by their printed headings (自然人 … 总计),
    when one header row names every one of them, each once; else None (then by position).
    A heading is matched by its end, so spanning headings above it do not matter."""
    labels = {tpl.normalize_label(tpl.measure_label(template, "requests", m)): m
              for m in tpl.measures(template, "requests")}
    for row in grid:
        names = [_heading_measure(span.text, labels, template) for span in row[len(row) - k:]]
        if all(names) and len(set(names)) == k:
            return names  # type: ignore[return-value]
    return None


def _heading_measure(text: str, labels: dict[str, str], template: str) -> str | None:
    text = tpl.normalize_label(text)
    hits = [m for lab, m in labels.items() if text.endswith(lab)]
    return max(hits, key=lambda m: len(tpl.measure_label(template, "requests", m)),
               default=None)


def _leaf_label(row: list[Span], label_cols: int) -> str:
    texts = [s.text for s in row[:label_cols] if s.text]
    return texts[-1] if texts else ""


def map_grid(grid: Grid, cells: CellCollector) -> None:
    """Put the cells of one table's grid (of the page ``cells.page``) into the report."""
    k = value_columns(grid)
    if k == 0:
        return
    section = section_by_width(k, cells.report.template)
    if section == "appeals":
        _map_appeals(grid, cells)
    elif section == "requests":
        _map_requests(grid, k, cells)
    else:
        _map_active(grid, k, cells)


def _map_appeals(grid: Grid, cells: CellCollector) -> None:
    """The appeals table has no row labels: its one data row is the last fully numeric one,
    its groups side by side."""
    t = cells.report.template
    width = tpl.value_columns(t, "appeals")
    groups, measures = tpl.items(t, "appeals"), tpl.measures(t, "appeals")
    for row in reversed(grid):
        values = row[len(row) - width:]
        if any(is_number_like(s.text) for s in values) and all(
                is_number_like(s.text) or not s.text or s.text in NOT_A_NUMBER for s in values):
            for n, span in enumerate(values):
                key = ("appeals", groups[n // len(measures)], measures[n % len(measures)])
                cells.put(key, span, True)
            return


def _row_keys(template: str, section: str) -> dict[str, str]:
    """Normalized printed label -> item: the template's labels and their known variants."""
    return {**{a: i for a, i in tpl.label_aliases(section).items()
               if i in tpl.items(template, section)}, **tpl.label_keys(template, section)}


def by_order(rows: list[tuple[str | None, bool]], order: tuple[str, ...]
             ) -> list[str | None]:
    """Items for rows whose label could not be read (an OCR'd label, ``None``), placed by
    the template's row order: a row between two matched rows whose items are as far apart
    in the template as the rows are in the grid; or every row, when none matched and the
    grid has exactly the template's rows. ``rows``: (item matched, has values) per row."""
    valued = [i for i, (_item, values) in enumerate(rows) if values]
    placed: list[str | None] = [None] * len(rows)
    if valued and all(rows[i][0] is None for i in valued) and len(valued) == len(order):
        for i, item in zip(valued, order, strict=True):
            placed[i] = item
        return placed
    matched = [(pos, order.index(rows[pos][0])) for pos in valued if rows[pos][0] in order]
    for (p0, i0), (p1, i1) in zip(matched, matched[1:], strict=False):
        between = [p for p in valued if p0 < p < p1]
        if between and len(between) == i1 - i0 - 1 and all(rows[p][0] is None for p in between):
            for n, p in enumerate(between, 1):
                placed[p] = order[i0 + n]
    return placed


def _place_unread(grid: Grid, k: int, found: list[tuple[str | None, bool]], section: str,
                  cells: CellCollector, names: list[str] | None = None) -> None:
    """OCR'd rows whose labels matched nothing, placed by order (flagged) where it is sure."""
    if not any(s.confidence is not None for row in grid for s in row):
        return  # the text layer's labels are what they are: no reading by order
    t = cells.report.template
    for row, item in zip(grid, by_order(found, tpl.items(t, section)), strict=True):
        if item is None:
            continue
        measures = names if names is not None else tpl.measures(t, section, item)
        for name, span in zip(measures, row[len(row) - k:], strict=False):
            cells.put((section, item, name), span, True, by_order=True)


def _has_values(row: list[Span], k: int) -> bool:
    return any(is_number_like(s.text) for s in row[len(row) - k:])


def _map_active(grid: Grid, k: int, cells: CellCollector) -> None:
    t = cells.report.template
    keys = _row_keys(t, "active")
    found = []
    for row in grid:
        item, confident = match_label(_leaf_label(row, len(row) - k), keys)
        found.append((item, _has_values(row, k)))
        if item is not None:
            for name, span in zip(tpl.measures(t, "active", item), row[len(row) - k:],
                                  strict=False):
                cells.put(("active", item, name), span, confident)
    _place_unread(grid, k, found, "active", cells)


def _map_requests(grid: Grid, k: int, cells: CellCollector) -> None:
    t = cells.report.template
    keys = _row_keys(t, "requests")
    # A part printed without the header rows takes the names of the part before it.
    named = column_names(grid, k, t) or (
        cells.request_columns if len(cells.request_columns or ()) == k else None)
    cells.request_columns = named or cells.request_columns
    by_position = list(tpl.measures(t, "requests"))  # the applicants, then 总计
    names = named or (by_position[:k] if k <= len(by_position) else [])
    found = []
    for row in grid:
        label = _leaf_label(row, len(row) - k)
        item, confident = match_label(label, keys)
        values = row[len(row) - k:]
        found.append((item, _has_values(row, k)))
        if item is not None:
            for name, span in zip(names, values, strict=False):
                cells.put(("requests", item, name), span, confident)
        elif is_merged_other(t, label):
            found[-1] = (item, False)
            for name, span in zip(names, values, strict=False):
                cells.merged_other.setdefault(name, (span, cells.page))
    _place_unread(grid, k, found, "requests", cells, names)


def other_subrows(template: str) -> tuple[str, ...]:
    """The sub-rows of （六）其他处理 (2021; the 2019 template has none), which some reports
    print as one row without them (洪泽)."""
    return tpl.group_items(template, "requests", "other")


def is_merged_other(template: str, label: str) -> bool:
    """Whether a row label no item matched is （六）其他处理 printed as one row."""
    if not other_subrows(template):
        return False
    group = next(g for g in tpl.row_groups(template, "requests") if g.code == "other")
    return tpl.normalize_label(label) == tpl.normalize_label(group.label)
