"""A report's three tables laid out as the official template prints them, for its page.

Pure functions of the template (``etl.template``: row nesting, column groups, sub-tables)
and of the report's cells with their marks: a grid is header rows and body rows of cells
(``th``/``td`` with text, row and column spans, classes and a tooltip), drawn by
``templates/ogi_report.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import takewhile

from etl import template as tpl

Key = tuple[str, str, str]


@dataclass
class GridCell:
    text: str
    tag: str = "td"
    rowspan: int = 1
    colspan: int = 1
    cls: str = ""
    title: str = ""
    note: str = ""  # a second line (the value before a correction)


@dataclass
class Grid:
    caption: str = ""
    head: list[list[GridCell]] = field(default_factory=list)
    body: list[list[GridCell]] = field(default_factory=list)


CellView = Callable[[Key], GridCell]  # the td of one cell of the report


def _th(text: str, rowspan: int = 1, colspan: int = 1) -> GridCell:
    return GridCell(text, "th", rowspan, colspan)


def _run(paths: list[list[str]], i: int, n: int) -> int:
    """How many rows from ``i`` on share the first ``n`` labels of row ``i``."""
    prefix = paths[i][:n]
    return sum(1 for _ in takewhile(lambda p: p[:n] == prefix, paths[i:]))


def _label_columns(paths: list[list[str]], depth: int) -> list[list[GridCell]]:
    """The label cells of each row: a group's label once, spanning its rows; the leaf label
    spanning the label columns its row does not nest into."""
    rows = []
    for i, path in enumerate(paths):
        row = []
        for k, label in enumerate(path[:-1]):
            if i and paths[i - 1][:k + 1] == path[:k + 1]:
                continue  # under the label of a row above
            row.append(_th(label, rowspan=_run(paths, i, k + 1)))
        row.append(_th(path[-1], colspan=depth - len(path) + 1))
        rows.append(row)
    return rows


def requests_grid(template: str, cell: CellView) -> Grid:
    """Section 三: the corner statement, 申请人情况 over the applicant columns (法人或其他组织
    over its five), then a row per item nested under 三、本年度办理结果 and its groups."""
    section = "requests"
    items = tpl.items(template, section)
    paths = [tpl.label_path(template, section, i) for i in items]
    depth = max(len(p) for p in paths)
    measures = tpl.measures(template, section)
    grouped = {m: (label, ms) for label, ms in tpl.column_groups(section) for m in ms}
    second: list[GridCell] = []
    third: list[GridCell] = []
    for m in measures:
        label = tpl.measure_label(template, section, m)
        if m not in grouped:
            second.append(_th(label, rowspan=2))
            continue
        group, members = grouped[m]
        if m == members[0]:
            second.append(_th(group, colspan=len(members)))
        third.append(_th(label))
    head = [[_th(tpl.section_text(section, "corner"), rowspan=3, colspan=depth),
             _th(tpl.section_text(section, "column_heading"), colspan=len(measures))],
            second, third]
    body = [labels + [cell((section, item, m)) for m in measures]
            for item, labels in zip(items, _label_columns(paths, depth), strict=True)]
    return Grid("", head, body)


def appeals_grid(template: str, cell: CellView) -> Grid:
    """Section 四 as printed: 行政复议 and 行政诉讼 (未经复议直接起诉, 复议后起诉) side by
    side, each with its five columns, in one row of values."""
    section = "appeals"
    items = tpl.items(template, section)
    measures = tpl.measures(template, section)
    paths = [tpl.label_path(template, section, i) for i in items]
    depth = max(len(p) for p in paths)
    head: list[list[GridCell]] = []
    for level in range(depth):
        row = []
        for i, path in enumerate(paths):
            if len(path) <= level or (i and paths[i - 1][:level + 1] == path[:level + 1]):
                continue
            rows = depth - level if level == len(path) - 1 else 1
            row.append(_th(path[level], rowspan=rows,
                           colspan=_run(paths, i, level + 1) * len(measures)))
        head.append(row)
    head.append([_th(tpl.measure_label(template, section, m)) for _ in items for m in measures])
    body = [[cell((section, item, m)) for item in items for m in measures]]
    return Grid("", head, body)


def active_grids(template: str, cell: CellView) -> list[Grid]:
    """Section 二: one grid per sub-table (第二十条第（一）项 …), each with its own columns."""
    section = "active"
    grids = []
    for caption, items in tpl.subtables(template):
        measures = list(dict.fromkeys(m for i in items
                                      for m in tpl.measures(template, section, i)))
        head = [[_th(tpl.section_text(section, "row_heading"))]
                + [_th(tpl.measure_label(template, section, m)) for m in measures]]
        body = []
        for item in items:
            own = tpl.measures(template, section, item)
            body.append([_th(tpl.item_label(template, section, item))]
                        + [cell((section, item, m)) if m in own
                           else GridCell("", cls="na", title="本表此栏不适用")
                           for m in measures])
        grids.append(Grid(caption, head, body))
    return grids
