import pytest
from django.core.exceptions import ValidationError

from jiceng.accounts import access
from jiceng.orgunits import actions
from jiceng.orgunits.models import OrgUnit


def test_subtree_is_one_indexed_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = [u.code for u in tree.town_a.subtree()]
    assert codes == ["522799100", "522799100201", "522799100202"]


def test_visible_units_per_role(tree):
    assert {u.code for u in access.visible_units(tree.village_doctor)} == {"522799100201"}
    assert {u.code for u in access.visible_units(tree.township_reviewer)} == {
        "522799100",
        "522799100201",
        "522799100202",
    }
    county_codes = {u.code for u in access.visible_units(tree.county_mch)}
    assert "522799101202" in county_codes and "522798" not in county_codes and "522798100" not in county_codes


@pytest.mark.parametrize(
    ("code", "level", "parent_attr", "field", "message"),
    [
        ("52279910020", "village", "town_a", "code", "村/社区代码应为12位，实为11位"),
        ("5227991002AB", "village", "town_a", "code", "只能由数字组成"),
        ("522799100299", "village", "county", "parent", "村/社区的上级应为乡/镇/街道"),
        ("522799100201", "village", "town_a", "code", "已被其他单位使用"),
        ("522799101299", "village", "town_a", "code", "应以上级单位代码 522799100 开头"),
    ],
)
def test_bad_unit_input_is_refused_with_chinese_message(tree, code, level, parent_attr, field, message):
    before = OrgUnit.objects.count()
    with pytest.raises(ValidationError) as exc:
        actions.create_unit(
            code=code,
            name="新村",
            level=level,
            kind="village_clinic",
            parent=getattr(tree, parent_attr),
            acting_user=tree.admin,
        )
    assert message in " ".join(exc.value.message_dict[field])
    assert OrgUnit.objects.count() == before


def test_create_unit_writes_path_and_audit(tree):
    from jiceng.audit.models import AuditEntry

    unit = actions.create_unit(
        code="522799100203",
        name="新寨村",
        level="village",
        kind="village_clinic",
        parent=tree.town_a,
        altitude_m=1300,
        acting_user=tree.admin,
    )
    assert unit.path == tree.town_a.path + "522799100203/"
    entry = AuditEntry.objects.get(action="unit.create")
    assert entry.actor == tree.admin and entry.after["name"] == "新寨村" and entry.unit_path == unit.path


def test_only_admin_may_create_units(tree):
    with pytest.raises(access.AccessDenied):
        actions.create_unit(
            code="522799100203",
            name="新寨村",
            level="village",
            kind="village_clinic",
            parent=tree.town_a,
            acting_user=tree.township_reviewer,
        )


def test_update_unit_records_before_and_after(tree):
    from jiceng.audit.models import AuditEntry

    actions.update_unit(tree.village_a1, acting_user=tree.admin, altitude_m=1333)
    entry = AuditEntry.objects.get(action="unit.update")
    assert entry.before["altitude_m"] == 1250 and entry.after["altitude_m"] == 1333
    assert ("altitude_m", 1250, 1333) in entry.changed_fields()
