"""The child register's page writes through the API: consent, assessment, move, merge, force majeure.
Each endpoint calls the page's action (same checks, same audit row); outside the subtree is 404, a role
that may not act 403, bad input 400 with a Chinese message naming the field."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from jiceng.audit.models import AuditEntry
from jiceng.nutrition.models import Assessment, Child, Consent, ForceMajeure, Move

TODAY = dt.date.today()
BIRTH = TODAY - dt.timedelta(days=400)


def auth(user):
    token, _created = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def post(client, user, url, data):
    return client.post(url, json.dumps(data), content_type="application/json", **auth(user))


def get(client, user, url):
    return client.get(url, **auth(user))


def first_error(response, field):
    body = response.json()
    value = body[field]
    return value[0] if isinstance(value, list) else value


@pytest.fixture
def child(make_child):
    return make_child(birth_date=BIRTH)


# ---------------------------------------------------------------------------------------------
# Consent (知情同意书)
# ---------------------------------------------------------------------------------------------

CONSENT = {"signed_on": TODAY.isoformat(), "signed_by": "母亲甲", "relation": "母亲"}


def test_consent_is_recorded_audited_and_visible(client, tree, child):
    response = post(client, tree.village_doctor, f"/api/children/{child.pk}/consents/", CONSENT)
    assert response.status_code == 201, response.content
    assert response.json()["signed_by"] == "母亲甲" and response.json()["child"] == child.pk
    consent = Consent.objects.get(child=child)
    entry = AuditEntry.objects.get(action="child.consent")
    assert entry.actor == tree.village_doctor and entry.unit == tree.village_a1
    listed = get(client, tree.village_doctor, f"/api/children/{child.pk}/consents/").json()
    assert [row["id"] for row in listed] == [consent.pk]
    # the rules see it: E9 (no consent) no longer applies
    status = get(client, tree.village_doctor, f"/api/children/{child.pk}/").json()["status"]
    assert "E9" not in status["rules"]


def test_consent_through_session_authentication(client, tree, child):
    client.force_login(tree.township_officer)
    response = client.post(f"/api/children/{child.pk}/consents/", CONSENT, content_type="application/json")
    assert response.status_code == 201 and Consent.objects.filter(child=child).exists()


def test_consent_outside_subtree_is_404(client, tree, make_child):
    other = make_child(village=tree.village_b1, birth_date=BIRTH)
    response = post(client, tree.village_doctor, f"/api/children/{other.pk}/consents/", CONSENT)
    assert response.status_code == 404
    assert get(client, tree.village_doctor, f"/api/children/{other.pk}/consents/").status_code == 404
    assert not Consent.objects.exists() and not AuditEntry.objects.filter(action="child.consent").exists()


def test_consent_by_a_read_only_role_is_403(client, tree, child):
    response = post(client, tree.county_bureau, f"/api/children/{child.pk}/consents/", CONSENT)
    assert response.status_code == 403 and "无权" in response.json()["detail"]
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"signed_on": f"{TODAY.year}-02-30"}, "signed_on", "签署日期：请填写有效日期"),
        ({"signed_on": "2999-01-01"}, "signed_on", "签署日期：2999-01-01 晚于今天"),
        ({"signed_on": (BIRTH - dt.timedelta(days=1)).isoformat()}, "signed_on", "早于出生日期"),
        ({"signed_by": None}, "signed_by", "签署人：必填"),
        ({"signed_by": "母亲\x00甲"}, "signed_by", "签署人：含有不允许的控制字符"),
        ({"relation": "母\x1b亲"}, "relation", "与儿童关系：含有不允许的控制字符"),
        ({"signed_by": "   "}, "signed_by", "签署人：不能为空"),
    ],
)
def test_consent_bad_input_is_400_in_chinese(client, tree, child, change, field, text):
    data = {**CONSENT, **change}
    data = {k: v for k, v in data.items() if v is not None}
    response = post(client, tree.village_doctor, f"/api/children/{child.pk}/consents/", data)
    assert response.status_code == 400, response.content
    assert text in first_error(response, field)
    assert not Consent.objects.exists() and not AuditEntry.objects.exists()


# ---------------------------------------------------------------------------------------------
# Doctor's assessment (评估)
# ---------------------------------------------------------------------------------------------


def test_assessment_is_recorded_audited_and_visible(client, tree, make_child):
    child = make_child(birth_date=BIRTH, special_condition=True)
    data = {"assessed_on": TODAY.isoformat(), "suitable": False, "doctor": "王医生", "note": "地中海贫血\n复查"}
    response = post(client, tree.township_officer, f"/api/children/{child.pk}/assessments/", data)
    assert response.status_code == 201, response.content
    assessment = Assessment.objects.get(child=child)
    assert not assessment.suitable and assessment.note == "地中海贫血\n复查"  # line breaks allowed in notes
    assert AuditEntry.objects.get(action="child.assessment").actor == tree.township_officer
    listed = get(client, tree.township_officer, f"/api/children/{child.pk}/assessments/").json()
    assert listed[0]["doctor"] == "王医生"
    status = get(client, tree.township_officer, f"/api/children/{child.pk}/").json()["status"]
    assert status["status"] == "不适宜"


def test_assessment_scope_role_and_input(client, tree, child, make_child):
    data = {"assessed_on": TODAY.isoformat(), "suitable": True, "doctor": "王医生"}
    other = make_child(village=tree.village_b2, birth_date=BIRTH)
    assert post(client, tree.township_officer, f"/api/children/{other.pk}/assessments/", data).status_code == 404
    assert post(client, tree.county_mch, f"/api/children/{child.pk}/assessments/", data).status_code == 403
    bad = post(client, tree.village_doctor, f"/api/children/{child.pk}/assessments/", {**data, "suitable": "也许"})
    assert bad.status_code == 400 and "评估结论" in first_error(bad, "suitable")
    bad = post(client, tree.village_doctor, f"/api/children/{child.pk}/assessments/", {"suitable": True})
    assert bad.status_code == 400
    assert first_error(bad, "assessed_on") == "评估日期：必填" and first_error(bad, "doctor") == "评估医生：必填"
    bad = post(client, tree.village_doctor, f"/api/children/{child.pk}/assessments/", {**data, "note": "a\x07b"})
    assert bad.status_code == 400 and "控制字符" in first_error(bad, "note")
    assert not Assessment.objects.exists()


# ---------------------------------------------------------------------------------------------
# Moves (迁入、迁出、村间转移、死亡)
# ---------------------------------------------------------------------------------------------


def test_transfer_between_villages_through_the_api(client, tree, child):
    data = {"kind": "transfer", "happened_on": TODAY.isoformat(), "to_village": tree.village_a2.code}
    response = post(client, tree.township_officer, f"/api/children/{child.pk}/moves/", data)
    assert response.status_code == 201, response.content
    assert response.json()["from_unit"] == tree.village_a1.code and response.json()["to_unit"] == tree.village_a2.code
    child.refresh_from_db()
    assert child.village == tree.village_a2
    entry = AuditEntry.objects.get(action="child.transfer")
    assert entry.before["village_id"] == tree.village_a1.pk and entry.after["village_id"] == tree.village_a2.pk
    listed = get(client, tree.township_officer, f"/api/children/{child.pk}/moves/").json()
    assert [row["kind"] for row in listed] == ["transfer"]
    # the old village's doctor no longer sees the child
    assert get(client, tree.village_doctor, f"/api/children/{child.pk}/").status_code == 404


def test_move_out_of_subtree_role_and_bad_input(client, tree, child):
    url = f"/api/children/{child.pk}/moves/"
    day = TODAY.isoformat()
    # the target village is outside the caller's township
    outside = post(
        client, tree.township_officer, url, {"kind": "transfer", "happened_on": day, "to_village": "522799101201"}
    )
    assert outside.status_code == 404
    assert post(client, tree.county_bureau, url, {"kind": "move_out", "happened_on": day}).status_code == 403
    bad = post(client, tree.village_doctor, url, {"kind": "emigrate", "happened_on": day})
    assert bad.status_code == 400 and first_error(bad, "kind") == "类型：无效的选项"
    bad = post(client, tree.village_doctor, url, {"kind": "transfer", "happened_on": day})
    assert bad.status_code == 400 and "迁入村：请选择" in first_error(bad, "to_village")
    bad = post(client, tree.village_doctor, url, {"kind": "death", "happened_on": "2026-13-01"})
    assert bad.status_code == 400 and "日期：请填写有效日期" in first_error(bad, "happened_on")
    bad = post(client, tree.village_doctor, url, {"kind": "move_out", "happened_on": day, "note": "\x00"})
    assert bad.status_code == 400 and "控制字符" in first_error(bad, "note")
    assert not Move.objects.exists()
    child.refresh_from_db()
    assert child.village == tree.village_a1 and child.residence == "resident"


def test_death_through_the_api_ends_the_enrolment(client, tree, child):
    response = post(
        client,
        tree.village_doctor,
        f"/api/children/{child.pk}/moves/",
        {"kind": "death", "happened_on": TODAY.isoformat()},
    )
    assert response.status_code == 201
    assert get(client, tree.village_doctor, f"/api/children/{child.pk}/").json()["status"]["status"] == "死亡"


# ---------------------------------------------------------------------------------------------
# Merge of duplicates (合并重复记录)
# ---------------------------------------------------------------------------------------------


def test_merge_through_the_api_keeps_both_histories(client, tree, make_child):
    keep = make_child(name="罗一", birth_date=BIRTH)
    dup = make_child(name="罗一", birth_date=BIRTH, village=tree.village_a2)
    post(client, tree.township_officer, f"/api/children/{dup.pk}/consents/", CONSENT)
    response = post(client, tree.township_officer, f"/api/children/{keep.pk}/merge/", {"duplicate": dup.pk})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == keep.pk
    dup.refresh_from_db()
    assert dup.merged_into == keep and Consent.objects.get().child == keep
    assert AuditEntry.objects.filter(action="child.merge").count() == 1
    # a merged record leaves the list
    listed = get(client, tree.township_officer, "/api/children/").json()["results"]
    assert dup.pk not in [row["id"] for row in listed]
    # merged already: a conflict with the record's state
    again = post(client, tree.township_officer, f"/api/children/{keep.pk}/merge/", {"duplicate": dup.pk})
    assert again.status_code == 409 and "已合并" in again.json()["detail"]


def test_merge_scope_role_and_bad_input(client, tree, make_child):
    keep = make_child(name="罗二", birth_date=BIRTH)
    outside = make_child(name="罗二", birth_date=BIRTH, village=tree.village_b1)
    dup = make_child(name="罗二", birth_date=BIRTH, village=tree.village_a2)
    url = f"/api/children/{keep.pk}/merge/"
    assert post(client, tree.township_officer, url, {"duplicate": outside.pk}).status_code == 404
    assert post(client, tree.township_reviewer, url, {"duplicate": dup.pk}).status_code == 403
    bad = post(client, tree.township_officer, url, {})
    assert bad.status_code == 400 and first_error(bad, "duplicate") == "重复记录：必填"
    bad = post(client, tree.township_officer, url, {"duplicate": "一"})
    assert bad.status_code == 400 and first_error(bad, "duplicate") == "重复记录：应为整数"
    itself = post(client, tree.township_officer, url, {"duplicate": keep.pk})
    assert itself.status_code == 400 and "不能与自身合并" in str(itself.json())
    assert not Child.objects.filter(merged_into__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="child.merge").exists()


# ---------------------------------------------------------------------------------------------
# Force majeure (不可抗力)
# ---------------------------------------------------------------------------------------------


def test_force_majeure_is_declared_audited_and_listed(client, tree):
    data = {"unit": tree.town_a.code, "first_month": "2026/4", "last_month": "2026年5月", "reason": "暴雨断路"}
    response = post(client, tree.township_reviewer, "/api/force-majeure/", data)
    assert response.status_code == 201, response.content
    assert response.json()["unit"] == tree.town_a.code and response.json()["reason"] == "暴雨断路"
    assert (response.json()["first_month"], response.json()["last_month"]) == ("2026-04", "2026-05")  # as typed
    entry = AuditEntry.objects.get(action="force_majeure.declare")
    assert entry.actor == tree.township_reviewer and entry.unit == tree.town_a
    # visible to the township's village doctor (it applies to the village), not to the other township
    assert [r["id"] for r in get(client, tree.village_doctor, "/api/force-majeure/").json()] == [response.json()["id"]]
    assert get(client, tree.village_doctor_b, "/api/force-majeure/").json() == []
    client.force_login(tree.township_officer)
    assert "暴雨断路" in client.get("/force-majeure/").content.decode()


def test_force_majeure_scope_and_role(client, tree):
    data = {"unit": tree.town_b.code, "first_month": "2026-04", "last_month": "2026-04", "reason": "疫情封控"}
    assert post(client, tree.township_reviewer, "/api/force-majeure/", data).status_code == 404
    assert (
        post(client, tree.village_doctor, "/api/force-majeure/", {**data, "unit": tree.town_a.code}).status_code == 404
    )
    # the administrator sees the county but may not declare
    denied = post(client, tree.admin, "/api/force-majeure/", {**data, "unit": tree.county.code})
    assert denied.status_code == 403 and "无权" in denied.json()["detail"]
    assert not ForceMajeure.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"first_month": "四月"}, "first_month", "起始月份：请选择年月，如 2026年3月"),
        ({"first_month": "2026-13"}, "first_month", "起始月份：请选择年月"),
        ({"last_month": "2026Q2"}, "last_month", "截止月份：请选择年月"),
        ({"last_month": "2026-01"}, "last_month", "截止月份：不能早于起始月份"),
        ({"reason": ""}, "reason", "原因：不能为空"),
        ({"reason": "疫情\x00封控"}, "reason", "原因：含有不允许的控制字符"),
        ({"unit": "522799100201"}, "unit", "只有县或乡镇可以认定不可抗力"),  # a village
    ],
)
def test_force_majeure_bad_input_is_400(client, tree, change, field, text):
    data = {"unit": tree.town_a.code, "first_month": "2026-04", "last_month": "2026-05", "reason": "暴雨", **change}
    response = post(client, tree.township_officer, "/api/force-majeure/", data)
    assert response.status_code == 400, response.content
    assert text in first_error(response, field)
    assert not ForceMajeure.objects.exists() and not AuditEntry.objects.exists()


# ---------------------------------------------------------------------------------------------
# Control characters on the older POST endpoints too; the schema
# ---------------------------------------------------------------------------------------------


def test_existing_register_posts_refuse_control_characters(client, tree, child):
    response = post(
        client,
        tree.village_doctor,
        "/api/children/",
        {"village_code": tree.village_a1.code, "name": "张\x00三", "sex": "F", "birth_date": BIRTH.isoformat()},
    )
    assert response.status_code == 400 and "姓名：含有不允许的控制字符" in first_error(response, "name")
    response = post(
        client,
        tree.village_doctor,
        "/api/followups/",
        {"child": child.pk, "visited_on": TODAY.isoformat(), "notes": "复查\x08"},
    )
    assert response.status_code == 400 and "控制字符" in first_error(response, "notes")
    assert Child.objects.count() == 1


def test_every_write_endpoint_is_in_the_schema_with_a_unique_operation_id(client, tree, tmp_path):
    client.force_login(tree.village_doctor)
    schema = client.get("/api/schema/?format=json").json()
    operations = [op["operationId"] for item in schema["paths"].values() for op in item.values() if "operationId" in op]
    assert len(operations) == len(set(operations))
    expected = {
        ("/api/children/{id}/consents/", "post"): "child_consent_create",
        ("/api/children/{id}/assessments/", "post"): "child_assessment_create",
        ("/api/children/{id}/moves/", "post"): "child_move_create",
        ("/api/children/{id}/merge/", "post"): "child_merge",
        ("/api/force-majeure/", "post"): "force_majeure_declare",
        ("/api/stock/units/{code}/receipts/", "post"): "stock_receipt_create",
        ("/api/stock/units/{code}/transfers/", "post"): "stock_transfer_send",
        ("/api/stock/transfers/{id}/confirm/", "post"): "stock_transfer_confirm",
        ("/api/stock/units/{code}/losses/", "post"): "stock_loss_create",
        ("/api/stock/units/{code}/stocktakes/", "post"): "stock_stocktake_create",
        ("/api/stock/units/{code}/storage-checks/", "post"): "stock_storage_check_create",
        ("/api/stock/lines/{id}/reverse/", "post"): "stock_line_reverse",
        ("/api/stock/allocation/propose/", "post"): "stock_allocation_propose",
        ("/api/stock/allocation/{id}/", "put"): "stock_allocation_update",
        ("/api/activities/trainings/{id}/", "put"): "training_update",
        ("/api/activities/trainings/{id}/withdraw/", "post"): "training_withdraw",
        ("/api/activities/events/{id}/", "put"): "education_event_update",
        ("/api/activities/events/{id}/withdraw/", "post"): "education_event_withdraw",
    }
    for (path, method), operation_id in expected.items():
        assert schema["paths"][path][method]["operationId"] == operation_id
    # the schema validates and generates without a single warning
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
