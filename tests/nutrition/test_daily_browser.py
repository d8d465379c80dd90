"""Daily use in Chromium at phone and desktop widths (issue 18): a tap on 发放 over a cut network shows it is
pending, says in Chinese that it failed, and a retry issues exactly once (point 2); a mis-tapped issue is
cancelled from the child's timeline with a reason, and the stock follows (point 1)."""

import datetime as dt

import pytest

from jiceng.nutrition import actions
from jiceng.nutrition.models import Collection
from jiceng.stock import queries as stock_queries
from jiceng.stock.models import Reason, StockLine
from tests.conftest import TEST_PASSWORD
from tests.stock.conftest import stock_village, today

VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1366, "height": 900}]


def _login(chromium_browser, live_server, viewport, username="cunyi"):
    context = chromium_browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    return context, page


@pytest.fixture
def two_children(tree, make_child):
    made = []
    for name in ("罗小花", "杨小明"):
        child = make_child(name=name, birth_date=today() - dt.timedelta(days=400))
        actions.record_consent(
            child,
            signed_on=today() - dt.timedelta(days=20),
            signed_by="母亲",
            relation="母亲",
            acting_user=tree.village_doctor,
        )
        made.append(child)
    stock_village(tree, 200)
    return made


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_a_tap_over_a_cut_network_issues_exactly_once(
    chromium_browser, live_server, tree, two_children, viewport, screenshot_dir
):
    first, second = two_children
    context, page = _login(chromium_browser, live_server, viewport)
    page.goto(f"{live_server.url}/distribution/{tree.village_a1.code}/")
    row = page.locator(f"#row-{first.pk}")

    # 1. no network at all: the tap says it is pending, then that it failed; nothing is recorded
    context.set_offline(True)
    row.locator("button[type=submit]").click()
    status = row.locator(".tap-status")
    status.filter(has_text="发放失败：网络中断").wait_for(timeout=15000)
    assert row.locator("button[type=submit]").inner_text() == "重试"
    page.screenshot(path=f"{screenshot_dir}/distribution-offline-{viewport['width']}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    box, card = status.bounding_box(), row.bounding_box()
    assert box["x"] + box["width"] <= card["x"] + card["width"]  # the message stays inside the child's card
    assert not Collection.objects.filter(child=first).exists()
    context.set_offline(False)  # the network is back: the failed tap is sent again by itself, with the same key
    page.locator(f"#row-{first.pk}", has_text="本月已领 30 包").wait_for(timeout=15000)

    # 2. the request reaches the server but the answer is lost: the automatic retry gets the first result
    cut = {"n": 0}

    def lose_the_answer(route):
        if cut["n"] == 0:
            cut["n"] += 1
            route.fetch()  # the server records the issue...
            route.abort("connectionreset")  # ...and the phone never hears back
        else:
            route.continue_()

    page.route("**/collect/**", lose_the_answer)
    page.locator(f"#row-{second.pk} button[type=submit]").click()
    page.locator(f"#row-{second.pk}", has_text="本月已领 30 包").wait_for(timeout=20000)
    assert cut["n"] == 1
    page.screenshot(path=f"{screenshot_dir}/distribution-retried-{viewport['width']}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    for child in (first, second):
        assert Collection.objects.filter(child=child).count() == 1
        assert StockLine.objects.filter(collection__child=child, reason=Reason.ISSUE).count() == 1
    assert stock_queries.unit_stock(tree.village_a1).balance == 140
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_a_mistaken_issue_is_cancelled_from_the_timeline(
    chromium_browser, live_server, tree, two_children, viewport, screenshot_dir
):
    child = two_children[0]
    actions.record_collection(child, collected_on=today(), packs=30, acting_user=tree.village_doctor)
    context, page = _login(chromium_browser, live_server, viewport)
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.locator(".timeline li", has_text="领取营养包").locator("a.tl-amend").click()
    page.wait_for_load_state("networkidle")
    assert "更正或撤销领取记录" in page.inner_text("main")
    page.screenshot(path=f"{screenshot_dir}/entry-amend-{viewport['width']}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.fill("#cancel input[name=reason]", "误点发放，未实际领取")
    page.click("#cancel button[value=cancel]")
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "已撤销领取记录" in main and "误点发放，未实际领取" in main and "本月可领取" in main
    page.screenshot(path=f"{screenshot_dir}/entry-cancelled-{viewport['width']}.png", full_page=True)
    assert not Collection.objects.filter(child=child).exists()
    assert stock_queries.unit_stock(tree.village_a1).balance == 200
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=["phone", "desktop"])
def test_the_stock_card_leads_to_the_collection(
    chromium_browser, live_server, tree, two_children, viewport, screenshot_dir
):
    child = two_children[0]
    collection = actions.record_collection(child, collected_on=today(), packs=30, acting_user=tree.village_doctor)
    context, page = _login(chromium_browser, live_server, viewport)
    page.goto(f"{live_server.url}/stock/{tree.village_a1.code}/")
    link = page.locator("a", has_text="更正/撤销该次领取")
    assert link.is_visible()  # on a phone too (not in a column hidden on narrow screens)
    page.screenshot(path=f"{screenshot_dir}/stock-card-link-{viewport['width']}.png", full_page=True)
    link.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/children/{child.pk}/entries/collection/{collection.pk}/")
    assert "更正或撤销领取记录" in page.inner_text("main")
    context.close()
