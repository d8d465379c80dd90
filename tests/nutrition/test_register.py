import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jiceng.audit.models import AuditEntry
from jiceng.nutrition import actions, eligibility
from jiceng.nutrition.actions import ChildData
from jiceng.nutrition.models import Child, Collection, Consent, Move
from jiceng.standards.idnumber import make_id_number

BIRTH = dt.date(2025, 3, 8)
GOOD_ID = make_id_number("522799", BIRTH, 12, "F")


def data(**overrides):
    values = {
        "name": "杨小花",
        "sex": "F",
        "birth_date": BIRTH,
        "id_number": GOOD_ID,
        "caregiver_name": "王芳",
        "caregiver_relation": "母亲",
        "caregiver_phone": "13912345678",
    }
    values.update(overrides)
    return ChildData(**values)


def register(tree, **overrides):
    return actions.register_child(data(**overrides), village=tree.village_a1, acting_user=tree.village_doctor)


def test_register_child_saves_and_audits(tree):
    child = register(tree)
    assert child.county == tree.county and child.id_number == GOOD_ID
    entry = AuditEntry.objects.get(action="child.register")
    assert entry.after["name"] == "杨小花" and entry.unit == tree.village_a1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")}, "id_number", "校验位错误"),
        ({"birth_date": dt.date(2025, 3, 9)}, "id_number", "与登记的出生日期 2025-03-09 不一致"),
        ({"sex": "M"}, "id_number", "性别为女，与登记的性别男不一致"),
        ({"birth_date": dt.date(2099, 1, 1), "id_number": ""}, "birth_date", "晚于今天"),
        ({"birth_date": dt.date(2018, 1, 1), "id_number": ""}, "birth_date", "已满6岁"),
        ({"name": "   "}, "name", "姓名：不能为空或只有空格"),
        ({"caregiver_phone": "13a"}, "caregiver_phone", "看护人电话"),
        ({"id_number": "52279920250308"}, "id_number", "应为18位"),
    ],
)
def test_bad_child_input_is_refused_and_nothing_saved(tree, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        register(tree, **overrides)
    assert message in " ".join(exc.value.message_dict[field])
    assert Child.objects.count() == 0 and not AuditEntry.objects.filter(action="child.register").exists()


def test_duplicate_by_id_number_and_by_name_birth_village(tree):
    first = register(tree)
    with pytest.raises(actions.DuplicateChild) as exc:
        register(tree, name="杨晓花")
    assert exc.value.existing == first and "已登记" in exc.value.messages[0]
    with pytest.raises(actions.DuplicateChild) as exc:
        register(tree, id_number="")
    assert "同名同出生日期" in exc.value.messages[0]
    assert Child.objects.count() == 1


def test_collection_dated_before_birth_is_refused(tree):
    child = register(tree)
    with pytest.raises(ValidationError) as exc:
        actions.record_collection(
            child, collected_on=BIRTH - dt.timedelta(days=1), packs=30, acting_user=tree.village_doctor
        )
    assert "早于出生日期" in exc.value.message_dict["collected_on"][0]
    assert not Collection.objects.exists()


def test_no_collection_without_consent_then_allowed(tree, make_child):
    child = make_child(birth_date=dt.date(2025, 1, 10))
    with pytest.raises(actions.CollectionRefused) as exc:
        actions.record_collection(child, collected_on=dt.date(2025, 9, 1), packs=30, acting_user=tree.village_doctor)
    assert exc.value.reason.rule_id == "E9" and "知情同意" in exc.value.messages[0]
    actions.record_consent(
        child, signed_on=dt.date(2025, 8, 20), signed_by="母亲甲", relation="母亲", acting_user=tree.village_doctor
    )
    actions.record_collection(child, collected_on=dt.date(2025, 9, 1), packs=30, acting_user=tree.village_doctor)
    with pytest.raises(actions.CollectionRefused) as exc:
        actions.record_collection(child, collected_on=dt.date(2025, 9, 20), packs=30, acting_user=tree.village_doctor)
    assert exc.value.reason.rule_id == "E6"
    assert Collection.objects.filter(child=child).count() == 1


def test_merge_keeps_both_histories(tree, make_child):
    keep = make_child(name="罗一", birth_date=dt.date(2025, 1, 10))
    dup = make_child(name="罗一", birth_date=dt.date(2025, 1, 10), village=tree.village_a2)
    for c in (keep, dup):
        actions.record_consent(
            c, signed_on=dt.date(2025, 7, 10), signed_by="母", relation="母亲", acting_user=tree.township_officer
        )
    actions.record_collection(keep, collected_on=dt.date(2025, 8, 1), packs=30, acting_user=tree.township_officer)
    actions.record_collection(dup, collected_on=dt.date(2025, 9, 1), packs=30, acting_user=tree.township_officer)
    actions.merge_children(keep, dup, acting_user=tree.township_officer)
    assert sorted(keep.collections.values_list("month", flat=True)) == ["2025-08", "2025-09"]
    assert Consent.objects.filter(child=keep).count() == 2
    dup.refresh_from_db()
    assert dup.merged_into == keep
    assert AuditEntry.objects.filter(action="child.merge").count() == 1


def test_merge_refuses_two_collections_in_one_month(tree, make_child):
    keep = make_child(name="罗二", birth_date=dt.date(2025, 1, 10))
    dup = make_child(name="罗二", birth_date=dt.date(2025, 1, 10), village=tree.village_a2)
    for c in (keep, dup):
        actions.record_consent(
            c, signed_on=dt.date(2025, 7, 10), signed_by="母", relation="母亲", acting_user=tree.township_officer
        )
        actions.record_collection(c, collected_on=dt.date(2025, 8, 3), packs=30, acting_user=tree.township_officer)
    with pytest.raises(ValidationError, match="2025-08"):
        actions.merge_children(keep, dup, acting_user=tree.township_officer)
    assert Collection.objects.filter(child=keep).count() == 1


def test_transfer_between_villages_keeps_history(tree, make_child):
    child = make_child(birth_date=dt.date(2025, 1, 10))
    actions.record_consent(
        child, signed_on=dt.date(2025, 7, 10), signed_by="母", relation="母亲", acting_user=tree.township_officer
    )
    actions.record_collection(child, collected_on=dt.date(2025, 8, 1), packs=30, acting_user=tree.township_officer)
    actions.move_child(
        child,
        kind=Move.Kind.TRANSFER,
        happened_on=dt.date(2025, 8, 15),
        to_village=tree.village_a2,
        acting_user=tree.township_officer,
    )
    child.refresh_from_db()
    assert child.village == tree.village_a2 and child.collections.count() == 1
    # the village doctor of the old village no longer sees the child
    from jiceng.accounts import access

    assert not access.scoped(tree.village_doctor, Child.objects.filter(pk=child.pk), "village").exists()


def test_move_out_and_death_end_the_enrolment(tree, make_child):
    child = make_child(birth_date=dt.date(2025, 1, 10))
    actions.move_child(child, kind=Move.Kind.MOVE_OUT, happened_on=dt.date(2025, 9, 1), acting_user=tree.village_doctor)
    assert eligibility.decide(child, dt.date(2025, 10, 1)).status == "迁出"
    other = make_child(birth_date=dt.date(2025, 1, 10))
    actions.move_child(other, kind=Move.Kind.DEATH, happened_on=dt.date(2025, 9, 1), acting_user=tree.village_doctor)
    assert eligibility.decide(other, dt.date(2025, 10, 1)).status == "死亡"


def test_force_majeure_declared_by_township_is_applied(tree, make_child):
    child = make_child(birth_date=dt.date(2024, 6, 10))
    actions.record_consent(
        child, signed_on=dt.date(2025, 2, 1), signed_by="母", relation="母亲", acting_user=tree.village_doctor
    )
    actions.record_collection(child, collected_on=dt.date(2025, 3, 10), packs=30, acting_user=tree.village_doctor)
    assert eligibility.decide(child, dt.date(2025, 6, 1)).status == "停服"
    with pytest.raises(ValidationError):
        actions.declare_force_majeure(
            tree.town_a, first_month="2025-04", last_month="2025-04", reason=" ", acting_user=tree.township_reviewer
        )
    actions.declare_force_majeure(
        tree.town_a, first_month="2025-04", last_month="2025-04", reason="疫情封控", acting_user=tree.township_reviewer
    )
    assert eligibility.decide(child, dt.date(2025, 6, 1)).status == "在服"
    decision = eligibility.decide(child, dt.date(2025, 7, 1))
    assert decision.status == "停服" and "E5" in decision.rule_ids
    # another township's children are not affected
    other = make_child(birth_date=dt.date(2024, 6, 10), village=tree.village_b1)
    actions.record_consent(
        other, signed_on=dt.date(2025, 2, 1), signed_by="母", relation="母亲", acting_user=tree.village_doctor_b
    )
    actions.record_collection(other, collected_on=dt.date(2025, 3, 10), packs=30, acting_user=tree.village_doctor_b)
    assert eligibility.decide(other, dt.date(2025, 6, 1)).status == "停服"
    assert AuditEntry.objects.filter(action="force_majeure.declare").count() == 1


def test_force_majeure_outside_scope_is_404(tree):
    from django.http import Http404

    with pytest.raises(Http404):
        actions.declare_force_majeure(
            tree.town_b, first_month="2025-04", last_month="2025-04", reason="疫情", acting_user=tree.township_reviewer
        )
