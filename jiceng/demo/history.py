"""Register history for the demo county: consents, monthly collections with realistic gaps, stops and
resumptions, doctors' assessments, follow-up cards with measurements, moves, a force-majeure month.

Deterministic (seeded). Every collection is first checked by the rules engine, so the history is one
the system itself would have accepted. Rows are bulk-inserted (a seeding tool, not a user's edit)
with one audit row for the load.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.demo.generator import AS_OF, DEFAULT_SEED
from jiceng.nutrition.actions import computed_fields
from jiceng.nutrition.eligibility import child_facts
from jiceng.nutrition.models import Assessment, Child, Collection, Consent, FollowUp, ForceMajeure, Move, Residence
from jiceng.nutrition.rules.anthropometry import Measurement, assess_measurement, lms_row
from jiceng.nutrition.rules.engine import Event, check_collection, month_date
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import month_code

PACKS_PER_MONTH = 30
FORCE_MAJEURE_MONTH = "2025-02"  # 凝冻灾害: one township's roads closed for a month


def _months(start: dt.date, end: dt.date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        month += 1
        if month == 13:
            year, month = year + 1, 1


def _value_at_z(table: str, sex: str, key: float, z: float) -> float | None:
    lms = lms_row(table, sex, key)
    if lms is None:
        return None
    l_, m, s = lms
    return m * (1 + l_ * s * z) ** (1 / l_) if l_ else m


def _measurement(rng: random.Random, child: Child, on: dt.date, haz: float, waz: float, altitude: int | None):
    age_days = (on - child.birth_date).days
    length = _value_at_z("lhfa", child.sex, age_days, haz + rng.gauss(0, 0.15))
    weight = _value_at_z("wfa", child.sex, age_days, waz + rng.gauss(0, 0.2))
    position = "lying" if age_days < 731 else "standing"
    hb = rng.gauss(117, 11) + (altitude or 0) / 1000 * 6  # Hb rises with altitude
    return Measurement(
        sex=child.sex,
        birth_date=child.birth_date,
        measured_on=on,
        length_cm=round(length, 1) if length else None,
        position=position,
        weight_kg=round(weight, 2) if weight else None,
        hb_g_l=round(min(max(hb, 60), 170)),
        altitude_m=altitude,
    )


def _child_history(rng, child, as_of, village_rate, fm_months, doctor):
    """Simulate one child's months; return rows to insert (not yet saved)."""
    facts = child_facts(child)
    start = month_date(child.birth_date, 6)
    end = min(month_date(child.birth_date, 36), as_of)
    consents, collections, assessments, cards, moves, events = [], [], [], [], [], []
    if start > as_of or child.residence != Residence.RESIDENT:
        return consents, collections, assessments, cards, moves
    if rng.random() < 0.93:
        signed = start - dt.timedelta(days=rng.randint(0, 20))
        consents.append(
            Consent(
                child=child,
                signed_on=signed,
                signed_by=child.caregiver_name or "看护人",
                relation=child.caregiver_relation or "母亲",
            )
        )
        events.append(Event(signed, "consent"))
    if child.special_condition:
        assessed = start + dt.timedelta(days=rng.randint(10, 50))
        if assessed <= as_of:
            suitable = rng.random() < 0.8
            assessments.append(
                Assessment(
                    child=child,
                    assessed_on=assessed,
                    suitable=suitable,
                    doctor="县妇幼保健中心医生",
                    note="地中海贫血筛查" if not suitable else "",
                )
            )
            events.append(Event(assessed, "assessment", suitable=suitable))
    rate = min(0.99, max(0.5, village_rate + rng.gauss(0, 0.06)))
    drops_out_at = start + dt.timedelta(days=rng.randint(120, 800)) if rng.random() < 0.08 else None
    haz, waz = rng.gauss(-0.7, 1.0), rng.gauss(-0.4, 0.9)
    distribution_day = rng.randint(3, 12)
    for year, month in _months(start, end):
        day = dt.date(year, month, min(distribution_day + rng.randint(-2, 3), 28))
        if day < start or day > end or f"{year:04d}-{month:02d}" in fm_months:
            continue
        if drops_out_at and day > drops_out_at and rng.random() < 0.9:
            continue
        if rng.random() > rate:
            continue
        packs = PACKS_PER_MONTH
        if check_collection(facts, events, day, packs, fm_months) is not None:
            days_left = (month_date(child.birth_date, 36) - day).days
            if 0 < days_left < packs and check_collection(facts, events, day, days_left, fm_months) is None:
                packs = days_left
            else:
                continue
        events.append(Event(day, "collect", packs=packs))
        collections.append(
            Collection(
                child=child,
                unit_id=child.village_id,
                county_id=child.county_id,
                collected_on=day,
                month=month_code(day),
                packs=packs,
                collected_by=child.caregiver_name,
                issued_by=doctor,
            )
        )
        if rng.random() < 0.55:
            result_input = _measurement(rng, child, day, haz, waz, child.village.altitude_m)
            try:
                result = assess_measurement(result_input, today=as_of)
            except ValueError:
                continue
            packs_eaten = 7 if rng.random() < 0.7 else rng.randint(0, 6)
            cards.append(
                FollowUp(
                    child=child,
                    unit_id=child.village_id,
                    county_id=child.county_id,
                    visited_on=day,
                    month=month_code(day),
                    hb_g_l=result_input.hb_g_l,
                    length_cm=result_input.length_cm,
                    position=result_input.position,
                    weight_kg=result_input.weight_kg,
                    packs_last_7d=packs_eaten,
                    complementary_feeding=rng.random() < 0.85,
                    counselling_given=rng.random() < 0.82,
                    caregiver_knows=rng.random() < 0.9,
                    **computed_fields(result),
                )
            )
            haz += rng.gauss(0.02, 0.05)  # the programme helps a little
    if rng.random() < 0.01 and collections and collections[-1].collected_on < as_of - dt.timedelta(days=10):
        moved = min(as_of, collections[-1].collected_on + dt.timedelta(days=rng.randint(5, 25)))
        moves.append(
            Move(
                child=child,
                kind=Move.Kind.MOVE_OUT,
                happened_on=moved,
                from_unit_id=child.village_id,
                to_unit_id=child.village_id,
                note="随父母外出务工",
            )
        )
    return consents, collections, assessments, cards, moves


@transaction.atomic
def load_register_history(county: OrgUnit, as_of: dt.date = AS_OF, seed: int = DEFAULT_SEED) -> dict[str, int]:
    rng = random.Random(f"{seed}-{county.code}-history")
    from jiceng.accounts.models import Role, User

    doctors = {u.unit_id: u for u in User.objects.filter(role=Role.VILLAGE_DOCTOR, unit__path__startswith=county.path)}
    townships = list(OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code"))
    fm_township = townships[min(3, len(townships) - 1)]
    ForceMajeure.objects.create(
        unit=fm_township,
        first_month=FORCE_MAJEURE_MONTH,
        last_month=FORCE_MAJEURE_MONTH,
        reason="凝冻灾害，道路中断，无法组织发放",
    )
    village_rates = {}
    totals = {"consents": 0, "collections": 0, "assessments": 0, "followups": 0, "moves": 0}
    batch: dict[str, list] = {k: [] for k in totals}
    models = {
        "consents": Consent,
        "collections": Collection,
        "assessments": Assessment,
        "followups": FollowUp,
        "moves": Move,
    }
    children = Child.objects.filter(county=county).select_related("village").order_by("id")
    for child in children.iterator(chunk_size=2000):
        rate = village_rates.setdefault(child.village_id, rng.uniform(0.78, 0.97))
        fm = frozenset({FORCE_MAJEURE_MONTH}) if child.village.path.startswith(fm_township.path) else frozenset()
        rows = _child_history(rng, child, as_of, rate, fm, doctors.get(child.village_id))
        for key, items in zip(("consents", "collections", "assessments", "followups", "moves"), rows, strict=True):
            batch[key].extend(items)
        if sum(len(v) for v in batch.values()) > 20000:
            _flush(batch, models, totals)
    _flush(batch, models, totals)
    for move in Move.objects.filter(child__county=county, kind=Move.Kind.MOVE_OUT):
        Child.objects.filter(pk=move.child_id).update(residence=Residence.MOVED_OUT)
    from jiceng.nutrition import status_store

    status_store.refresh_under(county)  # the engine's status changes, stored for the reports
    record(
        actor=None,
        action=actions_catalog.DEMO_HISTORY,
        obj=county,
        unit=county,
        after=totals,
        reason="加载演示台账历史",
    )
    return totals


def _flush(batch, models, totals) -> None:
    for key, rows in batch.items():
        if rows:
            models[key].objects.bulk_create(rows, batch_size=2000)
            totals[key] += len(rows)
            rows.clear()


# 目标责任书: the programme's targets (spec: coverage ≥85%, effective use ≥75%, counselling ≥80%), set by the
# county bureau for the county and inherited by every township and village; one township gets a stricter one.
DEMO_TARGETS = {
    "NUT_COVERAGE": 85,
    "NUT_EFFECTIVE_USE": 75,
    "NUT_COUNSELLING": 80,
    "NUT_ANAEMIA": 12,
    "NUT_STUNTING": 8,
    # 妇幼 and 基本公卫 targets of the county's 目标责任书 (national standards where they exist)
    "MCH_SYSTEM_MANAGEMENT": 90,
    "MCH_HOSPITAL_DELIVERY": 98,
    "MCH_HIGH_RISK_MANAGEMENT": 95,
    "MCH_EARLY_REGISTRATION": 85,
    "MCH_POSTPARTUM_VISIT": 90,
    "MCH_CHILD_SYSTEM_MANAGEMENT": 90,
    "MCH_INFANT_MORTALITY": 8,
    "PH_HEALTH_RECORDS": 90,
    "PH_CHILDREN_MANAGEMENT": 85,
    "PH_ELDERLY_MANAGEMENT": 65,
    "PH_HYPERTENSION_STANDARD": 75,
    "PH_DIABETES_STANDARD": 75,
    "PH_FAMILY_DOCTOR": 60,
}


def load_targets(county: OrgUnit) -> None:
    from jiceng.accounts.models import Role, User
    from jiceng.indicators.actions import set_target

    bureau = User.objects.filter(role=Role.COUNTY_BUREAU, unit__parent=county).first()
    if bureau is None:
        return
    for year in (AS_OF.year - 1, AS_OF.year):
        for code, value in DEMO_TARGETS.items():
            set_target(code, county, year, value, acting_user=bureau)
    first = OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code").first()
    set_target("NUT_COVERAGE", first, AS_OF.year, 90, acting_user=bureau)


def load_demo_history(stdout=None) -> None:
    county = OrgUnit.objects.filter(level=Level.COUNTY, kind="admin").order_by("code").first()
    if county is None:
        return
    totals = load_register_history(county)
    from jiceng.demo.activities import load_activity_history
    from jiceng.demo.stock import load_stock_history

    load_stock_history(county.code, AS_OF)
    load_activity_history(county.code, AS_OF)
    from jiceng.demo.reports import load_report_history

    load_report_history(county.code, AS_OF, months=22)  # Jan 2025 – Oct 2026: this year compares with last
    from jiceng.demo.programme_forms import load_programme_forms

    load_programme_forms(county.code, AS_OF)  # the 妇幼 monthly and 基本公卫 quarterly forms, two years
    from jiceng.demo.supervision import load_supervision_history

    load_supervision_history(county.code, AS_OF)  # a year of inspections, notices and rectification
    load_targets(county)
    from jiceng.demo.benefits import load_benefit_history

    benefits = load_benefit_history(county.code, AS_OF)  # 奖扶/特扶 rosters 2024–2026, notices, payments, exits
    totals = {**totals, **{f"benefit_{k}": v for k, v in benefits.items()}}
    from jiceng.demo.corrections import load_corrections

    load_corrections(county, month_code(AS_OF))  # a mis-tapped issue cancelled, a card corrected (更正/撤销)
    if stdout is not None:
        stdout.write("台账历史：" + "，".join(f"{k} {v}" for k, v in totals.items()))
