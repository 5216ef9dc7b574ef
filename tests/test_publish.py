"""Datasette in-process on the sample database with metadata.yml: views, facets, every canned
query with the rows it must return, the dashboard, and the ``ogi serve`` command line."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from datasette.app import Datasette
from sqlite_utils import Database

from etl.cli import cli
from etl.layout import META_VALUE_COL, address, layout
from etl.load import load
from etl.publish import datasette_args, ensure_views, inspect_file, metadata_for
from tests.conftest import REPO

METADATA = yaml.safe_load((REPO / "metadata.yml").read_text(encoding="utf-8"))
QUERIES = METADATA["databases"]["ogi"]["queries"]
DASHBOARDS = METADATA["plugins"]["datasette-dashboards"]

NINGXIA = "宁夏回族自治区"
# report_id -> (province, city, county, adcode, level): plausible values for the samples, set
# here so these tests do not depend on how the loader infers them.
REGIONS = {
    "000_59d377ad04b23a3b": (NINGXIA, "吴忠市", None, "640300", "city"),
    "001_1f6271bab0582421": (NINGXIA, "吴忠市", "红寺堡区", "640303", "county"),
    "002_a9c952ea755c5d56": (NINGXIA, "吴忠市", None, "640300", "city"),
    "003_dca3b8d882aa9ceb": (NINGXIA, "石嘴山市", "平罗县", "640221", "county"),
    "004_dc6eabfeda6fcd8b": (NINGXIA, "中卫市", "中宁县", "640521", "county"),
    "000_prev_2023": (NINGXIA, "吴忠市", None, "640300", "city"),
}
NARRATIVE = [
    ("000_59d377ad04b23a3b", "一", "总体情况",
     "本机关健全依申请公开工作台账，规范受理、办理、答复流程，全年按期答复率100%。"),
    ("003_dca3b8d882aa9ceb", "五", "存在的主要问题及改进情况",
     "政策解读形式较为单一。下一步将丰富图解、视频等解读形式，并完善依申请公开工作台账。"),
    ("004_dc6eabfeda6fcd8b", "六", "其他需要报告的事项", "本年度未收取信息处理费。"),
]


def _set(wb: openpyxl.Workbook, template: str, key: tuple[str, str, str], value: Any) -> None:
    sheet, row, col = layout(template)[key]
    wb[sheet].cell(row, col, value)


def _set_meta(wb: openpyxl.Workbook, **fields: Any) -> None:
    for row in wb["meta"].iter_rows(min_row=2):
        if row[0].value in fields:
            row[META_VALUE_COL - 1].value = fields[row[0].value]


def build_site_db(sample_sheets: Path, out: Path) -> Path:
    """The sample workbooks plus a reviewed 2023 report of 吴忠市人民政府办公室 (so cross-year
    rules, year-on-year changes and corrections have rows), loaded by the real loader; then
    region columns, narrative text with its trigram index, and the views."""
    sheets = Path(shutil.copytree(sample_sheets, out / "sheets"))
    wb = openpyxl.load_workbook(sheets / "000_59d377ad04b23a3b.xlsx")
    _set_meta(wb, report_id="000_prev_2023", year=2023, status="reviewed", reviewer="张三")
    for measure in ("natural_person", "total"):
        _set(wb, "2021", ("requests", "new", measure), 30)  # 2024: 187, over 5 times
        _set(wb, "2021", ("requests", "carried_out", measure), 4)  # 2024 carried in 0
    wb.save(sheets / "000_prev_2023.xlsx")
    wb = openpyxl.load_workbook(sheets / "003_dca3b8d882aa9ceb.xlsx")
    _set_meta(wb, status="reviewed", reviewer="李四")
    wb.save(sheets / "003_dca3b8d882aa9ceb.xlsx")

    db_path = out / "ogi.db"
    result = load(sheets, db_path)
    assert len(result.loaded) == 6 and not result.refused, result.problems

    db = Database(db_path)
    have = set(db["reports"].columns_dict)
    for column in ("province", "city", "county", "adcode", "level"):
        if column not in have:
            db["reports"].add_column(column, str)
    for report_id, (province, city, county, adcode, level) in REGIONS.items():
        db["reports"].update(report_id, {"province": province, "city": city, "county": county,
                                         "adcode": adcode, "level": level})
    if "narrative" not in db.table_names():
        db["narrative"].create({"report_id": str, "section": str, "title": str, "text": str})
    db.execute("DELETE FROM narrative")
    db["narrative"].insert_all(dict(zip(("report_id", "section", "title", "text"), row,
                                        strict=True)) for row in NARRATIVE)
    if "narrative_fts" in db.table_names():
        db.execute("INSERT INTO narrative_fts (narrative_fts) VALUES ('rebuild')")
    else:
        db["narrative"].enable_fts(["title", "text"], tokenize="trigram", create_triggers=True)
    db.conn.commit()
    db.close()
    ensure_views(db_path)
    return db_path


@pytest.fixture(scope="session")
def site_db(sample_sheets: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site_db(sample_sheets, tmp_path_factory.mktemp("site"))


def _get(db: Path, url: str, metadata: dict = METADATA) -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        ds = Datasette(immutables=[str(db)], metadata=json.loads(json.dumps(metadata)))
        response = await ds.client.get(url)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.status_code, response.json()
        return response.status_code, response.text
    return asyncio.run(go())


def _query(db: Path, name: str, **params: str) -> list[dict]:
    qs = urlencode({"_shape": "array", **params})
    status, rows = _get(db, f"/ogi/{name}.json?{qs}")
    assert status == 200, (name, rows)
    return rows


# -- views -----------------------------------------------------------------------------------

def test_ensure_views_is_idempotent(site_db: Path) -> None:
    assert ensure_views(site_db) == []
    conn = sqlite3.connect(site_db)
    views = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert {"requests_wide", "appeals_wide", "active_wide", "report_summary"} <= views


def test_views_without_region_columns(sample_db: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(sample_db, tmp_path / "ogi.db"))
    conn = sqlite3.connect(db)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(reports)")}
    for (view,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'"
                                ).fetchall():
        conn.execute(f"DROP VIEW {view}")  # an older database: no views, no region columns
    for column in {"province", "city", "county", "adcode", "level"} & columns:
        conn.execute(f"ALTER TABLE reports DROP COLUMN {column}")
    conn.commit()
    assert set(ensure_views(db)) == {"requests_wide", "appeals_wide", "active_wide",
                                     "report_summary"}
    rows = conn.execute('SELECT 机关, 省, 层级, 新收申请 FROM report_summary '
                        'ORDER BY 新收申请 DESC').fetchall()
    assert rows[0] == ("吴忠市人民政府办公室", None, None, 187)
    # adding the columns later changes the views' definition: they are made again
    conn.execute("ALTER TABLE reports ADD COLUMN province TEXT")
    conn.commit()
    assert set(ensure_views(db)) == {"requests_wide", "appeals_wide", "active_wide",
                                     "report_summary"}


def test_requests_wide_view(site_db: Path) -> None:
    status, rows = _get(site_db, "/ogi/requests_wide.json?_shape=array&_size=max"
                                 "&report_id=003_dca3b8d882aa9ceb&_sort=行序")
    assert status == 200 and len(rows) == 25
    assert rows[0]["项目"] == "一、本年新收政府信息公开申请数量"
    assert (rows[0]["自然人"], rows[0]["总计"], rows[0]["市"]) == (13, 13, "石嘴山市")


def test_report_summary_view(site_db: Path) -> None:
    conn = sqlite3.connect(site_db)
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM report_summary WHERE report_id = ?",
                       ["000_59d377ad04b23a3b"]).fetchone()
    assert (row["新收申请"], row["办理总数"], row["予以公开"], row["部分公开"], row["无法提供"],
            row["其他处理"], row["结转下年"], row["层级"]) == (187, 186, 55, 10, 59, 62, 1, "city")
    assert row["予以公开"] + row["部分公开"] + row["无法提供"] + row["其他处理"] == row["办理总数"]


# -- tables and metadata ---------------------------------------------------------------------

def test_reports_table_lists_the_samples(sample_db: Path) -> None:
    status, rows = _get(sample_db, "/ogi/reports.json?_shape=array")
    assert status == 200
    assert sorted(r["agency"] for r in rows) == sorted([
        "吴忠市人民政府办公室", "红寺堡区", "吴忠市", "平罗县人民政府办公室",
        "中宁县人民政府办公室"])


def test_reports_facets(site_db: Path) -> None:
    status, data = _get(site_db, "/ogi/reports.json")
    facets = data["facet_results"]
    facets = facets.get("results", facets)
    assert {"province", "city", "level", "year", "template", "status"} <= set(facets)
    values = {name: {f["value"]: f["count"] for f in facet["results"]}
              for name, facet in facets.items()}
    assert values["template"] == {"2021": 5, "2019": 1}
    assert values["level"] == {"city": 3, "county": 3}
    assert values["city"]["吴忠市"] == 4
    assert values["status"] == {"extracted": 4, "reviewed": 2}


def test_cells_and_checks_facets(site_db: Path) -> None:
    _, data = _get(site_db, "/ogi/cells.json?_size=0")
    assert {"section", "item_label", "flags"} <= set(data["facet_results"])
    _, data = _get(site_db, "/ogi/checks.json?_size=0")
    rules = {f["value"] for f in data["facet_results"]["rule"]["results"]}
    assert {"requests.balance", "requests.carry_chain", "appeals.row_total"} <= rules


def test_every_table_and_column_is_described(site_db: Path) -> None:
    tables = METADATA["databases"]["ogi"]["tables"]
    conn = sqlite3.connect(site_db)
    for name in ("reports", "cells", "checks", "corrections", "narrative", "requests_wide",
                 "appeals_wide", "active_wide", "report_summary"):
        assert tables[name]["title"] and tables[name]["description"], name
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
        missing = set(columns) - set(tables[name]["columns"])
        assert not missing, (name, missing)
    assert "万元" in tables["cells"]["columns"]["value"]


def test_internal_tables_are_hidden(site_db: Path) -> None:
    _, data = _get(site_db, "/ogi.json")
    hidden = {t["name"] for t in data["tables"] if t["hidden"]}
    assert {"narrative_fts", "narrative_fts_data", "narrative_fts_config"} <= hidden
    assert "narrative" not in hidden and "reports" not in hidden


def test_narrative_table_search(site_db: Path) -> None:
    status, rows = _get(site_db, "/ogi/narrative.json?_shape=array&_search=工作台账")
    assert status == 200
    assert sorted(r["report_id"] for r in rows) == ["000_59d377ad04b23a3b",
                                                    "003_dca3b8d882aa9ceb"]


def test_home_page_in_chinese(site_db: Path) -> None:
    status, html = _get(site_db, "/")
    assert status == 200 and "政府信息公开工作年度报告数据库" in html


# -- canned queries: every one, with the rows it must give -----------------------------------

def test_there_are_at_least_ten_documented_queries() -> None:
    assert len(QUERIES) >= 10
    for name, query in QUERIES.items():
        assert query.get("title") and query.get("description"), name


def test_report_requests(site_db: Path) -> None:
    rows = _query(site_db, "report_requests", agency="平罗县", year="")
    assert len(rows) == 25
    first = rows[0]
    assert first["项目"] == "一、本年新收政府信息公开申请数量"
    assert (first["自然人"], first["总计"]) == (13, 13)
    rows = _query(site_db, "report_requests", agency="吴忠市人民政府办公室", year="2023")
    assert {r["年度"] for r in rows} == {2023} and rows[0]["总计"] == 30


def test_report_active(site_db: Path) -> None:
    rows = _query(site_db, "report_active", agency="吴忠市", year="2020")
    assert rows and {r["模板"] for r in rows} == {"2019"}
    assert {"规章", "政府集中采购"} <= {r["项目"] for r in rows}
    assert all(r["本年制发件数"] is None for r in rows)  # a 2021 column
    rows = _query(site_db, "report_active", agency="平罗县", year="2024")
    assert [r["项目"] for r in rows][:2] == ["规章", "行政规范性文件"]


def test_report_appeals(site_db: Path) -> None:
    rows = _query(site_db, "report_appeals", agency="吴忠市", year="2020")
    assert [r["项目"] for r in rows] == ["行政复议", "行政诉讼·未经复议直接起诉",
                                       "行政诉讼·复议后起诉"]
    review = rows[0]
    assert (review["结果维持"], review["结果纠正"], review["其他结果"], review["总计"]) == (
        1, 1, 2, 4)


def test_requests_by_region(site_db: Path) -> None:
    rows = _query(site_db, "requests_by_region", province="宁夏", year="2024")
    got = {(r["市"], r["年度"]): (r["报告数"], r["新收申请"]) for r in rows}
    assert got == {("吴忠市", 2024): (2, 187 + 26), ("石嘴山市", 2024): (1, 13),
                   ("中卫市", 2024): (1, 16)}
    assert rows[0]["市"] == "吴忠市"
    assert _query(site_db, "requests_by_region", province="广东", year="") == []
    years = {r["年度"] for r in _query(site_db, "requests_by_region", province="", year="")}
    assert years == {2020, 2023, 2024}


def test_requests_by_year(site_db: Path) -> None:
    rows = _query(site_db, "requests_by_year")
    assert [(r["年度"], r["报告数"], r["新收申请"]) for r in rows] == [
        (2020, 1, 42), (2023, 1, 30), (2024, 4, 187 + 26 + 13 + 16)]


def test_outcome_shares(site_db: Path) -> None:
    rows = _query(site_db, "outcome_shares", province="", year="2024")
    assert len(rows) == 4
    top = rows[0]
    assert (top["机关"], top["办理总数"]) == ("吴忠市人民政府办公室", 186)
    assert (top["公开率"], top["不予公开率"], top["无法提供率"]) == (34.9, 0.0, 31.7)
    pingluo = next(r for r in rows if r["机关"] == "平罗县人民政府办公室")
    assert (pingluo["公开率"], pingluo["不予公开率"], pingluo["无法提供率"]) == (46.2, 7.7, 46.2)


def test_withholding_reasons(site_db: Path) -> None:
    rows = _query(site_db, "withholding_reasons", province="", year="2024")
    first = rows[0]
    assert (first["类别"], first["理由"], first["件数"], first["报告数"]) == (
        "无法提供", "三（四）1.本机关不掌握相关政府信息", 35 + 1 + 6 + 4, 4)
    got = {r["理由"]: r["件数"] for r in rows}
    assert got["三（五）4.无正当理由大量反复申请"] == 14
    assert got["三（三）4.保护第三方合法权益"] == 1
    assert all(r["件数"] > 0 for r in rows)
    rows_2020 = _query(site_db, "withholding_reasons", province="", year="2020")
    assert {r["理由"] for r in rows_2020} >= {"三（三）1.属于国家秘密"}


def test_failed_checks_on_the_site(site_db: Path) -> None:
    rows = _query(site_db, "failed_checks")
    # the 2023 copy was given 30 new and 4 carried out against 186 handled
    assert {(r["机关"], r["年度"], r["规则"]) for r in rows} == {
        ("吴忠市人民政府办公室", 2023, "requests.balance")}
    # expected = new + carried in; actual = handled + carried out
    assert {(r["项"], r["应为"], r["实为"]) for r in rows} == {("natural_person", 30, 190),
                                                           ("total", 30, 190)}


def test_failed_checks_query(sheets: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(sheets / "000_59d377ad04b23a3b.xlsx")
    _set(wb, "2021", ("appeals", "review", "total"), 4)  # review total 4 beside 3 + 0 + 0 + 0
    wb.save(sheets / "000_59d377ad04b23a3b.xlsx")
    db = tmp_path / "ogi.db"
    load(sheets, db)
    rows = _query(db, "failed_checks")
    assert [(r["规则"], r["项"], r["应为"], r["实为"]) for r in rows] == [
        ("appeals.row_total", "review", 3, 4)]


def test_chain_breaks(site_db: Path) -> None:
    rows = _query(site_db, "chain_breaks")
    assert {r["规则"] for r in rows} == {"requests.carry_chain", "active.in_force_chain"}
    carry = [r for r in rows if r["规则"] == "requests.carry_chain"]
    assert {(r["栏目"], r["应为"], r["实为"]) for r in carry} == {
        ("natural_person", 4, 0), ("total", 4, 0)}
    assert {(r["机关"], r["上年"], r["本年"], r["上年报告"]) for r in carry} == {
        ("吴忠市人民政府办公室", 2023, 2024, "000_prev_2023")}


def test_appeals_corrected(site_db: Path) -> None:
    rows = _query(site_db, "appeals_corrected", province="", year="")
    assert [(r["机关"], r["年度"], r["项目"], r["结果纠正"], r["总计"], r["纠正率"])
            for r in rows] == [("吴忠市", 2020, "行政复议", 1, 4, 25.0)]
    assert _query(site_db, "appeals_corrected", province="", year="2024") == []


def test_yoy_jumps(site_db: Path) -> None:
    rows = _query(site_db, "yoy_jumps")
    # the 2023 copy received 30 requests, 2024 187: the only headline number over 5x
    assert [(r["机关"], r["上年"], r["本年"], r["项目"], r["上年数"], r["本年数"], r["倍数"])
            for r in rows] == [("吴忠市人民政府办公室", 2023, 2024, "新收申请", 30, 187, 6.23)]


def test_requests_percentiles(site_db: Path) -> None:
    rows = _query(site_db, "requests_percentiles", year="")
    got = {r["层级"]: (r["报告数"], r["P25"], r["P50"], r["P75"]) for r in rows}
    # city: 30, 42, 187; county: 13, 16, 26 (nearest rank: ceil(p * n))
    assert got == {"city": (3, 30, 42, 187), "county": (3, 13, 16, 26)}
    assert [r["层级"] for r in rows] == ["city", "county"]
    rows = _query(site_db, "requests_percentiles", year="2024")
    assert {r["层级"]: (r["P25"], r["P50"]) for r in rows} == {"city": (187, 187),
                                                              "county": (13, 16)}


def test_top_agencies(site_db: Path) -> None:
    rows = _query(site_db, "top_agencies", year="")
    assert [r["新收申请"] for r in rows] == [187, 42, 30, 26, 16, 13]
    assert rows[0]["机关"] == "吴忠市人民政府办公室"
    assert [r["年度"] for r in _query(site_db, "top_agencies", year="2020")] == [2020]


def test_corrections_log(site_db: Path) -> None:
    rows = _query(site_db, "corrections_log", agency="")
    got = {(r["年度"], r["项目"], r["栏目"], r["提取值"], r["更正值"], r["审核人"]) for r in rows}
    assert got == {
        (2023, "一、本年新收政府信息公开申请数量", "自然人", 187, 30, "张三"),
        (2023, "一、本年新收政府信息公开申请数量", "总计", 187, 30, "张三"),
        (2023, "四、结转下年度继续办理", "自然人", 1, 4, "张三"),
        (2023, "四、结转下年度继续办理", "总计", 1, 4, "张三")}
    where = layout("2021")
    assert {r["单元格"] for r in rows} >= {address(*where[("requests", "new", m)])
                                          for m in ("natural_person", "total")}
    assert _query(site_db, "corrections_log", agency="平罗县") == []


def test_unreviewed(site_db: Path) -> None:
    rows = _query(site_db, "unreviewed")
    assert sorted(r["report_id"] for r in rows) == [
        "000_59d377ad04b23a3b", "001_1f6271bab0582421", "002_a9c952ea755c5d56",
        "004_dc6eabfeda6fcd8b"]


def test_derived_or_blank(site_db: Path) -> None:
    rows = _query(site_db, "derived_or_blank")
    assert rows and all(r["标记"] for r in rows)
    assert "derived" in {f for r in rows for f in r["标记"].split(",")}


def test_narrative_search(site_db: Path) -> None:
    rows = _query(site_db, "narrative_search", q="工作台账")
    assert sorted((r["机关"], r["部分"]) for r in rows) == [
        ("吴忠市人民政府办公室", "一"), ("平罗县人民政府办公室", "五")]
    assert all("【" in r["摘录"] for r in rows)
    assert [r["机关"] for r in _query(site_db, "narrative_search", q="信息处理费")] == [
        "中宁县人民政府办公室"]
    assert _query(site_db, "narrative_search", q="台账") == []  # trigram: 3 characters at least
    assert _query(site_db, "narrative_search", q='"') == []  # quotes cannot break the query


TESTED = {"report_requests", "report_active", "report_appeals", "requests_by_region",
          "requests_by_year", "outcome_shares", "withholding_reasons", "failed_checks",
          "chain_breaks", "appeals_corrected", "yoy_jumps", "requests_percentiles",
          "top_agencies", "corrections_log", "unreviewed", "derived_or_blank",
          "narrative_search"}


def test_every_canned_query_has_a_test() -> None:
    assert set(QUERIES) == TESTED


def test_canned_query_pages_render(site_db: Path) -> None:
    for name in QUERIES:
        status, html = _get(site_db, f"/ogi/{name}")
        assert status == 200 and QUERIES[name]["title"] in html, name


# -- dashboard -------------------------------------------------------------------------------

def test_dashboard_pages(site_db: Path) -> None:
    status, html = _get(site_db, "/-/dashboards")
    assert status == 200 and DASHBOARDS["overview"]["title"] in html
    status, html = _get(site_db, "/-/dashboards/overview")
    assert status == 200
    for chart in DASHBOARDS["overview"]["charts"].values():
        assert chart["title"] in html
    assert "vega-lite" in html


@pytest.mark.parametrize("filters", [{}, {"province": NINGXIA, "year": "2024"}])
def test_dashboard_chart_queries(site_db: Path, filters: dict[str, str]) -> None:
    from datasette_dashboards import replace_opts_in_query

    results = {}
    for slug, chart in DASHBOARDS["overview"]["charts"].items():
        sql = replace_opts_in_query(chart["query"], filters)
        status, rows = _get(site_db, "/ogi.json?" + urlencode(
            {"sql": sql, "_shape": "array", **filters}))
        assert status == 200 and rows, (slug, rows)
        results[slug] = rows
    if filters:
        assert results["requests-count"] == [{"n": 187 + 26 + 13 + 16}]
        assert results["requests-per-year"] == [{"年度": 2024, "新收申请": 242}]
    else:
        assert results["reports-count"] == [{"n": 6}]
        assert results["appeals-corrected"] == [{"n": 1}]
        mix = {r["结果"]: r["件数"] for r in results["outcome-mix"]}
        assert mix["予以公开"] == 55 * 2 + 10 + 28 + 4 + 1
        assert results["top-agencies"][0] == {"机关": "吴忠市人民政府办公室", "新收申请": 217}
    for name, flt in DASHBOARDS["overview"]["filters"].items():
        status, rows = _get(site_db, "/ogi.json?" + urlencode({"sql": flt["query"],
                                                               "_shape": "array"}))
        assert status == 200 and rows, name


# -- ogi serve -------------------------------------------------------------------------------

def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "none.db: no database yet" in result.output


def test_serve_arguments(sample_db: Path, tmp_path: Path) -> None:
    inspect = tmp_path / "ogi.db-inspect.json"
    args = datasette_args(sample_db, REPO / "metadata.yml", "0.0.0.0", 8123, inspect, 1500)
    assert args[1:4] == ["-m", "datasette", "serve"]
    assert args[args.index("-i") + 1] == str(sample_db)  # immutable: opened read-only
    assert str(sample_db) not in args[4:args.index("-i")]  # and not also as a mutable file
    assert args[args.index("--inspect-file") + 1] == str(inspect)
    assert args[args.index("--setting") + 1:args.index("--setting") + 3] == [
        "sql_time_limit_ms", "1500"]
    assert args[args.index("--host") + 1] == "0.0.0.0" and "8123" in args
    assert "--metadata" in args and "--root" not in args


def test_inspect_file(site_db: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(site_db, tmp_path / "ogi.db"))
    out = inspect_file(db)
    assert out == tmp_path / "ogi.db-inspect.json"
    data = json.loads(out.read_text())
    assert data["ogi"]["tables"]["reports"]["count"] == 6
    stamp = out.stat().st_mtime_ns
    assert inspect_file(db).stat().st_mtime_ns == stamp  # not remade while the db is older


def test_metadata_for_another_database_name(site_db: Path, tmp_path: Path) -> None:
    assert metadata_for(site_db, REPO / "metadata.yml") == REPO / "metadata.yml"  # ogi.db
    db = Path(shutil.copy(site_db, tmp_path / "ningxia.db"))
    out = metadata_for(db, REPO / "metadata.yml")
    assert out == tmp_path / "ningxia.db-metadata.json"
    meta = json.loads(out.read_text(encoding="utf-8"))
    assert set(meta["databases"]) == {"ningxia"} and "/ningxia/report_summary" in meta[
        "description_html"]
    status, rows = _get(db, "/ningxia/top_agencies.json?_shape=array&year=2020", meta)
    assert status == 200 and [r["机关"] for r in rows] == ["吴忠市"]
    status, html = _get(db, "/-/dashboards/overview", meta)
    assert status == 200 and '"db": "ningxia"' in html


def test_immutable_site_refuses_writes(site_db: Path) -> None:
    status, data = _get(site_db, "/ogi.json?" + "sql=delete+from+reports&_shape=array")
    assert status == 400
    _, rows = _get(site_db, "/ogi/reports.json?_shape=array")
    assert len(rows) == 6
