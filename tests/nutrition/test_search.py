"""Finding anyone fast (issue 18, point 6): one box labelled 搜索 wherever children are listed (儿童登记, 本月发放,
随访提醒) finds a child by name, by the initials of the name's pinyin, or by the last 4 digits of the ID number
or the caregiver's phone; registering, a valid ID number fills in the birth date and sex."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from jiceng.nutrition import actions
from jiceng.nutrition.models import Child
from jiceng.nutrition.search import name_initials
from jiceng.standards.idnumber import make_id_number
from tests.conftest import browser_login
from tests.stock.conftest import make_collection, today

BIRTH = dt.date(2025, 6, 15)
ID = make_id_number("522799", BIRTH, 41, "F")


@pytest.fixture
def people(tree, make_child):
    found = make_child(name="王小明", sex="F", birth_date=BIRTH, id_number=ID, caregiver_phone="13987650123")
    other = make_child(name="龙雨", caregiver_phone="13812345678")
    far = make_child(village=tree.village_b1, name="王晓梅", caregiver_phone="13700000123")
    for child in (found, other):  # 王晓梅 is in the other township
        actions.record_consent(
            child, signed_on=today(), signed_by="母", relation="母亲", acting_user=tree.township_officer
        )
    return found, other, far


def test_initials_keep_every_reading_of_a_name():
    assert name_initials("王小明").split()[0] == "wxm"
    assert "zll" in name_initials("曾乐乐").split() and "cll" in name_initials("曾乐乐").split()


def names(html: str) -> set[str]:
    return {n for n in ("王小明", "龙雨", "王晓梅") if f">{n}<" in html}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("王小明", {"王小明"}),
        ("小", {"王小明"}),
        ("wxm", {"王小明"}),
        ("WX", {"王小明"}),
        (ID[-4:], {"王小明"}),  # last 4 digits of the ID number
        ("0123", {"王小明"}),  # last 4 digits of the caregiver's phone
        ("ly", {"龙雨"}),
        ("zzz", set()),
    ],
)
def test_the_register_finds_a_child_by_name_initials_or_last_four_digits(client, tree, people, typed, expected):
    client.force_login(tree.village_doctor)
    html = client.get("/children/", {"q": typed}).content.decode()
    assert names(html) == expected, typed
    assert ">搜索<" in html


def test_the_county_searches_its_whole_register_and_narrows_it(client, tree, people):
    client.force_login(tree.county_mch)
    assert names(client.get("/children/", {"q": "0123"}).content.decode()) == {"王小明", "王晓梅"}
    narrowed = client.get("/children/", {"q": "0123", "unit": tree.town_b.code}).content.decode()
    assert names(narrowed) == {"王晓梅"}
    # masked numbers stay masked: a search by the last 4 digits does not reveal the rest
    html = client.get("/children/", {"q": ID[-4:]}).content.decode()
    assert ID not in html and "王小明" in html


def test_distribution_and_worklist_search(client, tree, people):
    found, other, _far = people
    for child in (found, other):
        make_collection(child, on=today() - dt.timedelta(days=40))
    client.force_login(tree.village_doctor)
    html = client.get(f"/distribution/{tree.village_a1.code}/", {"q": "wxm"}).content.decode()
    assert "王小明" in html and "龙雨" not in html and ">搜索<" in html
    html = client.get(f"/distribution/{tree.village_a1.code}/", {"q": "5678"}).content.decode()
    assert "龙雨" in html and "王小明" not in html
    html = client.get("/followups/worklist/", {"q": "ly", "list": "due"}).content.decode()
    assert ">龙雨<" in html and ">王小明<" not in html


def test_registering_with_an_id_number_fills_in_birth_date_and_sex(client, tree):
    client.force_login(tree.village_doctor)
    response = client.post(
        "/children/new/",
        {"village": tree.village_a1.code, "name": "韦小花", "id_number": ID, "residence": "resident"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    child = Child.objects.get(name="韦小花")
    assert (child.birth_date, child.sex) == (BIRTH, "F")
    assert child.search_initials.split()[0] == "wxh" and child.id_last4 == ID[-4:]
    page = client.post("/children/new/", {"village": tree.village_a1.code, "name": "无证", "residence": "resident"})
    assert "出生日期：必填（填写身份证号可自动带出）" in page.content.decode()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_search_and_registration_in_the_browser(chromium_browser, live_server, tree, people, width, screenshot_dir):
    context = chromium_browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    browser_login(page, "cunyi")
    page.goto(page.base_url + "/children/new/")
    page.fill("input[name=name]", "韦小草")
    page.fill("input[name=id_number]", make_id_number("522799", dt.date(2025, 8, 9), 51, "M"))
    assert page.input_value("input[name=birth_date]") == "2025-08-09"
    assert page.is_checked("input[name=sex][value=M]")
    page.screenshot(path=os.path.join(screenshot_dir, f"search-register-{width}.png"), full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已登记：韦小草" in page.inner_text("main")

    page.goto(page.base_url + f"/distribution/{tree.village_a1.code}/")
    box = page.get_by_label("搜索")
    assert box.bounding_box()["height"] >= 44
    box.fill("wxm")
    with page.expect_navigation():
        box.press("Enter")
    assert page.locator(".drow").count() == 1 and "王小明" in page.inner_text(".drows")
    page.screenshot(path=os.path.join(screenshot_dir, f"search-distribution-{width}.png"), full_page=True)
    page.goto(page.base_url + "/children/")
    page.get_by_label("搜索").fill("0123")
    with page.expect_navigation():
        page.get_by_role("button", name="搜索").click()
    assert page.locator("table.list tbody tr").count() == 1
    page.screenshot(path=os.path.join(screenshot_dir, f"search-children-{width}.png"), full_page=True)
    context.close()
