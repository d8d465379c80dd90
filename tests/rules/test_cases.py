"""Runs every rule case in tests/rules/cases/*.yaml; one test per case, named after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiceng.nutrition.rules.cases import format_results, load_case_file, run_case

CASES_DIR = Path(__file__).resolve().parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))


def _case_params() -> list:
    params = []
    for path in CASE_FILES:
        for index, case in enumerate(load_case_file(path), start=1):
            name = case.get("name", "") if isinstance(case, dict) else ""
            params.append(pytest.param(path, index, case, id=f"{path.stem}-{index:02d}-{name}"))
    return params


CASE_PARAMS = _case_params()


@pytest.mark.parametrize(("path", "index", "case"), CASE_PARAMS)
def test_case(path: Path, index: int, case: dict) -> None:
    result = run_case(case, source=path.name, index=index)
    assert result.passed, "\n" + format_results([result])


def _eligibility_cases() -> list[dict]:
    cases = [param.values[2] for param in CASE_PARAMS]
    return [case for case in cases if isinstance(case, dict) and "child" in case]


def test_there_are_at_least_70_eligibility_cases() -> None:
    assert len(_eligibility_cases()) >= 70


def test_every_rule_is_covered_by_some_case() -> None:
    named = {rule for case in _eligibility_cases() for rule in case["expect"].get("rules", [])}
    for case in _eligibility_cases():
        if case["expect"].get("priority") is not None:
            named.add("E4")
    assert {f"E{number}" for number in range(1, 10)} <= named


def test_case_names_are_unique_within_a_file() -> None:
    for path in CASE_FILES:
        names = [case.get("name") for case in load_case_file(path) if isinstance(case, dict)]
        assert len(names) == len(set(names)), path.name
