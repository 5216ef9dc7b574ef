"""The template contract and the bundled samples stay in step with ../shared."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import cli
from tests.conftest import REPO, SAMPLES, SHARED

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


@pytest.mark.skipif(not SHARED.exists(), reason="../shared not beside the project")
def test_bundled_cells_csv_is_the_shared_contract() -> None:
    bundled = (REPO / "etl" / "data" / "gidar-cells.csv").read_bytes()
    assert bundled == (SHARED / "gidar-cells.csv").read_bytes()


@pytest.mark.skipif(not (SHARED.exists() and FONT.exists()),
                    reason="needs ../shared and Debian's fonts-wqy-zenhei")
def test_make_samples_reproduces_the_committed_pdfs(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_samples.py"),
                    "--out", str(tmp_path / "pdf"), "--expected", str(tmp_path / "json")],
                   check=True, capture_output=True)
    for pdf in SAMPLES.glob("*.pdf"):
        made = (tmp_path / "pdf" / pdf.name).read_bytes()
        assert hashlib.sha256(made).digest() == hashlib.sha256(pdf.read_bytes()).digest(), pdf
        want = (REPO / "tests" / "expected" / f"{pdf.stem}.json").read_text(encoding="utf-8")
        assert (tmp_path / "json" / f"{pdf.stem}.json").read_text(encoding="utf-8") == want


def test_build_samples_end_to_end(tmp_path: Path) -> None:
    db, sheets = tmp_path / "db" / "ogi.db", tmp_path / "sheets"
    result = CliRunner().invoke(cli, ["build", str(SAMPLES), "--sheets", str(sheets),
                                      "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "已写入 5 个" in result.output and "载入 5 个，未改变 0 个，拒绝 0 个" in result.output
    assert len(list(sheets.glob("*.xlsx"))) == 5 and db.exists()
