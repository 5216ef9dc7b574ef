"""The library's own exceptions: only ``etl.cli`` turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from etl.i18n import _


class EtlError(Exception):
    """Base of every error ogi-etl raises on bad input."""


class PdfError(EtlError):
    """A PDF that cannot be read or holds no report tables."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class Problem:
    """One validation problem: where (file, sheet!cell), what is wrong, the value found and
    what the cell is called on the sheet (its row and column labels, a field's name)."""

    file: str
    where: str
    what: str
    value: str = ""
    label: str = ""

    def __str__(self) -> str:
        at = "" if self.where in ("", "-") else f" {self.where}"
        at += f"（{self.label}）" if self.label else ""
        shown = _("，现为「{value}」").format(value=self.value) if self.value != "" else ""
        return f"{self.file}{at}：{self.what}{shown}"


class WorkbookError(EtlError):
    """A workbook refused whole; ``problems`` lists every problem found, not just the first."""

    def __init__(self, path: str | Path, problems: list[Problem]) -> None:
        self.path = Path(path)
        self.problems = problems
        head = str(problems[0]) if problems else _("{path}：工作簿无效").format(path=self.path)
        more = _("（另有 {n} 处）").format(n=len(problems) - 1) if len(problems) > 1 else ""
        super().__init__(head + more)


class OcrError(EtlError):
    """The OCR engine cannot be loaded (a broken install, not a bad PDF): every scanned PDF
    of the batch fails with it, the others extract."""


class SchedulerError(EtlError):
    """The Dask scheduler a batch was to run on cannot be reached (or is not one)."""
