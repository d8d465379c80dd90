import datetime as dt

from rest_framework.authtoken.models import Token

from jiceng.audit.models import AuditEntry
from jiceng.nutrition.models import Child, Collection
from jiceng.standards.idnumber import make_id_number


def auth(user):
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


def test_register_collect_and_follow_up_through_the_api(client, tree):
    headers = auth(tree.village_doctor)
    birth = dt.date.today() - dt.timedelta(days=400)
    response = client.post(
        "/api/children/",
        {
            "village_code": tree.village_a1.code,
            "name": "API儿",
            "sex": "M",
            "birth_date": birth.isoformat(),
            "id_number": make_id_number("522799", birth, 9, "M"),
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    child_id = response.json()["id"]
    response = client.post(
        "/api/collections/",
        {"child": child_id, "collected_on": dt.date.today().isoformat(), "packs": 30},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400 and "E9" in str(response.json())  # no consent yet
    assert not Collection.objects.exists()
    response = client.get(f"/api/children/{child_id}/", **headers).json()
    assert response["status"]["status"] == "可纳入" and "E9" in response["status"]["rules"]
    response = client.post(
        "/api/followups/",
        {"child": child_id, "visited_on": dt.date.today().isoformat(), "hb_g_l": "400"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400 and "30–250" in str(response.json())


def test_api_refuses_bad_child_with_chinese_field_errors(client, tree):
    response = client.post(
        "/api/children/",
        {"village_code": tree.village_a1.code, "name": "未来", "sex": "F", "birth_date": "2099-01-01"},
        content_type="application/json",
        **auth(tree.village_doctor),
    )
    assert response.status_code == 400 and "晚于今天" in response.json()["birth_date"][0]
    assert not Child.objects.exists()


def test_api_lists_mask_identity_by_role_and_log_reads(client, tree, make_child):
    birth = dt.date(2025, 1, 5)
    make_child(id_number=make_id_number("522799", birth, 5, "F"), birth_date=birth, sex="F")
    as_doctor = auth(tree.village_doctor)
    doctor = client.get("/api/children/", **as_doctor).json()["results"][0]
    bureau = client.get("/api/children/", **auth(tree.county_bureau)).json()["results"][0]
    # lists are masked for every role; the village doctor sees the full number on one child
    assert "********" in doctor["id_number"] and "********" in bureau["id_number"]
    assert bureau["caregiver_phone"] == "138****5678"
    one = client.get(f"/api/children/{doctor['id']}/", **as_doctor).json()
    assert "*" not in one["id_number"]
    assert AuditEntry.objects.filter(action="api.read.children").count() == 2


def test_api_cannot_register_into_another_township(client, tree):
    response = client.post(
        "/api/children/",
        {"village_code": tree.village_b1.code, "name": "越权", "sex": "F", "birth_date": "2025-01-01"},
        content_type="application/json",
        **auth(tree.village_doctor),
    )
    assert response.status_code == 404 and not Child.objects.exists()


def test_api_refuses_writes_by_a_read_only_role(client, tree):
    response = client.post(
        "/api/children/",
        {"village_code": tree.village_a1.code, "name": "只读", "sex": "F", "birth_date": "2025-01-01"},
        content_type="application/json",
        **auth(tree.county_bureau),
    )
    assert response.status_code == 403 and "无权" in response.json()["detail"] and not Child.objects.exists()
