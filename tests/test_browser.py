"""End to end in a real browser: ``ogi serve`` as a subprocess on a free port, driven with
Debian's chromium through Playwright (never a downloaded browser). Screenshots are saved in
the test's tmp folder and copied to /tmp/ogi-screens/."""

from __future__ import annotations

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
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            outside: list[str] = []  # everything, Vega included, must come from the site
            page.on("request", lambda r: None if r.url.startswith((site, "data:"))
                    else outside.append(r.url))

            # 1. the home page: Chinese title and description, the database and its tables
            page.goto(site + "/")
            expect(page.locator("h1")).to_contain_text("政府信息公开工作年度报告数据库")
            expect(page.get_by_text("每份报告三张表")).to_be_visible()
            expect(page.get_by_role("link", name="reports", exact=True)).to_be_visible()
            expect(page.locator("body")).to_contain_text("4 views")
            shot(page, "home")

            # the database page lists the canned queries by their Chinese titles
            page.get_by_role("link", name="ogi", exact=True).first.click()
            page.wait_for_url("**/ogi")
            for title in ("各年度新收申请数", "各层级机关新收申请数的分位数（P25 / P50 / P75）",
                          "全文检索报告正文"):
                expect(page.get_by_role("link", name=title)).to_be_visible()
            shot(page, "database-queries", full_page=True)

            # 2. the reports table: click the level facet's "county"
            page.goto(site + "/ogi/reports")
            expect(page.locator("h1")).to_contain_text("报告 reports")
            facet = page.locator('.facet-info[data-column="level"]')
            facet.get_by_role("link", name="county", exact=True).click()
            page.wait_for_url("**level=county**")
            expect(page.locator("h3").first).to_contain_text("3 rows")
            expect(page.locator("table.rows-and-columns")).to_contain_text("平罗县人民政府办公室")
            expect(page.locator("table.rows-and-columns")).not_to_contain_text("吴忠市人民政府办公室")
            shot(page, "reports-facet-level-county", full_page=True)

            # 3. a canned query with a parameter, typed into its form
            page.goto(site + "/ogi/report_requests")
            expect(page.locator("h1")).to_contain_text("一个机关的依申请公开情况")
            page.fill('input[name="agency"]', "平罗县")
            page.fill('input[name="year"]', "2024")
            page.click('input[type="submit"]')
            page.wait_for_url("**agency=**")
            table = page.locator("table.rows-and-columns")
            expect(table).to_contain_text("一、本年新收政府信息公开申请数量")
            expect(table.locator("tbody tr")).to_have_count(25)
            first = table.locator("tbody tr").first
            expect(first).to_contain_text("平罗县人民政府办公室")
            expect(first.locator("td").nth(3)).to_have_text("13")  # 自然人
            shot(page, "query-report-requests-pingluo")

            # 4. full-text search over the narrative (trigram index)
            page.goto(site + "/ogi/narrative_search?q=工作台账")
            expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(2)
            expect(page.locator("table.rows-and-columns")).to_contain_text("【工作台账】")
            shot(page, "narrative-search")

            # 5. the dashboard: metrics and three Vega charts drawn from the bundled assets
            page.goto(site + "/-/dashboards")
            page.get_by_role("link", name="政府信息公开申请概览").click()
            page.wait_for_url("**/-/dashboards/overview**")
            expect(page.locator("h1")).to_contain_text("政府信息公开申请概览")
            expect(page.locator("#chart-reports-count")).to_contain_text("6")
            expect(page.locator("#chart-requests-count")).to_contain_text("314")
            for chart in ("requests-per-year", "outcome-mix", "top-agencies"):
                expect(page.locator(f"#chart-{chart} canvas, #chart-{chart} svg").first
                       ).to_be_visible(timeout=20_000)
            page.wait_for_timeout(500)  # let the charts finish drawing
            shot(page, "dashboard", full_page=True)

            # ... filtered to one year with the dashboard's own form
            page.select_option("select#year", "2024")
            page.click('.dashboard-filters input[type="submit"]')
            page.wait_for_url("**year=2024**")
            expect(page.locator("#chart-reports-count")).to_contain_text("4")
            expect(page.locator("#chart-requests-count")).to_contain_text("242")
            expect(page.locator("select#year")).to_have_value("2024")
            expect(page.locator("#chart-top-agencies svg, #chart-top-agencies canvas").first
                   ).to_be_visible(timeout=20_000)
            page.wait_for_timeout(500)
            shot(page, "dashboard-2024", full_page=True)
            assert not errors, errors
            assert not outside, outside
        finally:
            browser.close()

    SCREENS.mkdir(parents=True, exist_ok=True)
    for path in shots:
        shutil.copy(path, SCREENS / path.name)
    assert [p.name for p in shots] == [
        "01-home.png", "02-database-queries.png", "03-reports-facet-level-county.png",
        "04-query-report-requests-pingluo.png", "05-narrative-search.png", "06-dashboard.png",
        "07-dashboard-2024.png"]
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
    assert {"datasette-dashboards"} <= {p["name"] for p in get("/-/plugins.json")}
    try:
        urllib.request.urlopen(site + "/ogi.json?sql=delete+from+reports", timeout=10)
        raise AssertionError("a DELETE was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 400
    assert len(get("/ogi/reports.json?_shape=array")) == 6
