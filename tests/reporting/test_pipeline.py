"""Every programme on one pipeline: the data set as the axis, one aggregation, the 妇幼 monthly and 基本公卫
quarterly forms filled, reviewed and analysed, overrides of sums with a reason, imports in another system's
layout, and a throwaway pack driven end to end."""

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import Workbook
from rest_framework.test import APIClient

from jiceng.accounts.access import AccessDenied
from jiceng.audit.models import AuditEntry
from jiceng.indicators.compute import compute
from jiceng.periods import parse_period
from jiceng.reporting import actions, queries
from jiceng.reporting.aggregate import report_periods, unit_values
from jiceng.reporting.layout_import import all_layouts, import_layout
from jiceng.reporting.models import Report, State
from jiceng.reporting.packs import PackError, add_packs_dir, all_packs, dataset, load_packs, remove_packs_dir
from jiceng.reporting.serialize import report_dict
from jiceng.reporting.values import current_cells
from tests.reporting.conftest import PERIOD, REPORT_DAY

NUT, MCH, PH = dataset("NUT_MONTHLY"), dataset("MCH_MONTHLY"), dataset("PH_QUARTERLY")
SEED_MCH = {"M01": 272, "M15": 272, "M02": 257, "M03": 268, "M04": 2, "M08": 140, "M09": 132}
# seed 004: 建档33480人 93%; 0–6岁 2362人 86.33%; 高血压 1807人 57.22%; 肺结核 155人 98.73%;
# 中医药 65岁+ 2033人 48.94%; 0–36个月 1176人 82.3%
SEED_PH = {
    "P01": 36000,
    "P02": 33480,
    "P03": 2736,
    "P04": 2362,
    "P07": 3158,
    "P08": 1807,
    "P13": 157,
    "P14": 155,
    "P05": 4154,
    "P17": 2033,
    "P18": 1429,
    "P19": 1176,
}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def typed_village(tree, village, values, submitter):
    village.keeps_registers = False
    village.save()
    report = actions.get_report("NUT_MONTHLY", village, PERIOD)
    actions.set_values(report, values, acting_user=tree.township_officer)
    actions.submit_report(report, acting_user=submitter, today=REPORT_DAY, warning_notes={"V14": "已核实"})
    actions.approve_report(report, acting_user=tree.township_reviewer)
    return report


def indicator(unit, code, period=PERIOD, *, official=True, root=None):
    return compute(root or unit, [unit], parse_period(period), official=official, codes=[code])[(unit.pk, code)]


def test_a_summed_value_is_not_typed_over_silently_and_report_and_dashboard_agree(tree, client):
    """The issue's case: two villages report N04 = 2 each; the township types 99 over the sum."""
    figures = {"N01": "2", "N04": "2", "N05": "60", "N18": "60"}
    typed_village(tree, tree.village_a1, figures, tree.township_officer)
    typed_village(tree, tree.village_a2, figures, tree.township_officer)
    township = actions.get_report("NUT_MONTHLY", tree.town_a, PERIOD)
    assert current_cells(NUT, township)["N04"].value == 4
    with pytest.raises(ValidationError, match="修改下级汇总的数值（4 → 99）须说明原因"):
        actions.set_values(township, {"N04": "99"}, acting_user=tree.township_officer)
    assert current_cells(NUT, township)["N04"].value == 4  # nothing changed
    actions.set_values(township, {"N04": "99"}, reason="一村漏报补录", acting_user=tree.township_officer)
    cell = current_cells(NUT, township)["N04"]
    assert cell.overridden and (cell.value, cell.computed, cell.difference) == (99, 4, 95)
    assert AuditEntry.objects.filter(action="report.override", object_id=str(township.pk)).exists()
    # working figures: the dashboard uses the override as the report does; official ones wait for approval
    assert indicator(tree.town_a, "NUT_CHILDREN_COLLECTED", official=False).numerator == 99
    assert indicator(tree.town_a, "NUT_CHILDREN_COLLECTED").numerator == 4
    actions.submit_report(
        township, acting_user=tree.township_reviewer, today=REPORT_DAY, warning_notes={"V01": "补录", "V14": "核实"}
    )
    actions.approve_report(township, acting_user=tree.county_mch)
    for unit in (tree.town_a, tree.county):  # the county sums its townships' accepted reports
        assert indicator(unit, "NUT_CHILDREN_COLLECTED", root=tree.county).numerator == 99
    # the report page and the API show the override beside the sum with the difference and the reason
    client.force_login(tree.county_mch)
    html = client.get(f"/reports/NUT_MONTHLY/{tree.town_a.code}/{PERIOD}/").content.decode()
    assert "下级汇总 4（差 95）" in html and "一村漏报补录" in html
    n04 = next(v for v in report_dict(township)["values"] if v["code"] == "N04")
    assert (n04["value"], n04["computed"], n04["computed_from"], n04["reason"]) == (99, 4, "下级汇总", "一村漏报补录")
    table = api(tree.county_bureau).get("/api/indicators/", {"unit": tree.town_a.code, "period": PERIOD}).json()
    api_value = next(i for i in table["indicators"] if i["code"] == "NUT_CHILDREN_COLLECTED")
    assert api_value["numerator"] == 99


def test_a_failed_save_keeps_what_was_typed(tree, client):
    report = actions.get_report("NUT_MONTHLY", tree.town_a, PERIOD)
    client.force_login(tree.township_officer)
    url = f"/reports/NUT_MONTHLY/{tree.town_a.code}/{PERIOD}/"
    response = client.post(url + "action/", {"action": "save", "version": report.version, "v_N04": "1080"}, follow=True)
    html = response.content.decode()
    assert "须说明原因" in html and 'value="1080"' in html  # the typed number comes back, not the sum


def test_the_mch_form_on_the_page_and_its_indicators(tree, client):
    client.force_login(tree.township_officer)
    page = client.get(f"/reports/?dataset=MCH_MONTHLY&period={PERIOD}")
    assert page.status_code == 302  # a township fills the form itself: straight to its report
    url = f"/reports/MCH_MONTHLY/{tree.town_a.code}/{PERIOD}/"
    html = client.get(url).content.decode()
    assert "妇幼卫生月报表" in html and "孕产妇系统管理人数" in html and "截止 2026年11月5日" in html
    report = Report.objects.get(dataset="MCH_MONTHLY", unit=tree.town_a, period=PERIOD)
    posted = {f"v_{k}": str(v) for k, v in SEED_MCH.items()}
    client.post(url + "action/", {"action": "save", "version": report.version, **posted})
    report.refresh_from_db()
    page = client.get(url).content.decode()
    assert "由本院审核人审核无误后上报" in page and 'value="submit"' not in page  # the officer fills, not submits
    client.force_login(tree.township_reviewer)
    assert "妇幼月报待审核上报" in client.get("/").content.decode()
    client.post(url + "action/", {"action": "submit", "version": report.version})
    report.refresh_from_db()
    assert report.state == State.SUBMITTED and report.submitted_by == tree.township_reviewer
    client.force_login(tree.county_mch)
    client.post(url + "action/", {"action": "approve", "version": report.version})
    report.refresh_from_db()
    assert report.state == State.APPROVED
    county = compute(tree.county, [tree.county], parse_period(PERIOD), codes=None)
    assert county[(tree.county.pk, "MCH_SYSTEM_MANAGEMENT")].display == "94.48%"  # 257/272, truncated
    assert county[(tree.county.pk, "MCH_HOSPITAL_DELIVERY")].display == "98.52%"  # 268/272
    assert county[(tree.county.pk, "MCH_INFANT_MORTALITY")].display == "7.35‰"  # 2/272
    assert (
        county[(tree.county.pk, "MCH_SYSTEM_MANAGEMENT")].numerator,
        county[(tree.county.pk, "MCH_SYSTEM_MANAGEMENT")].denominator,
    ) == (257, 272)


def test_a_unit_that_does_not_report_a_form_is_refused_everywhere(tree, client):
    with pytest.raises(ValidationError, match="大寨村卫生室不填报妇幼卫生月报表"):
        actions.get_report("MCH_MONTHLY", tree.village_a1, PERIOD)
    response = api(tree.township_officer).post(
        f"/api/reports/MCH_MONTHLY/{tree.village_a1.code}/{PERIOD}/values",
        {"values": {"M01": 3}, "version": 0},
        format="json",
    )
    assert response.status_code == 400 and "不填报" in json.dumps(response.json(), ensure_ascii=False)
    client.force_login(tree.township_officer)
    assert client.get(f"/reports/MCH_MONTHLY/{tree.village_a1.code}/{PERIOD}/").status_code == 404
    assert client.get(f"/reports/NOPE/{tree.town_a.code}/{PERIOD}/").status_code == 404
    response = api(tree.township_officer).get("/api/reports/", {"dataset": "NOPE"})
    assert response.status_code == 400 and "没有代码为“NOPE”的报表" in json.dumps(response.json(), ensure_ascii=False)


def test_periods_must_be_of_the_forms_kind(tree):
    with pytest.raises(ValidationError, match="季报，报告期应为季度"):
        actions.get_report("PH_QUARTERLY", tree.town_a, "2026-03")
    with pytest.raises(ValidationError, match="月报，报告期应为月份"):
        actions.get_report("MCH_MONTHLY", tree.town_a, "2026Q1")
    with pytest.raises(ValidationError, match="尚未开始"):
        actions.get_report("PH_QUARTERLY", tree.town_a, "2099Q1")
    response = api(tree.township_officer).get(f"/api/reports/PH_QUARTERLY/{tree.town_a.code}/2026-03/")
    assert response.status_code == 400 and "季度" in json.dumps(response.json(), ensure_ascii=False)
    # quarterly deadlines are days of the month after the quarter, like monthly ones
    assert queries.deadline(PH, "township", parse_period("2026Q1")).date() == dt.date(2026, 4, 10)
    assert queries.reporting_period(PH, dt.date(2026, 11, 29)).code == "2026Q3"
    assert queries.reporting_period(PH, dt.date(2026, 10, 1)).code == "2026Q3"
    assert report_periods(PH, parse_period("2026")) == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]
    assert report_periods(PH, parse_period("2026-03")) == []


def _ph(tree, period, values, *, approve=True):
    report = actions.get_report("PH_QUARTERLY", tree.town_a, period)
    actions.set_values(report, values, acting_user=tree.township_officer)
    if approve:
        actions.submit_report(report, acting_user=tree.township_reviewer, today=parse_period(period).end)
        actions.approve_report(report, acting_user=tree.county_mch)
    return report


def test_public_health_quarterly_seed_rates_and_positions_are_not_summed_over_a_year(tree):
    _ph(tree, "2026Q1", {**SEED_PH, "P02": 30000})
    _ph(tree, "2026Q2", SEED_PH)
    q2 = compute(tree.county, [tree.town_a], parse_period("2026Q2"))
    shown = {code: value.display for (_unit, code), value in q2.items()}
    assert shown["PH_HEALTH_RECORDS"] == "93.00%"
    assert shown["PH_CHILDREN_MANAGEMENT"] == "86.33%"
    assert shown["PH_HYPERTENSION_MANAGEMENT"] == "57.22%"
    assert shown["PH_TUBERCULOSIS_MANAGEMENT"] == "98.73%"
    assert shown["PH_TCM_ELDERLY"] == "48.94%"
    assert shown["PH_TCM_CHILDREN"] == "82.30%"
    # the first half year takes the latest quarter's position (33480/36000), not the sum of two quarters
    half = compute(tree.county, [tree.county], parse_period("2026H1"), codes=["PH_HEALTH_RECORDS"])
    value = half[(tree.county.pk, "PH_HEALTH_RECORDS")]
    assert (value.numerator, value.denominator, value.display) == (33480, 36000, "93.00%")


def test_every_page_api_and_cli_takes_the_data_set(tree, client, capsys):
    _ph(tree, "2026Q2", SEED_PH, approve=False)
    out = io.StringIO()
    call_command(
        "report",
        "show",
        "--dataset",
        "PH_QUARTERLY",
        "--unit",
        tree.town_a.code,
        "--period",
        "2026Q2",
        "--user",
        "xz_officer",
        "--json",
        stdout=out,
    )
    shown = json.loads(out.getvalue())
    assert shown["dataset"] == "PH_QUARTERLY" and shown["period_label"] == "2026年第二季度"
    assert next(v for v in shown["values"] if v["code"] == "P02")["value"] == 33480
    out = io.StringIO()
    call_command("report", "status", "--dataset", "PH_QUARTERLY", "--period", "2026Q2", "--user", "fybj", stdout=out)
    assert "基本公共卫生服务项目季报表" in out.getvalue() and "上坝乡" in out.getvalue()
    out = io.StringIO()
    call_command(
        "indicators",
        "--unit",
        tree.town_a.code,
        "--period",
        "2026Q2",
        "--user",
        "xz_officer",
        "--working",
        "--dataset",
        "PH_QUARTERLY",
        "--json",
        stdout=out,
    )
    codes = {row["code"]: row for row in json.loads(out.getvalue())["indicators"]}
    assert (
        set(codes) == set(all_packs()["public_health"].indicators) and codes["PH_HEALTH_RECORDS"]["display"] == "93.00%"
    )
    statuses = api(tree.county_mch).get("/api/reports/", {"dataset": "PH_QUARTERLY", "period": "2026Q2"}).json()
    assert statuses["dataset"] == "PH_QUARTERLY" and [u["code"] for u in statuses["units"]] == [
        tree.town_a.code,
        tree.town_b.code,
    ]
    datasets = {d["code"] for d in api(tree.village_doctor).get("/api/reports/datasets/").json()}
    assert {"NUT_MONTHLY", "MCH_MONTHLY", "PH_QUARTERLY"} <= datasets
    # the to-do list names every form the unit reports
    client.force_login(tree.township_officer)
    home = client.get("/").content.decode()
    assert "妇幼月报" in home and "基本公卫季报" in home


def _sheet(header, rows) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_public_health_table_is_imported_from_the_national_systems_layout(tree):
    layout = all_layouts()["PH_NATIONAL_QUARTERLY"]
    header = ["机构代码", "机构名称", "统计期", *layout.columns]
    columns = list(layout.columns.values())
    row = lambda code, name: [code, name, "2026年第二季度", *[SEED_PH.get(c, 0) for c in columns]]  # noqa: E731
    good = _sheet(header, [row(tree.town_a.code, "上坝乡卫生院")])
    result = import_layout(tree.township_officer, layout, good)
    assert result.ok, [str(e.message) for e in result.errors]
    assert result.rows == 1 and len(result.reports) == 1
    values = unit_values(PH, [tree.county], ["2026Q2"], official=False)[(tree.county.pk, "2026Q2")]
    assert values["P02"].value == 33480 and values["P04"].value == 2362
    assert AuditEntry.objects.filter(action="report.import").count() == 1
    # the county reviews what was imported like any other report
    report = result.reports[0]
    actions.submit_report(report, acting_user=tree.township_reviewer, today=REPORT_DAY)
    actions.approve_report(report, acting_user=tree.county_mch)
    assert indicator(tree.county, "PH_CHILDREN_MANAGEMENT", "2026Q2").display == "86.33%"


def test_a_table_that_does_not_match_the_layout_saves_nothing(tree):
    layout = all_layouts()["PH_NATIONAL_QUARTERLY"]
    header = ["机构代码", "机构名称", "统计期", *[c for c in layout.columns if c != "电子健康档案建档人数"], "建档数"]
    bad_columns = _sheet(header, [[tree.town_a.code, "上坝乡卫生院", "2026Q2", *[1] * (len(header) - 3)]])
    result = import_layout(tree.township_officer, layout, bad_columns)
    assert (
        not result.ok
        and "表头缺少以下列" in result.errors[0].message
        and "电子健康档案建档人数" in result.errors[0].message
    )
    full = ["机构代码", "机构名称", "统计期", *layout.columns]
    filler = [10] * len(layout.columns)
    rows = [
        [tree.town_a.code, "上坝乡卫生院", "2026-05", *filler],  # a month for a quarterly form
        [tree.village_a1.code, "大寨村", "2026Q2", *filler],  # a village does not report it
        ["999999999", "无此单位", "2026Q2", *filler],
        [tree.town_a.code, "龙井镇卫生院", "2026Q2", *filler],  # the name does not match the code
        [tree.town_a.code, "上坝乡卫生院", "2026Q2", -3, *filler[1:]],
    ]
    result = import_layout(tree.township_officer, layout, _sheet(full, rows))
    messages = [e.message for e in result.errors]
    assert any("不是季度" in m for m in messages)
    assert any("不填报基本公共卫生服务项目季报表" in m for m in messages)
    assert any("不存在或不在您的管辖范围内" in m for m in messages)
    assert any("与名称" in m for m in messages)
    assert any("不能为负数" in m for m in messages)
    assert not Report.objects.filter(dataset="PH_QUARTERLY").exclude(values=None).exists()
    garbage = import_layout(tree.township_officer, layout, b"PK\x03\x04 not a workbook")
    assert "无法读取该文件" in garbage.errors[0].message


THROWAWAY = {
    "programme.yaml": """programme:
  name: 计划生育家庭奖励扶助
  short_name: 奖扶
  order: 90
  summary: {heading: 计划生育奖扶工作, indicators: [FP_PAID_RATE], counts: [FP_PAID]}
  parameters: {source: "tests.reporting.throwaway_parameters:quota", names: [monthly_quota]}
""",
    "form.yaml": """dataset:
  code: FP_MONTHLY
  name: 奖励扶助兑现月报表
  short_name: 奖扶月报
  period_type: monthly
  reporting_level: township
  filled_by: [township_hc]
  deadlines: {township: 6}
elements:
  - {code: F01, name: 应兑现人数}
  - {code: F02, name: 已兑现人数}
validation_rules:
  - {code: FV1, left: F02, operator: "<=", right: F01, severity: error, message: 已兑现人数不能多于应兑现人数}
  - {code: FV2, left: F01, operator: "<=", right: monthly_quota, severity: warning, message: 应兑现人数超过每月名额}
""",
    "indicators.yaml": """indicators:
  - {code: FP_PAID_RATE, name: 奖扶兑现率, dataset: FP_MONTHLY, numerator: F02, denominator: F01}
  - {code: FP_PAID, name: 已兑现人数, dataset: FP_MONTHLY, numerator: F02, denominator: "1", factor: 1, decimals: 0, unit: 人}
""",
}


@pytest.fixture
def throwaway_pack(tmp_path):
    folder = tmp_path / "family_planning"
    folder.mkdir()
    for name, text in THROWAWAY.items():
        (folder / name).write_text(text, encoding="utf-8")
    add_packs_dir(tmp_path)
    yield folder
    remove_packs_dir(tmp_path)


def test_a_new_programme_is_a_pack_folder(tree, throwaway_pack, client):
    from jiceng.summaries.writer import write

    form = dataset("FP_MONTHLY")
    assert form.programme == "family_planning" and form.is_reported_by(tree.town_a)
    report = actions.get_report("FP_MONTHLY", tree.town_a, PERIOD)
    actions.set_values(report, {"F01": "40", "F02": "41"}, acting_user=tree.township_officer)
    with pytest.raises(AccessDenied, match="须由本院审核人审核后上报"):
        actions.submit_report(report, acting_user=tree.township_officer, today=REPORT_DAY)
    with pytest.raises(ValidationError, match="已兑现人数不能多于应兑现人数"):
        actions.submit_report(report, acting_user=tree.township_reviewer, today=REPORT_DAY)
    actions.set_values(report, {"F02": "38"}, acting_user=tree.township_officer)
    # the rule names a dated parameter: 40 is within September's quota of 50, above October's 30
    september = actions.get_report("FP_MONTHLY", tree.town_a, "2026-09")
    actions.set_values(september, {"F01": "40", "F02": "40"}, acting_user=tree.township_officer)
    actions.submit_report(september, acting_user=tree.township_reviewer, today=REPORT_DAY)
    with pytest.raises(ValidationError, match="应兑现人数超过每月名额"):
        actions.submit_report(report, acting_user=tree.township_reviewer, today=REPORT_DAY)
    actions.submit_report(report, acting_user=tree.township_reviewer, today=REPORT_DAY, warning_notes={"FV2": "补发"})
    actions.approve_report(report, acting_user=tree.county_mch)
    rate = indicator(tree.county, "FP_PAID_RATE")
    assert (rate.numerator, rate.denominator, rate.display) == (38, 40, "95.00%")
    draft = write(tree.county, parse_period(PERIOD))
    assert "计划生育奖扶工作：已兑现人数38人；奖扶兑现率为95.00%" in draft.sections["results"]
    client.force_login(tree.county_mch)
    assert "奖扶月报" in client.get("/reports/?dataset=FP_MONTHLY").content.decode()
    dashboard = client.get(f"/indicators/{tree.county.code}/?programme=family_planning&period={PERIOD}")
    assert dashboard.status_code == 200 and "奖扶兑现率" in dashboard.content.decode()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {
                "f.yaml": "dataset: {code: X, name: 甲, period_type: weekly, deadlines: {village: 1, township: 2}}\nelements: []\n"
            },
            "period_type 只能是",
        ),
        (
            {
                "f.yaml": "dataset: {code: X, name: 甲, filled_by: [hospital], deadlines: {village: 1, township: 2}}\nelements: []\n"
            },
            "filled_by 只能是",
        ),
        (
            {
                "f.yaml": "dataset: {code: X, name: 甲, deadlines: {village: 1, township: 2}}\nelements:\n  - {code: A, name: 甲, source: registers.a}\n"
            },
            "figure_sources 中声明",
        ),
        (
            {
                "f.yaml": "dataset: {code: X, name: 甲, deadlines: {village: 1, township: 2}}\nelements:\n  - {code: A, name: 甲}\n",
                "l.yaml": "import_layouts:\n  - {code: L, name: 表, dataset: X, unit_column: 代码, columns: {甲列: B}}\n",
            },
            "l.yaml 第2行：列“甲列”对应的数据元 B 不在数据集 X 中",
        ),
        (
            {"p.yaml": "programme: {name: 甲, summary: {heading: 甲, indicators: [NOPE]}}\n"},
            "summary 引用了未定义的指标 NOPE",
        ),
        (
            {
                "f.yaml": "dataset: {code: X, name: 甲, deadlines: {village: 1, township: 2}}\nelements:\n  - {code: A, name: 甲}\n"
                "validation_rules:\n  - {code: R, left: A, right: A * packs_per_week, severity: error, message: 甲}\n"
            },
            "f.yaml 第5行：表达式“A \\* packs_per_week”引用了未定义的数据元或参数 packs_per_week",
        ),
        (
            {
                "p.yaml": "programme:\n  name: 甲\n  parameters: {source: 'jiceng.nutrition.rules.parameters:parameter', names: [no_such]}\n"
            },
            "p.yaml 第3行：参数 no_such 不存在",
        ),
    ],
)
def test_a_bad_pack_is_refused_at_load_with_file_and_line(tmp_path, files, message):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(PackError, match=message):
        load_packs(tmp_path)


def test_a_units_page_lists_the_forms_it_reports(tree, client):
    client.force_login(tree.county_mch)
    township = client.get(f"/units/{tree.town_a.code}/").content.decode()
    assert (
        "妇幼卫生月报表" in township
        and "基本公共卫生服务项目季报表" in township
        and "儿童营养改善项目月报表" in township
    )
    assert f"/reports/PH_QUARTERLY/{tree.town_a.code}/" in township
    village = client.get(f"/units/{tree.village_a1.code}/").content.decode()
    assert "儿童营养改善项目月报表" in village and "妇幼卫生月报表" not in village


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1e20", "数值过大"),
        ("1000000000000", "数值过大"),
        ("1.234", "最多两位小数"),
        ("NaN", "不是数字"),
        ("12\x00", "不是数字"),
        ("-1", "不能为负数"),
    ],
)
def test_a_value_either_database_would_refuse_is_refused_first(tree, raw, message):
    report = actions.get_report("MCH_MONTHLY", tree.town_a, PERIOD)
    with pytest.raises(ValidationError, match=message):
        actions.set_values(report, {"M01": raw}, acting_user=tree.township_officer)
    response = api(tree.township_officer).post(
        f"/api/reports/MCH_MONTHLY/{tree.town_a.code}/{PERIOD}/values",
        {"values": {"M01": raw}, "version": Report.objects.get(pk=report.pk).version},
        format="json",
    )
    assert response.status_code == 400 and message in json.dumps(response.json(), ensure_ascii=False)
    assert not report.values.exists()


def test_a_returned_typed_form_keeps_what_was_typed(tree):
    report = actions.get_report("MCH_MONTHLY", tree.town_a, PERIOD)
    actions.set_values(report, SEED_MCH, acting_user=tree.township_officer)
    actions.submit_report(report, acting_user=tree.township_reviewer, today=REPORT_DAY)
    actions.return_report(report, reason="高危人数请核实", acting_user=tree.county_mch)
    report.refresh_from_db()
    assert report.state == State.RETURNED
    assert current_cells(MCH, report)["M02"].value == 257  # reopened, not emptied
    # values frozen as "computed" (as an older import stored them) are still the unit's typed values
    report.values.update(origin="computed")
    assert current_cells(MCH, report)["M01"].value == 272
    assert indicator(tree.town_a, "MCH_SYSTEM_MANAGEMENT", official=False).display == "94.48%"


def test_a_quarterly_form_exported_filled_and_imported_in_its_paper_layout(tree):
    from openpyxl import load_workbook

    from jiceng.reporting.export import render_report_xlsx
    from jiceng.reporting.typed_import import import_typed_report

    report = actions.get_report("PH_QUARTERLY", tree.town_a, "2026Q2")
    blank = render_report_xlsx(report, acting_user=tree.township_officer)
    assert blank.filename == f"{tree.town_a.name}_2026Q2_基本公卫季报表.xlsx"
    book = load_workbook(io.BytesIO(blank.content))
    sheet = book.active
    assert sheet.title == "季报表" and "2026年第二季度" in sheet["A1"].value
    for row in sheet.iter_rows(min_row=4):
        if row[1].value in SEED_PH:
            row[3].value = SEED_PH[row[1].value]
    out = io.BytesIO()
    book.save(out)
    result = import_typed_report(
        tree.township_officer, tree.town_a, "2026Q2", out.getvalue(), dataset_code="PH_QUARTERLY"
    )
    assert result.ok, [e.message for e in result.errors]
    assert current_cells(PH, report)["P02"].value == 33480
    wrong = import_typed_report(
        tree.township_officer, tree.town_a, "2026Q1", out.getvalue(), dataset_code="PH_QUARTERLY"
    )
    assert any("不是 2026Q1 的" in e.message for e in wrong.errors)  # the file says 2026Q2


def test_a_report_marked_missing_can_still_be_filled_and_submitted_late(tree):
    village = tree.village_a2
    village.keeps_registers = False
    village.save()
    report = actions.get_report("NUT_MONTHLY", village, PERIOD)
    actions.mark_missing(report, reason="村医外出培训", acting_user=tree.township_reviewer)
    actions.set_values(report, {"N01": "6", "N04": "5", "N05": "150", "N18": "150"}, acting_user=tree.township_officer)
    report.refresh_from_db()
    assert current_cells(NUT, report)["N04"].value == 5  # its own page shows what was typed
    working = unit_values(NUT, [tree.town_a], [PERIOD], official=False)[(tree.town_a.pk, PERIOD)]
    assert "N04" not in working or working["N04"].value != 5  # while 缺报, the township's sum leaves it out
    actions.submit_report(report, acting_user=tree.township_officer, today=REPORT_DAY, warning_notes={"V14": "核实"})
    report.refresh_from_db()
    assert not report.missing and report.values.get(element="N04").value == 5
    actions.approve_report(report, acting_user=tree.township_reviewer)
    assert unit_values(NUT, [tree.town_a], [PERIOD], official=True)[(tree.town_a.pk, PERIOD)]["N04"].value == 5


def test_pressing_submit_saves_what_was_typed_first(tree, client):
    report = actions.get_report("MCH_MONTHLY", tree.town_a, PERIOD)
    client.force_login(tree.township_officer)
    url = f"/reports/MCH_MONTHLY/{tree.town_a.code}/{PERIOD}/action/"
    client.post(url, {"action": "save", "version": report.version, **{f"v_{k}": v for k, v in SEED_MCH.items()}})
    client.force_login(tree.township_reviewer)
    report.refresh_from_db()
    client.post(url, {"action": "submit", "version": report.version, "v_M02": "250"})  # the reviewer cannot fill
    report.refresh_from_db()
    assert report.state == State.SUBMITTED and report.values.get(element="M02").value == 257
    actions.return_report(report, reason="请核实", acting_user=tree.county_mch)
    client.force_login(tree.township_officer)
    report.refresh_from_db()
    response = client.post(url, {"action": "submit", "version": report.version, "v_M02": "255"}, follow=True)
    report.refresh_from_db()
    assert report.values.get(element="M02").value == 255  # typed, then submit pressed: saved, not lost
    assert "须由本院审核人审核后上报" in response.content.decode()  # the officer may not submit upward


def test_re_saving_an_unchanged_override_keeps_its_reason(tree):
    figures = {"N01": "2", "N04": "2", "N05": "60", "N18": "60"}
    typed_village(tree, tree.village_a1, figures, tree.township_officer)
    typed_village(tree, tree.village_a2, figures, tree.township_officer)
    township = actions.get_report("NUT_MONTHLY", tree.town_a, PERIOD)
    actions.set_values(township, {"N04": "99"}, reason="一村漏报补录", acting_user=tree.township_officer)
    cells = current_cells(NUT, Report.objects.get(pk=township.pk))
    posted = {code: "" if cell.value is None else str(cell.value) for code, cell in cells.items()}
    actions.set_values(township, {**posted, "N05": "121"}, reason="补1包", acting_user=tree.township_officer)
    after = current_cells(NUT, Report.objects.get(pk=township.pk))
    assert after["N04"].reason == "一村漏报补录" and after["N05"].reason == "补1包"


def test_positions_over_a_year_take_each_townships_latest_quarter(tree):
    _ph(tree, "2025Q3", {"P01": 5000, "P02": 1000})
    _ph(tree, "2025Q4", {"P01": 5000, "P02": 1100})
    from jiceng.accounts.models import Role, User

    officer_b = User.objects.create(
        username="xz_officer_b", role=Role.TOWNSHIP_OFFICER, unit=tree.town_b, full_name="龙井"
    )
    report = actions.get_report("PH_QUARTERLY", tree.town_b, "2025Q3")
    actions.set_values(report, {"P01": 5000, "P02": 2000}, acting_user=officer_b)
    value = compute(tree.county, [tree.county], parse_period("2025"), official=False, codes=["PH_HEALTH_RECORDS"])
    county = value[(tree.county.pk, "PH_HEALTH_RECORDS")]
    assert (county.numerator, county.denominator) == (3100, 10000)  # 1100 (Q4) + 2000 (town B's latest, Q3)


def test_a_village_report_is_not_approved_under_a_township_report_already_submitted(tree):
    figures = {"N01": "2", "N04": "2", "N05": "60", "N18": "60"}
    typed_village(tree, tree.village_a1, figures, tree.township_officer)
    late = actions.get_report("NUT_MONTHLY", tree.village_a2, PERIOD)
    actions.mark_missing(late, reason="未报", acting_user=tree.township_reviewer)
    township = actions.get_report("NUT_MONTHLY", tree.town_a, PERIOD)
    actions.submit_report(township, acting_user=tree.township_reviewer, today=REPORT_DAY, warning_notes={"V14": "核实"})
    tree.village_a2.keeps_registers = False
    tree.village_a2.save()
    actions.set_values(late, figures, acting_user=tree.township_officer)
    actions.submit_report(late, acting_user=tree.township_officer, today=REPORT_DAY, warning_notes={"V14": "核实"})
    with pytest.raises(ValidationError, match="须先由上级退回汇总报表，才能审核通过本报表"):
        actions.approve_report(late, acting_user=tree.township_reviewer)


def test_a_sum_over_what_a_value_may_hold_is_refused_at_submit_not_a_500(tree):
    huge = {"N01": "999999999999", "N04": "999999999999", "N05": "999999999999", "N18": "999999999999"}
    typed_village(tree, tree.village_a1, huge, tree.township_officer)
    typed_village(tree, tree.village_a2, huge, tree.township_officer)
    township = actions.get_report("NUT_MONTHLY", tree.town_a, PERIOD)
    with pytest.raises(ValidationError, match="超过 999999999999.99，无法上报"):
        actions.submit_report(
            township, acting_user=tree.township_reviewer, today=REPORT_DAY, warning_notes={"V14": "核"}
        )
    assert Report.objects.get(pk=township.pk).state == State.OPEN
