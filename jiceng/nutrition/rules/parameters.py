"""The nutrition-pack programme's dated parameters, read from ``parameters/*.yaml`` beside this module.

The reading (values by effective date, each quoting its clause) is :mod:`jiceng.policy.parameters`,
shared with the other programmes; this module is the nutrition programme's set of them::

    parameter("upper_age_months", date(2020, 3, 31))   # 24; 36 from 2020-04-01
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jiceng.policy.parameters import Parameter, ParameterError, ParameterSet, read_parameter_files

__all__ = [
    "PARAMETERS_DIR",
    "Parameter",
    "ParameterError",
    "get_parameter",
    "load_parameters",
    "parameter",
    "parameter_changes",
    "read_parameter_files",
]

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"

_SET = ParameterSet(PARAMETERS_DIR)


def load_parameters() -> dict[str, Parameter]:
    """All programme parameters, parsed once per process (the same dict every time)."""
    return _SET.load()


def get_parameter(name: str) -> Parameter:
    """The :class:`Parameter` called ``name``; :class:`ParameterError` if there is none."""
    return _SET.get(name)


def parameter(name: str, on: date) -> int | float:
    """The value of parameter ``name`` in force on ``on``."""
    return _SET.value(name, on)


def parameter_changes(name: str) -> list[tuple[date, int | float]]:
    """(effective date, value) pairs of parameter ``name``, in date order."""
    return _SET.changes(name)
