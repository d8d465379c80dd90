"""Merging a duplicate record moves all of its history, follow-up cards included."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jiceng.audit.models import AuditEntry
from jiceng.nutrition import actions, queries
from jiceng.nutrition.models import Assessment, Collection, Consent, FollowUp, Move


def _card(child, day, user, **extra):
    return actions.record_followup(
        child,
        visited_on=day,
        length_cm=Decimal("72.0"),
        position="lying",
        weight_kg=Decimal("8.6"),
        hb_g_l=Decimal("104"),
        packs_last_7d=6,
        acting_user=user,
        **extra,
    )


def test_merge_moves_the_duplicates_follow_up_cards_and_the_child_page_shows_them(client, tree, make_child):
    keep = make_child(name="罗三", birth_date=dt.date(2025, 1, 10))
    dup = make_child(name="罗三", birth_date=dt.date(2025, 1, 10), village=tree.village_a2)
    user = tree.township_officer
    actions.record_consent(dup, signed_on=dt.date(2025, 7, 10), signed_by="母", relation="母亲", acting_user=user)
    actions.record_assessment(dup, assessed_on=dt.date(2025, 7, 11), suitable=True, doctor="王医生", acting_user=user)
    actions.record_collection(dup, collected_on=dt.date(2025, 7, 12), packs=30, acting_user=user)
    baseline = _card(dup, dt.date(2025, 7, 12), user)  # the duplicate holds the baseline (服用前)
    actions.record_consent(keep, signed_on=dt.date(2025, 8, 10), signed_by="母", relation="母亲", acting_user=user)
    later = _card(keep, dt.date(2025, 9, 15), user, notes="复查")

    actions.merge_children(keep, dup, acting_user=user)

    assert sorted(keep.followups.values_list("pk", flat=True)) == [baseline.pk, later.pk]
    first, latest = queries.baseline_and_latest(keep)
    assert (first.pk, latest.pk) == (baseline.pk, later.pk)
    for model in (Consent, Collection, Assessment, Move, FollowUp):
        assert not model.objects.filter(child=dup).exists(), model.__name__
    entry = AuditEntry.objects.get(action="child.merge")
    assert entry.after["followups"] == 1 and entry.after["ids"]["followups"] == [baseline.pk]
    assert entry.before == {"duplicate": dup.pk}

    client.force_login(tree.township_officer)
    page = client.get(f"/children/{keep.pk}/").content.decode()
    assert "基线（首次）" in page and "2025-07-12" in page  # the baseline column is the duplicate's card
    timeline = page[page.index("2025-07-12") :]
    assert "随访" in timeline and "近7天服用6包" in timeline


def test_cards_are_recomputed_when_the_records_disagree_on_sex(tree, make_child):
    keep = make_child(name="罗四", birth_date=dt.date(2025, 1, 10), sex="F")
    dup = make_child(name="罗四", birth_date=dt.date(2025, 1, 10), sex="M", village=tree.village_a2)
    card = _card(dup, dt.date(2025, 7, 12), tree.township_officer)
    as_boy = card.waz
    actions.merge_children(keep, dup, acting_user=tree.township_officer)
    card.refresh_from_db()
    assert card.child_id == keep.pk and card.waz != pytest.approx(as_boy)


def test_a_card_that_does_not_fit_the_kept_birth_date_stops_the_merge(tree, make_child):
    keep = make_child(name="罗五", birth_date=dt.date(2025, 8, 1))
    dup = make_child(name="罗五", birth_date=dt.date(2025, 1, 10), village=tree.village_a2)
    _card(dup, dt.date(2025, 7, 12), tree.township_officer)  # before the kept record's birth date
    with pytest.raises(ValidationError, match="2025-07-12 的随访卡"):
        actions.merge_children(keep, dup, acting_user=tree.township_officer)
    assert FollowUp.objects.get().child_id == dup.pk
