"""Helpers for the stock ledger tests: receive at the county MCH centre and pass packs down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jiceng.accounts.models import Role, User
from jiceng.nutrition.models import Collection
from jiceng.stock import actions
from jiceng.stock.models import Batch


def today() -> dt.date:
    return timezone.localdate()


def receive(tree, quantity=1000, number="YYB2026A", expires=None, on=None):
    return actions.receive_stock(
        tree.mch,
        batch_number=number,
        expires_on=expires or today() + dt.timedelta(days=365),
        quantity=quantity,
        received_on=on or today(),
        supplier="省项目办",
        acting_user=tree.county_mch,
    )


def pass_down(tree, sender, receiver, quantity, *, batch=None, on=None):
    """Send and confirm in full; returns the transfers."""
    on = on or today()
    senders = {tree.mch.pk: tree.county_mch}
    user = senders.get(sender.pk, tree.township_officer)
    transfers = actions.send_transfer(sender, receiver, quantity=quantity, sent_on=on, batch=batch, acting_user=user)
    receiving = User.objects.filter(unit=receiver, role__in=[Role.TOWNSHIP_OFFICER, Role.VILLAGE_DOCTOR]).first()
    for t in transfers:  # only the receiving unit's staff confirm
        actions.confirm_transfer(t, received_quantity=t.quantity, received_on=on, acting_user=receiving)
    return transfers


def stock_village(tree, packs, *, number="YYB2026A", expires=None, on=None):
    """Receive ``packs`` at the county centre and pass them all to 大寨村 through 上坝乡."""
    receive(tree, packs, number=number, expires=expires, on=on)
    batch = Batch.objects.get(number=number)
    pass_down(tree, tree.mch, tree.town_a, packs, batch=batch, on=on)
    pass_down(tree, tree.town_a, tree.village_a1, packs, batch=batch, on=on)
    return batch


def make_collection(child, packs=30, on=None, user=None):
    on = on or today()
    return Collection.objects.create(
        child=child,
        unit=child.village,
        county=child.county,
        collected_on=on,
        month=f"{on:%Y-%m}",
        packs=packs,
        issued_by=user,
    )


@pytest.fixture
def child(make_child):
    return make_child(birth_date=today() - dt.timedelta(days=400))
