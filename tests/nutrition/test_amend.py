"""更正 and 撤销 of register entries (issue 18, point 1): by the person who entered it or the level above, with a
reason, refused once the month's report is locked, stock and status recomputed in the same transaction, in the
audit trail; figures do not count cancelled entries."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from jiceng.accounts.models import Role, User
from jiceng.audit.models import AuditEntry
from jiceng.errors import Conflict
from jiceng.nutrition import actions, amend, eligibility
from jiceng.nutrition.models import Child, Collection, Consent, FollowUp, Move, Residence
from jiceng.nutrition.report_figures import figures_for_months
from jiceng.periods import month_code, parse_period
from jiceng.reporting.models import Report, State
from jiceng.stock import actions as stock
from jiceng.stock import queries as stock_queries
from jiceng.stock.models import Reason, StockLine
from tests.stock.conftest import stock_village, today


@pytest.fixture
def child(tree, make_child):
    kid = make_child(birth_date=today() - dt.timedelta(days=400))
    actions.record_consent(
        kid,
        signed_on=today() - dt.timedelta(days=30),
        signed_by="母亲甲",
        relation="母亲",
        acting_user=tree.village_doctor,
    )
    return kid


def _figures(tree):
    return figures_for_months([tree.village_a1.pk], [parse_period(month_code(today()))])[month_code(today())][
        tree.village_a1.pk
    ]


def test_a_mistaken_issue_is_cancelled_and_everything_follows(tree, child):
    stock_village(tree, 100)
    collection = actions.record_collection(child, collected_on=today(), packs=30, acting_user=tree.village_doctor)
    assert stock_queries.unit_stock(tree.village_a1).balance == 70
    assert _figures(tree)["packs_issued"] == 30
    with pytest.raises(ValidationError, match="原因：请写明"):
        amend.cancel_entry("collection", collection.pk, reason=" ", acting_user=tree.village_doctor)
    amend.cancel_entry("collection", collection.pk, reason="误点发放，未实际领取", acting_user=tree.village_doctor)
    assert stock_queries.unit_stock(tree.village_a1).balance == 100  # a reversing line, the issue line stays
    lines = StockLine.objects.filter(collection=collection, reason=Reason.ISSUE).order_by("pk")
    assert [line.quantity for line in lines] == [-30, 30] and lines[1].reverses_id == lines[0].pk
    assert not Collection.objects.filter(pk=collection.pk).exists()
    assert Collection.all_objects.get(pk=collection.pk).cancel_reason == "误点发放，未实际领取"
    assert _figures(tree)["packs_issued"] == 0 and _figures(tree)["collected_children"] == 0
    assert eligibility.decide(Child.objects.get(pk=child.pk), today()).can_collect  # the month is free again
    entry = AuditEntry.objects.get(action="collection.cancel")
    assert entry.reason == "误点发放，未实际领取" and entry.before["packs"] == 30
    assert stock_queries.reconciliation([tree.village_a1], today(), today())[0].matches
    with pytest.raises(Conflict, match="已于 .* 撤销"):
        amend.cancel_entry("collection", collection.pk, reason="再撤一次", acting_user=tree.village_doctor)
    again = actions.record_collection(child, collected_on=today(), packs=30, acting_user=tree.village_doctor)
    assert again.pk != collection.pk


def test_a_wrong_number_of_packs_is_corrected(tree, child):
    stock_village(tree, 100)
    collection = actions.record_collection(child, collected_on=today(), packs=30, acting_user=tree.village_doctor)
    fixed = amend.correct_entry(
        "collection", collection.pk, values={"packs": 20}, reason="实际领取20包", acting_user=tree.township_officer
    )
    assert fixed.packs == 20 and list(Collection.objects.filter(child=child)) == [fixed]
    assert stock_queries.unit_stock(tree.village_a1).balance == 80
    entry = AuditEntry.objects.get(action="collection.correct")
    assert (entry.before, entry.after, entry.reason) == ({"packs": 30}, {"packs": 20}, "实际领取20包")
    with pytest.raises(ValidationError, match="没有修改任何内容"):
        amend.correct_entry("collection", fixed.pk, values={"packs": 20}, reason="x", acting_user=tree.township_officer)
    with pytest.raises(ValidationError, match="每月最多|30包|E"):  # checked as a new entry: nothing changes
        amend.correct_entry("collection", fixed.pk, values={"packs": 31}, reason="x", acting_user=tree.township_officer)
    assert Collection.objects.get(child=child).packs == 20 and stock_queries.unit_stock(tree.village_a1).balance == 80


def test_who_may_amend_and_the_locked_month(tree, child):
    card = actions.record_followup(child, visited_on=today(), weight_kg=9, acting_user=tree.village_doctor)
    colleague = User.objects.create(username="cunyi2", role=Role.VILLAGE_DOCTOR, unit=tree.village_a1)
    with pytest.raises(ValidationError, match="只有登记人或上级"):
        amend.cancel_entry("followup", card.pk, reason="填错", acting_user=colleague)
    with pytest.raises(Http404):
        amend.cancel_entry("followup", card.pk, reason="填错", acting_user=tree.village_doctor_b)
    report = Report.objects.create(
        dataset="NUT_MONTHLY",
        unit=tree.village_a1,
        county=tree.county,
        period=month_code(today()),
        state=State.SUBMITTED,
    )
    with pytest.raises(ValidationError, match="该月登记已锁定.*请联系.*退回报表"):
        amend.correct_entry(
            "followup", card.pk, values={"weight_kg": 9.5}, reason="称错", acting_user=tree.township_officer
        )
    report.state = State.RETURNED
    report.save()
    fixed = amend.correct_entry(
        "followup", card.pk, values={"weight_kg": 9.5}, reason="称错", acting_user=tree.township_officer
    )
    assert float(fixed.weight_kg) == 9.5 and fixed.waz is not None
    assert list(FollowUp.objects.filter(child=child)) == [fixed]


def test_consent_assessment_and_move_are_cancelled(tree, child):
    consent = Consent.objects.get(child=child)
    amend.cancel_entry("consent", consent.pk, reason="签错儿童", acting_user=tree.village_doctor)
    assert eligibility.decide(Child.objects.get(pk=child.pk), today()).blocked_by.rule_id == "E9"
    move = actions.move_child(
        child,
        kind=Move.Kind.TRANSFER,
        happened_on=today(),
        to_village=tree.village_a2,
        acting_user=tree.township_officer,
    )
    assert Child.objects.get(pk=child.pk).village == tree.village_a2
    amend.cancel_entry("move", move.pk, reason="转错村", acting_user=tree.township_officer)
    assert Child.objects.get(pk=child.pk).village == tree.village_a1
    out = actions.move_child(child, kind=Move.Kind.MOVE_OUT, happened_on=today(), acting_user=tree.village_doctor)
    amend.correct_entry(
        "move", out.pk, values={"kind": Move.Kind.DEATH}, reason="应为死亡", acting_user=tree.village_doctor
    )
    assert Child.objects.get(pk=child.pk).residence == Residence.DECEASED
    assert sorted(e.action for e in AuditEntry.objects.filter(action__endswith=".cancel")) == [
        "consent.cancel",
        "move.cancel",
    ]


def test_the_stock_card_points_to_the_childs_page(tree, child):
    stock_village(tree, 100)
    collection = actions.record_collection(child, collected_on=today(), packs=30, acting_user=tree.village_doctor)
    line = StockLine.objects.get(collection=collection)
    with pytest.raises(ValidationError) as exc:
        stock.reverse_line(line, reason="误发", acting_user=tree.village_doctor)
    url = f"/children/{child.pk}/entries/collection/{collection.pk}/"
    assert url in exc.value.messages[0] and "更正/撤销" in exc.value.messages[0]


def test_entry_page_and_timeline(client, tree, child):
    stock_village(tree, 100)
    collection = actions.record_collection(child, collected_on=today(), packs=30, acting_user=tree.village_doctor)
    client.force_login(tree.village_doctor)
    url = f"/children/{child.pk}/entries/collection/{collection.pk}/"
    assert url in client.get(f"/children/{child.pk}/").content.decode()  # the timeline links to it
    page = client.post(url, {"action": "cancel", "reason": ""}).content.decode()
    assert "原因：请写明" in page
    response = client.post(url, {"action": "correct", "fix-collected_on": today().isoformat(), "fix-packs": "25"})
    assert "原因：请写明" in response.content.decode() and 'value="25"' in response.content.decode()  # kept
    response = client.post(
        url, {"action": "correct", "fix-collected_on": today().isoformat(), "fix-packs": "25", "reason": "数错"}
    )
    assert response.status_code == 302 and Collection.objects.get(child=child).packs == 25
    detail = client.get(f"/children/{child.pk}/").content.decode()
    assert "已撤销" in detail and "更正：数错" in detail
    assert client.get(f"/children/{child.pk}/entries/nothing/1/").status_code == 404
    assert client.get(f"/children/{child.pk}/entries/collection/999999/").status_code == 404


def test_the_api_corrects_and_cancels(client, tree, child):
    stock_village(tree, 100)
    collection = actions.record_collection(child, collected_on=today(), packs=30, acting_user=tree.village_doctor)
    client.force_login(tree.village_doctor)
    base = f"/api/children/{child.pk}/entries/collection/{collection.pk}"
    response = client.post(f"{base}/correct", {"packs": 25}, content_type="application/json")
    assert response.status_code == 400 and "原因" in response.json()["reason"][0]
    response = client.post(f"{base}/correct", {"packs": 25, "reason": "数错"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["packs"] == 25
    fixed = response.json()["id"]
    response = client.post(f"{base}/cancel", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 409  # the corrected entry is already replaced
    response = client.post(
        f"/api/children/{child.pk}/entries/collection/{fixed}/cancel",
        {"reason": "误点"},
        content_type="application/json",
    )
    assert response.status_code == 200 and not Collection.objects.filter(child=child).exists()
    assert stock_queries.unit_stock(tree.village_a1).balance == 100
    client.force_login(tree.village_doctor_b)
    response = client.post(
        f"/api/children/{child.pk}/entries/collection/{fixed}/cancel", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_a_retried_tap_issues_once(client, tree, child):
    stock_village(tree, 100)
    client.force_login(tree.village_doctor)
    body = {"child": child.pk, "collected_on": today().isoformat(), "packs": 30}
    headers = {"HTTP_IDEMPOTENCY_KEY": "tap-0001-abcdef"}
    first = client.post("/api/collections/", body, content_type="application/json", **headers)
    again = client.post("/api/collections/", body, content_type="application/json", **headers)
    assert (first.status_code, again.status_code) == (201, 200) and first.json() == again.json()
    assert Collection.objects.filter(child=child).count() == 1
    assert stock_queries.unit_stock(tree.village_a1).balance == 70
    bad = client.post("/api/collections/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="x\x00")
    assert bad.status_code == 400
