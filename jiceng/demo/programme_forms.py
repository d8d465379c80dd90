"""Two years of the 妇幼 monthly form (MCH_MONTHLY) and the 基本公卫 quarterly form (PH_QUARTERLY) for a
demo county, in every review state: each township health centre's reviewer checks the form and submits it,
the county MCH centre accepts it; some are late, one is returned with a comment and resubmitted, one is marked 缺报,
and in the latest period most townships are accepted while one has not yet submitted, one awaits the
county and one was returned.

The figures are what a township of its resident population (常住人口, the demo's yearly denominator)
reports: births about 11‰ a year, hospital deliveries near 100 %, key populations in the proportions of
seed 004. Every form passes its pack's validation rules (the test of the demo checks it). Reports are
written with the same history writer as the nutrition demo (dated audit rows, frozen values).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from jiceng.accounts.models import Role, User
from jiceng.audit.recorder import record
from jiceng.demo.generator import AS_OF, DEFAULT_SEED
from jiceng.demo.reports import ReportHistory, moment
from jiceng.orgunits.models import Level, OrgUnit, UnitDenominator
from jiceng.periods import Period
from jiceng.reporting import validation
from jiceng.reporting.aggregate import Cell
from jiceng.reporting.packs import DataSet, find_dataset
from jiceng.reporting.queries import deadline, recent_periods, reporting_units

RETURN_REASONS = {
    "MCH_MONTHLY": ("高危孕产妇管理人数与专案管理登记不符，请核实后重新上报", "M07", "请与高危专案登记本逐人核对"),
    "PH_QUARTERLY": ("高血压规范管理人数较上季度明显下降，请核实", "P09", "请核对随访记录是否漏录"),
}
MISSING_REASON = "卫生院信息员离岗培训，本期未按时上报，已督促下期补报"


def _mch_month(rng: random.Random, population: int, period: Period) -> dict[str, int]:
    births = max(1, round(population * 0.011 / 12 * rng.uniform(0.7, 1.3)))
    mothers = births - (1 if births > 2 and rng.random() < 0.05 else 0)  # twins
    boys = sum(rng.random() < 0.515 for _ in range(births))  # 出生性别比 about 106
    high_risk = round(mothers * rng.uniform(0.15, 0.35))
    under_three = round(population * 0.035 * (1 + (period.start.year - 2025) * 0.01))
    return {
        "M01": births,
        "M15": mothers,
        "M10": round(mothers * rng.uniform(0.80, 0.97)),
        "M02": round(mothers * rng.uniform(0.86, 0.99)),
        "M11": round(mothers * rng.uniform(0.88, 1.0)),
        "M03": births - (1 if rng.random() < 0.1 else 0),
        "M06": high_risk,
        "M07": high_risk - (1 if high_risk and rng.random() < 0.15 else 0),
        "M05": 1 if rng.random() < 0.002 else 0,
        "M08": boys,
        "M09": births - boys,
        "M14": round(births * rng.uniform(0.9, 1.0)),
        "M04": 1 if rng.random() < 0.05 else 0,
        "M12": under_three,
        "M13": round(under_three * rng.uniform(0.88, 0.98)),
    }


def _ph_quarter(rng: random.Random, population: int, period: Period) -> dict[str, int]:
    progress = 0.85 + 0.15 * ((period.start.month - 1) // 3 + 1) / 4  # positions grow through the year
    children, infants, elderly = round(population * 0.08), round(population * 0.035), round(population * 0.12)
    hypertension, diabetes = round(population * 0.2), round(population * 0.06)
    managed_h, managed_d = round(hypertension * rng.uniform(0.45, 0.65)), round(diabetes * rng.uniform(0.5, 0.7))
    tuberculosis = rng.randint(3, 15)
    mental = round(population * 0.004)
    key = children + elderly + managed_h + managed_d
    return {
        "P01": population,
        "P02": round(population * rng.uniform(0.85, 0.95)),
        "P03": children,
        "P04": round(children * rng.uniform(0.80, 0.92) * progress),
        "P18": infants,
        "P19": round(infants * rng.uniform(0.70, 0.88) * progress),
        "P05": elderly,
        "P06": round(elderly * rng.uniform(0.55, 0.75) * progress),
        "P17": round(elderly * rng.uniform(0.40, 0.60) * progress),
        "P07": hypertension,
        "P08": managed_h,
        "P09": round(managed_h * rng.uniform(0.75, 0.90)),
        "P10": diabetes,
        "P11": managed_d,
        "P12": round(managed_d * rng.uniform(0.70, 0.88)),
        "P13": tuberculosis,
        "P14": tuberculosis - (1 if rng.random() < 0.3 else 0),
        "P15": mental,
        "P16": round(mental * rng.uniform(0.88, 0.98)),
        "P20": round(population * rng.uniform(0.45, 0.65)),
        "P21": key,
        "P22": round(key * rng.uniform(0.6, 0.9)),
    }


FIGURES: dict[str, Callable[[random.Random, int, Period], dict[str, int]]] = {
    "MCH_MONTHLY": _mch_month,
    "PH_QUARTERLY": _ph_quarter,
}


def _population(township: OrgUnit, rng: random.Random) -> int:
    """The township's resident population: its own yearly denominator, else the sum of its villages'."""
    rows = UnitDenominator.objects.filter(
        unit__path__startswith=township.path, key=UnitDenominator.Key.RESIDENT_POPULATION, year=AS_OF.year
    ).values_list("unit_id", "value")
    own = [value for unit_id, value in rows if unit_id == township.pk]
    total = own[0] if own else sum(value for _unit, value in rows)
    return total if total > 1000 else rng.randint(15000, 40000)


@transaction.atomic
def load_programme_forms(county_code: str, as_of: dt.date = AS_OF, *, seed: int = DEFAULT_SEED) -> dict[str, int]:
    county = OrgUnit.objects.get(code=county_code)
    users = list(User.objects.filter(unit__path__startswith=county.path, is_active=True).select_related("unit"))
    mch = next((u for u in users if u.role == Role.COUNTY_MCH), None)
    totals: dict[str, int] = {}
    for code, figures in FIGURES.items():
        ds = find_dataset(code)
        if ds is None or mch is None:
            continue
        rng = random.Random(f"{seed}-{county_code}-{code}")
        townships = reporting_units(county, ds.reporting_level, ds)
        officers = {}  # 先审核、后上报: the health centre's reviewer submits its form upward
        for township in townships:
            officers[township.pk] = next(
                (u for u in users if u.unit_id == township.pk and u.role == Role.TOWNSHIP_REVIEWER), None
            )
        townships = [t for t in townships if officers[t.pk] is not None]
        populations = {t.pk: _population(t, rng) for t in townships}
        periods = recent_periods(ds, 24 if ds.period_kind == "month" else 8, as_of)[::-1]
        totals[code] = _load(ds, county, townships, officers, mch, populations, periods, figures, rng, as_of)
        record(
            actor=None,
            action="demo.reports",
            obj=county,
            unit=county,
            after={code: totals[code]},
            reason="加载演示报表",
        )
    return totals


def _load(ds: DataSet, county, townships, officers, mch, populations, periods, figures, rng, as_of) -> int:
    history = ReportHistory(ds, county)
    latest = periods[-1]
    cutoff = moment(as_of, 8)
    returned_once = (rng.choice(townships).pk, rng.choice(periods[:-1]).code)
    missing_once = (rng.choice(townships).pk, rng.choice(periods[:-1]).code)
    late_prone = {t.pk for t in rng.sample(townships, max(1, len(townships) // 6))}
    previous: dict[int, dict] = {}
    for period in periods:
        day1 = period.end + dt.timedelta(days=1)
        due = deadline(ds, Level.TOWNSHIP, period)
        for index, township in enumerate(townships):
            key = (township.pk, period.code)
            report = history.report(township, period)
            if key == missing_once:
                history.missing(report, mch, moment(due.date() + dt.timedelta(days=1), 10), MISSING_REASON)
                continue
            values = {c: Decimal(v) for c, v in figures(rng, populations[township.pk], period).items()}
            notes = _explain(ds, values, previous.get(township.pk), period.end)
            if period == latest:  # the latest period is still at work
                # most townships are done; one has not submitted, one awaits the county, one was returned
                fate = ("open", "submitted", "returned")[index] if index < 3 else "approved"
                if fate == "open":
                    continue
            else:
                fate = "approved"
            late = township.pk in late_prone and rng.random() < 0.5
            submitted = (
                due + dt.timedelta(days=rng.randint(1, 4)) if late else moment(day1, rng.uniform(9, 24 * (due.day - 1)))
            )
            submitted = min(submitted, cutoff - dt.timedelta(hours=6))
            officer = officers[township.pk]
            history.submit(report, values, officer, submitted, notes)
            previous[township.pk] = values
            if fate == "submitted":
                continue
            if fate == "returned" or key == returned_once:
                reason, element, comment = RETURN_REASONS.get(
                    ds.code, ("请核实后重新上报", ds.elements[0].code, "请核实")
                )
                returned = min(submitted + dt.timedelta(hours=rng.uniform(2, 20)), cutoff - dt.timedelta(hours=3))
                history.return_(report, mch, returned, reason, element, comment)
                if fate == "returned":
                    continue
                submitted = returned + dt.timedelta(hours=rng.uniform(3, 24))
                history.submit(report, values, officer, submitted, notes, reason="已逐项核实，数据无误")
            accepted = min(submitted + dt.timedelta(hours=rng.uniform(2, 40)), cutoff - dt.timedelta(minutes=30))
            history.approve(report, mch, max(accepted, submitted + dt.timedelta(minutes=10)))
    return history.save()["reports"]


def _explain(ds: DataSet, values: dict, previous: dict | None, on: dt.date) -> dict[str, str]:
    cells = {c: Cell(c, v) for c, v in values.items()}
    before = {c: Cell(c, v) for c, v in previous.items()} if previous else None
    found = validation.validate(ds, cells, before, level=ds.reporting_level, on=on)
    if validation.errors(found):
        raise AssertionError(f"demo {ds.code} breaks {[v.rule.code for v in validation.errors(found)]}")
    return {v.rule.code: "已核实，数据无误" for v in validation.warnings(found)}


__all__ = ["FIGURES", "load_programme_forms"]
