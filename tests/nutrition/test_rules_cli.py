import pathlib
import subprocess
import sys

CASES = pathlib.Path(__file__).resolve().parent.parent / "rules" / "cases"
MEASUREMENTS = pathlib.Path(__file__).resolve().parent.parent / "measurements" / "cases"


def run(*files):
    return subprocess.run(
        [sys.executable, "-m", "jiceng.cli", "rules", "check", *map(str, files)], capture_output=True, text=True
    )


def test_rules_check_passes_on_the_project_cases():
    result = run(*sorted(CASES.glob("*.yaml")), *sorted(MEASUREMENTS.glob("*.yaml")))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "失败 0,错误 0" in result.stdout


def test_rules_check_reports_differences_and_errors_and_exits_non_zero(tmp_path):
    case_file = tmp_path / "cases.yaml"
    case_file.write_text(
        """
- name: 期望错误的用例
  child: {birth_date: 2024-01-15, resident: true}
  events:
    - {date: 2024-07-01, type: consent}
    - {date: 2024-08-05, type: collect, packs: 30}
  as_of: 2024-09-01
  expect: {status: 终止}
- name: 格式错误的用例
  child: {birth_date: 2024-02-30}
  as_of: 2024-09-01
  colour: blue
  expect: {status: 在服}
""",
        encoding="utf-8",
    )
    result = run(case_file)
    assert result.returncode == 1
    assert "期望错误的用例" in result.stdout and "终止" in result.stdout and "在服" in result.stdout
    assert "格式错误的用例" in result.stdout and "colour" in result.stdout
