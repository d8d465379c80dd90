import datetime as dt

from django.contrib.sessions.models import Session
from django.utils import timezone

from jiceng.audit.models import AuditEntry
from tests.conftest import TEST_PASSWORD


def test_audit_page_filters_by_unit_person_and_date(client, tree):
    from jiceng.orgunits import actions

    actions.update_unit(tree.village_a1, acting_user=tree.admin, altitude_m=1260)
    actions.update_unit(tree.village_b1, acting_user=tree.admin, altitude_m=2310)
    AuditEntry.objects.filter(unit=tree.village_b1).update(at=timezone.now() - dt.timedelta(days=40))
    client.force_login(tree.county_bureau)

    def rows(url):  # the table, not the unit picker (which lists every unit by name)
        page = client.get(url).content.decode()
        return page[page.index("<table") :]

    by_unit = rows(f"/audit/?unit={tree.town_a.code}")
    assert "大寨村" in by_unit and "高坡村" not in by_unit
    by_person = rows("/audit/?actor=fybj")
    assert "没有符合条件的记录" in by_person
    recent = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    by_date = rows(f"/audit/?date_from={recent}")
    assert "大寨村" in by_date and "高坡村" not in by_date
    assert "海拔(米)</span>：1250 → 1260" in by_unit
    assert client.get("/audit/?date_from=2026-13-45").content.decode().count("日期：请选择日期，或写作 2026-03-08") == 1


def test_village_doctor_cannot_open_audit(client, tree):
    client.force_login(tree.village_doctor)
    assert client.get("/audit/").status_code == 404


def test_expired_session_mid_form_loses_nothing(client, tree):
    client.post("/login/", {"username": "admin", "password": TEST_PASSWORD})
    assert client.get(f"/units/{tree.village_a1.code}/edit/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    typed = {"name": "大寨村", "altitude_m": "1777", "resident_population": "2345", "year": "2026"}
    response = client.post(f"/units/{tree.village_a1.code}/edit/", typed)
    assert response.status_code == 302 and response.url.startswith("/login/")
    tree.village_a1.refresh_from_db()
    assert tree.village_a1.altitude_m == 1250  # nothing saved while logged out
    response = client.post(response.url, {"username": "admin", "password": TEST_PASSWORD}, follow=True)
    page = response.content.decode()
    assert "登录已超时，您填写的内容已保留" in page
    assert 'value="1777"' in page and 'value="2345"' in page
