"""The four family-planning benefit schemes as rules: who qualifies in a year, under which category, and
how much (pure Python, no Django).

Every condition is checked and named in the scheme's own words, so a refusal says exactly which one
failed (「现存一个子女或两个女孩或子女死亡现无子女」 — 现存子女3个). Every number is a dated parameter
(:mod:`.parameters`); a person decides, the rules only say whether the recorded facts qualify.

The year judged is the benefit year (资格确认年度): an age condition 「年满N周岁」 is met by a person who
turns N during that year; amounts are those in force on 1 January of the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .parameters import parameter

JIANGFU = "奖扶"  # 农村部分计划生育家庭奖励扶助
TEFU = "特扶"  # 计划生育家庭特别扶助 (死亡 / 伤残 / 手术并发症)
ONLY_CHILD = "独生子女父母奖励"
SSKF = "少生快富"
SCHEMES = (JIANGFU, TEFU, ONLY_CHILD, SSKF)
SCHEME_TITLES = {
    JIANGFU: "农村部分计划生育家庭奖励扶助",
    TEFU: "计划生育家庭特别扶助",
    ONLY_CHILD: "独生子女父母奖励",
    SSKF: "少生快富",
}

# 特扶 categories (类别)
DEATH = "死亡"
DISABILITY = "伤残"
COMPLICATION = "手术并发症"
TEFU_CATEGORIES = (DEATH, DISABILITY, COMPLICATION)

# how a scheme pays (发放方式)
YEARLY, MONTHLY, ONCE = "按年", "按月", "一次性"
PAID = {JIANGFU: YEARLY, TEFU: MONTHLY, ONLY_CHILD: YEARLY, SSKF: ONCE}

ALIVE, DIED = "存活", "死亡"
CHILD_STATUSES = (ALIVE, DIED)


@dataclass(frozen=True)
class ChildFacts:
    """A child of the family (子女)."""

    birth_date: date
    sex: str  # "M" / "F"
    status: str = ALIVE  # 存活 / 死亡
    disability_grade: int | None = None  # 伤病残等级 1 (most severe) … 10
    adopted: bool = False  # 合法收养


@dataclass(frozen=True)
class PersonFacts:
    """What the rules need to know about one applicant (申报对象本人) and the family."""

    birth_date: date
    sex: str  # "M" / "F"
    rural: bool  # 农业户口 / 农村居民
    children: tuple[ChildFacts, ...] = ()
    mother_birth_date: date | None = None  # 女方出生日期 (the applicant's own if she is the mother)
    out_of_policy_birth_years: tuple[int, ...] = ()  # years of any birth against the policy of its time
    only_child_certificate: bool = False  # 《独生子女父母光荣证》
    complication_grade: int | None = None  # 计划生育手术并发症鉴定等级 1–3
    gave_up_entitlement: bool = False  # 少生快富: 符合政策可再生育而自愿放弃
    long_acting_contraception: bool = False  # 少生快富: 已落实长效节育措施
    already_paid_once: bool = False  # 少生快富: 已领取过一次性奖励
    died_on: date | None = None


@dataclass(frozen=True)
class Condition:
    """One condition of a scheme: its id, the scheme's words, and what the facts show."""

    id: str
    text: str  # the condition in the scheme's words
    met: bool
    detail: str = ""  # what the recorded facts show

    def sentence(self) -> str:
        verdict = "符合" if self.met else "不符合"
        return f"{verdict}「{self.text}」" + (f"({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Decision:
    """Whether the facts qualify for a scheme in a year, why (not), and the amount."""

    scheme: str
    year: int
    category: str  # 特扶 category, "" for the others
    conditions: tuple[Condition, ...]
    per_month: Decimal = Decimal(0)  # 元 per person per month (yearly schemes: a twelfth)
    per_year: Decimal = Decimal(0)  # 元 per person for the year (少生快富: the one-off amount)
    paid: str = YEARLY
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def eligible(self) -> bool:
        return all(condition.met for condition in self.conditions)

    @property
    def failed(self) -> tuple[Condition, ...]:
        return tuple(condition for condition in self.conditions if not condition.met)

    @property
    def failed_ids(self) -> list[str]:
        return [condition.id for condition in self.failed]

    def explain(self) -> str:
        """One sentence: qualifies with the amount, or every failed condition in the scheme's words."""
        label = f"{self.year}年{self.scheme}" + (f"({self.category})" if self.category else "")
        if self.eligible:
            amount = f"每人每月{self.per_month:g}元" if self.paid == MONTHLY else f"每人{self.per_year:g}元"
            return f"{label}:符合条件,{amount}。"
        return f"{label}:不符合条件 — " + ";".join(condition.sentence() for condition in self.failed) + "。"


def _age_in_year(birth: date, year: int) -> int:
    """The age reached during ``year`` (当年年满)."""
    return year - birth.year


def _living(children: tuple[ChildFacts, ...]) -> list[ChildFacts]:
    return [child for child in children if child.status == ALIVE]


def _alive(person: PersonFacts, year: int) -> Condition:
    died = person.died_on is not None and person.died_on < date(year, 1, 1)
    return Condition("A1", "本人健在(发放至亡故为止)", not died, f"已于{person.died_on}亡故" if died else "")


def jiangfu(person: PersonFacts, year: int) -> Decision:
    on = date(year, 1, 1)
    start = int(parameter("jiangfu_policy_window_start_year", on))
    end = int(parameter("jiangfu_policy_window_end_year", on))
    min_age = int(parameter("jiangfu_min_age", on))
    living = _living(person.children)
    daughters = [child for child in living if child.sex == "F"]
    shape_ok = len(living) == 1 or (len(living) == 2 and len(daughters) == 2) or (not living and person.children)
    shape = f"现存子女{len(living)}个" + (f",其中女孩{len(daughters)}个" if living else "")
    if not person.children:
        shape = "未生育子女"
    against = sorted(y for y in person.out_of_policy_birth_years if start <= y <= end)
    age = _age_in_year(person.birth_date, year)
    conditions = (
        Condition("J1", "本人及配偶均为农业户口或界定为农村居民", person.rural, "" if person.rural else "非农业户口"),
        Condition(
            "J2",
            f"{start}年至{end}年12月期间没有违反计划生育法律法规和政策规定生育",
            not against,
            f"{'、'.join(str(y) for y in against)}年有违反政策生育" if against else "",
        ),
        Condition("J3", "现存一个子女或两个女孩或子女死亡现无子女", bool(shape_ok), shape),
        Condition("J4", f"年满{min_age}周岁", age >= min_age, f"{year}年{age}周岁"),
        _alive(person, year),
    )
    amount = Decimal(str(parameter("jiangfu_amount_per_year", on)))
    return Decision(JIANGFU, year, "", conditions, amount / 12, amount, YEARLY)


def tefu_category(person: PersonFacts) -> str:
    """The category the facts point to: 死亡, else 伤残, else 手术并发症 ("" if none)."""
    if person.children and not _living(person.children):
        return DEATH
    if any(child.disability_grade for child in _living(person.children)):
        return DISABILITY
    if person.complication_grade:
        return COMPLICATION
    return ""


def tefu(person: PersonFacts, year: int, category: str = "") -> Decision:
    on = date(year, 1, 1)
    category = category or tefu_category(person) or DEATH
    rural = "rural" if person.rural else "urban"
    if category == COMPLICATION:
        grade = person.complication_grade
        ok = grade in (1, 2, 3)
        conditions = (
            Condition("T6", "经鉴定为计划生育手术并发症一至三级", ok, f"鉴定等级:{grade or '无'}"),
            _alive(person, year),
        )
        per_month = Decimal(str(parameter(f"tefu_complication_grade{grade}_per_month", on))) if ok else Decimal(0)
        return Decision(TEFU, year, category, conditions, per_month, per_month * 12, MONTHLY)
    min_birth_year = int(parameter("tefu_min_birth_year", on))
    mother_age_needed = int(parameter("tefu_mother_min_age", on))
    worst_grade = int(parameter("tefu_worst_disability_grade", on))
    mother = person.mother_birth_date or (person.birth_date if person.sex == "F" else None)
    mother_age = _age_in_year(mother, year) if mother else None
    living = _living(person.children)
    only_one = len(person.children) == 1
    if category == DEATH:
        situation = Condition(
            "T4",
            "独生子女死亡后未再生育或合法收养子女",
            only_one and not living,
            f"子女{len(person.children)}个,现存{len(living)}个",
        )
    else:
        grades = [child.disability_grade for child in living if child.disability_grade]
        situation = Condition(
            "T5",
            f"独生子女被依法鉴定为伤病残达到{_grade_words(worst_grade)}以上",
            bool(grades) and min(grades) <= worst_grade,
            f"鉴定等级:{min(grades)}级" if grades else "无伤病残鉴定",
        )
    conditions = (
        Condition(
            "T1",
            f"{min_birth_year}年1月1日以后出生",
            person.birth_date.year >= min_birth_year,
            f"{person.birth_date.isoformat()}出生",
        ),
        Condition(
            "T2",
            f"女方年满{mother_age_needed}周岁",
            mother_age is not None and mother_age >= mother_age_needed,
            f"{year}年女方{mother_age}周岁" if mother_age is not None else "未登记女方出生日期",
        ),
        Condition("T3", "只生育一个子女或合法收养一个子女", only_one, f"生育或收养子女{len(person.children)}个"),
        situation,
        _alive(person, year),
    )
    name = f"tefu_{'death' if category == DEATH else 'disability'}_{rural}_per_month"
    per_month = Decimal(str(parameter(name, on)))
    return Decision(TEFU, year, category, conditions, per_month, per_month * 12, MONTHLY)


def _grade_words(grade: int) -> str:
    return "一二三四五六七八九十"[grade - 1] + "级" if 1 <= grade <= 10 else f"{grade}级"


def only_child(person: PersonFacts, year: int) -> Decision:
    on = date(year, 1, 1)
    until = int(parameter("only_child_until_age", on))
    per_year = Decimal(str(parameter("only_child_amount_per_year", on)))
    living = _living(person.children)
    child = living[0] if len(living) == 1 else None
    months = 0
    if child is not None:
        last_year = child.birth_date.year + until  # the year the child turns 18: months before the birthday
        months = 12 if year < last_year else (child.birth_date.month - 1 if year == last_year else 0)
    conditions = (
        Condition(
            "D1",
            "领取《独生子女父母光荣证》",
            person.only_child_certificate,
            "" if person.only_child_certificate else "未登记光荣证",
        ),
        Condition(
            "D2",
            "只有一个子女",
            len(person.children) == 1 and child is not None,
            f"子女{len(person.children)}个,现存{len(living)}个",
        ),
        Condition(
            "D3",
            f"至独生子女满{until}周岁止",
            child is None or months > 0,
            f"子女{child.birth_date.isoformat()}出生,{year}年满{year - child.birth_date.year}周岁" if child else "",
        ),
        _alive(person, year),
    )
    amount = per_year * months / 12
    return Decision(ONLY_CHILD, year, "", conditions, per_year / 12, amount, YEARLY)


def sskf(person: PersonFacts, year: int) -> Decision:
    on = date(year, 1, 1)
    max_age = int(parameter("sskf_max_mother_age", on))
    amount = Decimal(str(parameter("sskf_amount_once", on)))
    mother = person.mother_birth_date or (person.birth_date if person.sex == "F" else None)
    mother_age = _age_in_year(mother, year) if mother else None
    conditions = (
        Condition("S1", "农村户口", person.rural, "" if person.rural else "非农业户口"),
        Condition(
            "S2",
            "符合政策规定可以再生育而自愿放弃生育",
            person.gave_up_entitlement,
            "" if person.gave_up_entitlement else "未登记自愿放弃生育",
        ),
        Condition(
            "S3",
            f"女方年龄在{max_age}周岁以下",
            mother_age is not None and mother_age <= max_age,
            f"{year}年女方{mother_age}周岁" if mother_age is not None else "未登记女方出生日期",
        ),
        Condition(
            "S4",
            "已落实长效节育措施",
            person.long_acting_contraception,
            "" if person.long_acting_contraception else "未登记节育措施",
        ),
        Condition(
            "S5",
            "一次性奖励,已领取的不再发放",
            not person.already_paid_once,
            "已领取过" if person.already_paid_once else "",
        ),
        _alive(person, year),
    )
    return Decision(SSKF, year, "", conditions, Decimal(0), amount, ONCE)


def decide(scheme: str, person: PersonFacts, year: int, category: str = "") -> Decision:
    """The decision of ``scheme`` for ``person`` in ``year`` (category only for 特扶)."""
    if scheme == JIANGFU:
        return jiangfu(person, year)
    if scheme == TEFU:
        return tefu(person, year, category)
    if scheme == ONLY_CHILD:
        return only_child(person, year)
    if scheme == SSKF:
        return sskf(person, year)
    raise ValueError(f"未知项目 {scheme!r} (unknown scheme; one of {'、'.join(SCHEMES)})")
