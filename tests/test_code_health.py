"""Functions a person can hold: no function or method in etl/ above radon's grade C
(cyclomatic complexity 20). Fails naming each one that grows past it. And the README's
module table matches the modules there are."""

from __future__ import annotations

import re
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


def test_the_readme_module_table_names_every_module_and_no_other() -> None:
    """The first column of the README's module table (``| `etl/x.py`, `etl/y.py` | ... |``)
    against etl/'s modules (a package such as etl/site/ as one row)."""
    readme = (ETL.parent / "README.md").read_text(encoding="utf-8")
    named = {name for line in readme.splitlines() if line.startswith("| `etl/")
             for name in re.findall(r"`(etl/[^`]+)`", line.split("|")[1])}
    modules = {f"etl/{p.name}" for p in ETL.glob("*.py") if not p.name.startswith("__")}
    packages = {f"etl/{p.parent.name}/" for p in ETL.glob("*/__init__.py")}
    assert sorted(named ^ (modules | packages)) == [], "missing from the table, or gone"
