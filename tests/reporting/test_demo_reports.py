"""The demo county's report history: every state of the review chain, values that reconcile with the registers."""

import datetime as dt
from collections import defaultdict

import pytest

from jiceng.accounts.models import Role, User
from jiceng.audit.models import AuditEntry
from jiceng.demo.generator import AS_OF, DEFAULT_SEED, generate_county
from jiceng.demo.history import load_register_history
from jiceng.demo.load import load_counties
from jiceng.demo.reports import load_report_history
from jiceng.demo.stock import load_stock_history
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import parse_period
from jiceng.reporting import queries
from jiceng.reporting.models import DataValue, Report, State, ValueComment
from jiceng.reporting.packs import dataset
from jiceng.reporting.values import current_cells, register_values

DS = dataset("NUT_MONTHLY")


@pytest.fixture
def demo(db):
    data = generate_county(DEFAULT_SEED, townships=3, villages_per_township=(3, 4), children=500)
    load_counties([data])
    county = OrgUnit.objects.get(code=data.county_code)
    load_register_history(county, AS_OF)
    load_stock_history(county.code, AS_OF)
    totals = load_report_history(county.code, AS_OF)
    return county, totals


def stored(report) -> dict:
    return {v.element: v.value for v in report.values.all()}


def test_every_state_of_the_chain_is_present_with_the_right_people(demo):
    county, totals = demo
    latest = queries.reporting_month(AS_OF)
    villages = Report.objects.filter(county=county, unit__level=Level.VILLAGE)
    approved = villages.filter(state=State.APPROVED)
    assert approved.count() > villages.count() * 0.8
    # returned with a reason and a comment on a value, then resubmitted and approved
    redone = approved.filter(returned_at__isnull=False).exclude(return_reason="")
    assert redone.exists()
    for report in redone:
        assert ValueComment.objects.filter(report=report).exists()
        assert report.first_submitted_at < report.returned_at < report.submitted_at < report.reviewed_at
        assert report.version == 4
    # late: first submitted after the village deadline
    late = [
        r
        for r in villages.exclude(first_submitted_at=None)
        if r.first_submitted_at > queries.deadline(DS, Level.VILLAGE, parse_period(r.period))
    ]
    assert late
    # 缺报 with a reason, marked by the township's reviewer
    missing = villages.filter(missing=True)
    assert missing.exists() and all(r.missing_reason and r.state == State.OPEN for r in missing)
    entry = AuditEntry.objects.get(action="report.missing", object_id=str(missing.first().pk))
    assert entry.actor.role == Role.TOWNSHIP_REVIEWER and entry.actor.unit_id == missing.first().unit.parent_id
    # the latest month is in progress: not yet submitted, awaiting review, returned to the village
    statuses = queries.unit_statuses(DS, county, Level.VILLAGE, latest)
    states = {s.state for s in statuses if not (s.report and s.report.missing)}
    assert {State.OPEN, State.SUBMITTED, State.RETURNED, State.APPROVED} <= states
    assert queries.overdue(DS, county, latest)
    # older months are complete
    older = latest.previous()
    assert all(s.approved or s.report.missing for s in queries.unit_statuses(DS, county, Level.VILLAGE, older))
    assert all(s.approved for s in queries.unit_statuses(DS, county, Level.TOWNSHIP, older))
    assert totals["reports"] == Report.objects.filter(county=county).count()
    # the right people: each township its own reviewer, the county MCH centre accepts townships
    password = User.objects.get(username="cunyi").password
    townships = OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP)
    for township in townships:
        reviewers = User.objects.filter(unit=township, role=Role.TOWNSHIP_REVIEWER)
        assert reviewers.count() == 1 and reviewers.get().password == password  # each township has its own
    for report in Report.objects.filter(county=county).exclude(reviewed_by=None).select_related("reviewed_by", "unit"):
        assert report.reviewed_by != report.submitted_by
        if report.unit.level == Level.VILLAGE:
            assert report.reviewed_by.role == Role.TOWNSHIP_REVIEWER
            assert report.reviewed_by.unit_id == report.unit.parent_id
        else:
            assert report.reviewed_by.role == Role.COUNTY_MCH
    # the demo logins have work: cunyi's latest report was returned with a comment, xz_reviewer has reports to review
    cunyi = User.objects.get(username="cunyi")
    mine = Report.objects.get(unit=cunyi.unit, period=queries.reporting_month(AS_OF).code)
    assert mine.state == State.RETURNED and mine.comments.exists()
    assert queries.awaiting_review(DS, User.objects.get(username="xz_reviewer").unit)


def test_values_reconcile_with_the_registers_and_steps_are_dated_and_audited(demo):
    county, _totals = demo
    approved = (
        Report.objects.filter(county=county, state=State.APPROVED)
        .select_related("unit")
        .prefetch_related("values")
        .order_by("period")
    )
    by_period = defaultdict(list)
    for report in approved:
        by_period[report.period].append(report)
    assert len(by_period) == 12
    for period_code, reports in by_period.items():
        period = parse_period(period_code)
        villages = [r for r in reports if r.unit.level == Level.VILLAGE]
        recomputed = register_values(DS, [r.unit for r in villages], period)
        for report in villages:
            values = stored(report)
            assert values == recomputed[report.unit_id], (report.unit.code, period_code)
            assert values == {c: cell.value for c, cell in current_cells(DS, report).items()}
        for report in (r for r in reports if r.unit.level == Level.TOWNSHIP):
            values = stored(report)
            sums = {e.code: None for e in DS.elements if e.aggregation == "sum"}
            for village in (v for v in villages if v.unit.parent_id == report.unit_id):  # approved villages
                for code, value in stored(village).items():
                    if code in sums and value is not None:
                        sums[code] = (sums[code] or 0) + value
            own = register_values(DS, [report.unit], period)[report.unit_id]
            assert values == {**sums, **own}, (report.unit.code, period_code)
    assert not DataValue.objects.filter(report__county=county).exclude(origin=DataValue.Origin.COMPUTED).exists()
    # dated in the past, in order, and audited at the same times
    start = dt.datetime.combine(AS_OF, dt.time(8), tzinfo=queries.SHANGHAI)
    reports = Report.objects.filter(county=county)
    for report in reports.exclude(first_submitted_at=None):
        assert report.first_submitted_at <= report.submitted_at <= start
        assert report.first_submitted_at.date() >= parse_period(report.period).end - dt.timedelta(days=1)
        submits = AuditEntry.objects.filter(action="report.submit", object_id=str(report.pk)).order_by("at")
        assert submits.exists() and submits.first().at == report.first_submitted_at
    approvals = AuditEntry.objects.filter(action="report.approve", object_type="reporting.report")
    assert approvals.count() == reports.filter(state=State.APPROVED).count()
    assert AuditEntry.objects.filter(action="demo.reports").count() == 1
