"""A year of monthly reports for a demo county, consistent with its registers and stock ledger.

Runs after the register and stock history (``jiceng.demo.history``). For each of the last ``months``
months up to the month being reported on ``as_of`` (``queries.reporting_month``):

* village reports: submitted by the village doctor (or, for a clinic without an account, by the
  township's project officer, 代报) on the last day of the month or on the 1st, and approved by the
  reviewer of their own township; a few clinics are habitually late (first submitted after the 1st);
  a few reports are returned with a reason and a comment on a specific value, then resubmitted and
  approved; 1–2 % are 缺报, marked by the township reviewer with a reason;
* township reports: submitted by the township reviewer once all its villages are approved or marked
  missing, and accepted by the county MCH centre; one or two are returned by the county first;
* the latest month is still in progress: about half of the townships are complete (their reports
  accepted or awaiting the county), the others still have reports awaiting review, returned, or not
  yet submitted, so the to-do lists and the overdue list have work.

Values are the real figures: a village report's values are ``register_values`` (what ``current_cells``
shows while the report is open), frozen as on submission; a township's are the sums of its approved
villages' values plus its own stock, as ``sum_of_children(official=True)`` computes them. Warnings get
an explanation (WarningNote), as submission requires. Rows are bulk-inserted with their audit rows
(dated when each step happened), plus one audit row for the load. Townships without demo accounts get
a reviewer and a project officer (each township has its own reviewer); they share the demo password.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from jiceng.accounts.models import Role, User
from jiceng.audit.models import AuditEntry
from jiceng.audit.recorder import record
from jiceng.demo.generator import AS_OF, DEFAULT_SEED, DEMO_PASSWORD
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import Period
from jiceng.reporting import validation
from jiceng.reporting.aggregate import add_up, typed_elements
from jiceng.reporting.models import DataValue, Report, State, ValueComment, WarningNote
from jiceng.reporting.packs import DataSet, dataset
from jiceng.reporting.queries import SHANGHAI, deadline, reporting_month, reporting_units
from jiceng.reporting.values import Cell, register_values_months

DATASET = "NUT_MONTHLY"
RETURNS = (
    ("本月发放包数与乡镇卫生院出库记录不一致，请核实后重新提交", "N05", "请与本月出库单逐笔核对"),
    ("随访人数与随访卡登记不符，请核实是否漏录", "N10", "本月随访卡请逐张核对后再报"),
    ("贫血人数请对照血红蛋白检测原始记录核实", "N14", "请核对检测记录中的海拔校正"),
    ("新纳入儿童须有签署的知情同意书，请核实", "N03", "新纳入儿童的知情同意书是否齐全？"),
)
RESUBMIT_NOTES = ("已逐项核实，数据无误", "已与原始登记核对，数据无误", "已核实，原报数据正确")
COUNTY_RETURNS = (
    ("汇总的贫血人数较上月明显增加，请核实各村检测记录后重新上报", "N14", "请核实各村血红蛋白检测记录"),
    ("期末库存与县妇幼保健中心调拨记录核对不上，请核实", "N17E", "请与县级调拨单核对"),
)
MISSING_REASONS = (
    "村医外出参加县级培训，未按时上报",
    "村医生病住院，本月未能上报",
    "村卫生室村医空缺，由乡镇卫生院代管，本月未上报",
)
WARNING_NOTES = {
    "V01": "有外村寄居儿童在本村领取营养包，已核实",
    "V14": "部分儿童由祖辈看护，咨询指导包括其他家庭成员，已核实",
    "V15": "本月集中补发，领取人数较上月变化较大，已核实",
}
SURNAMES = "王李张刘陈杨黄赵吴周罗潘龙石韦蒙吴杨"
GIVEN = ("建华", "国强", "晓梅", "丽娟", "志刚", "海燕", "红梅", "永平", "文军", "春燕", "德明", "玉兰", "秀英", "光明")


def moment(day: dt.date, hours: float) -> dt.datetime:
    """A moment ``hours`` after the start of ``day`` (Asia/Shanghai)."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=SHANGHAI) + dt.timedelta(hours=hours)


def _months(latest: Period, count: int) -> list[Period]:
    periods = [latest]
    while len(periods) < count:
        periods.append(periods[-1].previous())
    return periods[::-1]


class ReportHistory:
    """Rows to insert, and the audit entries (with their times) that go with them."""

    def __init__(self, ds: DataSet, county: OrgUnit):
        self.ds, self.county = ds, county
        self.reports: list[Report] = []
        self.values: dict[int, dict[str, Decimal | None]] = {}  # id(report) → values frozen on submission
        self.comments: list[tuple[Report, str, str, User, dt.datetime]] = []
        self.notes: list[tuple[Report, str, str, User, dt.datetime]] = []
        self.audit: list[tuple[Report, dict]] = []

    def report(self, unit: OrgUnit, period: Period) -> Report:
        report = Report(dataset=self.ds.code, unit=unit, county=self.county, period=period.code, state=State.OPEN)
        self.reports.append(report)
        return report

    def log(self, report: Report, at: dt.datetime, actor: User, action: str, **fields) -> None:
        self.audit.append((report, {"at": at, "actor": actor, "action": action, **fields}))

    def submit(self, report, values, who, at, notes: dict[str, str], *, reason: str = "") -> None:
        self.values[id(report)] = values
        report.state, report.submitted_by, report.submitted_at = State.SUBMITTED, who, at
        report.first_submitted_at = report.first_submitted_at or at
        report.reviewed_by = report.reviewed_at = None
        report.version += 1
        for rule, text in notes.items():
            self.notes.append((report, rule, text, who, at))
        payload = {c: str(v) if v is not None else "None" for c, v in values.items()}
        self.log(
            report,
            at,
            who,
            "report.submit",
            after={"state": State.SUBMITTED, "values": payload},
            reason="；".join([*(f"{k}: {v}" for k, v in notes.items()), *([reason] if reason else [])]),
        )

    def approve(self, report, who, at) -> None:
        report.state, report.reviewed_by, report.reviewed_at = State.APPROVED, who, at
        report.version += 1
        self.log(report, at, who, "report.approve", after={"state": State.APPROVED})

    def return_(self, report, who, at, reason: str, element: str, comment: str) -> None:
        report.state, report.returned_by, report.returned_at, report.return_reason = State.RETURNED, who, at, reason
        report.version += 1
        self.comments.append((report, element, comment, who, at))
        self.log(
            report,
            at,
            who,
            "report.return",
            before={"state": State.SUBMITTED},
            after={"state": State.RETURNED, "comments": {element: comment}},
            reason=reason,
        )

    def missing(self, report, who, at, reason: str) -> None:
        report.missing, report.missing_reason = True, reason
        report.version += 1
        self.log(report, at, who, "report.missing", after={"missing": True}, reason=reason)

    def _origin(self, report: Report, code: str) -> str:
        """Typed (手工填报) for the values a unit types, computed for register figures and sums."""
        typed = code in typed_elements(self.ds, report.unit)
        return DataValue.Origin.TYPED if typed else DataValue.Origin.COMPUTED

    def save(self) -> dict[str, int]:
        Report.objects.bulk_create(self.reports, batch_size=1000)
        if any(r.pk is None for r in self.reports):  # a backend that does not return ids from bulk inserts
            ids = {
                (unit_id, period): pk
                for unit_id, period, pk in Report.objects.filter(dataset=self.ds.code, county=self.county).values_list(
                    "unit_id", "period", "pk"
                )
            }
            for r in self.reports:
                r.pk = ids[(r.unit_id, r.period)]
        values = [
            DataValue(report=r, element=code, value=v, computed_value=v, origin=self._origin(r, code))
            for r in self.reports
            if id(r) in self.values
            for code, v in self.values[id(r)].items()
        ]
        DataValue.objects.bulk_create(values, batch_size=5000)
        comments = [ValueComment(report=r, element=e, text=t, author=u) for r, e, t, u, _at in self.comments]
        ValueComment.objects.bulk_create(comments)
        notes = [WarningNote(report=r, rule=rule, text=t, author=u) for r, rule, t, u, _at in self.notes]
        WarningNote.objects.bulk_create(notes)
        # auto_now_add stamps these rows with the load time: put back when each step happened
        for rows, stamped in ((comments, self.comments), (notes, self.notes)):
            for row, (*_rest, at) in zip(rows, stamped, strict=True):
                row.at = at
        if all(row.pk is not None for row in [*comments, *notes]):
            ValueComment.objects.bulk_update(comments, ["at"], batch_size=1000)
            WarningNote.objects.bulk_update(notes, ["at"], batch_size=1000)
        entries = []
        for report, fields in self.audit:
            actor = fields.pop("actor")
            entries.append(
                AuditEntry(
                    actor=actor,
                    actor_name=actor.display_name,
                    object_type="reporting.report",
                    object_id=str(report.pk),
                    object_repr=f"{report.unit.name} {report.period} 月报",
                    unit=report.unit,
                    unit_path=report.unit.path,
                    **fields,
                )
            )
        times = [e.at for e in entries]
        AuditEntry.objects.bulk_create(entries, batch_size=2000)
        if entries and entries[0].pk is not None:
            for entry, at in zip(entries, times, strict=True):
                entry.at = at
            AuditEntry.objects.bulk_update(entries, ["at"], batch_size=2000)
        return {
            "reports": len(self.reports),
            "values": len(values),
            "comments": len(comments),
            "warning_notes": len(notes),
            "audit": len(entries),
        }


def _people(county: OrgUnit, townships: list[OrgUnit], villages: list[OrgUnit], rng: random.Random):
    """The demo accounts that act on the reports; a reviewer and an officer for each township lacking one."""
    users = list(User.objects.filter(unit__path__startswith=county.path, is_active=True).select_related("unit"))
    password = users[0].password if users else make_password(DEMO_PASSWORD)

    def first(role, unit_id):
        return next((u for u in users if u.role == role and u.unit_id == unit_id), None)

    def name() -> str:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)

    new = []
    reviewers, officers = {}, {}
    for township in townships:
        for role, table, prefix, title in (
            (Role.TOWNSHIP_REVIEWER, reviewers, "xz_reviewer", "院长"),
            (Role.TOWNSHIP_OFFICER, officers, "xz_officer", ""),
        ):
            user = first(role, township.pk)
            if user is None:
                user = User(
                    username=f"{prefix}_{township.code}",
                    full_name=name() + title,
                    role=role,
                    unit=township,
                    password=password,
                )
                new.append(user)
            table[township.pk] = user
    mch = next((u for u in users if u.role == Role.COUNTY_MCH), None)
    if mch is None:
        centre = OrgUnit.objects.filter(parent=county, kind="mch_centre").first() or county
        mch = User(
            username=f"fybj_{county.code}", full_name=name(), role=Role.COUNTY_MCH, unit=centre, password=password
        )
        new.append(mch)
    if new:
        User.objects.bulk_create(new)
        saved = {u.username: u for u in User.objects.filter(username__in=[u.username for u in new])}
        reviewers = {k: saved.get(u.username, u) for k, u in reviewers.items()}
        officers = {k: saved.get(u.username, u) for k, u in officers.items()}
        mch = saved.get(mch.username, mch)
    doctors = {v.pk: first(Role.VILLAGE_DOCTOR, v.pk) for v in villages}
    return reviewers, officers, doctors, mch, new


def _notes(ds: DataSet, values, previous, level: str, on=None) -> tuple[dict[str, str], int]:
    """Explanations for the warnings a submission of ``values`` raises; the number of errors."""
    cells = {c: Cell(c, v) for c, v in values.items()}
    before = {c: Cell(c, v) for c, v in previous.items()} if previous else None
    found = validation.validate(ds, cells, before, level=level, on=on)
    notes = {v.rule.code: WARNING_NOTES.get(v.rule.code, "已核实，数据无误") for v in validation.warnings(found)}
    return notes, len(validation.errors(found))


def _sum(ds: DataSet, children: list[dict], own: dict) -> dict[str, Decimal | None]:
    """A township's values: the aggregation's own sum of its approved villages' values (``sum`` elements)
    and its own stock (``own`` elements)."""
    totals = add_up(ds, children)
    return {e.code: totals.get(e.code) if e.aggregation == "sum" else own.get(e.code) for e in ds.elements}


@transaction.atomic
def load_report_history(
    county_code: str, as_of: dt.date = AS_OF, *, months: int = 12, seed: int = DEFAULT_SEED
) -> dict[str, int]:
    rng = random.Random(f"{seed}-{county_code}-reports")
    ds = dataset(DATASET)
    county = OrgUnit.objects.get(code=county_code)
    townships = reporting_units(county, Level.TOWNSHIP)
    villages = reporting_units(county, Level.VILLAGE)
    villages_of: dict[int, list[OrgUnit]] = defaultdict(list)
    for village in villages:
        villages_of[village.parent_id].append(village)
    townships = [t for t in townships if villages_of[t.pk]]
    reviewers, officers, doctors, mch, created = _people(county, townships, villages, rng)
    demo_reviewers = [t for t in townships if reviewers[t.pk].username not in {u.username for u in created}]
    latest = reporting_month(as_of)
    periods = _months(latest, months)
    history = ReportHistory(ds, county)
    stats = defaultdict(int)

    # fates of the older months' village reports: habitual late reporters, a few returns, 1–2 % missing
    late_prone = set(rng.sample([v.pk for v in villages], max(1, len(villages) // 45)))
    fates: dict[tuple[int, str], str] = {}
    for period in periods[:-1]:
        order = rng.sample(villages, len(villages))
        n_missing = round(len(villages) * 0.015 * rng.uniform(0.5, 1.5))
        n_returned = round(len(villages) * 0.03 * rng.uniform(0.5, 1.5))
        for index, village in enumerate(order):
            fate = "missing" if index < n_missing else "returned" if index < n_missing + n_returned else None
            if fate is None and ((village.pk in late_prone and rng.random() < 0.6) or rng.random() < 0.004):
                fate = "late"
            if fate:
                fates[(village.pk, period.code)] = fate
    for fate in ("missing", "returned", "late"):  # a small county still shows every case once
        if fate not in fates.values() and len(periods) > 1:
            free = [(v, p) for p in periods[:-1] for v in villages if (v.pk, p.code) not in fates]
            village, period = rng.choice(free)
            fates[(village.pk, period.code)] = fate
    county_returns = {
        (t.pk, p.code)
        for t, p in rng.sample([(t, p) for p in periods[:-1] for t in townships], min(2, len(townships) * (months - 1)))
    }

    # the latest month: half of the townships still at work, among them the township of the demo's own
    # reviewer account (xz_reviewer), so that its to-do list has reports to review
    with_doctor = [t for t in townships if any(doctors.get(v.pk) for v in villages_of[t.pk])]
    main = (demo_reviewers or with_doctor or townships)[0]
    busy = set(rng.sample([t.pk for t in townships if t != main], (len(townships) - 1) // 2)) | {main.pk}
    latest_fates = _latest_fates(rng, townships, villages_of, busy, doctors, main)
    done = [t.pk for t in townships if t.pk not in busy]
    awaiting_county = set(rng.sample(done, (len(done) + 1) // 2))  # the county's to-do list has work too
    cutoff = moment(as_of, 8)  # nothing in the demo happens after the morning of as_of

    all_figures = register_values_months(ds, villages + townships, periods)  # the rules engine runs once per child
    previous_values: dict[int, dict] = {}
    for period in periods:
        is_latest = period == latest
        figures = all_figures[period.code]
        last_day = period.end
        day1 = last_day + dt.timedelta(days=1)
        due = deadline(ds, Level.VILLAGE, period)
        approved_values: dict[int, list[dict]] = defaultdict(list)
        finished: dict[int, list[dt.datetime]] = defaultdict(list)
        township_done: dict[int, bool] = {}
        for township in townships:
            reviewer, officer = reviewers[township.pk], officers[township.pk]
            for village in villages_of[township.pk]:
                fate = latest_fates[village.pk] if is_latest else fates.get((village.pk, period.code), "ok")
                if fate == "open":
                    continue
                report = history.report(village, period)
                values = figures[village.pk]
                who = doctors.get(village.pk) or officer
                notes, errors = _notes(ds, values, previous_values.get(village.pk), "village", period.end)
                stats["village_errors"] += errors
                if fate == "missing":
                    at = moment(day1, rng.uniform(15, 18))
                    history.missing(report, reviewer, at, rng.choice(MISSING_REASONS))
                    finished[township.pk].append(at)
                    stats["missing"] += 1
                    continue
                if fate in ("late", "submitted") and is_latest:
                    submitted = moment(as_of - dt.timedelta(days=rng.randint(1, 3)), rng.uniform(9, 17))
                elif fate == "late":
                    submitted = moment(day1 + dt.timedelta(days=rng.randint(1, 5)), rng.uniform(9, 17))
                elif fate in ("returned", "returned_open"):
                    submitted = moment(last_day, rng.uniform(9, 16))
                else:
                    submitted = moment(last_day, rng.uniform(10, 24 + 15))
                history.submit(report, values, who, submitted, notes)
                stats["late"] += submitted > due
                if fate == "submitted":
                    stats["awaiting_review"] += 1
                    continue
                if fate in ("returned", "returned_open"):
                    reason, element, comment = rng.choice(RETURNS)
                    returned = submitted + dt.timedelta(hours=rng.uniform(1, 4))
                    history.return_(report, reviewer, returned, reason, element, comment)
                    stats["returned"] += 1
                    if fate == "returned_open":
                        continue
                    submitted = returned + dt.timedelta(hours=rng.uniform(2, 12))
                    history.submit(report, values, who, submitted, notes, reason=rng.choice(RESUBMIT_NOTES))
                approved = submitted + dt.timedelta(hours=rng.uniform(0.3, 4))
                if approved.date() == day1 and approved.hour >= 21:
                    approved = submitted + dt.timedelta(minutes=rng.uniform(10, 40))
                history.approve(report, reviewer, approved)
                approved_values[township.pk].append(values)
                finished[township.pk].append(approved)
                stats["approved"] += 1
            township_done[township.pk] = not (is_latest and township.pk in busy)

        for township in townships:
            if not township_done[township.pk]:
                continue
            reviewer = reviewers[township.pk]
            report = history.report(township, period)
            values = _sum(ds, approved_values[township.pk], figures[township.pk])
            notes, errors = _notes(ds, values, previous_values.get(township.pk), "township", period.end)
            stats["township_errors"] += errors
            submitted = max([*finished[township.pk], moment(day1, 14)]) + dt.timedelta(hours=rng.uniform(0.3, 2))
            history.submit(report, values, reviewer, submitted, notes)
            if is_latest and township.pk in awaiting_county:
                stats["awaiting_county"] += 1
                continue
            if (township.pk, period.code) in county_returns:
                reason, element, comment = rng.choice(COUNTY_RETURNS)
                returned = submitted + dt.timedelta(hours=rng.uniform(3, 20))
                history.return_(report, mch, returned, reason, element, comment)
                submitted = returned + dt.timedelta(hours=rng.uniform(3, 24))
                history.submit(report, values, reviewer, submitted, notes, reason=rng.choice(RESUBMIT_NOTES))
            accepted = submitted + dt.timedelta(hours=rng.uniform(2, 40))
            if is_latest and accepted >= cutoff:
                stats["awaiting_county"] += 1
                continue
            history.approve(report, mch, accepted)
        previous_values = {
            r.unit_id: history.values[id(r)]
            for r in history.reports
            if r.period == period.code and r.state in (State.SUBMITTED, State.APPROVED)
        }
    totals = history.save()
    totals.update(stats)
    totals["users_created"] = len(created)
    record(actor=None, action="demo.reports", obj=county, unit=county, after=totals, reason="加载演示月报历史")
    return totals


def _latest_fates(rng, townships, villages_of, busy: set[int], doctors, main: OrgUnit) -> dict[int, str]:
    """The latest month's village reports: finished in the townships not busy; a mix elsewhere, with at
    least one awaiting review, one returned to its village doctor and one not yet submitted."""
    fates = {}
    busy_villages = []
    for township in townships:
        for village in villages_of[township.pk]:
            if township.pk in busy:
                busy_villages.append(village)
                roll = rng.random()
                fates[village.pk] = (
                    "ok"
                    if roll < 0.5
                    else "submitted"
                    if roll < 0.68
                    else "returned_open"
                    if roll < 0.76
                    else "missing"
                    if roll < 0.78
                    else "open"
                )
            else:
                roll = rng.random()
                fates[village.pk] = "missing" if roll < 0.015 else ("late" if roll < 0.06 else "ok")
    forced = []
    with_doctor = sorted(
        (v for v in busy_villages if doctors.get(v.pk) is not None), key=lambda v: v.parent_id != main.pk
    )
    if with_doctor:  # a demo village doctor logs in to a returned report with a comment
        fates[with_doctor[0].pk] = "returned_open"
        forced.append(with_doctor[0].pk)
    # the demo reviewer's own township has a report awaiting review; somewhere a report is not yet submitted
    others = [v for v in busy_villages if v.pk not in forced]
    in_main = [v for v in others if v.parent_id == main.pk]
    if in_main and not any(fates[v.pk] == "submitted" for v in in_main):
        fates[in_main[0].pk] = "submitted"
        others.remove(in_main[0])
    if "open" not in fates.values() and others:
        fates[sorted(others, key=lambda v: v.parent_id == main.pk)[0].pk] = "open"
    return fates
