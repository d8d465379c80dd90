"""From the dashboard to action (issue 18, point 9): the drill-down goes on below the village to its children
who have not collected this month or are due a follow-up, with the village doctor's name and phone, its
distribution page and its report."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from jiceng.nutrition import actions
from tests.conftest import browser_login
from tests.stock.conftest import make_collection, today


@pytest.fixture
def village(tree, make_child):
    tree.village_doctor.phone = "13900001111"
    tree.village_doctor.save()
    last_month = today().replace(day=1) - dt.timedelta(days=5)
    for name in ("未领甲", "未领乙"):
        child = make_child(name=name, birth_date=today() - dt.timedelta(days=400))
        actions.record_consent(
            child, signed_on=last_month, signed_by="母", relation="母亲", acting_user=tree.village_doctor
        )
        make_collection(child, on=last_month)
    done = make_child(name="已领丙", birth_date=today() - dt.timedelta(days=400))
    actions.record_consent(done, signed_on=last_month, signed_by="母", relation="母亲", acting_user=tree.village_doctor)
    make_collection(done, on=today())
    poor = make_child(name="依从差丁", birth_date=today() - dt.timedelta(days=400))
    actions.record_followup(poor, visited_on=today(), packs_last_7d=1, acting_user=tree.village_doctor)
    make_child(village=tree.village_b1, name="别村戊")
    return tree


def test_the_village_page_lists_who_to_reach_with_the_doctors_phone(client, village):
    client.force_login(village.county_bureau)
    html = client.get(f"/villages/{village.village_a1.code}/").content.decode()
    not_collected = html.split('id="not-collected"')[1].split("</table>")[0]
    assert "未领甲" in not_collected and "未领乙" in not_collected and "已领丙" not in not_collected
    follow_up = html.split('id="follow-up"')[1].split("</table>")[0]
    assert "依从差丁" in follow_up and "已领丙" in follow_up  # collected this month, no card yet
    assert "王村医" in html and 'href="tel:13900001111"' in html
    assert f'href="/distribution/{village.village_a1.code}/"' in html
    assert f"/reports/NUT_MONTHLY/{village.village_a1.code}/" in html and "别村戊" not in html


def test_the_village_dashboard_leads_to_it_and_scope_holds(client, village):
    client.force_login(village.county_bureau)
    dashboard = client.get(f"/indicators/{village.village_a1.code}/?period=2026").content.decode()
    assert f'href="/villages/{village.village_a1.code}/?period=2026"' in dashboard
    assert "village-drill" not in client.get(f"/indicators/{village.town_a.code}/").content.decode()
    client.force_login(village.township_reviewer)
    assert client.get(f"/villages/{village.village_b1.code}/").status_code == 404  # another township
    assert client.get(f"/villages/{village.town_a.code}/").status_code == 404  # not a village


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_the_county_drills_from_the_dashboard_to_a_child(chromium_browser, live_server, village, width, screenshot_dir):
    context = chromium_browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    browser_login(page, "wjj")
    page.goto(page.base_url + f"/indicators/{village.town_a.code}/")
    page.locator(".ranking a", has_text="大寨村").click()
    page.wait_for_load_state("networkidle")
    page.locator("#village-drill").click()
    page.wait_for_load_state("networkidle")
    assert "本村需要跟进" in page.inner_text("main h1")
    assert page.get_by_role("link", name="13900001111").is_visible()
    page.screenshot(path=os.path.join(screenshot_dir, f"village-drill-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#not-collected a", has_text="未领甲").click()
    page.wait_for_load_state("networkidle")
    assert "未领甲" in page.inner_text("main h1")
    page.go_back()
    page.get_by_role("link", name="本月发放").last.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/distribution/{village.village_a1.code}/")
    context.close()
