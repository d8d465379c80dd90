"""The YAML case runner shared by every programme's rules (``jiceng rules check FILE...``).

A case file is a YAML list of cases a programme officer can read. Each case is a mapping whose top-level
key says which programme checks it — ``child:`` (a nutrition eligibility case), ``measure:`` (a
measurement case), ``person:`` (a family-planning benefit case), … A programme's rules register the keys
they check with :func:`register_case_kind` in their ``rules/cases.py``; the runner finds those modules
itself (``jiceng/<app>/rules/cases.py``), so it names no programme.

A malformed case or file is reported as an ERROR in that case, never a crash; a case whose outcome
differs from what it expects is a FAIL listing every difference. Nothing here imports Django.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

PASS, FAIL, ERROR = "PASS", "FAIL", "ERROR"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_JICENG_DIR = Path(__file__).resolve().parents[1]


@dataclass
class CaseResult:
    """The outcome of one case."""

    source: str
    index: int  # 1-based position in its file (0 for a file-level error)
    name: str
    differences: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)  # the rules' reasons, shown on failure
    kind: str = "eligibility"

    @property
    def passed(self) -> bool:
        return not self.differences and not self.errors

    @property
    def outcome(self) -> str:
        if self.errors:
            return ERROR
        return FAIL if self.differences else PASS

    @property
    def label(self) -> str:
        return f"{self.source} #{self.index} {self.name}" if self.index else f"{self.source} {self.name}"


class CaseError(ValueError):
    """A malformed case; ``messages`` lists every problem found."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


# --- helpers every programme's case parser uses --------------------------------------------------


def parse_date(value: object, where: str, problems: list[str]) -> date | None:
    """A YYYY-MM-DD date (or a YAML date); otherwise a problem is added and None returned."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.append(f"{where}: 日期 {value!r} 无效,应为 YYYY-MM-DD (bad date)")
    return None


def unknown_keys(mapping: dict, allowed: Iterable[str], where: str, problems: list[str]) -> None:
    allowed = tuple(allowed)
    unknown = [str(key) for key in mapping if key not in allowed]
    if unknown:
        problems.append(f"{where}: 未知字段 {', '.join(unknown)} (unknown key; allowed: {', '.join(allowed)})")


def parse_bool(value: object, where: str, problems: list[str]) -> bool | None:
    if isinstance(value, bool):
        return value
    problems.append(f"{where}: {value!r} 应为 true/false (must be a boolean)")
    return None


def case_name(case: object, index: int) -> str:
    raw = case.get("name") if isinstance(case, dict) else None
    return raw if isinstance(raw, str) and raw.strip() else f"(第 {index} 例,无名称)"


# --- which programme checks a case ----------------------------------------------------------------

CaseHandler = Callable[[object, str, int], CaseResult]
_KINDS: dict[str, CaseHandler] = {}
_discovered = False


def register_case_kind(key: str, handler: CaseHandler) -> None:
    """Cases with the top-level ``key`` are checked by ``handler(case, source, index)``."""
    _KINDS[key] = handler


def _discover() -> None:
    """Import every ``jiceng/<app>/rules/cases.py`` once; each registers its kinds of case."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for path in sorted(_JICENG_DIR.glob("*/rules/cases.py")):
        importlib.import_module(f"jiceng.{path.parent.parent.name}.rules.cases")


def case_kinds() -> dict[str, CaseHandler]:
    _discover()
    return dict(_KINDS)


def run_case(case: object, source: str = "", index: int = 0) -> CaseResult:
    """Check one case with the programme that registered its top-level key."""
    kinds = case_kinds()
    if isinstance(case, dict):
        keys = [key for key in kinds if key in case]
        if len(keys) == 1:
            return kinds[keys[0]](case, source, index)
        message = (
            f"用例只能有 {'、'.join(keys)} 之一 (a case is of one kind)"
            if keys
            else f"用例应有 {'、'.join(sorted(kinds))} 之一 (a case needs one of these keys)"
        )
    else:
        message = "用例应为映射 (a case must be a mapping)"
    return CaseResult(source=source, index=index, name=case_name(case, index), errors=[message])


# --- files ----------------------------------------------------------------------------------------


class _CaseLoader(yaml.SafeLoader):
    """Safe YAML, except that an impossible unquoted date (2024-13-01) stays text.

    The case parser then reports it as a bad date in that case instead of the whole file failing.
    """


def _lenient_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_CaseLoader.add_constructor("tag:yaml.org,2002:timestamp", _lenient_timestamp)


def load_case_file(path: str | Path) -> list:
    """The list of cases in a YAML file; :class:`CaseError` if the file cannot be read as one."""
    try:
        with open(path, encoding="utf-8") as handle:
            content = yaml.load(handle, Loader=_CaseLoader)  # a SafeLoader subclass
    except OSError as error:
        raise CaseError([f"无法读取文件 (cannot read file): {error}"]) from error
    except yaml.YAMLError as error:
        raise CaseError([f"YAML 格式错误 (YAML syntax error): {error}"]) from error
    if content is None:
        return []
    if not isinstance(content, list):
        raise CaseError(["文件顶层应为用例列表 (the file must be a list of cases)"])
    return content


def run_case_file(path: str | Path) -> list[CaseResult]:
    source = str(path)
    try:
        cases = load_case_file(path)
    except CaseError as error:
        return [CaseResult(source=source, index=0, name="(文件 file)", errors=error.messages)]
    return [run_case(case, source, index) for index, case in enumerate(cases, start=1)]


def run_case_files(paths: Iterable[str | Path]) -> list[CaseResult]:
    """Run every case of every file, in order."""
    results: list[CaseResult] = []
    for path in paths:
        results.extend(run_case_file(path))
    return results


def format_results(results: list[CaseResult], failures_only: bool = False) -> str:
    """Console report: one line per case (PASS/FAIL/ERROR), the differences, and a summary."""
    lines = []
    for result in results:
        if failures_only and result.passed:
            continue
        lines.append(f"{result.outcome:<5} {result.label}")
        for message in result.errors + result.differences:
            lines.append(f"      {message}")
        for message in result.details:
            lines.append(f"        {message}")
    passed = sum(result.passed for result in results)
    failed = sum(result.outcome == FAIL for result in results)
    errors = sum(result.outcome == ERROR for result in results)
    lines.append(
        f"共 {len(results)} 例:通过 {passed},失败 {failed},错误 {errors} "
        f"({len(results)} cases: {passed} passed, {failed} failed, {errors} errors)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``jiceng rules check FILE...``: 0 when every case passes, 1 otherwise."""
    parser = argparse.ArgumentParser(prog="jiceng rules check", description="检查规则用例 (check rule cases)")
    parser.add_argument("files", nargs="+", help="YAML 用例文件 (case files)")
    parser.add_argument("--failures-only", action="store_true", help="只显示未通过的用例 (show failures only)")
    options = parser.parse_args(argv)
    results = run_case_files(options.files)
    print(format_results(results, failures_only=options.failures_only))
    return 0 if results and all(result.passed for result in results) else 1


if __name__ == "__main__":
    # run as ``python -m``: the programmes register into the importable module, not into ``__main__``
    from jiceng.policy.cases import main as _main

    sys.exit(_main())
