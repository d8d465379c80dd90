"""Unit tests of the nutrition-pack rules: month arithmetic, parameters, refusals, priority, case runner."""

from __future__ import annotations

import subprocess
import sys
import types
from datetime import date, timedelta
from pathlib import Path

import pytest

from jiceng.nutrition.rules import adherence
from jiceng.nutrition.rules.cases import format_results, main, run_case, run_case_files
from jiceng.nutrition.rules.eligibility import leaves_age_window_on, stop_month
from jiceng.nutrition.rules.engine import (
    ChildFacts,
    Event,
    check_collection,
    completed_months,
    evaluate,
    month_date,
    priority_plan,
)
from jiceng.nutrition.rules.months import month_index, parse_month_key
from jiceng.nutrition.rules.parameters import (
    ParameterError,
    get_parameter,
    load_parameters,
    parameter,
    parameter_changes,
    read_parameter_files,
)

D = date


def consent(day: date) -> Event:
    return Event(day, "consent")


def collect(day: date, packs: int | None = 30) -> Event:
    return Event(day, "collect", packs=packs)


def monthly(first: date, count: int, packs: int = 30) -> list[Event]:
    """``count`` collections on the same day of consecutive months, starting at ``first``."""
    return [collect(month_date(first, n), packs) for n in range(count)]


BABY = ChildFacts(birth_date=D(2024, 1, 15))


# --- month arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "months", "expected"),
    [
        (D(2019, 1, 31), 1, D(2019, 2, 28)),
        (D(2019, 1, 31), 6, D(2019, 7, 31)),
        (D(2019, 1, 31), 3, D(2019, 4, 30)),
        (D(2020, 2, 29), 12, D(2021, 2, 28)),
        (D(2020, 2, 29), 48, D(2024, 2, 29)),
        (D(2023, 8, 31), 6, D(2024, 2, 29)),
        (D(2024, 1, 15), 0, D(2024, 1, 15)),
        (D(2023, 11, 30), 3, D(2024, 2, 29)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2021, 5, 20), 36, D(2024, 5, 20)),
    ],
)
def test_month_date_is_end_of_month_clamped(birth: date, months: int, expected: date) -> None:
    assert month_date(birth, months) == expected


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (D(2019, 1, 31), D(2019, 2, 27), 0),
        (D(2019, 1, 31), D(2019, 2, 28), 1),
        (D(2019, 1, 31), D(2019, 7, 30), 5),
        (D(2019, 1, 31), D(2019, 7, 31), 6),
        (D(2020, 2, 29), D(2021, 2, 28), 12),
        (D(2020, 2, 29), D(2020, 8, 28), 5),
        (D(2020, 2, 29), D(2020, 8, 29), 6),
        (D(2024, 1, 15), D(2024, 1, 14), -1),
        (D(2024, 1, 15), D(2024, 1, 15), 0),
        (D(2022, 3, 15), D(2024, 10, 14), 30),
        (D(2022, 3, 15), D(2024, 10, 15), 31),
    ],
)
def test_completed_months(birth: date, on: date, expected: int) -> None:
    assert completed_months(birth, on) == expected


def test_completed_months_agrees_with_month_date_for_every_birthday_of_a_leap_year_and_more() -> None:
    birth = D(2019, 12, 1)
    while birth <= D(2021, 3, 31):
        for months in range(0, 40):
            nth = month_date(birth, months)
            assert completed_months(birth, nth) == months, (birth, months)
            assert completed_months(birth, nth - timedelta(days=1)) == months - 1, (birth, months)
        birth += timedelta(days=1)


def test_month_keys() -> None:
    assert parse_month_key("2024-09") == month_index(D(2024, 9, 1))
    for bad in ("2024-13", "2024-9", "24-09", "2024-09-01", ""):
        with pytest.raises(ValueError):
            parse_month_key(bad)


# --- parameters --------------------------------------------------------------------------------


def test_upper_age_changes_on_2020_04_01() -> None:
    assert parameter("upper_age_months", D(2020, 3, 31)) == 24
    assert parameter("upper_age_months", D(2020, 4, 1)) == 36
    assert parameter("upper_age_months", D(2030, 1, 1)) == 36
    assert parameter_changes("upper_age_months") == [(D(2018, 1, 1), 24), (D(2020, 4, 1), 36)]


def test_a_day_before_the_first_value_uses_the_first_value() -> None:
    assert parameter("upper_age_months", D(2015, 6, 1)) == 24


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("lower_age_months", 6),
        ("max_first_enrolment_age_months", 30),
        ("reinclusion_age_limit_months", 30),
        ("months_without_collection_for_stop", 2),
        ("packs_per_month", 30),
        ("packs_per_day", 1),
        ("collections_per_month", 1),
        ("max_resumption_age_months", 30),
        ("stops_before_termination", 2),
        ("adherence_min_packs_per_week", 4),
        ("priority_age_below_months", 24),
    ],
)
def test_programme_numbers(name: str, value: int) -> None:
    assert parameter(name, D(2024, 6, 1)) == value


def test_every_parameter_quotes_its_clause() -> None:
    for item in load_parameters().values():
        assert "「" in item.reference, item.name
        assert item.description, item.name


def test_parameters_are_loaded_once() -> None:
    assert load_parameters() is load_parameters()


def test_unknown_parameter() -> None:
    with pytest.raises(ParameterError):
        get_parameter("no_such_parameter")


def test_parameter_files_skip_other_data_and_reject_malformed_entries(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text("standard: WS/T 441\nage_months: {min: 6, max: 59}\n", encoding="utf-8")
    (tmp_path / "good.yaml").write_text(
        "x:\n  description: d\n  reference: 「r」\n  values:\n    2020-01-01: 1\n    2019-01-01: 2\n", encoding="utf-8"
    )
    found = read_parameter_files(tmp_path)
    assert list(found) == ["x"]
    assert found["x"].at(D(2019, 6, 1)) == 2 and found["x"].at(D(2020, 6, 1)) == 1
    (tmp_path / "bad.yaml").write_text("y:\n  description: d\n  reference: 「r」\n  values: {2020-01-01: many}\n")
    with pytest.raises(ParameterError):
        read_parameter_files(tmp_path)


# --- the engine ----------------------------------------------------------------------------


def test_leaves_age_window_under_the_dated_upper_age() -> None:
    assert leaves_age_window_on(D(2018, 1, 10), D(2018, 1, 10)) == D(2020, 1, 10)
    assert leaves_age_window_on(D(2018, 6, 10), D(2018, 6, 10)) == D(2021, 6, 10)
    assert leaves_age_window_on(D(2018, 4, 1), D(2018, 4, 1)) == D(2021, 4, 1)
    assert leaves_age_window_on(D(2018, 3, 31), D(2018, 3, 31)) == D(2020, 3, 31)


def test_stop_month_skips_force_majeure() -> None:
    march = month_index(D(2021, 3, 10))
    assert stop_month(march, D(2021, 3, 10), frozenset()) == month_index(D(2021, 6, 1))
    april = frozenset({month_index(D(2021, 4, 1))})
    assert stop_month(march, D(2021, 3, 10), april) == month_index(D(2021, 7, 1))


def test_the_specification_example_of_a_stop() -> None:
    events = [consent(D(2021, 1, 1)), collect(D(2021, 3, 10))]
    child = ChildFacts(D(2020, 5, 1))
    assert evaluate(child, events, D(2021, 5, 31)).status == "在服"
    stopped = evaluate(child, events, D(2021, 6, 1))
    assert stopped.status == "停服" and stopped.history[-1].date == D(2021, 6, 1)
    assert "2021-04、2021-05 未领取" in stopped.reasons[0].text
    assert stopped.reasons[0].clause.startswith("「除因疫情")
    with_april = evaluate(child, events, D(2021, 6, 30), ["2021-04"])
    assert with_april.status == "在服"
    assert evaluate(child, events, D(2021, 7, 1), ["2021-04"]).history[-1].date == D(2021, 7, 1)


def test_events_may_be_any_iterable_in_any_order() -> None:
    events = [collect(D(2024, 9, 20)), collect(D(2024, 7, 20)), consent(D(2024, 7, 1)), collect(D(2024, 8, 20))]
    decision = evaluate(BABY, iter(events), D(2024, 10, 1))
    assert decision.status == "在服"
    assert decision.enrolled_on == D(2024, 7, 20) and decision.last_collection == D(2024, 9, 20)


def test_unknown_event_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="未知事件类型"):
        evaluate(BABY, [Event(D(2024, 7, 1), "vaccination")], D(2024, 8, 1))


def test_history_serves_a_monthly_report() -> None:
    events = [consent(D(2021, 1, 1)), collect(D(2021, 1, 10)), collect(D(2021, 6, 20))]
    decision = evaluate(ChildFacts(D(2020, 5, 1)), events, D(2021, 9, 30))
    june = decision.changes_between(D(2021, 6, 1), D(2021, 6, 30))
    assert [(change.status, change.rule_id) for change in june] == [("在服", "E7")]
    april = decision.changes_between(D(2021, 4, 1), D(2021, 4, 30))
    assert [change.status for change in april] == ["停服"]
    assert [change.status for change in decision.changes_between(D(2021, 9, 1), D(2021, 9, 30))] == ["停服", "终止"]


def test_ignored_collections_are_listed_as_warnings() -> None:
    events = [consent(D(2024, 7, 1)), collect(D(2024, 8, 5)), collect(D(2024, 8, 25)), collect(D(2024, 9, 5), 45)]
    decision = evaluate(BABY, events, D(2024, 9, 10))
    texts = [warning.text for warning in decision.warnings]
    assert any("2024-08-25" in text and "一月一领" in text for text in texts)
    assert any("45 包" in text for text in texts)
    assert decision.last_collection == D(2024, 9, 5)


def test_every_decision_explains_itself() -> None:
    decision = evaluate(BABY, [consent(D(2024, 7, 1))], D(2024, 8, 1))
    assert decision.reasons and all(item.rule_id.startswith("E") and item.clause for item in decision.reasons)
    assert "(E1)" in decision.explain()


# --- check_collection ------------------------------------------------------------------------

ENROLLED = [consent(D(2024, 7, 1)), collect(D(2024, 7, 20)), collect(D(2024, 8, 20))]


def refusal(events, on: date, packs: int = 30, child: ChildFacts = BABY, months=()) -> tuple[str, str]:
    found = check_collection(child, events, on, packs, months)
    assert found is not None, "expected a refusal"
    return found.rule_id, found.text


def test_an_ordinary_collection_is_allowed() -> None:
    assert check_collection(BABY, ENROLLED, D(2024, 9, 20), 30) is None
    assert check_collection(BABY, [consent(D(2024, 7, 1))], D(2024, 7, 15), 30) is None


def test_refuses_a_second_collection_in_the_same_month() -> None:
    rule, text = refusal(ENROLLED, D(2024, 8, 28))
    assert rule == "E6" and "一月一领" in text and "2024-08-20" in text


def test_refuses_more_than_a_months_supply() -> None:
    rule, text = refusal(ENROLLED, D(2024, 9, 20), packs=31)
    assert rule == "E6" and "30 包" in text


def test_refuses_more_than_the_days_left_before_36_months() -> None:
    child = ChildFacts(D(2021, 5, 20))
    events = [consent(D(2023, 11, 1)), *monthly(D(2023, 11, 10), 5)]
    rule, text = refusal(events, D(2024, 4, 25), packs=30, child=child)
    assert rule == "E1" and "25 包" in text and "2024-05-20" in text
    assert check_collection(child, events, D(2024, 4, 25), 25) is None


def test_refuses_without_consent() -> None:
    rule, text = refusal([], D(2024, 8, 1))
    assert rule == "E9" and "知情同意书" in text


def test_refuses_while_awaiting_assessment() -> None:
    special = ChildFacts(D(2024, 1, 15), special_condition=True)
    rule, text = refusal([consent(D(2024, 7, 1))], D(2024, 8, 1), child=special)
    assert rule == "E8" and "评估" in text
    assessed = [consent(D(2024, 7, 1)), Event(D(2024, 7, 20), "assessment", suitable=True)]
    assert check_collection(special, assessed, D(2024, 8, 1), 30) is None


def test_refuses_when_not_suitable() -> None:
    events = [consent(D(2024, 7, 1)), Event(D(2024, 7, 20), "assessment", suitable=False)]
    rule, text = refusal(events, D(2024, 8, 1))
    assert rule == "E8" and "不适宜" in text


def test_refuses_after_termination() -> None:
    child = ChildFacts(D(2020, 5, 1))
    events = [consent(D(2021, 1, 1)), collect(D(2021, 1, 10)), collect(D(2021, 6, 20))]
    rule, text = refusal(events, D(2021, 9, 15), child=child)
    assert rule == "E7" and "不予续服" in text and "第 2 次停服" in text


def test_refuses_a_resumption_after_30_months() -> None:
    child = ChildFacts(D(2019, 1, 10))
    events = [consent(D(2020, 12, 1)), collect(D(2020, 12, 20))]
    rule, text = refusal(events, D(2021, 8, 10), child=child)
    assert rule == "E7" and "31 足月龄" in text
    assert check_collection(child, events, D(2021, 8, 9), 30) is None


def test_refuses_too_young_and_too_old() -> None:
    rule, text = refusal([consent(D(2024, 7, 1))], D(2024, 7, 14))
    assert rule == "E1" and "未满6月龄" in text and "2024-07-15" in text
    older = ChildFacts(D(2022, 3, 15))
    rule, text = refusal([consent(D(2024, 10, 1))], D(2024, 10, 15), child=older)
    assert rule == "E2" and "超过30月龄" in text


def test_refuses_after_completion() -> None:
    child = ChildFacts(D(2021, 5, 20))
    events = [consent(D(2023, 11, 1)), *monthly(D(2023, 11, 10), 5)]
    rule, text = refusal(events, D(2024, 5, 20), child=child)
    assert rule == "E1" and "服满" in text


def test_refuses_non_resident_moved_and_dead() -> None:
    rule, text = refusal(ENROLLED, D(2024, 9, 20), child=ChildFacts(D(2024, 1, 15), resident=False))
    assert rule == "E1" and "非常住" in text
    rule, text = refusal([*ENROLLED, Event(D(2024, 9, 1), "move_out")], D(2024, 9, 20))
    assert rule == "E1" and "迁出" in text
    rule, text = refusal([*ENROLLED, Event(D(2024, 9, 1), "death")], D(2024, 9, 20))
    assert rule == "E1" and "死亡" in text


@pytest.mark.parametrize("packs", [0, -3, True, None, 2.5])
def test_refuses_packs_that_are_not_a_positive_integer(packs) -> None:
    rule, text = refusal(ENROLLED, D(2024, 9, 20), packs=packs)
    assert rule == "E6" and "正整数" in text


def test_refuses_a_date_before_birth() -> None:
    rule, text = refusal([], D(2023, 12, 31))
    assert rule == "E1" and "早于出生日期" in text


TODDLER = ChildFacts(birth_date=D(2023, 6, 1))  # 12 months in June 2024


def test_a_back_dated_collection_is_checked_against_the_whole_history() -> None:
    """Paper history entered out of order: June's card after July's and August's is allowed when the rules
    allow it on its own day and the later collections stay allowed."""
    events = [consent(D(2024, 6, 1)), collect(D(2024, 7, 20)), collect(D(2024, 8, 20))]
    assert check_collection(TODDLER, events, D(2024, 6, 20), 30) is None


def test_a_back_dated_collection_in_a_month_already_collected_is_refused() -> None:
    rule, text = refusal(ENROLLED, D(2024, 8, 1))
    assert rule == "E6" and "一月一领" in text


def test_a_back_dated_collection_names_the_later_record_it_would_break() -> None:
    """A collection on 07-05 is allowed on its own day (consent 07-01), but the existing 07-20 collection
    would then be a second one in July."""
    events = [consent(D(2024, 7, 1)), collect(D(2024, 7, 20))]
    found = check_collection(TODDLER, events, D(2024, 7, 5), 30)
    assert found is not None and found.rule_id == "E6"
    assert "2024-07-20" in found.text and "不再符合规则" in found.text


def test_a_back_dated_collection_is_still_refused_by_the_rules_on_its_own_day() -> None:
    """Before the consent was signed, a first collection is refused (E9) whatever was recorded later."""
    rule, _text = refusal(ENROLLED, D(2024, 6, 20), child=TODDLER)
    assert rule == "E9"


# --- priority plan (E4) ----------------------------------------------------------------------


def _due_children() -> list:
    poor = ChildFacts(D(2022, 6, 1), poor_household=True)  # 28 months in Oct 2024, group 1
    young = ChildFacts(D(2024, 1, 15))  # 8–9 months, group 2
    older = ChildFacts(D(2022, 6, 1))  # group 3
    return [
        (7, young, [consent(D(2024, 7, 1)), collect(D(2024, 8, 5)), collect(D(2024, 9, 5))], D(2024, 8, 5)),
        (3, older, [consent(D(2024, 7, 1)), collect(D(2024, 7, 10)), collect(D(2024, 9, 10))], D(2024, 7, 10)),
        (9, poor, [consent(D(2024, 7, 1)), collect(D(2024, 9, 1))], D(2024, 9, 1)),
        (5, young, [consent(D(2024, 7, 1)), collect(D(2024, 8, 5)), collect(D(2024, 9, 5))], D(2024, 8, 5)),
        (4, young, [consent(D(2024, 7, 1)), collect(D(2024, 7, 20))], None),
        (8, young, [consent(D(2024, 7, 1)), collect(D(2024, 10, 2))], D(2024, 10, 2)),  # already collected
    ]


def test_priority_plan_with_enough_stock_gives_everyone_their_due() -> None:
    plan = priority_plan(_due_children(), stock=1000, on_date=D(2024, 10, 10))
    assert not plan.shortage and plan.total_due == 150 and plan.leftover == 850
    assert all(item.packs == 30 for item in plan.allocations)
    assert [key for key, _ in plan.not_due] == [8]


def test_priority_plan_orders_by_group_then_enrolment_then_record_id() -> None:
    plan = priority_plan(_due_children(), stock=100, on_date=D(2024, 10, 10))
    # group 1: 9; group 2 by enrolment: 4 (2024-07-20, found in its events), then 5 and 7 (2024-08-05, by id);
    # group 3: 3
    assert [item.key for item in plan.allocations] == [9, 4, 5, 7, 3]
    assert [item.packs for item in plan.allocations] == [30, 30, 30, 0, 0]
    assert plan.leftover == 10 and [item.key for item in plan.waiting] == [7, 3]
    assert "等待" in plan.allocations[3].reason.text and "第二优先" in plan.allocations[3].reason.text
    assert plan.allocations[0].reason.rule_id == "E4"
    assert plan.packs_for(8) == 0


def test_priority_plan_can_give_what_is_left() -> None:
    plan = priority_plan(_due_children(), stock=100, on_date=D(2024, 10, 10), allow_partial=True)
    assert [item.packs for item in plan.allocations] == [30, 30, 30, 10, 0]
    assert plan.allocations[3].outcome == "部分发放" and plan.leftover == 0


# --- adherence ---------------------------------------------------------------------------------


def test_adherence_threshold() -> None:
    assert adherence.needs_extra_follow_up(3, D(2024, 1, 1))
    assert not adherence.needs_extra_follow_up(4, D(2024, 1, 1))
    assert not adherence.needs_extra_follow_up(None, D(2024, 1, 1))


# --- the case runner ---------------------------------------------------------------------------

GOOD_CASE = {
    "name": "好的用例",
    "child": {"birth_date": D(2024, 1, 15)},
    "events": [{"date": "2024-07-01", "type": "consent"}],
    "as_of": D(2024, 7, 15),
    "expect": {"status": "可纳入", "can_collect": True, "max_packs": 30, "priority": 2, "rules": ["E1"]},
}


def with_changes(**changes) -> dict:
    case = {**GOOD_CASE, **changes}
    return {key: value for key, value in case.items() if value is not ...}


def test_a_good_case_passes() -> None:
    assert run_case(GOOD_CASE).passed


def test_a_wrong_expectation_is_a_failure_with_the_difference() -> None:
    result = run_case(with_changes(expect={"status": "在服", "priority": 1, "rules": ["E7"]}))
    assert result.outcome == "FAIL"
    text = "\n".join(result.differences)
    assert "status: 期望 在服,实际 可纳入" in text and "priority" in text and "E7" in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "未知字段 colour"),
        ({"child": ...}, "缺少 child"),
        ({"child": {"birth_date": "2024-02-30"}}, "日期"),
        ({"child": {"birth_date": "2024-01-15", "resident": "yes"}}, "true/false"),
        ({"child": {"birth_date": "2024-01-15", "age": 3}}, "未知字段 age"),
        ({"events": [{"date": "2024-07-01", "type": "vaccinate"}]}, "未知事件类型"),
        ({"events": [{"date": "2024-07-01", "type": "assessment"}]}, "suitable"),
        ({"events": [{"date": "2024-07-01", "type": "collect", "packs": "thirty"}]}, "packs"),
        ({"events": [{"type": "consent"}]}, "缺少 date"),
        ({"force_majeure_months": ["2024-13"]}, "YYYY-MM"),
        ({"as_of": "tomorrow"}, "日期"),
        ({"expect": {"status": "服完"}}, "未知状态"),
        ({"expect": {"can_collect": True}}, "缺少 status"),
        ({"expect": {"status": "在服", "max_packs": "30"}}, "整数"),
        ({"expect": {"status": "在服", "wish": 1}}, "未知字段 wish"),
        ({"name": ""}, "name"),
    ],
)
def test_a_malformed_case_is_an_error_not_a_crash(changes: dict, message: str) -> None:
    result = run_case(with_changes(**changes), source="x.yaml", index=3)
    assert result.outcome == "ERROR"
    assert any(message in error for error in result.errors), result.errors


def test_a_case_that_is_not_a_mapping_is_an_error() -> None:
    assert run_case(["not", "a", "case"]).outcome == "ERROR"


def test_measurement_cases_are_dispatched(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def check_measurement_case(case: dict) -> list[str]:
        seen.append(case["name"])
        return [] if case["measure"]["ok"] else ["haz: expected -2.1, got -1.9"]

    fake = types.ModuleType("jiceng.nutrition.rules.measurement_cases")
    fake.check_measurement_case = check_measurement_case
    monkeypatch.setitem(sys.modules, "jiceng.nutrition.rules.measurement_cases", fake)
    passing = run_case({"name": "m1", "measure": {"ok": True}})
    failing = run_case({"name": "m2", "measure": {"ok": False}})
    assert passing.passed and passing.kind == "measurement"
    assert failing.outcome == "FAIL" and failing.differences == ["haz: expected -2.1, got -1.9"]
    assert seen == ["m1", "m2"]


def test_case_files_and_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "- name: 满6月龄当天可纳入\n  child: {birth_date: 2024-01-15}\n"
        "  events: [{date: 2024-07-01, type: consent}]\n  as_of: 2024-07-15\n"
        "  expect: {status: 可纳入, can_collect: true}\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("- name: [unclosed\n", encoding="utf-8")
    impossible_date = tmp_path / "dates.yaml"
    impossible_date.write_text(
        "- {name: 坏日期, child: {birth_date: 2024-13-01}, as_of: 2024-08-01, expect: {status: 在服}}\n"
        "- {name: 好日期, child: {birth_date: 2024-01-15}, as_of: 2024-08-01, expect: {status: 可纳入}}\n",
        encoding="utf-8",
    )
    dated = run_case_files([impossible_date])
    assert [result.outcome for result in dated] == ["ERROR", "PASS"]
    assert "2024-13-01" in dated[0].errors[0]
    not_a_list = tmp_path / "mapping.yaml"
    not_a_list.write_text("name: x\n", encoding="utf-8")
    results = run_case_files([good, broken, not_a_list, tmp_path / "missing.yaml"])
    assert [result.outcome for result in results] == ["PASS", "ERROR", "ERROR", "ERROR"]
    report = format_results(results)
    assert "PASS" in report and "YAML" in report and "共 4 例:通过 1,失败 0,错误 3" in report
    assert main([str(good)]) == 0
    assert main([str(good), str(broken)]) == 1
    assert "ERROR" in capsys.readouterr().out


def test_the_rules_do_not_import_django() -> None:
    code = (
        "import sys, jiceng.nutrition.rules.engine, jiceng.nutrition.rules.cases;"
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_a_later_collection_already_out_of_rule_does_not_block_a_back_dated_one() -> None:
    """A May collection recorded after a doctor's 不适宜 (April) is already out of rule; typing March's
    paper card is not refused because of it."""
    events = [
        consent(D(2024, 2, 1)),
        collect(D(2024, 2, 10)),
        Event(D(2024, 4, 1), "assessment", suitable=False),
        collect(D(2024, 5, 10)),
    ]
    assert check_collection(TODDLER, events, D(2024, 3, 10), 30) is None
