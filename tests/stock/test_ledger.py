"""The ledger: receipts, transfers, issues, losses, stocktakes, reversals, and every refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from jiceng.audit.models import AuditEntry
from jiceng.nutrition.models import Collection
from jiceng.stock import actions, queries
from jiceng.stock.models import Batch, Reason, StockBalance, StockLine, Stocktake, Transfer
from tests.stock.conftest import make_collection, pass_down, receive, stock_village, today


def snapshot():
    return (
        StockLine.objects.count(),
        Transfer.objects.count(),
        Stocktake.objects.count(),
        list(StockBalance.objects.order_by("pk").values_list("quantity", flat=True)),
        AuditEntry.objects.filter(action__startswith="stock.").count(),
    )


def refused(call, field, message):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        call()
    assert message in " ".join(exc.value.message_dict[field]), exc.value.message_dict
    assert snapshot() == before, "nothing may be saved when an action is refused"
    return exc.value


def test_receipt_transfer_confirm_and_running_balance(tree):
    line = receive(tree, 1000)
    assert (line.reason, line.quantity, line.balance, line.county) == (Reason.RECEIPT, 1000, 1000, tree.county)
    [transfer] = actions.send_transfer(
        tree.mch, tree.town_a, quantity=300, sent_on=today(), acting_user=tree.county_mch
    )
    assert transfer.status == Transfer.Status.PENDING and transfer.document_number.startswith("DB")
    assert queries.unit_stock(tree.mch).balance == 700
    assert not queries.is_on_ledger(tree.town_a), "a pending receipt is not stock yet"
    actions.confirm_transfer(transfer, received_quantity=300, received_on=today(), acting_user=tree.township_officer)
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.CONFIRMED and transfer.received_by == tree.township_officer
    assert queries.unit_stock(tree.town_a).balance == 300
    card = queries.with_unit_balance(tree.mch, list(queries.ledger_lines(tree.mch)))
    assert [(c.line.quantity, c.line.balance, c.unit_balance) for c in card] == [(1000, 1000, 1000), (-300, 700, 700)]
    received = StockLine.objects.get(unit=tree.town_a)
    assert received.other_unit == tree.mch and received.document_number == transfer.document_number
    assert set(AuditEntry.objects.filter(action__startswith="stock.").values_list("action", flat=True)) == {
        "stock.receipt",
        "stock.transfer.send",
        "stock.transfer.confirm",
    }


def test_running_balance_of_the_unit_spans_batches(tree):
    receive(tree, 100, number="A")
    receive(tree, 50, number="B", expires=today() + dt.timedelta(days=200))
    card = queries.with_unit_balance(tree.mch, list(queries.ledger_lines(tree.mch)))
    assert [(c.line.balance, c.unit_balance) for c in card] == [(100, 100), (50, 150)]


@pytest.mark.parametrize("quantity", [0, -5])
def test_zero_or_negative_quantity_is_refused(tree, quantity):
    receive(tree, 100)
    batch = Batch.objects.get()
    word = "不能为 0" if quantity == 0 else "不能为负数"
    refused(lambda: receive(tree, quantity, number="X"), "quantity", word)
    refused(
        lambda: actions.send_transfer(
            tree.mch, tree.town_a, quantity=quantity, sent_on=today(), acting_user=tree.county_mch
        ),
        "quantity",
        word,
    )
    refused(
        lambda: actions.record_loss(
            tree.mch,
            batch=batch,
            quantity=quantity,
            reason=Reason.LOSS_DAMAGED,
            occurred_on=today(),
            acting_user=tree.county_mch,
        ),
        "quantity",
        word,
    )


def test_issue_larger_than_balance_is_refused_with_the_balance(tree, child):
    stock_village(tree, 12)
    collection = make_collection(child, 30, user=tree.village_doctor)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        actions.issue_for_collection(collection, acting_user=tree.village_doctor)
    assert exc.value.message_dict["packs"] == ["库存不足：本卫生室营养包结余 12 包，本次需发放 30 包"]
    assert snapshot() == before


def test_refused_issue_rolls_back_the_collection_in_the_callers_transaction(tree, child):
    """How record_collection calls it: one transaction, one event."""
    stock_village(tree, 12)
    with pytest.raises(ValidationError), transaction.atomic():
        collection = make_collection(child, 30, user=tree.village_doctor)
        actions.issue_for_collection(collection, acting_user=tree.village_doctor)
    assert not Collection.objects.exists()
    assert queries.unit_stock(tree.village_a1).balance == 12


def test_issue_writes_a_line_referencing_the_collection(tree, child):
    stock_village(tree, 100)
    collection = make_collection(child, 30, user=tree.village_doctor)
    [line] = actions.issue_for_collection(collection, acting_user=tree.village_doctor)
    assert (line.reason, line.quantity, line.balance, line.collection) == (Reason.ISSUE, -30, 70, collection)
    assert line.other_party == child.name and line.document_number == queries.collection_document(collection)
    assert AuditEntry.objects.filter(action="stock.issue", unit=tree.village_a1).count() == 1


def test_a_clinic_not_on_the_ledger_records_collections_unchecked(tree, make_child):
    child = make_child(village=tree.village_a2, birth_date=today() - dt.timedelta(days=400))
    collection = make_collection(child, 30, user=tree.township_officer)
    assert actions.issue_for_collection(collection, acting_user=tree.township_officer) == []
    assert queries.issuable_balance(tree.village_a2) is None
    assert not StockLine.objects.filter(unit=tree.village_a2).exists()


def test_fefo_takes_the_earliest_expiry_first_and_splits(tree, child):
    receive(tree, 20, number="LATE", expires=today() + dt.timedelta(days=400))
    receive(tree, 10, number="EARLY", expires=today() + dt.timedelta(days=100))
    receive(tree, 10, number="MIDDLE", expires=today() + dt.timedelta(days=200))
    transfers = actions.send_transfer(tree.mch, tree.town_a, quantity=25, sent_on=today(), acting_user=tree.county_mch)
    assert [(t.batch.number, t.quantity) for t in transfers] == [("EARLY", 10), ("MIDDLE", 10), ("LATE", 5)]
    assert len({t.document_number for t in transfers}) == 1
    for t in transfers:
        actions.confirm_transfer(
            t, received_quantity=t.quantity, received_on=today(), acting_user=tree.township_officer
        )
    pass_down(tree, tree.town_a, tree.village_a1, 25)
    lines = actions.issue_for_collection(make_collection(child, 15), acting_user=tree.village_doctor)
    assert [(line.batch.number, line.quantity) for line in lines] == [("EARLY", -10), ("MIDDLE", -5)]


def test_expired_batch_cannot_be_issued_or_sent_only_written_off(tree, child):
    stock_village(tree, 40, number="OLD", expires=today() - dt.timedelta(days=1), on=today() - dt.timedelta(days=30))
    batch = Batch.objects.get(number="OLD")
    collection = make_collection(child, 30)
    error = refused(
        lambda: actions.issue_for_collection(collection, acting_user=tree.village_doctor),
        "packs",
        "库存不足：本卫生室营养包结余 0 包，本次需发放 30 包（另有已过期 40 包不能发放，只能报损）",
    )
    assert error
    receive(tree, 10, number="OLD2", expires=today() - dt.timedelta(days=2), on=today() - dt.timedelta(days=10))
    refused(
        lambda: actions.send_transfer(
            tree.mch,
            tree.town_a,
            quantity=5,
            sent_on=today(),
            batch=Batch.objects.get(number="OLD2"),
            acting_user=tree.county_mch,
        ),
        "batch",
        "已于",
    )
    line = actions.record_loss(
        tree.village_a1,
        batch=batch,
        quantity=40,
        reason=Reason.LOSS_EXPIRED,
        occurred_on=today(),
        acting_user=tree.village_doctor,
    )
    assert line.balance == 0 and line.quantity == -40


def test_expiry_write_off_of_a_batch_not_expired_is_refused(tree):
    receive(tree, 10)
    refused(
        lambda: actions.record_loss(
            tree.mch,
            batch=Batch.objects.get(),
            quantity=5,
            reason=Reason.LOSS_EXPIRED,
            occurred_on=today(),
            acting_user=tree.county_mch,
        ),
        "reason",
        "尚未过期，不能按过期报损",
    )


def test_receipt_of_an_expired_batch_and_conflicting_expiry_are_refused(tree):
    refused(lambda: receive(tree, 10, number="E", expires=today() - dt.timedelta(days=1)), "expires_on", "不能入库")
    receive(tree, 10, number="K")
    refused(lambda: receive(tree, 10, number="K", expires=today() + dt.timedelta(days=9)), "expires_on", "不一致")


def test_only_the_county_centre_receives_from_the_supplier(tree):
    with pytest.raises(ValidationError) as exc:
        actions.receive_stock(
            tree.town_a,
            batch_number="Z",
            expires_on=today() + dt.timedelta(days=100),
            quantity=10,
            received_on=today(),
            supplier="某公司",
            acting_user=tree.township_officer,
        )
    assert "只有县妇幼保健中心" in exc.value.message_dict["unit"][0]


def test_transfer_to_a_unit_that_is_not_a_child_of_the_sender_is_refused(tree):
    receive(tree, 100)
    refused(
        lambda: actions.send_transfer(
            tree.mch, tree.village_a1, quantity=10, sent_on=today(), acting_user=tree.county_mch
        ),
        "receiver",
        "接收单位：大寨村卫生室 不是 清溪县妇幼保健中心 的下级单位",
    )
    pass_down(tree, tree.mch, tree.town_a, 50)
    refused(
        lambda: actions.send_transfer(
            tree.town_a, tree.town_b, quantity=10, sent_on=today(), acting_user=tree.county_mch
        ),
        "receiver",
        "不是 上坝乡卫生院 的下级单位",
    )
    # outside the sender's scope: not found, not a message that would reveal the unit
    with pytest.raises(Http404):
        actions.send_transfer(
            tree.town_a, tree.village_b1, quantity=10, sent_on=today(), acting_user=tree.township_officer
        )


def test_transfer_larger_than_balance_is_refused(tree):
    receive(tree, 100)
    refused(
        lambda: actions.send_transfer(
            tree.mch, tree.town_a, quantity=101, sent_on=today(), acting_user=tree.county_mch
        ),
        "quantity",
        "库存不足：本中心营养包结余 100 包，本次需调出 101 包",
    )
    refused(
        lambda: actions.send_transfer(
            tree.mch, tree.town_a, quantity=101, sent_on=today(), batch=Batch.objects.get(), acting_user=tree.county_mch
        ),
        "quantity",
        "批号 YYB2026A 结余 100 包，本次调出 101 包",
    )


def test_confirming_a_receipt_twice_is_refused(tree):
    receive(tree, 100)
    [transfer] = actions.send_transfer(tree.mch, tree.town_a, quantity=60, sent_on=today(), acting_user=tree.county_mch)
    actions.confirm_transfer(transfer, received_quantity=60, received_on=today(), acting_user=tree.township_officer)
    refused(
        lambda: actions.confirm_transfer(
            transfer, received_quantity=60, received_on=today(), acting_user=tree.township_officer
        ),
        "received_quantity",
        f"已于 {today().isoformat()} 由李管理员确认收货（实收 60 包），不能重复确认",
    )
    assert queries.unit_stock(tree.town_a).balance == 60


def test_confirm_with_a_difference_needs_a_reason_and_records_it(tree):
    receive(tree, 100)
    [transfer] = actions.send_transfer(tree.mch, tree.town_a, quantity=60, sent_on=today(), acting_user=tree.county_mch)
    refused(
        lambda: actions.confirm_transfer(
            transfer, received_quantity=55, received_on=today(), acting_user=tree.township_officer
        ),
        "difference_reason",
        "实收 55 包，比调出的 60 包少 5 包，请填写差异原因",
    )
    refused(
        lambda: actions.confirm_transfer(
            transfer, received_quantity=61, received_on=today(), acting_user=tree.township_officer
        ),
        "received_quantity",
        "61 包大于调出数量 60 包",
    )
    actions.confirm_transfer(
        transfer,
        received_quantity=55,
        received_on=today(),
        difference_reason="运输途中破损5包",
        acting_user=tree.township_officer,
    )
    transfer.refresh_from_db()
    assert (transfer.received_quantity, transfer.difference, transfer.difference_reason) == (55, 5, "运输途中破损5包")
    line = StockLine.objects.get(unit=tree.town_a)
    assert line.quantity == 55 and "差 5 包" in line.note
    assert queries.unit_stock(tree.mch).balance == 40


def test_only_the_receiver_side_confirms(tree):
    receive(tree, 100)
    pass_down(tree, tree.mch, tree.town_a, 50)
    [transfer] = actions.send_transfer(
        tree.town_a, tree.village_a1, quantity=10, sent_on=today(), acting_user=tree.township_officer
    )
    with pytest.raises(Http404):
        actions.confirm_transfer(transfer, received_quantity=10, received_on=today(), acting_user=tree.village_doctor_b)


def test_stocktake_writes_adjustment_lines_for_differences(tree):
    receive(tree, 100, number="A")
    receive(tree, 50, number="B", expires=today() + dt.timedelta(days=500))
    a, b = Batch.objects.get(number="A"), Batch.objects.get(number="B")
    refused(
        lambda: actions.record_stocktake(
            tree.mch, counted_on=today(), counts={a: 97, b: 50}, acting_user=tree.county_mch
        ),
        "reason",
        "批号 A 账面 100 包，实盘 97 包",
    )
    stocktake = actions.record_stocktake(
        tree.mch, counted_on=today(), counts={a: 97, b: 50}, reason="受潮破损3包未登记", acting_user=tree.county_mch
    )
    assert sorted((i.batch.number, i.book_quantity, i.counted_quantity) for i in stocktake.items.all()) == [
        ("A", 100, 97),
        ("B", 50, 50),
    ]
    [line] = StockLine.objects.filter(stocktake=stocktake)
    assert (line.reason, line.quantity, line.balance, line.note) == (Reason.ADJUSTMENT, -3, 97, "受潮破损3包未登记")
    assert queries.unit_stock(tree.mch).balance == 147


def test_stocktake_for_a_batch_the_unit_never_had_is_refused(tree):
    receive(tree, 100, number="A")
    other = Batch.objects.create(number="NEVER", expires_on=today() + dt.timedelta(days=100))
    refused(
        lambda: actions.record_stocktake(tree.mch, counted_on=today(), counts={other: 5}, acting_user=tree.county_mch),
        "counts",
        "盘点：本中心从未有过批号 NEVER 的营养包，不能盘点该批号",
    )
    refused(
        lambda: actions.record_stocktake(
            tree.mch, counted_on=today(), counts={Batch.objects.get(number="A"): -1}, acting_user=tree.county_mch
        ),
        "counts",
        "不能为负数",
    )


def test_loss_larger_than_balance_and_of_a_batch_never_held_are_refused(tree):
    receive(tree, 10)
    batch = Batch.objects.get()
    refused(
        lambda: actions.record_loss(
            tree.mch,
            batch=batch,
            quantity=11,
            reason=Reason.LOSS_LOST,
            occurred_on=today(),
            acting_user=tree.county_mch,
        ),
        "quantity",
        "报损数量：11 包大于批号 YYB2026A 的结余 10 包",
    )
    pass_down(tree, tree.mch, tree.town_a, 5)
    refused(
        lambda: actions.record_loss(
            tree.village_a1,
            batch=batch,
            quantity=1,
            reason=Reason.LOSS_PESTS,
            occurred_on=today(),
            acting_user=tree.village_doctor,
        ),
        "batch",
        "从未有过该批号的库存",
    )


def test_a_correction_is_a_reversing_line_never_an_edit(tree, child):
    receive(tree, 100)
    batch = Batch.objects.get()
    loss = actions.record_loss(
        tree.mch, batch=batch, quantity=10, reason=Reason.LOSS_DAMAGED, occurred_on=today(), acting_user=tree.county_mch
    )
    reversal = actions.reverse_line(loss, reason="误登记，实为完好", acting_user=tree.county_mch)
    assert (reversal.quantity, reversal.balance, reversal.reverses, reversal.reason) == (10, 100, loss, loss.reason)
    loss.refresh_from_db()
    assert loss.quantity == -10 and loss.balance == 90, "the original line is untouched"
    refused(lambda: actions.reverse_line(loss, reason="再来", acting_user=tree.county_mch), "reason", "不能重复冲正")
    refused(
        lambda: actions.reverse_line(reversal, reason="x", acting_user=tree.county_mch), "reason", "冲正记录不能再冲正"
    )
    refused(lambda: actions.reverse_line(loss, reason=" ", acting_user=tree.county_mch), "reason", "冲正原因：不能为空")
    stock_village(tree, 30, number="V")
    [issue] = actions.issue_for_collection(make_collection(child, 30), acting_user=tree.village_doctor)
    refused(
        lambda: actions.reverse_line(issue, reason="x", acting_user=tree.village_doctor),
        "reason",
        "的领取记录上点“更正/撤销”",
    )


def test_reversal_that_would_go_below_zero_is_refused(tree):
    receipt = receive(tree, 100)
    pass_down(tree, tree.mch, tree.town_a, 80)
    refused(
        lambda: actions.reverse_line(receipt, reason="供应商退回", acting_user=tree.county_mch),
        "reason",
        "冲正后批号 YYB2026A 结余将为 -80 包",
    )


def test_dates_in_the_future_are_refused(tree):
    refused(lambda: receive(tree, 10, on=today() + dt.timedelta(days=1)), "received_on", "晚于今天")


def test_roles_without_stock_edit_cannot_write(tree):
    from jiceng.accounts.access import AccessDenied

    receive(tree, 10)
    with pytest.raises(AccessDenied):
        actions.record_loss(
            tree.mch,
            batch=Batch.objects.get(),
            quantity=1,
            reason=Reason.LOSS_LOST,
            occurred_on=today(),
            acting_user=tree.county_bureau,
        )


def test_the_register_can_reverse_a_collections_issue(tree, child):
    stock_village(tree, 50)
    collection = make_collection(child, 30)
    actions.issue_for_collection(collection, acting_user=tree.village_doctor)
    [reversal] = actions.reverse_collection_issue(
        collection, reason="登记错误，实际未领取", acting_user=tree.village_doctor
    )
    assert (reversal.quantity, reversal.balance, reversal.collection, reversal.reason) == (
        30,
        50,
        collection,
        Reason.ISSUE,
    )
    assert actions.reverse_collection_issue(collection, reason="再次", acting_user=tree.village_doctor) == []
    [row] = queries.reconciliation([tree.village_a1], today(), today())
    assert (row.collection_packs, row.ledger_issued) == (30, 0), "until the register corrects the collection"
    collection.packs = 20  # the register's correction, in the same transaction in real use
    collection.save(update_fields=["packs"])
    actions.issue_for_collection(collection, acting_user=tree.village_doctor)
    [row] = queries.reconciliation([tree.village_a1], today(), today())
    assert row.ledger_issued == 20 and row.matches
    assert not queries.unmatched_collections(tree.village_a1, today(), today()).exists()
