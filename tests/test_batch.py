"""A batch on a Dask distributed cluster (``--scheduler``) behaves as the local process pool:
the same outcome lines, never-overwrite rules and exit status; an unreachable scheduler is a
one-line error. And the batch's safety: ``--force`` backups out of the loader's way, and
another PDF with the same report id never replaces a workbook without a word."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.build import BACKUP_DIR
from etl.cli import cli
from etl.load import workbooks
from etl.sheets_read import read_workbook
from tests.conftest import NEW_NP, SAMPLES, set_value

KEPT = "004_dc6eabfeda6fcd8b"  # the sample whose workbook a person corrects


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


def _correct(path: Path, value: int = 999) -> None:
    """What a reviewer does in Excel: change one value and save."""
    set_value(path, NEW_NP, value, read_workbook(path).template)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A real cluster on this machine: scheduler and two worker processes over TCP."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        yield cluster.scheduler_address


def _computed(scheduler: str) -> float:
    """Seconds the cluster's workers spent computing ogi's extraction tasks."""
    from distributed import Client

    def count(dask_scheduler: object) -> float:
        prefixes = dask_scheduler.task_prefixes  # type: ignore[attr-defined]
        return sum(p.all_durations.get("compute", 0) for name, p in prefixes.items()
                   if "extract_on_worker" in name)

    with Client(scheduler, set_as_default=False) as client:
        return client.run_on_scheduler(count)


def _batch(root: Path) -> tuple[Path, Path]:
    """The samples plus one broken PDF, and a sheets folder where one sample's workbook was
    extracted earlier (from the agency's first edition of the PDF: other bytes, so the
    batch cannot skip it as unchanged) and corrected by a person."""
    pdfs, sheets = root / "pdfs", root / "sheets"
    pdfs.mkdir(parents=True)
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        shutil.copy(pdf, pdfs / pdf.name)
    data = (SAMPLES / f"{KEPT}.pdf").read_bytes()
    (pdfs / "broken.pdf").write_bytes(data[: len(data) // 3])
    earlier = root / "earlier" / f"{KEPT}.pdf"
    earlier.parent.mkdir()
    earlier.write_bytes(data + b"\n% first edition\n")
    assert _run("extract", str(earlier), "--sheets", str(sheets)).exit_code == 0
    _correct(sheets / f"{KEPT}.xlsx")
    return pdfs, sheets


def test_batch_on_a_dask_cluster(scheduler: str, tmp_path: Path) -> None:
    pdfs, sheets = _batch(tmp_path / "cluster")
    result = _run("extract", str(pdfs), "--sheets", str(sheets), "--scheduler", scheduler)
    assert result.exit_code == 1, result.output  # the broken PDF
    assert "Traceback" not in result.output
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"错误  {pdfs / 'broken.pdf'}: ")
    lines = result.stdout.splitlines()
    written = [x for x in lines if x.startswith("已写入  ")]
    assert len(written) == 4
    assert f"已保留  {pdfs / (KEPT + '.pdf')} -> {sheets / (KEPT + '.xlsx')}：" \
           "工作簿有人工修改，没有覆盖" in "\n".join(lines)
    assert "已写入 4 个，保留 1 个（有人工修改），失败 1 个" in lines
    assert sorted(p.name for p in sheets.glob("*.xlsx")) == sorted(
        f"{p.stem}.xlsx" for p in SAMPLES.glob("*.pdf"))
    assert read_workbook(sheets / f"{KEPT}.xlsx").value(*NEW_NP) == 999  # not overwritten
    assert _computed(scheduler) > 0  # the files were extracted there, not in this process
    # the same batch on the local process pool prints the same lines
    local_pdfs, local_sheets = _batch(tmp_path / "local")
    local = _run("extract", str(local_pdfs), "--sheets", str(local_sheets), "--jobs", "2")
    assert local.exit_code == result.exit_code
    assert result.stdout.replace(str(tmp_path / "cluster"), "X") == \
        local.stdout.replace(str(tmp_path / "local"), "X")
    assert result.stderr.replace(str(tmp_path / "cluster"), "X") == \
        local.stderr.replace(str(tmp_path / "local"), "X")
    # again: every PDF unchanged or kept, nothing parsed
    again = _run("extract", str(pdfs), "--sheets", str(sheets), "--scheduler", scheduler)
    assert "未改变 4 个，保留 1 个（有人工修改），失败 1 个" in again.stdout.splitlines()


def test_build_on_a_dask_cluster(scheduler: str, tmp_path: Path) -> None:
    db = tmp_path / "ogi.db"
    before = _computed(scheduler)
    result = _run("build", str(SAMPLES), "--sheets", str(tmp_path / "sheets"), "--db", str(db),
                  "--scheduler", scheduler)
    assert result.exit_code == 0, result.output
    assert "已写入 5 个" in result.stdout and "载入 5 个" in result.stdout
    assert _computed(scheduler) > before  # extracted on the cluster


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "nonsense"])
def test_unreachable_scheduler_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           address: str) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr("etl.build.CONNECT_TIMEOUT", "1s")
    sheets = tmp_path / "sheets"
    result = _run("extract", str(SAMPLES), "--sheets", str(sheets), "--scheduler", address)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.splitlines() == [
        line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert len(result.stderr.splitlines()) == 1
    assert f"连接不上 Dask 调度器 {address}" in result.stderr
    assert result.stdout == "" and not sheets.exists()


# --- safety: backups and other PDFs with the same report id ------------------------------

def test_force_keeps_the_old_workbook_in_backup_folder_and_load_ignores_it(tmp_path: Path
                                                                           ) -> None:
    sheets, db = tmp_path / "sheets", tmp_path / "ogi.db"
    pdf = str(SAMPLES / f"{KEPT}.pdf")
    assert _run("extract", pdf, "--sheets", str(sheets)).exit_code == 0
    path = sheets / f"{KEPT}.xlsx"
    _correct(path)
    forced = _run("extract", pdf, "--sheets", str(sheets), "--force")
    assert forced.exit_code == 0, forced.output
    assert read_workbook(path).value(*NEW_NP) != 999
    assert sorted(p.name for p in sheets.glob("*.xlsx")) == [f"{KEPT}.xlsx"]
    backups = list((sheets / BACKUP_DIR).glob(f"{KEPT}.*.xlsx"))
    assert len(backups) == 1
    assert read_workbook(backups[0]).value(*NEW_NP) == 999
    assert list(workbooks(sheets)) == [path]
    loaded = _run("load", "--sheets", str(sheets), "--db", str(db))
    assert loaded.exit_code == 0, loaded.output
    assert "载入 1 个，未改变 0 个，拒绝 0 个" in loaded.stdout
    again = _run("extract", pdf, "--sheets", str(sheets), "--force")  # the same second
    assert again.exit_code == 0
    assert len(list((sheets / BACKUP_DIR).glob("*.xlsx"))) == 2  # no backup replaced


def test_another_pdf_with_the_same_report_id_is_refused(tmp_path: Path) -> None:
    sheets, first, second = tmp_path / "sheets", tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    shutil.copy(SAMPLES / "000_59d377ad04b23a3b.pdf", first / "x y.pdf")
    shutil.copy(SAMPLES / "001_1f6271bab0582421.pdf", second / "x_y.pdf")  # another report
    assert _run("extract", str(first / "x y.pdf"), "--sheets", str(sheets)).exit_code == 0
    path = sheets / "x_y.xlsx"
    before = path.read_bytes()
    later = _run("extract", str(second / "x_y.pdf"), "--sheets", str(sheets))
    assert later.exit_code == 1
    assert later.stderr.splitlines() == [
        f"错误  {second / 'x_y.pdf'}：x_y.xlsx 该工作簿由另一个 PDF（x y.pdf）生成，没有覆盖"
        "（两个文件的报告编号相同：把其中一个改名；要用这个 PDF 替换它，加 --force）"]
    assert "失败 1 个" in later.stdout
    assert path.read_bytes() == before
    forced = _run("extract", str(second / "x_y.pdf"), "--sheets", str(sheets), "--force")
    assert forced.exit_code == 0, forced.output
    assert read_workbook(path).source_file == "x_y.pdf"
    assert len(list((sheets / BACKUP_DIR).glob("x_y.*.xlsx"))) == 1
