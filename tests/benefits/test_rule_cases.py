"""The benefit schemes' YAML cases (tests/benefits/cases/*.yaml), run by the shared runner, one test each."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from jiceng.benefits.rules import schemes
from jiceng.benefits.rules.parameters import load_parameters, parameter
from jiceng.policy.cases import format_results, load_case_file, run_case, run_case_files

CASES_DIR = Path(__file__).resolve().parent / "cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))


def _params() -> list:
    params = []
    for path in CASE_FILES:
        for index, case in enumerate(load_case_file(path), start=1):
            params.append(pytest.param(path, index, case, id=f"{path.stem}-{index:02d}-{case.get('name', '')}"))
    return params


CASES = _params()


@pytest.mark.parametrize(("path", "index", "case"), CASES)
def test_case(path: Path, index: int, case: dict) -> None:
    result = run_case(case, source=path.name, index=index)
    assert result.kind == "benefit"
    assert result.passed, "\n" + format_results([result])


def test_every_scheme_and_every_condition_has_a_case() -> None:
    cases = [param.values[2] for param in CASES]
    assert {case["scheme"] for case in cases} == set(schemes.SCHEMES)
    assert {case.get("category") or "" for case in cases if case["scheme"] == schemes.TEFU} >= {
        schemes.DEATH,
        schemes.DISABILITY,
        schemes.COMPLICATION,
    }
    failed = {item for case in cases for item in case["expect"].get("failed", [])}
    expected = {"J1", "J2", "J3", "J4", "A1", "T1", "T2", "T3", "T4", "T5", "T6", "D1", "D2", "D3"}
    assert expected | {"S1", "S3", "S4", "S5"} <= failed


def test_a_refusal_names_the_failed_condition_in_the_schemes_words() -> None:
    person = schemes.PersonFacts(
        birth_date=date(1958, 3, 1),
        sex="M",
        rural=True,
        children=(schemes.ChildFacts(date(1980, 1, 1), "M"), schemes.ChildFacts(date(1983, 1, 1), "F")),
    )
    decision = schemes.decide(schemes.JIANGFU, person, 2025)
    assert not decision.eligible and decision.failed_ids == ["J3"]
    assert "不符合「现存一个子女或两个女孩或子女死亡现无子女」(现存子女2个,其中女孩1个)" in decision.explain()


def test_amounts_are_dated_values_quoting_their_clause() -> None:
    assert parameter("jiangfu_amount_per_year", date(2011, 12, 31)) == 720
    assert parameter("jiangfu_amount_per_year", date(2012, 1, 1)) == 960
    for item in load_parameters().values():
        assert "「" in item.reference, item.name


def test_the_shared_runner_refuses_a_case_of_no_kind_or_two_kinds(tmp_path: Path) -> None:
    cases = tmp_path / "mixed.yaml"
    cases.write_text(
        "- {name: 无类别, year: 2025, expect: {eligible: true}}\n"
        "- {name: 两种, scheme: 奖扶, child: {birth_date: 2024-01-01}, year: 2025, expect: {eligible: true}}\n"
        "- {name: 坏项目, scheme: 低保, year: 2025, person: {birth_date: 1950-01-01, sex: 男, rural: true},"
        " expect: {eligible: true}}\n"
        "- {name: 坏性别, scheme: 奖扶, year: 2025, person: {birth_date: 1950-13-01, sex: M, rural: true},"
        " expect: {eligible: true}}\n",
        encoding="utf-8",
    )
    results = run_case_files([cases])
    assert [result.outcome for result in results] == ["ERROR"] * 4
    assert "之一" in results[0].errors[0] and "之一" in results[1].errors[0]
    assert any("未知项目 '低保'" in error for error in results[2].errors)
    assert any("1950-13-01" in error for error in results[3].errors)
    assert any("男 或 女" in error for error in results[3].errors)


def test_jiceng_rules_check_runs_both_programmes_cases(capsys: pytest.CaptureFixture[str]) -> None:
    nutrition = sorted((Path(__file__).resolve().parents[1] / "rules" / "cases").glob("*.yaml"))[:1]
    call_command("rules", "check", *map(str, CASE_FILES + nutrition))
    out = capsys.readouterr().out
    assert "错误 0" in out and "失败 0" in out


def test_the_benefit_rules_do_not_import_django() -> None:
    code = (
        "import sys, jiceng.benefits.rules.schemes, jiceng.policy.cases;"
        "jiceng.policy.cases.case_kinds();"
        "sys.exit(any(name.split('.')[0] == 'django' for name in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
