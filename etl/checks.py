"""The accounting identities of the official format, as pure functions of a report.

The identities themselves are data (``etl.template.identities``, from
``gidar-structure.yml``); this module evaluates them. A rule whose operands are not all
known is not evaluated (no invented zeros), so it yields no result rather than a false
failure; ``unevaluable`` lists those whose known operands say a number is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl import template as tpl
from etl.report import Number, Report

# Tolerance of every identity: 万元 amounts are printed with up to four decimals.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class CheckResult:
    rule: str
    subject: str  # the item or measure the identity concerns
    expected: Number
    actual: Number

    @property
    def ok(self) -> bool:
        return abs(self.expected - self.actual) < TOLERANCE


def sum_known(values: list[Number | None]) -> Number | None:
    """The sum, or None when any operand is unknown: an identity over a blank is not
    evaluated, never evaluated as if the blank were 0."""
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def check_report(report: Report) -> list[CheckResult]:
    """Every single-report identity that can be evaluated on ``report``."""
    results: list[CheckResult] = []
    for ident in tpl.identities(report.template):
        expected = sum_known([report.cells[k].value for k in ident.expected])
        actual = sum_known([report.cells[k].value for k in ident.actual])
        if expected is not None and actual is not None:
            results.append(CheckResult(ident.rule, ident.subject, expected, actual))
    return results


def check_chain(report: Report, previous: Report) -> list[CheckResult]:
    """Cross-year identities between ``report`` and the same agency's report of the year before."""
    results: list[CheckResult] = []
    for ident in tpl.chain_identities(report.template, previous.template):
        prev = previous.cells[ident.previous].value
        plus = sum_known([report.cells[k].value for k in ident.plus])
        minus = sum_known([report.cells[k].value for k in ident.minus])
        actual = report.cells[ident.actual].value
        if None not in (prev, plus, minus, actual):
            results.append(CheckResult(ident.rule, ident.subject,
                                       prev + plus - minus, actual))  # type: ignore[operator]
    return results


@dataclass(frozen=True)
class Gap:
    """An identity that cannot be evaluated although its known operands are not all 0: a
    blank total beside non-zero parts, say. ``missing``: the cells without a value."""

    rule: str
    subject: str
    missing: tuple[tuple[str, str, str], ...]


def unevaluable(report: Report) -> list[Gap]:
    """Identities left unevaluated by a missing operand while another operand is known and
    non-zero: a miss of that shape must never be silent (all blank, or blanks beside
    zeros, is how reports print nothing to count, and says nothing)."""
    gaps: list[Gap] = []
    for ident in tpl.identities(report.template):
        keys = (*ident.expected, *ident.actual)
        values = [report.cells[k].value for k in keys]
        if None in values and any(v not in (None, 0) for v in values):
            gaps.append(Gap(ident.rule, ident.subject,
                            tuple(k for k, v in zip(keys, values, strict=True) if v is None)))
    return gaps
