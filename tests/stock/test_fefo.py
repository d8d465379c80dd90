import datetime as dt

import pytest

from jiceng.stock.fefo import ShortOfStock, first_expiry_first_out

DAY = dt.date(2026, 10, 8)


def test_earliest_expiry_first_and_expired_batches_skipped():
    holdings = [
        ("late", dt.date(2027, 6, 30), "B3", 100),
        ("expired", dt.date(2026, 10, 7), "B0", 50),
        ("early", dt.date(2026, 12, 31), "B2", 40),
        ("today", DAY, "B1", 10),  # usable on its expiry date
        ("empty", dt.date(2026, 11, 1), "B9", 0),
    ]
    assert first_expiry_first_out(holdings, 60, DAY) == [("today", 10), ("early", 40), ("late", 10)]


def test_short_of_stock_says_what_there_is():
    with pytest.raises(ShortOfStock) as short:
        first_expiry_first_out([("a", DAY, "B1", 10), ("x", DAY - dt.timedelta(days=1), "B0", 5)], 11, DAY)
    assert (short.value.available, short.value.expired) == (10, 5)
