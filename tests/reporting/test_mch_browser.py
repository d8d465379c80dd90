"""The 妇幼 monthly form filled on a 390 px phone by the township officer, approved by the county on a
desktop, and its indicator on the county dashboard — in Debian's headless Chromium."""

import os

import pytest

from jiceng.reporting.models import Report, State
from tests.conftest import browser_login
from tests.reporting.conftest import PERIOD

SEED = {"M01": "272", "M15": "272", "M02": "257", "M03": "268", "M04": "2", "M08": "140", "M09": "132"}
PHONE = {"width": 390, "height": 844}


def _page(browser, live_server, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    page.base_url = live_server.url
    browser_login(page, username)
    return context, page


def _fits(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.browser
def test_the_mch_form_on_a_phone_then_review_and_dashboard(chromium_browser, live_server, tree, screenshot_dir):
    context, phone = _page(chromium_browser, live_server, "xz_officer", PHONE)
    phone.goto(f"{phone.base_url}/reports/?dataset=MCH_MONTHLY")
    phone.wait_for_load_state("networkidle")
    # the period is picked, not typed: choose October 2026 from the picker
    phone.select_option(".period-picker select", PERIOD)
    phone.wait_for_load_state("networkidle")
    assert f"/reports/MCH_MONTHLY/{tree.town_a.code}/{PERIOD}/" in phone.url
    main = phone.inner_text("main")
    assert "妇幼卫生月报表" in main and "孕产妇系统管理人数" in main
    for code, value in SEED.items():
        box = phone.locator(f"input[name=v_{code}]")
        assert box.bounding_box()["height"] >= 44  # a tap target a thumb can hit
        box.fill(value)
    assert _fits(phone), "the form overflows a 390 px screen"
    phone.screenshot(path=os.path.join(screenshot_dir, "mch-form-phone.png"), full_page=True)
    phone.click("button[value=save]")
    phone.wait_for_load_state("networkidle")
    assert "已保存" in phone.inner_text("main")
    phone.click("button[value=submit]")
    phone.wait_for_load_state("networkidle")
    assert "已提交，等待上级审核" in phone.inner_text("main")
    report = Report.objects.get(dataset="MCH_MONTHLY", unit=tree.town_a, period=PERIOD)
    assert report.state == State.SUBMITTED and report.values.get(element="M02").value == 257
    context.close()

    context, desk = _page(chromium_browser, live_server, "fybj", {"width": 1366, "height": 900})
    desk.goto(f"{desk.base_url}/")
    assert "1 份妇幼月报待审核" in desk.inner_text("main")
    desk.click("text=1 份妇幼月报待审核")
    desk.wait_for_load_state("networkidle")
    desk.click("button[value=approve]")
    desk.wait_for_load_state("networkidle")
    assert "已审核通过" in desk.inner_text("main")
    desk.goto(f"{desk.base_url}/indicators/{tree.county.code}/?programme=mch&period={PERIOD}")
    desk.wait_for_load_state("networkidle")
    text = desk.inner_text("main")
    assert "孕产妇系统管理率" in text and "94.48%" in text  # 257/272 from summed numerators
    desk.screenshot(path=os.path.join(screenshot_dir, "mch-dashboard-desktop.png"), full_page=True)
    context.close()
