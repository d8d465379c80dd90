"""A readable audit trail (issue 18, point 10): field names in Chinese, before → after per field, units by name."""

import re

import pytest

from jiceng.nutrition import actions
from jiceng.reporting import actions as reporting
from jiceng.reporting.actions import get_report


@pytest.mark.django_db
def test_the_audit_page_reads_in_words(client, tree, make_child):
    child = make_child(name="罗小花")
    data = actions.ChildData(name="罗小花", sex="F", birth_date=child.birth_date, caregiver_phone="13812345678")
    actions.update_child(child, data, acting_user=tree.village_doctor)
    actions.move_child(
        child,
        kind="transfer",
        happened_on=child.birth_date,
        to_village=tree.village_a2,
        acting_user=tree.township_officer,
    )
    report = get_report("MCH_MONTHLY", tree.town_a, "2026-10")
    first = next(iter(report_elements(report)))
    reporting.set_values(report, {first[0]: "27"}, acting_user=tree.township_officer)
    client.force_login(tree.township_reviewer)
    html = client.get("/audit/").content.decode()
    page = re.sub(r"<[^>]+>", "", html)
    assert f"{first[1]}（{first[0]}）：— → 27" in page  # the element's name, not values: {'M01': '27'}
    assert "所属村：大寨村卫生室 → 岩脚村卫生室" in page and "看护人姓名：母亲甲 → —" in page
    assert "village_id" not in page and "None" not in page and "台账计算值" not in page
    assert re.search(r'<select name="unit"[^>]*>.*<option value="522799100201">大寨村卫生室', html, re.S)


def report_elements(report):
    from jiceng.reporting.packs import find_dataset

    ds = find_dataset(report.dataset)
    return [(e.code, e.name) for e in ds.elements if e.source is None][:1]


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}])
def test_the_audit_page_in_the_browser(chromium_browser, live_server, tree, make_child, viewport, screenshot_dir):
    from tests.conftest import TEST_PASSWORD

    child = make_child(name="罗小花")
    actions.move_child(
        child,
        kind="transfer",
        happened_on=child.birth_date,
        to_village=tree.village_a2,
        acting_user=tree.township_officer,
    )
    context = chromium_browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "fybj")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/audit/")
    page.select_option("select[name=unit]", label="上坝乡卫生院")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "所属村：大寨村卫生室 → 岩脚村卫生室" in main and "village_id" not in main
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=f"{screenshot_dir}/audit-{viewport['width']}.png", full_page=True)
    context.close()
