"""What the site's own pages show: a report laid out like the original, an agency over the
years, a report against its peers. Each function reads the database through Datasette
(``db.execute``: its threads and time limit) and returns plain data for a template."""

from __future__ import annotations

import statistics
from bisect import bisect_left
from typing import Any

from etl import template as tpl
from etl.report import DERIVED, decode_flags
from etl.site import grids, labels
from etl.site.tables import RATES, TOTALS, total_column

Key = tuple[str, str, str]
# The figures compared with peers and over the years, as report_summary names them.
PEER_FIGURES = ("新收申请", "办理总数", "公开率", "复议诉讼", "纠正率")
YEAR_FIGURES = (*TOTALS.values(), *RATES, "纠正率", "未通过检查")


async def _rows(db: Any, sql: str, params: dict | list | None = None) -> list[dict]:
    result = await db.execute(sql, params or {})
    return [dict(r) for r in result.rows]


class Marks:
    """Why a report's cells are shown the way they are: failed identities, corrections."""

    def __init__(self, template: str, checks: list[dict], corrections: list[dict]) -> None:
        self.failed: dict[Key, list[str]] = {}
        singles = {(i.rule, i.subject): i for i in tpl.identities(template)}
        chains = {(c.rule, c.subject): c for t in tpl.TEMPLATES
                  for c in tpl.chain_identities(template, t)}
        for k in checks:
            if k["ok"]:
                continue
            why = "{}不成立：应为 {}，实为 {}".format(
                labels.rule_label(k["rule"]), labels.number(k["expected"]),
                labels.number(k["actual"]))
            found = singles.get((k["rule"], k["subject"]))
            keys = found.actual if found else ()
            chain = chains.get((k["rule"], k["subject"]))
            if chain is not None:
                keys = (chain.actual,)
            for key in keys:
                self.failed.setdefault(key, []).append(why)
        self.corrected = {(x["section"], x["item"], x["measure"]): x for x in corrections}


def cell_view(cell: dict | None, key: Key, marks: Marks) -> grids.GridCell:
    """One value as the report page shows it: the number with separators, or what was
    printed, or （空）; classes and a tooltip for blank, derived, flagged, failed, corrected."""
    if cell is None:
        return grids.GridCell("", cls="na", title="本报告的模板没有这一格")
    value, flags = cell["value"], decode_flags(cell["flags"] or "")
    classes, why = ["num"], []
    text = labels.number(value) if value is not None else (cell["printed"] or "（空）")
    if value is None:
        classes.append("blank")
    if DERIVED in flags:
        classes.append("derived")
    if set(flags) - {DERIVED, "blank"}:
        classes.append("flagged")
    if flags:
        why.append(labels.flags_label(cell["flags"]))
    if cell["note"]:
        why.append(labels.note_label(cell["note"]))
    if cell["printed"] not in (None, "") and cell["printed"] != text:
        why.append(f"原表所印：{cell['printed']}")
    if key in marks.failed:
        classes.append("failed")
        why += marks.failed[key]
    note = ""
    if key in marks.corrected:
        x = marks.corrected[key]
        classes.append("corrected")
        note = f"原为 {labels.number(x['extracted'])}"
        why.append(f"审核人{x['reviewer'] or ''}更正：{note}，改为 "
                   f"{labels.number(x['corrected'])}（{x['address']}）")
    return grids.GridCell(text, cls=" ".join(classes), title="；".join(w for w in why if w),
                          note=note)


def _check_row(k: dict) -> dict:
    rule = k["rule"]
    return {"rule": labels.rule_label(rule), "code": rule,
            "statement": tpl.rule_description(rule),
            "subject": labels.subject_label(rule, k["subject"]),
            "expected": k["expected"], "actual": k["actual"], "ok": bool(k["ok"]),
            "diff": (k["actual"] - k["expected"]) if None not in (k["actual"], k["expected"])
            else None, "previous": k["previous_report_id"]}


async def report_page(db: Any, report_id: str) -> dict | None:
    """Everything the report page shows, or None if there is no such report."""
    found = await _rows(db, "SELECT * FROM reports WHERE report_id = :id", {"id": report_id})
    if not found:
        return None
    report = found[0]
    summary = (await _rows(db, "SELECT * FROM report_summary WHERE report_id = :id",
                           {"id": report_id}) or [{}])[0]
    cells = {(c["section"], c["item"], c["measure"]): c for c in await _rows(
        db, "SELECT section, item, measure, value, printed, flags, note, page FROM cells "
            "WHERE report_id = :id", {"id": report_id})}
    checks = await _rows(db, "SELECT * FROM checks WHERE report_id = :id ORDER BY ok, rule, "
                             "subject", {"id": report_id})
    corrections = await _rows(db, "SELECT * FROM corrections_in_force WHERE report_id = :id "
                                  "ORDER BY logged_at", {"id": report_id})
    narrative = await _rows(db, "SELECT section, title, text FROM narrative WHERE report_id "
                                "= :id ORDER BY section", {"id": report_id})
    template = report["template"]
    marks = Marks(template, checks, corrections)

    def view(key: Key) -> grids.GridCell:
        return cell_view(cells.get(key), key, marks)

    sections = [(tpl.section_title("active"), grids.active_grids(template, view)),
                (tpl.section_title("requests"), [grids.requests_grid(template, view)]),
                (tpl.section_title("appeals"), [grids.appeals_grid(template, view)])]
    return {"report": report, "summary": summary, "sections": sections,
            "checks": [_check_row(k) for k in checks], "failed": sum(not k["ok"] for k in checks),
            "corrections": [{**x, "section_label": labels.SECTION_SHORT.get(x["section"]),
                             "cell": labels.code_label(x["section"], x["item"]),
                             "column": labels.code_label(x["section"], x["measure"])}
                            for x in corrections],
            "narrative": narrative, "peers": await peers(db, summary),
            "level": labels.LEVEL_LABELS.get(report.get("level") or "", report.get("level")),
            "status": labels.STATUS_LABELS.get(report["status"], report["status"])}


def _standing(values: list[float], x: float | None) -> dict:
    """Peers' count and median, and the share of them below ``x`` (per cent)."""
    known = sorted(v for v in values if v is not None)
    if not known:
        return {"n": 0, "median": None, "below": None}
    below = None if x is None else round(100.0 * bisect_left(known, x) / len(known), 1)
    return {"n": len(known), "median": statistics.median(known), "below": below}


async def peers(db: Any, summary: dict) -> list[dict]:
    """The report against the reports of the same level and year in its city, and in its
    province: for each figure, the peers' median and the share of peers below it."""
    if not summary.get("层级") or not summary.get("年度"):
        return []
    cols = ", ".join(f'"{f}"' for f in PEER_FIGURES)
    scopes = []
    for scope, column in (("同市", "市"), ("全省", "省")):
        if not summary.get(column):
            continue
        rows = await _rows(db, f'SELECT {cols} FROM report_summary WHERE "{column}" = :place '
                               'AND "年度" = :year AND "层级" = :level',
                           {"place": summary[column], "year": summary["年度"],
                            "level": summary["层级"]})
        scopes.append({"scope": f"{scope}{summary['层级']}（{summary[column]}，{len(rows)} 份）",
                       "figures": [{"figure": f, "value": summary.get(f),
                                    **_standing([r[f] for r in rows], summary.get(f))}
                                   for f in PEER_FIGURES]})
    return scopes


async def agency_page(db: Any, key: str) -> dict | None:
    """An agency over the years: its names, each year's figures side by side, section 三's and
    四's totals by year, its cross-year breaks, and its latest report against its peers."""
    agency = await _rows(db, "SELECT * FROM agencies WHERE agency_key = :k", {"k": key})
    if not agency:
        return None
    years = await _rows(db, 'SELECT * FROM report_summary WHERE agency_key = :k '
                            'ORDER BY "年度", report_id', {"k": key})
    ids = [y["report_id"] for y in years]
    listed = ", ".join(f":r{i}" for i in range(len(ids)))
    params = {f"r{i}": r for i, r in enumerate(ids)}
    wide = {}
    for section in ("requests", "appeals"):
        total = total_column(section)
        rows = await _rows(db, f'SELECT report_id, "项目代码", "项目", "行序", "{total}" AS total '
                               f'FROM {section}_wide WHERE report_id IN ({listed}) ORDER BY "行序"',
                           params)
        items = list(dict.fromkeys((r["项目代码"], r["项目"]) for r in rows))
        values = {(r["项目代码"], r["report_id"]): r["total"] for r in rows}
        wide[section] = [{"label": label, "cells": [values.get((code, i)) for i in ids]}
                         for code, label in items]
    breaks = await _rows(db, 'SELECT * FROM check_failures WHERE agency_key = :k AND "类别" = '
                             "'跨年' ORDER BY \"年度\", \"规则\"", {"k": key})
    return {"agency": agency[0], "years": years,
            "figures": [{"figure": f, "cells": [y.get(f) for y in years]}
                        for f in YEAR_FIGURES],
            "requests": wide["requests"], "appeals": wide["appeals"], "breaks": breaks,
            "peers": await peers(db, years[-1]) if years else []}
