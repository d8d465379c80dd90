"""The supervision API and CLI, scoped like the pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jiceng.supervision import actions
from jiceng.supervision.models import Finding, State
from tests.supervision.conftest import inspect, today


@pytest.fixture
def noticed(tree):
    rec = inspect(tree)
    ids = list(rec.findings.order_by("item_code").values_list("pk", flat=True))
    actions.issue_notice(ids, deadline=today() + dt.timedelta(days=5), acting_user=tree.township_reviewer)
    return ids


def test_the_api_lists_replies_and_rechecks_within_scope(client, tree, noticed):
    b2, b3 = noticed
    client.force_login(tree.village_doctor)
    rows = client.get("/api/supervision/findings/?list=tasks").json()["results"]
    assert [r["id"] for r in rows] == [b2, b3] and rows[0]["notice"].endswith("1号")
    bad = client.post(f"/api/supervision/findings/{b2}/reply/", {"text": ""}, content_type="application/json")
    assert bad.status_code == 400
    ok = client.post(f"/api/supervision/findings/{b2}/reply/", {"text": "已整改"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == State.REPLIED
    again = client.post(f"/api/supervision/findings/{b2}/reply/", {"text": "再次"}, content_type="application/json")
    assert again.status_code == 409
    client.force_login(tree.township_reviewer_b)
    assert client.get(f"/api/supervision/findings/{b2}/").status_code == 404
    assert (
        client.post(
            f"/api/supervision/findings/{b2}/recheck/", {"passed": True}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get("/api/supervision/findings/").json()["results"] == []
    client.force_login(tree.township_reviewer)
    done = client.post(
        f"/api/supervision/findings/{b2}/recheck/", {"passed": True, "note": "属实"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["state"] == State.CLOSED
    assert [e["kind"] for e in done.json()["events"]][-2:] == ["recheck", "close"]
    assert client.get("/api/supervision/findings/?list=nope").status_code == 400
    records = client.get("/api/supervision/records/").json()["results"]
    assert records[0]["score"] == "90.0" and len(records[0]["results"]) == 8
    scores = client.get(f"/api/supervision/scores/?period={today():%Y-%m}&unit=522799")
    assert scores.status_code == 404  # the county is outside the township's subtree
    client.force_login(tree.county_bureau)
    scores = client.get(f"/api/supervision/scores/?period={today():%Y-%m}").json()
    assert {r["unit"] for r in scores["ranking"]} == {tree.town_a.code, tree.town_b.code}
    assert client.get("/api/supervision/scores/?period=2026-13").status_code == 400
    assert Finding.objects.get(pk=b2).state == State.CLOSED


def test_the_cli_is_scoped(tree, noticed, capsys):
    call_command("supervision", "findings", user="cunyi", json=True, which="tasks")
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == noticed
    call_command("supervision", "findings", user="cunyi_b", json=True)
    assert json.loads(capsys.readouterr().out) == []
    with pytest.raises(CommandError, match="未找到该单位"):
        call_command("supervision", "records", user="cunyi", under=tree.town_b.code)
    call_command("supervision", "records", user="xz_reviewer", json=True)
    assert json.loads(capsys.readouterr().out)[0]["findings"] == 2
    call_command("supervision", "scores", user="wjj", period=f"{today():%Y-%m}")
    assert "上坝乡" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--period"):
        call_command("supervision", "scores", user="wjj", period="2026-13")
    with pytest.raises(CommandError, match="不能查看考核得分"):
        call_command("supervision", "scores", user="cunyi", period="2026")
