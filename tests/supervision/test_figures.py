"""Supervision figures through the indicator machinery (issue 14, build 4): the same values on the
dashboard, in the CLI and the API, summed upward from the records, never averaged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from jiceng.indicators.compute import compute
from jiceng.periods import parse_period
from jiceng.reporting.models import Report
from jiceng.reporting.packs import PackError, all_datasets, load_dataset_file
from jiceng.supervision import actions
from jiceng.supervision.models import Finding
from tests.supervision.conftest import inspect, record_data, today

CODES = [
    "SUP_COVERAGE",
    "SUP_FINDINGS",
    "SUP_RECTIFIED",
    "SUP_ON_TIME",
    "SUP_OVERDUE",
    "SUP_CASES",
    "SUP_CASES_CLOSED",
    "SUP_PENALTY",
]


def values(unit, units, period):
    found = compute(unit, units, parse_period(period), codes=CODES, with_last_year=False)
    return {(u.code, code): found[(u.pk, code)].value for u in units for code in CODES}


@pytest.fixture
def loop(tree):
    """Two inspections in town A (one village twice), one in town B by the county; findings in every state."""
    rec = inspect(tree)  # 大寨村: B2, B3
    b2, b3 = rec.findings.order_by("item_code")
    actions.issue_notice([b2.pk, b3.pk], deadline=today() + dt.timedelta(days=10), acting_user=tree.township_reviewer)
    actions.reply(b2, text="已整改", acting_user=tree.village_doctor)
    actions.recheck(b2, passed=True, acting_user=tree.township_reviewer)  # closed on time
    actions.escalate(b3, kind="penalty", amount="300", note="拒不整改", acting_user=tree.township_reviewer)
    inspect(tree, unmet=())  # 大寨村 again, nothing found
    other = actions.record_inspection(record_data(unmet=("A1",)), unit=tree.village_b1, acting_user=tree.county_mch)
    a1 = other.findings.get()
    actions.issue_notice([a1.pk], deadline=today(), acting_user=tree.county_mch)
    Finding.objects.filter(pk=a1.pk).update(deadline=today() - dt.timedelta(days=1))  # now overdue
    actions.escalate(a1, kind="case", note="逾期未整改", acting_user=tree.county_bureau)
    return tree


def test_the_county_figures_are_sums_of_the_villages(loop):
    tree = loop
    month = today().strftime("%Y-%m")
    units = [tree.county, tree.town_a, tree.town_b, tree.village_a1]
    got = values(tree.county, units, month)
    assert got[("522799", "SUP_COVERAGE")] == 50.0  # 2 of 4 village clinics inspected this year
    assert got[("522799100", "SUP_COVERAGE")] == 50.0 and got[("522799100201", "SUP_COVERAGE")] == 100.0
    assert got[("522799", "SUP_FINDINGS")] == 3
    assert got[("522799", "SUP_RECTIFIED")] == pytest.approx(33.33)  # 1 closed of 3, not an average of 50% and 0%
    assert got[("522799100", "SUP_RECTIFIED")] == 50.0 and got[("522799101", "SUP_RECTIFIED")] == 0.0
    assert got[("522799", "SUP_OVERDUE")] == 1 and got[("522799101", "SUP_OVERDUE")] == 1
    assert got[("522799", "SUP_CASES")] == 1 and got[("522799", "SUP_CASES_CLOSED")] == 0.0
    assert got[("522799", "SUP_PENALTY")] == 300.0
    actions.close_case(Finding.objects.get(escalation="case"), outcome="警告", acting_user=tree.county_bureau)
    assert values(tree.county, [tree.county], str(today().year))[("522799", "SUP_CASES_CLOSED")] == 100.0


def test_a_withdrawn_record_counts_nowhere(loop):
    tree = loop
    rec = inspect(tree, unmet=("A1",))
    before = values(tree.town_a, [tree.town_a], today().strftime("%Y-%m"))[("522799100", "SUP_FINDINGS")]
    actions.withdraw_record(rec, reason="重复录入", acting_user=tree.township_reviewer)
    after = values(tree.town_a, [tree.town_a], today().strftime("%Y-%m"))[("522799100", "SUP_FINDINGS")]
    assert (before, after) == (3, 2)


def test_the_figures_form_has_no_reports_and_is_no_form(loop, client):
    assert "SUP_FIGURES" not in all_datasets()
    assert not Report.objects.filter(dataset="SUP_FIGURES").exists()
    client.force_login(loop.village_doctor)
    assert client.get(f"/reports/SUP_FIGURES/{loop.village_a1.code}/{today():%Y-%m}/").status_code == 404


def test_cli_and_api_give_the_dashboard_figures(loop, client, capsys):
    tree = loop
    call_command("indicators", unit="522799", period=str(today().year), user="wjj", json=True, programme="supervision")
    data = json.loads(capsys.readouterr().out)
    flat = json.dumps(data, ensure_ascii=False)
    assert "SUP_RECTIFIED" in flat and "33.33" in flat
    client.force_login(tree.county_bureau)
    api = client.get(f"/api/indicators/?unit=522799&period={today().year}&programme=supervision").json()
    assert "33.33" in json.dumps(api, ensure_ascii=False)
    page = client.get(f"/indicators/522799/?programme=supervision&period={today().year}&indicator=SUP_RECTIFIED")
    assert page.status_code == 200 and "整改率" in page.content.decode() and "33.33%" in page.content.decode()


def test_a_figures_only_data_set_needs_a_source_for_every_element(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text(
        "dataset:\n  code: X\n  name: x\n  reported: false\n  deadlines: {village: 1, township: 1}\n"
        "elements:\n  - {code: A, name: a}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match="reported: false 的数据集没有报表可填，数据元 A 需要 source"):
        load_dataset_file(path, "x")
