"""Where an agency sits: province, city, county, adcode (from the gazetteer of the ``cpca``
package) and an administrative level for faceting.

A place is right or blank, never a guess. The agency name is read from its start as a chain
of full administrative names (广东省 深圳市 南山区 …), each inside the one before; what
cannot be told for certain is left blank:

- a name the gazetteer has more than once (朝阳区 is in 北京市 and in 长春市) with nothing
  before it to choose: only what every reading agrees on is kept;
- a name the gazetteer does not know (某县, a district created after it was compiled): that
  part and everything below it stay blank.

A municipality's district has the municipality as its city (北京市 / 北京市 / 海淀区); a
county-level city under its province directly (济源市) has no city. cpca's own matcher is not
used: it takes a lone 县 for 重庆市's group of counties and guesses among equal names.

``agency_key`` is an agency's stable key over its years: the place code and the name with
its place names taken off, the government's own forms said one way. 洪泽区人民政府 (2023)
and 淮安市洪泽区人民政府 (2024) are both ``320813:人民政府``; 淮安市洪泽区教育局 is
``320813:教育局``. Without a place code the name is kept whole: two governments of places
the gazetteer cannot tell apart (朝阳区 of 北京市 and of 长春市) must not become one.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

# What is left of an agency name after its place, when the report is the government's own.
_GOVERNMENT = {"", "人民政府", "人民政府办公室", "人民政府办公厅", "政府", "政府办公室",
               "政府办公厅", "管委会", "管理委员会"}
_GOVERNMENT_SUFFIX = "人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府办公厅|政府"
# The government of a unit the gazetteer does not know: its level from what the unit is.
_UNKNOWN_UNIT = re.compile(
    rf"^[\u4e00-\u9fff]{{1,10}}?(?P<unit>自治县|县|区|旗|自治州|州|盟|地区|市)(?:{_GOVERNMENT_SUFFIX})$")
_UNIT_LEVEL = {"自治县": "county", "县": "county", "区": "county", "旗": "county",
               "自治州": "city", "州": "city", "盟": "city", "地区": "city"}
# Gazetteer entries that group units and are never part of a name as printed.
_GROUPS = {"市辖区", "县", "省直辖县级行政区划"}
_MUNICIPALITIES = {"11", "12", "31", "50"}
# Names commonly printed without their full form.
_SHORT = {"内蒙古": "150000", "广西": "450000", "西藏": "540000", "宁夏": "640000",
          "新疆": "650000"}
# Areas that are no unit of the gazetteer but lie within one: the unit they are.
# 平潭综合实验区 is 福州市平潭县 (one area, two names; the 管委会 governs the county).
_AREAS = {"平潭综合实验区": "350128"}
_LEVELS = ("province", "city", "county")
# What is left of a government's name after its place, said one way; its office apart
# (a government's office may publish a report of its own as a department).
_FORMS = {"": "人民政府", "人民政府": "人民政府", "政府": "人民政府",
          "人民政府办公室": "人民政府办公室", "政府办公室": "人民政府办公室",
          "人民政府办公厅": "人民政府办公厅", "政府办公厅": "人民政府办公厅",
          "管委会": "管理委员会", "管理委员会": "管理委员会"}


@dataclass(frozen=True)
class Place:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None
    level: str | None = None  # province | city | county | department


def _rank(code: str) -> int:
    return 0 if code.endswith("0000") else 1 if code.endswith("00") else 2


def _inside(code: str, parent: str | None) -> bool:
    if parent is None:
        return True
    return _rank(code) > _rank(parent) and code.startswith(parent[:2 * (_rank(parent) + 1)])


@cache
def _gazetteer() -> tuple[dict[str, str], dict[str, list[str]]]:
    """(adcode -> name, name as printed -> adcodes), from cpca's table (read directly:
    importing cpca builds its matcher, which takes a second and imports pandas)."""
    spec = importlib.util.find_spec("cpca")
    assert spec is not None and spec.origin is not None, "cpca is a dependency"
    table = Path(spec.origin).parent / "resources" / "adcodes.csv"
    names: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    with table.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["adcode"][:6], row["name"]
            names[code] = name
            if name not in _GROUPS:
                codes.setdefault(name, []).append(code)
    # Provinces and cities are often printed without 省 / 市 (苏州工业园区): their short
    # names, read only where no full name fits (and as ambiguous as any other name).
    for code, name in names.items():
        if _rank(code) < 2 and name[-1] in "省市" and len(name) > 2 and name not in _GROUPS:
            codes.setdefault(name[:-1], []).append(code)
    for name, code in {**_SHORT, **_AREAS}.items():
        codes.setdefault(name, []).append(code)
    return names, codes


def _readings(text: str, pos: int, parent: str | None,
              longest: int) -> list[tuple[list[str], int]]:
    """Every way to read administrative names from ``text[pos:]`` down from ``parent``:
    (the adcodes read, where the rest begins). The longest name that fits is taken; a name
    the gazetteer has several times inside ``parent`` gives several readings."""
    _, codes = _gazetteer()
    for end in range(min(len(text), pos + longest), pos, -1):
        fitting = [c for c in codes.get(text[pos:end], ()) if _inside(c, parent)]
        if fitting:
            out = []
            for code in fitting:
                for chain, rest in _readings(text, end, code, longest):
                    out.append(([code, *chain], rest))
            return out
    return [([], pos)]


def _levels(code: str) -> tuple[str | None, str | None, str | None]:
    """(province, city, county) codes of ``code``; a grouping entry (a municipality's 市辖区
    or 县, a province's 省直辖县级行政区划) is no city."""
    names, _ = _gazetteer()
    rank = _rank(code)
    province = code[:2] + "0000"
    city = code[:4] + "00" if rank >= 1 else None
    if city is not None and names.get(city) in _GROUPS | {None}:
        city = province if code[:2] in _MUNICIPALITIES else None
    return province, city, code if rank == 2 else None


@lru_cache(maxsize=4096)
def place_of(agency: str | None) -> Place:
    """Place of an agency name as printed; blank where the gazetteer cannot tell for sure."""
    if not agency:
        return Place()
    names, codes = _gazetteer()
    text = re.sub(r"\s+", "", agency)
    readings = _readings(text, 0, None, max(map(len, codes)))
    province, city, county = _agreed(readings)
    level = _level(text, readings)
    if (level == "county" and city is None and province is not None
            and province[:2] in _MUNICIPALITIES):  # a district the gazetteer does not know
        city = province
    return Place(names.get(province) if province else None,
                 names.get(city) if city else None,
                 names.get(county) if county else None,
                 county or city or province, level)


def _agreed(readings: list[tuple[list[str], int]]) -> list[str | None]:
    """(province, city, county) codes every reading agrees on, level by level."""
    agreed: list[str | None] = [None, None, None]
    for i in range(3):
        values = {_levels(chain[-1])[i] if chain else None for chain, _ in readings}
        if len(values) != 1:
            break
        agreed[i] = values.pop()
    return agreed


def _level(text: str, readings: list[tuple[list[str], int]]) -> str | None:
    """The agency's level from what follows the place names: a government of the place's
    own rank, a unit named by its kind, else a department."""
    rest = text[readings[0][1]:] if len({r for _, r in readings}) == 1 else None
    ranks = {_rank(chain[-1]) for chain, _ in readings if chain}
    if rest is not None and rest in _GOVERNMENT:
        return _LEVELS[ranks.pop()] if len(ranks) == 1 else None
    if rest is not None and (m := _UNKNOWN_UNIT.match(rest)):
        if m["unit"] == "市" and ranks == {1}:  # a city inside a prefecture: county-level
            return "county"
        return _UNIT_LEVEL.get(m["unit"])
    return "department"


@lru_cache(maxsize=65536)
def normalised_name(agency: str) -> str:
    """``agency`` without the place names it starts with (as ``place_of`` reads them), the
    government's own forms said one way."""
    text = re.sub(r"\s+", "", agency)
    _, codes = _gazetteer()
    starts = {rest for _, rest in _readings(text, 0, None, max(map(len, codes)))}
    rest = text[starts.pop():] if len(starts) == 1 else text
    return _FORMS.get(rest, rest)


def agency_key(adcode: str | None, agency: str | None) -> str | None:
    """``<adcode>:<normalised name>``; ``:<name as printed>`` without a place code; None
    without a name or a place."""
    if not agency:
        return f"{adcode}:" if adcode else None
    if not adcode:
        return ":" + re.sub(r"\s+", "", agency)
    return f"{adcode}:{normalised_name(agency)}"


def key_of(agency: str | None) -> str | None:
    """The stable key of an agency name as printed (its place code from ``place_of``)."""
    return agency_key(place_of(agency).adcode, agency)
