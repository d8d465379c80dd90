"""Pages, Excel export, API and CLI: the same figures, the same scope (out of scope is 404)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from jiceng.accounts.models import User
from jiceng.audit.models import AuditEntry
from jiceng.stock import actions
from jiceng.stock.models import Batch, StockLine, Transfer
from tests.stock.conftest import make_collection, pass_down, receive, stock_village, today


def test_stock_card_shows_running_balance(client, tree, child):
    stock_village(tree, 100)
    actions.issue_for_collection(make_collection(child, 30), acting_user=tree.village_doctor)
    client.force_login(tree.village_doctor)
    response = client.get(f"/stock/{tree.village_a1.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "出入库登记" in html and child.name in html and "发放给儿童" in html
    lines = response.context["lines"]
    assert [(c.line.quantity, c.unit_balance) for c in lines] == [(100, 100), (-30, 70)]
    assert response.context["stock"].balance == 70


def test_village_doctor_home_of_stock_is_their_card(client, tree):
    client.force_login(tree.village_doctor)
    response = client.get("/stock/")
    assert response.status_code == 302 and response["Location"] == f"/stock/{tree.village_a1.code}/"


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("cunyi_b", "522799100201"),  # another village
        ("xz_officer", "522799101201"),  # another township's village
        ("xz_officer", "522799101"),  # another township
        ("xz_officer", "522799902"),  # the county centre, above the township
        ("wjj", "522799100"),  # the bureau has no stock.view
    ],
)
def test_out_of_scope_stock_pages_are_404(client, tree, username, code):
    client.force_login(User.objects.get(username=username))
    for url in (
        f"/stock/{code}/",
        f"/stock/{code}/export.xlsx",
        f"/stock/{code}/storage/",
        f"/stock/api/ledger/?unit={code}",
    ):
        assert client.get(url).status_code == 404, url


def test_unit_without_stock_is_404(client, tree):
    client.force_login(tree.county_mch)
    assert client.get(f"/stock/{tree.county.code}/").status_code == 404


def test_county_overview_lists_all_units_with_alerts(client, tree, child):
    stock_village(tree, 30)
    actions.issue_for_collection(make_collection(child, 30), acting_user=tree.village_doctor)
    client.force_login(tree.county_mch)
    response = client.get("/stock/")
    assert response.status_code == 200
    rows = {r.unit.code: r for r in response.context["rows"]}
    assert set(rows) == {
        "522799902",
        "522799100",
        "522799100201",
        "522799100202",
        "522799101",
        "522799101201",
        "522799101202",
    }
    assert [a.kind for a in rows["522799100201"].alerts] == ["stock_out"]
    assert "断货" in response.content.decode()
    only = client.get("/stock/?alerts=1").context["rows"]
    assert {r.unit.code for r in only} == {"522799902", "522799100", "522799100201"}  # all passed down, then issued
    township = client.get("/stock/?under=522799100").context["rows"]
    assert {r.unit.code for r in township} == {"522799100", "522799100201", "522799100202"}


def test_township_overview_is_its_subtree(client, tree):
    client.force_login(tree.township_reviewer)
    response = client.get("/stock/")
    assert {r.unit.code for r in response.context["rows"]} == {"522799100", "522799100201", "522799100202"}
    assert client.get("/stock/?under=522799101").status_code == 404


def test_excel_export_in_paper_layout_is_audited(client, tree, child):
    stock_village(tree, 100)
    actions.issue_for_collection(make_collection(child, 30), acting_user=tree.village_doctor)
    client.force_login(tree.township_reviewer)
    response = client.get(f"/stock/{tree.village_a1.code}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "营养包出入库登记表"
    assert [c.value for c in ws[3]][:10] == [
        "日期",
        "摘要",
        "对方单位/领取人",
        "单据号",
        "批号",
        "有效期至",
        "收入(包)",
        "发出(包)",
        "本批结存",
        "结存合计",
    ]
    assert ws["B4"].value == "上期结存" and ws["J4"].value == 0
    assert (ws["B5"].value, ws["G5"].value, ws["J5"].value) == ("调入", 100, 100)
    assert (ws["B6"].value, ws["C6"].value, ws["H6"].value, ws["J6"].value) == ("发放给儿童", child.name, 30, 70)
    assert (ws["B7"].value, ws["G7"].value, ws["H7"].value, ws["J7"].value) == ("本期合计", 100, 30, 70)
    entry = AuditEntry.objects.get(action="stock.export")
    assert entry.actor == tree.township_reviewer and entry.unit == tree.village_a1 and ".xlsx" in entry.object_repr


def test_transfer_and_confirm_through_the_pages(client, tree):
    receive(tree, 500)
    client.force_login(tree.county_mch)
    response = client.post(
        f"/stock/{tree.mch.code}/transfer/",
        {"receiver": tree.town_a.code, "quantity": "0", "batch": "", "sent_on": today().isoformat()},
    )
    assert response.status_code == 200 and "数量：不能为 0，应为正整数" in response.content.decode()
    response = client.post(
        f"/stock/{tree.mch.code}/transfer/",
        {"receiver": tree.town_a.code, "quantity": "200", "batch": "", "sent_on": today().isoformat()},
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    client.force_login(tree.township_officer)
    pending = client.get("/stock/transfers/").context["pending"]
    assert [r["transfer"] for r in pending] == [transfer] and pending[0]["can_confirm"]
    response = client.post(
        f"/stock/transfers/{transfer.pk}/confirm/",
        {"received_quantity": "190", "received_on": today().isoformat(), "difference_reason": ""},
    )
    assert "请填写差异原因" in response.content.decode()
    response = client.post(
        f"/stock/transfers/{transfer.pk}/confirm/",
        {"received_quantity": "190", "received_on": today().isoformat(), "difference_reason": "外箱破损"},
    )
    assert response.status_code == 302 and response["Location"] == f"/stock/{tree.town_a.code}/"
    response = client.post(
        f"/stock/transfers/{transfer.pk}/confirm/",
        {"received_quantity": "190", "received_on": today().isoformat(), "difference_reason": "外箱破损"},
    )
    assert "不能重复确认" in response.content.decode()
    client.force_login(tree.village_doctor_b)
    assert client.get(f"/stock/transfers/{transfer.pk}/confirm/").status_code == 404


def test_loss_stocktake_storage_and_reverse_pages(client, tree):
    receive(tree, 100)
    batch = Batch.objects.get()
    client.force_login(tree.county_mch)
    code = tree.mch.code
    response = client.post(
        f"/stock/{code}/loss/",
        {"batch": batch.pk, "reason": "loss_damaged", "quantity": "101", "occurred_on": today().isoformat()},
    )
    assert "报损数量：101 包大于批号" in response.content.decode()
    response = client.post(
        f"/stock/{code}/loss/",
        {
            "batch": batch.pk,
            "reason": "loss_damaged",
            "quantity": "4",
            "occurred_on": today().isoformat(),
            "note": "雨淋",
        },
    )
    assert response.status_code == 302
    loss = StockLine.objects.get(reason="loss_damaged")
    response = client.post(
        f"/stock/{code}/stocktake/", {"counted_on": today().isoformat(), f"count_{batch.pk}": "90", "reason": ""}
    )
    assert "请填写原因" in response.content.decode()
    response = client.post(
        f"/stock/{code}/stocktake/", {"counted_on": today().isoformat(), f"count_{batch.pk}": "90", "reason": "少6包"}
    )
    assert response.status_code == 302
    assert StockLine.objects.get(reason="adjustment").quantity == -6
    response = client.post(f"/stock/lines/{loss.pk}/reverse/", {"reason": "误报"}, follow=True)
    assert "已冲正" in response.content.decode()
    response = client.post(
        f"/stock/{code}/storage/",
        {
            "checked_on": today().isoformat(),
            "checked_at": "09:30",
            "temperature": "33",
            "humidity": "50",
            "checker": "杨主任",
            "off_floor_and_wall": "on",
            "pest_protection": "on",
            "out_of_light": "on",
            "apart_from_medicines": "on",
        },
        follow=True,
    )
    assert "储存条件异常" in response.content.decode()
    assert client.get(f"/stock/{code}/").status_code == 200


def test_read_only_roles_see_no_forms(client, tree):
    receive(tree, 10)
    client.force_login(tree.township_reviewer)
    response = client.get(f"/stock/{tree.town_a.code}/")
    assert response.status_code == 200 and not response.context["can_edit"]
    assert client.get(f"/stock/{tree.town_a.code}/loss/").status_code == 404


def test_allocation_page(client, tree):
    client.force_login(tree.county_mch)
    period = today().strftime("%Y-%m")
    response = client.post("/stock/allocation/", {"period": period, "action": "propose"})
    assert response.status_code == 302
    response = client.get(f"/stock/allocation/?period={period}")
    assert response.status_code == 200 and len(response.context["rows"]) == 2
    plan = response.context["rows"][0].plan
    response = client.post(
        "/stock/allocation/", {"period": period, "plan": plan.pk, "planned_packs": "300"}, follow=True
    )
    assert "已保存" in response.content.decode()
    plan.refresh_from_db()
    assert plan.planned_packs == 300 and plan.edited
    client.force_login(tree.township_officer)
    assert client.get("/stock/allocation/").status_code == 404


def test_reconcile_page(client, tree, child):
    stock_village(tree, 100)
    actions.issue_for_collection(make_collection(child, 30), acting_user=tree.village_doctor)
    client.force_login(tree.township_officer)
    response = client.get(f"/stock/reconcile/?from={today().replace(day=1).isoformat()}&to={today().isoformat()}")
    rows = {r.unit.code: r for r in response.context["rows"]}
    assert rows["522799100201"].ledger_issued == 30 and rows["522799100201"].matches
    assert set(rows) == {"522799100201", "522799100202"}


def test_api_ledger_and_balances_are_scoped(client, tree, child):
    stock_village(tree, 100)
    actions.issue_for_collection(make_collection(child, 30), acting_user=tree.village_doctor)
    client.force_login(tree.township_officer)
    response = client.get(f"/stock/api/ledger/?unit={tree.village_a1.code}")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [(r["reason"], r["quantity"], r["unit_balance"]) for r in data["results"]] == [
        ("transfer_in", 100, 100),
        ("issue", -30, 70),
    ]
    balances = client.get(f"/stock/api/balances/?unit={tree.village_a1.code}").json()
    assert balances["balance"] == 70 and balances["batches"][0]["batch"] == "YYB2026A"
    overview = client.get("/stock/api/overview/").json()
    assert {r["unit"] for r in overview} == {"522799100", "522799100201", "522799100202"}
    assert client.get(f"/stock/api/balances/?unit={tree.village_b1.code}").status_code == 404
    assert client.get("/stock/api/ledger/").status_code == 404
    assert client.get("/stock/api/overview/?under=522799101").status_code == 404


def test_openapi_schema_includes_the_stock_api(client, tree):
    client.force_login(tree.village_doctor)
    schema = client.get("/api/schema/?format=json").json()
    assert {"/stock/api/ledger/", "/stock/api/balances/", "/stock/api/overview/"} <= set(schema["paths"])


def test_cli_show_json_and_scope(tree):
    receive(tree, 100)
    pass_down(tree, tree.mch, tree.town_a, 40)
    out = io.StringIO()
    call_command("stock", "show", "--unit", tree.town_a.code, "--user", "xz_officer", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["unit"] == tree.town_a.code and data["balance"] == 40
    assert data["batches"] == [
        {
            "batch": "YYB2026A",
            "expires_on": Batch.objects.get().expires_on.isoformat(),
            "quantity": 40,
            "expired": False,
            "days_to_expiry": (Batch.objects.get().expires_on - today()).days,
        }
    ]
    assert set(data) >= {"months_of_stock", "alerts", "monthly_need"}
    with pytest.raises(CommandError, match="未找到单位 522799902"):
        call_command("stock", "show", "--unit", tree.mch.code, "--user", "xz_officer", "--json")
    with pytest.raises(CommandError, match="未找到单位 522799101"):
        call_command("stock", "show", "--unit", "522799101", "--user", "cunyi", "--json")
    with pytest.raises(CommandError, match="不能查看库存"):
        call_command("stock", "show", "--unit", tree.town_a.code, "--user", "wjj")
    out = io.StringIO()
    call_command("stock", "overview", "--user", "fybj", "--json", stdout=out)
    assert len(json.loads(out.getvalue())) == 7
    out = io.StringIO()
    call_command("stock", "show", "--unit", tree.town_a.code, "--user", "xz_officer", stdout=out)
    assert "可用结余 40 包" in out.getvalue()
    out = io.StringIO()
    call_command(
        "stock",
        "reconcile",
        "--from",
        "2020-01-01",
        "--to",
        today().isoformat(),
        "--user",
        "xz_officer",
        "--json",
        stdout=out,
    )
    assert [r["unit"] for r in json.loads(out.getvalue())] == ["522799100201", "522799100202"]
