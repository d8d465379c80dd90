"""Property: for random registers, the report's figures and the indicators equal a plain per-child recount
written here, separately from the product's counting, for every unit (village, township, county) and every
period type (month, quarter, year).

The recount follows docs/figures.md: target, collected and counselled children per month (adding up over
months), follow-up figures once per child over the period with the latest result, every figure at the unit
where it happened (a child who moves between villages counts in the old village before the move). The
rules engine's status changes are not recounted here: they are the engine's own output, checked by the
YAML cases in tests/rules/cases/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiceng.indicators import compute
from jiceng.nutrition.models import Child, Collection, FollowUp, Move
from jiceng.periods import parse_period
from jiceng.reporting.aggregate import unit_values
from jiceng.reporting.packs import dataset

D = dt.date
MONTHS = [f"2026-{m:02d}" for m in range(1, 7)]
PERIODS = [*MONTHS, "2026Q1", "2026Q2", "2026H1", "2026"]
ANAEMIA = ["无", "轻度", "中度", "重度"]
ANAEMIC = {"轻度", "中度", "重度"}


def day_in(month: int) -> st.SearchStrategy[dt.date]:
    return st.integers(1, 28).map(lambda d: D(2026, month, d))


cards = st.lists(
    st.fixed_dictionaries(
        {
            "month": st.integers(1, 6),
            "day": st.integers(1, 28),
            "hb": st.one_of(st.none(), st.sampled_from(ANAEMIA)),
            "haz": st.one_of(st.none(), st.floats(-4, 2, allow_nan=False)),
            "flag": st.booleans(),
            "packs": st.one_of(st.none(), st.integers(0, 7)),
            "counselled": st.booleans(),
        }
    ),
    max_size=4,
    unique_by=lambda c: (c["month"], c["day"]),
)
children = st.lists(
    st.fixed_dictionaries(
        {
            "village": st.integers(0, 2),
            "birth": st.dates(D(2024, 6, 1), D(2025, 10, 28)).map(lambda d: d.replace(day=min(d.day, 28))),
            "move": st.one_of(st.none(), st.tuples(st.integers(0, 2), st.integers(1, 6), st.integers(1, 28))),
            "collections": st.dictionaries(st.integers(1, 6), st.tuples(st.integers(1, 28), st.integers(1, 30))),
            "cards": cards,
        }
    ),
    min_size=1,
    max_size=5,
)


def completed_months(birth: dt.date, on: dt.date) -> int:
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


def six_month_date(birth: dt.date) -> dt.date:
    year, month = divmod(birth.year * 12 + birth.month - 1 + 6, 12)
    return D(year, month + 1, birth.day)


def load(tree, drawn):
    """Write the drawn registers; returns plain records for the recount."""
    FollowUp.objects.all().delete()
    Collection.objects.all().delete()
    Move.objects.all().delete()
    Child.objects.all().delete()
    villages = [tree.village_a1, tree.village_a2, tree.village_b1]
    records = []
    for n, item in enumerate(drawn):
        home = villages[item["village"]]
        moved_on, new_home = None, home
        if item["move"] and villages[item["move"][0]] != home:
            new_home, moved_on = villages[item["move"][0]], D(2026, item["move"][1], item["move"][2])

        def village_on(day, home=home, new_home=new_home, moved_on=moved_on):
            return new_home if moved_on and day >= moved_on else home

        child = Child.objects.create(
            name=f"儿童{n}", sex="F", birth_date=item["birth"], village=new_home, county=tree.county
        )
        if moved_on:
            Move.objects.create(child=child, kind="transfer", happened_on=moved_on, from_unit=home, to_unit=new_home)
        collections = []
        for month, (day, packs) in sorted(item["collections"].items()):
            on = D(2026, month, day)
            unit = village_on(on)
            Collection.objects.create(
                child=child, unit=unit, county=tree.county, collected_on=on, month=f"{on:%Y-%m}", packs=packs
            )
            collections.append((on, unit.pk))
        written = []
        for c in sorted(item["cards"], key=lambda c: (c["month"], c["day"])):
            on = D(2026, c["month"], c["day"])
            unit = village_on(on)
            haz = c["haz"]
            FollowUp.objects.create(
                child=child,
                unit=unit,
                county=tree.county,
                visited_on=on,
                month=f"{on:%Y-%m}",
                hb_g_l=Decimal("100") if c["hb"] else None,
                anaemia=c["hb"] or "",
                length_cm=Decimal("75.0") if haz is not None else None,
                haz=haz,
                haz_flag=c["flag"] if haz is not None else False,
                stunting=None if haz is None or c["flag"] else haz < -2,
                packs_last_7d=c["packs"],
                counselling_given=c["counselled"],
            )
            written.append({**c, "on": on, "unit": unit.pk})
        records.append(
            {
                "birth": item["birth"],
                "village_on": lambda day, f=village_on: f(day).pk,
                "collections": collections,
                "cards": written,
            }
        )
    return records


def recount(records, villages: set[int], months: list[str]) -> dict[str, int]:
    """The plain per-child recount of one unit (its villages) over ``months``."""
    out = dict.fromkeys(["N01", "N04", "N12", "N10", "N10A", "N11", "N13", "N14", "N15", "N16A"], 0)
    periods = [parse_period(m) for m in months]
    for child in records:
        for month in periods:  # per month, adding up
            if six_month_date(child["birth"]) <= month.end and child["village_on"](month.end) in villages:
                out["N01"] += 1
            for on, unit in child["collections"]:
                if f"{on:%Y-%m}" == month.code and unit in villages:
                    out["N04"] += 1
                    same = [c for c in child["cards"] if f"{c['on']:%Y-%m}" == month.code and c["unit"] == unit]
                    out["N12"] += any(c["counselled"] for c in same)
        in_period = [c for c in child["cards"] if f"{c['on']:%Y-%m}" in months]  # once per child
        if not in_period:
            continue
        first = min((on for on, _unit in child["collections"]), default=None)
        latest = in_period[-1]
        if latest["unit"] in villages:
            out["N10"] += 1
            if first is not None and first <= latest["on"]:
                out["N10A"] += 1
                judged = [c for c in in_period if c["packs"] is not None and c["on"] >= first]
                out["N11"] += bool(judged) and judged[-1]["packs"] >= 4
        tested = [c for c in in_period if c["hb"]]
        if tested and tested[-1]["unit"] in villages:
            out["N13"] += 1
            out["N14"] += tested[-1]["hb"] in ANAEMIC
        measured = [c for c in in_period if c["haz"] is not None and not c["flag"]]
        if measured and measured[-1]["unit"] in villages:
            out["N15"] += 1
            out["N16A"] += measured[-1]["haz"] < -2
    return out


INDICATORS = {
    "NUT_COVERAGE": ("N04", "N01"),
    "NUT_COUNSELLING": ("N12", "N04"),
    "NUT_EFFECTIVE_USE": ("N11", "N10A"),
    "NUT_ANAEMIA": ("N14", "N13"),
    "NUT_STUNTING": ("N16A", "N15"),
    "NUT_FOLLOWED_UP": ("N10", None),
}


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(drawn=children)
def test_report_and_indicators_equal_a_plain_recount(tree, drawn):
    records = load(tree, drawn)
    villages = {
        tree.village_a1: {tree.village_a1.pk},
        tree.village_a2: {tree.village_a2.pk},
        tree.village_b1: {tree.village_b1.pk},
        tree.town_a: {tree.village_a1.pk, tree.village_a2.pk},
        tree.town_b: {tree.village_b1.pk, tree.village_b2.pk},
        tree.county: {tree.village_a1.pk, tree.village_a2.pk, tree.village_b1.pk, tree.village_b2.pk},
    }
    units = list(villages)
    report = unit_values(dataset("NUT_MONTHLY"), units, MONTHS, official=False)
    for month in MONTHS:
        for unit, ids in villages.items():
            cells = report[(unit.pk, month)]
            shown = {code: int(cells[code].value) if code in cells else 0 for code in recount(records, ids, [month])}
            assert shown == recount(records, ids, [month]), (unit.name, month)
    for code in PERIODS:
        period = parse_period(code)
        begun = compute.begun_report_periods(dataset("NUT_MONTHLY"), period)  # a year so far: to this month
        values = compute.compute(
            tree.county, units, period, official=False, codes=list(INDICATORS), with_last_year=False
        )
        for unit, ids in villages.items():
            expected = recount(records, ids, begun)
            for indicator, (numerator, denominator) in INDICATORS.items():
                value = values[(unit.pk, indicator)]
                assert (value.numerator or 0) == expected[numerator], (unit.name, code, indicator)
                if denominator:
                    assert (value.denominator or 0) == expected[denominator], (unit.name, code, indicator)
