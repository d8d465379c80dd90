"""Periods are picked, not typed (issue 18, point 3): every page that asks for a period offers a list of
years, half years, quarters or months; an address or API value typed as people write it (2026-Q4, 2026/10,
2026年10月) is read; what cannot be read is a Chinese page with the navigation, like every 403, 404 and 500."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.test import Client
from django.utils import timezone

from jiceng.nutrition.models import ForceMajeure
from jiceng.periods import PeriodError, parse_period
from tests.conftest import browser_login
from tests.reporting import conftest as reporting

PERIOD = reporting.PERIOD
registers = reporting.registers  # the fixture


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2026Q4", "2026Q4"),
        ("2026-Q4", "2026Q4"),
        ("2026 q4", "2026Q4"),
        ("2026年第四季度", "2026Q4"),
        ("2026年4季度", "2026Q4"),
        ("2026-11", "2026-11"),
        ("2026-1", "2026-01"),
        ("2026/11", "2026-11"),
        ("2026.11", "2026-11"),
        ("202611", "2026-11"),
        ("2026年11月", "2026-11"),
        ("２０２６－１１", "2026-11"),
        ("2026-H2", "2026H2"),
        ("2026年上半年", "2026H1"),
        ("2026年", "2026"),
    ],
)
def test_periods_are_read_as_people_type_them(typed, code):
    assert parse_period(typed).code == code


@pytest.mark.parametrize("bad", ["2026-13", "202613", "2026Q5", "2026-Q", "2026年13月", "二〇二六", "26-11"])
def test_what_is_not_a_period_is_still_refused(bad):
    with pytest.raises(PeriodError, match="无法识别"):
        parse_period(bad)


def test_a_typed_report_address_goes_to_the_reports_one_address(client, tree, registers):
    client.force_login(tree.village_doctor)
    a1 = tree.village_a1.code
    for typed in ("2026.10", "2026年10月", "202610", "2026-10月"):
        response = client.get(f"/reports/NUT_MONTHLY/{a1}/{typed}/")
        assert response.status_code == 302 and response["Location"] == f"/reports/NUT_MONTHLY/{a1}/2026-10/", typed
    page = client.get(f"/reports/NUT_MONTHLY/{a1}/2026-13/")
    html = page.content.decode()
    assert page.status_code == 404 and "报告期“2026-13”无法识别" in html and "菜单" in html and "Not Found" not in html


def test_403_404_and_500_are_chinese_pages_with_the_navigation(tree, settings):
    settings.ROOT_URLCONF = "tests.foundation.boom_urls"
    client = Client(raise_request_exception=False)
    client.force_login(tree.village_doctor)
    for url, status, words in (
        ("/boom/", 500, "系统出错"),
        ("/no-such-page/", 404, "未找到该页面"),
        ("/users/", 404, "未找到"),  # a village doctor does not manage users: outside their pages
        (f"/units/{tree.town_b.code}/", 404, "未找到"),
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == status, url
        assert words in html and 'class="mainnav"' in html and "本月发放" in html, url  # the user's own navigation
        assert "Server Error" not in html and "Not Found" not in html


def test_the_500_page_is_drawn_even_when_the_navigation_cannot_be(tree, settings):
    settings.ROOT_URLCONF = "tests.foundation.boom_urls"
    client = Client(raise_request_exception=False)
    client.force_login(tree.village_doctor)
    settings.TEMPLATES[0]["OPTIONS"]["context_processors"] = [
        "django.template.context_processors.request",
        "tests.foundation.test_period_pickers.broken_navigation",
    ]
    response = client.get("/boom/")
    assert response.status_code == 500 and "系统出错" in response.content.decode()


def broken_navigation(request):
    raise RuntimeError("database gone")


def test_force_majeure_months_are_picked_from_a_list(client, tree):
    client.force_login(tree.township_reviewer)
    html = client.get("/force-majeure/").content.decode()
    assert 'name="first_month"' in html and "<select" in html.split('name="first_month"')[0][-200:]
    this_month = timezone.localdate()
    assert f"{this_month.year}年{this_month.month}月" in html
    response = client.post(
        "/force-majeure/",
        {"unit": tree.town_a.code, "first_month": "2026-04", "last_month": "2026-05", "reason": "暴雨断路"},
    )
    assert response.status_code == 302
    assert ForceMajeure.objects.get().first_month == "2026-04"


# --- in the browser, at phone and desktop widths -------------------------------------------------------


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


def no_typed_periods(page):
    """No text box on the page asks for a period."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main input')].filter(i => ['text', 'search', ''].includes(i.type)
             && /period|month|quarter/.test(i.name)).map(i => i.name)"""
    )


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_a_village_doctor_picks_another_month_of_the_report(at_width, tree, registers, width, screenshot_dir):
    page = at_width("cunyi", width)
    a1 = tree.village_a1.code
    page.goto(f"{page.base_url}/reports/NUT_MONTHLY/{a1}/{PERIOD}/")
    assert "2026年10月" in page.inner_text("main .facts")
    picker = page.locator("main select[name=period]")
    assert picker.is_visible() and picker.bounding_box()["height"] >= 44
    with page.expect_navigation():
        picker.select_option("2026-09")
    assert page.url.endswith(f"/reports/NUT_MONTHLY/{a1}/2026-09/")
    assert "2026年9月" in page.inner_text("main .facts")
    page.screenshot(path=os.path.join(screenshot_dir, f"periods-report-{width}.png"), full_page=True)
    page.goto(f"{page.base_url}/reports/NUT_MONTHLY/{a1}/2026-13/")
    assert "无法识别" in page.inner_text("main") and page.locator("nav.mainnav").count() == 1
    page.screenshot(path=os.path.join(screenshot_dir, f"periods-404-{width}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_the_county_picks_summary_quarter_and_allocation_periods(at_width, tree, registers, width, screenshot_dir):
    page = at_width("fybj", width)
    page.goto(page.base_url + "/summaries/")
    assert no_typed_periods(page) == []
    page.screenshot(path=os.path.join(screenshot_dir, f"periods-summaries-{width}.png"), full_page=True)
    quarterly = page.locator("form[action='/summaries/quarterly/']")
    quarterly.locator("select[name=unit]").select_option(tree.county.code)
    quarterly.locator("select[name=period]").select_option("2026Q3")
    with page.expect_navigation():
        quarterly.get_by_role("button", name="查看").click()
    assert page.url.split("?")[0].endswith(f"/summaries/quarterly/{tree.county.code}/2026Q3/")
    assert "2026年第三季度" in page.inner_text("main h1")
    with page.expect_navigation():
        page.locator("main select[name=period]").select_option("2026Q2")  # the page's own quarter switcher
    assert "2026年第二季度" in page.inner_text("main h1")
    page.screenshot(path=os.path.join(screenshot_dir, f"periods-quarterly-{width}.png"), full_page=True)
    page.goto(page.base_url + f"/summaries/quarterly/{tree.county.code}/2026-Q1/")  # typed by hand
    assert page.url.endswith("/2026Q1/") and "2026年第一季度" in page.inner_text("main h1")

    page.goto(page.base_url + "/stock/allocation/")
    assert no_typed_periods(page) == []
    next_month = timezone.localdate().replace(day=1) + dt.timedelta(days=32)
    with page.expect_navigation():
        page.locator("main select[name=period]").select_option(f"{next_month.year}Q{(next_month.month - 1) // 3 + 1}")
    assert f"{next_month.year}年第" in page.inner_text("main h1")
    page.screenshot(path=os.path.join(screenshot_dir, f"periods-allocation-{width}.png"), full_page=True)
