"""An agency's place is right or blank, never wrong: real agency names at every level."""

from __future__ import annotations

import pytest

from etl.place import Place, place_of

N = None
# agency as printed -> province, city, county, adcode, level
PLACES = {
    # province level (a municipality's own government is one)
    "广东省人民政府": ("广东省", N, N, "440000", "province"),
    "浙江省人民政府办公厅": ("浙江省", N, N, "330000", "province"),
    "内蒙古自治区人民政府": ("内蒙古自治区", N, N, "150000", "province"),
    "北京市人民政府": ("北京市", N, N, "110000", "province"),
    # prefecture level
    "广州市人民政府": ("广东省", "广州市", N, "440100", "city"),
    "吴忠市人民政府办公室": ("宁夏回族自治区", "吴忠市", N, "640300", "city"),
    "宁夏回族自治区吴忠市人民政府": ("宁夏回族自治区", "吴忠市", N, "640300", "city"),
    "吉林市人民政府": ("吉林省", "吉林市", N, "220200", "city"),
    "东莞市人民政府": ("广东省", "东莞市", N, "441900", "city"),
    "海南藏族自治州人民政府": ("青海省", "海南藏族自治州", N, "632500", "city"),
    # county level
    "长沙县人民政府": ("湖南省", "长沙市", "长沙县", "430121", "county"),
    "晋江市人民政府": ("福建省", "泉州市", "晋江市", "350582", "county"),
    "南京市鼓楼区人民政府": ("江苏省", "南京市", "鼓楼区", "320106", "county"),
    "济源市人民政府": ("河南省", N, "济源市", "419001", "county"),  # under its province
    # a municipality's district: the municipality is its city
    "北京市海淀区人民政府": ("北京市", "北京市", "海淀区", "110108", "county"),
    "海淀区人民政府": ("北京市", "北京市", "海淀区", "110108", "county"),
    "北京市 海淀区人民政府": ("北京市", "北京市", "海淀区", "110108", "county"),
    "上海市浦东新区人民政府": ("上海市", "上海市", "浦东新区", "310115", "county"),
    "重庆市巫山县人民政府": ("重庆市", "重庆市", "巫山县", "500237", "county"),
    "重庆市梁平区人民政府": ("重庆市", "重庆市", N, "500000", "county"),  # newer than the gazetteer
    # departments
    "深圳市教育局": ("广东省", "深圳市", N, "440300", "department"),
    "广东省教育厅": ("广东省", N, N, "440000", "department"),
    "北京市海淀区教育委员会": ("北京市", "北京市", "海淀区", "110108", "department"),
    "某市教育局": (N, N, N, N, "department"),
    "教育部": (N, N, N, N, "department"),
    # zones and their 管委会
    "平潭综合实验区管委会": ("福建省", "福州市", "平潭县", "350128", "county"),
    "福建省平潭综合实验区管委会": ("福建省", "福州市", "平潭县", "350128", "county"),
    "苏州工业园区管委会": ("江苏省", "苏州市", N, "320500", "department"),
    "广州经济技术开发区管委会": ("广东省", "广州市", N, "440100", "department"),
    # not known, or more than one place by that name: blank, the level when it is certain
    "某县人民政府": (N, N, N, N, "county"),
    "朝阳区人民政府": (N, N, N, N, "county"),  # 北京市 and 长春市
    "鼓楼区人民政府": (N, N, N, N, "county"),  # 南京市, 福州市, 徐州市, 开封市
    "山西省城区人民政府": ("山西省", N, N, "140000", "county"),  # four 城区 in 山西省
    "吉林人民政府": ("吉林省", N, N, "220000", N),  # 吉林省 or 吉林市
    "广东省某市人民政府": ("广东省", N, N, "440000", N),  # prefecture or county-level city
    "深圳市某市人民政府": ("广东省", "深圳市", N, "440300", "county"),
}


@pytest.mark.parametrize(("agency", "expected"), PLACES.items(), ids=list(PLACES))
def test_place_of_an_agency(agency: str, expected: tuple) -> None:
    assert place_of(agency) == Place(*expected)


def test_no_agency_no_place() -> None:
    assert place_of("") == Place() and place_of(None) == Place()
