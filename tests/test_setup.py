"""Set-up that tells the truth: the package installs quietly with its data files, the PDF
tools that must make identical bytes are pinned, and an SQLite too old for the Chinese
full-text index is named instead of failing somewhere inside a load."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

import etl.schema
from etl.cli import cli
from etl.errors import EtlError
from tests.conftest import REPO


def test_the_package_builds_without_warnings_and_with_its_data(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps",
                             "-w", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "absent from the" not in output and "Warning" not in output, output
    (wheel,) = tmp_path.glob("ogi_etl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"etl/data/gidar-cells.csv", "etl/locale/en/LC_MESSAGES/ogi.mo",
            "etl/locale/zh/LC_MESSAGES/click.mo"} <= names
    assert not any(n.startswith(("tests/", "scripts/", "benchmarks/")) for n in names)


def test_reportlab_is_pinned_to_the_version_installed() -> None:
    """The sample and fixture PDFs are compared byte for byte with what the scripts make."""
    dev = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["optional-dependencies"]["dev"]
    (pin,) = [d for d in dev if re.match(r"reportlab\b", d)]
    assert re.fullmatch(r"reportlab==[\d.]+", pin), pin
    assert pin == f"reportlab=={version('reportlab')}"


def test_an_sqlite_without_trigram_is_named(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(etl.schema, "sqlite_version", lambda db: (3, 31, 1))
    with pytest.raises(EtlError, match=r"SQLite 3\.31\.1 太旧：.*需要 SQLite 3\.34\.0 或更新"):
        etl.schema.ensure_schema(Database(tmp_path / "a.db"))
    sheets = tmp_path / "sheets"
    assert CliRunner().invoke(cli, ["template", "--agency", "某县人民政府", "--year", "2024",
                                    "--sheets", str(sheets)]).exit_code == 0
    result = CliRunner().invoke(cli, ["load", "--sheets", str(sheets), "--db",
                                      str(tmp_path / "b.db")])
    assert result.exit_code == 1 and "错误：SQLite 3.31.1 太旧" in result.output
    assert "Traceback" not in result.output


def test_this_sqlite_has_trigram(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.db")
    assert etl.schema.sqlite_version(db) >= etl.schema.TRIGRAM_SQLITE
    etl.schema.ensure_schema(db)
    assert db["narrative"].detect_fts() == "narrative_fts"


def test_one_opencv_the_headless_build() -> None:
    """rapidocr asks for the GUI OpenCV, camelot for the headless one; both install cv2 and
    the GUI build needs libGL, which a server lacks: `make install` keeps the headless one
    only (scripts/headless_cv2.py), and cv2, camelot and the OCR engine all import."""
    from importlib.metadata import PackageNotFoundError

    with pytest.raises(PackageNotFoundError):
        version("opencv-python")
    assert version("opencv-python-headless")
    result = subprocess.run([sys.executable, "-c", "import cv2, camelot, rapidocr_onnxruntime;"
                             "print(cv2.getBuildInformation())"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    gui = re.search(r"GUI:\s*(\S+)", result.stdout)
    assert gui is None or gui.group(1) == "NONE", gui
