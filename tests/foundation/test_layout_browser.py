"""Phone and desktop layouts (issue 18, point 5): on a 390 px phone every list is cards (no column squeezed to
one character a line, the ID number whole), the navigation is one 菜单 button, nothing runs off the screen and
every control is at least 44 px tall; on a 1366 px desktop the county's navigation fits."""

from __future__ import annotations

import os

import pytest

from tests.conftest import browser_login
from tests.reporting import conftest as reporting
from tests.stock.conftest import stock_village

PERIOD = reporting.PERIOD
registers = reporting.registers  # the fixture: three children collected in October at 大寨村, one at 岩脚村

PHONE, DESKTOP = 390, 1366

# every control a thumb has to hit: links in lists and navigation, buttons, fields (not words inside a sentence)
SMALL_TARGETS = """() => {
  const out = [];
  const sel = 'main a.button, main button, main input, main select, main textarea, nav a, nav label, header a,'
    + ' header button, table.list td a, .pager a, .drow a, ul.plain a, .tabs a';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (['hidden', 'checkbox', 'radio'].includes(el.type)) continue;
    if (r.height < 44) out.push(`${el.tagName} «${(el.textContent || el.name || '').trim().slice(0, 20)}» ${Math.round(r.height)}px`);
  }
  return out;
}"""

OVERFLOWING = """() => {
  const w = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1) out.push(`${el.tagName}.${el.className} right=${Math.round(r.right)}`);
  }
  return out.slice(0, 5);
}"""

# a list cell narrower than half the phone is a squeezed table column, not a card
NARROW_CELLS = """() => {
  const out = [];
  for (const td of document.querySelectorAll('table.list:not(.values) tbody td, table.values tbody tr')) {
    const r = td.getBoundingClientRect();
    if (r.width > 0 && r.width < window.innerWidth / 2) out.push(`${td.textContent.trim().slice(0, 12)} ${Math.round(r.width)}px`);
  }
  return out.slice(0, 5);
}"""


@pytest.fixture
def county(tree, registers, make_child):
    stock_village(tree, 600)
    make_child(village=tree.village_a1, name="龙小雨", id_number="522799202403150026", caregiver_phone="13987654321")
    return tree


@pytest.fixture
def at_width(chromium_browser, live_server):
    contexts = []

    def make(username, width):
        context = chromium_browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        browser_login(page, username)
        return page

    yield make
    for context in contexts:
        context.close()


def look(page, path, screenshot_dir, name):
    page.goto(page.base_url + path)
    page.wait_for_load_state("networkidle")
    width = page.viewport_size["width"]
    page.screenshot(path=os.path.join(screenshot_dir, f"layout-{name}-{width}.png"), full_page=True)
    return page


def phone_pages(tree):
    a1, town = tree.village_a1.code, tree.town_a.code
    return {
        "cunyi": [
            "/",
            "/children/",
            "/distribution/" + a1 + "/",
            "/followups/worklist/",
            f"/stock/{a1}/",
            f"/reports/NUT_MONTHLY/{a1}/{PERIOD}/",
            "/reports/",
        ],
        "xz_reviewer": [f"/reports/NUT_MONTHLY/{a1}/{PERIOD}/", f"/reports/?period={PERIOD}", "/stock/", "/audit/"],
        "fybj": ["/stock/", f"/stock/{town}/", "/followups/worklist/", "/children/", "/indicators/", "/units/"],
    }


@pytest.mark.browser
def test_lists_are_cards_on_a_phone_and_nothing_overflows(at_width, county, screenshot_dir):
    for username, paths in phone_pages(county).items():
        page = at_width(username, PHONE)
        for path in paths:
            look(page, path, screenshot_dir, f"{username}{path}".replace("/", "_").strip("_"))
            assert page.evaluate(OVERFLOWING) == [], f"{username} {path} runs off a 390 px screen"
            assert page.evaluate(NARROW_CELLS) == [], f"{username} {path}: a list is a squeezed table, not cards"
            assert page.evaluate(SMALL_TARGETS) == [], f"{username} {path}: targets under 44 px"


@pytest.mark.browser
def test_the_child_register_on_a_phone_shows_each_child_as_a_card_with_its_whole_id_number(at_width, county):
    page = at_width("cunyi", PHONE)
    page.goto(page.base_url + "/children/")
    card = page.locator("table.list tbody tr", has_text="龙小雨")
    id_cell = card.locator("td.mono").first
    shown_label = id_cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert shown_label == '"身份证号："'  # each value under its column's name
    assert "0026" in id_cell.inner_text()
    box = id_cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE and box["width"] >= PHONE / 2
    assert box["height"] < 34, "the ID number is broken over several lines"
    assert id_cell.evaluate("td => td.scrollWidth <= td.clientWidth"), "the ID number is cut off"


@pytest.mark.browser
def test_the_navigation_is_a_menu_on_a_phone(at_width, county, screenshot_dir):
    page = at_width("cunyi", PHONE)
    page.goto(page.base_url + "/children/")
    nav = page.locator("nav.mainnav")
    assert nav.bounding_box()["width"] <= PHONE
    assert nav.evaluate("n => n.scrollWidth <= n.clientWidth"), "the navigation is wider than the phone"
    links = nav.locator(".nav-links a")
    assert not links.first.is_visible()
    menu = page.get_by_text("菜单")
    assert "儿童登记" in menu.inner_text()  # the current page is named beside the button
    assert menu.bounding_box()["height"] >= 44
    menu.click()
    page.screenshot(path=os.path.join(screenshot_dir, "layout-menu-open-390.png"))
    assert links.count() >= 5
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert links.nth(i).is_visible() and box["height"] >= 44 and box["x"] + box["width"] <= PHONE
    page.get_by_role("link", name="本月发放").click()
    page.wait_for_load_state("networkidle")
    assert "/distribution/" in page.url


@pytest.mark.browser
@pytest.mark.parametrize("username", ["fybj", "admin", "wjj"])
def test_the_desktop_navigation_fits_at_1366(at_width, county, username, screenshot_dir):
    page = at_width(username, DESKTOP)
    look(page, "/", screenshot_dir, f"{username}-home")
    assert page.evaluate(OVERFLOWING) == []
    nav = page.locator("nav.mainnav")
    assert nav.evaluate("n => n.scrollWidth <= n.clientWidth")
    assert not page.get_by_text("菜单").is_visible()
    for i in range(nav.locator("a").count()):
        box = nav.locator("a").nth(i).bounding_box()
        assert box["x"] + box["width"] <= DESKTOP, nav.locator("a").nth(i).inner_text()
    page.goto(page.base_url + f"/units/{county.town_a.code}/")
    assert page.locator("table.list thead").first.is_visible()  # a table stays a table on a desktop
    assert page.locator('nav.mainnav a[aria-current="page"]').inner_text() == "组织机构"
