"""A township officer confirms a receipt in the browser and sees the balance."""

from __future__ import annotations

import pytest

from jiceng.stock import actions
from jiceng.stock.models import Transfer
from tests.conftest import browser_login
from tests.stock.conftest import receive, today


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_township_officer_confirms_a_receipt_and_sees_the_balance(page, tree):
    receive(tree, 500)
    actions.send_transfer(tree.mch, tree.town_a, quantity=240, sent_on=today(), acting_user=tree.county_mch)
    browser_login(page, "xz_officer")
    page.goto(page.base_url + "/stock/transfers/")
    row = page.locator("#pending tbody tr", has_text="清溪县妇幼保健中心")
    assert "240" in row.inner_text()
    row.get_by_role("link", name="确认收货").click()
    page.fill("input[name=received_quantity]", "236")
    page.click("main button.primary")
    assert "请填写差异原因" in page.locator("main").inner_text()
    page.fill("input[name=difference_reason]", "外箱破损4包")
    page.click("main button.primary")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/stock/{tree.town_a.code}/")
    assert page.locator("#unit-balance").inner_text().strip() == "236"
    assert "已确认收货" in page.locator(".messages").inner_text()
    ledger = page.locator("#ledger").inner_text()
    assert "调入" in ledger and "差 4 包" in ledger
    assert Transfer.objects.get().status == Transfer.Status.CONFIRMED
