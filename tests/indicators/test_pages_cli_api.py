import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token

from jiceng.audit.models import AuditEntry
from jiceng.indicators import actions
from tests.conftest import browser_login
from tests.indicators.test_compute import typed_mch
from tests.reporting.conftest import PERIOD


def test_cli_and_api_give_the_same_numbers_as_the_page(client, tree):
    typed_mch(tree, tree.town_a, {"M01": 272, "M02": 257, "M03": 268, "M04": 2, "M08": 140, "M09": 132})
    out = io.StringIO()
    call_command(
        "indicators",
        "--unit",
        tree.county.code,
        "--period",
        PERIOD,
        "--user",
        "wjj",
        "--json",
        "--programme",
        "mch",
        stdout=out,
    )
    cli = {row["code"]: row for row in json.loads(out.getvalue())["indicators"]}
    assert cli["MCH_SYSTEM_MANAGEMENT"]["value"] == 94.48 and cli["MCH_SYSTEM_MANAGEMENT"]["numerator"] == 257
    assert cli["MCH_SYSTEM_MANAGEMENT"]["figures"] == "official"
    token = Token.objects.create(user=tree.county_bureau)
    api = client.get(
        f"/api/indicators/?unit={tree.county.code}&period={PERIOD}&programme=mch",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    ).json()
    assert {r["code"]: r["value"] for r in api["indicators"]} == {c: r["value"] for c, r in cli.items()}
    client.force_login(tree.county_bureau)
    page = client.get(f"/indicators/{tree.county.code}/?period={PERIOD}&programme=mch").content.decode()
    assert "94.48%" in page and "98.48%" not in page


def test_scope_and_bad_input(client, tree):
    with pytest.raises(CommandError, match="未找到该单位"):
        call_command("indicators", "--unit", tree.town_b.code, "--period", "2026", "--user", "xz_reviewer")
    with pytest.raises(CommandError, match="无法识别"):
        call_command("indicators", "--unit", tree.town_a.code, "--period", "2026Q7", "--user", "xz_reviewer")
    token = Token.objects.create(user=tree.township_reviewer)
    response = client.get(
        f"/api/indicators/?unit={tree.town_b.code}&period=2026", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 404
    response = client.get(
        f"/api/indicators/?unit={tree.town_a.code}&period=abc", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 400 and "无法识别" in response.json()["period"][0]
    client.force_login(tree.township_reviewer)
    assert client.get(f"/indicators/{tree.town_b.code}/").status_code == 404


def test_dashboard_table_exports_to_excel_and_is_logged(client, tree, registers):
    client.force_login(tree.county_bureau)
    response = client.get(f"/indicators/{tree.town_a.code}/?period={PERIOD}&figures=working&format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A3"].value == "上坝乡" and sheet["B3"].value == 100.0  # coverage: 4 of 4 target children
    assert AuditEntry.objects.filter(action="export.indicators").count() == 1


def test_targets_page_sets_and_refuses(client, tree):
    client.force_login(tree.county_bureau)
    client.post(f"/indicators/{tree.county.code}/targets/", {"year": "2026", "t_NUT_COVERAGE": "85"})
    response = client.post(
        f"/indicators/{tree.county.code}/targets/", {"year": "2026", "t_NUT_COVERAGE": "120"}, follow=True
    )
    assert "不可能超过100" in response.content.decode()
    from jiceng.indicators.models import Target

    assert Target.objects.get(indicator="NUT_COVERAGE").value == 85
    client.force_login(tree.township_reviewer)
    assert (
        client.post(f"/indicators/{tree.town_a.code}/targets/", {"year": "2026", "t_NUT_COVERAGE": "80"}).status_code
        == 404
    )


@pytest.mark.browser
def test_lagging_units_in_two_clicks(page, tree, registers, make_child, screenshot_dir):
    actions.set_target("NUT_COVERAGE", tree.county, 2026, "85", acting_user=tree.county_bureau)
    for i in range(3):  # 岩脚村 has three more target children who did not collect
        make_child(village=tree.village_a2, name=f"未领{i}", birth_date=registers[0].birth_date)
    browser_login(page, "wjj")
    page.click("nav.mainnav >> text=指标分析")  # click 1: the county dashboard
    page.wait_for_load_state("networkidle")
    page.goto(page.url.split("?")[0] + f"?period={PERIOD}&figures=working")
    page.click(".ranking >> text=上坝乡")  # click 2: drill down into the township
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "上坝乡" in main and "岩脚村" in main and "25.00%" in main  # 1 of 4 collected in 岩脚村
    page.screenshot(path=f"{screenshot_dir}/test-indicators-township.png", full_page=True)
