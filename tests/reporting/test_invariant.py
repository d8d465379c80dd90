"""The invariant of one aggregation, walked over a demo county with every programme's reports in every
review state: for every unit, period and indicator, the report = the dashboard = the API = the CLI = the
summary figure."""

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from jiceng.accounts.models import User
from jiceng.demo.generator import AS_OF, DEFAULT_SEED, generate_county
from jiceng.demo.history import load_register_history
from jiceng.demo.load import load_counties
from jiceng.demo.programme_forms import load_programme_forms
from jiceng.demo.reports import load_report_history
from jiceng.demo.stock import load_stock_history
from jiceng.indicators.compute import _evaluate, compute, indicator_value
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import parse_period
from jiceng.reporting.models import Report, State
from jiceng.reporting.packs import all_indicators, dataset
from jiceng.reporting.values import current_cells
from jiceng.summaries.writer import write

PERIODS = ("2026-09", "2026Q3", "2026H1", "2025")


@pytest.fixture
def county(db):
    data = generate_county(DEFAULT_SEED, townships=3, villages_per_township=(2, 3), children=300)
    load_counties([data])
    county = OrgUnit.objects.get(code=data.county_code)
    load_register_history(county, AS_OF)
    load_stock_history(county.code, AS_OF)
    load_report_history(county.code, AS_OF, months=14)
    load_programme_forms(county.code, AS_OF)
    return county


def _units(county):
    return [county, *OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code")]


def test_report_dashboard_api_cli_and_summary_agree(county):
    # every state of the chain is there for every programme
    for code in ("NUT_MONTHLY", "MCH_MONTHLY", "PH_QUARTERLY"):
        states = set(Report.objects.filter(dataset=code).values_list("state", flat=True))
        assert states == {State.OPEN, State.SUBMITTED, State.RETURNED, State.APPROVED}, code
    units = _units(county)
    villages = list(OrgUnit.objects.filter(level=Level.VILLAGE, parent__parent=county))
    bureau = User.objects.filter(role="county_bureau").first() or User.objects.get(username="wjj")
    client = APIClient()
    client.force_authenticate(bureau)
    checked = 0
    for period_code in PERIODS:
        period = parse_period(period_code)
        for official in (True, False):
            dashboard = compute(county, units + villages, period, official=official)
            for unit in units:
                figures = "official" if official else "working"
                response = client.get(
                    "/api/indicators/", {"unit": unit.code, "period": period_code, "figures": figures}
                )
                api = {row["code"]: row for row in response.json()["indicators"]}
                for code in all_indicators():
                    value = dashboard[(unit.pk, code)]
                    assert api[code]["value"] == value.value, (unit.code, period_code, code, official)
                    assert api[code]["numerator"] == (None if value.numerator is None else float(value.numerator))
                    checked += 1
        # the CLI prints the same dict as the API
        out = io.StringIO()
        call_command(
            "indicators",
            "--unit",
            county.code,
            "--period",
            period_code,
            "--user",
            bureau.username,
            "--json",
            stdout=out,
        )
        cli = {row["code"]: row["value"] for row in json.loads(out.getvalue())["indicators"]}
        official_values = compute(county, [county], period)
        assert cli == {code: official_values[(county.pk, code)].value for code in all_indicators()}
    assert checked > 1000


def test_each_report_gives_the_dashboards_figure_for_its_unit_and_period(county):
    """An approved report's values give the official figure; an open one's the working figure."""
    compared = 0
    for report in Report.objects.filter(county=county).select_related("unit").order_by("dataset", "period"):
        if report.unit.level not in (Level.TOWNSHIP, Level.COUNTY):
            continue
        ds = dataset(report.dataset)
        cells = {code: cell.value for code, cell in current_cells(ds, report).items() if cell.value is not None}
        official = report.state == State.APPROVED
        if not official and report.state != State.OPEN:
            continue
        codes = [c for c, ind in all_indicators().items() if ind.dataset == ds.code]
        values = compute(
            county, [report.unit], parse_period(report.period), official=official, codes=codes, with_last_year=False
        )
        for code in codes:
            ind = all_indicators()[code]
            from_report = indicator_value(ind, *_evaluate(ind, cells))
            assert values[(report.unit.pk, code)].value == from_report, (report.unit.code, report.period, code)
            compared += 1
    assert compared > 200


def test_the_summary_writes_the_dashboards_figures(county):
    period = parse_period("2025")
    draft = write(county, period)
    values = compute(county, [county], period)
    written = 0
    for key, text in draft.figures.items():
        code, _, what = key.partition(".")
        if code in all_indicators() and what == "value":
            value = values[(county.pk, code)]
            assert text in (value.display, f"{value.value:.2f}{value.indicator.unit_label}", f"{value.value:.0f}"), key
            written += 1
    assert written >= 20
    assert "妇幼健康工作：" in draft.sections["results"] and "基本公共卫生服务工作：" in draft.sections["results"]


def test_the_database_sums_equal_the_recursive_definition(county):
    """Dashboards read official figures summed by the database (``official_sums``); they must equal the
    recursive definition of ``unit_values`` for every unit, report period and element."""
    from jiceng.reporting.aggregate import official_sums, unit_values
    from jiceng.reporting.packs import all_datasets

    units = [*_units(county), *OrgUnit.objects.filter(level=Level.VILLAGE, parent__parent=county)]
    compared = 0
    for ds in all_datasets().values():
        periods = sorted(set(Report.objects.filter(dataset=ds.code).values_list("period", flat=True)))
        fast = official_sums(ds, units, periods)
        slow = unit_values(ds, units, periods, official=True)
        sum_codes = {e.code for e in ds.elements if e.aggregation == "sum"}
        for unit in units:
            for period in periods:
                expected = {
                    code: cell.value
                    for code, cell in slow.get((unit.pk, period), {}).items()
                    if code in sum_codes and cell.value is not None
                }
                assert fast.get((unit.pk, period), {}) == expected, (ds.code, unit.code, period)
                compared += len(expected)
    assert compared > 5000


def test_the_summary_counts_every_forms_timeliness(county):
    township = OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code").first()
    practice = write(township, parse_period("2025")).sections["practice"]
    assert (
        "村级营养包月报应报" in practice
        and "乡镇妇幼月报应报12份" in practice
        and "乡镇基本公卫季报应报4份" in practice
    )
    county_practice = write(county, parse_period("2025")).sections["practice"]
    assert "乡镇妇幼月报应报36份" in county_practice  # 3 townships × 12 months
