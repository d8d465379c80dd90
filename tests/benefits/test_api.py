"""The benefit API: scoped, masked unless the role pays, audited lists, the review chain with versions,
family registration with the bad input of issue 15, batches for the county only."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from jiceng.audit.models import AuditEntry
from jiceng.benefits.models import Enrolment, Family
from jiceng.standards.idnumber import make_id_number

from .test_notice_and_payment import approved, noticed

D = dt.date
MOTHER_ID = make_id_number("522799", D(1970, 7, 7), 44, "F")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def family_body(tree, **changes):
    body = {
        "village": tree.village_a1.code,
        "people": [
            {
                "role": "mother",
                "name": "石桂兰",
                "sex": "F",
                "birth_date": "1970-07-07",
                "id_number": MOTHER_ID,
                "bank_account": "6223123412341234123",
            }
        ],
        "children": [{"name": "石军", "sex": "M", "birth_date": "1992-01-01", "disability_grade": 2}],
        "scheme": "特扶",
        "year": 2026,
    }
    body.update(changes)
    return body


def test_register_declare_and_walk_the_chain_through_the_api(tree):
    response = api(tree.village_doctor).post("/api/benefits/families/", family_body(tree), format="json")
    assert response.status_code == 201, response.content.decode()
    (created,) = response.json()
    assert created["category"] == "伤残" and created["per_month"] == "150.00" and created["eligible"]
    assert created["id_number"] != MOTHER_ID and created["id_number"].endswith(MOTHER_ID[-4:])
    pk = created["id"]
    step = api(tree.village_doctor).post(f"/api/benefits/enrolments/{pk}/village_check/", {"version": 1}, format="json")
    assert step.status_code == 200 and step.json()["village_checked_by"]
    stale = api(tree.township_reviewer).post(
        f"/api/benefits/enrolments/{pk}/return/", {"version": 1, "reason": "x"}, format="json"
    )
    assert stale.status_code == 409
    ok = api(tree.township_reviewer).post(
        f"/api/benefits/enrolments/{pk}/township_review/", {"version": 2}, format="json"
    )
    assert ok.status_code == 200
    full = api(tree.county_bureau).get(f"/api/benefits/enrolments/{pk}/").json()
    assert full["id_number"] == MOTHER_ID and full["bank_account"] == "6223123412341234123"


def test_bad_family_input_is_a_chinese_400_and_nothing_is_saved(tree):
    wrong = MOTHER_ID[:-1] + ("1" if MOTHER_ID[-1] != "1" else "2")
    cases = [
        ({"people": [{**family_body(tree)["people"][0], "id_number": wrong}]}, "校验位"),
        ({"people": [{**family_body(tree)["people"][0], "birth_date": "1970-07-08"}]}, "不一致"),
        ({"people": [{**family_body(tree)["people"][0], "name": "石\u0000兰"}]}, "控制字符"),
        ({"year": 99999999999999999999}, "年度"),
        ({"people": [{**family_body(tree)["people"][0], "birth_date": "1970-02-30"}]}, "有效日期"),
    ]
    for changes, message in cases:
        response = api(tree.village_doctor).post("/api/benefits/families/", family_body(tree, **changes), format="json")
        assert response.status_code == 400, (changes, response.content.decode())
        assert message in response.content.decode(), response.content.decode()
    assert not Family.objects.exists()
    api(tree.village_doctor).post("/api/benefits/families/", family_body(tree), format="json")
    twice = api(tree.village_doctor).post("/api/benefits/families/", family_body(tree), format="json")
    assert twice.status_code == 400 and "已登记" in twice.content.decode()


def test_lists_are_scoped_masked_and_audited(tree, tefu_family):
    family = tefu_family()
    approved(tree, family)
    mother = family.people.get(role="mother")
    rows = api(tree.township_reviewer).get("/api/benefits/enrolments/?year=2026").json()["results"]
    assert {r["name"] for r in rows} == {p.name for p in family.people.all()}
    assert mother.id_number not in str(rows)
    assert api(tree.village_doctor_b).get("/api/benefits/enrolments/").json()["results"] == []
    assert AuditEntry.objects.filter(action="api.read.benefit_enrolments").count() == 2
    other = Enrolment.objects.first()
    assert api(tree.village_doctor_b).get(f"/api/benefits/enrolments/{other.pk}/").status_code == 404
    assert api(tree.county_mch).get("/api/benefits/enrolments/").status_code == 404
    for bad in ("year=abc", "year=1", "scheme=低保", "state=x", "limit=0"):
        assert api(tree.county_bureau).get(f"/api/benefits/enrolments/?{bad}").status_code == 400, bad


def test_batches_are_for_the_county_and_refuse_the_unpayable(tree, tefu_family):
    family = tefu_family()
    mother, father = approved(tree, family)
    assert api(tree.township_reviewer).get("/api/benefits/batches/").status_code == 404
    refused = api(tree.county_bureau).post(
        "/api/benefits/batches/",
        {"scheme": "特扶", "year": 2026, "first_month": 1, "last_month": 3, "enrolments": [mother.pk]},
        format="json",
    )
    assert refused.status_code == 400 and "未公示" in refused.content.decode()
    noticed(tree)
    created = api(tree.county_bureau).post(
        "/api/benefits/batches/", {"scheme": "特扶", "year": 2026, "first_month": 1, "last_month": 3}, format="json"
    )
    assert created.status_code == 201 and created.json()["totals"]["amount"] == "1020.00"
    listed = api(tree.county_bureau).get("/api/benefits/batches/").json()
    assert listed[0]["totals"]["people"] == 2


def test_objection_and_exit_through_the_api(tree, tefu_family):
    family = tefu_family()
    mother, father = approved(tree, family)
    noticed(tree)
    objection = api(tree.village_doctor).post(
        f"/api/benefits/enrolments/{father.pk}/objections/",
        {"objector": "村民", "content": "反映情况", "raised_on": "2026-01-08"},
        format="json",
    )
    assert objection.status_code == 201
    resolved = api(tree.township_reviewer).post(
        f"/api/benefits/objections/{objection.json()['id']}/resolve/",
        {"resolution": "不实", "upheld": False},
        format="json",
    )
    assert resolved.status_code == 200 and resolved.json()["upheld"] is False
    again = api(tree.township_reviewer).post(
        f"/api/benefits/objections/{objection.json()['id']}/resolve/",
        {"resolution": "不实", "upheld": False},
        format="json",
    )
    assert again.status_code == 409
    exited = api(tree.village_doctor).post(
        f"/api/benefits/enrolments/{father.pk}/exit/", {"reason": "death", "event_date": "2026-05-03"}, format="json"
    )
    assert exited.status_code == 201 and exited.json()[0]["stop_month"] == "2026-06-01"


def test_an_upheld_objection_with_the_longest_resolution_is_kept_on_both_databases(tree, tefu_family):
    """A 500-character resolution upheld: the enrolment's return reason (prefix + text) fits its column,
    and the objection keeps every character typed."""
    from jiceng.benefits.models import Enrolment, Objection

    family = tefu_family()
    _mother, father = approved(tree, family)
    noticed(tree)
    objection = api(tree.village_doctor).post(
        f"/api/benefits/enrolments/{father.pk}/objections/",
        {"objector": "村民", "content": "反映情况", "raised_on": "2026-01-08"},
        format="json",
    )
    resolution = "核" * 500
    resolved = api(tree.township_reviewer).post(
        f"/api/benefits/objections/{objection.json()['id']}/resolve/",
        {"resolution": resolution, "upheld": True},
        format="json",
    )
    assert resolved.status_code == 200, resolved.content
    assert Objection.objects.get(pk=objection.json()["id"]).resolution == resolution
    reason = Enrolment.objects.get(pk=father.pk).return_reason
    assert reason.startswith("公示异议成立") and len(reason) == 500


def test_a_year_padded_with_zeros_is_refused_not_read_as_another_year(tree):
    response = api(tree.county_bureau).get("/api/benefits/enrolments/", {"year": "0020041"})
    assert response.status_code == 400 and "年度" in response.content.decode()
