"""A year of supervision for the demo county: every township health centre checks each of its village
clinics with the nutrition checklist once or twice a year; the county checks a share of the clinics with
the seed-003 clinic checklist. Findings stand in every state of the loop (待整改, 逾期, 已反馈, 已复查,
已销号 on time and late, returned once, escalated to a case or a penalty), each with its notice and its
timeline. Deterministic (seeded); rows are bulk-inserted (a seeding tool, not a user's edit) with one
audit row for the load.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from jiceng.accounts.models import Role, User
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.orgunits.models import Level, OrgUnit, subtree_q
from jiceng.supervision.actions import notice_prefix
from jiceng.supervision.checklists import find_checklist
from jiceng.supervision.models import Finding, FindingEvent, InspectionPlan, InspectionRecord, ItemResult, Notice, State

SHANGHAI = ZoneInfo("Asia/Shanghai")
INSPECTORS = ("张院长、李医生", "王副院长、杨医生", "陈院长、吴护士长", "罗院长、潘医生")
COUNTY_INSPECTORS = "县卫健局医政股、县卫生监督所"
REPRESENTATIVES = ("王村医", "杨村医", "李村医", "吴村医", "罗村医", "龙村医", "潘村医")
REPLIES = ("已按要求整改，见照片", "已补齐记录并每日登记", "已重新盘点并更正台账", "已补充设备并张贴宣传材料")


def _reviewer(unit: OrgUnit) -> User | None:
    return User.objects.filter(unit=unit, role=Role.TOWNSHIP_REVIEWER).first()


@transaction.atomic
def load_supervision_history(county_code: str, as_of: dt.date, seed: int = 14) -> dict[str, int]:
    rng = random.Random(seed)
    county = OrgUnit.objects.get(code=county_code)
    county_user = User.objects.filter(unit__parent=county, role=Role.COUNTY_BUREAU).first()
    nutrition, clinic = find_checklist("NUT_VILLAGE_CLINIC"), find_checklist("CLINIC_PRACTICE")
    year_ago = as_of - dt.timedelta(days=365)
    counters: dict[tuple[int, int], int] = {}
    totals = {"records": 0, "findings": 0, "notices": 0}
    townships = list(county.children.filter(level=Level.TOWNSHIP, active=True).order_by("path"))
    for township in townships:
        villages = list(OrgUnit.objects.filter(subtree_q(township.path), level=Level.VILLAGE, active=True))
        if not villages:
            continue
        reviewer = _reviewer(township)
        plan = InspectionPlan.objects.create(
            name=f"{as_of.year}年营养包项目村卫生室督导",
            checklist=nutrition.code,
            owner=township,
            county=county,
            starts_on=year_ago,
            ends_on=as_of,
            inspectors=INSPECTORS[township.pk % len(INSPECTORS)],
            created_by=reviewer,
        )
        plan.units.set(villages)
        weak = rng.random() < 0.3  # a few townships lag behind (more findings, slower rectification)
        for village in villages:
            for _visit in range(rng.choice((1, 1, 2))):
                day = year_ago + dt.timedelta(days=rng.randint(5, 355))
                _inspect(rng, plan, nutrition, village, township, county, day, as_of, reviewer, counters, totals, weak)
    clinics = list(OrgUnit.objects.filter(subtree_q(county.path), level=Level.VILLAGE, active=True).order_by("path"))
    for village in rng.sample(clinics, k=min(len(clinics), max(1, len(clinics) // 4))):
        day = year_ago + dt.timedelta(days=rng.randint(30, 300))
        _inspect(rng, None, clinic, village, county, county, day, as_of, county_user, counters, totals, False)
    totals["bulletins"] = _bulletins(county, county_user, as_of)
    totals["dispatch_tasks"] = _dispatch(county, county_user, townships, as_of)
    record(
        actor=None,
        action=actions_catalog.DEMO_SUPERVISION,
        unit=county,
        object_type="demo",
        object_repr="演示督导检查与整改",
        after=totals,
    )
    return totals


def _inspect(rng, plan, checklist, village, inspector_unit, county, day, as_of, user, counters, totals, weak):
    miss = 0.16 if weak else 0.07
    results, unmet = [], []
    for item in checklist.items:
        met = rng.random() > miss
        score = item.score if met else (item.score * Decimal(rng.choice(("0.3", "0.5", "0.6")))).quantize(Decimal("1"))
        results.append((item, score, met))
        if not met:
            unmet.append(item)
    rec = InspectionRecord.objects.create(
        plan=plan,
        checklist=checklist.code,
        unit=village,
        inspector_unit=inspector_unit,
        county=county,
        inspected_on=day,
        inspectors=plan.inspectors if plan else COUNTY_INSPECTORS,
        representative=rng.choice(REPRESENTATIVES),
        score=sum((s for _i, s, _m in results), Decimal(0)),
        max_score=checklist.max_score,
        recorded_by=user,
    )
    ItemResult.objects.bulk_create(
        ItemResult(record=rec, item_code=i.code, topic=i.topic, text=i.text, max_score=i.score, score=s, met=m)
        for i, s, m in results
    )
    totals["records"] += 1
    if not unmet:
        return
    issued = day + dt.timedelta(days=rng.randint(1, 4))
    key = (inspector_unit.pk, issued.year)
    counters[key] = counters.get(key, 0) + 1
    deadline = issued + dt.timedelta(days=rng.choice((15, 30)))
    notice = Notice.objects.create(
        issuer_unit=inspector_unit,
        unit=village,
        county=county,
        year=issued.year,
        number=counters[key],
        prefix=notice_prefix(inspector_unit),
        issued_on=min(issued, as_of),
        deadline=deadline,
        issued_by=user,
        issuer_name=(user.display_name if user else inspector_unit.name)[:50],
    )
    totals["notices"] += 1
    for item in unmet:
        _finding(rng, rec, item, notice, village, inspector_unit, county, day, as_of, user, weak)
        totals["findings"] += 1


def _finding(rng, rec, item, notice, village, inspector_unit, county, day, as_of, user, weak):
    finding = Finding.objects.create(
        unit=village,
        inspector_unit=inspector_unit,
        county=county,
        source="inspection",
        record=rec,
        item_code=item.code,
        description=item.finding,
        found_on=day,
        notice=notice,
        deadline=notice.deadline,
        created_by=user,
    )
    events = [
        (FindingEvent.Kind.CREATE, item.finding, day, inspector_unit),
        (
            FindingEvent.Kind.NOTICE,
            f"{notice.number_text}，限{notice.deadline.isoformat()}前整改",
            notice.issued_on,
            inspector_unit,
        ),
    ]
    age = (as_of - notice.deadline).days
    late = rng.random() < (0.35 if weak else 0.12)
    span = (notice.deadline - notice.issued_on).days
    if late:
        reply_day = notice.deadline + dt.timedelta(days=rng.randint(3, 25))
        recheck_day = reply_day + dt.timedelta(days=rng.randint(1, 10))
    else:
        reply_day = notice.issued_on + dt.timedelta(days=rng.randint(2, max(3, span - 4)))
        recheck_day = min(reply_day + dt.timedelta(days=rng.randint(1, 5)), notice.deadline)
    if reply_day > as_of or (age > 0 and rng.random() < (0.12 if weak else 0.04)):
        finding.state = State.OPEN  # not yet replied (逾期 when the deadline has passed)
        if age > 40 and rng.random() < 0.5:
            finding.escalation = rng.choice(("case", "penalty"))
            finding.escalated_on = notice.deadline + dt.timedelta(days=20)
            if finding.escalation == "penalty":
                finding.penalty_amount = Decimal(rng.choice((200, 300, 500, 800, 1000)))
            events.append(
                (
                    FindingEvent.Kind.ESCALATE,
                    finding.get_escalation_display() + "：逾期未整改",
                    finding.escalated_on,
                    inspector_unit,
                )
            )
    else:
        notice.received_at = notice.received_at or dt.datetime.combine(notice.issued_on, dt.time(10), SHANGHAI)
        events.append((FindingEvent.Kind.REPLY, rng.choice(REPLIES), reply_day, village))
        if recheck_day > as_of:
            finding.state = State.REPLIED
        elif rng.random() < 0.12:
            events.append((FindingEvent.Kind.RETURN, "整改不到位，请补充佐证材料", recheck_day, inspector_unit))
            finding.state = State.OPEN
        else:
            events.append((FindingEvent.Kind.RECHECK, "现场复查，整改到位", recheck_day, inspector_unit))
            if rng.random() < 0.1:
                finding.state = State.RECHECKED
            else:
                events.append((FindingEvent.Kind.CLOSE, "", recheck_day, inspector_unit))
                finding.state, finding.closed_on = State.CLOSED, recheck_day
    finding.save()
    notice.save(update_fields=["received_at"])
    rows = FindingEvent.objects.bulk_create(
        FindingEvent(finding=finding, kind=k, text=t, actor=user if u == inspector_unit else None, actor_unit=u)
        for k, t, _d, u in events
    )
    for row, (_k, _t, on, _u) in zip(rows, events, strict=True):  # the step's own day, not the load's
        FindingEvent.objects.filter(pk=row.pk).update(at=dt.datetime.combine(on, dt.time(9, 30), SHANGHAI))


def _bulletins(county: OrgUnit, user, as_of: dt.date) -> int:
    """The county's bulletins of the last two finished quarters, each opening rectification for its
    lagging townships (the later one still open, the earlier one rectified)."""
    from jiceng.periods import quarter_of
    from jiceng.supervision.assessment import all_schemes, scores
    from jiceng.supervision.bulletins import lost_items
    from jiceng.supervision.models import Bulletin, BulletinRead

    scheme = all_schemes().get("TOWNSHIP_TARGETS")
    if scheme is None:
        return 0
    period = quarter_of(as_of).previous()
    made = 0
    for n, quarter in enumerate((period.previous(), period), start=1):
        issued = quarter.end + dt.timedelta(days=12)
        ranked = scores(scheme, county, quarter)
        bulletin = Bulletin.objects.create(
            scheme=scheme.code,
            period=quarter.code,
            root=county,
            issuer_unit=county,
            year=issued.year,
            number=n,
            prefix=notice_prefix(county).replace("卫整", "卫通"),
            issued_on=issued,
            deadline=issued + dt.timedelta(days=30),
            issued_by=user,
            ranking=[
                {
                    "unit": s.unit.code,
                    "name": s.unit.name,
                    "rank": s.rank,
                    "total": str(s.total),
                    "change": None if s.change is None else str(s.change),
                    "lagging": s.lagging,
                    "lost": lost_items(s),
                }
                for s in ranked
            ],
        )
        for s in ranked:
            if n == 1 or not s.lagging:
                BulletinRead.objects.create(bulletin=bulletin, unit=s.unit, read_by=_reviewer(s.unit))
            if not s.lagging:
                continue
            text = f"{quarter.label}{scheme.name}排名第{s.rank}名（{s.total}分），排名落后：" + "；".join(lost_items(s))
            closed = n == 1
            finding = Finding.objects.create(
                unit=s.unit,
                inspector_unit=county,
                county=county,
                source="bulletin",
                source_key=f"bulletin:{bulletin.pk}",
                description=text[:1000],
                found_on=issued,
                bulletin=bulletin,
                deadline=bulletin.deadline,
                state=State.CLOSED if closed else State.OPEN,
                closed_on=bulletin.deadline - dt.timedelta(days=3) if closed else None,
                created_by=user,
            )
            FindingEvent.objects.create(
                finding=finding, kind=FindingEvent.Kind.CREATE, text=text[:1000], actor=user, actor_unit=county
            )
        made += 1
    return made


DISPATCH = (
    ("完成第四季度营养包出入库盘点", 90),
    ("补齐10月个案随访卡", 60),
    ("整改县级督导发现的温湿度记录问题", 30),
)


def _dispatch(county: OrgUnit, user, townships: list[OrgUnit], as_of: dt.date) -> int:
    """A few weekly 调度 tasks of the county for townships, reported weekly; the last one overdue."""
    from jiceng.supervision.dispatch import week_of
    from jiceng.supervision.models import DispatchProgress, DispatchTask

    made = 0
    for n, township in enumerate(townships[:3]):
        title, percent = DISPATCH[n]
        deadline = as_of + dt.timedelta(days=(14, 7, -5)[n])
        task = DispatchTask.objects.create(
            title=title,
            unit=township,
            owner_name=f"{township.name}卫生院院长",
            issuer_unit=county,
            deadline=deadline,
            created_by=user,
        )
        for weeks_ago in (2, 1):
            week = week_of(as_of) - dt.timedelta(weeks=weeks_ago)
            DispatchProgress.objects.create(
                task=task,
                week=week,
                text="按计划推进，已完成部分工作",
                percent=max(0, percent - 30 * weeks_ago + 30),
                reported_by=_reviewer(township),
            )
        made += 1
    return made
