"""The benefit pages as each role uses them: the roster, 登记并申报, the review buttons, the printable
notice, payment batches with the one-card file and the bank's return file, exits; scope and masking."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jiceng.benefits import actions
from jiceng.benefits.models import Enrolment, Family, PaymentBatch
from jiceng.standards.idnumber import make_id_number

from .test_notice_and_payment import approved, bank_return, noticed

D = dt.date
MOTHER_ID = make_id_number("522799", D(1971, 9, 9), 31, "F")


def family_post(tree, **changes):
    data = {
        "village": tree.village_a1.code,
        "address": "大寨村五组",
        "scheme": "特扶",
        "category": "",
        "year": "2026",
        "rural": "on",
        "mother_name": "吴春花",
        "mother_birth_date": "1971-09-09",
        "mother_id_number": MOTHER_ID,
        "mother_bank_name": "农村信用社",
        "mother_bank_account": "6223555566667777888",
        "child_name": "吴小明",
        "child_sex": "M",
        "child_birth_date": "1994-02-02",
        "child_status": "死亡",
        "child_died_on": "2020-06-06",
    }
    data.update(changes)
    return data


def test_a_village_doctor_registers_and_declares_a_tefu_family(client, tree):
    client.force_login(tree.village_doctor)
    response = client.post("/benefits/families/new/", family_post(tree))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get()
    assert enrolment.eligible and enrolment.category == "死亡"
    page = client.get(response["Location"]).content.decode()
    assert "吴春花" in page and "符合条件,每人每月170元" in page
    assert MOTHER_ID not in page and MOTHER_ID[-4:] in page  # the village doctor does not pay
    assert "村初审通过" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mother_id_number": MOTHER_ID[:-1] + ("1" if MOTHER_ID[-1] != "1" else "2")}, "校验位"),
        ({"mother_birth_date": "1971-09-10"}, "不一致"),
        ({"mother_name": "吴\x07春花"}, "控制字符"),
        ({"mother_name": "吴\x00春花"}, "不允许是用空字符串"),  # Django's own refusal of NUL
        ({"mother_birth_date": "1971-02-30"}, "有效日期"),
        ({"mother_bank_account": "12ab"}, "银行账号"),
        ({"year": "1999"}, "选择一个有效的选项"),
    ],
)
def test_bad_family_input_is_shown_on_the_form_and_nothing_is_saved(client, tree, changes, message):
    client.force_login(tree.village_doctor)
    response = client.post("/benefits/families/new/", family_post(tree, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Family.objects.exists() and not Enrolment.objects.exists()


def test_declaring_the_same_person_twice_is_refused_on_the_form(client, tree):
    client.force_login(tree.village_doctor)
    client.post("/benefits/families/new/", family_post(tree))
    response = client.post("/benefits/families/new/", family_post(tree))
    assert response.status_code == 200 and "已登记" in response.content.decode()
    assert Enrolment.objects.count() == 1


def test_the_review_buttons_walk_the_chain_and_a_return_needs_a_reason(client, tree):
    client.force_login(tree.village_doctor)
    client.post("/benefits/families/new/", family_post(tree))
    e = Enrolment.objects.get()
    assert client.post(f"/benefits/enrolments/{e.pk}/village_check/", {"version": e.version}).status_code == 302
    client.force_login(tree.township_reviewer)
    e.refresh_from_db()
    response = client.post(f"/benefits/enrolments/{e.pk}/return/", {"version": e.version, "reason": ""})
    assert response.status_code == 400 and "退回原因" in response.content.decode()
    assert client.post(f"/benefits/enrolments/{e.pk}/township_review/", {"version": e.version}).status_code == 302
    stale = client.post(f"/benefits/enrolments/{e.pk}/township_review/", {"version": e.version})
    assert stale.status_code == 400 and "张院长已先处理" in stale.content.decode()  # pages answer a conflict 400
    client.force_login(tree.county_bureau)
    e.refresh_from_db()
    page = client.get(f"/benefits/enrolments/{e.pk}/").content.decode()
    assert MOTHER_ID in page  # the county pays: full numbers
    client.post(f"/benefits/enrolments/{e.pk}/approve/", {"version": e.version})
    e.refresh_from_db()
    assert e.state == Enrolment.State.APPROVED and e.approved_by == tree.county_bureau


def test_pages_are_scoped_and_payment_pages_are_for_the_county_only(client, tree, tefu_family):
    family = tefu_family()
    e = actions.declare(tree.village_doctor, family.people.get(role="mother"), "特扶", 2026)
    client.force_login(tree.village_doctor_b)
    assert client.get(f"/benefits/enrolments/{e.pk}/").status_code == 404
    assert "龙秀英" not in client.get("/benefits/?year=2026").content.decode()
    assert client.get("/benefits/payments/").status_code == 404
    client.force_login(tree.county_mch)
    assert client.get("/benefits/").status_code == 404
    client.force_login(tree.village_doctor)
    assert "龙秀英1" in client.get("/benefits/?year=2026").content.decode()
    assert client.get("/benefits/?year=abc&state=%00").status_code in (200, 400)


def test_the_printable_notice_masks_id_numbers(client, tree, tefu_family):
    family = tefu_family()
    approved(tree, family)
    notice = noticed(tree)
    client.force_login(tree.county_bureau)
    page = client.get(f"/benefits/notices/{notice.pk}/").content.decode()
    mother = family.people.get(role="mother")
    assert mother.name in page and mother.id_number not in page and mother.id_number[:6] + "********" in page
    assert "2026年1月5日至2026年1月12日" in page and "共 2 人" in page


def test_a_notice_shorter_than_seven_days_is_refused_on_the_form(client, tree, tefu_family):
    approved(tree, tefu_family())
    client.force_login(tree.township_reviewer)
    response = client.post(
        "/benefits/notices/",
        {"village": tree.village_a1.code, "year": "2026", "published_on": "2026-01-05", "ends_on": "2026-01-08"},
    )
    assert response.status_code == 200 and "公示时间不少于7天" in response.content.decode()


def test_the_county_pays_a_batch_and_reads_the_return_file(client, tree, tefu_family):
    family = tefu_family()
    mother, father = approved(tree, family)
    noticed(tree)
    client.force_login(tree.county_bureau)
    response = client.post(
        "/benefits/payments/", {"scheme": "特扶", "year": "2026", "first_month": "1", "last_month": "3"}
    )
    assert response.status_code == 302
    batch = PaymentBatch.objects.get()
    download = client.get(f"/benefits/payments/{batch.pk}/file.xlsx")
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert mother.person.id_number in [row[2] for row in sheet.iter_rows(values_only=True)]
    m, f = mother.person, father.person
    upload = io.BytesIO(
        bank_return([(m.id_number, m.name, 510, "成功", ""), (f.id_number, f.name, 510, "失败", "卡号错误")])
    )
    upload.name = "回盘.xlsx"
    response = client.post(f"/benefits/payments/{batch.pk}/", {"file": upload})
    assert response.status_code == 302
    page = client.get(f"/benefits/payments/{batch.pk}/").content.decode()
    assert "发放失败" in page and "卡号错误" in page and m.id_number not in page  # the page masks, the file is full
    bad = io.BytesIO(bank_return([(m.id_number, m.name, 999, "成功", "")]))
    bad.name = "bad.xlsx"
    response = client.post(f"/benefits/payments/{batch.pk}/", {"file": bad})
    assert response.status_code == 200 and "不一致" in response.content.decode()


def test_an_exit_on_the_page_shows_the_stop_month_and_the_overpayment(client, tree, tefu_family):
    family = tefu_family()
    mother, father = approved(tree, family)
    noticed(tree)
    from jiceng.benefits import payments

    payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 6)
    client.force_login(tree.village_doctor)
    response = client.post(
        f"/benefits/enrolments/{father.pk}/exit/", {"reason": "death", "event_date": "2026-03-14", "note": "公安注销"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2026-04起停发" in page and "510.00" in page
