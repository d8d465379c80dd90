"""First expiry, first out (先到期先出): which batches an issue or a transfer takes. Pure Python: the stock
actions call it on locked balance rows, the demo on its in-memory ledger — one rule for both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeVar

Holding = TypeVar("Holding")


class ShortOfStock(ValueError):
    """The usable stock does not cover the quantity; ``available`` and ``expired`` say what there is."""

    def __init__(self, available: int, expired: int):
        super().__init__(f"short of stock: {available} usable, {expired} expired")
        self.available, self.expired = available, expired


def first_expiry_first_out(
    holdings: Iterable[tuple[Holding, dt.date, str, int]], quantity: int, on: dt.date
) -> list[tuple[Holding, int]]:
    """Take ``quantity`` packs from ``holdings`` — (holding, expires_on, batch number, packs held) — earliest
    expiry first (then batch number), skipping batches expired on ``on`` (a batch is usable on its expiry
    date). Raises :class:`ShortOfStock` when the usable packs do not cover ``quantity``."""
    held = [h for h in holdings if h[3] > 0]
    usable = sorted((h for h in held if h[1] >= on), key=lambda h: (h[1], h[2]))
    available = sum(h[3] for h in usable)
    if available < quantity:
        raise ShortOfStock(available, sum(h[3] for h in held if h[1] < on))
    taken = []
    for holding, _expires, _number, packs in usable:
        if quantity == 0:
            break
        n = min(packs, quantity)
        taken.append((holding, n))
        quantity -= n
    return taken
