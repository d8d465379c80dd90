"""In a real browser on a 390 px phone, against the real web server and worker processes: a township
officer uploads a 20,000-row collections file, is taken to the job's page and watches its progress bar
move forward to the end (htmx polling), then sees every row saved; the list of own jobs, at 1366 px too."""

import time

import pytest

from tests.jobs.stack import PASSWORD, Stack

ROWS = 20_000


@pytest.fixture
def stack(tmp_path):
    running = Stack(tmp_path)
    yield running
    running.close()


@pytest.mark.browser
def test_a_20000_row_import_shows_its_progress_bar_to_the_end_on_a_phone(chromium_browser, stack, screenshot_dir):
    data = stack.seed(ROWS)
    url = stack.serve()
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    phone.goto(url + "/login/")
    phone.fill("input[name=username]", "xz_officer")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_load_state("networkidle")
    phone.goto(url + "/registers/excel/import/collections/")
    assert "在后台导入" in phone.inner_text("main")
    phone.set_input_files("input[name=file]", str(data))
    phone.click("main button[type=submit]")
    phone.wait_for_url("**/jobs/*/")
    assert "排队中" in phone.inner_text("#job-progress")  # no worker yet: the job waits in the queue
    stack.worker()

    values: list[int] = []
    shot = False
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if phone.locator("#job-done").count() or phone.locator("#job-failed").count():
            break
        bar = phone.locator("progress.job-bar")
        if bar.count():
            value = int(bar.get_attribute("value") or 0)
            if not values or value != values[-1]:
                values.append(value)
            if 30 <= value < 90 and not shot:
                assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
                phone.screenshot(path=f"{screenshot_dir}/job_progress_phone.png", full_page=True)
                shot = True
        time.sleep(0.2)
    text = phone.inner_text("#job-progress")
    assert f"{ROWS} 行全部导入成功" in text, text
    assert values == sorted(values) and any(0 < v < 100 for v in values), values  # it moved, forward only
    phone.screenshot(path=f"{screenshot_dir}/job_done_phone.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    job_url = phone.url
    phone.goto(url + "/jobs/")
    assert "导入营养包发放登记" in phone.inner_text("main") and "已完成" in phone.inner_text("main")
    phone.screenshot(path=f"{screenshot_dir}/job_list_phone.png", full_page=True)
    phone.set_viewport_size({"width": 1366, "height": 900})
    phone.goto(job_url)
    assert f"{ROWS} 行全部导入成功" in phone.inner_text("#job-progress")
    phone.screenshot(path=f"{screenshot_dir}/job_done_desktop.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
    saved = stack.python("from jiceng.nutrition.models import Collection; print(Collection.objects.count())")
    assert saved == str(ROWS)
