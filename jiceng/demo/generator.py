"""Deterministic demo data for Jiceng: org units, children and logins of fictional Guizhou counties.

Pure Python (no Django). The Django loader builds rows from the frozen dataclasses here.

Determinism
-----------
Everything comes from ``random.Random`` instances seeded with strings derived from
``(seed, county_index, purpose)``; the global ``random`` module and the clock are never used.
The same arguments always give identical output (on any machine and Python ≥ 3.11).
Unit structure, children and users come from separate streams, so changing ``children``
does not change the units of a county.

Unit codes (GB/T 2260 and 统计用区划代码)
-----------------------------------------
==========  ======  ================================  ==============================================
level       digits  example                           rule
==========  ======  ================================  ==============================================
province    6       ``520000`` 贵州省                  real code
city        6       ``522700`` 黔南布依族苗族自治州    real codes of Guizhou's nine cities/prefectures
county      6       ``522799`` 清溪县 (fictional)      city prefix (4) + ``99``, ``98``… — real county
                                                      codes stop well below 90, so these never collide
county      9       ``522799901`` 清溪县卫生健康局     county code + ``901`` (health_bureau),
(institution)       ``522799902`` 清溪县妇幼保健中心   county code + ``902`` (mch_centre); level
                                                      ``county``, parent = the county
township    9       ``522799001`` 清溪街道             county + ``0xx`` 街道, ``1xx`` 镇, ``2xx`` 乡
                    ``522799100`` 新场镇               (incl. 民族乡), as in 统计用区划代码
village     12      ``522799100001`` 新场社区          township + ``0xx`` 社区 (居委会),
                    ``522799100200`` 大寨村            ``2xx`` 村 (村委会)
==========  ======  ================================  ==============================================

The ``9xx`` suffix is outside the township ranges of 统计用区划代码, so an institution code can
never be mistaken for a township; institutions are recognised by ``kind``, not by the code.

Township / health-centre modelling
----------------------------------
One unit per place, no separate health-facility rows:

* a township-level unit **is** the township's health facility: ``kind="township_hc"``,
  ``name`` is the place (``"新场镇"``, ``"高坡苗族乡"``, ``"清溪街道"``) and
  :pyattr:`UnitSpec.institution_name` gives the facility (``"新场镇卫生院"``,
  ``"清溪街道社区卫生服务中心"``);
* a village-level unit **is** its clinic: ``kind="village_clinic"``, ``name`` is the place
  (``"大寨村"``, ``"安居社区"``) and ``institution_name`` is ``"大寨村卫生室"`` /
  ``"安居社区卫生服务站"``;
* province, city and county are ``kind="admin"`` (行政区划); the two county institutions
  (``health_bureau``, ``mch_centre``) are separate county-level units whose parent is the county.
  Their users' scope is meant to be the parent county's subtree.

Units are always listed parents first. Populations (常住人口) are given for villages and are sums
for townships and the county; province, city and the institutions have ``population=None``.
Altitude: villages 500–2800 m, near their township's seat; a township's altitude is its seat's;
the county and its institutions take the county seat's (the 街道's) altitude.

Children
--------
Aged 0–47 completed months on ``as_of``, listed village by village (unit order) and by birth date
within a village; ``record_no`` runs 1..n within the county. About 90 % have an ID number (area
code = county code; newborns under three months less often), unique within the province.
易地扶贫搬迁 children live only in the few relocation-site 社区 (``relocation_village_codes``).

Users
-----
Each county has exactly one *primary* user per role (``UserSpec.primary``) plus three extra users
for scope tests: ``cunyi2`` (village doctor in another township), ``cunyi3`` (another village of
``cunyi``'s township) and ``xz_officer2`` (officer of ``cunyi2``'s township). In county 0 (the
demo county) the usernames are ``cunyi, xz_officer, xz_reviewer, fybj, wjj, admin`` (+ ``cunyi2,
cunyi3, xz_officer2``), and ``admin`` sits at the province unit. Other counties suffix the county code
(``cunyi_522699``…) and their ``admin_…`` sits at the county. All share :data:`DEMO_PASSWORD`.

Province scale
--------------
:func:`generate_province` is a generator yielding one :class:`CountyData` at a time. Across one
stream every unit appears exactly once: the province and a city are included in the ``units``
of the first county that needs them and left out afterwards, so a loader can simply insert the
``units`` of each yielded county in order.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from jiceng.standards.idnumber import make_id_number

__all__ = [
    "AS_OF",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "KINDS",
    "LEVELS",
    "ROLES",
    "ChildSpec",
    "CountyData",
    "UnitSpec",
    "UserSpec",
    "county_identity",
    "demo_county",
    "generate_county",
    "generate_province",
]

DEMO_PASSWORD = "Jiceng@2026demo"
DEFAULT_SEED = 20261122
AS_OF = date(2026, 11, 22)

LEVELS = ("province", "city", "county", "township", "village")
KINDS = ("admin", "health_bureau", "mch_centre", "township_hc", "village_clinic")
ROLES = ("village_doctor", "township_officer", "township_reviewer", "county_mch", "county_bureau", "admin")

HEALTH_BUREAU_SUFFIX = "901"
MCH_CENTRE_SUFFIX = "902"

MIN_ALTITUDE, MAX_ALTITUDE = 500, 2800
MIN_VILLAGE_POPULATION, MAX_VILLAGE_POPULATION = 800, 4000
AGE_MONTHS = 48  # children aged 0–47 completed months as of ``as_of``

# Target proportions (the generator hits them in expectation; tests allow a tolerance).
SHARE_MALE = 0.513
SHARE_ID_NUMBER = 0.90
SHARE_POOR = 0.15
SHARE_RELOCATION = 0.05
SHARE_SPECIAL = 0.01
SHARE_NON_RESIDENT = 0.03


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitSpec:
    code: str
    name: str
    level: str  # one of LEVELS
    kind: str  # one of KINDS
    parent_code: str | None
    altitude_m: int | None
    population: int | None

    @property
    def institution_name(self) -> str:
        """The health facility this unit stands for (乡镇卫生院, 村卫生室…); the name for others."""
        if self.kind == "township_hc":
            suffix = "社区卫生服务中心" if self.name.endswith("街道") else "卫生院"
            return self.name + suffix
        if self.kind == "village_clinic":
            return self.name + ("卫生服务站" if self.name.endswith("社区") else "卫生室")
        return self.name


@dataclass(frozen=True, slots=True)
class ChildSpec:
    record_no: int  # 1..n within the county, in register order (village, then birth date)
    name: str
    sex: str  # "M" or "F"
    birth_date: date
    id_number: str | None
    village_code: str
    caregiver_name: str
    caregiver_relation: str  # 母亲 父亲 祖母 祖父 外祖母 外祖父
    caregiver_phone: str
    poor_household: bool  # 建档立卡贫困户
    relocation_site: bool  # 易地扶贫搬迁安置点
    special_condition: bool  # 特殊疾病, needs a doctor's assessment (E8)
    resident: bool  # False = 流动 (non-resident)


@dataclass(frozen=True, slots=True)
class UserSpec:
    username: str
    full_name: str
    role: str  # one of ROLES
    unit_code: str
    primary: bool = True  # the one login per role shown on the demo login page
    note: str = ""  # what the account is for, in Chinese


@dataclass(frozen=True)
class CountyData:
    seed: int
    county_index: int
    as_of: date
    county_code: str
    county_name: str
    units: tuple[UnitSpec, ...]  # parents first; see module docstring for the province stream
    children: tuple[ChildSpec, ...]
    users: tuple[UserSpec, ...]
    relocation_village_codes: tuple[str, ...] = ()

    @property
    def county(self) -> UnitSpec:
        return self.unit(self.county_code)

    @property
    def townships(self) -> list[UnitSpec]:
        return [u for u in self.units if u.level == "township"]

    @property
    def villages(self) -> list[UnitSpec]:
        return [u for u in self.units if u.level == "village"]

    def unit(self, code: str) -> UnitSpec:
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)

    def user(self, role: str) -> UserSpec:
        """The primary login for a role."""
        for u in self.users:
            if u.role == role and u.primary:
                return u
        raise KeyError(role)

    def stats(self) -> dict[str, int]:
        c = self.children
        return {
            "townships": len(self.townships),
            "villages": len(self.villages),
            "children": len(c),
            "with_id_number": sum(1 for x in c if x.id_number),
            "poor_household": sum(1 for x in c if x.poor_household),
            "relocation_site": sum(1 for x in c if x.relocation_site),
            "special_condition": sum(1 for x in c if x.special_condition),
            "non_resident": sum(1 for x in c if not x.resident),
            "users": len(self.users),
        }


# ---------------------------------------------------------------------------------------------
# Reference tables and name pools (built once at import; pure data)
# ---------------------------------------------------------------------------------------------

PROVINCE = ("520000", "贵州省")

# (code, name, typical altitude of the valleys, ethnic-township labels)
CITIES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("522700", "黔南布依族苗族自治州", 900, ("布依族", "苗族", "水族", "苗族布依族")),
    ("522600", "黔东南苗族侗族自治州", 750, ("苗族", "侗族", "苗族侗族")),
    ("522300", "黔西南布依族苗族自治州", 1150, ("布依族", "苗族", "布依族苗族")),
    ("520500", "毕节市", 1550, ("彝族", "苗族", "彝族苗族")),
    ("520600", "铜仁市", 700, ("土家族", "苗族", "侗族")),
    ("520300", "遵义市", 900, ("仡佬族", "苗族", "仡佬族苗族")),
    ("520400", "安顺市", 1200, ("布依族", "苗族", "布依族苗族")),
    ("520200", "六盘水市", 1600, ("彝族", "苗族", "布依族")),
    ("520100", "贵阳市", 1100, ("苗族", "布依族", "布依族苗族")),
)

# Fictional county names: none is the name of a current county-level division of China.
COUNTY_NAMES = (
    "清溪", "云岭", "盘江", "乌蒙", "苗岭", "红枫", "青岩", "梵山", "松涛", "白岩",
    "雾山", "碧溪", "翠岭", "丹霞", "杉坪", "鹤鸣", "凌霄", "石笋", "岚江", "枫岭",
)  # fmt: skip

_SURNAMES = (
    ("王", 8), ("杨", 8), ("李", 7), ("张", 6), ("陈", 6), ("吴", 5), ("罗", 5), ("刘", 5),
    ("龙", 4), ("潘", 4), ("石", 4), ("韦", 4), ("黄", 4), ("赵", 3), ("周", 3), ("田", 3),
    ("何", 3), ("胡", 3), ("徐", 2), ("蒙", 2), ("莫", 2), ("陆", 2), ("谢", 2), ("邓", 2),
    ("梁", 2), ("卢", 2), ("唐", 2), ("彭", 2), ("曾", 2), ("熊", 2), ("袁", 2), ("余", 2),
    ("姚", 2), ("朱", 2), ("郭", 2), ("雷", 2), ("肖", 2), ("班", 1), ("岑", 1), ("欧", 1),
    ("吕", 1), ("宋", 1), ("蒋", 1), ("文", 1), ("金", 1), ("麻", 1), ("杜", 1), ("任", 1),
    ("秦", 1), ("穆", 1), ("蔡", 1), ("马", 1), ("邹", 1), ("付", 1), ("侯", 1), ("冯", 1),
    ("安", 1), ("禄", 1), ("顾", 1), ("孟", 1),
)  # fmt: skip
_ETHNIC_SURNAMES = {
    "苗族": "龙杨吴潘石王张", "布依族": "韦罗王班岑蒙黄陆", "水族": "潘韦蒙陆石",
    "侗族": "吴杨石龙粟", "彝族": "安禄陇王李", "土家族": "田彭向杨冉", "仡佬族": "王李罗穆",
}  # fmt: skip

_BOY_POPULAR = "子轩 浩宇 宇轩 梓睿 沐宸 一诺 俊熙 浩然 子墨 明轩 皓轩 奕辰 梓豪 锦程 睿泽 俊杰 天佑 博文 承泽 宇航"
_GIRL_POPULAR = "梓涵 欣怡 一诺 思琪 梓萱 若汐 语桐 诗涵 可馨 雨桐 依诺 欣妍 芷若 梦瑶 佳怡 紫涵 安然 悦溪 沐瑶 语嫣"
_BOY_A, _BOY_B = "子梓浩宇俊睿锦嘉博承铭煜天明奕皓思志沐景晨瑞家文", "轩宇辰睿泽航豪然杰阳熙宸诚铭博文翔凯霖恒川安峰林"
_GIRL_A, _GIRL_B = (
    "梓欣思雨诗语可若紫佳依梦雅艺静晓馨芷安悦沐美心书",
    "涵怡琪萱彤汐然诺妍菲琳瑶悦欣雯婷溪柔宁璐晴萌玥希",
)
_BOY_SINGLE, _GIRL_SINGLE = "浩宇杰轩睿航鑫磊鹏毅博凯", "悦琪欣萱彤瑶妍婷雪琳涵璐"

_WOMAN_A, _WOMAN_B = "小春丽海晓艳玉金秀美雪桂红冬明兰佳莉", "燕梅娟丽红芳玲萍琴霞英花艳敏婷莎蓉倩"
_WOMAN_SINGLE = "丽娟敏燕艳芳婷霞梅琴静雪莉英红"
_MAN_A, _MAN_B = "建国志明德文永正光金海小俊家兴成", "华军强平明刚林勇伟波辉龙成斌祥富"
_MAN_SINGLE = "勇军伟强磊斌涛杰波鹏刚超"
_GRANNY_A, _GRANNY_B = "秀桂玉金春翠凤素兰银菊月", "英兰珍芳梅花凤芬华莲娥仙"
_GRANDPA_A, _GRANDPA_B = "德正国明世光永泽开朝学文福启长绍", "华明才富贵清发林荣和忠良安昌寿文"

# Place-name parts typical of Guizhou (寨 坝 坡 沟 湾 屯 堡 岩 箐 冲 …).
_PLACE_A = "大小上下新老高白黑青红龙马牛羊石沙岩平长金银云鸡猫花杉桃梨竹茶水田冷松枫柏凉清凤鱼"
_PLACE_B = "寨坝坡沟湾屯堡岩箐冲坪田塘井关口山林河溪场脚寨坝"
_TOWN_B = "场坝寨塘坪关堡口溪河屯"
_ETHNIC_A, _ETHNIC_B = "摆纳者拉弄板排甲把董翁雍乌格打良", "榜王朗桑所岗蒙亚坝寨董蓬"
_STREET_NAMES = ("城关", "龙泉", "文峰", "城南", "城北", "东城", "西城", "凤凰")
_COMMUNITY_NAMES = (
    "新华", "红旗", "建设", "人民", "团结", "民主", "文化", "光明", "河滨", "东门", "西门", "南门",
    "北门", "中山", "解放", "和平", "胜利", "滨河", "迎宾", "锦绣", "花园", "育才", "朝阳", "环城",
)  # fmt: skip
_RELOCATION_NAMES = ("安居", "乐业", "同心", "感恩", "新民", "和谐", "阳光", "兴民", "幸福", "康宁")

_MOBILE_PREFIXES = tuple(f"13{d}" for d in range(10)) + tuple(f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9))
_MOBILE_PREFIXES += tuple(f"18{d}" for d in range(10)) + ("191", "193", "195", "198", "199")

# relation, share, whether the caregiver carries the child's surname, name pool key
_CAREGIVERS = (
    ("母亲", 0.70, False, "woman"),
    ("父亲", 0.09, True, "man"),
    ("祖母", 0.12, False, "granny"),
    ("祖父", 0.04, True, "grandpa"),
    ("外祖母", 0.04, False, "granny"),
    ("外祖父", 0.01, False, "grandpa"),
)


def _combos(a: str, b: str) -> list[str]:
    return [x + y for x in a for y in b if x != y]


def _pool(popular: str, a: str, b: str, single: str) -> list[str]:
    # popular names three times as likely as composed ones; single-character names ~12 %
    two = popular.split() * 3 + _combos(a, b)
    return two + list(single) * max(1, len(two) // (8 * len(single)))


_BOY_NAMES = _pool(_BOY_POPULAR, _BOY_A, _BOY_B, _BOY_SINGLE)
_GIRL_NAMES = _pool(_GIRL_POPULAR, _GIRL_A, _GIRL_B, _GIRL_SINGLE)
_ADULT_POOLS = {
    "woman": _combos(_WOMAN_A, _WOMAN_B) + list(_WOMAN_SINGLE) * 10,
    "man": _combos(_MAN_A, _MAN_B) + list(_MAN_SINGLE) * 10,
    "granny": _combos(_GRANNY_A, _GRANNY_B),
    "grandpa": _combos(_GRANDPA_A, _GRANDPA_B),
}
_SURNAME_LIST = [s for s, _ in _SURNAMES]
_SURNAME_CUM = list(itertools.accumulate(w for _, w in _SURNAMES))
_CAREGIVER_CUM = list(itertools.accumulate(c[1] for c in _CAREGIVERS))


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _rng(seed: int, county_index: int, purpose: str) -> random.Random:
    return random.Random(f"jiceng-demo/{seed}/{county_index}/{purpose}")


def _minus_months(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    m += 1
    for day in (d.day, 30, 29, 28):  # end-of-month clamp
        try:
            return date(y, m, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _surname(rng: random.Random) -> str:
    return _SURNAME_LIST[bisect.bisect_right(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]


def _adult_name(rng: random.Random, kind: str, surname: str | None = None) -> str:
    return (surname or _surname(rng)) + rng.choice(_ADULT_POOLS[kind])


def _split(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of ``total`` in proportion to ``weights`` (exact sum)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    order = sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))
    for i in order[:rest]:
        out[i] += 1
    return out


def county_identity(county_index: int) -> tuple[str, str, str]:
    """(county code, county name, city code) of the fictional county number ``county_index``."""
    if not 0 <= county_index < len(COUNTY_NAMES):
        raise ValueError(f"county_index must be in 0..{len(COUNTY_NAMES) - 1}")
    city_code = CITIES[county_index % len(CITIES)][0]
    code = city_code[:4] + str(99 - county_index // len(CITIES))
    stem = COUNTY_NAMES[county_index]
    return code, stem + "县", city_code


def _city(city_code: str) -> tuple[str, str, int, tuple[str, ...]]:
    for c in CITIES:
        if c[0] == city_code:
            return c
    raise KeyError(city_code)


# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------


@dataclass
class _Village:
    code: str
    name: str
    altitude: int
    population: int
    relocation: bool
    rural: bool  # 村 rather than 社区
    clan: tuple[str, ...]  # dominant surnames of the village


@dataclass
class _Township:
    code: str
    name: str
    kind: str  # 街道 镇 乡 民族乡
    altitude: int
    villages: list[_Village]


def _village_counts(rng: random.Random, townships: int, per_township: tuple[int, int], total: int | None) -> list[int]:
    lo, hi = per_township
    if lo < 1 or hi < lo:
        raise ValueError("villages_per_township must be (min, max) with 1 <= min <= max")
    counts = [rng.randint(lo, hi) for _ in range(townships)]
    if total is not None:
        if total < townships:
            raise ValueError("need at least one village per township")
        lo, hi = min(lo, total // townships), max(hi, -(-total // townships))
        while sum(counts) != total:
            i = rng.randrange(townships)
            if sum(counts) < total and counts[i] < hi:
                counts[i] += 1
            elif sum(counts) > total and counts[i] > lo:
                counts[i] -= 1
    return counts


def _build_townships(
    rng: random.Random,
    county_name: str,
    city: tuple[str, str, int, tuple[str, ...]],
    county_code: str,
    townships: int,
    villages_per_township: tuple[int, int],
    villages_total: int | None,
) -> list[_Township]:
    if townships < 1:
        raise ValueError("townships must be >= 1")
    counts = _village_counts(rng, townships, villages_per_township, villages_total)
    n_villages = sum(counts)

    # composition: 街道 at the county seat, a few 乡 and 民族乡, the rest 镇
    n_street = 0 if townships < 3 else (1 if townships < 10 else 2)
    n_ethnic = 0 if townships < 5 else (1 if townships < 12 else 2)
    n_xiang = round(townships * 0.17) if townships >= 4 else 0
    n_town = townships - n_street - n_ethnic - n_xiang
    kinds = ["街道"] * n_street + ["镇"] * n_town + ["乡"] * n_xiang + ["民族乡"] * n_ethnic

    # altitude: the county seat (街道) lies in the lowest valley; the others spread up to the uplands
    base = city[2]
    lo = max(520, base + rng.randint(-300, -100))
    hi = min(2450, lo + rng.randint(1100, 1600))
    spots = [lo + (hi - lo) * i / max(1, townships - 1) for i in range(townships)]
    seat_alt, others = spots[0], spots[1:]
    if n_street:
        rng.shuffle(others)
        alts = [seat_alt] * n_street + others[: townships - n_street]
        if n_street > 1:
            alts[1] = seat_alt + rng.randint(10, 60)
    else:
        alts = spots[:]
        rng.shuffle(alts)
    alts = [round(a + (rng.randint(-50, 50) if i >= n_street else 0)) for i, a in enumerate(alts)]

    # names, unique within the county
    used: set[str] = set(COUNTY_NAMES)  # no township or village named like a county
    stems = _combos(_PLACE_A, _TOWN_B)
    rng.shuffle(stems)
    village_stems = _combos(_PLACE_A, _PLACE_B)
    rng.shuffle(village_stems)
    ethnic_stems = _combos(_ETHNIC_A, _ETHNIC_B)
    rng.shuffle(ethnic_stems)
    streets = [s for s in _STREET_NAMES if s != county_name[:2]]
    rng.shuffle(streets)
    streets.insert(0, county_name[:2])  # the county seat's 街道 carries the county's name
    ethnic_labels = list(city[3])
    rng.shuffle(ethnic_labels)

    def take(pool: list[str]) -> str:
        while True:
            s = pool.pop()
            if s not in used:
                used.add(s)
                return s

    # relocation sites (易地扶贫搬迁安置点): large new 社区, mostly in the 街道, else at town seats
    n_reloc = min(len(_RELOCATION_NAMES), max(1, round(n_villages * 0.025)))
    reloc_names = list(_RELOCATION_NAMES)
    rng.shuffle(reloc_names)
    community_names = list(_COMMUNITY_NAMES)
    rng.shuffle(community_names)

    out: list[_Township] = []
    serial = {"街道": 1, "镇": 100, "乡": 200, "民族乡": 200}
    reloc_left = n_reloc
    street_reloc = [0] * n_street
    for k in range(n_reloc):  # up to two per 街道, the rest at town seats below
        if n_street and k < 2 * n_street:
            street_reloc[k % n_street] += 1
    reloc_left -= sum(street_reloc)
    for t_i, (kind, alt, n_vil) in enumerate(zip(kinds, alts, counts, strict=True)):
        if kind in ("乡", "民族乡"):
            code_no = serial["乡"]
            serial["乡"] += 1
        else:
            code_no = serial[kind]
            serial[kind] += 1
        t_code = f"{county_code}{code_no:03d}"
        ethnic = ""
        if kind == "街道":
            stem = streets[t_i]
            used.add(stem)
            name = stem + "街道"
        elif kind == "民族乡":
            stem = take(ethnic_stems) if rng.random() < 0.5 else take(stems)
            ethnic = ethnic_labels[(t_i - n_street - n_town - n_xiang) % len(ethnic_labels)]
            name = f"{stem}{ethnic}乡"
        else:
            stem = take(stems)
            name = stem + kind

        ethnic_clans = "".join(_ETHNIC_SURNAMES.get(e, "") for e in ethnic.replace("族", "族 ").split())

        villages: list[_Village] = []
        n_comm = 0
        reloc_here = street_reloc[t_i] if kind == "街道" else 0
        if kind == "镇" and reloc_left > 0 and n_vil > 1:
            reloc_here, reloc_left = 1, reloc_left - 1
        for v_i in range(n_vil):
            if kind == "街道":
                rural = v_i >= max(1, round(n_vil * 0.6))
            elif kind == "镇":
                rural = v_i > 0  # the town seat is a 社区 (居委会)
            else:
                rural = True
            relocation = not rural and reloc_here > 0 and (kind == "街道" or v_i == 0)
            if relocation:
                reloc_here -= 1
            if not rural:
                n_comm += 1
                if relocation:
                    v_name = reloc_names.pop() + "社区"
                elif kind == "镇" and v_i == 0:
                    v_name = stem + "社区"
                else:
                    v_name = community_names.pop() + "社区" if community_names else take(village_stems) + "社区"
                population = (
                    rng.randint(3000, MAX_VILLAGE_POPULATION)
                    if relocation
                    else round(rng.triangular(1500, MAX_VILLAGE_POPULATION, 2800))
                )
                v_alt = alt + rng.randint(-30, 40)
                v_code = f"{t_code}{n_comm:03d}"
            else:
                if kind == "乡" or kind == "民族乡":
                    v_stem = (
                        stem
                        if v_i == 0
                        else (take(ethnic_stems) if kind == "民族乡" and rng.random() < 0.4 else take(village_stems))
                    )
                else:
                    v_stem = take(village_stems)
                v_name = v_stem + "村"
                population = round(rng.triangular(MIN_VILLAGE_POPULATION, MAX_VILLAGE_POPULATION - 800, 1700))
                v_alt = alt + (0 if v_i == 0 and kind in ("乡", "民族乡") else round(rng.triangular(-150, 380, 80)))
                v_code = f"{t_code}{200 + v_i - n_comm:03d}"
            pool = ethnic_clans or "".join(_SURNAME_LIST[:20])
            clan = tuple(dict.fromkeys(rng.choice(pool) for _ in range(3)))
            villages.append(
                _Village(
                    code=v_code,
                    name=v_name,
                    altitude=min(MAX_ALTITUDE, max(MIN_ALTITUDE, v_alt)),
                    population=min(MAX_VILLAGE_POPULATION, max(MIN_VILLAGE_POPULATION, population)),
                    relocation=relocation,
                    rural=rural,
                    clan=clan,
                )
            )
        villages.sort(key=lambda v: v.code)
        out.append(_Township(code=t_code, name=name, kind=kind, altitude=alt, villages=villages))
    return out


# ---------------------------------------------------------------------------------------------
# Children
# ---------------------------------------------------------------------------------------------


def _generate_children(
    rng: random.Random, county_code: str, townships: list[_Township], children: int, as_of: date
) -> tuple[list[ChildSpec], dict[str, int]]:
    villages = [v for t in townships for v in t.villages]
    if children < 0:
        raise ValueError("children must be >= 0")

    weights = [v.population * rng.uniform(0.7, 1.3) * (2.2 if v.relocation else 1.0) for v in villages]
    counts = _split(children, weights)

    # relocation sites must hold enough children for ~5 % of the county at a realistic share (≤ 85 %)
    target_reloc = round(children * SHARE_RELOCATION)
    reloc_idx = [i for i, v in enumerate(villages) if v.relocation]
    donors = sorted((i for i, v in enumerate(villages) if not v.relocation), key=lambda i: (-counts[i], i))
    k = 0
    while reloc_idx and donors and sum(counts[i] for i in reloc_idx) * 0.85 < target_reloc:
        d = donors[k % len(donors)]
        if counts[d] > 1:
            counts[d] -= 1
            counts[reloc_idx[k % len(reloc_idx)]] += 1
        k += 1
        if k > 10 * children:
            break
    reloc_children = sum(counts[i] for i in reloc_idx)
    p_reloc = min(0.95, target_reloc / reloc_children) if reloc_children else 0.0

    # poor households (建档立卡): more in the uplands, fewer in town communities; relocated families
    # are mostly registered poor. Village factors are scaled so the county expects SHARE_POOR.
    p_poor_reloc = 0.7
    alts = sorted(v.altitude for v in villages)
    n_alt = max(1, len(alts) - 1)
    factor = [
        (0.45 + 1.1 * bisect.bisect_left(alts, v.altitude) / n_alt) * (0.6 if not v.rural and not v.relocation else 1.0)
        for v in villages
    ]
    reloc_share = [p_reloc if v.relocation else 0.0 for v in villages]
    expected_reloc_poor = sum(n * r * p_poor_reloc for n, r in zip(counts, reloc_share, strict=True))
    weight_rest = sum(n * (1 - r) * f for n, r, f in zip(counts, reloc_share, factor, strict=True))
    scale = max(0.0, SHARE_POOR * children - expected_reloc_poor) / weight_rest if weight_rest else 0.0

    start = _minus_months(as_of, AGE_MONTHS) + timedelta(days=1)
    span = (as_of - start).days + 1
    young = as_of - timedelta(days=91)  # newborns under ~3 months often have no ID number yet

    boys, girls = _BOY_NAMES, _GIRL_NAMES
    surname_list, surname_cum = _SURNAME_LIST, _SURNAME_CUM
    total_w = surname_cum[-1]
    cg_cum, cgs = _CAREGIVER_CUM, _CAREGIVERS
    adult = _ADULT_POOLS
    prefixes = _MOBILE_PREFIXES
    rand, randrange, choice = rng.random, rng.randrange, rng.choice
    bis = bisect.bisect_right

    used_ids: set[str] = set()
    used_phones: set[str] = set()
    out: list[ChildSpec] = []
    per_village: dict[str, int] = {}
    record_no = 0
    for v, n, f in zip(villages, counts, factor, strict=True):
        per_village[v.code] = n
        p_poor = min(0.9, scale * f)
        clan = v.clan
        seen: set[tuple[str, date]] = set()
        batch: list[tuple] = []
        for _ in range(n):
            male = rand() < SHARE_MALE
            bd = start + timedelta(days=randrange(span))
            while True:
                clan_member = clan and rand() < 0.45
                surname = choice(clan) if clan_member else surname_list[bis(surname_cum, rand() * total_w)]
                name = surname + choice(boys if male else girls)
                if (name, bd) not in seen:
                    seen.add((name, bd))
                    break
            sex = "M" if male else "F"
            id_number = None
            if rand() < (0.65 if bd > young else 0.915):
                while True:
                    id_number = make_id_number(county_code, bd, randrange(500), sex)
                    if id_number not in used_ids:
                        used_ids.add(id_number)
                        break
            relation, _, same_surname, pool = cgs[bis(cg_cum, rand() * cg_cum[-1])]
            cg_surname = surname if same_surname else surname_list[bis(surname_cum, rand() * total_w)]
            caregiver = cg_surname + choice(adult[pool])
            while True:
                phone = choice(prefixes) + f"{randrange(100_000_000):08d}"
                if phone not in used_phones:
                    used_phones.add(phone)
                    break
            relocation = v.relocation and rand() < p_reloc
            poor = rand() < (p_poor_reloc if relocation else p_poor)
            special = rand() < SHARE_SPECIAL
            resident = rand() >= SHARE_NON_RESIDENT
            batch.append((bd, name, sex, id_number, caregiver, relation, phone, poor, relocation, special, resident))
        batch.sort(key=lambda r: (r[0], r[1]))
        for bd, name, sex, id_number, caregiver, relation, phone, poor, relocation, special, resident in batch:
            record_no += 1
            out.append(
                ChildSpec(
                    record_no,
                    name,
                    sex,
                    bd,
                    id_number,
                    v.code,
                    caregiver,
                    relation,
                    phone,
                    poor,
                    relocation,
                    special,
                    resident,
                )
            )
    return out, per_village


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


def _users(
    rng: random.Random,
    county_index: int,
    county_code: str,
    townships: list[_Township],
    per_village: dict[str, int],
) -> list[UserSpec]:
    suffix = "" if county_index == 0 else f"_{county_code}"

    def best_village(t: _Township, exclude: tuple[str, ...] = ()) -> _Village:
        """The 村 with most children (ties: lowest code)."""
        candidates = [v for v in t.villages if v.code not in exclude] or t.villages
        rural = [v for v in candidates if v.rural] or candidates
        return max(rural, key=lambda v: (per_village.get(v.code, 0), -int(v.code)))

    main_t = next((t for t in townships if t.kind == "镇"), townships[0])
    other_t = next(
        (t for t in townships if t.kind in ("乡", "民族乡") and t is not main_t),
        next((t for t in townships if t is not main_t), main_t),
    )
    v1 = best_village(main_t)
    v3 = best_village(main_t, (v1.code,))
    v2 = best_village(other_t, (v1.code, v3.code))

    def person(kind: str) -> str:
        return _adult_name(rng, rng.choice(("woman", "man")) if kind == "any" else kind)

    rows = [
        ("cunyi", person("any"), "village_doctor", v1.code, True, f"村医 · {v1.name}卫生室（{main_t.name}）"),
        ("xz_officer", person("woman"), "township_officer", main_t.code, True, "卫生院项目管理员"),
        ("xz_reviewer", person("man"), "township_reviewer", main_t.code, True, "卫生院审核人（院长）"),
        ("fybj", person("woman"), "county_mch", county_code + MCH_CENTRE_SUFFIX, True, "县妇幼保健中心"),
        ("wjj", person("any"), "county_bureau", county_code + HEALTH_BUREAU_SUFFIX, True, "县卫生健康局"),
        (
            "admin",
            person("any"),
            "admin",
            PROVINCE[0] if county_index == 0 else county_code,
            True,
            "系统管理员（全省）" if county_index == 0 else "系统管理员（本县）",
        ),
        ("cunyi2", person("any"), "village_doctor", v2.code, False, f"村医 · {v2.name}（另一乡镇，用于范围测试）"),
        ("cunyi3", person("any"), "village_doctor", v3.code, False, f"村医 · {v3.name}（同一乡镇的另一村）"),
        ("xz_officer2", person("woman"), "township_officer", other_t.code, False, f"{other_t.name}卫生院项目管理员"),
    ]
    return [UserSpec(u + suffix, n, r, c, p, note) for u, n, r, c, p, note in rows]


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def generate_county(
    seed: int = DEFAULT_SEED,
    *,
    county_index: int = 0,
    townships: int = 12,
    villages_per_township: tuple[int, int] = (10, 15),
    children: int = 6000,
    as_of: date = AS_OF,
    villages: int | None = None,
) -> CountyData:
    """One fictional county: units (province and city first), children aged 0–47 months, users.

    ``villages`` fixes the total number of villages exactly (otherwise each township gets a
    random number within ``villages_per_township``).
    """
    county_code, county_name, city_code = county_identity(county_index)
    city = _city(city_code)
    t_rng = _rng(seed, county_index, "units")
    tships = _build_townships(t_rng, county_name, city, county_code, townships, villages_per_township, villages)

    c_rng = _rng(seed, county_index, "children")
    kids, per_village = _generate_children(c_rng, county_code, tships, children, as_of)

    seat_alt = tships[0].altitude
    units: list[UnitSpec] = [
        UnitSpec(PROVINCE[0], PROVINCE[1], "province", "admin", None, None, None),
        UnitSpec(city[0], city[1], "city", "admin", PROVINCE[0], None, None),
    ]
    t_units: list[UnitSpec] = []
    for t in tships:
        t_pop = sum(v.population for v in t.villages)
        t_units.append(UnitSpec(t.code, t.name, "township", "township_hc", county_code, t.altitude, t_pop))
        t_units.extend(
            UnitSpec(v.code, v.name, "village", "village_clinic", t.code, v.altitude, v.population) for v in t.villages
        )
    county_pop = sum(u.population for u in t_units if u.level == "township")
    units.append(UnitSpec(county_code, county_name, "county", "admin", city_code, seat_alt, county_pop))
    units.append(
        UnitSpec(
            county_code + HEALTH_BUREAU_SUFFIX,
            county_name + "卫生健康局",
            "county",
            "health_bureau",
            county_code,
            seat_alt,
            None,
        )
    )
    units.append(
        UnitSpec(
            county_code + MCH_CENTRE_SUFFIX,
            county_name + "妇幼保健中心",
            "county",
            "mch_centre",
            county_code,
            seat_alt,
            None,
        )
    )
    units.extend(t_units)

    users = _users(_rng(seed, county_index, "users"), county_index, county_code, tships, per_village)
    return CountyData(
        seed=seed,
        county_index=county_index,
        as_of=as_of,
        county_code=county_code,
        county_name=county_name,
        units=tuple(units),
        children=tuple(kids),
        users=tuple(users),
        relocation_village_codes=tuple(v.code for t in tships for v in t.villages if v.relocation),
    )


def generate_province(
    seed: int = DEFAULT_SEED,
    *,
    counties: int = 10,
    villages: int = 1800,
    children: int = 300_000,
    as_of: date = AS_OF,
    villages_per_township: tuple[int, int] = (10, 15),
) -> Iterator[CountyData]:
    """Yield ``counties`` counties one at a time (stream them; do not keep the list).

    Villages and children are split over the counties with some variation (exact totals).
    Each county ``i`` equals ``generate_county(seed, county_index=i, villages=…, children=…)``
    except that a province or city already yielded is left out of later ``units``.
    """
    if counties < 1:
        raise ValueError("counties must be >= 1")
    p_rng = _rng(seed, -1, "province")
    size = [p_rng.uniform(0.75, 1.25) for _ in range(counties)]
    v_split = _split(villages, size)
    c_split = _split(children, [v * p_rng.uniform(0.9, 1.1) for v in v_split])
    mean_per_township = sum(villages_per_township) / 2
    emitted: set[str] = set()
    for i in range(counties):
        n_t = max(1, round(v_split[i] / mean_per_township))
        data = generate_county(
            seed,
            county_index=i,
            townships=n_t,
            villages_per_township=villages_per_township,
            villages=v_split[i],
            children=c_split[i],
            as_of=as_of,
        )
        fresh = tuple(u for u in data.units if u.level not in ("province", "city") or u.code not in emitted)
        emitted.update(u.code for u in fresh if u.level in ("province", "city"))
        yield replace(data, units=fresh) if len(fresh) != len(data.units) else data


def demo_county() -> CountyData:
    """The county loaded by ``make demo``: 清溪县 (522799), 12 townships, ~150 villages, 6,000 children."""
    return generate_county(DEFAULT_SEED)


if __name__ == "__main__":  # pragma: no cover - timing helper: python -m jiceng.demo.generator [province]
    import resource
    import sys
    import time

    t0 = time.perf_counter()
    if sys.argv[1:2] == ["province"]:
        totals: dict[str, int] = {}
        n_units = 0
        for county in generate_province():
            n_units += len(county.units)
            for key, value in county.stats().items():
                totals[key] = totals.get(key, 0) + value
        print({"units": n_units, **totals})
    else:
        data = demo_county()
        print(data.county_code, data.county_name, data.stats())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{time.perf_counter() - t0:.1f} s, peak RSS {peak_kib / 1024:.0f} MiB")
