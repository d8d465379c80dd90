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
    assert "已保存" in phone.inner_text("main") and "由本院审核人审核无误后上报" in phone.inner_text("main")
    context.close()

    # 先审核、后上报: the health centre's reviewer checks the form on a phone and submits it to the county
    context, reviewer = _page(chromium_browser, live_server, "xz_reviewer", PHONE)
    reviewer.goto(f"{reviewer.base_url}/")
    reviewer.click("text=妇幼月报待审核上报")
    reviewer.wait_for_load_state("networkidle")
    assert "孕产妇系统管理人数" in reviewer.inner_text("main") and "257" in reviewer.inner_text("main")
    assert reviewer.locator("button[value=submit]").bounding_box()["height"] >= 44
    reviewer.click("button[value=submit]")
    reviewer.wait_for_load_state("networkidle")
    assert "已提交，等待上级审核" in reviewer.inner_text("main")
    assert _fits(reviewer)
    reviewer.screenshot(path=os.path.join(screenshot_dir, "mch-submitted-phone.png"), full_page=True)
    report = Report.objects.get(dataset="MCH_MONTHLY", unit=tree.town_a, period=PERIOD)
    assert report.state == State.SUBMITTED and report.values.get(element="M02").value == 257
    assert report.submitted_by.username == "xz_reviewer"
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
