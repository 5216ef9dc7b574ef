"""A source file's identity, read without opening it as a PDF: its sha256 and the report id
its name gives. The loader hashes files with it and needs none of the PDF stack."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def report_id_for(path: Path) -> str:
    """A stable id from the file name, safe as a workbook name and a URL part."""
    return re.sub(r"[^\w.-]+", "_", path.stem).strip("_") or "report"
