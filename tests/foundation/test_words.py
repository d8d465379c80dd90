"""Words (issue 18, point 14): messages name fields in Chinese, never by their code (「血红蛋白（hb_g_l）」); no
「YYYY-MM」; a report's status is not said twice (「未上报 未上报」); a date typed 2026.11.21 in an import is a
date; a successful import lists what it added, each with its record."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from jiceng.nutrition.models import Child
from tests.conftest import browser_login
from tests.excel.helpers import child_row, children_file, upload

FIELD_CODE = re.compile(r"（[a-z_0-9]+）")


def test_a_refused_follow_up_card_names_the_field_in_chinese(client, tree, make_child):
    child = make_child(birth_date=dt.date(2024, 6, 1))
    client.force_login(tree.village_doctor)
    page = client.post(
        f"/children/{child.pk}/followup/",
        {
            "visited_on": dt.date.today().isoformat(),
            "hb_g_l": "300",
            "length_cm": "200",
            "position": "lying",
            "weight_kg": "0.5",
        },
    ).content.decode()
    assert "血红蛋白应在 30–250 g/L 之间，收到 300" in page
    assert "身长/身高应在" in page and "体重应在" in page
    assert not FIELD_CODE.search(page), FIELD_CODE.search(page)


def test_no_yyyy_mm_on_the_pages_that_ask_for_months_and_dates(client, tree):
    client.force_login(tree.township_reviewer)
    for url in ("/force-majeure/", "/audit/?date_from=2026-13-45", "/summaries/", "/followups/worklist/"):
        html = client.get(url).content.decode()
        assert "YYYY" not in html, url
    refused = client.post(
        "/force-majeure/", {"unit": tree.town_a.code, "first_month": "四月", "last_month": "2026-05", "reason": "雨"}
    ).content.decode()
    assert "起始月份：请从列表中选择月份" in refused and "YYYY" not in refused


def test_an_open_report_says_its_status_once(client, tree):
    client.force_login(tree.village_doctor)
    html = client.get(f"/reports/NUT_MONTHLY/{tree.village_a1.code}/2026-10/").content.decode()
    status = html.split("状态</dt><dd>")[1].split("</dd>")[0]
    assert re.sub(r"<[^>]+>", " ", status).split().count("未上报") == 1


def test_an_import_reads_dotted_dates_and_lists_what_it_added(client, tree):
    client.force_login(tree.village_doctor)
    data = children_file(child_row("龙甲", birth="2025.3.8"), child_row("龙乙", birth="2025年4月9日"))
    page = client.post("/registers/excel/import/children/", {"file": upload(data)}).content.decode()
    assert "2 行全部导入成功" in page and "本次新增" in page
    first = Child.objects.get(name="龙甲")
    assert first.birth_date == dt.date(2025, 3, 8)
    assert f'href="/children/{first.pk}/"' in page and "龙甲（大寨村，2025-03-08 出生）" in page
    assert "龙乙（大寨村，2025-04-09 出生）" in page


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_words_in_the_browser(chromium_browser, live_server, tree, make_child, tmp_path, width, screenshot_dir):
    context = chromium_browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    browser_login(page, "cunyi")
    path = tmp_path / "儿童登记.xlsx"
    path.write_bytes(children_file(child_row("韦丙", birth="2025.3.8")))
    page.goto(page.base_url + "/registers/excel/import/children/")
    page.set_input_files("input[name=file]", str(path))
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    added = page.locator("#import-added li")
    assert added.count() == 1 and "韦丙（大寨村，2025-03-08 出生）" in added.inner_text()
    page.screenshot(path=os.path.join(screenshot_dir, f"words-import-{width}.png"), full_page=True)
    added.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert "韦丙" in page.inner_text("main h1")

    child = make_child(birth_date=dt.date(2024, 6, 1), name="韦丁")
    page.goto(page.base_url + f"/children/{child.pk}/followup/")
    page.fill("input[name=hb_g_l]", "300")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "血红蛋白应在 30–250 g/L 之间" in main and not FIELD_CODE.search(main)
    page.screenshot(path=os.path.join(screenshot_dir, f"words-followup-{width}.png"), full_page=True)
    page.goto(page.base_url + f"/reports/NUT_MONTHLY/{tree.village_a1.code}/2026-10/")
    assert page.inner_text("main .facts").count("未上报") == 1
    context.close()
