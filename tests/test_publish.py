"""The site in-process (``make_datasette(...).client``) on the sample database: the tables
precomputed at load time (whole and incrementally), Chinese headers and facet values, the
report, agency and search pages, every canned query with the rows it must return, full CSV
exports, the dashboard, and ``ogi serve``."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import socket
import sqlite3
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from sqlite_utils import Database

from etl import template as tpl
from etl.cli import cli
from etl.errors import EtlError
from etl.layout import META_VALUE_COL, layout
from etl.load import load
from etl.publish import default_metadata, ensure_views, inspect_data, make_datasette, metadata_for
from tests.conftest import REPO, other_year

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
    wb = openpyxl.load_workbook(other_year(sheets / "000_59d377ad04b23a3b.xlsx",
                                           "000_prev_2023", 2023))
    _set_meta(wb, status="reviewed", reviewer="张三")
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


def _get(db: Path, url: str) -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        response = await make_datasette(db).client.get(url)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.status_code, response.json()
        return response.status_code, response.text
    return asyncio.run(go())


def _query(db: Path, name: str, **params: str) -> list[dict]:
    qs = urlencode({"_shape": "array", **params})
    status, rows = _get(db, f"/ogi/{name}.json?{qs}")
    assert status == 200, (name, rows)
    return rows


def _table(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _copy(site_db: Path, tmp_path: Path, name: str = "ogi.db") -> Path:
    return Path(shutil.copy(site_db, tmp_path / name))


DERIVED = ("report_summary", "requests_wide", "appeals_wide", "active_wide", "check_failures",
           "flagged_cells", "correction_log", "yoy_jumps", "agencies", "region_summary",
           "reason_summary")
WUZHONG = "640300:人民政府办公室"  # place code and normalised name (etl.place.agency_key)
RID = "003_dca3b8d882aa9ceb"  # the 2019 template: 25 derived cells


# -- precomputed tables ----------------------------------------------------------------------

def test_ensure_views_is_idempotent(site_db: Path, tmp_path: Path) -> None:
    db = _copy(site_db, tmp_path)
    kinds = dict(_table(db, "SELECT name, type FROM sqlite_master"))
    assert all(kinds[name] == "table" for name in DERIVED)  # precomputed, not views
    assert ensure_views(db, changed=set()) == []
    assert ensure_views(db) == list(DERIVED)  # None: everything rebuilt
    assert ensure_views(db, changed=set()) == []


def _contents(db: Path) -> dict[str, list]:
    return {name: sorted(map(repr, _table(db, f'SELECT * FROM "{name}"'))) for name in DERIVED}


def test_incremental_refresh_equals_a_full_rebuild(site_db: Path, tmp_path: Path) -> None:
    db = _copy(site_db, tmp_path)
    conn = sqlite3.connect(db)
    # what a load of two workbooks does: new figures for one report, another report renamed
    conn.execute("UPDATE report_totals SET new = 568000 WHERE report_id = ?",
                 ["003_dca3b8d882aa9ceb"])
    conn.execute("UPDATE cells SET value = 568000 WHERE report_id = ? AND section = 'requests'"
                 " AND item = 'new' AND measure = 'total'", ["003_dca3b8d882aa9ceb"])
    conn.execute("UPDATE reports SET agency = '宁夏吴忠市人民政府办公室' WHERE report_id = ?",
                 ["000_prev_2023"])
    conn.commit()
    conn.close()
    assert ensure_views(db, changed={"003_dca3b8d882aa9ceb", "000_prev_2023"}) == []
    incremental = _contents(db)
    assert incremental != _contents(site_db)
    ensure_views(db)
    assert incremental == _contents(db)
    assert _table(db, 'SELECT 新收申请 FROM region_summary WHERE 市 = ?', ("石嘴山市",)) == [
        (568000,)]


def test_a_change_behind_the_loaders_back_rebuilds(site_db: Path, tmp_path: Path) -> None:
    db = _copy(site_db, tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM reports WHERE report_id = ?", ["004_dc6eabfeda6fcd8b"])
    conn.commit()
    conn.close()
    assert ensure_views(db, changed=set()) == list(DERIVED)
    assert _table(db, "SELECT count(*) FROM report_summary") == [(5,)]


def test_tables_without_region_columns(sample_db: Path, tmp_path: Path) -> None:
    db = _copy(sample_db, tmp_path)
    conn = sqlite3.connect(db)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(reports)")}
    for column in {"province", "city", "county", "adcode", "level"} & columns:
        conn.execute(f"ALTER TABLE reports DROP COLUMN {column}")  # an older database
    conn.commit()
    conn.close()
    ensure_views(db)
    rows = _table(db, "SELECT 机关, 省, 层级, 新收申请 FROM report_summary "
                      "ORDER BY 新收申请 DESC")
    assert rows[0] == ("吴忠市人民政府办公室", None, None, 187)


def test_ensure_views_refuses_what_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(EtlError, match="none.db"):
        ensure_views(tmp_path / "none.db")
    (tmp_path / "x.db").write_text("not sqlite")
    with pytest.raises(EtlError, match="x.db：不是 SQLite"):
        ensure_views(tmp_path / "x.db")


def test_report_summary_in_chinese(site_db: Path) -> None:
    conn = sqlite3.connect(site_db)
    conn.row_factory = sqlite3.Row
    row = conn.execute("SELECT * FROM report_summary WHERE report_id = ?",
                       ["000_59d377ad04b23a3b"]).fetchone()
    assert (row["新收申请"], row["办理总数"], row["予以公开"], row["部分公开"], row["无法提供"],
            row["其他处理"], row["结转下年"], row["层级"], row["状态"], row["公开率"]) == (
        187, 186, 55, 10, 59, 62, 1, "市级", "未审核", 34.9)


def test_requests_wide(site_db: Path) -> None:
    status, rows = _get(site_db, "/ogi/requests_wide.json?_shape=array&_size=max"
                                 "&report_id=003_dca3b8d882aa9ceb&_sort=行序")
    assert status == 200 and len(rows) == 25
    assert rows[0]["项目"] == "一、本年新收政府信息公开申请数量"
    assert (rows[0]["自然人"], rows[0]["总计"], rows[0]["市"]) == (13, 13, "石嘴山市")


def test_the_wide_tables_keep_each_report_in_the_printed_order(site_db: Path) -> None:
    """Unsorted, a wide table lists report by report, each in the table's printed order."""
    for section in ("requests", "appeals", "active"):
        rows = _table(site_db, f"SELECT report_id, 行序 FROM {section}_wide ORDER BY rowid")
        assert rows == sorted(rows) and len({r[0] for r in rows}) > 1, section


def test_an_agency_over_the_years(site_db: Path, tmp_path: Path) -> None:
    """One agency key for the years of one agency, even under two names (洪泽区人民政府 /
    淮安市洪泽区人民政府): the agencies table, the cross-year checks and yoy_jumps."""
    db = _copy(site_db, tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE reports SET agency = '宁夏吴忠市人民政府办公室' WHERE report_id = ?",
                 ["000_prev_2023"])
    if "agency_key" in {r[1] for r in conn.execute("PRAGMA table_info(reports)")}:
        # the loader's key (etl.place) for both years
        conn.execute("UPDATE reports SET agency_key = ? WHERE report_id IN (?, ?)",
                     [WUZHONG, "000_prev_2023", "000_59d377ad04b23a3b"])
    # else the site's own key (place code and normalised name) makes the two names one
    conn.commit()
    conn.close()
    ensure_views(db)
    names = "宁夏吴忠市人民政府办公室、吴忠市人民政府办公室"
    assert _table(db, "SELECT 机关, 所用名称, 报告数, 年度 FROM agencies WHERE agency_key = ?",
                  (WUZHONG,)) == [("吴忠市人民政府办公室", names, 2, "2023、2024")]
    assert _table(db, "SELECT 本年, 项目, 上年数, 本年数 FROM yoy_jumps") == [
        (2024, "新收申请", 30, 187)]
    breaks = _table(db, "SELECT 规则, 对象, 应为, 实为 FROM check_failures WHERE 类别 = '跨年' "
                        "ORDER BY 规则, 对象")
    assert ("跨年结转", "总计", 4, 0) in breaks


@pytest.mark.parametrize(("adcode", "names", "key"), [
    ("320813", ["洪泽区人民政府", "淮安市洪泽区人民政府", "江苏省淮安市洪泽区人民政府"],
     "320813:人民政府"),
    ("640300", ["吴忠市人民政府办公室", "宁夏吴忠市人民政府办公室"], "640300:人民政府办公室"),
    ("320813", ["洪泽区教育局", "淮安市洪泽区教育局"], "320813:教育局")])
def test_one_agency_key_under_two_names(adcode: str, names: list[str], key: str) -> None:
    from etl.place import agency_key

    assert {agency_key(adcode, n) for n in names} == {key}
    assert agency_key(None, "朝阳区人民政府") == ":朝阳区人民政府"  # no place code: kept whole
    assert agency_key("320800", "淮安市人民政府") != agency_key("320813", "洪泽区人民政府")


def test_corrections_in_force_read_through_an_index(site_db: Path) -> None:
    """The view's page counts its rows: through the partial index, not all of cells."""
    plan = " ".join(r[-1] for r in _table(
        site_db, "EXPLAIN QUERY PLAN SELECT count(*) FROM corrections_in_force"))
    assert "USING INDEX cells_corrected" in plan or "USING COVERING INDEX cells_corrected" in plan


def test_check_failures_in_chinese(site_db: Path) -> None:
    rows = _table(site_db, "SELECT 类别, 规则, 对象, 应为, 实为, 差额, 规则代码 FROM "
                           "check_failures WHERE report_id = ? ORDER BY 对象",
                  ("000_prev_2023",))
    assert rows == [("报告内", "收支平衡", "总计", 30, 190, 160, "requests.balance"),
                    ("报告内", "收支平衡", "自然人", 30, 190, 160, "requests.balance")]


def test_flagged_cells_and_corrections_in_chinese(site_db: Path) -> None:
    marks = {r[0] for r in _table(site_db, "SELECT 标记 FROM flagged_cells")}
    assert marks and all(m and m.isascii() is False for m in marks)
    assert _table(site_db, "SELECT 表, 项目, 栏目, 提取值, 更正值, 审核人 FROM correction_log "
                           "WHERE 栏目代码 = 'total' ORDER BY 项目") == [
        ("依申请公开", "一、本年新收政府信息公开申请数量", "总计", 187, 30, "张三"),
        ("依申请公开", "四、结转下年度继续办理", "总计", 1, 4, "张三")]


# -- pages in Chinese ------------------------------------------------------------------------

def test_every_table_and_column_is_described(site_db: Path) -> None:
    tables = METADATA["databases"]["ogi"]["tables"]
    conn = sqlite3.connect(site_db)
    for name in ("reports", "cells", "checks", "corrections", "corrections_in_force",
                 "narrative", *DERIVED):
        assert tables[name]["title"] and tables[name]["description"], name
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')]
        missing = set(columns) - set(tables[name].get("columns", {})) - {
            c for c in columns if not c.isascii()}  # a Chinese column name is its own heading
        assert not missing, (name, missing)


def test_base_table_headers_and_facets_in_chinese(site_db: Path) -> None:
    status, html = _get(site_db, "/ogi/reports")
    assert status == 200
    assert 'data-column="report_id" data-column-label="报告编号"' in html
    assert 'data-column="workbook_size" data-column-label="工作簿大小（字节）"' in html
    assert 'data-value="county">县级</a>' in html and 'data-value="extracted">未审核</a>' in html
    # the column's code stays the contract for tools
    _, rows = _get(site_db, "/ogi/reports.json?_shape=array&level=county")
    assert {r["level"] for r in rows} == {"county"}


def test_codes_said_in_chinese_in_cells(site_db: Path) -> None:
    _, html = _get(site_db, "/ogi/checks?rule=requests.balance&ok=0")
    assert ">收支平衡</span>" in html and ">不成立</span>" in html
    _, html = _get(site_db, "/ogi/cells?report_id=000_59d377ad04b23a3b&flags__contains=derived")
    assert "计算得出" in html


def test_numbers_with_separators_and_rates_with_percent(site_db: Path, tmp_path: Path) -> None:
    db = _copy(site_db, tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE report_summary SET 新收申请 = 568000 WHERE report_id = ?",
                 ["003_dca3b8d882aa9ceb"])
    conn.execute("UPDATE report_summary SET 公开率 = 19 WHERE report_id = ?",
                 ["004_dc6eabfeda6fcd8b"])
    conn.commit()
    conn.close()
    _, html = _get(db, "/ogi/report_summary?report_id=003_dca3b8d882aa9ceb")
    assert ">568,000<" in html and ">46.2%<" in html
    _, html = _get(db, "/ogi/report_summary?report_id=004_dc6eabfeda6fcd8b")
    assert ">19.0%<" in html  # one decimal like every other rate, not 19%
    assert ">2024<" in html  # a year is not a count


def test_report_ids_link_to_the_report_page(site_db: Path) -> None:
    for url in ("/ogi/report_summary", "/ogi/check_failures", "/ogi/reports"):
        _, html = _get(site_db, url)
        assert 'href="/-/report/000_prev_2023"' in html, url


def test_report_page(site_db: Path) -> None:
    status, html = _get(site_db, "/-/report/000_prev_2023")
    assert status == 200
    assert "<title>吴忠市人民政府办公室 2023 年度报告" in html
    for title in map(tpl.section_title, tpl.SECTIONS):
        assert title in html
    # the failed identity on the cells it concerns, expected vs printed, and the corrections
    assert 'class="num failed" title="收支平衡不成立：应为 30，实为 190">186</td>' in html
    assert "原为 187</span>" in html and "审核人张三更正" in html
    assert "2 条不成立" in html
    assert f'href="/-/agency/{quote(WUZHONG, safe="")}"' in html


def test_report_page_marks_derived_cells(site_db: Path) -> None:
    conn = sqlite3.connect(site_db)
    derived = conn.execute("SELECT count(*) FROM cells WHERE report_id = ? AND flags LIKE "
                           "'%derived%'", [RID]).fetchone()[0]
    conn.close()
    _, html = _get(site_db, f"/-/report/{RID}")
    assert derived and html.count(" derived") == derived
    assert html.count('class="derived"') == 1  # the legend


def test_unknown_report_and_agency_are_404_in_chinese(site_db: Path) -> None:
    status, html = _get(site_db, "/-/report/nope")
    assert status == 404 and "没有编号为 nope 的报告" in html
    status, html = _get(site_db, "/-/agency/nope")
    assert status == 404 and "没有标识为 nope 的机关" in html


def test_agency_page(site_db: Path) -> None:
    status, html = _get(site_db, f"/-/agency/{quote(WUZHONG, safe='')}")
    assert status == 200 and "吴忠市人民政府办公室：各年度" in html
    assert 'href="/-/report/000_prev_2023">2023</a>' in html
    assert 'href="/-/report/000_59d377ad04b23a3b">2024</a>' in html
    assert "跨年结转" in html  # its cross-year breaks
    assert "同市市级" in html and "全省市级" in html  # against its peers


# -- search ----------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["台账", "工作台账"])  # two characters: no trigram
def test_search_finds_short_and_long_words(site_db: Path, q: str) -> None:
    status, html = _get(site_db, "/-/search?" + urlencode({"q": q}))
    assert status == 200
    assert html.count('class="ogi-search-hit"') == 2
    assert f"<mark>{q}</mark>" in html
    assert 'href="/-/report/003_dca3b8d882aa9ceb#section-五"' in html


def test_a_short_word_search_stops_in_time_and_goes_on(site_db: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A short word is scanned a window of rows at a time for a bounded time (a rare word at
    100,000 reports would read every text past the time limit): the page says what it has
    not searched yet and goes on from there; the CSV still has every match."""
    import re

    from etl.site import search

    monkeypatch.setattr(search, "SCAN_WINDOW", 1)  # one row a query, one query a page
    monkeypatch.setattr(search, "SCAN_BUDGET_S", 0.0)
    url, found = "/-/search?" + urlencode({"q": "台账"}), 0
    status, html = _get(site_db, url)
    assert status == 200 and "最近载入的报告中没有找到“台账”" in html  # the newest row: no match
    assert re.search(r"已检索较新的约 \d+% 的正文", html)  # how far it has read, said
    for _ in range(5):
        found += html.count('class="ogi-search-hit"')
        following = re.search(r'class="ogi-next">(?:<span class="ogi-searched">[^<]*</span>)?'
                              r'<a href="([^"]+)">继续检索更早的报告', html)
        if following is None:
            break
        status, html = _get(site_db, "/-/search" + following[1].replace("&amp;", "&"))
        assert status == 200
    assert found == 2
    _, text = _get(site_db, "/-/search.csv?" + urlencode({"q": "台账"}))
    assert len(list(csv.reader(io.StringIO(text)))) == 1 + 2


def test_a_short_word_search_stops_before_its_budget(site_db: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan does not start a window that would end past its budget, going by the last
    window's time (a rare word's page took the budget plus a window or two)."""
    from etl.site import search

    clock = [0.0]  # every query of the scan takes one second

    class Slow:
        def __init__(self, db: Any) -> None:
            self.db = db

        async def execute(self, *args: Any, **kwargs: Any) -> Any:
            clock[0] += 1
            return await self.db.execute(*args, **kwargs)

    monkeypatch.setattr(search, "_now", lambda: clock[0])
    monkeypatch.setattr(search, "SCAN_WINDOW", 1)
    monkeypatch.setattr(search, "SCAN_BUDGET_S", 2.5)  # two windows of a second fit
    top = _table(site_db, "SELECT max(rowid) FROM narrative")[0][0]
    assert top >= 3
    db = Slow(make_datasette(site_db).databases["ogi"])
    hits, resume = asyncio.run(search._scan(db, "没有的词", None, 50))
    assert hits == [] and resume == top + 1 - 2  # two windows read, a third not begun
    assert clock[0] - 1 <= search.SCAN_BUDGET_S  # (the first query finds the newest row)


def test_narrative_table_search_goes_to_the_site_search(site_db: Path) -> None:
    """The narrative table's ?_search= (its search box) is the site's search page: two
    characters found too, newest first; with a filter, or as JSON, it stays the table's."""
    async def go(url: str) -> Any:
        return await make_datasette(site_db).client.get(url)

    response = asyncio.run(go("/ogi/narrative?" + urlencode({"_search": " 台账 "})))
    assert response.status_code == 302
    assert response.headers["location"] == "/-/search?" + urlencode({"q": "台账"})
    status, html = _get(site_db, response.headers["location"])
    assert status == 200 and html.count('class="ogi-search-hit"') == 2
    assert asyncio.run(go("/ogi/narrative?_search=")).headers["location"] == "/-/search"
    kept = {"_search": "工作台账", "section": "五"}
    assert asyncio.run(go("/ogi/narrative?" + urlencode(kept))).status_code == 200
    assert asyncio.run(go("/ogi/narrative.json?_search=工作台账")).status_code == 200


def _plan(db: Path, sql: str, params: tuple = ()) -> str:
    return " | ".join(r[-1] for r in _table(db, "EXPLAIN QUERY PLAN " + sql, params))


@pytest.mark.parametrize("table", ["flagged_cells", "check_failures"])
def test_facets_with_one_picked_read_an_index(site_db: Path, table: str) -> None:
    """With one facet picked, each other facet's counts come from an index alone (Datasette's
    facet query): at 100,000 reports a lookup of every picked row hit the time limit."""
    facets = METADATA["databases"]["ogi"]["tables"][table]["facets"]
    for picked in facets:
        for other in facets:
            sql = (f'SELECT "{other}" AS value, count(*) AS count FROM (SELECT * FROM '
                   f'"{table}" WHERE "{picked}" = ?) WHERE "{other}" IS NOT NULL '
                   f'GROUP BY "{other}" ORDER BY count DESC, value LIMIT 31')
            plan = _plan(site_db, sql, ("x",))
            assert "COVERING INDEX" in plan, (picked, other, plan)


def test_a_later_page_of_report_summary_reads_an_index(site_db: Path) -> None:
    """The second page (keyset after 新收申请 and report_id, the default sort) reads the
    order's index instead of sorting every report, and its default facets, counted over the
    rows after the key, read an index alone."""
    after = ('("新收申请" < :v OR "新收申请" IS NULL OR ("新收申请" = :v AND report_id > :k))')
    params = {"v": 100, "k": "x"}
    conn = sqlite3.connect(site_db)
    try:
        def plan(sql: str) -> str:
            return " | ".join(r[-1] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params))

        page = plan(f"SELECT * FROM report_summary WHERE {after} "
                    "ORDER BY 新收申请 DESC, report_id LIMIT 51")
        assert "TEMP B-TREE" not in page and "report_summary_新收申请_DESC_report_id" in page
        for facet in METADATA["databases"]["ogi"]["tables"]["report_summary"]["facets"]:
            counted = plan(f'SELECT "{facet}" AS value, count(*) AS count FROM (SELECT * FROM '
                           f'report_summary WHERE {after}) WHERE "{facet}" IS NOT NULL '
                           f'GROUP BY "{facet}" ORDER BY count DESC, value LIMIT 31')
            assert "COVERING INDEX" in counted, (facet, counted)
    finally:
        conn.close()


def test_search_escapes_the_text(site_db: Path) -> None:
    _, html = _get(site_db, "/-/search?q=%3Cscript%3E")
    assert "<script>" not in html.split("</header>", 1)[-1].split("<footer", 1)[0]


def test_search_csv_has_every_match(site_db: Path) -> None:
    status, text = _get(site_db, "/-/search.csv?q=" + quote("公开"))
    assert status == 200
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "机关" and len(rows) == 1 + 2
    assert all("【公开】" in r[4] for r in rows[1:])


# -- listings: paged and exported whole -------------------------------------------------------

def test_a_listing_longer_than_a_page_exports_whole(site_db: Path) -> None:
    (n,) = _table(site_db, "SELECT count(*) FROM cells")[0]
    assert n > 1000  # more than Datasette's max_returned_rows
    status, text = _get(site_db, "/ogi/cells.csv?_stream=on&_size=max")
    assert status == 200 and len(list(csv.reader(io.StringIO(text)))) == 1 + n
    _, data = _get(site_db, "/ogi/cells.json?_size=50")
    assert data["next"] and len(data["rows"]) == 50


# -- canned queries: every one, with the rows it must give -----------------------------------

TESTED = set()


def _tested(fn: Any) -> Any:
    TESTED.add(fn.__name__.removeprefix("test_"))
    return fn


@_tested
def test_requests_by_year(site_db: Path) -> None:
    rows = _query(site_db, "requests_by_year")
    assert [(r["年度"], r["报告数"], r["新收申请"]) for r in rows] == [
        (2020, 1, 42), (2023, 1, 30), (2024, 4, 242)]


@_tested
def test_top_reports(site_db: Path) -> None:
    rows = _query(site_db, "top_reports", province="", year="")
    assert [(r["机关"], r["年度"], r["新收申请"]) for r in rows][:2] == [
        ("吴忠市人民政府办公室", 2024, 187), ("吴忠市", 2020, 42)]
    assert [r["新收申请"] for r in _query(site_db, "top_reports", province="", year="2024")
            ] == [187, 26, 16, 13]


@_tested
def test_withholding_reasons(site_db: Path) -> None:
    rows = _query(site_db, "withholding_reasons", province="", year="")
    assert rows and all(r["件数"] > 0 for r in rows)
    assert [r["件数"] for r in rows] == sorted((r["件数"] for r in rows), reverse=True)
    assert {r["类别"] for r in rows} <= {"（三）不予公开", "（四）无法提供", "（五）不予处理"}
    total = sum(r["件数"] for r in rows)
    assert total == sum(v for (v,) in _table(
        site_db, "SELECT coalesce(不予公开, 0) + coalesce(无法提供, 0) + coalesce(不予处理, 0) "
                 "FROM report_summary"))


@_tested
def test_requests_percentiles(site_db: Path) -> None:
    rows = _query(site_db, "requests_percentiles", year="2024")
    assert [(r["层级"], r["报告数"], r["最小值"], r["P50"], r["最大值"]) for r in rows] == [
        ("市级", 1, 187, 187, 187), ("县级", 3, 13, 16, 26)]


def test_requests_percentiles_are_nearest_ranks(site_db: Path, tmp_path: Path) -> None:
    """The query (counts of each value summed in order) gives the nearest rank: the p-th
    percentile is the ⌈p·n⌉-th value in order, with or without a year, ties included (four
    and five more reports of one level and year, so that ⌈p·n⌉ is exact and not)."""
    import math

    db = Path(shutil.copy(site_db, tmp_path / "ogi.db"))
    conn = sqlite3.connect(db)
    conn.executemany("INSERT INTO report_summary (report_id, 年度, 层级, 新收申请) "
                     "VALUES (?, ?, ?, ?)", [(f"extra-{y}-{i}", y, "部门", v) for y, values in (
                         (2030, (4, 1, 3, 2)), (2031, (7, 5, 5, 9, 6))) for i, v in
                         enumerate(values)])
    conn.commit()
    conn.close()
    site_db = db
    data = _table(site_db, "SELECT 层级, 年度, 新收申请 FROM report_summary "
                           "WHERE 新收申请 IS NOT NULL")
    for year in ("", *sorted({str(y) for _, y, _ in data})):
        expected = {}
        for level in {lv for lv, y, _ in data if year in ("", str(y))}:
            values = sorted(v for lv, y, v in data if lv == level and year in ("", str(y)))
            expected[level or "（未填）"] = [len(values), values[0], *(
                values[math.ceil(p * len(values)) - 1] for p in (0.25, 0.5, 0.75)), values[-1]]
        rows = _query(site_db, "requests_percentiles", year=year)
        assert {r["层级"]: [r["报告数"], r["最小值"], r["P25"], r["P50"], r["P75"], r["最大值"]]
                for r in rows} == expected, year


@_tested
def test_peer_comparison(site_db: Path) -> None:
    rows = _query(site_db, "peer_comparison", agency="平罗县", year="2024")
    assert [(r["范围"], r["机关数"], r["中位数"], r["百分位"]) for r in rows] == [
        ("同市县级", 1, 13, 0.0), ("全省县级", 3, 16, 0.0)]
    assert _query(site_db, "peer_comparison", agency="", year="") == []  # empty: no rows


@_tested
def test_narrative_search(site_db: Path) -> None:
    for q in ("工作台账", "台账"):
        rows = _query(site_db, "narrative_search", q=q)
        assert sorted(r["report_id"] for r in rows) == ["000_59d377ad04b23a3b",
                                                        "003_dca3b8d882aa9ceb"], q
        assert all(f"【{q}】" in r["摘录"] for r in rows)


def test_every_canned_query_has_a_test() -> None:
    assert set(QUERIES) == TESTED


def test_canned_query_pages_render(site_db: Path) -> None:
    for name in QUERIES:
        status, html = _get(site_db, f"/ogi/{name}")
        assert status == 200 and QUERIES[name]["title"] in html, name


# -- dashboard -------------------------------------------------------------------------------

def test_dashboard_page(site_db: Path) -> None:
    status, html = _get(site_db, "/-/dashboards/overview")
    assert status == 200
    for chart in DASHBOARDS["overview"]["charts"].values():
        assert chart["title"] in html
    # datasette-dashboards' own words said in Chinese by the site's templates
    assert '<a href="/">首页</a> /' in html and ">home<" not in html
    assert "/ogi-static/dashboards.js" in html  # its filter button: 筛选, not Apply
    status, html = _get(site_db, "/-/dashboards")
    assert status == 200 and "<h1>图表</h1>" in html and ">home<" not in html
    status, html = _get(site_db, "/-/dashboards/overview/top-reports")
    assert status == 200 and '<a href="/-/dashboards">图表</a>' in html


def test_chart_axes_print_whole_numbers() -> None:
    """A bare "," lets Vega pick significant digits from the tick step: 250 drawn as 2.5e+2."""
    for slug, chart in DASHBOARDS["overview"]["charts"].items():
        for channel in chart.get("display", {}).get("encoding", {}).values():
            axis = channel.get("axis") if isinstance(channel, dict) else None
            if axis and "format" in axis:
                assert axis["format"] == ",d", slug


def _chart(db: Path, slug: str, filters: dict[str, str]) -> list[dict]:
    from datasette_dashboards import replace_opts_in_query

    sql = replace_opts_in_query(DASHBOARDS["overview"]["charts"][slug]["query"], filters)
    status, rows = _get(db, "/ogi.json?" + urlencode({"sql": sql, "_shape": "array",
                                                      **filters}))
    assert status == 200, (slug, rows)
    return rows


def test_dashboard_figures(site_db: Path) -> None:
    assert _chart(site_db, "reports-count", {}) == [{"n": "6"}]
    assert _chart(site_db, "requests-count", {"year": "2024"}) == [{"n": "242"}]
    mix = _chart(site_db, "outcome-mix", {})
    assert [r["结果"] for r in mix] == ["予以公开", "部分公开", "不予公开", "无法提供", "不予处理",
                                      "其他处理"]  # the table's order
    assert round(sum(r["占比"] for r in mix)) == 100 and all("%" in r["百分比"] for r in mix)
    assert {r["结果"]: r["件数"] for r in mix}["予以公开"] == 55 * 2 + 1 + 28 + 4 + 10
    for name, flt in DASHBOARDS["overview"]["filters"].items():
        status, rows = _get(site_db, "/ogi.json?" + urlencode({"sql": flt["query"],
                                                               "_shape": "array"}))
        assert status == 200 and rows, name


def test_top_chart_agrees_with_the_query(site_db: Path) -> None:
    chart = _chart(site_db, "top-reports", {"year": "2024"})
    query = _query(site_db, "top_reports", province="", year="2024")
    assert [r["新收申请"] for r in chart] == [r["新收申请"] for r in query][:10]
    assert chart[0]["报告"] == "吴忠市人民政府办公室（2024）"


# -- ogi serve -------------------------------------------------------------------------------

def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1 and "none.db：还没有数据库" in result.output
    assert "网站已启动" not in result.output


def test_serve_names_a_busy_port(site_db: Path, tmp_path: Path) -> None:
    db = _copy(site_db, tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--port", str(port)])
    assert result.exit_code == 1
    assert f"端口 {port} 已被占用" in result.output and "--port" in result.output
    assert "网站已启动" not in result.output


def test_metadata_is_installed_with_the_package() -> None:
    meta = default_metadata()
    assert meta.is_file() and yaml.safe_load(meta.read_text(encoding="utf-8")) == METADATA
    site = Path(str(resources.files("etl") / "site"))
    for name in ("templates/ogi_report.html", "templates/ogi_agency.html",
                 "templates/ogi_search.html", "static/ogi.css", "static/table.js"):
        assert (site / name).is_file(), name
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "etl*" in setuptools["packages"]["find"]["include"]  # etl.site with it
    patterns = [p for ps in setuptools["package-data"].values() for p in ps]
    for suffix in ("html", "css", "js", "yml"):
        assert any(p.endswith(suffix) for p in patterns), suffix


def test_settings_of_the_site(site_db: Path) -> None:
    ds = make_datasette(site_db, sql_time_limit_ms=1234)
    assert ds.setting("sql_time_limit_ms") == 1234
    assert ds.setting("num_sql_threads") >= 8  # four slow queries do not stall a page
    assert not ds.databases["ogi"].is_mutable


def test_inspect_data(site_db: Path, tmp_path: Path) -> None:
    db = _copy(site_db, tmp_path)
    data = inspect_data(db)
    assert data["ogi"]["tables"]["reports"]["count"] == 6
    out = tmp_path / "ogi.db-inspect.json"
    stamp = out.stat().st_mtime_ns
    assert inspect_data(db) == data and out.stat().st_mtime_ns == stamp  # not remade
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM reports WHERE report_id = '000_prev_2023'")
    conn.commit()
    conn.close()
    assert inspect_data(db)["ogi"]["tables"]["reports"]["count"] == 5


def test_metadata_for_another_database_name(site_db: Path, tmp_path: Path) -> None:
    db = _copy(site_db, tmp_path, "ningxia.db")
    meta = metadata_for(db, REPO / "metadata.yml")
    assert set(meta["databases"]) == {"ningxia"}
    status, rows = _get(db, "/ningxia/top_reports.json?_shape=array&province=&year=2020")
    assert status == 200 and [r["机关"] for r in rows] == ["吴忠市"]
    status, html = _get(db, "/-/dashboards/overview")
    assert status == 200 and '"db": "ningxia"' in html
    _, html = _get(db, "/")
    assert 'href="/ningxia/report_summary"' in html


def test_immutable_site_refuses_writes(site_db: Path) -> None:
    status, data = _get(site_db, "/ogi.json?" + "sql=delete+from+reports&_shape=array")
    assert status == 400
    _, rows = _get(site_db, "/ogi/reports.json?_shape=array")
    assert len(rows) == 6


def test_a_query_cannot_build_a_huge_value(site_db: Path) -> None:
    status, data = _get(site_db, "/ogi.json?" + urlencode(
        {"sql": "select length(randomblob(1000000000))", "_shape": "array"}))
    assert status == 400


def test_report_page_marks_a_blank_cell(site_db: Path, tmp_path: Path) -> None:
    db = _copy(site_db, tmp_path)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE cells SET value = NULL, extracted = NULL, printed = NULL, flags = "
                 "'blank' WHERE "
                 "report_id = ? AND section = 'requests' AND item = 'new' AND measure = "
                 "'research'", [RID])
    conn.commit()
    conn.close()
    _, html = _get(db, f"/-/report/{RID}")
    assert html.count('<td class="num blank" title="原表空白">（空）</td>') == 1


def test_outcome_chart_in_the_tables_order_with_percentages() -> None:
    from etl.site.tables import OUTCOMES, TOTALS

    display = DASHBOARDS["overview"]["charts"]["outcome-mix"]["display"]
    color = display["encoding"]["color"]
    order = [TOTALS[o] for o in OUTCOMES]
    assert color["sort"] == order and color["scale"]["domain"] == order
    granted = color["scale"]["range"][0].lstrip("#")
    red, green = int(granted[:2], 16), int(granted[2:4], 16)
    assert green > red  # 予以公开 is not shown in red
    assert any(layer.get("encoding", {}).get("text", {}).get("field") == "百分比"
               for layer in display["layer"])
