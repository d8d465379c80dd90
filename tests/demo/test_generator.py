"""Tests of the deterministic demo-data generator (pure Python, no Django).

Run: .venv/bin/python -m pytest tests/demo -q -p no:django
"""

from __future__ import annotations

import inspect
import random
import re
from collections import Counter
from datetime import date

import pytest

from jiceng.demo.generator import (
    AS_OF,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    KINDS,
    LEVELS,
    ROLES,
    CountyData,
    county_identity,
    demo_county,
    generate_county,
    generate_province,
)
from jiceng.standards.idnumber import parse_id_number, validate_id_number_against

PHONE = re.compile(r"^1(3\d|5[0-35-9]|8\d|9[13589])\d{8}$")
RELATIONS = {"母亲", "父亲", "祖母", "祖父", "外祖母", "外祖父"}
CHINESE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
PARENT_LEVEL = {"city": "province", "county": "city", "township": "county", "village": "township"}
CODE_LENGTH = {"province": 6, "city": 6, "township": 9, "village": 12}


@pytest.fixture(scope="module")
def demo() -> CountyData:
    return demo_county()


@pytest.fixture(scope="module")
def province_small() -> list[CountyData]:
    return list(generate_province(7, counties=2, villages=200, children=20_000))


def completed_months(birth: date, on: date) -> int:
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


def check_units(data: CountyData, known: dict | None = None) -> dict:
    """Codes, levels, kinds, parents (listed first) and the numbers attached to units."""
    seen = dict(known or {})
    for u in data.units:
        assert u.code not in seen, u.code
        assert u.level in LEVELS and u.kind in KINDS
        assert u.code.isdigit()
        if u.level == "province":
            assert u.parent_code is None and u.code.endswith("0000")
        else:
            parent = seen[u.parent_code]  # parents come first
            if u.kind in ("health_bureau", "mch_centre"):
                assert u.level == "county" and parent.level == "county" and parent.kind == "admin"
                assert len(u.code) == 9 and u.code.startswith(parent.code) and u.code[6] == "9"
            else:
                assert parent.level == PARENT_LEVEL[u.level]
                if u.level in ("township", "village"):
                    assert u.code.startswith(parent.code)
                if u.level in ("city", "county"):
                    assert u.code[:2] == parent.code[:2]
                assert len(u.code) == CODE_LENGTH.get(u.level, 6)
        kind_for_level = {"township": "township_hc", "village": "village_clinic"}
        if u.level in kind_for_level:
            assert u.kind == kind_for_level[u.level]
        if u.level in ("province", "city", "county") and len(u.code) == 6:
            assert u.kind == "admin"
        seen[u.code] = u
    return seen


# --------------------------------------------------------------------------------------------- units


def test_demo_county_identity(demo):
    assert (demo.county_code, demo.county_name) == ("522799", "清溪县")
    assert demo.county.parent_code == "522700"
    assert [u.code for u in demo.units[:2]] == ["520000", "522700"]
    assert demo.unit("522700").name == "黔南布依族苗族自治州"
    assert demo.unit("522799901").institution_name == "清溪县卫生健康局"
    assert demo.unit("522799902").institution_name == "清溪县妇幼保健中心"


def test_demo_counts(demo):
    assert len(demo.townships) == 12
    assert 120 <= len(demo.villages) <= 180
    assert len(demo.children) == 6000
    for t in demo.townships:
        assert 10 <= sum(1 for v in demo.villages if v.parent_code == t.code) <= 15


def test_unit_codes_levels_and_parents(demo):
    check_units(demo)
    assert len({u.code for u in demo.units}) == len(demo.units)


def test_township_and_village_code_ranges_and_names(demo):
    for t in demo.townships:
        suffix = int(t.code[6:])
        if t.name.endswith("街道"):
            assert 1 <= suffix <= 99
            assert t.institution_name == t.name + "社区卫生服务中心"
        elif t.name.endswith("镇"):
            assert 100 <= suffix <= 199
            assert t.institution_name == t.name + "卫生院"
        else:
            assert t.name.endswith("乡") and 200 <= suffix <= 399
            assert t.institution_name == t.name + "卫生院"
    kinds = Counter(t.name[-1] if not t.name.endswith("街道") else "街道" for t in demo.townships)
    assert kinds["街道"] >= 1 and kinds["镇"] >= 5 and kinds["乡"] >= 2
    assert any("族乡" in t.name for t in demo.townships)  # 民族乡
    for v in demo.villages:
        suffix = int(v.code[9:])
        if v.name.endswith("社区"):
            assert 1 <= suffix <= 199
            assert v.institution_name == v.name + "卫生服务站"
        else:
            assert v.name.endswith("村") and 200 <= suffix <= 399
            assert v.institution_name == v.name + "卫生室"
    assert len({v.name for v in demo.villages}) == len(demo.villages)  # unique within the county
    assert len({t.name for t in demo.townships}) == len(demo.townships)
    typical = "寨坝坡沟湾屯堡岩箐冲"
    assert sum(1 for v in demo.villages if any(ch in v.name for ch in typical)) > len(demo.villages) / 3


def test_altitude_and_population(demo):
    for v in demo.villages:
        assert 500 <= v.altitude_m <= 2800
        assert 800 <= v.population <= 4000
        township = demo.unit(v.parent_code)
        assert abs(v.altitude_m - township.altitude_m) <= 400  # spatially coherent
    for t in demo.townships:
        assert 500 <= t.altitude_m <= 2800
        assert t.population == sum(v.population for v in demo.villages if v.parent_code == t.code)
    assert demo.county.population == sum(t.population for t in demo.townships)
    # the demo county spans several anaemia altitude-adjustment bands (<1000, 1000–1499, 1500–1999, ≥2000)
    bands = {min(v.altitude_m // 500, 4) for v in demo.villages}
    assert len(bands) >= 3


# --------------------------------------------------------------------------------------------- children


def test_children_ids_are_valid_and_consistent(demo):
    ids = [c.id_number for c in demo.children if c.id_number]
    assert len(ids) == len(set(ids))
    for c in demo.children:
        if c.id_number:
            parsed = parse_id_number(c.id_number)
            assert parsed.area_code == demo.county_code
            validate_id_number_against(c.id_number, birth_date=c.birth_date, sex=c.sex)


def test_children_fields(demo):
    village_codes = {v.code for v in demo.villages}
    assert [c.record_no for c in demo.children] == list(range(1, len(demo.children) + 1))
    keys = set()
    for c in demo.children:
        assert c.village_code in village_codes
        assert c.sex in ("M", "F")
        assert 0 <= completed_months(c.birth_date, AS_OF) <= 47
        assert c.birth_date <= AS_OF
        assert CHINESE.match(c.name) and CHINESE.match(c.caregiver_name)
        assert c.caregiver_relation in RELATIONS
        assert PHONE.match(c.caregiver_phone), c.caregiver_phone
        key = (c.name, c.birth_date, c.village_code)
        assert key not in keys
        keys.add(key)
        if c.caregiver_relation in ("父亲", "祖父"):
            assert c.caregiver_name[0] == c.name[0]
    assert len({c.caregiver_phone for c in demo.children}) == len(demo.children)
    # names repeat across villages, as in real registers
    assert Counter(c.name for c in demo.children).most_common(1)[0][1] >= 2


def test_children_proportions(demo):
    n = len(demo.children)

    def share(pred) -> float:
        return sum(1 for c in demo.children if pred(c)) / n

    assert 0.48 <= share(lambda c: c.sex == "M") <= 0.55
    assert 0.87 <= share(lambda c: c.id_number) <= 0.93
    assert 0.12 <= share(lambda c: c.poor_household) <= 0.18
    assert 0.035 <= share(lambda c: c.relocation_site) <= 0.065
    assert 0.003 <= share(lambda c: c.special_condition) <= 0.02
    assert 0.015 <= share(lambda c: not c.resident) <= 0.045
    assert share(lambda c: c.caregiver_relation == "母亲") > 0.6
    assert share(lambda c: c.caregiver_relation in ("祖母", "祖父", "外祖母", "外祖父")) > 0.1
    # birth dates spread evenly over the four years of age
    by_year = Counter(min(completed_months(c.birth_date, AS_OF) // 12, 3) for c in demo.children)
    for year in range(4):
        assert 0.2 <= by_year[year] / n <= 0.3


def test_relocation_is_clustered(demo):
    reloc = set(demo.relocation_village_codes)
    assert 1 <= len(reloc) <= len(demo.villages) * 0.1
    assert {c.village_code for c in demo.children if c.relocation_site} <= reloc
    assert all(demo.unit(code).name.endswith("社区") for code in reloc)


# --------------------------------------------------------------------------------------------- users


def test_one_primary_user_per_role(demo):
    primary = [u for u in demo.users if u.primary]
    assert sorted(u.role for u in primary) == sorted(ROLES)
    assert {u.username for u in primary} == {"cunyi", "xz_officer", "xz_reviewer", "fybj", "wjj", "admin"}
    usernames = [u.username for u in demo.users]
    assert len(usernames) == len(set(usernames))
    assert all(u.username.isascii() and CHINESE.match(u.full_name) for u in demo.users)


def test_user_units(demo):
    units = {u.code: u for u in demo.units}
    doctor = demo.user("village_doctor")
    village = units[doctor.unit_code]
    assert village.level == "village"
    assert demo.user("township_officer").unit_code == village.parent_code
    assert demo.user("township_reviewer").unit_code == village.parent_code
    assert units[demo.user("county_mch").unit_code].kind == "mch_centre"
    assert units[demo.user("county_bureau").unit_code].kind == "health_bureau"
    assert demo.user("admin").unit_code == "520000"
    assert sum(1 for c in demo.children if c.village_code == doctor.unit_code) >= 20

    extra = {u.username: u for u in demo.users if not u.primary}
    assert set(extra) == {"cunyi2", "cunyi3", "xz_officer2"}
    other_village = units[extra["cunyi2"].unit_code]
    assert other_village.level == "village" and other_village.parent_code != village.parent_code
    assert extra["xz_officer2"].unit_code == other_village.parent_code
    same_township = units[extra["cunyi3"].unit_code]
    assert same_township.parent_code == village.parent_code and same_township.code != village.code


def test_demo_password_is_complex():
    assert len(DEMO_PASSWORD) >= 10
    assert re.search(r"[A-Z]", DEMO_PASSWORD) and re.search(r"[a-z]", DEMO_PASSWORD)
    assert re.search(r"\d", DEMO_PASSWORD) and re.search(r"[^A-Za-z0-9]", DEMO_PASSWORD)


# --------------------------------------------------------------------------------------------- determinism


def test_deterministic_and_leaves_global_random_alone(demo):
    state = random.getstate()
    again = generate_county(DEFAULT_SEED)
    assert random.getstate() == state
    assert again == demo
    other = generate_county(DEFAULT_SEED + 1)
    assert other.children != demo.children
    assert other.units != demo.units


def test_units_do_not_depend_on_children_count(demo):
    small = generate_county(DEFAULT_SEED, children=500)
    assert small.units[:5] == demo.units[:5]
    assert [(u.code, u.name, u.altitude_m) for u in small.units] == [(u.code, u.name, u.altitude_m) for u in demo.units]
    assert len(small.children) == 500


@pytest.mark.parametrize("as_of", [date(2028, 2, 29), date(2027, 3, 31), date(2026, 1, 1)])
def test_other_reference_dates(as_of):
    data = generate_county(3, townships=3, children=400, as_of=as_of)
    assert len(data.children) == 400
    for c in data.children:
        assert 0 <= completed_months(c.birth_date, as_of) <= 47
        if c.id_number:
            validate_id_number_against(c.id_number, birth_date=c.birth_date, sex=c.sex)


def test_small_and_exact_village_counts():
    data = generate_county(5, townships=1, children=10)
    check_units(data)
    assert len(data.townships) == 1 and len(data.children) == 10
    data = generate_county(5, townships=4, villages=9, children=0)
    check_units(data)
    assert len(data.villages) == 9 and data.children == ()
    with pytest.raises(ValueError):
        generate_county(townships=0)


def test_county_identity_is_fictional_and_unique():
    codes = {county_identity(i)[0] for i in range(20)}
    assert len(codes) == 20
    for i in range(20):
        code, name, city = county_identity(i)
        assert code.startswith(city[:4]) and int(code[4:]) >= 90 and name.endswith("县")
    with pytest.raises(ValueError):
        county_identity(20)


# --------------------------------------------------------------------------------------------- province


def test_generate_province_is_a_generator():
    assert inspect.isgenerator(generate_province(1, counties=1, villages=12, children=10))


def test_province_counts(province_small):
    assert len(province_small) == 2
    assert sum(len(c.villages) for c in province_small) == 200
    assert sum(len(c.children) for c in province_small) == 20_000
    assert len({c.county_code for c in province_small}) == 2
    for c in province_small:
        assert 6 <= len(c.townships) <= 10
        assert 0.12 <= sum(x.poor_household for x in c.children) / len(c.children) <= 0.18


def test_province_stream_lists_each_unit_once_parents_first(province_small):
    seen: dict = {}
    for county in province_small:
        seen = check_units(county, seen)
    assert sum(1 for u in seen.values() if u.level == "province") == 1
    ids = [x.id_number for c in province_small for x in c.children if x.id_number]
    assert len(ids) == len(set(ids))
    usernames = [u.username for c in province_small for u in c.users]
    assert len(usernames) == len(set(usernames))


def test_province_county_matches_generate_county(province_small):
    for i, county in enumerate(province_small):
        alone = generate_county(
            7,
            county_index=i,
            townships=len(county.townships),
            villages=len(county.villages),
            children=len(county.children),
        )
        assert alone.children == county.children
        assert alone.users == county.users
        assert [u for u in alone.units if u.level not in ("province", "city")] == [
            u for u in county.units if u.level not in ("province", "city")
        ]


def test_province_is_deterministic(province_small):
    again = list(generate_province(7, counties=2, villages=200, children=20_000))
    assert again == province_small
