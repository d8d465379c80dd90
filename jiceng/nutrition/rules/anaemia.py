"""贫血 (anaemia) for children aged 6–59 months: WS/T 441-2013 and WHO 2011.

Pure Python, no Django imports.

The altitude table, the age window and the severity thresholds are data, read
from ``parameters/anaemia.yaml`` next to this module; this module only looks
them up. The adjustment for the clinic's altitude is subtracted from the
measured haemoglobin, and the adjusted value is classified:
无 (>= 110 g/L), 轻度 (100–109), 中度 (70–99), 重度 (< 70).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

PARAMETERS_FILE = Path(__file__).resolve().parent / "parameters" / "anaemia.yaml"

NOT_ANAEMIC = "无"


@dataclass(frozen=True)
class AnaemiaParameters:
    standard: str
    min_age_months: int
    max_age_months: int
    band_starts_m: tuple[int, ...]  # ascending lower bounds (inclusive) of the altitude bands
    band_adjustments_g_l: tuple[int, ...]
    severity_names: tuple[str, ...]  # from "not anaemic" down to the most severe
    severity_minimums_g_l: tuple[float | None, ...]  # last one is None (open below)

    @property
    def anaemia_threshold_g_l(self) -> float:
        """Adjusted Hb below this is anaemia (110 g/L for 6–59 months)."""
        return self.severity_minimums_g_l[0]


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{PARAMETERS_FILE.name}: {what} must be a number, got {value!r}")
    return value


def load_parameters(path: Path = PARAMETERS_FILE) -> AnaemiaParameters:
    """Read and check the parameter file; a malformed file fails loudly at import."""
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path.name}: expected a mapping at the top level")

    ages = raw.get("age_months") or {}
    min_age = int(_number(ages.get("min"), "age_months.min"))
    max_age = int(_number(ages.get("max"), "age_months.max"))
    if not 0 <= min_age <= max_age:
        raise ValueError(f"{path.name}: age_months.min must be <= age_months.max")

    bands = raw.get("altitude_adjustment")
    if not isinstance(bands, list) or not bands:
        raise ValueError(f"{path.name}: altitude_adjustment must be a non-empty list")
    starts: list[int] = []
    adjustments: list[int] = []
    for index, band in enumerate(bands):
        if not isinstance(band, dict) or set(band) != {"from_m", "adjustment_g_l"}:
            raise ValueError(f"{path.name}: altitude_adjustment[{index}] needs exactly from_m and adjustment_g_l")
        start = _number(band["from_m"], f"altitude_adjustment[{index}].from_m")
        adjustment = _number(band["adjustment_g_l"], f"altitude_adjustment[{index}].adjustment_g_l")
        if starts and start <= starts[-1]:
            raise ValueError(f"{path.name}: altitude bands must be in ascending order of from_m")
        if adjustments and adjustment < adjustments[-1]:
            raise ValueError(f"{path.name}: adjustments must not decrease with altitude")
        starts.append(int(start))
        adjustments.append(int(adjustment))

    rows = raw.get("severity")
    if not isinstance(rows, list) or len(rows) < 2:
        raise ValueError(f"{path.name}: severity must list at least two rows")
    names: list[str] = []
    minimums: list[float | None] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or set(row) != {"name", "min_g_l"}:
            raise ValueError(f"{path.name}: severity[{index}] needs exactly name and min_g_l")
        name = row["name"]
        if not isinstance(name, str) or not name:
            raise ValueError(f"{path.name}: severity[{index}].name must be a non-empty string")
        is_last = index == len(rows) - 1
        if is_last:
            if row["min_g_l"] is not None:
                raise ValueError(f"{path.name}: the last severity row must have min_g_l: null")
            minimums.append(None)
        else:
            minimum = _number(row["min_g_l"], f"severity[{index}].min_g_l")
            if minimums and minimum >= minimums[-1]:
                raise ValueError(f"{path.name}: severity thresholds must be in descending order")
            minimums.append(minimum)
        names.append(name)
    if names[0] != NOT_ANAEMIC:
        raise ValueError(f"{path.name}: the first severity row must be {NOT_ANAEMIC}")

    return AnaemiaParameters(
        standard=str(raw.get("standard", "")),
        min_age_months=min_age,
        max_age_months=max_age,
        band_starts_m=tuple(starts),
        band_adjustments_g_l=tuple(adjustments),
        severity_names=tuple(names),
        severity_minimums_g_l=tuple(minimums),
    )


PARAMETERS = load_parameters()

#: 无, 轻度, 中度, 重度 — every value classify_anaemia can return.
SEVERITIES: tuple[str, ...] = PARAMETERS.severity_names
MIN_AGE_MONTHS: int = PARAMETERS.min_age_months
MAX_AGE_MONTHS: int = PARAMETERS.max_age_months


def altitude_adjustment(altitude_m: int | float) -> int:
    """Haemoglobin adjustment (g/L) to subtract for a clinic at ``altitude_m`` metres.

    Below the first band (e.g. below sea level) the first band's adjustment (0) applies.
    """
    if isinstance(altitude_m, bool) or not isinstance(altitude_m, int | float) or not math.isfinite(altitude_m):
        raise TypeError(f"altitude_m must be a number of metres, got {altitude_m!r}")
    index = bisect.bisect_right(PARAMETERS.band_starts_m, altitude_m) - 1
    return PARAMETERS.band_adjustments_g_l[max(index, 0)]


def classify_anaemia(hb_adjusted: int | float) -> str:
    """Severity for an altitude-adjusted haemoglobin (g/L): 无, 轻度, 中度 or 重度."""
    if isinstance(hb_adjusted, bool) or not isinstance(hb_adjusted, int | float) or not math.isfinite(hb_adjusted):
        raise TypeError(f"hb_adjusted must be a number of g/L, got {hb_adjusted!r}")
    for name, minimum in zip(PARAMETERS.severity_names, PARAMETERS.severity_minimums_g_l, strict=True):
        if minimum is None or hb_adjusted >= minimum:
            return name
    raise AssertionError("unreachable: the last severity row is open below")  # pragma: no cover


def is_anaemic(severity: str | None) -> bool | None:
    """True for 轻度/中度/重度, False for 无, None when not classified."""
    if severity is None:
        return None
    return severity != NOT_ANAEMIC
