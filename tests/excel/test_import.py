"""Excel import: every bad input of issue 4 is reported by row and column in Chinese, and
nothing is saved unless the whole file is valid."""

import datetime as dt

import pytest

from jiceng.audit.models import AuditEntry
from jiceng.nutrition import actions
from jiceng.nutrition.excel import import_children, import_collections, import_followups
from jiceng.nutrition.models import Child, Collection, Consent, FollowUp
from jiceng.standards.idnumber import make_id_number
from tests.excel.helpers import (
    CHILDREN,
    child_row,
    children_file,
    collections_file,
    followups_file,
    months_ago,
    xlsx,
)

BIRTH = months_ago(14, 1)


def errors(report) -> list[str]:
    return [str(e) for e in report.errors]


# ---------------------------------------------------------------- children


def test_children_import_saves_every_row_through_the_action_with_audit(tree):
    data = children_file(
        child_row("王小花", signed_on=months_ago(2)),
        child_row(
            "王小明", sex="男", birth=months_ago(20, 3), id_number=make_id_number("522799", months_ago(20, 3), 7, "M")
        ),
        child_row("杨朵", birth="2025-03-08"),  # a clean ISO date typed as text is accepted
    )
    report = import_children(tree.village_doctor, data, filename="三月.xlsx")
    assert report.ok, errors(report)
    assert (report.rows, report.saved) == (3, 3)
    assert set(Child.objects.values_list("name", flat=True)) == {"王小花", "王小明", "杨朵"}
    assert Child.objects.get(name="杨朵").birth_date == dt.date(2025, 3, 8)
    assert all(c.village == tree.village_a1 for c in Child.objects.all())
    consent = Consent.objects.get()
    assert consent.child.name == "王小花" and consent.signed_by == "李梅" and consent.relation == "母亲"
    assert AuditEntry.objects.filter(action="child.register").count() == 3
    assert AuditEntry.objects.filter(action="child.consent").count() == 1
    log = AuditEntry.objects.get(action="import.children")
    assert log.after == {"rows": 3, "saved": 3, "errors": 0} and "三月.xlsx" in log.object_repr


def test_wrong_header_names_the_expected_and_found_column_and_reads_nothing(tree):
    headers = list(CHILDREN.headers)
    headers[2], headers[3] = headers[3], headers[2]  # 出生日期 before 性别
    headers[10] = "监护人姓名"
    report = import_children(tree.village_doctor, xlsx(headers, [child_row()]))
    found = errors(report)
    assert found[0].startswith("表头与模板不一致，未读取任何数据")
    assert "表头 性别(C列)：应为“性别”，实际为“出生日期”（列的顺序不能改变，请使用下载的模板）" in found
    assert "表头 出生日期(D列)：应为“出生日期”，实际为“性别”（列的顺序不能改变，请使用下载的模板）" in found
    assert "表头 看护人姓名(K列)：应为“看护人姓名”，实际为“监护人姓名”" in found
    assert not Child.objects.exists()


def test_missing_and_extra_columns(tree):
    short = import_children(tree.village_doctor, xlsx(CHILDREN.headers[:-1], [child_row()[:-1]]))
    assert "表头 签署人(O列)：应为“签署人”，实际为空" in errors(short)
    extra = import_children(tree.village_doctor, xlsx([*CHILDREN.headers, "身高"], [child_row()]))
    assert "表头 (P列)：多出的列“身高”：请删除该列，或使用最新的模板" in errors(extra)
    assert not Child.objects.exists()


def test_empty_row_in_the_middle_is_an_error_and_trailing_blank_rows_are_ignored(tree):
    data = children_file(child_row("甲"), [], child_row("乙"), [], [])
    report = import_children(tree.village_doctor, data)
    assert errors(report) == ["第3行：空行：数据中间不能有空行，请删除该行"]
    assert not Child.objects.exists()
    assert import_children(tree.village_doctor, children_file(child_row("甲"), child_row("乙"), [], [])).ok


@pytest.mark.parametrize("typed", ["2025.3.8", "2025年3月8日", "2025/03/08", "2025-3-8", "２０２５．３．８"])
def test_a_date_typed_as_people_write_it_is_read(tree, typed):
    report = import_children(tree.village_doctor, children_file(child_row(birth=typed)))
    assert report.ok, errors(report)
    assert Child.objects.get().birth_date == dt.date(2025, 3, 8)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("三月八日", "第2行 出生日期(D列)：“三月八日”是文本而不是日期：请把单元格设为日期格式，或按 2025-03-08 填写"),
        ("8/3/2025", "第2行 出生日期(D列)：“8/3/2025”是文本而不是日期"),
        ("2025.3", "第2行 出生日期(D列)：“2025.3”是文本而不是日期"),
        ("2025-02-30", "第2行 出生日期(D列)：“2025-02-30”不是有效日期（该月没有这一天）"),
        (45724, "第2行 出生日期(D列)：“45724”是数字而不是日期"),
    ],
)
def test_date_typed_as_text_is_refused(tree, typed, message):
    report = import_children(tree.village_doctor, children_file(child_row(birth=typed)))
    assert any(e.startswith(message) for e in errors(report)), errors(report)
    assert not Child.objects.exists()


def test_one_bad_cell_saves_nothing_and_every_error_is_reported(tree):
    data = children_file(
        child_row("甲"),
        child_row("乙", sex="男性"),  # a cell the reader refuses
        child_row("丙", birth=dt.date(2999, 1, 1)),  # a value the action refuses
        child_row("  "),  # a blank name: required
        child_row("丁", phone="12ab"),
        child_row("戊", id_number=522799202405010022),  # typed as a number: digits lost
        child_row("己"),
    )
    report = import_children(tree.village_doctor, data)
    assert errors(report) == [
        "第3行 性别(C列)：应为男、女之一，实际为“男性”",
        "第4行 出生日期(D列)：2999-01-01 晚于今天，不可能",
        "第5行 姓名(B列)：必填，不能为空",
        "第6行 看护人电话(M列)：应为7至12位数字",
        "第7行 身份证号(E列)：是数字格式：请把单元格设为文本格式后重新填写（数字格式会丢失末几位）",
    ]
    assert report.saved == 0
    assert not Child.objects.exists() and not AuditEntry.objects.filter(action="child.register").exists()
    assert AuditEntry.objects.get(action="import.children").after == {"rows": 7, "saved": 0, "errors": 5}


def test_duplicates_within_the_file_and_against_the_register(tree, make_child):
    make_child(name="老大", birth_date=BIRTH)
    number = make_id_number("522799", BIRTH, 9, "F")
    data = children_file(
        child_row("甲", id_number=number),
        child_row("乙", id_number=number),
        child_row("甲"),
        child_row("老大"),
    )
    found = errors(import_children(tree.village_doctor, data))
    assert "第3行 身份证号(E列)：与第2行的身份证号相同：同一儿童只能登记一次" in found
    assert "第4行：与第2行重复：同村同名同出生日期，同一儿童只能登记一次" in found
    assert any(e.startswith("第5行：重复登记：本村已有同名同出生日期的儿童“老大”") for e in found)
    assert Child.objects.count() == 1


def test_consent_columns_go_through_record_consent(tree):
    report = import_children(
        tree.village_doctor, children_file(child_row("甲", signed_on=BIRTH - dt.timedelta(days=3), relation=""))
    )
    assert "第2行 知情同意书签署日期(N列)：" in errors(report)[0] and "早于出生日期" in errors(report)[0]
    assert "第2行 与儿童关系(L列)：不能为空" not in errors(report)  # the date is checked first
    assert not Child.objects.exists()


def test_village_doctor_imports_only_into_own_village(tree):
    data = children_file(
        child_row("甲", village=""),
        child_row("乙", village="大寨村"),
        child_row("丙", village=tree.village_a1.code),
        child_row("丁", village="高坡村"),  # another township's village
        child_row("戊", village="岩脚村"),  # the same township, still not the doctor's
    )
    found = errors(import_children(tree.village_doctor, data))
    assert found == [
        "第5行 所属村(A列)：“高坡村”不是本村：村医只能导入本村（大寨村）的数据",
        "第6行 所属村(A列)：“岩脚村”不是本村：村医只能导入本村（大寨村）的数据",
    ]
    assert not Child.objects.exists()


def test_township_officer_imports_into_the_township_villages_by_name_or_code(tree):
    ok = children_file(child_row("甲", village="大寨村"), child_row("乙", village=tree.village_a2.code))
    assert import_children(tree.township_officer, ok).ok
    assert Child.objects.get(name="乙").village == tree.village_a2
    bad = children_file(child_row("丙", village="高坡村"), child_row("丁", village=""), child_row("戊", village="邻村"))
    found = errors(import_children(tree.township_officer, bad))
    assert found == [
        "第2行 所属村(A列)：“高坡村”不是您管辖范围内的村，请核对村名或代码（见模板“村名单”工作表）",
        "第3行 所属村(A列)：必填：请填写村名或12位村代码",
        "第4行 所属村(A列)：“邻村”不是您管辖范围内的村，请核对村名或代码（见模板“村名单”工作表）",
    ]
    assert Child.objects.count() == 2


def test_roles_without_edit_cannot_import(tree):
    from jiceng.accounts.access import AccessDenied

    with pytest.raises(AccessDenied):
        import_children(tree.county_mch, children_file(child_row()))


def test_unreadable_and_empty_files(tree):
    assert errors(import_children(tree.village_doctor, b"name,sex\n")) == [
        "无法读取该文件：请上传 Excel 的 .xlsx 文件（.xls 或 .csv 请先在 Excel 中另存为 .xlsx）"
    ]
    assert errors(import_children(tree.village_doctor, xlsx([], []))) == [
        "文件为空：第1行应为表头（" + "、".join(CHILDREN.headers) + "）"
    ]
    assert errors(import_children(tree.village_doctor, children_file())) == ["文件中没有数据：请从第2行起填写"]


# ---------------------------------------------------------------- collections


@pytest.fixture
def consented(tree, make_child):
    def make(name, village=None, **fields):
        child = make_child(name=name, village=village or tree.village_a1, birth_date=BIRTH, **fields)
        actions.record_consent(
            child,
            signed_on=months_ago(6),
            signed_by="母亲",
            relation="母亲",
            acting_user=tree.village_doctor_b if child.village == tree.village_b1 else tree.township_officer,
        )
        return child

    return make


def collection_row(name, day, packs=30, village="", birth=BIRTH, id_number=None, by="李梅"):
    return [village, name, birth, id_number, day, packs, by]


def test_collections_import_in_date_order_through_record_collection(tree, consented):
    consented("甲")
    b = consented("乙", id_number=make_id_number("522799", BIRTH, 11, "F"), sex="F")
    data = collections_file(
        collection_row("甲", months_ago(2, 8)),
        collection_row("甲", months_ago(3, 8)),  # earlier month after a later one: applied in date order
        collection_row("乙", months_ago(2, 9), id_number=b.id_number),
    )
    report = import_collections(tree.village_doctor, data)
    assert report.ok, errors(report)
    assert Collection.objects.count() == 3
    assert AuditEntry.objects.filter(action="collection.create").count() == 3
    assert AuditEntry.objects.get(action="import.collections").after["saved"] == 3


def test_duplicate_collection_in_the_same_month_within_the_file(tree, consented):
    consented("甲")
    consented("乙")
    data = collections_file(
        collection_row("甲", months_ago(2, 3)),
        collection_row("乙", months_ago(2, 3)),
        collection_row("甲", months_ago(2, 20)),
    )
    month = months_ago(2).strftime("%Y-%m")
    assert errors(import_collections(tree.village_doctor, data)) == [
        f"第4行 领取日期(E列)：与第2行重复：甲 {month} 只能领取一次（一月一领，E6）"
    ]
    assert not Collection.objects.exists()


def test_duplicate_collection_against_the_register(tree, consented):
    child = consented("甲")
    actions.record_collection(child, collected_on=months_ago(2, 5), packs=30, acting_user=tree.village_doctor)
    consented("乙")
    data = collections_file(collection_row("乙", months_ago(2, 6)), collection_row("甲", months_ago(2, 25)))
    month = months_ago(2).strftime("%Y-%m")
    assert errors(import_collections(tree.village_doctor, data)) == [
        f"第3行 领取日期(E列)：甲 {month} 已于 {months_ago(2, 5):%Y-%m-%d} 领取（系统中已有记录），一月一领（E6）"
    ]
    assert Collection.objects.count() == 1


def test_rules_refusals_and_unknown_children_are_reported_and_nothing_saved(tree, consented, make_child):
    consented("甲")
    make_child(name="无同意书", birth_date=BIRTH)
    consented("外村", village=tree.village_b1)
    data = collections_file(
        collection_row("甲", months_ago(2)),
        collection_row("无同意书", months_ago(2)),
        collection_row("不存在", months_ago(2)),
        collection_row("甲", months_ago(1), packs=0),
        collection_row("甲", months_ago(1), packs="三十"),
        collection_row("外村", months_ago(1), village="高坡村"),
        collection_row("甲", months_ago(1), id_number="522799200001010000"),
    )
    found = errors(import_collections(tree.village_doctor, data))
    assert found[0].startswith("第3行：不予发放：") and "（E9）" in found[0]
    assert found[1] == (
        f"第4行 儿童姓名(B列)：大寨村没有登记“不存在”（出生日期 {BIRTH:%Y-%m-%d}）："
        "请先导入儿童登记，或核对姓名和出生日期"
    )
    assert found[2] == "第5行 包数(F列)：应为正整数，实际为 0"
    assert found[3] == "第6行 包数(F列)：应为整数，实际为“三十”"
    assert found[4] == "第7行 所属村(A列)：“高坡村”不是本村：村医只能导入本村（大寨村）的数据"
    assert found[5].startswith("第8行 身份证号(D列)：未找到身份证号为 522799200001010000 的儿童")
    assert len(found) == 6
    assert not Collection.objects.exists()


def test_batched_collections_are_written_in_flushes_with_one_audit_row_each_and_all_or_nothing(
    tree, consented, monkeypatch
):
    """Rows of clinics without a stock ledger are judged one by one and written several at a time
    (here every 2): each collection gets its own audit row naming it; a refusal after a flush
    still leaves nothing saved."""
    monkeypatch.setattr(actions, "FLUSH_EVERY", 2)
    for name in "甲乙丙":
        consented(name)
    rows = [collection_row(name, months_ago(back, 5)) for name in "甲乙丙" for back in (3, 2)]
    report = import_collections(tree.village_doctor, collections_file(*rows))
    assert report.ok and report.saved == 6, errors(report)
    saved = {str(c.pk): c for c in Collection.objects.select_related("child")}
    audits = AuditEntry.objects.filter(action="collection.create")
    assert sorted(a.object_id for a in audits) == sorted(saved)
    for entry in audits:
        collection = saved[entry.object_id]
        assert entry.object_repr == f"{collection.child.name} 30包" and entry.unit == tree.village_a1
        assert entry.after == {
            "child": collection.child_id,
            "collected_on": collection.collected_on.isoformat(),
            "packs": 30,
        }
        assert entry.actor == tree.village_doctor
    assert all(
        c.issued_by == tree.village_doctor and c.month == c.collected_on.strftime("%Y-%m") for c in saved.values()
    )

    consented("丁")
    more = [collection_row(name, months_ago(1, 3)) for name in "甲乙丙"]
    too_many = collection_row("丁", months_ago(0, 1), packs=40)  # the fifth row in date order, after two flushes
    refused = import_collections(
        tree.village_doctor, collections_file(collection_row("丁", months_ago(1, 2)), *more, too_many)
    )
    assert refused.errors and "不予发放" in errors(refused)[0], errors(refused)
    assert Collection.objects.count() == 6  # the rows flushed before the refusal were rolled back too


def test_an_import_row_in_a_month_whose_report_went_up_is_refused_each_time(tree, consented):
    """The batch asks once per clinic and month whether the report is locked; every row of that month
    is still refused, with the reason, and nothing of the file is saved."""
    from jiceng.reporting.models import Report, State

    consented("甲")
    consented("乙")
    locked = months_ago(2)
    Report.objects.create(
        dataset="NUT_MONTHLY",
        unit=tree.village_a1,
        county=tree.county,
        period=locked.strftime("%Y-%m"),
        state=State.SUBMITTED,
    )
    data = collections_file(
        collection_row("甲", months_ago(3, 5)),
        collection_row("甲", months_ago(2, 5)),
        collection_row("乙", months_ago(2, 6)),
    )
    found = errors(import_collections(tree.village_doctor, data))
    assert len(found) == 2 and all("该期数据已锁定" in e for e in found), found
    assert found[0].startswith("第3行") and found[1].startswith("第4行")
    assert not Collection.objects.exists()


def test_township_officer_imports_collections_for_several_villages(tree, consented):
    consented("甲")
    consented("乙", village=tree.village_a2)
    data = collections_file(
        collection_row("甲", months_ago(1), village="大寨村"), collection_row("乙", months_ago(1), village="岩脚村")
    )
    assert import_collections(tree.township_officer, data).ok
    assert sorted(Collection.objects.values_list("unit__name", flat=True)) == ["大寨村", "岩脚村"]


# ---------------------------------------------------------------- follow-ups


def followup_row(name, day, hb=115, length=80, position="立位", weight=10, packs=6):
    return ["", name, BIRTH, None, day, hb, length, position, weight, packs, "是", "是", "否", None]


def test_followup_import_computes_cards_or_saves_nothing(tree, make_child):
    make_child(name="甲", birth_date=BIRTH)
    bad = followups_file(
        followup_row("甲", months_ago(1)),
        followup_row("甲", months_ago(0, 1), hb=300),
        followup_row("甲", months_ago(0, 2), packs=9, weight="10.123"),
    )
    found = errors(import_followups(tree.village_doctor, bad))
    assert found[0].startswith("第3行 血红蛋白(g/L)(F列)：") and "30–250" in found[0]
    assert "第4行 体重(kg)(I列)：最多2位小数，实际为 10.123" in found
    assert "第4行 近7天服用包数(J列)：不能大于 7，实际为 9" in found
    assert not FollowUp.objects.exists()
    good = followups_file(followup_row("甲", months_ago(1)), followup_row("甲", months_ago(0, 1), position="卧位"))
    report = import_followups(tree.village_doctor, good)
    assert report.ok, errors(report)
    cards = list(FollowUp.objects.order_by("visited_on"))
    assert len(cards) == 2 and cards[0].haz is not None and cards[0].counselling_given and not cards[0].caregiver_knows
