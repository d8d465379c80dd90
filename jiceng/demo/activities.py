"""Two years of plausible activity history for a demo county.

Each township health centre trains its village doctors 2–4 times a year and runs health education
about once a month (some months skipped, some with two events); the county MCH centre trains
township staff twice a year. Deterministic: the same county and date give the same rows.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from jiceng.activities.models import AttendeeType, EducationForm, HealthEducation, Training, TrainingLevel
from jiceng.orgunits.models import Kind, Level, OrgUnit, subtree_q

TRAINING_TOPICS = (
    "营养包项目实施方案与发放流程",
    "儿童营养包发放登记与台账管理",
    "个案随访卡填写与血红蛋白检测",
    "儿童身长/身高、体重测量规范",
    "婴幼儿喂养与辅食添加咨询指导",
    "儿童贫血防治与营养包服用指导",
    "月报表填报与审核要求",
    "营养包储存管理与出入库登记",
)
COUNTY_TOPICS = (
    "儿童营养改善项目年度工作部署",
    "项目质量控制与数据审核",
    "WHO儿童生长标准与生长监测",
    "乡镇项目管理人员培训",
)
EDUCATION_TOPICS = (
    "营养包的作用与正确服用方法",
    "6-24月龄婴幼儿辅食添加",
    "预防儿童贫血",
    "科学喂养，健康成长",
    "儿童营养改善项目政策宣传",
    "母乳喂养知识",
)
REACH = {
    EducationForm.LECTURE: (25, 80),
    EducationForm.FREE_CLINIC: (40, 180),
    EducationForm.HOME_VISIT: (10, 45),
    EducationForm.MATERIALS: (80, 400),
    EducationForm.BROADCAST: (200, 1500),
}
FORM_WEIGHTS = {
    EducationForm.LECTURE: 4,
    EducationForm.FREE_CLINIC: 2,
    EducationForm.HOME_VISIT: 3,
    EducationForm.MATERIALS: 3,
    EducationForm.BROADCAST: 1,
}


def _day_in_month(rng: random.Random, year: int, month: int, as_of: dt.date) -> dt.date | None:
    day = dt.date(year, month, rng.randint(3, 26))
    return day if day <= as_of else None


def _months_back(as_of: dt.date, n: int) -> list[tuple[int, int]]:
    months, year, month = [], as_of.year, as_of.month
    for _ in range(n):
        months.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months[::-1]


@transaction.atomic
def load_activity_history(county_code: str, as_of: dt.date) -> dict[str, int]:
    """Insert two years of trainings and events before ``as_of`` for the county; return counts.

    Does nothing (returns zeros) if the county already has activity records, so it can be rerun."""
    county = OrgUnit.objects.get(code=county_code, level=Level.COUNTY)
    if Training.objects.filter(county=county).exists() or HealthEducation.objects.filter(county=county).exists():
        return {"trainings": 0, "events": 0}
    rng = random.Random(f"activities/{county_code}/{as_of.isoformat()}")
    units = OrgUnit.objects.filter(subtree_q(county.path), active=True)
    townships = list(units.filter(level=Level.TOWNSHIP).order_by("path"))
    mch = units.filter(kind=Kind.MCH_CENTRE).first() or county
    villages_by_township: dict[int, int] = {}
    for village in units.filter(level=Level.VILLAGE).only("parent_id"):
        villages_by_township[village.parent_id] = villages_by_township.get(village.parent_id, 0) + 1
    months = _months_back(as_of, 24)
    years = sorted({y for y, _m in months})
    trainings: list[Training] = []
    events: list[HealthEducation] = []
    for township in townships:
        doctors = max(3, villages_by_township.get(township.pk, 0))
        for year in years:
            in_year = [m for y, m in months if y == year]
            wanted = rng.randint(2, 4) if len(in_year) >= 6 else rng.randint(0, 2)
            for month in sorted(rng.sample(in_year, min(wanted, len(in_year)))):
                day = _day_in_month(rng, year, month, as_of)
                if day is None:
                    continue
                trainings.append(
                    Training(
                        unit=township,
                        county=county,
                        held_on=day,
                        level=TrainingLevel.TOWNSHIP,
                        topic=rng.choice(TRAINING_TOPICS),
                        attendees=max(1, doctors - rng.randint(0, 2)),
                        attendee_type=AttendeeType.VILLAGE_DOCTOR,
                    )
                )
        for year, month in months:
            if rng.random() < 0.15:  # a month without any event
                continue
            for _n in range(2 if rng.random() < 0.2 else 1):
                day = _day_in_month(rng, year, month, as_of)
                if day is None:
                    continue
                form = rng.choices(list(FORM_WEIGHTS), weights=list(FORM_WEIGHTS.values()))[0]
                low, high = REACH[form]
                events.append(
                    HealthEducation(
                        unit=township,
                        county=county,
                        held_on=day,
                        form=form,
                        topic=rng.choice(EDUCATION_TOPICS),
                        reach=rng.randint(low, high),
                    )
                )
    for year in years:
        for month in (3, 9):
            if (year, month) in months and (day := _day_in_month(rng, year, month, as_of)):
                trainings.append(
                    Training(
                        unit=mch,
                        county=county,
                        held_on=day,
                        level=TrainingLevel.COUNTY,
                        topic=rng.choice(COUNTY_TOPICS),
                        attendees=max(2, 2 * len(townships) - rng.randint(0, 2)),
                        attendee_type=AttendeeType.TOWNSHIP_STAFF,
                        notes="各乡镇卫生院项目负责人及业务骨干参加",
                    )
                )
    Training.objects.bulk_create(trainings, batch_size=500)
    HealthEducation.objects.bulk_create(events, batch_size=500)
    return {"trainings": len(trainings), "events": len(events)}
