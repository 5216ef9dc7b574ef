"""Set-up that tells the truth: the package installs quietly with its data files, what the
code imports comes with what it declares, the PDF tools that must make identical bytes are
pinned, and an SQLite too old for the Chinese full-text index is named instead of failing
somewhere inside a load."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import PackageNotFoundError, packages_distributions, requires, version
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


def _declared() -> list[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def _installed_with(requirements: list[str]) -> set[str]:
    """The distributions installing ``requirements`` brings: them and what they require in
    turn (with the extras asked for), by canonical name."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        key = (canonicalize_name(req.name), frozenset(req.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            needs = requires(req.name) or []
        except PackageNotFoundError:
            continue
        for need in map(Requirement, needs):
            if need.marker is None or any(need.marker.evaluate({"extra": e})
                                          for e in req.extras or {""}):
                todo.append(need)
    return {name for name, _extras in seen}


def _imported() -> dict[str, str]:
    """Top-level modules the package, its scripts, benchmarks and tests import, none of
    Python's own or the project's: module -> a file importing it."""
    found: dict[str, str] = {}
    folders = ("etl", "scripts", "benchmarks", "tests")
    local = {*folders, *(p.stem for f in folders[1:] for p in (REPO / f).glob("*.py"))}
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in local:
                        found.setdefault(top, str(path.relative_to(REPO)))
    return found


def test_every_module_the_code_imports_comes_with_a_declared_dependency() -> None:
    """A fresh ``make install`` installs what pyproject.toml declares, and only that: a
    module installed here by hand would pass everything but fail on a new machine
    (benchmarks/write_speed.py imported XlsxWriter, which nothing declared)."""
    from packaging.utils import canonicalize_name

    installed = _installed_with(_declared())
    owners = packages_distributions()
    missing = {module: where for module, where in _imported().items()
               if not {canonicalize_name(d) for d in owners.get(module, [])} & installed}
    assert not missing, f"imported, but no declared dependency installs it: {missing}"


def test_reportlab_is_pinned_to_the_version_installed() -> None:
    """The sample and fixture PDFs are compared byte for byte with what the scripts make."""
    (pin,) = [d for d in _declared() if re.match(r"reportlab\b", d)]
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
