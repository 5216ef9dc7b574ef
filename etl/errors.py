"""The library's own exceptions: only ``etl.cli`` turns them into messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
    """One validation problem: where (file, sheet!cell), what is wrong, and the value found."""

    file: str
    where: str
    what: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" (found {self.value!r})" if self.value != "" else ""
        return f"{self.file}: {self.where}: {self.what}{shown}"


class WorkbookError(EtlError):
    """A workbook refused whole; ``problems`` lists every problem found, not just the first."""

    def __init__(self, path: str | Path, problems: list[Problem]) -> None:
        self.path = Path(path)
        self.problems = problems
        head = str(problems[0]) if problems else f"{self.path}: invalid workbook"
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(head + more)


class SchedulerError(EtlError):
    """The Dask scheduler a batch was to run on cannot be reached (or is not one)."""
