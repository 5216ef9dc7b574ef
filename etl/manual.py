"""Manual entry: a blank review workbook for a report that cannot be extracted (a scan),
typed in by hand; it then loads like any other."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from etl import template as tpl
from etl.errors import EtlError
from etl.i18n import _
from etl.report import Report
from etl.sheets import write_workbook
from etl.sheets_read import read_workbook

_ID_AGENCY_MAX = 40  # characters of the agency kept in an id (a file name stays well short)


def manual_report_id(agency: str, year: int) -> str:
    """A readable, stable id for a manually entered report: ``<agency>_<year>_手工``, the
    agency with anything but letters, digits and ``-`` replaced by ``_`` (so it is safe as a
    file name and a URL part). One agency, one year: one report, whatever the template."""
    name = re.sub(r"[^\w-]+", "_", agency.strip()).strip("_")[:_ID_AGENCY_MAX].strip("_")
    if not name:
        raise EtlError(_("机关名称“{agency}”里没有可用作编号的文字").format(agency=agency))
    return f"{name}_{year}_手工"


def blank_report(agency: str, year: int, template: str | None = None) -> Report:
    """An empty report for manual entry: every value empty, status ``extracted``, its id from
    agency and year (its place follows the agency name wherever it is shown)."""
    template = template or tpl.default_template(year)
    if template not in tpl.TEMPLATES:
        raise EtlError(_("模板只能是 {choices}，不能是 {template}").format(
            choices="、".join(tpl.TEMPLATES), template=template))
    return Report(report_id=manual_report_id(agency, year), template=template,
                  agency=agency, year=year,
                  extracted_at=datetime.now(UTC).isoformat(timespec="seconds"),
                  note="手工录入（无可提取的 PDF）")


def write_template(agency: str, year: int, template: str | None, sheets_dir: str | Path
                   ) -> Path:
    """Write the blank workbook of ``blank_report`` into ``sheets_dir``. Never overwrites: an
    agency has one report a year, so a second template for the same agency and year is
    refused, saying which template the existing workbook has."""
    report = blank_report(agency, year, template)
    path = Path(sheets_dir) / f"{report.report_id}.xlsx"
    if path.exists():
        try:
            had: str | None = read_workbook(path).template
        except EtlError:
            had = None
        if had is not None and had != report.template:
            raise EtlError(_(
                "{path}：{agency} {year} 年的工作簿已经存在（{had} 版模板），没有改动。"
                "一个机关一年只有一份年报：若模板版本选错了，删除或移走这个文件后再运行"
                "（里面已填的数会一起删掉）").format(path=path, agency=agency, year=year,
                                                   had=had))
        raise EtlError(_("{path}：{agency} {year} 年的工作簿已经存在，没有覆盖").format(
            path=path, agency=agency, year=year))
    return write_workbook(report, path)
