"""Scanned reports read by OCR (etl/ocr.py): scans made from the repository's own PDFs by
scripts/make_scans.py into tmp_path (seeded), scored against the sources' truth."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from etl.checks import check_report
from etl.errors import PdfError
from etl.extract import extract_report
from etl.mapping import by_order
from etl.report import LOW_CONFIDENCE, OCR, UNPARSED, Report

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from make_scans import Scan, make_scan  # noqa: E402

SAMPLES = REPO / "samples"
EXPECTED = REPO / "tests" / "expected"


def truth(stem: str) -> dict:
    return json.loads((EXPECTED / f"{stem}.json").read_text(encoding="utf-8"))


def score(report: Report, want: dict) -> tuple[int, list[tuple]]:
    """(cells right, wrong cells that no flag or failed check catches)."""
    failed = [c for c in check_report(report) if not c.ok]
    right, uncaught = 0, []
    for c in want["cells"]:
        cell = report.cells[(c["table"], c["item"], c["measure"])]
        if cell.value == c["value"]:
            right += 1
        elif not (LOW_CONFIDENCE in cell.flags or UNPARSED in cell.flags or any(
                f.subject in (cell.item, cell.measure) and f.rule.startswith(cell.section)
                for f in failed)):
            uncaught.append((cell.key, cell.value, c["value"]))
    return right, uncaught


def scanned(tmp: Path, stem: str, scan: Scan) -> Report:
    return extract_report(make_scan(SAMPLES / f"{stem}.pdf", tmp / f"{stem}.pdf", scan))


@pytest.fixture(scope="module")
def full_scan(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """A grey 200 dpi scan of every page, skewed, speckled, blurred, JPEG."""
    return scanned(tmp_path_factory.mktemp("full"), "000_59d377ad04b23a3b",
                   Scan(dpi=200, skew=1.5, speckle=0.0003, blur=0.6, seed=1))


def assert_accurate(report: Report, stem: str) -> None:
    want = truth(stem)
    right, uncaught = score(report, want)
    assert right >= 0.995 * len(want["cells"]), (right, len(want["cells"]))
    assert uncaught == []


def test_full_scan_reads_its_tables_and_title(full_scan: Report) -> None:
    want = truth("000_59d377ad04b23a3b")
    assert_accurate(full_scan, "000_59d377ad04b23a3b")
    assert (full_scan.agency, full_scan.year, full_scan.template) == (
        want["agency"], want["year"], want["template"])


def test_ocr_cells_carry_the_flag_and_the_confidence(full_scan: Report) -> None:
    read = [c for c in full_scan.cells.values() if c.printed is not None]
    assert read and all(OCR in c.flags for c in read)
    assert all(c.confidence is not None and 0 <= c.confidence <= 1 for c in read)
    assert all(LOW_CONFIDENCE in c.flags for c in read if c.confidence < 0.9)


def test_seal_over_the_table_is_lifted(tmp_path: Path) -> None:
    report = scanned(tmp_path, "002_a9c952ea755c5d56",
                     Scan(mode="rgb", seal=True, skew=0.8, tables_only=True, seed=2))
    assert_accurate(report, "002_a9c952ea755c5d56")


def test_skewed_black_and_white_partial_scan(tmp_path: Path) -> None:
    """Prose pages kept as text, the table pages images: 300 dpi, 1-bit, turned 3°."""
    report = scanned(tmp_path, "004_dc6eabfeda6fcd8b",
                     Scan(dpi=300, mode="bw", skew=-3.0, speckle=0.0002, tables_only=True,
                          seed=3))
    assert_accurate(report, "004_dc6eabfeda6fcd8b")
    assert report.narrative  # the prose came from the text layer


def test_landscape_page_scanned_on_its_side_is_turned_upright(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    from etl import ocr

    pdf = make_scan(REPO / "tests" / "fixtures" / "landscape-appeals.pdf", tmp_path / "l.pdf",
                    Scan(dpi=200, seed=4))
    doc = pdfium.PdfDocument(str(pdf))
    grids, _text = ocr.read_page(doc[2])
    texts = [s.text for g in grids for row in g for s in row]
    assert "行政复议" in texts and "复议后起诉" in texts
    doc.close()


def test_unreadable_scan_asks_for_manual_entry(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match=r"blurred\.pdf: .*需要手工录入：`ogi template"):
        extract_report(make_scan(SAMPLES / "001_1f6271bab0582421.pdf", tmp_path / "blurred.pdf",
                                 Scan(dpi=60, blur=3.0, quality=10, seed=5)))


def test_rows_whose_labels_are_unreadable_are_placed_by_order() -> None:
    order = ("a", "b", "c", "d")
    # b unreadable between a and c: placed; a row without values is no row of the template.
    assert by_order([("a", True), (None, False), (None, True), ("c", True)], order) == [
        None, None, "b", None]
    # two unread rows where one item is missing: not placed
    assert by_order([("a", True), (None, True), (None, True), ("c", True)], order) == [
        None] * 4
    # nothing matched, exactly the template's rows: by order
    assert by_order([(None, False)] + [(None, True)] * 4, order) == [None, *order]


def test_each_line_of_a_page_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    """The widest lines, read to judge the page's orientation, are not read again with the
    rest: the recogniser is the cost of a page (benchmarks/ocr_speed.py --profile)."""
    import pypdfium2 as pdfium

    from etl import ocr

    pdf = make_scan(SAMPLES / "003_dca3b8d882aa9ceb.pdf", tmp_path / "s.pdf",
                    Scan(dpi=200, skew=1.0, tables_only=True, seed=1))
    read: list[tuple[int, ...]] = []
    layouts: list[ocr._Layout] = []
    recognize, upright = ocr.recognize, ocr._upright
    monkeypatch.setattr(ocr, "recognize", lambda lines: read.extend(
        im.shape for im in lines) or recognize(lines))
    monkeypatch.setattr(ocr, "_upright", lambda *a: layouts.append(upright(*a)) or layouts[-1])
    doc = pdfium.PdfDocument(str(pdf))
    grids, _text = ocr.read_page(doc[1])
    doc.close()
    lines = {box for cells in layouts[0].lines for boxes in cells for box in boxes}
    assert grids and layouts[0].page.turns == 0
    assert len(read) == len(lines) > 8


def test_the_recogniser_runs_on_this_process_s_cores_without_spinning() -> None:
    """One onnxruntime thread per core the process may use, none in a worker of a pool
    (one process per core already), and idle threads asleep: spinning ones take the time
    of the working ones on a busy machine."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    from etl import ocr

    options = ocr._engine().session.get_session_options()
    assert options.intra_op_num_threads == ocr._threads() == len(os.sched_getaffinity(0))
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    with ProcessPoolExecutor(1) as pool:
        assert pool.submit(ocr._threads).result() == 1


def test_a_broken_ocr_install_fails_the_scans_only_in_chinese(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without rapidocr the scanned PDF fails by name with what to do, the text PDF of the
    same batch is written, and the command exits non-zero without a traceback."""
    from click.testing import CliRunner

    from etl import ocr
    from etl.cli import cli

    make_scan(SAMPLES / "001_1f6271bab0582421.pdf", tmp_path / "scan.pdf",
              Scan(dpi=150, seed=2))
    (tmp_path / "text.pdf").write_bytes((SAMPLES / "000_59d377ad04b23a3b.pdf").read_bytes())
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import raises
    ocr._engine.cache_clear()
    try:
        result = CliRunner().invoke(cli, [
            "extract", str(tmp_path / "scan.pdf"), str(tmp_path / "text.pdf"),
            "--sheets", str(tmp_path / "s"), "--jobs", "1"])
    finally:
        ocr._engine.cache_clear()
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    said = f"{tmp_path / 'scan.pdf'}：无法识别扫描页：没有安装 rapidocr-onnxruntime"
    assert said in result.output
    assert (tmp_path / "s" / "text.xlsx").exists()
    assert not (tmp_path / "s" / "scan.xlsx").exists()
