from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from etl.build import extract_to_sheets, find_pdfs
from etl.layout import META_FIELDS, META_VALUE_COL
from etl.load import load

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
EXPECTED = REPO / "tests" / "expected"
SHARED = REPO.parent / "shared"


def meta_cell(field: str) -> str:
    """The A1 reference of a meta field's value cell on the meta sheet."""
    return f"{get_column_letter(META_VALUE_COL)}{META_FIELDS.index(field) + 2}"


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
