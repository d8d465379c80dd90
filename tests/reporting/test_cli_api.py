"""`jiceng report show|export|status` and the reports API: the same content, scoped, Chinese errors."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook
from rest_framework.test import APIClient

from jiceng.audit.models import AuditEntry
from jiceng.reporting import actions
from jiceng.reporting.models import Report, State
from tests.reporting.conftest import PERIOD, REPORT_DAY


def run(*args) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def show_json(user, unit_code, period=PERIOD) -> dict:
    return json.loads(run("show", "--unit", unit_code, "--period", period, "--user", user.username, "--json"))


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def approved_village_report(tree):
    report = actions.get_report("NUT_MONTHLY", tree.village_a1, PERIOD)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    actions.approve_report(report, acting_user=tree.township_reviewer)
    return Report.objects.get(pk=report.pk)


# ---------------------------------------------------------------- CLI


def test_show_json_has_state_people_times_values_and_validation(tree, registers):
    report = approved_village_report(tree)
    data = show_json(tree.village_doctor, tree.village_a1.code)
    assert data["unit"]["code"] == tree.village_a1.code and data["period"] == PERIOD
    assert data["state"] == State.APPROVED and data["state_label"] == "已审核"
    assert "张院长" in data["state_text"] and "审核通过" in data["state_text"]
    assert data["submitted_by"] == {"username": "cunyi", "name": "王村医"}
    assert data["reviewed_by"] == {"username": "xz_reviewer", "name": "张院长"}
    assert data["reviewed_at"].endswith("+08:00") and data["submitted_at"].endswith("+08:00")
    assert data["reviewed_at"][:19] == report.reviewed_at.astimezone(_shanghai()).isoformat()[:19]
    assert data["version"] == report.version and data["locked"] is True
    values = {v["code"]: v for v in data["values"]}
    assert len(values) == 28
    assert values["N04"]["name"] == "本月领取儿童数" and values["N04"]["value"] == 3
    assert values["N05"]["value"] == 90 and values["N05"]["overridden"] is False
    assert isinstance(data["validation"], list)


def test_show_json_reports_an_override_with_its_computed_value_and_reason(tree, registers):
    report = actions.get_report("NUT_MONTHLY", tree.village_a1, PERIOD)
    actions.set_values(report, {"N05": "80"}, reason="一名儿童退回10包", acting_user=tree.village_doctor)
    data = show_json(tree.village_doctor, tree.village_a1.code)
    n05 = next(v for v in data["values"] if v["code"] == "N05")
    assert n05 == {
        "code": "N05",
        "name": "本月发放包数",
        "group": "发放",
        "value": 80,
        "origin": "override",
        "overridden": True,
        "computed": 90,
        "computed_from": "台账计算",
        "difference": -10,
        "reason": "一名儿童退回10包",
        "comments": [],
    }
    # V12 (packs to children = N05) has no stock figures here: not checked; the state is open
    assert data["state"] == State.OPEN and data["submitted_by"] is None


def test_show_text_output_in_chinese(tree, registers):
    report = actions.get_report("NUT_MONTHLY", tree.village_a1, PERIOD)
    actions.set_values(report, {"N05": "80"}, reason="一名儿童退回10包", acting_user=tree.village_doctor)
    text = run("show", "--unit", tree.village_a1.code, "--period", PERIOD, "--user", "cunyi")
    assert "状态：未上报" in text and "本月发放包数" in text
    assert "修正：台账计算 90，差 -10，原因：一名儿童退回10包" in text
    assert "校验：" in text


def test_show_lists_validation_results_with_rule_severity_and_message(tree, registers):
    tree.village_a2.keeps_registers = False
    tree.village_a2.save()
    report = actions.get_report("NUT_MONTHLY", tree.village_a2, PERIOD)
    actions.set_values(report, {"N01": "2", "N04": "3", "N05": "200"}, acting_user=tree.township_officer)
    data = show_json(tree.township_officer, tree.village_a2.code)
    found = {(v["rule"], v["severity"]) for v in data["validation"]}
    assert ("V02", "error") in found and ("V01", "warning") in found
    assert next(v for v in data["validation"] if v["rule"] == "V02")["message"].startswith("V02 发放包数超过")


def test_show_outside_the_users_subtree_is_not_found(tree, registers):
    with pytest.raises(CommandError, match="未找到该单位"):
        run("show", "--unit", tree.village_a1.code, "--period", PERIOD, "--user", "cunyi_b")
    with pytest.raises(CommandError, match="未找到该单位"):
        run("show", "--unit", tree.village_a1.code, "--period", PERIOD, "--user", "xz_reviewer_b")
    with pytest.raises(CommandError, match="未找到该单位"):
        run("show", "--unit", "999999", "--period", PERIOD, "--user", "cunyi")
    assert not Report.objects.filter(unit=tree.village_a1).exists()  # nothing created for an outsider


def test_bad_period_is_a_clear_chinese_error_with_a_nonzero_exit(tree, capsys):
    with pytest.raises(CommandError, match="无法识别"):
        run("show", "--unit", tree.village_a1.code, "--period", "2026-13", "--user", "cunyi")
    with pytest.raises(CommandError, match="尚未开始"):
        run("show", "--unit", tree.village_a1.code, "--period", "2099-01", "--user", "cunyi")
    from jiceng.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["report", "show", "--unit", tree.village_a1.code, "--period", "2026/13", "--user", "cunyi"])
    assert exit_.value.code != 0
    assert "报告期“2026/13”无法识别" in capsys.readouterr().err


def test_a_user_is_required(tree):
    with pytest.raises(CommandError, match="--user"):
        call_command("report", "show", "--unit", tree.village_a1.code, "--period", PERIOD, user="")


def test_export_writes_the_excel_file_and_logs_it(tree, registers, tmp_path):
    approved_village_report(tree)
    target = tmp_path / "a1.xlsx"
    text = run(
        "export", "--unit", tree.village_a1.code, "--period", PERIOD, "--user", "xz_reviewer", "--out", str(target)
    )
    assert "已导出" in text and target.exists()
    sheet = load_workbook(target).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("审核人：张院长" in c for c in cells) and any("填报人：王村医" in c for c in cells)
    assert AuditEntry.objects.filter(action="export.report", actor=tree.township_reviewer).count() == 1
    with pytest.raises(CommandError, match=".xlsx"):
        run(
            "export",
            "--unit",
            tree.village_a1.code,
            "--period",
            PERIOD,
            "--user",
            "cunyi",
            "--out",
            str(tmp_path / "a.csv"),
        )
    written = run(
        "export", "--unit", tree.village_a1.code, "--period", PERIOD, "--user", "cunyi", "--out", str(tmp_path)
    )
    assert "营养包月报表.xlsx" in written


def test_status_lists_units_with_timeliness_and_completeness(tree, registers):
    approved_village_report(tree)
    data = json.loads(run("status", "--period", PERIOD, "--user", "xz_reviewer", "--json"))
    village = next(level for level in data["levels"] if level["level"] == "village")
    assert (village["due"], village["submitted"], village["approved"]) == (2, 1, 1)
    assert village["completeness"] == 50.0
    states = {u["code"]: u["state"] for u in data["units"]}
    assert states[tree.village_a1.code] == State.APPROVED and states[tree.village_a2.code] == State.OPEN
    assert tree.village_b1.code not in states
    text = run("status", "--period", PERIOD, "--user", "xz_reviewer")
    assert "及时率" in text and "完整率" in text and "大寨村卫生室" in text


# ---------------------------------------------------------------- API


def test_api_detail_is_the_same_dict_as_the_cli_json(tree, registers):
    approved_village_report(tree)
    response = api(tree.township_reviewer).get(f"/api/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/")
    assert response.status_code == 200
    assert response.json() == show_json(tree.township_reviewer, tree.village_a1.code)


def test_api_outside_scope_is_404_and_a_bad_period_400(tree, registers):
    response = api(tree.village_doctor_b).get(f"/api/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/")
    assert response.status_code == 404 and response.json()["detail"] == "未找到该单位"
    response = api(tree.township_reviewer_b).post(
        f"/api/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/approve", {"version": 1}, format="json"
    )
    assert response.status_code == 404
    response = api(tree.village_doctor).get(f"/api/reports/NUT_MONTHLY/{tree.village_a1.code}/2026-13/")
    assert response.status_code == 400 and "无法识别" in response.json()["period"][0]
    assert APIClient().get(f"/api/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/").status_code in (401, 403)


def test_api_the_review_chain_with_versions_and_a_conflict(tree, registers):
    url = f"/api/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/"
    doctor, reviewer = api(tree.village_doctor), api(tree.township_reviewer)
    version = doctor.get(url).json()["version"]
    response = doctor.post(url + "submit", {"version": version}, format="json")
    assert response.status_code == 200 and response.json()["state"] == State.SUBMITTED
    seen = response.json()["version"]
    # the village doctor cannot approve: 403 with the Chinese reason
    response = doctor.post(url + "approve", {"version": seen}, format="json")
    assert response.status_code == 403 and "审核" in response.json()["detail"]
    # a return needs a reason: 400 with a field message
    response = reviewer.post(url + "return", {"version": seen, "reason": " "}, format="json")
    assert response.status_code == 400 and response.json()["reason"] == ["退回原因：请写明退回原因"]
    # no version, or a version that is not a number: 400
    response = reviewer.post(url + "approve", {}, format="json")
    assert response.status_code == 400 and "版本号" in response.json()["version"][0]
    response = reviewer.post(url + "approve", {"version": "abc"}, format="json")
    assert response.status_code == 400 and "版本号" in response.json()["version"][0]
    # approve with the version seen; a second reviewer acting on the same version is told what happened
    response = reviewer.post(url + "approve", {"version": seen}, format="json")
    assert response.status_code == 200 and response.json()["reviewed_by"]["name"] == "张院长"
    response = reviewer.post(
        url + "return", {"version": seen, "reason": "有误", "comments": {"N05": "请核对"}}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert "操作未执行" in body["detail"] and "张院长" in body["detail"] and "审核通过" in body["detail"]
    assert body["state"] == State.APPROVED and body["version"] == seen + 1
    # reopening with the current version works, with a comment on a value
    response = reviewer.post(
        url + "return", {"version": seen + 1, "reason": "有误", "comments": {"N05": "请核对"}}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == State.RETURNED
    n05 = next(v for v in response.json()["values"] if v["code"] == "N05")
    assert n05["comments"][0]["text"] == "请核对" and n05["comments"][0]["author"]["username"] == "xz_reviewer"
    assert response.json()["return_reason"] == "有误"
    assert api(tree.village_doctor).post(url + "frobnicate", {}, format="json").status_code == 404


def test_api_submit_with_warnings_needs_notes(tree, registers):
    tree.village_a2.keeps_registers = False
    tree.village_a2.save()
    report = actions.get_report("NUT_MONTHLY", tree.village_a2, PERIOD)
    actions.set_values(report, {"N01": "2", "N04": "3", "N05": "90"}, acting_user=tree.township_officer)
    url = f"/api/reports/NUT_MONTHLY/{tree.village_a2.code}/{PERIOD}/"
    officer = api(tree.township_officer)
    version = officer.get(url).json()["version"]
    response = officer.post(url + "submit", {"version": version}, format="json")
    assert response.status_code == 400 and "V01" in response.json()["detail"][0]
    response = officer.post(
        url + "submit", {"version": version, "warning_notes": {"V01": "外村儿童在本村领取"}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["warning_notes"][0]["text"] == "外村儿童在本村领取"


def test_api_missing_marks_a_village(tree, registers):
    url = f"/api/reports/NUT_MONTHLY/{tree.village_a2.code}/{PERIOD}/missing"
    response = api(tree.township_reviewer).post(url, {"reason": "村医外出培训"}, format="json")
    assert response.status_code == 200 and response.json()["missing"] is True
    assert response.json()["state_label"] == "缺报"


def test_api_list_gives_statuses_and_rates_per_level_in_scope(tree, registers):
    approved_village_report(tree)
    data = api(tree.county_mch).get("/api/reports/", {"dataset": "NUT_MONTHLY", "period": PERIOD}).json()
    levels = {level["level"]: level for level in data["levels"]}
    assert levels["village"]["due"] == 4 and levels["village"]["approved"] == 1
    assert levels["village"]["completeness"] == 25.0 and levels["township"]["due"] == 2
    assert {u["code"] for u in data["units"]} >= {tree.village_b2.code, tree.town_b.code}
    a1 = next(u for u in data["units"] if u["code"] == tree.village_a1.code)
    assert a1["state_label"] == "已审核" and a1["reviewed_by"]["name"] == "张院长"
    # a village doctor sees only the own village
    mine = api(tree.village_doctor).get("/api/reports/", {"dataset": "NUT_MONTHLY", "period": PERIOD}).json()
    assert [u["code"] for u in mine["units"]] == [tree.village_a1.code]
    response = api(tree.village_doctor).get("/api/reports/", {"dataset": "NUT_MONTHLY", "period": "2099-01"})
    assert response.status_code == 400 and "尚未开始" in response.json()["period"][0]


def test_api_is_in_the_openapi_schema(tree):
    schema = api(tree.admin).get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert {"/api/reports/", "/api/reports/{dataset}/{code}/{period}/"} <= set(schema.json()["paths"])


def _shanghai():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")
