"""The stable key of an agency over its years, for a database whose ``reports`` has no
``agency_key`` column of the loader's: the place code and the name with its place names
taken off, the government's own forms said one way. 洪泽区人民政府 (2023) and
淮安市洪泽区人民政府 (2024) are both ``320813:人民政府``; 淮安市洪泽区教育局 is
``320813:教育局``. Without a place code the name is kept whole: two governments of places
the gazetteer cannot tell apart (朝阳区 of 北京市 and of 长春市) must not become one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from etl import place

# What is left of a government's name after its place, said one way; its office apart
# (a government's office may publish a report of its own as a department).
_FORMS = {"": "人民政府", "人民政府": "人民政府", "政府": "人民政府",
          "人民政府办公室": "人民政府办公室", "政府办公室": "人民政府办公室",
          "人民政府办公厅": "人民政府办公厅", "政府办公厅": "人民政府办公厅",
          "管委会": "管理委员会", "管理委员会": "管理委员会"}


@lru_cache(maxsize=65536)
def normalised_name(agency: str) -> str:
    """``agency`` without the place names it starts with (as etl.place reads them)."""
    text = re.sub(r"\s+", "", agency)
    _, codes = place._gazetteer()  # the reading place_of makes, to know where the place ends
    starts = {rest for _, rest in place._readings(text, 0, None, max(map(len, codes)))}
    rest = text[starts.pop():] if len(starts) == 1 else text
    return _FORMS.get(rest, rest)


def agency_key(adcode: str | None, agency: str | None) -> str | None:
    """``<adcode>:<normalised name>``; ``:<name as printed>`` without a place code."""
    if not agency:
        return f"{adcode}:" if adcode else None
    if not adcode:
        return ":" + re.sub(r"\s+", "", agency)
    return f"{adcode}:{normalised_name(agency)}"
