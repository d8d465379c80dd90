"""Rule cases a programme officer can read: YAML files of children, events and expected decisions.

The format (fixed)::

    - name: 连续两个月未领即停服,首次停服可续服
      child:
        birth_date: 2024-01-15
        resident: true            # 常住
        poor_household: false     # 建档立卡
        relocation_site: false    # 易地扶贫搬迁安置点
        special_condition: false  # 需专业医生评估的特殊疾病
      events:                     # any order; events after as_of are ignored
        - {date: 2024-07-01, type: consent}
        - {date: 2024-08-05, type: collect, packs: 30}
      force_majeure_months: []    # e.g. ["2024-09"]
      as_of: 2024-11-01
      expect:                     # only status is required; each given key is checked exactly
        status: 停服
        can_collect: true
        max_packs: 30
        priority: 2
        rules: [E5]               # ids that must appear in the explanation

``expect`` may also give ``completed_months``, ``stop_count``, ``enrolled_on``,
``last_collection``, ``collected_this_month``, ``blocked_by`` (the rule id of the refusal,
or null) and ``history`` (a list of ``{date, status}``, optionally with ``rule``).

A case with a top-level ``measure:`` key (instead of ``child:``) is a measurement case and is
checked by :func:`jiceng.nutrition.rules.measurement_cases.check_measurement_case`; a file may
mix both kinds. A malformed case is reported as an error in that case, never a crash.

The file handling, the console report and ``main`` are the shared runner's
(:mod:`jiceng.policy.cases`, which also runs the other programmes' cases); this module checks the
nutrition programme's kinds of case (``child:`` and ``measure:``) and registers them there.

Run: ``jiceng rules check FILE...`` or ``python -m jiceng.policy.cases FILE...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from jiceng.policy.cases import (
    ERROR,
    FAIL,
    PASS,
    CaseError,
    CaseResult,
    format_results,
    load_case_file,
    main,
    register_case_kind,
    run_case_file,
    run_case_files,
)
from jiceng.policy.cases import parse_bool as _parse_bool
from jiceng.policy.cases import parse_date as _parse_date
from jiceng.policy.cases import unknown_keys as _unknown_keys

from .evaluation import evaluate
from .facts import EVENT_TYPES, STATUSES, ChildFacts, Decision, Event
from .months import parse_month_key

CASE_KEYS = ("name", "child", "events", "force_majeure_months", "as_of", "expect")
REQUIRED_CASE_KEYS = ("name", "child", "as_of", "expect")
CHILD_FLAGS = ("resident", "poor_household", "relocation_site", "special_condition")
EVENT_KEYS = ("date", "type", "packs", "suitable")
EXPECT_KEYS = (
    "status",
    "can_collect",
    "max_packs",
    "priority",
    "rules",
    "completed_months",
    "stop_count",
    "enrolled_on",
    "last_collection",
    "collected_this_month",
    "blocked_by",
    "history",
)
_RULE_ID = re.compile(r"^E\d+$")

# --- parsing -------------------------------------------------------------------------------


def _parse_child(raw: object, problems: list[str]) -> ChildFacts | None:
    if not isinstance(raw, dict):
        problems.append("child: 应为映射 (must be a mapping)")
        return None
    _unknown_keys(raw, ("birth_date", *CHILD_FLAGS), "child", problems)
    if "birth_date" not in raw:
        problems.append("child: 缺少 birth_date (missing required key)")
        return None
    birth = _parse_date(raw["birth_date"], "child.birth_date", problems)
    flags = {}
    for flag in CHILD_FLAGS:
        if flag in raw:
            flags[flag] = _parse_bool(raw[flag], f"child.{flag}", problems)
    if birth is None or any(value is None for value in flags.values()):
        return None
    return ChildFacts(birth_date=birth, **flags)


def _parse_event(raw: object, where: str, problems: list[str]) -> Event | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: 应为映射 (must be a mapping)")
        return None
    _unknown_keys(raw, EVENT_KEYS, where, problems)
    missing = [key for key in ("date", "type") if key not in raw]
    if missing:
        problems.append(f"{where}: 缺少 {', '.join(missing)} (missing required key)")
        return None
    day = _parse_date(raw["date"], f"{where}.date", problems)
    kind = raw["type"]
    if kind not in EVENT_TYPES:
        problems.append(f"{where}: 未知事件类型 {kind!r} (unknown event type; one of {', '.join(EVENT_TYPES)})")
        return None
    packs = raw.get("packs")
    suitable = raw.get("suitable")
    if packs is not None and (kind != "collect" or isinstance(packs, bool) or not isinstance(packs, int)):
        problems.append(f"{where}: packs 须为整数且只用于 collect (packs must be an integer on a collect event)")
        return None
    if kind == "assessment" and not isinstance(suitable, bool):
        problems.append(f"{where}: assessment 须有 suitable: true/false (assessment needs suitable)")
        return None
    if suitable is not None and kind != "assessment":
        problems.append(f"{where}: suitable 只用于 assessment (suitable is only for assessment)")
        return None
    if day is None:
        return None
    return Event(date=day, type=kind, packs=packs, suitable=suitable)


def _parse_events(raw: object, problems: list[str]) -> list[Event]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append("events: 应为列表 (must be a list)")
        return []
    events = [_parse_event(item, f"events[{position}]", problems) for position, item in enumerate(raw, start=1)]
    return [event for event in events if event is not None]


def _parse_force_majeure(raw: object, problems: list[str]) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append("force_majeure_months: 应为 YYYY-MM 列表 (must be a list of YYYY-MM)")
        return []
    months = []
    for item in raw:
        try:
            parse_month_key(str(item))
            months.append(str(item))
        except ValueError:
            problems.append(f"force_majeure_months: {item!r} 不是 YYYY-MM (bad month)")
    return months


def _check_expect_types(expect: dict, problems: list[str]) -> None:
    if "status" not in expect:
        problems.append("expect: 缺少 status (missing required key)")
    elif expect["status"] not in STATUSES:
        problems.append(f"expect.status: 未知状态 {expect['status']!r} (unknown status; one of {'、'.join(STATUSES)})")
    for key in ("can_collect", "collected_this_month"):
        if key in expect and not isinstance(expect[key], bool):
            problems.append(f"expect.{key}: 应为 true/false (must be a boolean)")
    for key in ("max_packs", "completed_months", "stop_count"):
        if key in expect and (isinstance(expect[key], bool) or not isinstance(expect[key], int)):
            problems.append(f"expect.{key}: 应为整数 (must be an integer)")
    if "priority" in expect and expect["priority"] not in (1, 2, 3, None):
        problems.append("expect.priority: 应为 1、2、3 或 null (must be 1, 2, 3 or null)")
    rules = expect.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(item, str) and _RULE_ID.match(item) for item in rules):
        problems.append("expect.rules: 应为规则编号列表,如 [E5, E7] (must be a list of rule ids)")
    blocked = expect.get("blocked_by")
    if blocked is not None and not (isinstance(blocked, str) and _RULE_ID.match(blocked)):
        problems.append("expect.blocked_by: 应为规则编号或 null (must be a rule id or null)")


def _parse_history(raw: object, problems: list[str]) -> list[tuple] | None:
    if not isinstance(raw, list):
        problems.append("expect.history: 应为列表 (must be a list of {date, status[, rule]})")
        return None
    entries = []
    for position, item in enumerate(raw, start=1):
        where = f"expect.history[{position}]"
        if not isinstance(item, dict) or "date" not in item or "status" not in item:
            problems.append(f"{where}: 应为 {{date, status[, rule]}} (must have date and status)")
            continue
        _unknown_keys(item, ("date", "status", "rule"), where, problems)
        if item["status"] not in STATUSES:
            problems.append(f"{where}: 未知状态 {item['status']!r} (unknown status)")
        day = _parse_date(item["date"], f"{where}.date", problems)
        entries.append((day, item["status"], item.get("rule")))
    return entries


def _parse_expect(raw: object, problems: list[str]) -> dict:
    if not isinstance(raw, dict):
        problems.append("expect: 应为映射 (must be a mapping)")
        return {}
    _unknown_keys(raw, EXPECT_KEYS, "expect", problems)
    _check_expect_types(raw, problems)
    expect = dict(raw)
    for key in ("enrolled_on", "last_collection"):
        if key in expect and expect[key] is not None:
            expect[key] = _parse_date(expect[key], f"expect.{key}", problems)
    if "history" in expect:
        expect["history"] = _parse_history(expect["history"], problems)
    return expect


@dataclass
class ParsedCase:
    name: str
    child: ChildFacts
    events: list[Event]
    force_majeure_months: list[str]
    as_of: date
    expect: dict


def parse_case(case: object) -> ParsedCase:
    """Validate a case mapping; :class:`CaseError` lists every problem."""
    if not isinstance(case, dict):
        raise CaseError(["用例应为映射 (a case must be a mapping)"])
    problems: list[str] = []
    _unknown_keys(case, CASE_KEYS, "用例 (case)", problems)
    missing = [key for key in REQUIRED_CASE_KEYS if key not in case]
    if missing:
        problems.append(f"缺少 {', '.join(missing)} (missing required key)")
    name = case.get("name")
    if "name" in case and (not isinstance(name, str) or not name.strip()):
        problems.append("name: 应为非空文字 (must be non-empty text)")
    child = _parse_child(case["child"], problems) if "child" in case else None
    events = _parse_events(case.get("events"), problems)
    force_majeure = _parse_force_majeure(case.get("force_majeure_months"), problems)
    as_of = _parse_date(case["as_of"], "as_of", problems) if "as_of" in case else None
    expect = _parse_expect(case["expect"], problems) if "expect" in case else {}
    if problems:
        raise CaseError(problems)
    return ParsedCase(str(name), child, events, force_majeure, as_of, expect)


# --- checking --------------------------------------------------------------------------------


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def compare(expect: dict, decision: Decision) -> list[str]:
    """The differences between the expected values and the decision (empty when they agree)."""
    actual = {
        "status": decision.status,
        "can_collect": decision.can_collect,
        "max_packs": decision.max_packs,
        "priority": decision.priority,
        "completed_months": decision.completed_months,
        "stop_count": decision.stop_count,
        "enrolled_on": decision.enrolled_on,
        "last_collection": decision.last_collection,
        "collected_this_month": decision.collected_this_month,
        "blocked_by": decision.blocked_by.rule_id if decision.blocked_by else None,
    }
    differences = []
    for key, value in actual.items():
        if key in expect and expect[key] != value:
            differences.append(f"{key}: 期望 {_show(expect[key])},实际 {_show(value)} (expected, got)")
    missing_rules = [rule for rule in expect.get("rules", []) if rule not in decision.rule_ids]
    if missing_rules:
        differences.append(
            f"rules: 说明中缺少 {', '.join(missing_rules)},实际为 {', '.join(decision.rule_ids) or '无'} "
            f"(rule ids missing from the explanation)"
        )
    if "history" in expect and not _history_matches(expect["history"], decision):
        got = [(item.date, item.status, item.rule_id) for item in decision.history]
        differences.append(
            f"history: 期望 {_format_history(expect['history'])},实际 {_format_history(got)} (expected, got)"
        )
    return differences


def _history_matches(expected: list[tuple], decision: Decision) -> bool:
    """Same dates and statuses in the same order; a rule id is compared only where the case gives one."""
    if len(expected) != len(decision.history):
        return False
    return all(
        day == item.date and status == item.status and (rule is None or rule == item.rule_id)
        for (day, status, rule), item in zip(expected, decision.history, strict=True)
    )


def _format_history(entries: list[tuple]) -> str:
    parts = [f"{_show(day)} {status}{f'({rule})' if rule else ''}" for day, status, rule in entries]
    return "[" + ", ".join(parts) + "]"


def _run_measurement_case(case: dict, result: CaseResult) -> CaseResult:
    result.kind = "measurement"
    try:
        from .measurement_cases import check_measurement_case
    except ImportError as error:
        result.errors.append(f"测量用例检查模块不可用 (measurement cases unavailable): {error}")
        return result
    try:
        problems = check_measurement_case(case)
    except Exception as error:  # a malformed case must not stop the run
        result.errors.append(f"测量用例出错 (measurement case raised): {type(error).__name__}: {error}")
        return result
    result.differences.extend(str(problem) for problem in problems)
    return result


def run_case(case: object, source: str = "", index: int = 0) -> CaseResult:
    """Check one case (an eligibility case or a measurement case)."""
    raw_name = case.get("name") if isinstance(case, dict) else None
    name = raw_name if isinstance(raw_name, str) and raw_name.strip() else f"(第 {index} 例,无名称)"
    result = CaseResult(source=source, index=index, name=name)
    if isinstance(case, dict) and "measure" in case and "child" not in case:
        return _run_measurement_case(case, result)
    try:
        parsed = parse_case(case)
    except CaseError as error:
        result.errors.extend(error.messages)
        return result
    try:
        decision = evaluate(parsed.child, parsed.events, parsed.as_of, parsed.force_majeure_months)
    except Exception as error:  # report, do not crash the run
        result.errors.append(f"规则引擎出错 (engine raised): {type(error).__name__}: {error}")
        return result
    result.differences = compare(parsed.expect, decision)
    if result.differences:
        result.details = [f"状态 {decision.status}; 原因: {decision.explain()}"]
        result.details += [f"历史: {item.date.isoformat()} {item.status} — {item.text}" for item in decision.history]
        result.details += [f"警告: {item.text}" for item in decision.warnings]
    return result


__all__ = [
    "ERROR",
    "FAIL",
    "PASS",
    "CaseError",
    "CaseResult",
    "format_results",
    "load_case_file",
    "main",
    "run_case",
    "run_case_file",
    "run_case_files",
]

register_case_kind("child", run_case)
register_case_kind("measure", run_case)
