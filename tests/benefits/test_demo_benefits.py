"""The demo county's benefit history: three years of rosters, notices, payments with failures, exits, and
this year's work at every step in cunyi's village — loaded through the benefits' own actions."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from jiceng.accounts.models import User
from jiceng.benefits import queries
from jiceng.benefits.models import Enrolment, Exit, Notice, Objection, Payment, WorkItem
from jiceng.demo.benefits import load_benefit_history
from jiceng.demo.generator import AS_OF, demo_county
from jiceng.demo.load import load_counties


@pytest.fixture
def demo_benefits(db):
    load_counties([demo_county()])
    return load_benefit_history("522799", AS_OF)


def test_the_demo_has_three_years_of_rosters_payments_and_exits(demo_benefits):
    assert demo_benefits["families"] > 100
    years = set(Enrolment.objects.values_list("year", flat=True))
    assert years == {2024, 2025, 2026}
    for year in years:
        assert Enrolment.objects.filter(year=year, scheme="奖扶", state="approved").count() > 50
        assert Enrolment.objects.filter(year=year, scheme="特扶", state="approved").exists()
        assert Notice.objects.filter(year=year).exists()
    assert Enrolment.objects.filter(year=2025, new_entrant=True, scheme="奖扶").exists()  # turned 60 in 2025
    assert Payment.objects.filter(status="failed").exists() and Payment.objects.filter(status="paid").count() > 500
    assert Payment.objects.exclude(follow_up="").exists()
    assert Exit.objects.filter(reason="death").count() > 5
    assert Exit.objects.aggregate(total=Sum("overpayment"))["total"] > 0
    # this year's work waits at every step in cunyi's village (one test: loading the demo takes a while)
    cunyi = User.objects.get(username="cunyi")
    mine = queries.enrolments(cunyi, year=AS_OF.year)
    states = set(mine.values_list("state", flat=True))
    assert {"declared", "village_checked", "returned", "approved"} <= states
    assert set(mine.values_list("village_id", flat=True)) == {cunyi.unit_id}
    assert Objection.objects.filter(resolved_at__isnull=True, enrolment__village=cunyi.unit).exists()
    # an imported 公安 list: a recipient's death in cunyi's village and births missing from the register
    kinds = set(WorkItem.objects.filter(unit=cunyi.unit).values_list("kind", flat=True))
    assert {"recipient_died", "birth_unregistered"} <= kinds
