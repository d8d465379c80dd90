import pytest

from jiceng.reporting.models import Report, State
from tests.conftest import browser_login
from tests.reporting.conftest import PERIOD


@pytest.fixture
def login_as(chromium_browser, live_server):
    contexts = []

    def make(username):
        context = chromium_browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        browser_login(page, username)
        return page

    yield make
    for context in contexts:
        context.close()


def click(page, selector):
    page.click(selector)
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_the_review_chain_in_the_browser(login_as, tree, registers, screenshot_dir):
    a1, town = tree.village_a1.code, tree.town_a.code
    doctor = login_as("cunyi")
    doctor.goto(f"{doctor.base_url}/reports/NUT_MONTHLY/{a1}/{PERIOD}/")
    assert "本月领取儿童数" in doctor.inner_text("main")
    click(doctor, "button[value=submit]")
    assert "已提交，等待上级审核" in doctor.inner_text("main")

    reviewer = login_as("xz_reviewer")
    reviewer.goto(f"{reviewer.base_url}/")
    assert "1 份营养包月报待审核" in reviewer.inner_text("main")
    reviewer.goto(f"{reviewer.base_url}/reports/NUT_MONTHLY/{a1}/{PERIOD}/")
    reviewer.fill("input[name=comment_N05]", "请与发放登记核对")
    reviewer.fill("#return-form textarea[name=reason]", "发放包数需核对")
    click(reviewer, "#return-form button[value=return]")
    assert "已退回" in reviewer.inner_text("main")

    doctor.goto(f"{doctor.base_url}/reports/NUT_MONTHLY/{a1}/{PERIOD}/")
    main = doctor.inner_text("main")
    assert "退回原因：发放包数需核对" in main and "请与发放登记核对" in main
    doctor.fill("input[name=v_N05]", "89")
    doctor.fill("input[name=reason_N05]", "一名儿童当场退回1包")  # beside the cell, shown once the value changed
    click(doctor, "button[value=save]")
    assert "台账计算 90（差 -1）" in doctor.inner_text("main")
    click(doctor, "button[value=submit]")

    reviewer.goto(f"{reviewer.base_url}/reports/NUT_MONTHLY/{a1}/{PERIOD}/")
    click(reviewer, "button[value=approve]")
    assert "已审核通过" in reviewer.inner_text("main")
    reviewer.goto(f"{reviewer.base_url}/reports/NUT_MONTHLY/{town}/{PERIOD}/")
    row = reviewer.locator("tr", has_text="岩脚村")
    row.locator("input[name=reason]").fill("村医外出培训")
    row.locator("button[value=missing]").click()
    reviewer.wait_for_load_state("networkidle")
    click(reviewer, "button[value=submit]")
    assert "已提交" in reviewer.inner_text("main")
    reviewer.screenshot(path=f"{screenshot_dir}/test-township-report.png", full_page=True)

    county = login_as("fybj")
    county.goto(f"{county.base_url}/reports/NUT_MONTHLY/{town}/{PERIOD}/")
    assert "89" in county.inner_text("main")  # the township's sum is the approved village's corrected value
    click(county, "button[value=approve]")
    assert Report.objects.get(unit=tree.town_a, period=PERIOD).state == State.APPROVED

    # the lock holds: the village's values are no longer editable and the API of the page refuses a save
    doctor.goto(f"{doctor.base_url}/reports/NUT_MONTHLY/{a1}/{PERIOD}/")
    assert doctor.locator("input[name=v_N05]").count() == 0
    assert "张院长" in doctor.inner_text("main")  # the reviewer is named on the report
