"""The loop of issue 14's "Done when", on a 390 px phone: the township reviewer inspects a village clinic
with the nutrition checklist, attaches a photo, records two findings and issues the notice; the village
doctor confirms it and replies with a photo; the reviewer closes one and returns the other; the county
sees the result."""

from __future__ import annotations

import datetime as dt

import pytest

from jiceng.supervision.models import Finding, State
from tests.conftest import TEST_PASSWORD
from tests.supervision.conftest import photo_bytes, today

PHONE = {"width": 390, "height": 844}


def phone_login(browser, base_url, username):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, page


def no_horizontal_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_inspect_notice_reply_recheck_on_a_phone(chromium_browser, live_server, tree, tmp_path):
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(photo_bytes())
    base = live_server.url

    context, page = phone_login(chromium_browser, base, "xz_reviewer")
    page.goto(base + "/supervision/")
    no_horizontal_overflow(page)
    page.get_by_role("link", name="＋ 开始检查").click()
    page.get_by_role("link", name="大寨村").click()
    no_horizontal_overflow(page)
    page.check("input[name=met_B2][value='0']")
    page.fill("input[name=score_B2]", "4")
    page.fill("textarea[name=remark_B2]", "10月温湿度记录缺12天")
    page.check("input[name=met_B3][value='0']")
    page.fill("input[name=score_B3]", "20")  # above the item's 15: refused, nothing saved
    page.fill("input[name=representative]", "王村医")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("#inspection-form button[type=submit]")
    assert "B3 得分：20 分超过该项满分 15 分" in page.locator("main").inner_text()
    assert page.input_value("textarea[name=remark_B2]") == "10月温湿度记录缺12天"
    page.fill("input[name=score_B3]", "8")
    page.fill("textarea[name=remark_B3]", "实物比台账少6包")
    page.set_input_files("input[name=photos]", str(photo))  # files are not kept by the browser after a refusal
    page.click("#inspection-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#record-score").inner_text() == "87.0"
    assert page.locator(".sv-photos img").count() == 1
    assert page.evaluate("document.querySelector('.sv-photos img').naturalWidth") > 0
    page.fill("#notice-form input[name=deadline]", (today() + dt.timedelta(days=14)).isoformat())
    page.click("#notice-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert f"〔{today().year}〕1号" in page.locator("h1").inner_text()
    no_horizontal_overflow(page)
    context.close()

    context, page = phone_login(chromium_browser, base, "cunyi")
    assert "确认整改通知书" in page.locator("main").inner_text()
    page.goto(base + "/supervision/")
    page.locator(".sv-card", has_text="〔").first.click()
    page.get_by_role("button", name="确认收到").click()
    assert "已确认收到" in page.locator("#notice-receipt").inner_text()
    for text in ("温湿度记录缺失或不连续", "实物库存与台账不符"):
        page.goto(base + "/supervision/")
        page.locator(".sv-card", has_text=text).first.click()
        page.fill("#reply-form textarea[name=text]", f"已整改：{text}")
        page.set_input_files("#reply-form input[name=photos]", str(photo))
        page.click("#reply-form button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("#finding-state").inner_text().startswith("已反馈")
    no_horizontal_overflow(page)
    context.close()

    context, page = phone_login(chromium_browser, base, "xz_reviewer")
    assert "整改复查" in page.locator("main").inner_text()
    page.goto(base + "/supervision/findings/?list=tasks&state=replied")
    page.locator(".sv-cards .sv-card", has_text="温湿度记录").click()
    page.fill("#recheck-form textarea[name=note]", "现场复查，记录已补齐")
    page.get_by_role("button", name="复查通过").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#finding-state").inner_text().startswith("已销号")
    page.goto(base + "/supervision/findings/?list=tasks&state=replied")
    page.locator(".sv-cards .sv-card", has_text="实物库存").click()
    page.get_by_role("button", name="退回整改").click()
    assert "退回原因：不能为空" in page.locator("main").inner_text()
    page.fill("#recheck-form textarea[name=note]", "台账仍差2包，请重新盘点")
    page.get_by_role("button", name="退回整改").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#finding-state").inner_text().startswith("待整改")
    assert "台账仍差2包" in page.locator("#finding-timeline").inner_text()
    context.close()

    assert sorted(Finding.objects.values_list("state", flat=True)) == [State.CLOSED, State.OPEN]
    context, page = phone_login(chromium_browser, base, "wjj")
    page.goto(base + "/supervision/")
    strip = page.locator("#rectification-counts").inner_text()
    assert "1\n待整改" in strip and "1\n已销号" in strip
    no_horizontal_overflow(page)
    page.goto(
        base + f"/indicators/{tree.county.code}/?programme=supervision&indicator=SUP_RECTIFIED&period={today():%Y-%m}"
    )
    main = page.locator("main").inner_text()
    assert "整改率" in main and "50.00%" in main  # 1 of the 2 findings closed
    assert "上坝乡" in page.locator(".ranking").inner_text()
    page.goto(base + f"/supervision/assessment/?period={today():%Y-%m}")
    cards = page.locator("#ranking-cards").inner_text()
    assert "上坝乡" in cards and "龙井镇" in cards
    page.locator("#ranking-cards details").first.click()
    assert "村卫生室督导检查得分" in page.locator("#ranking-cards").inner_text()
    no_horizontal_overflow(page)
    context.close()
