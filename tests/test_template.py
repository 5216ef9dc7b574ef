"""The structure data (gidar-structure.yml) agrees with the cell list (gidar-cells.csv): every
code it names exists, the nesting covers the rows the official tables nest, and each identity
adds up cells the template has."""

from __future__ import annotations

import fnmatch

import pytest

from etl import template as tpl
from etl.checks import check_chain, check_report, unevaluable
from etl.report import Report


@pytest.mark.parametrize("template", tpl.TEMPLATES)
def test_every_code_the_structure_names_is_in_the_cell_list(template: str) -> None:
    data = tpl.structure()
    for section, groups in data["row_groups"].items():
        codes = tpl.items(template, section)
        for group in groups:
            for pattern in group["items"]:
                # （六）其他处理 has sub-rows only in 2021; every other pattern matches rows
                if not (template == "2019" and pattern == "other_*"):
                    assert fnmatch.filter(codes, pattern), (template, group["code"], pattern)
    for section, aliases in data["label_aliases"].items():
        assert set(aliases.values()) <= set(tpl.items(template, section))
    for label, measures in tpl.column_groups("requests"):
        assert set(measures) <= set(tpl.measures(template, "requests")), label
    spec = tpl.spec_index(template)
    for ident in tpl.identities(template):
        assert ident.expected and ident.actual
        assert all(k in spec for k in (*ident.expected, *ident.actual)), ident
    for previous in tpl.TEMPLATES:
        for chain in tpl.chain_identities(template, previous):
            assert all(k in spec for k in (*chain.plus, *chain.minus, chain.actual)), chain
            assert chain.previous in tpl.spec_index(previous), chain


@pytest.mark.parametrize("template", tpl.TEMPLATES)
def test_nesting_follows_the_printed_labels(template: str) -> None:
    """A row nested under a group carries that group's numbering in its official label
    (三（三）1.属于国家秘密 under （三）不予公开), and every outcome row is under 三."""
    rows = tpl.items(template, "requests")
    for item in rows:
        path = tpl.label_path(template, "requests", item)
        label = tpl.item_label(template, "requests", item)
        assert "".join(path).endswith(path[-1]) and label.endswith(path[-1])
        assert (path[0] == "三、本年度办理结果") == label.startswith("三"), item
    assert tpl.label_path(template, "requests", "withheld_state_secret") == [
        "三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"]
    assert tpl.label_path(template, "appeals", "litigation_direct") == [
        "行政诉讼", "未经复议直接起诉"]


def test_the_two_templates_differ_where_the_format_says() -> None:
    assert tpl.group_items("2021", "requests", "other") == (
        "other_no_correction", "other_no_fee", "other_misc")
    assert tpl.group_items("2019", "requests", "other") == ()
    assert [c for c, _ in tpl.subtables("2019")][-1] == "第二十条第（九）项"
    assert len(tpl.subtables("2021")) == 4
    assert tpl.value_columns("2021", "appeals") == 15
    assert tpl.value_columns("2019", "requests") == 7


def _full(template: str, value: int = 1) -> Report:
    report = Report("x", template)
    for cell in report.cells.values():
        cell.value = value
    return report


@pytest.mark.parametrize("template", tpl.TEMPLATES)
def test_checks_evaluate_every_identity_of_the_template(template: str) -> None:
    """On a report with every cell known, each identity yields one result, in order; the
    handled_sum of a column adds every outcome row (19 rows of 1 in 2019, 21 in 2021)."""
    results = check_report(_full(template))
    assert [(r.rule, r.subject) for r in results] == [
        (i.rule, i.subject) for i in tpl.identities(template)]
    handled = next(r for r in results if r.rule == "requests.handled_sum")
    outcomes = {"2021": 21, "2019": 19}[template]
    assert (handled.expected, handled.actual) == (outcomes, 1)
    row = next(r for r in results if r.rule == "requests.row_total")
    assert (row.expected, row.actual) == (6, 1)


def test_a_blank_operand_beside_non_zero_parts_is_a_gap_not_a_result() -> None:
    report = _full("2021", 0)
    report.cells[("appeals", "review", "upheld")].value = 3
    report.cells[("appeals", "review", "total")].value = None
    assert not any(r.rule == "appeals.row_total" and r.subject == "review"
                   for r in check_report(report))
    gaps = unevaluable(report)
    assert [(g.rule, g.subject, g.missing) for g in gaps] == [
        ("appeals.row_total", "review", (("appeals", "review", "total"),))]
    report.cells[("appeals", "review", "upheld")].value = 0  # blanks beside zeros say nothing
    assert unevaluable(report) == []


def test_in_force_chain_only_between_2021_reports() -> None:
    now, before = _full("2021", 2), _full("2021", 2)
    results = {(r.rule, r.subject): r for r in check_chain(now, before)}
    assert results[("active.in_force_chain", "rules")].expected == 2 + 2 - 2
    assert ("requests.carry_chain", "total") in results
    mixed = {r.rule for r in check_chain(now, _full("2019", 2))}
    assert mixed == {"requests.carry_chain"}
