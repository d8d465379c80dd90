"""Reports over time (issue 18, point 8): beside each number the reviewer sees last month's value and the
change; every report page lists the unit's recent reports (历史); after approving or returning, the reviewer
goes straight on to the next report waiting."""

from __future__ import annotations

import os
import re

import pytest

from jiceng.reporting import actions
from tests.conftest import browser_login
from tests.reporting.conftest import PERIOD, REPORT_DAY


def submitted(tree, village, period, values=None):
    report = actions.get_report("NUT_MONTHLY", village, period)
    if values:
        actions.set_values(report, values, reason="补录纸质报表", acting_user=tree.township_officer)
    actions.submit_report(
        report, acting_user=tree.township_officer, today=REPORT_DAY, warning_notes={"V14": "核实", "V15": "核实"}
    )
    return report


def test_the_reviewer_sees_last_months_value_and_the_change(client, tree, registers):
    submitted(tree, tree.village_a1, "2026-09", {"N04": "2", "N05": "60"})
    submitted(tree, tree.village_a1, PERIOD)  # 90 packs in October, from the register
    client.force_login(tree.township_reviewer)
    html = client.get(f"/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/").content.decode()
    row = html.split(">本月发放包数<")[1].split("</tr>")[0]
    assert re.search(r"2026年9月 60，增加 30", row), row
    history = html.split('id="past-reports"')[1].split("</table>")[0]
    assert "2026年10月" in history and "2026年9月" in history and "已提交" in history and "未填报" in history


def test_after_approving_the_reviewer_goes_on_to_the_next_report(client, tree, registers):
    submitted(tree, tree.village_a1, PERIOD)
    second = submitted(tree, tree.village_a2, PERIOD)
    client.force_login(tree.township_reviewer)
    report = actions.get_report("NUT_MONTHLY", tree.village_a1, PERIOD)
    response = client.post(
        f"/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/action/",
        {"action": "approve", "version": report.version},
    )
    assert response["Location"] == f"/reports/NUT_MONTHLY/{tree.village_a2.code}/{PERIOD}/"
    page = client.get(response["Location"]).content.decode()
    assert "已审核通过" in page and "下一份待审核：岩脚村" in page
    second.refresh_from_db()
    last = client.post(
        f"/reports/NUT_MONTHLY/{tree.village_a2.code}/{PERIOD}/action/",
        {"action": "approve", "version": second.version},
    )
    assert last["Location"] == f"/reports/NUT_MONTHLY/{tree.village_a2.code}/{PERIOD}/"
    assert "没有其他待审核的报表了" in client.get(last["Location"]).content.decode()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_the_village_doctor_goes_back_through_the_months(
    chromium_browser, live_server, tree, registers, width, screenshot_dir
):
    submitted(tree, tree.village_a1, "2026-09", {"N04": "2", "N05": "60"})
    context = chromium_browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    browser_login(page, "cunyi")
    page.goto(page.base_url + f"/reports/NUT_MONTHLY/{tree.village_a1.code}/{PERIOD}/")
    assert "2026年9月 60，增加 30" in page.inner_text("main")
    page.locator("#past-reports a", has_text="2026年9月").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/2026-09/") and "已提交" in page.inner_text("main .facts")
    page.screenshot(path=os.path.join(screenshot_dir, f"reports-history-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
