"""Load generated demo data (``jiceng.demo.generator``) into the database.

Bulk inserts in one transaction per county, with one audit row saying what was loaded:
the demo loader is a seeding tool, not a user's edit, so it does not write one row per child.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.db import transaction

from jiceng.accounts.models import User
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.demo.generator import DEMO_PASSWORD, CountyData
from jiceng.nutrition.models import Child, Residence
from jiceng.orgunits.models import INSTITUTION_KINDS, OrgUnit, UnitDenominator

BATCH = 2000


def _insert_units(data: CountyData) -> dict[str, OrgUnit]:
    """Insert parents before children: level by level, and institutions after their county."""
    codes = [s.code for s in data.units] + [s.parent_code for s in data.units if s.parent_code]
    known = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
    waves = [
        (level, institutions)
        for level in ("province", "city", "county", "township", "village")
        for institutions in (False, True)
    ]
    for level, institutions in waves:
        rows = []
        for spec in data.units:
            if spec.level != level or (spec.kind in INSTITUTION_KINDS) != institutions or spec.code in known:
                continue
            unit = OrgUnit(
                code=spec.code,
                name=spec.name,
                level=spec.level,
                kind=spec.kind,
                parent=known.get(spec.parent_code) if spec.parent_code else None,
                altitude_m=spec.altitude_m,
            )
            unit.path = unit.compute_path()
            unit.depth = unit.path.count("/") - 1
            rows.append(unit)
        if rows:
            OrgUnit.objects.bulk_create(rows, batch_size=BATCH)
            known.update({u.code: u for u in OrgUnit.objects.filter(code__in=[u.code for u in rows])})
    return known


def _insert_denominators(data: CountyData, units: dict[str, OrgUnit]) -> None:
    rows = []
    for spec in data.units:
        if spec.population:
            for year in (data.as_of.year - 2, data.as_of.year - 1, data.as_of.year):
                rows.append(
                    UnitDenominator(
                        unit=units[spec.code],
                        year=year,
                        key=UnitDenominator.Key.RESIDENT_POPULATION,
                        value=spec.population,
                    )
                )
    UnitDenominator.objects.bulk_create(rows, batch_size=BATCH)


def _insert_children(data: CountyData, units: dict[str, OrgUnit]) -> int:
    county = units[data.county_code]
    batch: list[Child] = []
    count = 0
    for spec in data.children:
        batch.append(
            Child(
                name=spec.name,
                sex=spec.sex,
                birth_date=spec.birth_date,
                id_number=spec.id_number or "",
                village=units[spec.village_code],
                county=county,
                residence=Residence.RESIDENT if spec.resident else Residence.FLOATING,
                poor_household=spec.poor_household,
                relocation_site=spec.relocation_site,
                special_condition=spec.special_condition,
                caregiver_name=spec.caregiver_name,
                caregiver_relation=spec.caregiver_relation,
                caregiver_phone=spec.caregiver_phone,
            )
        )
        batch[-1].fill_search_keys()  # bulk_create does not call save()
        if len(batch) >= BATCH:
            Child.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    Child.objects.bulk_create(batch)
    return count + len(batch)


def _work_phone(username: str) -> str:
    """A fictional but stable work mobile for a demo account (the county calls the village doctor)."""
    return f"139{zlib.crc32(username.encode()) % 100_000_000:08d}"


def _insert_users(data: CountyData, units: dict[str, OrgUnit], password_hash: str) -> list[User]:
    users = [
        User(
            username=s.username,
            full_name=s.full_name,
            role=s.role,
            unit=units[s.unit_code],
            password=password_hash,
            phone=_work_phone(s.username),
        )
        for s in data.users
    ]
    User.objects.bulk_create(users)
    return users


def load_counties(counties: Iterable[CountyData]) -> dict[str, int]:
    password_hash = make_password(DEMO_PASSWORD)
    totals = {"counties": 0, "units": 0, "children": 0, "users": 0}
    for data in counties:
        with transaction.atomic():
            units = _insert_units(data)
            _insert_denominators(data, units)
            children = _insert_children(data, units)
            _insert_users(data, units, password_hash)
            county = units[data.county_code]
            record(
                actor=None,
                action=actions_catalog.DEMO_LOAD,
                obj=county,
                unit=county,
                after={"units": len(data.units), "children": children, "users": len(data.users)},
                reason="加载演示数据",
            )
        totals["counties"] += 1
        totals["units"] += len(data.units)
        totals["children"] += children
        totals["users"] += len(data.users)
    return totals
