"""The stock pages' writes through the API (``/api/stock/…``): receipts, transfers and their confirmation,
losses, stocktakes, storage checks, reversals, the allocation plan. Each calls the page's action; outside
the subtree is 404, a role that may not act 403, bad input 400 in Chinese, a refusal because of the
ledger's state (not enough stock, already confirmed, already reversed) 409."""

import datetime as dt
import json

import pytest
from rest_framework.authtoken.models import Token

from jiceng.audit.models import AuditEntry
from jiceng.stock.models import AllocationPlan, StockLine, Stocktake, StorageCheck, Transfer
from tests.stock.conftest import receive, today


def auth(user):
    token, _created = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def post(client, user, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json", **auth(user))


def get(client, user, url):
    return client.get(url, **auth(user))


def error(response, field):
    value = response.json()[field]
    return " ".join(value) if isinstance(value, list) else value


def ledger(client, user, unit):
    return [
        (row["reason"], row["quantity"], row["unit_balance"])
        for row in get(client, user, f"/stock/api/ledger/?unit={unit.code}").json()["results"]
    ]


def receipt_url(tree):
    return f"/api/stock/units/{tree.mch.code}/receipts/"


RECEIPT = {
    "received_on": today().isoformat(),
    "supplier": "省项目办",
    "batch_number": "YYB2026A",
    "expires_on": (today() + dt.timedelta(days=365)).isoformat(),
    "quantity": 500,
    "document_number": "FH-001",
}


# ---------------------------------------------------------------------------------------------
# Receipts (入库)
# ---------------------------------------------------------------------------------------------


def test_receipt_is_posted_audited_and_on_the_ledger(client, tree):
    response = post(client, tree.county_mch, receipt_url(tree), RECEIPT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reason"], body["quantity"], body["balance"], body["batch"]) == ("receipt", 500, 500, "YYB2026A")
    entry = AuditEntry.objects.get(action="stock.receipt")
    assert entry.actor == tree.county_mch and entry.unit == tree.mch and entry.after["quantity"] == 500
    assert ledger(client, tree.county_mch, tree.mch) == [("receipt", 500, 500)]


def test_receipt_scope_and_role(client, tree):
    # the county MCH centre is outside a township's subtree
    assert post(client, tree.township_officer, receipt_url(tree), RECEIPT).status_code == 404
    # the county health bureau sees the county but keeps no stock
    denied = post(client, tree.county_bureau, receipt_url(tree), RECEIPT)
    assert denied.status_code == 403 and "无权" in denied.json()["detail"]
    # a unit without a ledger
    assert post(client, tree.county_mch, f"/api/stock/units/{tree.county.code}/receipts/", RECEIPT).status_code == 404
    # only the county centre receives from suppliers
    refused = post(client, tree.township_officer, f"/api/stock/units/{tree.town_a.code}/receipts/", RECEIPT)
    assert refused.status_code == 400 and "只有县妇幼保健中心" in error(refused, "unit")
    assert not StockLine.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"expires_on": "2027-02-30"}, "expires_on", "有效期至：请填写有效日期"),
        ({"received_on": "2999-01-01"}, "received_on", "到货日期：2999-01-01 晚于今天"),
        ({"quantity": -5}, "quantity", "数量：不能为负数（填写的是 -5）"),
        ({"quantity": 0}, "quantity", "数量：不能为 0"),
        ({"quantity": "十"}, "quantity", "数量：应为整数"),
        ({"supplier": None}, "supplier", "供货单位：必填"),
        ({"batch_number": "YYB\x002026"}, "batch_number", "批号：含有不允许的控制字符"),
        ({"note": "到货\x1f"}, "note", "备注：含有不允许的控制字符"),
    ],
)
def test_receipt_bad_input_is_400_in_chinese(client, tree, change, field, text):
    data = {k: v for k, v in {**RECEIPT, **change}.items() if v is not None}
    response = post(client, tree.county_mch, receipt_url(tree), data)
    assert response.status_code == 400, response.content
    assert text in error(response, field)
    assert not StockLine.objects.exists() and not AuditEntry.objects.exists()


# ---------------------------------------------------------------------------------------------
# Transfers down the hierarchy (调拨) and their confirmation (收货确认)
# ---------------------------------------------------------------------------------------------


def send(client, tree, quantity=200, **extra):
    data = {"receiver": tree.town_a.code, "quantity": quantity, "sent_on": today().isoformat(), **extra}
    return post(client, tree.county_mch, f"/api/stock/units/{tree.mch.code}/transfers/", data)


def test_transfer_is_sent_confirmed_and_on_both_ledgers(client, tree):
    receive(tree, 500)
    response = send(client, tree, 200, note="第一批")
    assert response.status_code == 201, response.content
    [sent] = response.json()
    assert (sent["sender"], sent["receiver"], sent["quantity"], sent["status"]) == (
        tree.mch.code,
        tree.town_a.code,
        200,
        "pending",
    )
    assert sent["document_number"].startswith("DB")
    assert AuditEntry.objects.get(action="stock.transfer.send").unit == tree.mch
    pending = get(client, tree.township_officer, "/api/stock/transfers/?status=pending").json()["results"]
    assert [t["id"] for t in pending] == [sent["id"]]

    url = f"/api/stock/transfers/{sent['id']}/confirm/"
    data = {"received_quantity": 198, "received_on": today().isoformat(), "difference_reason": "运输破损 2 包"}
    confirmed = post(client, tree.township_officer, url, data)
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["received_quantity"] == 198
    entry = AuditEntry.objects.get(action="stock.transfer.confirm")
    assert entry.actor == tree.township_officer and entry.unit == tree.town_a
    assert ledger(client, tree.township_officer, tree.town_a) == [("transfer_in", 198, 198)]
    assert ledger(client, tree.county_mch, tree.mch)[-1] == ("transfer_out", -200, 300)
    # confirmed already: a conflict with the transfer's state
    again = post(client, tree.township_officer, url, data)
    assert again.status_code == 409 and "不能重复确认" in again.json()["detail"]
    assert StockLine.objects.filter(unit=tree.town_a).count() == 1


def test_transfer_with_a_named_batch_and_insufficient_stock(client, tree):
    receive(tree, 100)
    short = send(client, tree, 101)
    assert short.status_code == 409 and "库存不足" in short.json()["detail"] and "库存不足" in error(short, "quantity")
    short = send(client, tree, 101, batch="YYB2026A")
    assert short.status_code == 409 and "库存不足：批号 YYB2026A 结余 100 包" in error(short, "quantity")
    unknown = send(client, tree, 10, batch="NOPE")
    assert unknown.status_code == 400 and "未找到批号 NOPE" in error(unknown, "batch")
    assert send(client, tree, 60, batch="YYB2026A").status_code == 201
    assert not Transfer.objects.exclude(quantity=60).exists()


def test_transfer_scope_role_and_bad_input(client, tree):
    receive(tree, 100)
    url = f"/api/stock/units/{tree.mch.code}/transfers/"
    day = today().isoformat()
    # a receiver outside the sender's subtree (the other county) is not found
    outside = post(client, tree.county_mch, url, {"receiver": "522798100", "quantity": 10, "sent_on": day})
    assert outside.status_code == 404
    # a township may not send from the county centre's stock
    town_user = post(client, tree.township_officer, url, {"receiver": tree.town_a.code, "quantity": 10, "sent_on": day})
    assert town_user.status_code == 404
    # a reviewer sees the township's stock but may not move it
    pass_url = f"/api/stock/units/{tree.town_a.code}/transfers/"
    reviewer = post(
        client, tree.township_reviewer, pass_url, {"receiver": tree.village_a1.code, "quantity": 1, "sent_on": day}
    )
    assert reviewer.status_code == 403
    # straight to a village is refused: down one level at a time
    skip = post(client, tree.county_mch, url, {"receiver": tree.village_a1.code, "quantity": 10, "sent_on": day})
    assert skip.status_code == 400 and "逐级调拨" in error(skip, "receiver")
    bad = post(client, tree.county_mch, url, {"receiver": tree.town_a.code, "quantity": -3, "sent_on": "2026-02-29"})
    assert bad.status_code == 400 and "调出日期：请填写有效日期" in error(bad, "sent_on")
    bad = post(client, tree.county_mch, url, {"receiver": tree.town_a.code, "quantity": -3, "sent_on": day})
    assert bad.status_code == 400 and "不能为负数" in error(bad, "quantity")
    bad = post(
        client, tree.county_mch, url, {"receiver": tree.town_a.code, "quantity": 3, "sent_on": day, "note": "\x00"}
    )
    assert bad.status_code == 400 and "控制字符" in error(bad, "note")
    assert not Transfer.objects.exists()


def test_confirm_scope_role_and_bad_input(client, tree):
    receive(tree, 100)
    transfer_id = send(client, tree, 50).json()[0]["id"]
    url = f"/api/stock/transfers/{transfer_id}/confirm/"
    day = today().isoformat()
    ok = {"received_quantity": 50, "received_on": day}
    assert post(client, tree.township_reviewer_b, url, ok).status_code == 404  # another township's transfer
    assert post(client, tree.township_reviewer, url, ok).status_code == 403
    more = post(client, tree.township_officer, url, {**ok, "received_quantity": 51})
    assert more.status_code == 400 and "大于调出数量" in error(more, "received_quantity")
    less = post(client, tree.township_officer, url, {**ok, "received_quantity": 40})
    assert less.status_code == 400 and "请填写差异原因" in error(less, "difference_reason")
    bad = post(client, tree.township_officer, url, {**ok, "received_on": "2026-04-31"})
    assert bad.status_code == 400 and "收货日期：请填写有效日期" in error(bad, "received_on")
    bad = post(client, tree.township_officer, url, {"received_on": day})
    assert bad.status_code == 400 and error(bad, "received_quantity") == "实收数量：必填"
    bad = post(client, tree.township_officer, url, {**ok, "received_quantity": 40, "difference_reason": "破\x00损"})
    assert bad.status_code == 400 and "控制字符" in error(bad, "difference_reason")
    assert Transfer.objects.get().status == "pending"
    assert not AuditEntry.objects.filter(action="stock.transfer.confirm").exists()


# ---------------------------------------------------------------------------------------------
# Losses (报损), stocktakes (盘点), reversals (冲正)
# ---------------------------------------------------------------------------------------------


def test_loss_is_posted_audited_and_on_the_ledger(client, tree):
    receive(tree, 100)
    url = f"/api/stock/units/{tree.mch.code}/losses/"
    data = {"batch": "YYB2026A", "reason": "loss_damaged", "quantity": 3, "occurred_on": today().isoformat()}
    response = post(client, tree.county_mch, url, {**data, "note": "受潮"})
    assert response.status_code == 201, response.content
    assert response.json()["quantity"] == -3 and response.json()["balance"] == 97
    assert AuditEntry.objects.get(action="stock.loss").after["quantity"] == 3
    assert ledger(client, tree.county_mch, tree.mch)[-1] == ("loss_damaged", -3, 97)
    more = post(client, tree.county_mch, url, {**data, "quantity": 98})
    assert more.status_code == 409 and "大于批号 YYB2026A 的结余 97 包" in error(more, "quantity")
    expired = post(client, tree.county_mch, url, {**data, "reason": "loss_expired"})
    assert expired.status_code == 400 and "尚未过期" in error(expired, "reason")
    bad = post(client, tree.county_mch, url, {**data, "reason": "stolen"})
    assert bad.status_code == 400 and error(bad, "reason") == "报损原因：无效的选项"
    bad = post(client, tree.county_mch, url, {**data, "quantity": -1})
    assert bad.status_code == 400 and "不能为负数" in error(bad, "quantity")
    bad = post(client, tree.county_mch, url, {**data, "batch": "NOPE"})
    assert bad.status_code == 400 and "未找到批号" in error(bad, "batch")
    assert post(client, tree.county_bureau, url, data).status_code == 403
    assert post(client, tree.township_officer, url, data).status_code == 404
    assert StockLine.objects.filter(reason__startswith="loss").count() == 1


def test_stocktake_records_counts_and_adjusts(client, tree):
    receive(tree, 100)
    receive(tree, 50, number="YYB2026B")
    url = f"/api/stock/units/{tree.mch.code}/stocktakes/"
    day = today().isoformat()
    counts = [{"batch": "YYB2026A", "counted": 96}, {"batch": "YYB2026B", "counted": 50}]
    unexplained = post(client, tree.county_mch, url, {"counted_on": day, "counts": counts})
    assert unexplained.status_code == 400 and "调整原因" in error(unexplained, "reason")
    response = post(client, tree.county_mch, url, {"counted_on": day, "counts": counts, "reason": "盘亏，原因待查"})
    assert response.status_code == 201, response.content
    items = {i["batch"]: (i["book_quantity"], i["counted_quantity"], i["difference"]) for i in response.json()["items"]}
    assert items == {"YYB2026A": (100, 96, -4), "YYB2026B": (50, 50, 0)}
    assert AuditEntry.objects.get(action="stock.stocktake").after["adjusted"] == 1
    assert ledger(client, tree.county_mch, tree.mch)[-1] == ("adjustment", -4, 146)


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        (
            {"counted_on": "2026-02-30", "counts": [{"batch": "YYB2026A", "counted": 1}]},
            "counted_on",
            "盘点日期：请填写有效日期",
        ),
        ({"counted_on": "TODAY"}, "counts", "实盘数：必填"),
        ({"counted_on": "TODAY", "counts": []}, "counts", "请至少填写一个批号的实盘数"),
        ({"counted_on": "TODAY", "counts": [{"batch": "YYB2026A", "counted": -1}]}, "counts", "不能为负数"),
        (
            {"counted_on": "TODAY", "counts": [{"batch": "YYB2026A", "counted": 1}] * 2, "reason": "x"},
            "counts",
            "填写了两次",
        ),
        ({"counted_on": "TODAY", "counts": [{"batch": "NOPE", "counted": 1}]}, "counts", "未找到批号 NOPE"),
        ({"counted_on": "TODAY", "counts": {"YYB2026A": 1}}, "counts", "实盘数：应为 [{batch, counted}] 的列表"),
        (
            {"counted_on": "TODAY", "counts": [{"batch": "YYB2026A", "counted": 1}], "reason": "\x00"},
            "reason",
            "控制字符",
        ),
    ],
)
def test_stocktake_bad_input_is_400(client, tree, data, field, text):
    receive(tree, 100)
    if data.get("counted_on") == "TODAY":
        data = {**data, "counted_on": today().isoformat()}
    response = post(client, tree.county_mch, f"/api/stock/units/{tree.mch.code}/stocktakes/", data)
    assert response.status_code == 400, response.content
    assert text in json.dumps(response.json()[field], ensure_ascii=False)
    assert not Stocktake.objects.exists()


def test_stocktake_scope_and_role(client, tree):
    receive(tree, 100)
    data = {"counted_on": today().isoformat(), "counts": [{"batch": "YYB2026A", "counted": 100}]}
    assert post(client, tree.village_doctor, f"/api/stock/units/{tree.mch.code}/stocktakes/", data).status_code == 404
    assert (
        post(client, tree.township_reviewer, f"/api/stock/units/{tree.town_a.code}/stocktakes/", data).status_code
        == 403
    )
    assert not Stocktake.objects.exists()


def test_reversal_of_a_receipt(client, tree):
    line = receive(tree, 100)
    url = f"/api/stock/lines/{line.pk}/reverse/"
    assert post(client, tree.township_officer, url, {"reason": "录错"}).status_code == 404
    assert post(client, tree.county_bureau, url, {"reason": "录错"}).status_code == 403
    missing = post(client, tree.county_mch, url, {})
    assert missing.status_code == 400 and error(missing, "reason") == "冲正原因：必填"
    bad = post(client, tree.county_mch, url, {"reason": "录\x00错"})
    assert bad.status_code == 400 and "控制字符" in error(bad, "reason")
    response = post(client, tree.county_mch, url, {"reason": "数量录错"})
    assert response.status_code == 201, response.content
    assert response.json()["reverses"] == line.pk and response.json()["quantity"] == -100
    assert AuditEntry.objects.get(action="stock.reverse").reason == "数量录错"
    assert ledger(client, tree.county_mch, tree.mch) == [("receipt", 100, 100), ("receipt", -100, 0)]
    again = post(client, tree.county_mch, url, {"reason": "再来"})
    assert again.status_code == 409 and "不能重复冲正" in again.json()["detail"]


# ---------------------------------------------------------------------------------------------
# Storage checks (温湿度登记)
# ---------------------------------------------------------------------------------------------

STORAGE = {
    "checked_on": today().isoformat(),
    "checked_at": "09:30",
    "temperature": "31.5",
    "humidity": "55",
    "checker": "王村医",
    "off_floor_and_wall": True,
    "pest_protection": True,
    "out_of_light": True,
    "apart_from_medicines": True,
}


def test_storage_check_is_recorded_audited_and_listed(client, tree):
    url = f"/api/stock/units/{tree.village_a1.code}/storage-checks/"
    response = post(client, tree.village_doctor, url, STORAGE)
    assert response.status_code == 201, response.content
    assert response.json()["out_of_range"] and response.json()["temperature"] == "31.5"
    assert AuditEntry.objects.get(action="stock.storage_check").unit == tree.village_a1
    listed = get(client, tree.township_reviewer, url).json()
    assert [row["id"] for row in listed] == [response.json()["id"]]
    client.force_login(tree.village_doctor)
    assert "31.5" in client.get(f"/stock/{tree.village_a1.code}/storage/").content.decode()


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"checked_on": "2026-11-31"}, "checked_on", "日期：请填写有效日期"),
        ({"checked_at": "25:00"}, "checked_at", "时间：请填写有效时间"),
        ({"temperature": "热"}, "temperature", "温度：请填写数字"),
        ({"temperature": "-45"}, "temperature", "不在 -30 至 60 之间"),
        ({"humidity": None}, "humidity", "相对湿度：必填"),
        ({"checker": "王\x00村医"}, "checker", "检查人：含有不允许的控制字符"),
        ({"checker": "王\n村医"}, "checker", "检查人：含有不允许的控制字符"),
        ({"pest_protection": "也许"}, "pest_protection", "应为 true 或 false"),
    ],
)
def test_storage_check_bad_input_is_400(client, tree, change, field, text):
    data = {k: v for k, v in {**STORAGE, **change}.items() if v is not None}
    response = post(client, tree.village_doctor, f"/api/stock/units/{tree.village_a1.code}/storage-checks/", data)
    assert response.status_code == 400, response.content
    assert text in error(response, field)
    assert not StorageCheck.objects.exists()


def test_storage_check_scope_and_role(client, tree):
    assert (
        post(
            client, tree.village_doctor, f"/api/stock/units/{tree.village_b1.code}/storage-checks/", STORAGE
        ).status_code
        == 404
    )
    assert (
        get(client, tree.village_doctor, f"/api/stock/units/{tree.village_b1.code}/storage-checks/").status_code == 404
    )
    assert (
        post(
            client, tree.township_reviewer, f"/api/stock/units/{tree.village_a1.code}/storage-checks/", STORAGE
        ).status_code
        == 403
    )
    assert not StorageCheck.objects.exists()


# ---------------------------------------------------------------------------------------------
# Allocation plan (分配计划)
# ---------------------------------------------------------------------------------------------


def test_allocation_is_proposed_listed_and_edited(client, tree):
    period = today().strftime("%Y-%m")
    response = post(client, tree.county_mch, "/api/stock/allocation/propose/", {"period": period})
    assert response.status_code == 200, response.content
    assert {row["township"] for row in response.json()} == {tree.town_a.code, tree.town_b.code}
    assert AuditEntry.objects.filter(action="stock.allocation.propose").count() == 1
    listed = get(client, tree.county_mch, f"/api/stock/allocation/?period={period}").json()
    plan_id = next(row["id"] for row in listed if row["township"] == tree.town_a.code)
    url = f"/api/stock/allocation/{plan_id}/"
    edited = post(client, tree.county_mch, url, {"planned_packs": 300, "note": "含储备"}, method="put")
    assert edited.status_code == 200, edited.content
    assert edited.json()["planned_packs"] == 300 and edited.json()["edited"]
    assert AuditEntry.objects.get(action="stock.allocation.update").after["planned_packs"] == 300
    assert AllocationPlan.objects.get(pk=plan_id).planned_packs == 300
    bad = post(client, tree.county_mch, url, {"planned_packs": -1}, method="put")
    assert bad.status_code == 400 and "计划分配：应为 0 或正整数" in error(bad, "planned_packs")
    bad = post(client, tree.county_mch, url, {"planned_packs": 1, "note": "\x00"}, method="put")
    assert bad.status_code == 400 and "控制字符" in error(bad, "note")
    # a township sees its own plan but may not change it; another township's plan is not found
    assert post(client, tree.township_officer, url, {"planned_packs": 1}, method="put").status_code == 403
    assert post(client, tree.township_reviewer_b, url, {"planned_packs": 1}, method="put").status_code == 404
    assert post(client, tree.township_officer, "/api/stock/allocation/propose/", {"period": period}).status_code == 403
    bad = post(client, tree.county_mch, "/api/stock/allocation/propose/", {"period": "2026-13"})
    assert bad.status_code == 400 and "期间：格式应为" in error(bad, "period")
    assert get(client, tree.county_mch, "/api/stock/allocation/?period=x").status_code == 400
    assert AllocationPlan.objects.get(pk=plan_id).planned_packs == 300


@pytest.mark.parametrize("quantity", [3_000_000_000, 10**20, 10_000_001])
def test_a_quantity_beyond_the_ledger_is_refused_on_both_databases(client, tree, quantity):
    response = post(client, tree.county_mch, receipt_url(tree), {**RECEIPT, "quantity": quantity})
    assert response.status_code == 400 and "过大" in response.content.decode()
    assert not AuditEntry.objects.filter(action="stock.receipt").exists()


def test_a_balance_beyond_the_ledger_is_refused(client, tree):
    assert post(client, tree.county_mch, receipt_url(tree), {**RECEIPT, "quantity": 9_000_000}).status_code == 201
    again = post(
        client, tree.county_mch, receipt_url(tree), {**RECEIPT, "quantity": 2_000_000, "document_number": "FH-2"}
    )
    assert again.status_code == 400 and "超过上限" in again.content.decode()
