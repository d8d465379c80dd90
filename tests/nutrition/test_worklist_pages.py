"""The follow-up worklist at county scale (issue 18, point 7): narrowed by township or village, one list at a
time, 50 children to a page, the whole list to Excel (audited), in a bounded number of queries."""

from __future__ import annotations

import io
import os

import pytest
from openpyxl import load_workbook

from jiceng.audit.models import AuditEntry
from jiceng.nutrition import actions
from tests.conftest import browser_login
from tests.stock.conftest import make_collection, today


@pytest.fixture
def worklist(tree, make_child):
    """60 children at 大寨村 and 5 at 高坡村 who collected this month and have no card yet; 3 at 大寨村 whose
    card shows 2 packs in the last 7 days."""
    for i in range(60):
        make_collection(make_child(village=tree.village_a1, name=f"甲{i:02d}"), on=today())
    for i in range(5):
        make_collection(make_child(village=tree.village_b1, name=f"高{i:02d}"), on=today())
    for i in range(3):
        child = make_child(village=tree.village_a1, name=f"差{i}")
        actions.record_followup(child, visited_on=today(), packs_last_7d=2, acting_user=tree.village_doctor)
    return tree


def rows(html: str) -> int:
    table = html.split('id="worklist"')[1].split("</table>")[0]
    return table.count("<tr>") - 1  # minus the header row


def test_the_county_worklist_is_paged_filtered_and_bounded(client, worklist, django_assert_max_num_queries):
    client.force_login(worklist.county_mch)
    with django_assert_max_num_queries(20):
        html = client.get("/followups/worklist/?list=due").content.decode()
    assert rows(html) == 50 and "第 1 / 2 页" in html and '本月应随访 <span class="badge">65</span>' in html
    assert rows(client.get("/followups/worklist/?list=due&page=2").content.decode()) == 15
    village = client.get(f"/followups/worklist/?list=due&unit={worklist.village_b1.code}").content.decode()
    assert rows(village) == 5 and "高00" in village and "甲00" not in village
    township = client.get(f"/followups/worklist/?list=due&unit={worklist.town_a.code}").content.decode()
    assert "第 1 / 2 页" in township and "高00" not in township
    low = client.get("/followups/worklist/").content.decode()  # 服用依从性差 first
    assert rows(low) == 3 and "差0" in low and 'aria-current="page">服用依从性差' in low


def test_the_worklist_goes_to_excel_and_the_export_is_audited(client, worklist):
    client.force_login(worklist.township_reviewer)
    response = client.get("/followups/worklist/?format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))[
        "随访提醒"
    ]
    names = [r[4] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 63 and "差0" in names and "甲59" in names and "高00" not in names  # own township only
    entry = AuditEntry.objects.get(action="export.worklist")
    assert entry.actor == worklist.township_reviewer and entry.after["rows"] == 63


def test_a_unit_outside_the_scope_is_not_found(client, worklist):
    client.force_login(worklist.township_reviewer)
    assert client.get(f"/followups/worklist/?unit={worklist.village_b1.code}").status_code == 404
    assert client.get(f"/followups/worklist/?unit={worklist.village_b1.code}&format=xlsx").status_code == 404


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_the_county_narrows_the_worklist_to_a_village_and_pages_it(
    chromium_browser, live_server, worklist, width, screenshot_dir
):
    context = chromium_browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    browser_login(page, "fybj")
    page.goto(page.base_url + "/followups/worklist/")
    page.get_by_role("link", name="本月应随访").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#worklist tbody tr").count() == 50
    page.screenshot(path=os.path.join(screenshot_dir, f"worklist-county-{width}.png"), full_page=True)
    page.get_by_role("link", name="下一页").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#worklist tbody tr").count() == 15
    with page.expect_navigation():
        page.locator("select[name=unit]").select_option(worklist.village_b1.code)
    assert page.locator("#worklist tbody tr").count() == 5 and "高坡村" in page.inner_text("#worklist")
    assert "本月应随访" in page.locator(".tabs a[aria-current=page]").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename.startswith("随访提醒_高坡村")
    page.screenshot(path=os.path.join(screenshot_dir, f"worklist-village-{width}.png"), full_page=True)
    context.close()
