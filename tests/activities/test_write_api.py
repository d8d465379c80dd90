"""Activity writes through the API: create (``/activities/api/…``), correction and withdrawal
(``/api/activities/…``), each through the detail page's actions. Outside the subtree is 404, a role that may
not act 403, bad input 400 in Chinese, a change to a withdrawn record 409."""

import datetime as dt
import json

import pytest
from rest_framework.authtoken.models import Token

from jiceng.activities import actions
from jiceng.activities.actions import EducationData, TrainingData
from jiceng.activities.models import HealthEducation, Training
from jiceng.audit.models import AuditEntry

DAY = dt.date(2026, 3, 12)


def auth(user):
    token, _created = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def send(client, user, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json", **auth(user))


def get(client, user, url):
    return client.get(url, **auth(user))


def error(response, field):
    value = response.json()[field]
    return " ".join(value) if isinstance(value, list) else value


@pytest.fixture
def training(tree):
    data = TrainingData(held_on=DAY, topic="营养包发放流程", attendees=12)
    return actions.record_training(data, unit=tree.town_a, acting_user=tree.township_officer)


@pytest.fixture
def event(tree):
    data = EducationData(held_on=DAY, form="lecture", topic="预防儿童贫血", reach=40)
    return actions.record_education(data, unit=tree.village_a1, acting_user=tree.township_officer)


def training_body(tree, **change):
    return {
        "unit": tree.town_a.code,
        "held_on": DAY.isoformat(),
        "topic": "营养包发放流程（更正）",
        "attendees": 15,
        "attendee_type": "village_doctor",
        "notes": "第一行\n第二行",
        **change,
    }


# ---------------------------------------------------------------------------------------------
# Create (the existing endpoints): roles and control characters
# ---------------------------------------------------------------------------------------------


def test_create_training_through_the_api(client, tree):
    response = send(client, tree.township_officer, "/activities/api/trainings/", training_body(tree))
    assert response.status_code == 201, response.content
    assert Training.objects.get().notes == "第一行\n第二行"
    assert AuditEntry.objects.get(action="training.create").actor == tree.township_officer


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"topic": "营养\x00包"}, "topic", "主题：含有不允许的控制字符"),
        ({"notes": "备注\x1b"}, "notes", "备注：含有不允许的控制字符"),
        ({"held_on": "2026-02-29"}, "held_on", "日期：请填写有效日期"),
        ({"attendees": -3}, "attendees", "参训人数：应为大于0的整数"),
        ({"attendees": None}, "attendees", "参训人数：必填"),
        ({"attendee_type": "farmers"}, "attendee_type", "参训人员类别：无效的选项"),
    ],
)
def test_create_refuses_bad_input_in_chinese(client, tree, change, field, text):
    body = {k: v for k, v in training_body(tree, **change).items() if v is not None}
    response = send(client, tree.township_officer, "/activities/api/trainings/", body)
    assert response.status_code == 400, response.content
    assert text in error(response, field)
    assert not Training.objects.exists()


def test_create_by_a_role_that_may_not_record_is_403(client, tree):
    body = {"unit": tree.village_a1.code, "held_on": DAY.isoformat(), "form": "lecture", "topic": "讲座", "reach": 9}
    for user in (tree.county_bureau, tree.village_doctor):
        response = send(client, user, "/activities/api/events/", body)
        assert response.status_code == 403 and "无权" in response.json()["detail"]
    assert not HealthEducation.objects.exists()


# ---------------------------------------------------------------------------------------------
# Correction (更正)
# ---------------------------------------------------------------------------------------------


def test_training_is_corrected_audited_and_listed(client, tree, training):
    url = f"/api/activities/trainings/{training.pk}/"
    assert get(client, tree.township_reviewer, url).json()["topic"] == "营养包发放流程"
    response = send(client, tree.township_officer, url, training_body(tree), method="put")
    assert response.status_code == 200, response.content
    assert response.json()["topic"] == "营养包发放流程（更正）" and response.json()["attendees"] == 15
    entry = AuditEntry.objects.get(action="training.update")
    assert entry.before["attendees"] == 12 and entry.after["attendees"] == 15
    listed = get(client, tree.township_officer, "/activities/api/trainings/").json()["results"]
    assert [(r["id"], r["attendees"]) for r in listed] == [(training.pk, 15)]
    client.force_login(tree.township_officer)
    assert "营养包发放流程（更正）" in client.get(f"/activities/training/{training.pk}/").content.decode()


def test_partial_correction_keeps_the_other_fields(client, tree, event):
    url = f"/api/activities/events/{event.pk}/"
    response = send(client, tree.township_reviewer, url, {"reach": 55}, method="patch")
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.reach, event.topic, event.form, event.unit) == (55, "预防儿童贫血", "lecture", tree.village_a1)
    assert AuditEntry.objects.get(action="education.update").after["reach"] == 55
    not_an_object = send(client, tree.township_reviewer, url, [{"reach": 1}], method="patch")
    assert not_an_object.status_code == 400 and "JSON 对象" in error(not_an_object, "detail")


def test_correction_scope_and_role(client, tree, training, event):
    url = f"/api/activities/trainings/{training.pk}/"
    # another township's reviewer, and a role that sees no activities, do not find the record
    assert send(client, tree.township_reviewer_b, url, training_body(tree), method="put").status_code == 404
    assert get(client, tree.township_reviewer_b, url).status_code == 404
    assert (
        send(
            client, tree.village_doctor, f"/api/activities/events/{event.pk}/", {"reach": 1}, method="patch"
        ).status_code
        == 404
    )
    # the county bureau sees it but may not change it
    denied = send(client, tree.county_bureau, url, training_body(tree), method="put")
    assert denied.status_code == 403 and "无权" in denied.json()["detail"]
    # moving it to a unit outside the caller's subtree
    outside = send(client, tree.township_officer, url, training_body(tree, unit=tree.town_b.code), method="put")
    assert outside.status_code == 404
    training.refresh_from_db()
    assert training.attendees == 12 and training.unit == tree.town_a
    assert not AuditEntry.objects.filter(action="training.update").exists()


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"held_on": "2026-04-31"}, "held_on", "日期：请填写有效日期"),
        ({"held_on": "2999-01-01"}, "held_on", "晚于今天"),
        ({"attendees": 0}, "attendees", "参训人数：应为大于0的整数"),
        ({"attendees": "十二"}, "attendees", "参训人数：应为整数"),
        ({"topic": "主\x00题"}, "topic", "主题：含有不允许的控制字符"),
        ({"topic": None}, "topic", "主题：必填"),
        ({"level": "county"}, "level", "县级培训应由县级单位组织"),
        ({"unit": "522799100201"}, "unit", "培训由县级或乡级单位组织"),  # a village
    ],
)
def test_correction_bad_input_is_400(client, tree, training, change, field, text):
    body = {k: v for k, v in training_body(tree, **change).items() if v is not None}
    response = send(client, tree.township_officer, f"/api/activities/trainings/{training.pk}/", body, method="put")
    assert response.status_code == 400, response.content
    assert text in error(response, field)
    training.refresh_from_db()
    assert training.topic == "营养包发放流程"
    assert not AuditEntry.objects.filter(action="training.update").exists()


# ---------------------------------------------------------------------------------------------
# Withdrawal (撤销)
# ---------------------------------------------------------------------------------------------


def test_withdraw_then_changes_are_conflicts(client, tree, training):
    url = f"/api/activities/trainings/{training.pk}/withdraw/"
    missing = send(client, tree.township_officer, url, {})
    assert missing.status_code == 400 and error(missing, "reason") == "撤销原因：必填"
    bad = send(client, tree.township_officer, url, {"reason": "重复\x00登记"})
    assert bad.status_code == 400 and "控制字符" in error(bad, "reason")
    assert send(client, tree.county_bureau, url, {"reason": "重复登记"}).status_code == 403
    assert send(client, tree.township_reviewer_b, url, {"reason": "重复登记"}).status_code == 404
    training.refresh_from_db()
    assert not training.withdrawn

    response = send(client, tree.township_officer, url, {"reason": "重复登记"})
    assert response.status_code == 200, response.content
    training.refresh_from_db()
    assert training.withdrawn and training.withdrawn_reason == "重复登记"
    assert AuditEntry.objects.get(action="training.withdraw").reason == "重复登记"
    assert get(client, tree.township_officer, "/activities/api/trainings/").json()["results"] == []
    again = send(client, tree.township_officer, url, {"reason": "再撤销"})
    assert again.status_code == 409 and "已撤销" in again.json()["detail"]
    changed = send(
        client, tree.township_officer, f"/api/activities/trainings/{training.pk}/", training_body(tree), method="put"
    )
    assert changed.status_code == 409 and "已撤销，不能修改" in changed.json()["detail"]


def test_withdraw_an_event(client, tree, event):
    response = send(
        client, tree.township_reviewer, f"/api/activities/events/{event.pk}/withdraw/", {"reason": "日期填错"}
    )
    assert response.status_code == 200, response.content
    assert AuditEntry.objects.get(action="education.withdraw").actor == tree.township_reviewer
    assert get(client, tree.township_reviewer, "/activities/api/events/").json()["results"] == []
