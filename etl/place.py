"""Where an agency sits: province, city, county, adcode (from the cpca gazetteer) and an
administrative level for faceting."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# What is left of an agency name after its place, when the report is the government's own.
_GOVERNMENT = {"", "人民政府", "人民政府办公室", "人民政府办公厅", "政府", "政府办公室",
               "政府办公厅", "管委会", "管理委员会"}


@dataclass(frozen=True)
class Place:
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None
    level: str | None = None  # province | city | county | department


def _clean(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


@lru_cache(maxsize=4096)
def place_of(agency: str | None) -> Place:
    """Place of an agency name as printed; an empty ``Place`` when the gazetteer finds none."""
    if not agency:
        return Place()
    import cpca  # loads its gazetteer on first use

    row = cpca.transform([agency]).iloc[0]
    province, city, county = (_clean(row["省"]), _clean(row["市"]), _clean(row["区"]))
    code = row["adcode"]
    adcode = str(code) if isinstance(code, str | int) else None  # NaN when not found
    if province is None:
        return Place()
    rest = (_clean(row["地址"]) or "").strip()
    if rest not in _GOVERNMENT:
        level = "department"
    else:
        level = "county" if county else "city" if city else "province"
    return Place(province, city, county, adcode, level)
