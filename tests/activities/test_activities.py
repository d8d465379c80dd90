import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from jiceng.accounts.access import AccessDenied
from jiceng.activities import actions, queries
from jiceng.activities.actions import EducationData, TrainingData
from jiceng.activities.models import HealthEducation, Training
from jiceng.audit.models import AuditEntry
from jiceng.demo.activities import load_activity_history

DAY = dt.date(2025, 3, 12)


def training(**overrides):
    values = {"held_on": DAY, "topic": "营养包发放流程", "attendees": 12}
    values.update(overrides)
    return TrainingData(**values)


def event(**overrides):
    values = {"held_on": DAY, "form": "lecture", "topic": "预防儿童贫血", "reach": 40}
    values.update(overrides)
    return EducationData(**values)


def messages(exc: ValidationError) -> dict[str, str]:
    return {field: " ".join(errors) for field, errors in exc.message_dict.items()}


def test_record_training_derives_level_and_writes_audit(tree):
    row = actions.record_training(training(), unit=tree.town_a, acting_user=tree.township_officer)
    assert row.level == "township" and row.county == tree.county and row.attendee_type == "village_doctor"
    entry = AuditEntry.objects.get(action="training.create")
    assert entry.actor == tree.township_officer and entry.unit == tree.town_a and entry.after["attendees"] == 12
    county_row = actions.record_training(
        training(attendee_type="township_staff"), unit=tree.mch, acting_user=tree.county_mch
    )
    assert county_row.level == "county"


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"held_on": dt.date(2999, 1, 1)}, "held_on", "日期：2999-01-01 晚于今天"),
        ({"held_on": "2025-13-01"}, "held_on", "日期：请填写有效日期"),
        ({"attendees": 0}, "attendees", "参训人数：应为大于0的整数"),
        ({"attendees": -3}, "attendees", "参训人数：应为大于0的整数"),
        ({"topic": "   "}, "topic", "主题：不能为空"),
        ({"level": "county"}, "level", "级别：县级培训应由县级单位组织"),
    ],
)
def test_training_bad_input_is_refused_in_chinese_and_nothing_saved(tree, overrides, field, text):
    with pytest.raises(ValidationError) as caught:
        actions.record_training(training(**overrides), unit=tree.town_a, acting_user=tree.township_officer)
    assert text in messages(caught.value)[field]
    assert not Training.objects.exists() and not AuditEntry.objects.exists()


def test_event_bad_input(tree):
    with pytest.raises(ValidationError) as caught:
        actions.record_education(
            event(reach=0, form="party", held_on=dt.date(2999, 5, 1)),
            unit=tree.village_a1,
            acting_user=tree.township_officer,
        )
    found = messages(caught.value)
    assert "受众人数：应为大于0的整数" in found["reach"]
    assert "形式：请选择" in found["form"]
    assert "晚于今天" in found["held_on"]
    assert not HealthEducation.objects.exists()


def test_scope_and_role(tree):
    with pytest.raises(Http404):
        actions.record_training(training(), unit=tree.town_b, acting_user=tree.township_officer)
    with pytest.raises(AccessDenied):
        actions.record_education(event(), unit=tree.village_a1, acting_user=tree.village_doctor)
    with pytest.raises(AccessDenied):
        actions.record_training(training(), unit=tree.town_a, acting_user=tree.county_bureau)
    with pytest.raises(ValidationError) as caught:
        actions.record_training(training(), unit=tree.village_a1, acting_user=tree.township_officer)
    assert "组织单位：培训由县级或乡级单位组织" in messages(caught.value)["unit"]
    # a health-education event may be held in a village of the township
    assert actions.record_education(event(), unit=tree.village_a1, acting_user=tree.township_reviewer).pk


def test_update_and_withdraw_keep_the_record_and_leave_the_figures(tree):
    row = actions.record_training(training(), unit=tree.town_a, acting_user=tree.township_officer)
    actions.update_training(row, training(attendees=15), unit=tree.town_a, acting_user=tree.township_reviewer)
    row.refresh_from_db()
    assert row.attendees == 15
    update = AuditEntry.objects.get(action="training.update")
    assert update.before["attendees"] == 12 and update.after["attendees"] == 15
    with pytest.raises(Http404):  # the other township cannot touch it
        actions.withdraw(row, reason="重复", acting_user=tree.township_reviewer_b)
    with pytest.raises(ValidationError) as caught:
        actions.withdraw(row, reason=" ", acting_user=tree.township_officer)
    assert "撤销原因" in messages(caught.value)["reason"]
    actions.withdraw(row, reason="重复登记", acting_user=tree.township_officer)
    row.refresh_from_db()
    assert row.withdrawn and row.withdrawn_reason == "重复登记"
    assert AuditEntry.objects.get(action="training.withdraw").reason == "重复登记"
    assert queries.activity_totals(tree.county, dt.date(2025, 1, 1), dt.date(2025, 12, 31))["trainings"] == 0
    with pytest.raises(ValidationError):
        actions.update_training(row, training(), unit=tree.town_a, acting_user=tree.township_officer)


def test_activity_totals_cover_the_subtree_and_the_period(tree):
    officer, officer_b, mch = tree.township_officer, tree.township_reviewer_b, tree.county_mch
    actions.record_training(training(attendees=10), unit=tree.town_a, acting_user=officer)
    actions.record_training(training(attendees=8, held_on=dt.date(2025, 6, 1)), unit=tree.town_a, acting_user=officer)
    actions.record_training(training(attendees=20), unit=tree.town_b, acting_user=officer_b)
    actions.record_training(training(attendees=30, held_on=dt.date(2024, 12, 31)), unit=tree.mch, acting_user=mch)
    actions.record_education(event(reach=40), unit=tree.town_a, acting_user=officer)
    actions.record_education(event(reach=25, form="home_visit"), unit=tree.village_a2, acting_user=officer)
    actions.record_education(event(reach=100, form="materials"), unit=tree.town_b, acting_user=officer_b)
    first_half = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    assert queries.activity_totals(tree.town_a, *first_half) == {
        "trainings": 2,
        "training_attendances": 18,
        "events": 2,
        "reach": 65,
    }
    assert queries.activity_totals(tree.town_a, dt.date(2025, 1, 1), dt.date(2025, 5, 31))["trainings"] == 1
    assert queries.activity_totals(tree.county, *first_half) == {
        "trainings": 3,
        "training_attendances": 38,
        "events": 3,
        "reach": 165,
    }
    assert queries.activity_totals(tree.county, dt.date(2024, 1, 1), dt.date(2025, 12, 31))["trainings"] == 4
    assert queries.activity_totals(tree.village_b1, *first_half) == dict.fromkeys(queries.TOTAL_KEYS, 0)
    by_unit = queries.activity_totals_by_unit([tree.town_a, tree.town_b, tree.village_a2], *first_half)
    assert by_unit[tree.town_a.code]["reach"] == 65 and by_unit[tree.town_b.code]["reach"] == 100
    assert by_unit[tree.village_a2.code] == {"trainings": 0, "training_attendances": 0, "events": 1, "reach": 25}
    assert queries.activity_totals_by_form(tree.county, *first_half)["materials"] == {"events": 1, "reach": 100}


def test_pages_record_list_and_hide_from_roles_without_access(client, tree):
    client.force_login(tree.township_officer)
    page = client.get("/activities/training/new/").content.decode()
    assert "参训人数" in page and tree.town_a.code in page and tree.town_b.code not in page
    response = client.post(
        "/activities/training/new/",
        {"unit": tree.town_a.code, "held_on": "2999-01-01", "topic": "测量规范", "attendees": "0"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "晚于今天" in body and "应为大于0的整数" in body
    assert not Training.objects.exists()
    response = client.post(
        "/activities/training/new/",
        {"unit": tree.town_a.code, "held_on": "2025-03-12", "topic": "测量规范", "attendees": "11"},
    )
    assert response.status_code == 302
    response = client.post(
        "/activities/education/new/",
        {"unit": tree.village_a1.code, "held_on": "2025-03-20", "form": "free_clinic", "topic": "义诊", "reach": "60"},
    )
    assert response.status_code == 302
    listing = client.get("/activities/?start=2025-01-01&end=2025-12-31").content.decode()
    assert "测量规范" in listing and "义诊" in listing and ">11<" in listing and ">60<" in listing
    row = Training.objects.get()
    detail = client.post(f"/activities/training/{row.pk}/", {"op": "withdraw", "reason": "日期填错"})
    assert detail.status_code == 302 and Training.objects.get().withdrawn
    # a township outside the scope: 404, whether listing it or opening the record
    client.force_login(tree.township_reviewer_b)
    assert client.get(f"/activities/training/{row.pk}/").status_code == 404
    assert client.get(f"/activities/?unit={tree.town_a.code}").status_code == 404
    # the county bureau sees the figures but cannot record; a village doctor sees nothing
    client.force_login(tree.county_bureau)
    assert client.get("/activities/").status_code == 200
    assert client.get("/activities/training/new/").status_code == 404
    client.force_login(tree.village_doctor)
    assert client.get("/activities/").status_code == 404


def test_api_lists_in_scope_and_creates_through_the_action(client, tree):
    actions.record_training(training(), unit=tree.town_a, acting_user=tree.township_officer)
    actions.record_training(training(topic="龙井镇培训"), unit=tree.town_b, acting_user=tree.township_reviewer_b)
    client.force_login(tree.township_officer)
    listed = client.get("/activities/api/trainings/").json()
    assert [r["topic"] for r in listed["results"]] == ["营养包发放流程"]
    assert client.get(f"/activities/api/trainings/?unit={tree.town_b.code}").status_code == 404
    created = client.post(
        "/activities/api/events/",
        {"unit": tree.village_a1.code, "held_on": "2025-04-02", "form": "broadcast", "topic": "广播", "reach": 300},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["unit"] == tree.village_a1.code
    assert AuditEntry.objects.filter(action="education.create").count() == 1
    refused = client.post(
        "/activities/api/events/",
        {"unit": tree.village_a1.code, "held_on": "2999-04-02", "form": "broadcast", "topic": "广播", "reach": 0},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "晚于今天" in refused.json()["held_on"][0] and "应为大于0的整数" in refused.json()["reach"][0]
    outside = client.post(
        "/activities/api/trainings/",
        {"unit": tree.town_b.code, "held_on": "2025-04-02", "topic": "x", "attendees": 3},
        content_type="application/json",
    )
    assert outside.status_code == 404
    totals = client.get("/activities/api/totals/?start=2025-01-01&end=2025-12-31").json()
    assert totals == {
        "unit": tree.town_a.code,
        "start": "2025-01-01",
        "end": "2025-12-31",
        "trainings": 1,
        "training_attendances": 12,
        "events": 1,
        "reach": 300,
    }
    client.force_login(tree.village_doctor)
    assert client.get("/activities/api/trainings/").status_code == 404


def test_demo_history_is_plausible_deterministic_and_not_duplicated(tree):
    as_of = dt.date(2026, 1, 15)
    counts = load_activity_history(tree.county.code, as_of)
    assert counts["trainings"] > 0 and counts["events"] > 0
    for township in (tree.town_a, tree.town_b):
        per_year = queries.activity_totals(township, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        assert 2 <= per_year["trainings"] <= 4
        assert 8 <= per_year["events"] <= 24
    assert not Training.objects.filter(held_on__gt=as_of).exists()
    assert not HealthEducation.objects.filter(held_on__lt=dt.date(2024, 1, 1)).exists()
    assert Training.objects.filter(level="county", unit=tree.mch).exists()
    first = sorted(Training.objects.values_list("held_on", "topic", "attendees"))
    assert load_activity_history(tree.county.code, as_of) == {"trainings": 0, "events": 0}
    Training.objects.all().delete()
    HealthEducation.objects.all().delete()
    load_activity_history(tree.county.code, as_of)
    assert sorted(Training.objects.values_list("held_on", "topic", "attendees")) == first


def test_openapi_schema_lists_the_activity_api(client, tree):
    client.force_login(tree.township_officer)
    schema = client.get("/api/schema/?format=json").json()
    assert {"/activities/api/trainings/", "/activities/api/events/", "/activities/api/totals/"} <= set(schema["paths"])
