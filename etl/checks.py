"""The accounting identities of the official format, as pure functions of a report.

Rule names are those of ``gidar-format.md``. A rule whose operands are not all known is not
evaluated (no invented zeros), so it yields no result rather than a false failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl import template as tpl
from etl.report import Number, Report

# Tolerance for 万元 amounts printed with four decimals.
_EPS = 1e-6


@dataclass(frozen=True)
class CheckResult:
    rule: str
    subject: str  # the item or measure the identity concerns
    expected: Number
    actual: Number

    @property
    def ok(self) -> bool:
        return abs(self.expected - self.actual) < _EPS


def _sum(values: list[Number | None]) -> Number | None:
    return None if any(v is None for v in values) else sum(values)  # type: ignore[arg-type]


def _outcomes(template: str) -> list[str]:
    """The outcome rows of 三、本年度办理结果, which add up to ``handled_total``."""
    rows = tpl.items(template, "requests")
    return rows[rows.index("granted"):rows.index("handled_total")]


def check_report(report: Report) -> list[CheckResult]:
    """Every single-report identity that can be evaluated on ``report``."""
    t, v = report.template, report.value
    results: list[CheckResult] = []

    def add(rule: str, subject: str, expected: Number | None, actual: Number | None) -> None:
        if expected is not None and actual is not None:
            results.append(CheckResult(rule, subject, expected, actual))

    for m in tpl.measures(t, "requests"):
        add("requests.balance", m,
            _sum([v("requests", "new", m), v("requests", "carried_in", m)]),
            _sum([v("requests", "handled_total", m), v("requests", "carried_out", m)]))
    for m in tpl.measures(t, "requests"):
        add("requests.handled_sum", m,
            _sum([v("requests", i, m) for i in _outcomes(t)]),
            v("requests", "handled_total", m))
    for i in tpl.items(t, "requests"):
        add("requests.row_total", i,
            _sum([v("requests", i, a) for a in tpl.APPLICANTS]),
            v("requests", i, "total"))
    for i in tpl.items(t, "appeals"):
        add("appeals.row_total", i,
            _sum([v("appeals", i, m) for m in ("upheld", "corrected", "other", "pending")]),
            v("appeals", i, "total"))
    return results


def check_chain(report: Report, previous: Report) -> list[CheckResult]:
    """Cross-year identities between ``report`` and the same agency's report of the year before."""
    results: list[CheckResult] = []
    for m in tpl.measures(report.template, "requests"):
        if m in tpl.measures(previous.template, "requests"):
            exp, act = previous.value("requests", "carried_out", m), report.value(
                "requests", "carried_in", m)
            if exp is not None and act is not None:
                results.append(CheckResult("requests.carry_chain", m, exp, act))
    if report.template == previous.template == "2021":
        for item in ("rules", "normative_docs"):
            prev, issued, repealed, now = (
                previous.value("active", item, "in_force"), report.value("active", item, "issued"),
                report.value("active", item, "repealed"), report.value("active", item, "in_force"))
            if None not in (prev, issued, repealed, now):
                results.append(CheckResult("active.in_force_chain", item,
                                           prev + issued - repealed, now))  # type: ignore[operator]
    return results
