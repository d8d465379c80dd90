"""The family-planning benefit schemes' dated parameters (``parameters/*.yaml`` beside this module).

Read by the shared loader (:mod:`jiceng.policy.parameters`)::

    parameter("jiangfu_amount_per_year", date(2025, 1, 1))   # 960
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jiceng.policy.parameters import Parameter, ParameterSet

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"

_SET = ParameterSet(PARAMETERS_DIR)


def load_parameters() -> dict[str, Parameter]:
    return _SET.load()


def parameter(name: str, on: date) -> int | float:
    """The value of parameter ``name`` in force on ``on``."""
    return _SET.value(name, on)
