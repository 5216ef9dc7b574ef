"""End to end in a real browser: ``ogi serve`` as a subprocess on a free port, driven with
Debian's chromium through Playwright (never a downloaded browser). Screenshots are saved in
the test's tmp folder and copied to /tmp/ogi-screens/."""

from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_publish import build_site_db

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = Path("/tmp/ogi-screens")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian chromium at /usr/bin/chromium "
                                       "(apt-get install chromium fonts-noto-cjk)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(sample_sheets: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ogi serve`` on the site database, as people start it; yields its base URL."""
    db = build_site_db(sample_sheets, tmp_path_factory.mktemp("browser-site"))
    port = _free_port()
    log = db.with_name("serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "etl", "serve", "--db", str(db), "--port", str(port),
         "--metadata", str(REPO / "metadata.yml")], cwd=REPO, stdout=log,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/versions.json", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail("ogi serve did not start:\n"
                                + db.with_name("serve.log").read_text())
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_site_in_chromium(site: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots: list[Path] = []

    def shot(page, name: str, full_page: bool = False) -> None:  # noqa: ANN001
        path = tmp_path / f"{len(shots) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        shots.append(path)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                    accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            outside: list[str] = []  # everything, Vega included, must come from the site
            page.on("request", lambda r: None if r.url.startswith((site, "data:"))
                    else outside.append(r.url))

            # 1. the home page: Chinese title, counts with separators, links by topic
            page.goto(site + "/")
            expect(page.locator("h1")).to_contain_text("政府信息公开工作年度报告数据库")
            expect(page.locator(".ogi-counts")).to_contain_text("共 6 份报告")
            expect(page.locator(".ogi-counts")).to_contain_text("1,198")
            shot(page, "home", full_page=True)

            # 2. report_summary: Chinese headers; click the 层级 facet's 县级
            page.get_by_role("link", name="报告汇总", exact=True).first.click()
            page.wait_for_url("**/ogi/report_summary**")
            table = page.locator("table.rows-and-columns")
            for header in ("报告编号", "机关名称", "新收申请", "公开率"):
                expect(table.locator("thead")).to_contain_text(header)
            facet = page.locator('.facet-info[data-column="层级"]')
            facet.get_by_role("link", name="县级", exact=True).click()
            page.wait_for_url("**%E5%B1%82%E7%BA%A7=**")
            expect(table.locator("tbody tr")).to_have_count(3)
            expect(table).to_contain_text("平罗县人民政府办公室")
            expect(table).not_to_contain_text("吴忠市人民政府办公室")
            expect(table).to_contain_text("46.2%")
            shot(page, "summary-facet-county", full_page=True)

            # the base table keeps its codes but shows them in Chinese: level county -> 县级
            page.goto(site + "/ogi/reports")
            expect(page.locator('th[data-column="report_id"]')).to_contain_text("报告编号")
            expect(page.locator('.facet-info[data-column="level"]')).to_contain_text("县级")
            expect(page.locator('.facet-info[data-column="status"]')).to_contain_text("未审核")

            # 3. a report page, reached from its id: the three tables, failed and corrected
            page.goto(site + "/ogi/report_summary?_sort=年度")
            page.get_by_role("link", name="000_prev_2023", exact=True).first.click()
            page.wait_for_url("**/-/report/000_prev_2023")
            expect(page.locator("h1")).to_contain_text("吴忠市人民政府办公室 2023 年")
            failed = page.locator("td.failed").first
            expect(failed).to_have_attribute("title", "收支平衡不成立：应为 30，实为 190")
            expect(page.locator("td.corrected").first).to_contain_text("原为")
            expect(page.locator("table.ogi-checks tr.bad").first).to_contain_text("收支平衡")
            shot(page, "report-page", full_page=True)

            # 4. a 2-character search (no trigram), matches highlighted
            page.goto(site + "/")
            page.fill("#ogi-q", "台账")
            page.locator("#ogi-q").press("Enter")
            page.wait_for_url("**/-/search?q=**")
            expect(page.locator(".ogi-search-hit")).to_have_count(2)
            expect(page.locator(".ogi-excerpt mark").first).to_have_text("台账")
            shot(page, "search-short-word")

            # the narrative table's own search box is the same search (2 characters too)
            page.goto(site + "/ogi/narrative")
            page.fill("#_search", "台账")
            page.locator("#_search").press("Enter")
            page.wait_for_url("**/-/search?q=**")
            expect(page.locator(".ogi-search-hit")).to_have_count(2)

            # 5. a listing longer than 1,000 rows, exported whole as CSV
            page.goto(site + "/ogi/cells")
            with page.expect_download() as info:
                page.locator("a.ogi-csv-all").click()
            path = tmp_path / "cells.csv"
            info.value.save_as(path)
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
            assert len(rows) == 1 + 1198
            assert rows[0][:3] == ["report_id", "report_id_label", "section"]

            # 6. the dashboard: metrics and Vega charts drawn from the bundled assets
            page.goto(site + "/-/dashboards/overview")
            expect(page.locator("h1")).to_contain_text("政府信息公开申请概览")
            expect(page.locator("#chart-reports-count")).to_contain_text("6")
            expect(page.locator("#chart-requests-count")).to_contain_text("314")
            for chart in ("requests-per-year", "outcome-mix", "top-reports"):
                expect(page.locator(f"#chart-{chart} canvas, #chart-{chart} svg").first
                       ).to_be_visible(timeout=20_000)
            page.wait_for_timeout(500)  # let the charts finish drawing
            shot(page, "dashboard", full_page=True)
            # each chart's "⋯" actions menu (vega-embed) in Chinese
            menu = page.locator("#chart-outcome-mix details")
            expect(menu).to_have_attribute("title", "图表操作")
            menu.locator("summary").click()
            actions = menu.locator(".vega-actions")
            for label in ("保存为 SVG 图片", "保存为 PNG 图片", "查看图表定义",
                          "在 Vega 编辑器中打开"):
                expect(actions).to_contain_text(label)
            expect(actions).not_to_contain_text("Save as")
            assert not errors, errors
            assert not outside, outside
        finally:
            browser.close()

    SCREENS.mkdir(parents=True, exist_ok=True)
    for path in shots:
        shutil.copy(path, SCREENS / path.name)
    assert [p.name for p in shots] == [
        "01-home.png", "02-summary-facet-county.png", "03-report-page.png",
        "04-search-short-word.png", "05-dashboard.png"]
    assert all(p.stat().st_size > 10_000 for p in shots)


def test_served_read_only_with_a_time_limit(site: str) -> None:
    """What ``ogi serve`` started: the database immutable, counts from the inspect file, the
    SQL time limit set, and writing SQL refused."""
    import json

    def get(path: str) -> object:
        with urllib.request.urlopen(site + path, timeout=10) as response:
            return json.load(response)

    [db] = get("/-/databases.json")
    assert (db["name"], db["is_mutable"]) == ("ogi", False)
    assert get("/-/settings.json")["sql_time_limit_ms"] == 3000
    plugins = {p["name"] for p in get("/-/plugins.json")}
    assert {"datasette-dashboards", "etl.site.plugin"} <= plugins
    try:
        urllib.request.urlopen(site + "/ogi.json?sql=delete+from+reports", timeout=10)
        raise AssertionError("a DELETE was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 400
    assert len(get("/ogi/reports.json?_shape=array")) == 6
