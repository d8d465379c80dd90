import datetime as dt

import pytest

from jiceng.nutrition import actions as nutrition

PERIOD = "2026-10"
REPORT_DAY = dt.date(2026, 11, 1)


@pytest.fixture
def registers(tree, make_child):
    """Village a1: three children collected in October 2026 (one with a follow-up card); a2: one child."""
    made = []
    for village, names in ((tree.village_a1, ("甲", "乙", "丙")), (tree.village_a2, ("丁",))):
        for name in names:
            child = make_child(village=village, name=name, birth_date=dt.date(2025, 5, 3))
            nutrition.record_consent(
                child,
                signed_on=dt.date(2025, 11, 1),
                signed_by="母",
                relation="母亲",
                acting_user=tree.township_officer,
            )
            nutrition.record_collection(
                child, collected_on=dt.date(2026, 10, 8), packs=30, acting_user=tree.township_officer
            )
            made.append(child)
    nutrition.record_followup(
        made[0],
        visited_on=dt.date(2026, 10, 8),
        packs_last_7d=6,
        counselling_given=True,
        acting_user=tree.township_officer,
    )
    return made
