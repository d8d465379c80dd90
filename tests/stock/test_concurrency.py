"""Two people issue the last packs at the same moment, on real concurrent PostgreSQL connections."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from jiceng.accounts.models import Role, User
from jiceng.nutrition.models import Collection
from jiceng.stock import actions, queries
from jiceng.stock.models import Reason, StockBalance, StockLine, Transfer
from tests.stock.conftest import make_collection, receive, stock_village, today


def _race(workers):
    """Run each worker in its own thread (own database connection), released together."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(i, work):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", work())
        except Exception as exc:  # noqa: BLE001 - the test inspects what each side got
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_issues_of_the_last_packs_exactly_one_succeeds(tree, make_child):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks (SELECT … FOR UPDATE) and real concurrent connections")
    stock_village(tree, 30)
    children = [make_child(birth_date=today() - dt.timedelta(days=400)) for _ in range(2)]

    def issue(child):
        def work():
            with transaction.atomic():
                collection = make_collection(child, 30, user=tree.village_doctor)
                lines = actions.issue_for_collection(collection, acting_user=tree.village_doctor)
                time.sleep(0.3)  # hold the lock: the other connection is now waiting on it
                return lines

        return work

    results = _race([issue(children[0]), issue(children[1])])
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ValidationError)
    assert error.message_dict["packs"] == ["库存不足：本卫生室营养包结余 0 包，本次需发放 30 包"]
    assert StockBalance.objects.get(unit=tree.village_a1).quantity == 0
    assert StockLine.objects.filter(unit=tree.village_a1, reason=Reason.ISSUE).count() == 1
    assert Collection.objects.count() == 1, "the refused collection is rolled back with its issue"
    assert queries.reconciliation([tree.village_a1], today(), today())[0].matches


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_transfers_and_double_confirm(tree):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks (SELECT … FOR UPDATE) and real concurrent connections")
    receive(tree, 100)

    def send(receiver):
        return lambda: actions.send_transfer(
            tree.mch, receiver, quantity=70, sent_on=today(), acting_user=tree.county_mch
        )

    results = _race([send(tree.town_a), send(tree.town_b)])
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert StockBalance.objects.get(unit=tree.mch).quantity == 30
    [transfer] = Transfer.objects.all()
    receiving, _new = User.objects.get_or_create(  # only the receiving unit's staff confirm
        unit=transfer.receiver, role=Role.TOWNSHIP_OFFICER, defaults={"username": f"officer_{transfer.receiver.code}"}
    )

    def confirm():
        with transaction.atomic():
            done = actions.confirm_transfer(transfer, received_quantity=70, received_on=today(), acting_user=receiving)
            time.sleep(0.3)
            return done

    results = _race([confirm, confirm])
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert "不能重复确认" in error.message_dict["received_quantity"][0]
    assert StockLine.objects.filter(reason=Reason.TRANSFER_IN).count() == 1
    assert StockBalance.objects.get(unit=transfer.receiver).quantity == 70
