import datetime as dt

import pytest

from jiceng.nutrition import actions
from jiceng.nutrition.models import Child
from jiceng.standards.idnumber import make_id_number
from tests.conftest import browser_login

ID = make_id_number("522799", dt.date(2025, 1, 20), 3, "M")


def test_list_masks_identity_and_detail_shows_it_only_to_roles_that_need_it(client, tree, make_child):
    child = make_child(id_number=ID, sex="M", birth_date=dt.date(2025, 1, 20), caregiver_phone="13812345678")
    client.force_login(tree.village_doctor)
    listing = client.get("/children/").content.decode()
    assert "522799********" in listing and ID not in listing and "138****5678" in listing
    detail = client.get(f"/children/{child.pk}/").content.decode()
    assert ID in detail and "13812345678" in detail
    client.force_login(tree.county_bureau)
    detail = client.get(f"/children/{child.pk}/").content.decode()
    assert ID not in detail and "13812345678" not in detail and "138****5678" in detail


def test_register_page_shows_errors_in_chinese_and_keeps_input(client, tree):
    client.force_login(tree.village_doctor)
    response = client.post(
        "/children/new/",
        {
            "village": tree.village_a1.code,
            "name": "  ",
            "sex": "M",
            "birth_date": "2025-02-30",
            "id_number": ID,
            "residence": "resident",
            "caregiver_phone": "13812345678",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "姓名：不能为空" in page or "必填" in page
    assert "请填写有效日期" in page
    assert 'value="13812345678"' in page
    assert Child.objects.count() == 0


def test_register_page_refuses_a_duplicate_and_links_to_it(client, tree, make_child):
    existing = make_child(name="韦小宝", id_number=ID, sex="M", birth_date=dt.date(2025, 1, 20))
    client.force_login(tree.village_doctor)
    page = client.post(
        "/children/new/",
        {
            "village": tree.village_a1.code,
            "name": "韦晓宝",
            "sex": "M",
            "birth_date": "2025-01-20",
            "id_number": ID,
            "residence": "resident",
        },
    ).content.decode()
    assert "已登记" in page and f"/children/{existing.pk}/" in page
    assert Child.objects.count() == 1


def test_child_page_explains_status_in_the_rules_words(client, tree, make_child):
    child = make_child(birth_date=dt.date(2024, 1, 15))
    actions.record_consent(
        child, signed_on=dt.date(2024, 7, 1), signed_by="母亲甲", relation="母亲", acting_user=tree.village_doctor
    )
    actions.record_collection(child, collected_on=dt.date(2024, 8, 5), packs=30, acting_user=tree.village_doctor)
    client.force_login(tree.village_doctor)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "终止" in page or "停服" in page  # months without collection since 2024-08
    assert "E5" in page and "两个月及以上未领营养包算停服" in page
    assert "领取营养包 30 包" in page and "签订知情同意书" in page


@pytest.mark.browser
def test_village_doctor_registers_a_child_and_sees_status_and_reason(page, tree, screenshot_dir):
    browser_login(page, "cunyi")
    page.goto(page.base_url + "/children/new/")
    birth = dt.date.today().replace(day=1) - dt.timedelta(days=300)  # about 10 months old
    page.fill("input[name=name]", "龙小云")
    page.check("input[name=sex][value=F]")
    page.fill("input[name=birth_date]", birth.isoformat())
    page.fill("input[name=id_number]", make_id_number("522799", birth, 40, "M"))  # wrong sex on purpose
    page.fill("input[name=caregiver_name]", "龙母")
    page.click("main button[type=submit]")
    assert "性别为男，与登记的性别女不一致" in page.inner_text("main")
    assert page.input_value("input[name=name]") == "龙小云"  # nothing lost
    page.fill("input[name=id_number]", make_id_number("522799", birth, 40, "F"))
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "已登记：龙小云" in main
    assert "可纳入" in main and "本月不能领取" in main and "E9" in main  # eligible, but no consent yet
    page.screenshot(path=f"{screenshot_dir}/test-child-registered.png", full_page=True)
    page.fill("#consent input[name=signed_by]", "龙母")
    page.click("#consent button")
    page.wait_for_load_state("networkidle")
    main = page.inner_text("main")
    assert "已记录知情同意书" in main and "本月可领取，最多 30 包" in main
