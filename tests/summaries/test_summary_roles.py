"""Roles as they work (issue 18, point 11): the township programme officer (公卫专干) drafts the work summary and
the director (院长, the township reviewer) approves it; the county cannot confirm receipt of stock sent to a
village or a township (only the receiving unit's staff count what arrived)."""

import pytest
from django.core.exceptions import ValidationError

from jiceng.accounts import access
from jiceng.audit.models import AuditEntry
from jiceng.stock import actions as stock
from jiceng.stock.models import Transfer
from jiceng.summaries import actions
from tests.conftest import browser_login
from tests.stock.conftest import receive, today


@pytest.fixture
def draft(tree, registers):
    return actions.create_summary(tree.town_a, "2026Q4", official=False, acting_user=tree.township_officer)


def test_the_officer_drafts_and_the_director_approves(tree, draft):
    with pytest.raises(access.AccessDenied, match="不能审定"):
        actions.approve_summary(draft, acting_user=tree.township_officer)
    with pytest.raises(access.AccessDenied, match="不能编写"):
        actions.create_summary(tree.town_a, "2026Q4", official=False, acting_user=tree.township_reviewer)
    approved = actions.approve_summary(draft, acting_user=tree.township_reviewer)
    assert approved.approved and approved.approved_by == tree.township_reviewer and approved.approved_version == 1
    with pytest.raises(ValidationError, match="已由 张院长 于 .* 审定，不能再修改"):
        actions.save_summary(draft, title="改", opening="", sections={}, acting_user=tree.township_officer)
    with pytest.raises(ValidationError, match="退回原因"):
        actions.reopen_summary(draft, reason="  ", acting_user=tree.township_reviewer)
    actions.reopen_summary(draft, reason="问题部分写具体村名", acting_user=tree.township_reviewer)
    actions.save_summary(draft, title="改", opening="", sections={}, acting_user=tree.township_officer)
    assert [e.action for e in AuditEntry.objects.filter(object_type="summaries.summary").order_by("at", "pk")] == [
        "summary.create",
        "summary.approve",
        "summary.reopen",
        "summary.save",
    ]


def test_the_approver_is_not_an_author(tree, registers):
    made = actions.create_summary(tree.county, "2026", official=False, acting_user=tree.county_bureau)
    with pytest.raises(ValidationError, match="审定人不能是起草人"):
        actions.approve_summary(made, acting_user=tree.county_bureau)


def test_only_the_receiving_unit_confirms_a_transfer(tree):
    receive(tree, 100)
    [to_town] = stock.send_transfer(tree.mch, tree.town_a, quantity=60, sent_on=today(), acting_user=tree.county_mch)
    with pytest.raises(access.AccessDenied, match="只有收货单位（上坝乡卫生院）的人员可以确认收货"):
        stock.confirm_transfer(to_town, received_quantity=60, received_on=today(), acting_user=tree.county_mch)
    stock.confirm_transfer(to_town, received_quantity=60, received_on=today(), acting_user=tree.township_officer)
    [to_village] = stock.send_transfer(
        tree.town_a, tree.village_a1, quantity=20, sent_on=today(), acting_user=tree.township_officer
    )
    for outsider in (tree.county_mch, tree.township_officer):
        with pytest.raises(access.AccessDenied, match="只有收货单位"):
            stock.confirm_transfer(to_village, received_quantity=20, received_on=today(), acting_user=outsider)
    stock.confirm_transfer(to_village, received_quantity=20, received_on=today(), acting_user=tree.village_doctor)
    assert Transfer.objects.get(pk=to_village.pk).received_by == tree.village_doctor


def test_the_county_is_not_offered_a_confirm_button(client, tree):
    receive(tree, 100)
    [transfer] = stock.send_transfer(tree.mch, tree.town_a, quantity=60, sent_on=today(), acting_user=tree.county_mch)
    client.force_login(tree.county_mch)
    assert "确认收货</a>" not in client.get("/stock/transfers/").content.decode()
    page = client.get(f"/stock/transfers/{transfer.pk}/confirm/").content.decode()
    assert "只有收货单位（上坝乡卫生院）的人员可以确认收货" in page and 'name="received_quantity"' not in page
    response = client.post(
        f"/stock/transfers/{transfer.pk}/confirm/", {"received_quantity": "60", "received_on": today().isoformat()}
    )
    assert response.status_code == 403
    assert Transfer.objects.get(pk=transfer.pk).status == Transfer.Status.PENDING


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}])
def test_draft_then_approve_in_the_browser(chromium_browser, live_server, tree, registers, viewport, screenshot_dir):
    width = viewport["width"]
    for username, act in (("xz_officer", "draft"), ("xz_reviewer", "approve")):
        context = chromium_browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        page.base_url = live_server.url
        browser_login(page, username)
        if act == "draft":
            page.goto(page.base_url + "/summaries/")
            form = page.locator("form", has_text="由数据生成初稿")
            form.locator("select[name=period]").select_option("2026Q4")
            form.locator("select[name=figures]").select_option("working")
            form.locator("button").click()
            page.wait_for_load_state("networkidle")
            assert "草稿" in page.inner_text("main") and page.locator("button[value=save]").is_visible()
            assert page.locator("button[value=approve]").count() == 0
            url = page.url
        else:
            page.goto(url)
            assert page.locator("button[value=save]").count() == 0
            page.click("button[value=approve]")
            page.wait_for_load_state("networkidle")
            main = page.inner_text("main")
            assert "已审定" in main and "张院长" in main
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=f"{screenshot_dir}/summary-approved-{width}.png", full_page=True)
        context.close()
