"""In a real browser, on a phone-sized screen: record a training; upload a register with a bad cell."""

import pytest

from jiceng.activities.models import Training
from jiceng.nutrition.models import Child
from tests.conftest import TEST_PASSWORD
from tests.excel.helpers import child_row, children_file


def _phone_login(chromium_browser, live_server, username):
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    phone.goto(live_server.url + "/login/")
    phone.fill("input[name=username]", username)
    phone.fill("input[name=password]", TEST_PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_load_state("networkidle")
    return context, phone


@pytest.mark.browser
def test_township_officer_records_a_training_on_a_phone(chromium_browser, live_server, tree, screenshot_dir):
    context, phone = _phone_login(chromium_browser, live_server, "xz_officer")
    phone.goto(live_server.url + "/activities/training/new/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.fill("input[name=held_on]", "2026-03-12")
    phone.fill("input[name=topic]", "儿童身长体重测量规范")
    phone.fill("input[name=attendees]", "0")
    phone.click("main button[type=submit]")
    assert "参训人数：应为大于0的整数" in phone.inner_text("main")
    phone.fill("input[name=attendees]", "14")
    phone.click("main button[type=submit]")
    phone.wait_for_load_state("networkidle")
    assert "儿童身长体重测量规范" in phone.inner_text("main")
    phone.screenshot(path=f"{screenshot_dir}/activities_phone.png", full_page=True)
    assert Training.objects.get().attendees == 14
    context.close()


@pytest.mark.browser
def test_village_doctor_uploads_a_register_and_sees_every_bad_cell(
    chromium_browser, live_server, tree, tmp_path, screenshot_dir
):
    path = tmp_path / "儿童登记.xlsx"
    path.write_bytes(children_file(child_row("甲"), child_row("乙", birth="三月八日"), [], child_row("丙")))
    context, phone = _phone_login(chromium_browser, live_server, "cunyi")
    phone.goto(live_server.url + "/registers/excel/import/children/")
    phone.set_input_files("input[name=file]", str(path))
    phone.click("main button[type=submit]")
    phone.wait_for_load_state("networkidle")
    text = phone.inner_text("main")
    assert "发现 2 处错误，整个文件未导入" in text
    assert "“三月八日”是文本而不是日期" in text and "空行" in text
    phone.screenshot(path=f"{screenshot_dir}/excel_import_errors_phone.png", full_page=True)
    assert not Child.objects.exists()
    context.close()
