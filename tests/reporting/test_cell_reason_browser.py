"""A failed save never discards what was typed, and the reason sits next to the cell (issue 18, point 4)."""

import pytest

from jiceng.reporting.models import DataValue
from tests.conftest import browser_login
from tests.reporting.conftest import PERIOD


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}])
def test_an_override_without_reason_keeps_the_value_and_asks_beside_the_cell(
    chromium_browser, live_server, tree, registers, viewport, screenshot_dir
):
    context = chromium_browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    browser_login(page, "cunyi")
    page.goto(f"{live_server.url}/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/")
    row = page.locator("tr", has=page.locator("input[name=v_N05]"))
    assert page.input_value("input[name=v_N05]") == "90"
    page.fill("input[name=v_N05]", "1080")
    assert row.locator("input[name=reason_N05]").is_visible()  # asked for where the number was changed
    page.click("button[value=save]")
    page.wait_for_load_state("networkidle")
    row = page.locator("tr", has=page.locator("input[name=v_N05]"))
    assert page.input_value("input[name=v_N05]") == "1080"  # not back to 90
    assert "须说明原因" in row.inner_text()  # the message is on the row, not only at the top of the page
    reason = row.locator("input[name=reason_N05]")
    assert reason.is_visible()
    cell, box = row.locator("input[name=v_N05]").bounding_box(), reason.bounding_box()
    assert abs(box["y"] - cell["y"]) < 120  # beside the cell, not below a 27-row table
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=f"{screenshot_dir}/report-cell-reason-{viewport['width']}.png", full_page=True)
    reason.fill("一名儿童重复登记，已核减")
    page.click("button[value=save]")
    page.wait_for_load_state("networkidle")
    value = DataValue.objects.get(report__unit=tree.village_a1, element="N05")
    assert (value.value, value.reason) == (1080, "一名儿童重复登记，已核减")
    assert "台账计算 90（差 990）" in page.inner_text("main")
    context.close()


def test_each_cell_has_its_own_reason(client, tree, registers):
    from django.core.exceptions import ValidationError

    from jiceng.reporting import actions
    from jiceng.reporting.actions import get_report

    report = get_report("NUT_MONTHLY", tree.village_a1, PERIOD)
    try:
        actions.set_values(report, {"N05": "80"}, reasons={"N05": "退\x00回"}, acting_user=tree.village_doctor)
    except ValidationError as exc:
        assert "控制字符" in exc.message_dict["reason_N05"][0]
    else:
        raise AssertionError("a NUL byte in a reason must be refused")
    actions.set_values(
        report,
        {"N05": "80", "N04": "2"},
        reasons={"N05": "退回10包", "N04": "一人重复"},
        acting_user=tree.village_doctor,
    )
    assert dict(DataValue.objects.filter(report=report).values_list("element", "reason")) == {
        "N05": "退回10包",
        "N04": "一人重复",
    }
    client.force_login(tree.village_doctor)
    url = f"/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/"
    client.post(url + "action/", {"action": "save", "version": report.version + 1, "v_N01": "9"})
    page = client.get(url).content.decode()
    assert 'value="9"' in page and "须说明原因" in page  # kept, and said on the row
