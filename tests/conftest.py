from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

# The tests read what a person reads in ogi's default language, Chinese, whatever the
# machine's locale (tests/test_i18n.py asks for English itself).
os.environ["LANGUAGE"] = "zh_CN"

from etl.build import extract_to_sheets, find_pdfs  # noqa: E402
from etl.layout import META_FIELDS, META_VALUE_COL, layout  # noqa: E402
from etl.load import load  # noqa: E402

pytest_plugins = ["pytester"]  # tests/test_ci.py runs the skip rule below on its own tests

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
EXPECTED = REPO / "tests" / "expected"
SHARED = REPO.parent / "shared"


NEW_NP = ("requests", "new", "natural_person")  # the cell the tests correct most


def meta_cell(field: str) -> str:
    """The A1 reference of a meta field's value cell on the meta sheet."""
    return f"{get_column_letter(META_VALUE_COL)}{META_FIELDS.index(field) + 2}"


def cell_at(key: tuple[str, str, str], template: str = "2021") -> tuple[str, str]:
    """Where the value of ``key`` is in a review workbook: (sheet, A1 reference on it),
    found through the layout as the writer and the reader find it."""
    sheet, row, col = layout(template)[key]
    return sheet, f"{get_column_letter(col)}{row}"


def cell_ref(key: tuple[str, str, str], template: str = "2021") -> str:
    """The A1 reference of the value of ``key`` on its sheet."""
    return cell_at(key, template)[1]


def edit_cell(path: Path, sheet: str, ref: str, value: object) -> None:
    """What a reviewer does in Excel: type ``value`` into one cell and save."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb[sheet][ref] = value
    wb.save(path)


def set_value(path: Path, key: tuple[str, str, str], value: object,
              template: str = "2021") -> str:
    """Type ``value`` into the cell of ``key``; returns where (``sheet!A1``)."""
    sheet, ref = cell_at(key, template)
    edit_cell(path, sheet, ref, value)
    return f"{sheet}!{ref}"


def other_year(src: Path, report_id: str, year: int) -> Path:
    """A genuine workbook of another report made from ``src`` (as ``ogi extract`` would
    have written it: a copy of the file itself is refused as a forgery), beside it."""
    from etl.sheets import write_workbook
    from etl.sheets_read import read_workbook

    report = read_workbook(src)
    report.report_id, report.year, report.source_file = report_id, year, f"{report_id}.pdf"
    return write_workbook(report, src.with_name(f"{report_id}.xlsx"))


def expected(stem: str) -> dict:
    return json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_sheets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The five sample PDFs extracted once into workbooks (read-only for tests: copy first)."""
    out = tmp_path_factory.mktemp("sheets")
    outcomes = list(extract_to_sheets(find_pdfs([SAMPLES]), out))
    assert [o.status for o in outcomes] == ["written"] * 5, [o.message for o in outcomes]
    return out


@pytest.fixture
def sheets(sample_sheets: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the sample workbooks."""
    return Path(shutil.copytree(sample_sheets, tmp_path / "sheets"))


@pytest.fixture(scope="session")
def sample_db(sample_sheets: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("db") / "ogi.db"
    result = load(sample_sheets, db)
    assert len(result.loaded) == 5 and not result.refused
    return db


# --- CI tells the truth: under CI=true a skipped test fails the run ------------------------
# A test skips where a tool it needs is missing (LibreOffice, chromium, a font, ../shared).
# On a developer's machine that is said (make test runs pytest -rs); in CI the tool must be
# there (.ci/run installs it), so a skip there is a failure naming what is missing. A test
# that may legitimately skip in CI says so: @pytest.mark.skip_ok_in_ci("why").


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "skip_ok_in_ci(reason): this test may skip in CI")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _in_ci() and not hasattr(report, "wasxfail") \
            and item.get_closest_marker("skip_ok_in_ci") is None:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        reason = str(reason).removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = (f"CI=true and this test skipped ({reason}): CI must run it. "
                           "Install what it needs in .ci/run, or mark it "
                           "@pytest.mark.skip_ok_in_ci(\"why\").")
