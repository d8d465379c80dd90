"""Stored status changes (issue "province scale"): written with every write that can change them, equal to
a replay of the rules engine, and ``jiceng rules verify`` finds exactly what differs."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from jiceng.nutrition import actions, amend, status_store
from jiceng.nutrition.models import StoredStatusChange
from jiceng.nutrition.report_figures import figures_for
from jiceng.periods import parse_period
from tests.stock.conftest import stock_village

D = dt.date


def stored(child):
    return list(StoredStatusChange.objects.filter(child=child).values_list("changed_on", "status", "figure"))


@pytest.fixture
def enrolled(tree, make_child):
    child = make_child(birth_date=D(2025, 3, 1))
    stock_village(tree, 300, on=D(2026, 2, 1))
    actions.record_consent(
        child, signed_on=D(2026, 3, 1), signed_by="母亲", relation="母亲", acting_user=tree.village_doctor
    )
    actions.record_collection(child, collected_on=D(2026, 3, 10), packs=30, acting_user=tree.village_doctor)
    return child


def test_a_collection_stores_the_enrolment_and_the_stop_projected_ahead(tree, enrolled):
    rows = stored(enrolled)
    assert rows[0] == (D(2026, 3, 10), "在服", "newly_enrolled")
    assert rows[1][1:] == ("停服", "stopped") and rows[1][0] > D(2026, 3, 10), "the stop that follows if nothing comes"
    assert status_store.differences() == []


def test_every_write_keeps_the_table_equal_to_the_engine(tree, enrolled):
    collection = actions.record_collection(
        enrolled, collected_on=D(2026, 4, 10), packs=30, acting_user=tree.village_doctor
    )
    assert status_store.differences() == []
    stop_before = [r for r in stored(enrolled) if r[1] == "停服"][0][0]
    amend.cancel_entry("collection", collection.pk, reason="误录", acting_user=tree.village_doctor)
    assert [r for r in stored(enrolled) if r[1] == "停服"][0][0] < stop_before, "the stop comes back earlier"
    assert status_store.differences() == []
    actions.move_child(
        enrolled,
        kind="transfer",
        happened_on=D(2026, 9, 1),
        to_village=tree.village_a2,
        acting_user=tree.township_officer,
    )
    assert status_store.differences() == []
    actions.declare_force_majeure(
        tree.town_a, first_month="2026-05", last_month="2026-05", reason="凝冻灾害", acting_user=tree.township_officer
    )
    assert status_store.differences() == []


def test_the_report_counts_the_stored_changes_where_the_child_lived(tree, enrolled):
    march = figures_for([tree.village_a1.pk, tree.village_a2.pk], parse_period("2026-03"))
    assert march[tree.village_a1.pk]["newly_enrolled"] == 1 and march[tree.village_a2.pk]["newly_enrolled"] == 0


def test_verify_reports_exactly_a_corrupted_row_and_exits_1(tree, enrolled):
    row = StoredStatusChange.objects.filter(child=enrolled, status="停服").get()
    row.changed_on = D(2026, 8, 1)
    row.save()
    found = status_store.differences()
    assert len(found) == 2, found  # the right row is missing, the wrong one is extra
    assert any("缺少" in line for line in found) and any("2026-08-01" in line and "多余" in line for line in found)
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("rules", "verify", stdout=out)
    assert "不一致：2 条" in str(failed.value) and "2026-08-01" in out.getvalue()
    call_command("rules", "refresh", "--unit", tree.county.code, stdout=io.StringIO())
    out = io.StringIO()
    call_command("rules", "verify", stdout=out)
    assert "一致" in out.getvalue()


def test_the_demo_history_is_stored_and_verifies(db):
    from jiceng.demo.generator import generate_county
    from jiceng.demo.history import load_register_history
    from jiceng.demo.load import load_counties
    from jiceng.orgunits.models import OrgUnit

    load_counties([generate_county(children=400, townships=2, villages_per_township=(3, 3))])
    county = OrgUnit.objects.get(code="522799")
    load_register_history(county, as_of=dt.date(2026, 11, 22))
    assert StoredStatusChange.objects.filter(figure="stopped").exists()
    assert status_store.differences(county) == []


def test_an_upgraded_database_gets_its_status_changes_at_migrate(tree, enrolled):
    """A database from before the table: registers, no stored rows; migrate fills them."""
    from jiceng.nutrition.apps import fill_stored_status_changes

    StoredStatusChange.objects.all().delete()
    assert figures_for([tree.village_a1.pk], parse_period("2026-03"))[tree.village_a1.pk]["newly_enrolled"] == 0
    fill_stored_status_changes(sender=None)
    assert figures_for([tree.village_a1.pk], parse_period("2026-03"))[tree.village_a1.pk]["newly_enrolled"] == 1
    assert status_store.differences() == []


def test_a_card_typed_from_paper_after_a_transfer_belongs_to_the_clinic_of_its_day(tree, enrolled):
    from decimal import Decimal

    actions.move_child(
        enrolled,
        kind="transfer",
        happened_on=D(2026, 6, 15),
        to_village=tree.village_a2,
        acting_user=tree.township_officer,
    )
    card = actions.record_followup(
        enrolled, visited_on=D(2026, 5, 10), hb_g_l=Decimal("104"), acting_user=tree.township_officer
    )
    assert card.unit == tree.village_a1
    may = figures_for([tree.village_a1.pk, tree.village_a2.pk], parse_period("2026-05"))
    assert (may[tree.village_a1.pk]["hb_tested"], may[tree.village_a2.pk]["hb_tested"]) == (1, 0)


def test_a_move_in_does_not_move_the_child_to_another_village(tree, make_child):
    child = make_child(birth_date=D(2025, 3, 1))
    actions.move_child(child, kind="move_out", happened_on=D(2026, 4, 10), acting_user=tree.township_officer)
    actions.move_child(
        child, kind="move_in", happened_on=D(2026, 6, 10), to_village=tree.village_a2, acting_user=tree.township_officer
    )
    june = figures_for([tree.village_a1.pk, tree.village_a2.pk], parse_period("2026-06"))
    may = figures_for([tree.village_a1.pk, tree.village_a2.pk], parse_period("2026-05"))
    assert (june[tree.village_a1.pk]["target_children"], june[tree.village_a2.pk]["target_children"]) == (1, 0)
    assert may[tree.village_a1.pk]["target_children"] == 0, "away in May"
