"""Functions a person can hold: no function or method in etl/ above radon's grade C
(cyclomatic complexity 20). Fails naming each one that grows past it."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_rank, cc_visit

ETL = Path(__file__).resolve().parent.parent / "etl"


def test_no_function_in_etl_above_grade_c() -> None:
    too_complex = []
    for path in sorted(ETL.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if cc_rank(block.complexity) > "C":
                too_complex.append(f"{path.relative_to(ETL.parent)}:{block.lineno} "
                                   f"{block.fullname} {cc_rank(block.complexity)}"
                                   f"({block.complexity})")
    assert too_complex == [], "split these by what they do"
