"""The yearly cycle in the browser at phone width (390 px), as the village, township and county users do it:
declare a new 特扶 family, check, review, publish the notice, approve, pay a batch, read back a bank return
file with one failure, and record a death that stops payment from the next month with the overpayment."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from openpyxl import Workbook

from jiceng.benefits.models import Enrolment, Payment
from jiceng.standards.idnumber import make_id_number
from tests.conftest import browser_login

TODAY = dt.date.today()
YEAR = TODAY.year if TODAY.month >= 4 else TODAY.year - 1  # a notice in January and a paid quarter are past
MOTHER_BIRTH, FATHER_BIRTH = dt.date(1968, 3, 12), dt.date(1966, 8, 30)
MOTHER_ID = make_id_number("522799", MOTHER_BIRTH, 77, "F")
FATHER_ID = make_id_number("522799", FATHER_BIRTH, 78, "M")


@pytest.fixture
def phone(chromium_browser, live_server):
    contexts = []

    def make(username):
        context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        browser_login(page, username)
        return page

    yield make
    for context in contexts:
        context.close()


def tap(page, selector):
    page.click(selector)
    page.wait_for_load_state("networkidle")


def fits(page) -> None:
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth"), page.url


def return_file(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "回盘明细"
    sheet.append(["身份证号码", "姓名", "发放金额", "处理结果", "失败原因"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.browser
def test_the_benefit_cycle_on_a_phone(phone, tree, screenshot_dir):
    doctor = phone("cunyi")
    doctor.goto(doctor.base_url + "/benefits/")
    fits(doctor)
    tap(doctor, "text=登记并申报")
    doctor.select_option("select[name=scheme]", "特扶")
    doctor.select_option("select[name=year]", str(YEAR))
    doctor.fill("input[name=mother_name]", "龙桂芬")
    doctor.fill("input[name=mother_birth_date]", MOTHER_BIRTH.isoformat())
    doctor.fill("input[name=mother_id_number]", MOTHER_ID[:-1] + ("1" if MOTHER_ID[-1] != "1" else "2"))
    doctor.fill("input[name=mother_bank_account]", "6223000011110000777")
    doctor.fill("input[name=father_name]", "杨光明")
    doctor.fill("input[name=father_birth_date]", FATHER_BIRTH.isoformat())
    doctor.fill("input[name=father_id_number]", FATHER_ID)
    doctor.fill("input[name=father_bank_account]", "6223000011110000778")
    doctor.fill("input[name=child_name]", "杨小龙")
    doctor.select_option("select[name=child_sex]", "M")
    doctor.fill("input[name=child_birth_date]", "1993-05-05")
    doctor.select_option("select[name=child_status]", "死亡")
    doctor.fill("input[name=child_died_on]", "2018-09-09")
    tap(doctor, "#family-form button[type=submit]")
    assert "校验位错误" in doctor.inner_text("main")  # a wrong check digit: refused, the form kept
    doctor.fill("input[name=mother_id_number]", MOTHER_ID)
    tap(doctor, "#family-form button[type=submit]")
    main = doctor.inner_text("main")
    assert "符合条件,每人每月" in main and MOTHER_ID not in main  # masked for the village
    fits(doctor)
    doctor.screenshot(path=os.path.join(screenshot_dir, "benefit-cycle-declared-390.png"), full_page=True)
    mother = Enrolment.objects.get(person__role="mother")
    father = Enrolment.objects.get(person__role="father")
    for enrolment in (mother, father):
        doctor.goto(f"{doctor.base_url}/benefits/enrolments/{enrolment.pk}/")
        tap(doctor, "#step-village_check button")
        assert "村初审通过" in doctor.inner_text("main")

    reviewer = phone("xz_reviewer")
    for enrolment in (mother, father):
        reviewer.goto(f"{reviewer.base_url}/benefits/enrolments/{enrolment.pk}/")
        tap(reviewer, "#step-township_review button")
    reviewer.goto(reviewer.base_url + "/benefits/notices/")
    reviewer.select_option("select[name=village]", tree.village_a1.code)
    reviewer.select_option("select[name=year]", str(YEAR))
    reviewer.fill("input[name=published_on]", f"{YEAR}-01-05")
    reviewer.fill("input[name=ends_on]", f"{YEAR}-01-14")
    tap(reviewer, "#notice-form button[type=submit]")
    notice = reviewer.inner_text("body")
    assert "龙桂芬" in notice and MOTHER_ID not in notice and MOTHER_ID[:6] + "********" in notice
    fits(reviewer)
    reviewer.screenshot(path=os.path.join(screenshot_dir, "benefit-cycle-notice-390.png"), full_page=True)

    county = phone("wjj")
    for enrolment in (mother, father):
        county.goto(f"{county.base_url}/benefits/enrolments/{enrolment.pk}/")
        tap(county, "#step-approve button")
        assert "县审批通过" in county.inner_text("main")
    county.goto(county.base_url + "/benefits/payments/")
    county.select_option("#batch-form select[name=scheme]", "特扶")
    county.select_option("#batch-form select[name=year]", str(YEAR))
    county.select_option("#batch-form select[name=first_month]", "1")
    county.select_option("#batch-form select[name=last_month]", "3")
    tap(county, "#batch-form button[type=submit]")
    totals = county.inner_text("#batch-totals")
    assert "2" in totals and "待回盘" in totals
    amount = Payment.objects.get(enrolment=mother).amount
    county.set_input_files(
        "#return-form input[type=file]",
        files=[
            {
                "name": "回盘.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": return_file(
                    [
                        (MOTHER_ID, "龙桂芬", float(amount), "成功", ""),
                        (FATHER_ID, "杨光明", float(amount), "失败", "账户已销户"),
                    ]
                ),
            }
        ],
    )
    tap(county, "#return-form button[type=submit]")
    main = county.inner_text("main")
    assert "已读入回盘:发放成功 1 人,失败 1 人" in main and "账户已销户" in main
    fits(county)
    county.screenshot(path=os.path.join(screenshot_dir, "benefit-cycle-paid-390.png"), full_page=True)

    doctor.goto(f"{doctor.base_url}/benefits/enrolments/{mother.pk}/")
    doctor.click("text=登记退出")
    doctor.select_option("select[name=reason]", "death")
    doctor.fill("input[name=event_date]", f"{YEAR}-02-10")
    tap(doctor, "form[action$='/exit/'] button[type=submit]")
    exit_card = doctor.inner_text("#exit")
    assert f"{YEAR}-03起停发" in exit_card and f"{amount / 3:.2f}" in exit_card  # March was paid: recovered
    fits(doctor)
