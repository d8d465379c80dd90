"""部门信息比对: a 公安 list matched against the rosters and the child register, work items resolved by a
named person (a death stops payment from the next month with the overpayment), bad files refused whole,
lists scoped, masked and deleted after the retention period."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from jiceng.accounts.access import AccessDenied
from jiceng.audit.models import AuditEntry
from jiceng.benefits import lists, payments
from jiceng.benefits.models import DepartmentList, Enrolment, ListRow, WorkItem
from jiceng.standards.idnumber import make_id_number

from .test_notice_and_payment import approved, noticed

D = dt.date
GONGAN = ("公民身份号码", "姓名", "出生日期", "变动类型", "变动日期", "户籍地村代码")


def workbook(rows, headers=GONGAN) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "公安变动.xlsx"
    return buffer


@pytest.fixture
def paid(tree, tefu_family):
    family = tefu_family()
    mother, father = approved(tree, family)
    noticed(tree)
    payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 6)
    return mother, father


def test_a_gongan_list_finds_a_death_a_move_an_unregistered_birth_and_a_difference(tree, paid, make_child):
    mother, father = paid
    registered = make_child(
        name="已登记宝宝", birth_date=D(2026, 3, 3), id_number=make_id_number("522799", D(2026, 3, 3), 5, "F")
    )
    m, f = mother.person, father.person
    outcome = lists.import_list(
        tree.county_bureau,
        "gongan",
        workbook(
            [
                (f.id_number, f.name, f.birth_date, "死亡", D(2026, 3, 14), ""),
                ("", m.name, m.birth_date, "迁出", D(2026, 4, 2), ""),  # no number: by name and birth date
                (
                    make_id_number("522799", D(2026, 5, 6), 9, "M"),
                    "新生儿甲",
                    D(2026, 5, 6),
                    "出生",
                    D(2026, 5, 20),
                    tree.village_a2.code,
                ),
                (
                    registered.id_number,
                    registered.name,
                    registered.birth_date,
                    "出生",
                    D(2026, 3, 20),
                    tree.village_a1.code,
                ),
                (
                    make_id_number("522799", D(1950, 1, 1), 3, "M"),
                    "不相关的人",
                    D(1950, 1, 1),
                    "死亡",
                    D(2026, 2, 2),
                    "",
                ),
            ]
        ),
    )
    assert outcome.ok, [str(e) for e in outcome.errors]
    kinds = sorted(WorkItem.objects.values_list("kind", flat=True))
    assert kinds == ["birth_unregistered", "recipient_died", "recipient_moved"]
    assert outcome.department_list.rows == 5 and outcome.department_list.matched == 3
    died = WorkItem.objects.get(kind="recipient_died")
    assert died.unit == tree.village_a1 and f.id_number not in died.summary and f.id_number[-4:] in died.summary
    birth = WorkItem.objects.get(kind="birth_unregistered")
    assert birth.unit == tree.village_a2 and "新生儿甲" in birth.summary
    assert f.id_number not in str(list(ListRow.objects.values_list("id_masked", "id_hash", "name")))
    assert AuditEntry.objects.filter(action="benefit.list.import").exists()


def test_stopping_payment_from_a_work_item_records_the_exit_and_the_overpayment(tree, paid):
    mother, father = paid
    f = father.person
    lists.import_list(
        tree.county_bureau, "gongan", workbook([(f.id_number, f.name, f.birth_date, "死亡", D(2026, 3, 14), "")])
    )
    item = WorkItem.objects.get()
    with pytest.raises(AccessDenied):
        lists.resolve(tree.county_mch, item, "看过了")
    done = lists.stop_payment(tree.village_doctor, item)
    assert done.resolved_by == tree.village_doctor and "2026-04起停发,应追回510.00元" in done.note
    father.refresh_from_db()
    assert father.state == Enrolment.State.EXITED and father.exit.overpayment == Decimal("510.00")
    with pytest.raises(Exception, match="已由"):
        lists.resolve(tree.township_reviewer, item, "重复处理")


def test_work_items_are_scoped_and_counted_per_unit(tree, paid):
    mother, father = paid
    f = father.person
    lists.import_list(
        tree.county_bureau,
        "gongan",
        workbook(
            [
                (f.id_number, f.name, f.birth_date, "死亡", D(2026, 3, 14), ""),
                ("", "外村新生儿", D(2026, 6, 1), "出生", D(2026, 6, 9), tree.village_b1.code),
            ]
        ),
    )
    assert [i.kind for i in lists.work_items(tree.village_doctor)] == ["recipient_died"]
    assert [i.kind for i in lists.work_items(tree.village_doctor_b)] == ["birth_unregistered"]
    other = WorkItem.objects.get(kind="birth_unregistered")
    lists.resolve(tree.village_doctor_b, other, "已入户核实并登记儿童")
    counts = {unit.code: (found, resolved) for unit, found, resolved in lists.counts_by_unit(tree.county_bureau)}
    assert counts == {tree.village_a1.code: (1, 0), tree.village_b1.code: (1, 1)}
    with pytest.raises(Exception):  # noqa: B017 - outside the subtree: 404
        lists.resolve(tree.village_doctor, other, "x")


@pytest.mark.parametrize(
    ("rows", "headers", "message"),
    [
        ([], ("身份证", "姓名", "出生日期", "类型", "日期", "村"), "表头与模板不一致"),
        ([("522799197001010010", "某人", D(1970, 1, 1), "死亡", D(2026, 1, 1), "")], GONGAN, "校验位"),
        ([("", "某人", D(1970, 1, 1), "失踪", D(2026, 1, 1), "")], GONGAN, "实际为“失踪”"),
        ([("", "某人", D(1970, 1, 1), "出生", D(2026, 1, 1), "522798100201")], GONGAN, "不是本县的村"),
        ([("", "某人", "1970-02-30", "死亡", D(2026, 1, 1), "")], GONGAN, "不是有效日期"),
    ],
)
def test_a_bad_list_is_refused_whole_in_chinese(tree, rows, headers, message):
    outcome = lists.import_list(tree.county_bureau, "gongan", workbook(rows, headers))
    assert not outcome.ok and any(message in str(e) for e in outcome.errors), [str(e) for e in outcome.errors]
    assert not DepartmentList.objects.exists() and not WorkItem.objects.exists()


def test_only_the_county_imports_and_an_unreadable_file_is_refused(tree):
    with pytest.raises(AccessDenied):
        lists.import_list(tree.township_reviewer, "gongan", workbook([]))
    outcome = lists.import_list(tree.county_bureau, "gongan", io.BytesIO(b"PK\x03\x04 not really"))
    assert not outcome.ok


def test_lists_are_deleted_after_the_retention_period_and_items_keep_their_summary(tree, paid, settings):
    mother, father = paid
    f = father.person
    settings.LIST_RETENTION_DAYS = 30
    outcome = lists.import_list(
        tree.county_bureau, "gongan", workbook([(f.id_number, f.name, f.birth_date, "死亡", D(2026, 3, 14), "")])
    )
    assert outcome.department_list.delete_after == dt.date.today() + dt.timedelta(days=30)
    assert lists.purge_expired(today=dt.date.today() + dt.timedelta(days=30)) == 0
    assert lists.purge_expired(today=dt.date.today() + dt.timedelta(days=31)) == 1
    assert not DepartmentList.objects.exists() and not ListRow.objects.exists()
    assert WorkItem.objects.get().summary.startswith("公安户籍变动:扶助对象")
    assert AuditEntry.objects.filter(action="benefit.list.purge").exists()


def test_a_disability_certificate_list_flags_a_different_grade(tree, tefu_family):
    from jiceng.benefits import actions

    data = actions.FamilyInput(
        village_code=tree.village_a1.code,
        people=[
            actions.PersonInput("mother", "韦兰", "F", D(1970, 1, 2), make_id_number("522799", D(1970, 1, 2), 8, "F"))
        ],
        children=[actions.ChildInput("韦强", "M", D(1995, 5, 5), disability_grade=2)],
    )
    actions.register_family(tree.village_doctor, data)
    headers = ("身份证号", "姓名", "出生日期", "残疾等级", "发证日期")
    outcome = lists.import_list(
        tree.county_bureau,
        "canlian",
        workbook([(make_id_number("522799", D(1995, 5, 5), 4, "M"), "韦强", D(1995, 5, 5), 4, D(2026, 2, 1))], headers),
    )
    assert outcome.ok
    item = WorkItem.objects.get()
    assert item.kind == "facts_differ" and "残疾等级为4级,计生家庭登记为2" in item.summary


def test_the_list_page_imports_and_resolves(client, tree, paid):
    mother, father = paid
    f = father.person
    client.force_login(tree.county_bureau)
    upload = workbook([(f.id_number, f.name, f.birth_date, "死亡", D(2026, 3, 14), "")])
    response = client.post("/benefits/list-checks/", {"source": "gongan", "file": upload})
    assert response.status_code == 302
    page = client.get("/benefits/list-checks/").content.decode()
    assert "扶助对象已死亡" in page and f.id_number not in page
    item = WorkItem.objects.get()
    client.force_login(tree.village_doctor)
    response = client.post(f"/benefits/list-checks/items/{item.pk}/", {"stop": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.is_open and "应追回510.00元" in item.note
    bad = workbook([], ("错", "列"))
    client.force_login(tree.county_bureau)
    response = client.post("/benefits/list-checks/", {"source": "gongan", "file": bad})
    assert response.status_code == 200 and "表头与模板不一致" in response.content.decode()
    client.force_login(tree.village_doctor)
    assert client.post("/benefits/list-checks/", {"source": "gongan", "file": workbook([])}).status_code == 404
