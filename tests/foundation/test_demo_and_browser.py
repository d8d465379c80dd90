import pytest

from jiceng.accounts import access
from jiceng.accounts.models import User
from jiceng.demo.generator import DEMO_PASSWORD, demo_county
from jiceng.demo.load import load_counties
from jiceng.nutrition.models import Child
from jiceng.orgunits.models import OrgUnit
from tests.conftest import browser_login


@pytest.fixture
def demo(db):
    return load_counties([demo_county()])


def test_demo_county_is_loaded_with_a_whole_hierarchy(demo):
    assert demo["children"] == 6000 and Child.objects.count() == 6000
    assert list(OrgUnit.objects.filter(parent__isnull=True).values_list("code", flat=True)) == ["520000"]
    for institution in OrgUnit.objects.filter(kind__in=["health_bureau", "mch_centre"]):
        assert institution.parent.code == "522799"
    assert 100 <= OrgUnit.objects.filter(level="village").count() <= 200
    for role, username in [("village_doctor", "cunyi"), ("county_mch", "fybj"), ("admin", "admin")]:
        assert User.objects.get(username=username).role == role


def test_demo_logins_see_their_own_part(demo):
    doctor = User.objects.get(username="cunyi")
    mch = User.objects.get(username="fybj")
    doctor_children = access.scoped(doctor, Child.objects.all(), "village")
    assert 0 < doctor_children.count() < 200
    assert set(doctor_children.values_list("village_id", flat=True)) == {doctor.unit_id}
    assert access.scoped(mch, Child.objects.all(), "village").count() == 6000


@pytest.mark.browser
def test_village_doctor_sees_only_own_village_in_browser(page, tree, make_child, screenshot_dir):
    own = make_child(village=tree.village_a1, name="本村儿童")
    other = make_child(village=tree.village_b1, name="外村儿童")
    browser_login(page, "cunyi")
    assert "待办事项" in page.content()
    page.goto(page.base_url + "/children/")
    body = page.inner_text("main")
    assert "本村儿童" in body and "外村儿童" not in body
    page.screenshot(path=f"{screenshot_dir}/test-village-doctor-children.png", full_page=True)
    page.goto(page.base_url + "/units/")
    units = page.inner_text("main")
    assert "大寨村" in units and "高坡村" not in units and "上坝乡" not in units
    response = page.goto(page.base_url + f"/units/{tree.village_b1.code}/")
    assert response.status == 404
    response = page.goto(page.base_url + f"/children/{other.pk}/")
    assert response.status == 404
    response = page.goto(page.base_url + f"/children/{own.pk}/")
    assert response.status == 200 and "本村儿童" in page.inner_text("main")


@pytest.mark.browser
def test_login_page_renders_on_a_phone_without_overflow(chromium_browser, live_server, db):
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    phone = context.new_page()
    phone.goto(live_server.url + "/login/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert "登录" in phone.inner_text("h1")
    # CJK text has real glyph width (a missing font would render tofu boxes of another width)
    width = phone.evaluate("""() => { const s = document.createElement('span'); s.textContent = '基层卫健通';
        document.body.appendChild(s); return s.getBoundingClientRect().width; }""")
    assert width > 40
    context.close()


def test_demo_password_meets_the_policy():
    from django.contrib.auth.password_validation import validate_password

    validate_password(DEMO_PASSWORD)


def test_demo_history_is_consistent_with_the_rules(db):
    import datetime as dt

    from jiceng.demo.generator import generate_county
    from jiceng.demo.history import load_register_history
    from jiceng.nutrition import eligibility
    from jiceng.nutrition.models import Collection, FollowUp

    load_counties([generate_county(children=500, townships=4, villages_per_township=(3, 4))])
    totals = load_register_history(OrgUnit.objects.get(code="522799"), as_of=dt.date(2026, 11, 22))
    assert totals["collections"] > 2000 and totals["followups"] > 1000
    assert Collection.objects.count() == totals["collections"] and FollowUp.objects.count() == totals["followups"]
    children = list(eligibility.with_history(Child.objects.all()))
    decisions = eligibility.decisions_for(children, dt.date(2026, 11, 22))
    assert not [d.warnings for d in decisions.values() if d.warnings]
    statuses = {d.status for d in decisions.values()}
    assert {"在服", "停服", "服满", "可纳入"} <= statuses
