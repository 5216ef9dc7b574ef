"""Datasette in-process on the sample database with metadata.yml."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette

from etl.cli import cli
from etl.publish import datasette_args
from tests.conftest import REPO

METADATA = yaml.safe_load((REPO / "metadata.yml").read_text(encoding="utf-8"))
QUERIES = METADATA["databases"]["ogi"]["queries"]


def _get(db: Path, url: str) -> tuple[int, object]:
    async def go() -> tuple[int, object]:
        ds = Datasette([str(db)], metadata=METADATA)
        response = await ds.client.get(url)
        return response.status_code, response.json() if response.status_code == 200 else None
    return asyncio.run(go())


def test_reports_table_lists_the_samples(sample_db: Path) -> None:
    status, rows = _get(sample_db, "/ogi/reports.json?_shape=array")
    assert status == 200
    assert sorted(r["agency"] for r in rows) == sorted([
        "吴忠市人民政府办公室", "红寺堡区", "吴忠市", "平罗县人民政府办公室",
        "中宁县人民政府办公室"])


def test_reports_facets(sample_db: Path) -> None:
    status, data = _get(sample_db, "/ogi/reports.json")
    facets = data["facet_results"]
    facets = facets.get("results", facets)
    assert {"template", "year"} <= set(facets)
    assert {f["value"] for f in facets["template"]["results"]} == {"2021", "2019"}


PARAMS = {"report_requests": "agency=吴忠市"}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_canned_query_returns_rows(sample_db: Path, name: str) -> None:
    if name == "failed_checks":
        pytest.skip("the samples break no identity; covered by test_failed_checks_query")
    status, rows = _get(sample_db, f"/ogi/{name}.json?_shape=array&{PARAMS.get(name, '')}")
    assert status == 200 and rows, name


def test_report_requests_query_shows_the_wide_table(sample_db: Path) -> None:
    _, rows = _get(sample_db, "/ogi/report_requests.json?_shape=array&agency=平罗县")
    first = rows[0]
    assert first["项目"] == "一、本年新收政府信息公开申请数量"
    assert (first["自然人"], first["总计"]) == (13, 13)
    assert len(rows) == 25


def test_failed_checks_query(sheets: Path, tmp_path: Path) -> None:
    import openpyxl

    from etl.load import load

    wb = openpyxl.load_workbook(sheets / "000_59d377ad04b23a3b.xlsx")
    wb["appeals"]["G4"] = 4  # review total 4 beside 3 + 0 + 0 + 0
    wb.save(sheets / "000_59d377ad04b23a3b.xlsx")
    db = tmp_path / "ogi.db"
    load(sheets, db)
    _, rows = _get(db, "/ogi/failed_checks.json?_shape=array")
    assert [(r["规则"], r["项"], r["应为"], r["实为"]) for r in rows] == [
        ("appeals.row_total", "review", 3, 4)]


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "none.db: no database yet" in result.output


def test_serve_arguments(sample_db: Path) -> None:
    args = datasette_args(sample_db, REPO / "metadata.yml", "127.0.0.1", 8123)
    assert args[1:4] == ["-m", "datasette", "serve"] and "--metadata" in args and "8123" in args
