"""Benefit-scheme cases a programme officer can read, checked by the shared runner (``jiceng rules check``).

The format (fixed)::

    - name: 农村独女户父亲年满60周岁,符合奖扶
      scheme: 奖扶                 # 奖扶 / 特扶 / 独生子女父母奖励 / 少生快富
      category: 死亡               # 特扶 only: 死亡 / 伤残 / 手术并发症 (else worked out from the facts)
      year: 2025                   # the benefit year judged
      person:                      # the applicant
        birth_date: 1964-03-01
        sex: 男                    # 男 / 女
        rural: true                # 农业户口
        mother_birth_date: 1966-05-01      # 女方 (when the applicant is the father)
        out_of_policy_birth_years: []      # years of births against the policy of the time
        only_child_certificate: false      # 《独生子女父母光荣证》
        complication_grade: null           # 手术并发症 1–3
        gave_up_entitlement: false         # 少生快富: 自愿放弃生育
        long_acting_contraception: false   # 少生快富: 长效节育措施
        already_paid_once: false           # 少生快富: 已领取过
        died_on: null
      children:
        - {birth_date: 1990-06-01, sex: 女, status: 存活, disability_grade: null, adopted: false}
      expect:                      # only eligible is required; each key given is checked exactly
        eligible: true
        failed: []                 # the ids of the conditions not met (J1…, T1…, D1…, S1…, A1)
        category: ""
        per_year: 960              # 元 for the year (少生快富: the one-off amount)
        per_month: 80
        says: 年满60周岁            # text the explanation must contain

Cases with a top-level ``scheme:`` key are this module's; the runner finds it by itself.
"""

from __future__ import annotations

from decimal import Decimal

from jiceng.policy.cases import (
    CaseError,
    CaseResult,
    case_name,
    parse_bool,
    parse_date,
    register_case_kind,
    unknown_keys,
)

from .schemes import CHILD_STATUSES, SCHEMES, TEFU, TEFU_CATEGORIES, ChildFacts, Decision, PersonFacts, decide

CASE_KEYS = ("name", "scheme", "category", "year", "person", "children", "expect")
PERSON_FLAGS = (
    "rural",
    "only_child_certificate",
    "gave_up_entitlement",
    "long_acting_contraception",
    "already_paid_once",
)
PERSON_KEYS = (
    "birth_date",
    "sex",
    "mother_birth_date",
    "out_of_policy_birth_years",
    "complication_grade",
    "died_on",
    *PERSON_FLAGS,
)
CHILD_KEYS = ("birth_date", "sex", "status", "disability_grade", "adopted")
EXPECT_KEYS = ("eligible", "failed", "category", "per_year", "per_month", "says")
SEXES = {"男": "M", "女": "F"}


def _sex(value: object, where: str, problems: list[str]) -> str | None:
    if value in SEXES:
        return SEXES[value]
    problems.append(f"{where}: 性别 {value!r} 应为 男 或 女 (sex must be 男 or 女)")
    return None


def _small_int(value: object, where: str, problems: list[str], low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(f"{where}: 应为 {low}–{high} 的整数 (must be a whole number {low}–{high})")
        return None
    return value


def _parse_person(raw: object, problems: list[str]) -> dict:
    if not isinstance(raw, dict):
        problems.append("person: 应为映射 (must be a mapping)")
        return {}
    unknown_keys(raw, PERSON_KEYS, "person", problems)
    for key in ("birth_date", "sex", "rural"):
        if key not in raw:
            problems.append(f"person: 缺少 {key} (missing required key)")
    facts: dict = {}
    if "birth_date" in raw:
        facts["birth_date"] = parse_date(raw["birth_date"], "person.birth_date", problems)
    if "sex" in raw:
        facts["sex"] = _sex(raw["sex"], "person.sex", problems)
    for key in ("mother_birth_date", "died_on"):
        if raw.get(key) is not None:
            facts[key] = parse_date(raw[key], f"person.{key}", problems)
    for key in PERSON_FLAGS:
        if key in raw:
            facts[key] = parse_bool(raw[key], f"person.{key}", problems)
    facts["complication_grade"] = _small_int(raw.get("complication_grade"), "person.complication_grade", problems, 1, 3)
    years = raw.get("out_of_policy_birth_years") or []
    if not isinstance(years, list) or not all(isinstance(y, int) and not isinstance(y, bool) for y in years):
        problems.append("person.out_of_policy_birth_years: 应为年份列表 (must be a list of years)")
        years = []
    facts["out_of_policy_birth_years"] = tuple(years)
    return facts


def _parse_children(raw: object, problems: list[str]) -> tuple[ChildFacts, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append("children: 应为列表 (must be a list)")
        return ()
    children = []
    for position, item in enumerate(raw, start=1):
        where = f"children[{position}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: 应为映射 (must be a mapping)")
            continue
        unknown_keys(item, CHILD_KEYS, where, problems)
        birth = parse_date(item.get("birth_date"), f"{where}.birth_date", problems)
        sex = _sex(item.get("sex"), f"{where}.sex", problems)
        status = item.get("status", "存活")
        if status not in CHILD_STATUSES:
            problems.append(f"{where}.status: 应为 {'/'.join(CHILD_STATUSES)} (unknown status)")
        grade = _small_int(item.get("disability_grade"), f"{where}.disability_grade", problems, 1, 10)
        adopted = parse_bool(item.get("adopted", False), f"{where}.adopted", problems)
        if birth and sex:
            children.append(ChildFacts(birth, sex, status, grade, bool(adopted)))
    return tuple(children)


def _parse_expect(raw: object, problems: list[str]) -> dict:
    if not isinstance(raw, dict):
        problems.append("expect: 应为映射 (must be a mapping)")
        return {}
    unknown_keys(raw, EXPECT_KEYS, "expect", problems)
    if not isinstance(raw.get("eligible"), bool):
        problems.append("expect: 缺少 eligible: true/false (missing required key)")
    failed = raw.get("failed", [])
    if not isinstance(failed, list) or not all(isinstance(item, str) for item in failed):
        problems.append("expect.failed: 应为条件编号列表,如 [J3] (must be a list of condition ids)")
    for key in ("per_year", "per_month"):
        if key in raw and (isinstance(raw[key], bool) or not isinstance(raw[key], (int, float))):
            problems.append(f"expect.{key}: 应为数字 (must be a number)")
    return dict(raw)


def parse_case(case: dict) -> tuple[str, str, int, PersonFacts, dict]:
    problems: list[str] = []
    unknown_keys(case, CASE_KEYS, "用例 (case)", problems)
    missing = [key for key in ("name", "scheme", "year", "person", "expect") if key not in case]
    if missing:
        problems.append(f"缺少 {', '.join(missing)} (missing required key)")
    scheme = case.get("scheme")
    if scheme not in SCHEMES:
        problems.append(f"scheme: 未知项目 {scheme!r} (one of {'、'.join(SCHEMES)})")
    category = case.get("category") or ""
    if category and (scheme != TEFU or category not in TEFU_CATEGORIES):
        problems.append(f"category: 只用于特扶,应为 {'、'.join(TEFU_CATEGORIES)} (category is for 特扶 only)")
    year = _small_int(case.get("year"), "year", problems, 1973, 2100)
    facts = _parse_person(case.get("person"), problems)
    children = _parse_children(case.get("children"), problems)
    expect = _parse_expect(case.get("expect"), problems)
    if problems:
        raise CaseError(problems)
    return scheme, category, year, PersonFacts(children=children, **facts), expect


def compare(expect: dict, decision: Decision) -> list[str]:
    differences = []
    if expect["eligible"] != decision.eligible:
        differences.append(f"eligible: 期望 {expect['eligible']},实际 {decision.eligible} (expected, got)")
    if "failed" in expect and sorted(expect["failed"]) != sorted(decision.failed_ids):
        differences.append(f"failed: 期望 {expect['failed']},实际 {decision.failed_ids} (expected, got)")
    if "category" in expect and (expect["category"] or "") != decision.category:
        differences.append(f"category: 期望 {expect['category']},实际 {decision.category} (expected, got)")
    for key in ("per_year", "per_month"):
        if key in expect:
            actual = getattr(decision, key)
            if Decimal(str(expect[key])).quantize(Decimal("0.01")) != actual.quantize(Decimal("0.01")):
                differences.append(f"{key}: 期望 {expect[key]},实际 {actual:g} (expected, got)")
    if "says" in expect and str(expect["says"]) not in decision.explain():
        differences.append(f"says: 说明中没有「{expect['says']}」 (the explanation does not say it)")
    return differences


def run_case(case: object, source: str = "", index: int = 0) -> CaseResult:
    """Check one benefit-scheme case."""
    result = CaseResult(source=source, index=index, name=case_name(case, index), kind="benefit")
    if not isinstance(case, dict):
        result.errors.append("用例应为映射 (a case must be a mapping)")
        return result
    try:
        scheme, category, year, person, expect = parse_case(case)
    except CaseError as error:
        result.errors.extend(error.messages)
        return result
    try:
        decision = decide(scheme, person, year, category)
    except Exception as error:  # report, do not crash the run
        result.errors.append(f"规则出错 (rules raised): {type(error).__name__}: {error}")
        return result
    result.differences = compare(expect, decision)
    if result.differences:
        result.details = [decision.explain()]
    return result


register_case_kind("scheme", run_case)

__all__ = ["compare", "parse_case", "run_case"]
