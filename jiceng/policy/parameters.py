"""Dated policy parameters (OpenFisca style), shared by every programme's rules.

A programme keeps its numbers in ``parameters/*.yaml`` beside its rules, each with its values by effective
date and the clause it comes from::

    upper_age_months:
      description: 停止发放的足月龄上限
      reference: 「……服满36月龄的幼儿即停止发放」
      values:
        2018-01-01: 24
        2020-04-01: 36

``ParameterSet(directory).value("upper_age_months", date(2020, 3, 31))`` is 24; on 2020-04-01 and later
it is 36. A change of standard is a new dated value, never an ``if`` in the code.

A top-level entry is a dated parameter when it is a mapping with ``values``, ``description`` or
``reference``; such an entry must be well formed. Other entries are left alone (a module may read them).

*Reading:* a day before a parameter's first effective date uses its first value (the source gives no
earlier rule).

A set parses its files once per process (on first use); a look-up is a dict access and, only for a
parameter that has changed over time, a bisect on its sorted dates.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

_PARAMETER_MARKERS = ("values", "description", "reference")


class ParameterError(ValueError):
    """A parameter file is malformed or a parameter does not exist."""


@dataclass(frozen=True)
class Parameter:
    """One policy number with its values by effective date."""

    name: str
    description: str
    reference: str
    unit: str
    dates: tuple[date, ...]
    values: tuple[int | float, ...]

    def at(self, on: date) -> int | float:
        """The value in force on ``on`` (the latest effective date on or before it)."""
        if on >= self.dates[-1]:
            return self.values[-1]
        index = bisect_right(self.dates, on) - 1
        return self.values[max(index, 0)]

    def changes(self) -> list[tuple[date, int | float]]:
        """(effective date, value) pairs in date order."""
        return list(zip(self.dates, self.values, strict=False))

    @property
    def smallest(self) -> int | float:
        return min(self.values)

    @property
    def largest(self) -> int | float:
        return max(self.values)


def _as_date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise ParameterError(f"{where}: 生效日期 {value!r} 不是 YYYY-MM-DD 格式 (bad effective date)") from error


def _parse_parameter(name: str, entry: dict, source: str) -> Parameter:
    where = f"{source}: {name}"
    raw_values = entry.get("values")
    if not isinstance(raw_values, dict) or not raw_values:
        raise ParameterError(f"{where}: 缺少 values (missing dated values)")
    if not entry.get("reference"):
        raise ParameterError(f"{where}: 缺少 reference (every number must quote its clause)")
    pairs = []
    for raw_date, value in raw_values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"{where}: {raw_date} 的值 {value!r} 不是数字 (value must be a number)")
        pairs.append((_as_date(raw_date, where), value))
    pairs.sort()
    return Parameter(
        name=name,
        description=str(entry.get("description", "")),
        reference=str(entry["reference"]),
        unit=str(entry.get("unit", "")),
        dates=tuple(day for day, _ in pairs),
        values=tuple(value for _, value in pairs),
    )


def _is_parameter_entry(entry: object) -> bool:
    return isinstance(entry, dict) and any(marker in entry for marker in _PARAMETER_MARKERS)


def read_parameter_files(directory: Path) -> dict[str, Parameter]:
    """Parse every dated parameter in ``directory/*.yaml`` (uncached; see :func:`load_parameters`)."""
    parameters: dict[str, Parameter] = {}
    for path in sorted(directory.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            content = yaml.safe_load(handle)
        if not isinstance(content, dict):
            continue
        for name, entry in content.items():
            if not _is_parameter_entry(entry):
                continue
            if name in parameters:
                raise ParameterError(f"{path.name}: 参数 {name} 重复定义 (defined twice)")
            parameters[name] = _parse_parameter(name, entry, path.name)
    return parameters


class ParameterSet:
    """The dated parameters of one programme, read from ``directory/*.yaml`` once, on first use."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._loaded: dict[str, Parameter] = {}
        self._read = False

    def load(self) -> dict[str, Parameter]:
        """Every parameter of the set (the same dict on every call)."""
        if not self._read:
            self._loaded.update(read_parameter_files(self.directory))
            self._read = True
        return self._loaded

    def get(self, name: str) -> Parameter:
        """The :class:`Parameter` called ``name``; :class:`ParameterError` if there is none."""
        try:
            return (self._loaded or self.load())[name]
        except KeyError:
            raise ParameterError(f"未定义的参数 {name!r} (unknown parameter)") from None

    def value(self, name: str, on: date) -> int | float:
        """The value of parameter ``name`` in force on ``on``."""
        item = self._loaded.get(name) or self.get(name)
        if on >= item.dates[-1]:
            return item.values[-1]
        return item.at(on)

    def changes(self, name: str) -> list[tuple[date, int | float]]:
        """(effective date, value) pairs of parameter ``name``, in date order."""
        return list(self.get(name).changes())
