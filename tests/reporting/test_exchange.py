"""DHIS2 data exchange: dataValueSets JSON and ADX out (from the one aggregation) and in (all or nothing),
through the module, the API and the CLI."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from jiceng.accounts.models import Role, User
from jiceng.audit.models import AuditEntry
from jiceng.reporting import actions, exchange
from jiceng.reporting.aggregate import unit_values
from jiceng.reporting.models import DataValue, Report, State
from jiceng.reporting.packs import dataset
from tests.reporting.conftest import PERIOD, REPORT_DAY

MCH = dataset("MCH_MONTHLY")
SEED = {"M01": 272, "M15": 270, "M02": 257, "M03": 268, "M04": 2, "M08": 140, "M09": 132}
ADX = "{urn:ihe:qrph:adx:2015}"
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-10-01/P1M">
<dataValue dataElement="M01" value="&lol4;"/></group></adx>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE adx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-10-01/P1M">
<dataValue dataElement="M01" value="&xxe;"/></group></adx>"""


def typed_mch(tree, unit, values, *, period=PERIOD, approve=True, officer=None):
    report = actions.get_report("MCH_MONTHLY", unit, period)
    actions.set_values(report, values, acting_user=officer or tree.township_officer)
    if approve:  # the township's reviewer checks and submits upward; the county accepts
        actions.submit_report(
            report, acting_user=tree.township_reviewer, today=REPORT_DAY, warning_notes={"MV01": "核实无误"}
        )
        actions.approve_report(report, acting_user=tree.county_mch)
    return Report.objects.get(pk=report.pk)


def as_json(result: exchange.ExportResult) -> dict:
    assert result.content_type.startswith("application/json")
    return json.loads(result.content)


def adx_values(content: bytes) -> list[dict]:
    root = ET.fromstring(content)
    assert root.tag == f"{ADX}adx" and root.get("exported")
    out = []
    for group in root.findall(f"{ADX}group"):
        for item in group.findall(f"{ADX}dataValue"):
            out.append({**group.attrib, **item.attrib})
    return out


def by_key(values: list[dict]) -> dict[tuple[str, str, str], str]:
    return {(v["orgUnit"], v["period"], v["dataElement"]): v["value"] for v in values}


def payload(*values, data_set="MCH_MONTHLY") -> bytes:
    return json.dumps({"dataSet": data_set, "dataValues": list(values)}, ensure_ascii=False).encode()


def value(element="M01", unit="522799100", period="202610", number="12") -> dict:
    return {"dataElement": element, "orgUnit": unit, "period": period, "value": number}


def officer_of(unit, username="lx_officer") -> User:
    return User.objects.create(username=username, role=Role.TOWNSHIP_OFFICER, unit=unit, full_name="邻县管理员")


def mch_values(unit, period=PERIOD, *, official=False) -> dict[str, Decimal]:
    cells = unit_values(MCH, [unit], [period], official=official).get((unit.pk, period), {})
    return {code: cell.value for code, cell in cells.items() if cell.value is not None}


# ---------------------------------------------------------------- export


def test_the_seed_figures_come_out_as_dhis2_data_values(tree):
    typed_mch(tree, tree.town_a, SEED)
    result = exchange.export(tree.county_mch, MCH, tree.county, [PERIOD])
    body = as_json(result)
    assert body["dataSet"] == "MCH_MONTHLY"
    values = by_key(body["dataValues"])
    assert values[("522799100", "202610", "M02")] == "257"
    assert values[("522799100", "202610", "M01")] == "272"
    assert values[("522799", "202610", "M01")] == "272"  # the county: the sum of its one reporting township
    assert set(body["dataValues"][0]) == {"dataElement", "period", "orgUnit", "value"}
    entry = AuditEntry.objects.get(action="export.dhis2")
    assert entry.after["rows"] == len(body["dataValues"]) == result.rows == 2 * len(SEED)
    assert entry.actor == tree.county_mch and entry.unit == tree.county


def test_adx_groups_values_by_unit_and_iso_period(tree):
    typed_mch(tree, tree.town_a, SEED)
    result = exchange.export(tree.township_officer, MCH, tree.town_a, [PERIOD], fmt="adx")
    assert result.content_type.startswith("application/adx+xml")
    values = adx_values(result.content)
    assert {(v["dataSet"], v["orgUnit"], v["period"]) for v in values} == {
        ("MCH_MONTHLY", "522799100", "2026-10-01/P1M")
    }
    assert {v["dataElement"]: v["value"] for v in values} == {k: str(v) for k, v in SEED.items()}


@pytest.mark.parametrize("official", [True, False])
def test_export_is_what_the_one_aggregation_says(tree, registers, official):
    # nutrition: villages from the registers, a1 approved, a2 open; MCH: town_a typed, not approved
    report = actions.get_report("NUT_MONTHLY", tree.village_a1, PERIOD)
    actions.set_values(report, {"N05": "80"}, reason="一名儿童退回10包", acting_user=tree.village_doctor)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    actions.approve_report(report, acting_user=tree.township_reviewer)
    typed_mch(tree, tree.town_a, SEED, approve=False)
    for ds in (dataset("NUT_MONTHLY"), MCH):
        units = exchange.reporting_units(ds, tree.county)
        assert tree.town_a in units and tree.county in units
        expected = {
            (unit.code, "202610", code): cell
            for unit in units
            for code, cell in unit_values(ds, units, [PERIOD], official=official, with_own=True)
            .get((unit.pk, PERIOD), {})
            .items()
            if cell.value is not None
        }
        rows = as_json(exchange.export(tree.county_mch, ds, tree.county, [PERIOD], official=official))["dataValues"]
        got = by_key(rows)
        assert got.keys() == expected.keys()
        assert all(Decimal(got[k]) == cell.value for k, cell in expected.items())
        adx = by_key(
            [
                {**v, "period": "202610"}
                for v in adx_values(
                    exchange.export(tree.county_mch, ds, tree.county, [PERIOD], official=official, fmt="adx").content
                )
            ]
        )
        assert adx == got
    nut = by_key(
        as_json(exchange.export(tree.county_mch, dataset("NUT_MONTHLY"), tree.county, [PERIOD], official=official))[
            "dataValues"
        ]
    )
    assert nut[("522799100201", "202610", "N05")] == "80"  # the override, approved
    assert (("522799100202", "202610", "N04") in nut) is (not official)  # a2 is open: working figures only
    mch = by_key(as_json(exchange.export(tree.county_mch, MCH, tree.county, [PERIOD], official=official))["dataValues"])
    assert (mch.get(("522799100", "202610", "M01"))) == (None if official else "272")


def test_an_override_carries_its_reason_as_the_comment(tree, registers):
    report = actions.get_report("NUT_MONTHLY", tree.village_a1, PERIOD)
    actions.set_values(report, {"N05": "80"}, reason="一名儿童退回10包", acting_user=tree.village_doctor)
    rows = as_json(
        exchange.export(tree.village_doctor, dataset("NUT_MONTHLY"), tree.village_a1, [PERIOD], official=False)
    )
    n05 = next(v for v in rows["dataValues"] if v["dataElement"] == "N05")
    assert n05 == {
        "dataElement": "N05",
        "period": "202610",
        "orgUnit": "522799100201",
        "value": "80",
        "comment": "一名儿童退回10包",
    }


def test_a_quarter_of_a_monthly_form_exports_its_three_months(tree):
    for month, births in (("2026-07", 10), ("2026-08", 11), ("2026-09", 12)):
        typed_mch(tree, tree.town_a, {"M01": births}, period=month, approve=False)
    result = exchange.export(tree.township_officer, MCH, tree.town_a, ["2026Q3"], official=False)
    assert result.periods == ["2026-07", "2026-08", "2026-09"]
    assert exchange.export_periods(MCH, ["202608", "2026-09"]) == ["2026-08", "2026-09"]  # DHIS2's month too
    assert by_key(as_json(result)["dataValues"]) == {
        ("522799100", "202607", "M01"): "10",
        ("522799100", "202608", "M01"): "11",
        ("522799100", "202609", "M01"): "12",
    }
    adx = adx_values(
        exchange.export(tree.township_officer, MCH, tree.town_a, ["2026Q3"], official=False, fmt="adx").content
    )
    assert sorted(v["period"] for v in adx) == ["2026-07-01/P1M", "2026-08-01/P1M", "2026-09-01/P1M"]
    with pytest.raises(ValidationError, match="是季报"):
        exchange.export(tree.township_officer, dataset("PH_QUARTERLY"), tree.town_a, ["2026-08"])
    with pytest.raises(ValidationError, match="尚未开始"):
        exchange.export(tree.township_officer, MCH, tree.town_a, ["2027-05"])


def test_periods_between_jiceng_dhis2_and_adx():
    assert exchange.dhis2_period("2026-03") == "202603" and exchange.dhis2_period("2026Q1") == "2026Q1"
    assert exchange.adx_period("2026-03") == "2026-03-01/P1M" and exchange.adx_period("2026Q2") == "2026-04-01/P3M"
    assert exchange.jiceng_period("202603", "json").code == "2026-03"
    assert exchange.jiceng_period("2026Q4", "json").code == "2026Q4"
    assert exchange.jiceng_period("2026-10-01/P3M", "adx").code == "2026Q4"
    for bad in ("2026W10", "20260301", "202613", "2026-02-01/P3M", "2026-03-02/P1M", "2026-01-01/P1Y"):
        with pytest.raises(exchange.ExchangeError, match="报告期"):
            exchange.jiceng_period(bad, "adx")


# ---------------------------------------------------------------- import


def test_round_trip_json_into_another_countys_open_report(tree):
    typed_mch(tree, tree.town_a, SEED)
    body = as_json(exchange.export(tree.township_officer, MCH, tree.town_a, [PERIOD]))
    for row in body["dataValues"]:
        row["orgUnit"] = tree.other_town.code
    officer = officer_of(tree.other_town)
    result = exchange.import_values(officer, json.dumps(body).encode(), "json")
    assert result.ok, result.errors
    assert result.values == len(SEED) and result.changed == len(SEED) and len(result.reports) == 1
    assert (
        mch_values(tree.other_town)
        == mch_values(tree.town_a, official=True)
        == {k: Decimal(v) for k, v in SEED.items()}
    )
    entry = AuditEntry.objects.get(action="report.dhis2_import")
    assert entry.actor == officer and entry.unit == tree.other_town and entry.reason.startswith("导入DHIS2数据")
    # the same file again changes nothing, and says so
    again = exchange.import_values(officer, json.dumps(body).encode(), "json")
    assert again.ok and again.changed == 0 and AuditEntry.objects.filter(action="report.dhis2_import").count() == 2


def test_round_trip_adx_after_the_report_is_returned(tree):
    report = typed_mch(tree, tree.town_a, SEED)
    content = exchange.export(tree.township_officer, MCH, tree.town_a, [PERIOD], fmt="adx").content
    actions.return_report(report, reason="活产数有误，请核对", acting_user=tree.county_mch)
    actions.set_values(Report.objects.get(pk=report.pk), {"M01": 1, "M02": 2}, acting_user=tree.township_officer)
    assert mch_values(tree.town_a)["M01"] == 1
    result = exchange.import_values(tree.township_officer, content, "adx")
    assert result.ok, result.errors
    assert result.changed == 2
    assert mch_values(tree.town_a) == {k: Decimal(v) for k, v in SEED.items()}
    assert Report.objects.get(pk=report.pk).state == State.RETURNED
    assert AuditEntry.objects.filter(action="report.dhis2_import", object_id=str(report.pk)).count() == 1
    imported = AuditEntry.objects.filter(action="report.value", reason="导入DHIS2数据")
    assert sorted(e.after.get("M01") or e.after.get("M02") for e in imported) == ["257", "272"]


def test_a_quarterly_form_imports_quarters_from_json_and_adx(tree):
    ph = dataset("PH_QUARTERLY")
    result = exchange.import_values(
        tree.township_officer, payload(value("P01", period="2026Q3", number="12000"), data_set="PH_QUARTERLY"), "json"
    )
    assert result.ok, result.errors
    adx = b"""<?xml version="1.0" encoding="UTF-8"?>
<adx xmlns="urn:ihe:qrph:adx:2015" exported="2026-11-01T08:00:00+08:00">
 <group dataSet="PH_QUARTERLY" orgUnit="522799100" period="2026-07-01/P3M">
  <dataValue dataElement="P02" value="9000"><annotation>from DHIS2</annotation></dataValue>
 </group>
</adx>"""
    result = exchange.import_values(tree.township_officer, adx, "adx")
    assert result.ok, result.errors
    cells = unit_values(ph, [tree.town_a], ["2026Q3"], official=False)[(tree.town_a.pk, "2026Q3")]
    assert (cells["P01"].value, cells["P02"].value) == (12000, 9000)


def _bad_cases(tree):
    good = value("M02", number="257")
    return {
        "unknown element": (
            payload(good, value("M99")),
            "json",
            "第2个数值（数据元 M99，单位 522799100，报告期 202610）：数据元“M99”不是妇幼卫生月报表（MCH_MONTHLY）的数据元",
        ),
        "unit outside the subtree": (
            payload(good, value(unit=tree.town_b.code)),
            "json",
            "单位代码 522799101 不存在或不在您的管辖范围内",
        ),
        "unit of another county": (
            payload(good, value(unit=tree.other_town.code)),
            "json",
            "单位代码 522798100 不存在或不在您的管辖范围内",
        ),
        "unit that does not exist": (
            payload(good, value(unit="522799199")),
            "json",
            "单位代码 522799199 不存在或不在您的管辖范围内",
        ),
        "unit that does not report the form": (
            payload(good, value(unit=tree.village_a1.code)),
            "json",
            "大寨村卫生室不填报妇幼卫生月报表（该表由乡镇卫生院、县填报）",
        ),
        "quarter for a monthly form": (
            payload(good, value(period="2026Q3")),
            "json",
            "妇幼卫生月报表是月报，报告期应为月份（202603），收到2026年第三季度",
        ),
        "adx quarter for a monthly form": (
            b'<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-07-01/P3M">'
            b'<dataValue dataElement="M01" value="3"/></group></adx>',
            "adx",
            "妇幼卫生月报表是月报，报告期应为月份（2026-03-01/P1M），收到2026年第三季度",
        ),
        "future period": (payload(good, value(period="202705")), "json", "2027年5月尚未开始"),
        "unrecognised period": (payload(good, value(period="2026W40")), "json", "报告期“2026W40”无法识别"),
        "negative value": (
            payload(good, value(number="-3")),
            "json",
            "第2个数值（数据元 M01，单位 522799100，报告期 202610）：数值不能为负数",
        ),
        "not a number": (payload(good, value(number="十二")), "json", "数值不是数字"),
        "missing value": (payload(good, value(number="")), "json", "缺少数值"),
        "unknown data set": (payload(good, value(), data_set="NOPE"), "json", "没有代码为“NOPE”的报表"),
        "duplicate": (
            payload(good, value(), value(number="13")),
            "json",
            "第3个数值（数据元 M01，单位 522799100，报告期 202610）：重复（与第2个数值",
        ),
        "malformed JSON": (b'{"dataSet": "MCH_MONTHLY", "dataValues": [', "json", "JSON 格式错误"),
        "JSON without dataValues": (b'{"dataSet": "MCH_MONTHLY"}', "json", "缺少 dataValues"),
        "JSON that is a list": (b"[]", "json", "JSON 应为一个对象"),
        "billion laughs": (BILLION_LAUGHS, "adx", "为安全起见拒绝导入"),
        "external entity": (EXTERNAL_ENTITY, "adx", "为安全起见拒绝导入"),
        "malformed XML": (b"<adx xmlns='urn:ihe:qrph:adx:2015'><group>", "adx", "XML 格式错误"),
        "not ADX": (b"<html/>", "adx", "不是 ADX 文件"),
        "disaggregated ADX value": (
            b'<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-10-01/P1M">'
            b'<dataValue dataElement="M01" SEX="F" value="3"/></group></adx>',
            "adx",
            "带有分类维度 SEX",
        ),
        "oversized payload": (payload(good) + b" " * exchange.MAX_BYTES, "json", "文件过大（超过 5 MB）"),
        "too many values": (
            b'{"dataValues": [' + b",".join([b"{}"] * (exchange.MAX_VALUES + 1)) + b"]}",
            "json",
            "数值过多",
        ),
        "NUL byte": (payload(good).replace(b"257", b"25\x007"), "json", "控制字符"),
        "escaped control character": (
            payload(value(element="M0\\u00001")).replace(b"\\\\u0000", b"\\u0000"),
            "json",
            "控制字符",
        ),
        "empty": (b"  ", "json", "内容为空"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unknown element",
        "unit outside the subtree",
        "unit of another county",
        "unit that does not exist",
        "unit that does not report the form",
        "quarter for a monthly form",
        "adx quarter for a monthly form",
        "future period",
        "unrecognised period",
        "negative value",
        "not a number",
        "missing value",
        "unknown data set",
        "duplicate",
        "malformed JSON",
        "JSON without dataValues",
        "JSON that is a list",
        "billion laughs",
        "external entity",
        "malformed XML",
        "not ADX",
        "disaggregated ADX value",
        "oversized payload",
        "too many values",
        "NUL byte",
        "escaped control character",
        "empty",
    ],
)
def test_a_bad_value_refuses_the_whole_import_with_a_chinese_message(tree, case):
    content, fmt, message = _bad_cases(tree)[case]
    result = exchange.import_values(tree.township_officer, content, fmt)
    assert not result.ok
    assert any(message in error for error in result.errors), result.errors
    assert not Report.objects.exists() and not DataValue.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="report.").exists()


def test_a_locked_report_is_refused_with_the_reason_and_nothing_else_is_saved(tree):
    typed_mch(tree, tree.town_a, SEED)  # approved: locked
    open_month = actions.get_report("MCH_MONTHLY", tree.town_a, "2026-09")
    before = DataValue.objects.count()
    result = exchange.import_values(
        tree.township_officer, payload(value(period="202609", number="5"), value(number="5")), "json"
    )
    assert not result.ok
    (error,) = result.errors
    assert error.startswith("上坝乡卫生院（522799100）2026-10：报表已由")
    assert "已锁定，不能修改。如需修改，请联系" in error and "退回" in error
    assert DataValue.objects.count() == before and not open_month.values.exists()
    assert not AuditEntry.objects.filter(action="report.dhis2_import").exists()


def test_a_role_that_does_not_fill_reports_cannot_import(tree):
    result = exchange.import_values(tree.county_mch, payload(value()), "json")
    assert result.errors == ["您的角色不能填报报表，不能导入数据"]
    assert not Report.objects.exists()


def test_a_failure_while_saving_rolls_back_every_report(tree, monkeypatch):
    calls = []
    real = actions.set_values

    def failing(report, values, **kwargs):
        calls.append(report.period)
        if len(calls) == 2:
            raise ValidationError("模拟失败")
        return real(report, values, **kwargs)

    monkeypatch.setattr(actions, "set_values", failing)
    result = exchange.import_values(
        tree.township_officer, payload(value(period="202609"), value(period="202610")), "json"
    )
    assert not result.ok and "模拟失败" in result.errors[0] and len(calls) == 2
    assert not DataValue.objects.exists() and not AuditEntry.objects.filter(action__startswith="report.").exists()


# ---------------------------------------------------------------- API


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


URL = "/api/reports/dataValueSets/"


def test_api_export_json_and_adx_logged_as_a_bulk_read(tree):
    typed_mch(tree, tree.town_a, SEED)
    response = api(tree.county_mch).get(URL, {"dataset": "MCH_MONTHLY", "period": PERIOD})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert by_key(response.json()["dataValues"])[("522799100", "202610", "M02")] == "257"
    response = api(tree.county_mch).get(
        URL, {"dataset": "MCH_MONTHLY", "period": PERIOD, "orgUnit": "522799100", "format": "adx"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("application/adx+xml")
    assert {v["orgUnit"] for v in adx_values(response.content)} == {"522799100"}
    rows = list(AuditEntry.objects.filter(action="export.dhis2").order_by("pk").values_list("after__rows", flat=True))
    assert rows == [2 * len(SEED), len(SEED)]
    working = api(tree.county_mch).get(URL, {"dataset": "MCH_MONTHLY", "period": "2026-09", "figures": "working"})
    assert working.status_code == 200 and working.json()["dataValues"] == []


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"period": PERIOD}, "dataset", "报表：请提供 dataset"),
        ({"dataset": "NOPE", "period": PERIOD}, "dataset", "报表：没有代码为“NOPE”的报表"),
        ({"dataset": "MCH_MONTHLY"}, "period", "报告期：请提供 period"),
        ({"dataset": "MCH_MONTHLY", "period": "2026-13"}, "period", "无法识别"),
        ({"dataset": "PH_QUARTERLY", "period": "2026-08"}, "period", "是季报"),
        ({"dataset": "MCH_MONTHLY", "period": "2030-01"}, "period", "尚未开始"),
        ({"dataset": "MCH_MONTHLY", "period": PERIOD, "figures": "draft"}, "figures", "figures 只能是"),
        ({"dataset": "MCH_MONTHLY", "period": PERIOD, "format": "csv"}, "format", "format 只能是"),
    ],
)
def test_api_export_bad_parameters_are_400_in_chinese(tree, params, field, message):
    response = api(tree.county_mch).get(URL, params)
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_api_a_village_doctor_cannot_export_another_village(tree, registers):
    nut = {"dataset": "NUT_MONTHLY", "period": PERIOD, "figures": "working"}
    own = api(tree.village_doctor).get(URL, {**nut, "orgUnit": tree.village_a1.code})
    assert own.status_code == 200 and {v["orgUnit"] for v in own.json()["dataValues"]} == {tree.village_a1.code}
    for code in (tree.village_a2.code, tree.village_b1.code, tree.town_a.code, "999999999999"):
        response = api(tree.village_doctor).get(URL, {**nut, "orgUnit": code})
        assert response.status_code == 404 and response.json()["detail"] == "未找到该单位"
    mine = api(tree.village_doctor).get(URL, nut)  # no orgUnit: the doctor's own village only
    assert {v["orgUnit"] for v in mine.json()["dataValues"]} == {tree.village_a1.code}
    assert not AuditEntry.objects.filter(action="export.dhis2", unit=tree.village_b1).exists()


def test_api_import_json_and_adx(tree):
    client = api(tree.township_officer)
    response = client.post(URL, payload(value(number="272")), content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ok"] and body["values"] == 1 and body["changed"] == 1
    assert body["reports"] == [{"dataset": "MCH_MONTHLY", "orgUnit": "522799100", "period": "2026-10"}]
    adx = (
        b'<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-10-01/P1M">'
        b'<dataValue dataElement="M02" value="257"/></group></adx>'
    )
    for content_type in ("application/adx+xml", "application/xml; charset=utf-8"):
        response = client.post(URL, adx, content_type=content_type)
        assert response.status_code == 200, response.json()
    assert mch_values(tree.town_a) == {"M01": 272, "M02": 257}


def test_api_import_refusals_are_400_and_save_nothing(tree):
    client = api(tree.township_officer)
    cases = [
        (payload(value(), value(element="M99")), "application/json", "数据元“M99”不是"),
        (b"{not json", "application/json", "JSON 格式错误"),
        (BILLION_LAUGHS, "application/adx+xml", "为安全起见拒绝导入"),
        (b"a=1", "application/x-www-form-urlencoded", "请求体应为 JSON"),
        (b"", "application/json", "内容为空"),
        (payload(value()) + b" " * (exchange.MAX_BYTES + 10), "application/json", "文件过大"),
    ]
    for content, content_type, message in cases:
        response = client.post(URL, content, content_type=content_type)
        assert response.status_code == 400, (message, response.content[:200])
        body = response.json()
        errors = body.get("errors") or body.get("detail")
        assert any(message in e for e in errors), (message, body)
    assert not Report.objects.exists() and not DataValue.objects.exists()
    response = api(tree.village_doctor).post(URL, payload(value()), content_type="application/json")
    assert response.status_code == 400 and "不存在或不在您的管辖范围内" in response.json()["errors"][0]


def test_api_dhis2_exchange_is_in_the_openapi_schema(client, tree):
    client.force_login(tree.county_mch)
    schema = client.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/reports/dataValueSets/"]
    assert operations["get"]["operationId"] == "report_datavaluesets_export"
    assert operations["post"]["operationId"] == "report_datavaluesets_import"
    assert {"application/json", "application/adx+xml"} <= set(operations["post"]["requestBody"]["content"])
    ids = [op["operationId"] for item in schema["paths"].values() for op in item.values() if "operationId" in op]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------- CLI


def run(*args) -> str:
    out = io.StringIO()
    call_command("datavalues", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_cli_export_then_import_round_trip(tree, tmp_path):
    for month, births in (("2026-07", 10), ("2026-08", 11), ("2026-09", 12)):
        typed_mch(tree, tree.town_a, {"M01": births}, period=month, approve=False)
    out = tmp_path / "mch.json"
    text = run(
        "export", "--dataset", "MCH_MONTHLY", "--period", "2026Q3", "--under", "522799100",
        "--user", "xz_officer", "--working", "--out", str(out),
    )  # fmt: skip
    assert "3 个数值" in text and "工作数据" in text
    assert {v["period"] for v in json.loads(out.read_text())["dataValues"]} == {"202607", "202608", "202609"}
    adx = tmp_path / "mch.xml"
    run("export", "--dataset", "MCH_MONTHLY", "--period", "2026Q3", "--user", "xz_officer", "--working",
        "--format", "adx", "--out", str(adx))  # fmt: skip
    assert len(adx_values(adx.read_bytes())) == 3
    officer_of(tree.other_town)
    body = json.loads(out.read_text())
    for row in body["dataValues"]:
        row["orgUnit"] = tree.other_town.code
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps(body))
    assert "已导入 3 个数值" in run("import", str(moved), "--user", "lx_officer")
    assert mch_values(tree.other_town, "2026-08") == {"M01": 11}
    assert "已导入 3 个数值" in run("import", str(adx), "--user", "xz_officer")  # .xml: ADX


def test_cli_errors_exit_1_in_chinese(tree, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(payload(value(), value("M02", number="-1"), value()))
    err = io.StringIO()
    with pytest.raises(CommandError, match="导入未执行：发现 2 个问题") as caught:
        call_command("datavalues", "import", str(bad), "--user", "xz_officer", stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 1
    assert "不能为负数" in err.getvalue() and "重复" in err.getvalue()
    assert not DataValue.objects.exists()
    with pytest.raises(CommandError, match="未找到该单位 522799101"):
        run("export", "--dataset", "MCH_MONTHLY", "--period", PERIOD, "--under", "522799101",
            "--user", "xz_officer", "--out", str(tmp_path / "x.json"))  # fmt: skip
    with pytest.raises(CommandError, match="报表：没有代码为"):
        run(
            "export", "--dataset", "NOPE", "--period", PERIOD, "--user", "xz_officer", "--out", str(tmp_path / "x.json")
        )
    with pytest.raises(CommandError, match="不存在"):
        run("import", str(tmp_path / "missing.json"), "--user", "xz_officer")
