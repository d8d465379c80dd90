"""Measurement cases for ``jiceng rules check``: a measurement and what it must give.

Pure Python, no Django imports. A case (one item of a YAML list)::

    - name: 34月龄女童,高海拔
      measure: {sex: F, birth_date: 2022-11-02, measured_on: 2025-09-20, length_cm: 86.1,
                position: standing, weight_kg: 10.2, hb_g_l: 118, altitude_m: 3750}
      expect: {haz: -2.13, waz: -2.34, whz: -1.55, stunting: true, underweight: true,
               wasting: false, hb_adjusted_g_l: 91, anaemia: 中度}   # 无/轻度/中度/重度

``measure`` takes the fields of :class:`~.anthropometry.Measurement`; dates may
be quoted or not. ``expect`` takes any of the result fields below; only the
keys given are checked. z-scores (haz, waz, whz) match within ±0.01, every
other key exactly; ``null`` expects "not computed".

:func:`check_measurement_case` returns a list of human-readable differences
and errors: an empty list means the case passes. It never raises on a bad case.
"""

from __future__ import annotations

import datetime as dt
import math

from jiceng.nutrition.rules.anaemia import SEVERITIES
from jiceng.nutrition.rules.anthropometry import Measurement, MeasurementError, MeasurementResult, assess_measurement

Z_TOLERANCE = 0.01

CASE_KEYS = ("name", "measure", "expect")
MEASURE_KEYS = (
    "sex",
    "birth_date",
    "measured_on",
    "length_cm",
    "position",
    "weight_kg",
    "hb_g_l",
    "altitude_m",
    "packs_last_7d",
)
REQUIRED_MEASURE_KEYS = ("sex", "birth_date", "measured_on")
DATE_KEYS = ("birth_date", "measured_on")

Z_KEYS = ("haz", "waz", "whz")
FLAG_KEYS = ("haz_flag", "waz_flag", "whz_flag")  # true/false
OUTCOME_KEYS = ("stunting", "underweight", "wasting")  # true/false/null
INTEGER_KEYS = ("age_days", "age_months")
NUMBER_KEYS = ("hb_adjustment_g_l", "hb_adjusted_g_l", "length_standardised_cm")  # number/null
CHOICE_KEYS = {"anaemia": SEVERITIES, "whz_table": ("wfl", "wfh")}  # choice/null
EXPECT_KEYS = (
    *INTEGER_KEYS,
    *Z_KEYS,
    *FLAG_KEYS,
    *OUTCOME_KEYS,
    *NUMBER_KEYS,
    "anaemia",
    "warnings",
    "whz_table",
)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    return str(value)


def _parse_date(key: str, value: object, errors: list[str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        errors.append(f"measure.{key}: 应为日期（YYYY-MM-DD），不含时间，收到 {value!r}")
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.append(f"measure.{key}: 应为日期（YYYY-MM-DD），收到 {value!r}")
    return None


def _build_measurement(measure: object, errors: list[str]) -> Measurement | None:
    if not isinstance(measure, dict):
        errors.append(f"measure 应为映射（键: 值），收到 {type(measure).__name__}")
        return None
    unknown = [str(key) for key in measure if key not in MEASURE_KEYS]
    if unknown:
        errors.append(f"measure 含未知的键: {', '.join(unknown)}（可用: {', '.join(MEASURE_KEYS)}）")
    missing = [key for key in REQUIRED_MEASURE_KEYS if measure.get(key) is None]
    if missing:
        errors.append(f"measure 缺少必填的键: {', '.join(missing)}")
    values = {key: measure[key] for key in MEASURE_KEYS if key in measure}
    for key in DATE_KEYS:
        if values.get(key) is not None:
            values[key] = _parse_date(key, values[key], errors)
    if errors:
        return None
    return Measurement(**values)


def _check_expect_value(key: str, value: object) -> str | None:
    """An error message when ``value`` cannot be an expectation for ``key``."""
    if key in Z_KEYS or key in NUMBER_KEYS:
        ok = value is None or _is_number(value)
        wanted = "数值或 null"
    elif key in INTEGER_KEYS:
        ok = isinstance(value, int) and not isinstance(value, bool)
        wanted = "整数"
    elif key in FLAG_KEYS:
        ok = isinstance(value, bool)
        wanted = "true 或 false"
    elif key in OUTCOME_KEYS:
        ok = value is None or isinstance(value, bool)
        wanted = "true、false 或 null"
    elif key in CHOICE_KEYS:
        ok = value is None or value in CHOICE_KEYS[key]
        wanted = "、".join(CHOICE_KEYS[key]) + " 或 null"
    elif key == "warnings":
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        wanted = "字符串列表"
    else:  # pragma: no cover - keys are checked against EXPECT_KEYS first
        return f"expect.{key}: 未知的键"
    if ok:
        return None
    return f"expect.{key}: 应为{wanted}，收到 {value!r}"


def _same(expected: object, actual: object) -> bool:
    if expected is None or actual is None:
        return expected is actual
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    return expected == actual


def _compare(key: str, expected: object, actual: object) -> str | None:
    """A difference message, or None when ``actual`` meets the expectation."""
    if key in Z_KEYS and expected is not None and actual is not None:
        if abs(actual - expected) <= Z_TOLERANCE + 1e-9:
            return None
        return f"{key}: 期望 {_show(expected)}，实际 {actual:.4f}（允许误差 ±{Z_TOLERANCE:g}）"
    if _same(expected, actual):
        return None
    return f"{key}: 期望 {_show(expected)}，实际 {_show(actual)}"


def check_measurement_case(case: dict) -> list[str]:
    """Differences between a case's expectations and the calculation; [] means it passes."""
    if not isinstance(case, dict):
        return [f"用例应为映射（name / measure / expect），收到 {type(case).__name__}"]
    errors: list[str] = []
    unknown = [str(key) for key in case if key not in CASE_KEYS]
    if unknown:
        errors.append(f"用例含未知的键: {', '.join(unknown)}（可用: {', '.join(CASE_KEYS)}）")
    name = case.get("name")
    if name is not None and not isinstance(name, str):
        errors.append(f"name 应为字符串，收到 {name!r}")
    for key in ("measure", "expect"):
        if key not in case:
            errors.append(f"用例缺少 {key}")

    expect = case.get("expect")
    if "expect" in case:
        if not isinstance(expect, dict) or not expect:
            errors.append("expect 应为非空映射（要检查的结果键: 期望值）")
        else:
            bad_keys = [str(key) for key in expect if key not in EXPECT_KEYS]
            if bad_keys:
                errors.append(f"expect 含未知的键: {', '.join(bad_keys)}（可用: {', '.join(EXPECT_KEYS)}）")
            for key, value in expect.items():
                if key in EXPECT_KEYS:
                    problem = _check_expect_value(key, value)
                    if problem:
                        errors.append(problem)

    measurement = _build_measurement(case["measure"], errors) if "measure" in case else None
    if errors or measurement is None:
        return errors

    try:
        result: MeasurementResult = assess_measurement(measurement)
    except MeasurementError as error:
        return [f"测量数据无效（{field}）: {message}" for field, message in error.errors]
    except Exception as error:  # a bad case must be reported, never crash the checker
        return [f"计算出错: {type(error).__name__}: {error}"]

    differences = []
    for key, expected in expect.items():
        difference = _compare(key, expected, getattr(result, key))
        if difference:
            differences.append(difference)
    return differences
