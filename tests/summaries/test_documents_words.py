"""Documents (issue 18, point 12): a report prints (print layout, 打印 button); a title breaks only between
words; a change is said with its direction (提高/下降, never 「4.35 个百分点」 alone nor 「↓-1.52」); the text says the
target status as the table does (接近 is 接近); a 0.0% timeliness is not green."""

from __future__ import annotations

import io
import os
import re

import pytest
from docx import Document

from jiceng.documents.official.docx_builder import OfficialDocument, title_lines
from jiceng.indicators import actions as targets
from jiceng.web.templatetags.numbers import change_words, unsigned
from tests.conftest import browser_login


@pytest.mark.parametrize(
    "title",
    [
        "清溪县妇幼保健中心2026年第三季度儿童营养改善项目分析",
        "关于2026年儿童营养改善项目实施情况的报告",
        "上坝乡卫生院2026年第四季度营养包发放率分析",
    ],
)
def test_a_long_title_breaks_between_words(title):
    lines = title_lines(title)
    assert "".join(lines) == title and len(lines) >= 2
    for line in lines:
        assert sum(0.55 if c.isascii() else 1 for c in line) <= 20
    for a, b in zip(lines, lines[1:], strict=False):
        assert not (a[-1].isdigit() and b[0].isdigit())  # never inside 2026
        assert a.endswith(("县", "中心", "年", "季度", "项目", "卫生院")) or b.startswith(
            ("关于", "实施", "第", "儿童", "营养包")
        )
    title_paragraph = OfficialDocument(title).document.paragraphs[0]
    assert [r.text for r in title_paragraph.runs if r.text.strip()] == lines  # one run a line, a line break between


def test_changes_are_said_with_their_direction():
    assert change_words(4.35) == "提高4.35个百分点"
    assert change_words(-1.52) == "下降1.52个百分点"
    assert change_words(0) == "持平"
    assert unsigned(-1.52) == 1.52


def test_the_quarterly_text_says_the_direction_and_the_tables_status(client, tree, registers):
    targets.set_target("NUT_COVERAGE", tree.county, 2026, "53", acting_user=tree.county_bureau)  # 50%: 接近
    client.force_login(tree.township_reviewer)
    page = client.get(f"/summaries/quarterly/{tree.town_a.code}/2026Q4/?figures=working").content.decode()
    sentence = re.sub(r"<[^>]+>", "", page.split("营养包发放率：")[1].split("</p>")[0])
    assert re.search(r"较上季度(提高|下降)\d+\.\d\d个百分点|较上季度持平", sentence), sentence
    assert "（接近）" in sentence
    response = client.get(f"/summaries/quarterly/{tree.town_a.code}/2026Q4/?figures=working&format=docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "接近目标（53%）" in text and "未达到目标" not in text
    assert re.search(r"较上季度(提高|下降)\d+\.\d\d个百分点|与上季度持平", text), text


def test_the_dashboard_never_writes_an_arrow_and_a_minus(client, tree, registers):
    client.force_login(tree.county_bureau)
    html = client.get(f"/indicators/{tree.county.code}/?period=2026-10&figures=working").content.decode()
    assert "↓-" not in html and "↑+" not in html


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_a_report_prints_and_zero_timeliness_is_not_green(
    chromium_browser, live_server, tree, registers, width, screenshot_dir
):
    context = chromium_browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    browser_login(page, "xz_reviewer")
    page.goto(page.base_url + "/reports/?period=2026-10")
    rate = page.locator(".rate-line b").first
    assert rate.inner_text().startswith("0")  # nothing submitted yet
    assert rate.evaluate("b => getComputedStyle(b).color") not in ("rgb(6, 118, 71)", "rgb(8, 79, 57)")
    page.screenshot(path=os.path.join(screenshot_dir, f"documents-rates-{width}.png"), full_page=True)
    page.goto(page.base_url + f"/reports/NUT_MONTHLY/{tree.village_a1.code}/2026-10/")
    assert page.get_by_role("button", name="打印").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("nav.mainnav").is_visible() and not page.locator("header.topbar").is_visible()
    assert page.locator("table.values thead").first.is_visible()  # a table on paper, whatever the width
    assert "盖章" in page.inner_text(".print-sign")
    page.screenshot(path=os.path.join(screenshot_dir, f"documents-print-{width}.png"), full_page=True)
    pdf = page.pdf(format="A4") if width == 1366 else b"%PDF"
    assert pdf.startswith(b"%PDF")
    context.close()
