"""Bad PDFs: a one-line error naming the file, the batch goes on, exit status non-zero."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import cli
from etl.errors import PdfError
from etl.extract import extract_report
from tests.conftest import SAMPLES

GOOD = SAMPLES / "001_1f6271bab0582421.pdf"


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(GOOD, folder / "good.pdf")
    (folder / "notes.pdf").write_text("this is a text file, not a PDF\n", encoding="utf-8")
    data = GOOD.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    (folder / "empty.pdf").write_bytes(b"")
    return folder


def test_batch_goes_on_past_bad_pdfs(batch: Path, tmp_path: Path) -> None:
    sheets = tmp_path / "sheets"
    result = CliRunner().invoke(cli, ["extract", str(batch), "--sheets", str(sheets)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 3
    for name in ("notes.pdf", "truncated.pdf", "empty.pdf"):
        assert sum(name in line for line in errors) == 1
    assert "Traceback" not in result.output
    assert sorted(p.name for p in sheets.iterdir()) == ["good.xlsx"]


@pytest.mark.parametrize(("name", "reason"), [
    ("notes.pdf", "不是 PDF 文件"),
    ("truncated.pdf", "已损坏或不完整"),
    ("empty.pdf", "不是 PDF 文件"),
])
def test_error_names_file_and_reason(batch: Path, name: str, reason: str) -> None:
    with pytest.raises(PdfError) as info:
        extract_report(batch / name)
    assert name in str(info.value) and reason in str(info.value)


def test_pdf_without_report_tables(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "letter.pdf"
    c = canvas.Canvas(str(path))
    c.drawString(72, 720, "A letter with no tables at all.")
    c.save()
    with pytest.raises(PdfError, match="letter.pdf: 未找到报告表格"):
        extract_report(path)


def test_image_only_pdf_says_it_needs_ocr(tmp_path: Path) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(72, 72, 400, 600, fill=1)  # drawn marks, no text layer
    c.save()
    with pytest.raises(PdfError, match="scan.pdf: 没有文字层.*OCR"):
        extract_report(path)
