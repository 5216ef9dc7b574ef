"""Expected-output tests: the bundled sample PDFs against their expected cells."""

from __future__ import annotations

import pytest

from etl import template as tpl
from etl.extract import detect_template, extract_report, parse_title
from etl.mapping import match_label
from etl.report import ABSENT, BLANK, DERIVED, UNPARSED, parse_number
from tests.conftest import EXPECTED, SAMPLES, expected

# The samples are the ones with a truth: a sample PDF gone missing fails its test below
# instead of quietly taking the test with it.
STEMS = sorted(p.stem for p in EXPECTED.glob("*.json"))


@pytest.mark.parametrize("stem", STEMS)
def test_sample_extracts_every_cell(stem: str) -> None:
    want = expected(stem)
    report = extract_report(SAMPLES / f"{stem}.pdf")
    assert (report.agency, report.year, report.template) == (
        want["agency"], want["year"], want["template"])
    assert len(report.cells) == len(tpl.cells(want["template"])) == len(want["cells"])
    wrong = []
    for c in want["cells"]:
        cell = report.cells[(c["table"], c["item"], c["measure"])]
        if cell.value != c["value"] or type(cell.value) is not type(c["value"]):
            wrong.append((c, cell.value, cell.printed))
        if c.get("absent"):
            assert ABSENT in cell.flags and DERIVED in cell.flags, cell
        elif c.get("blank_in_source"):
            assert BLANK in cell.flags and cell.value is None
        else:
            assert cell.page is not None and cell.box is not None and cell.printed is not None
    assert wrong == []


def test_missing_total_column_is_derived_and_marked() -> None:
    report = extract_report(SAMPLES / "003_dca3b8d882aa9ceb.pdf")
    totals = [report.cells[("requests", i, "total")] for i in tpl.items("2021", "requests")]
    assert all(DERIVED in c.flags and c.printed is None for c in totals)
    new = report.cells[("requests", "new", "total")]
    assert new.value == sum(report.value("requests", "new", a) for a in tpl.applicants())


@pytest.mark.parametrize(("text", "kind", "value", "flags"), [
    ("2,229", "count", 2229, []),
    ("１８７", "count", 187, []),
    ("+1953", "signed", 1953, []),
    ("-1", "signed", -1, []),
    ("84933.6787（万元）", "decimal", 84933.6787, []),
    ("1963.2989", "decimal", 1963.2989, []),
    ("0", "decimal", 0.0, []),
    ("", "count", None, [BLANK]),
    ("  ", "count", None, [BLANK]),
    ("/", "count", None, [UNPARSED]),
    ("无", "count", None, [UNPARSED]),
    ("abc", "count", None, [UNPARSED]),
])
def test_parse_number(text: str, kind: str, value: object, flags: list[str]) -> None:
    got, got_flags, _ = parse_number(text, kind)
    assert got == value and type(got) is type(value)
    assert got_flags == flags


def test_match_label_tolerates_numbering_spaces_and_truncation() -> None:
    keys = tpl.label_keys("2021", "requests")
    # a parent label glued to its leaf still maps to the leaf
    assert match_label("（三）不\n予公开 1.属于国家秘密", keys) == ("withheld_state_secret", True)
    assert match_label("1. 属于国家秘密", keys) == ("withheld_state_secret", True)
    truncated = "(二) 部分公开（区分处理的，只\n计这一情形，不计其"
    assert match_label(truncated, keys) == ("partial", True)
    assert match_label("3.其他", keys) == ("other_misc", True)
    assert match_label("（七）总计", keys) == ("handled_total", True)
    assert match_label("信息内容", keys) == (None, True)


def test_template_told_from_headings_not_year() -> None:
    assert detect_template("信息内容 本年制发件数 本年废止件数 现行有效件数") == "2021"
    assert detect_template("2021年 信息内容 本年新制作数量 本年新公开数量") == "2019"
    assert detect_template("no tables here") is None


def test_parse_title() -> None:
    assert parse_title("吴忠市人民政府办公室\r\n2024 年政府信息公开工作年度报告\r\n根据") == (
        "吴忠市人民政府办公室", 2024)
    assert parse_title("红寺堡区 2024 年政府信息公开工作年度报告") == ("红寺堡区", 2024)
    assert parse_title("一份没有标题的文件") == (None, None)
