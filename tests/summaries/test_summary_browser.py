import pytest

from jiceng.summaries.models import Summary
from tests.conftest import browser_login


@pytest.mark.browser
def test_township_officer_writes_edits_and_downloads_the_summary(page, tree, registers, screenshot_dir):
    browser_login(page, "xz_officer")
    page.goto(page.base_url + "/summaries/")
    form = page.locator("form", has_text="由数据生成初稿")
    form.locator("select[name=period]").select_option("2026Q4")
    form.locator("select[name=figures]").select_option("working")
    form.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "编辑工作总结" in page.inner_text("main")
    results = page.locator("textarea[name=section_results]")
    assert "营养包发放率为" in results.input_value()
    results.fill(results.input_value() + "\n全镇儿童营养包发放率达到99.99%。")
    page.click("button[value=save]")
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "已保存为第 2 版" in main and "“99.99%”与当前数据不符" in main
    page.screenshot(path=f"{screenshot_dir}/test-summary-edit.png", full_page=True)
    with page.expect_download() as download:
        page.click("text=下载 Word")
    assert download.value.suggested_filename.endswith("工作总结.docx")
    assert Summary.objects.get().versions.count() == 2
