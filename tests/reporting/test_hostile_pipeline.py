"""Hostile input against the reporting pipeline, as every role: report pages and actions, the import page,
the reports API and DHIS2 exchange, indicators, the quarterly analysis and the CLI.

Every refusal is a 4xx (never a 500) with a Chinese message where the surface speaks (API, CLI, messages of
a page), saves nothing (reports, values, comments, notes and audit rows are counted before and after), and
a unit outside the caller's subtree answers exactly like a unit that does not exist. Runs on SQLite and on
PostgreSQL: a value PostgreSQL would refuse (NUL bytes, text longer than its column) is refused before it
reaches either database.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import Workbook
from rest_framework.test import APIClient

from jiceng.audit.models import AuditEntry
from jiceng.reporting import actions, exchange
from jiceng.reporting.models import DataValue, Report, State, ValueComment, WarningNote
from tests.reporting.conftest import PERIOD

ROLES = ("village_doctor", "township_officer", "township_reviewer", "county_mch", "county_bureau", "admin")
CJK = re.compile(r"[\u4e00-\u9fff]")
MCH = "MCH_MONTHLY"
PH = "PH_QUARTERLY"
NUT = "NUT_MONTHLY"
QUARTER = "2026Q3"
GOOD = {"M01": 10, "M15": 10, "M02": 9, "M03": 10}

WEIRD_DATASETS = [
    "UNKNOWN",
    "X" * 500,
    "MCH\x00MONTHLY",
    "\x00",
    "../../etc/passwd",
    "..",
    "MCH_MONTHLY' OR '1'='1",
    "'; DROP TABLE reporting_report; --",
    "妇幼月报",
    "MCH_MONTHLY\u202e",
    "%00",
    "{{7*7}}",
]
WEIRD_UNITS = [
    "999999999",
    "5" * 500,
    "522799100\x00",
    "\x00",
    "..",
    "522799100' OR '1'='1",
    "522799%",
    "522799_00",
    "上坝乡",
    " ",
    "\u200b522799100",
]
BAD_MONTHS = ["2026-13", "2026Q5", "2026-00", "99999-01", " ", "2026Q3", "2099-01", "2026-1\x00", "1999-12", "x" * 500]
BAD_QUARTERS = ["2026-10", "2026Q0", "2026Q5", "2099Q1", "2026H1", "2026", "Q3", "\x00"]


# ---------------------------------------------------------------- helpers


def counts() -> tuple[int, ...]:
    return (
        Report.objects.count(),
        DataValue.objects.count(),
        AuditEntry.objects.count(),
        ValueComment.objects.count(),
        WarningNote.objects.count(),
    )


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def seg(text: str) -> str:
    """One URL path segment, percent-encoded (a NUL byte, a slash, unicode)."""
    return quote(text, safe="")


def text_of(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode("utf-8", "replace")


def _gone(code: str) -> tuple[int, ...]:
    """A code that names nothing is 404; one with a control character is refused before any view: 400."""
    return (400, 404) if any(ord(ch) < 32 for ch in code) else (404,)


def assert_chinese_refusal(response, *statuses: int) -> str:
    assert response.status_code != 500
    assert response.status_code in statuses, (response.status_code, text_of(response)[:500])
    body = text_of(response)
    assert CJK.search(body), body[:500]
    return body


def error_page(response, code: str) -> str:
    """A page's content without its per-request CSRF token and the code asked for (echoed in links)."""
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode()).replace(code, "CODE")


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def report_url(ds: str, code: str, period: str, tail: str = "") -> str:
    return f"/reports/{seg(ds)}/{seg(code)}/{seg(period)}/{tail}"


def api_url(ds: str, code: str, period: str, action: str = "") -> str:
    return f"/api/reports/{seg(ds)}/{seg(code)}/{seg(period)}/" + (f"{action}" if action else "")


def post_json(client, url: str, body, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return client.post(url, data=data, content_type="application/json", **extra)


def mch_report(tree, unit=None) -> Report:
    return actions.get_report(MCH, unit or tree.town_a, PERIOD)


def typed(tree, values=None) -> Report:
    report = mch_report(tree)
    return actions.set_values(report, values or GOOD, acting_user=tree.township_officer)


def submitted(tree) -> Report:
    report = typed(tree)
    return actions.submit_report(report, acting_user=tree.township_reviewer)


def xlsx(rows: list[list], formula_cells: dict | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for ref, formula in (formula_cells or {}).items():
        sheet[ref] = formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


# ---------------------------------------------------------------- data set codes


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", WEIRD_DATASETS)
def test_weird_dataset_codes_are_refused_everywhere(tree, role, code):
    user = getattr(tree, role)
    before = counts()
    unit = tree.town_a.code
    assert page(user).get(report_url(code, unit, PERIOD)).status_code in _gone(code)
    assert page(user).get(report_url(code, unit, PERIOD, "export.xlsx")).status_code in _gone(code)
    response = page(user).post(report_url(code, unit, PERIOD, "action/"), {"action": "save", "v_M01": "1"})
    assert response.status_code in _gone(code)
    assert_chinese_refusal(api(user).get(api_url(code, unit, PERIOD)), 400, 404)
    assert_chinese_refusal(
        post_json(api(user), api_url(code, unit, PERIOD, "values"), {"version": 0, "values": {"M01": 1}}), 400, 404
    )
    assert_chinese_refusal(api(user).get("/api/reports/", {"dataset": code, "period": PERIOD}), 400, 404)
    assert_chinese_refusal(api(user).get("/api/reports/dataValueSets/", {"dataset": code, "period": PERIOD}), 400, 404)
    assert page(user).get("/reports/import/", {"dataset": code}).status_code in (400, 404)  # 400: NUL in a parameter
    assert page(user).get("/reports/", {"dataset": code, "period": PERIOD}).status_code in (200, 302, 400, 404)
    assert_chinese_refusal(
        api(user).get("/api/indicators/", {"unit": unit, "period": "2026", "dataset": code}), 400, 404
    )
    assert counts() == before


def test_a_lower_case_data_set_code_is_the_same_form(tree):
    response = api(tree.township_officer).get(api_url("mch_monthly", tree.town_a.code, PERIOD))
    assert response.status_code == 200 and response.json()["dataset"] == MCH


def test_datasets_listing_ignores_odd_query_params(tree):
    response = api(tree.village_doctor).get("/api/reports/datasets/", {"limit": "-1", "offset": "x" * 5000})
    assert response.status_code == 200 and {d["code"] for d in response.json()} >= {MCH, PH, NUT}


# ---------------------------------------------------------------- unit codes: 404, the same as "does not exist"


def _not_found_bodies(user, code: str) -> list:
    client = api(user)
    responses = [
        client.get(api_url(MCH, code, PERIOD)),
        post_json(client, api_url(MCH, code, PERIOD, "values"), {"version": 0, "values": {"M01": 1}}),
        post_json(client, api_url(MCH, code, PERIOD, "missing"), {"reason": "未报"}),
        client.get("/api/indicators/", {"unit": code, "period": "2026"}),
    ]
    if code.strip():  # a blank orgUnit is the caller's own subtree
        responses.append(client.get("/api/reports/dataValueSets/", {"dataset": MCH, "period": PERIOD, "orgUnit": code}))
    return responses


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("code", WEIRD_UNITS)
def test_weird_unit_codes_are_404(tree, role, code):
    user = getattr(tree, role)
    before = counts()
    client = page(user)
    assert client.get(report_url(MCH, code, PERIOD)).status_code in _gone(code)
    assert client.get(report_url(MCH, code, PERIOD, "export.xlsx")).status_code in _gone(code)
    assert client.post(report_url(MCH, code, PERIOD, "action/"), {"action": "save", "v_M01": "1"}).status_code in _gone(
        code
    )
    assert client.get(f"/indicators/{seg(code)}/").status_code in _gone(code)
    assert client.get(f"/summaries/quarterly/{seg(code)}/{QUARTER}/").status_code in _gone(code)
    for response in _not_found_bodies(user, code):
        # a control character in a query parameter is refused before any view: 400 (issue 13, item 10)
        assert_chinese_refusal(response, *_gone(code))
    assert counts() == before


@pytest.mark.parametrize("role", ["village_doctor", "township_officer", "township_reviewer"])
def test_a_unit_outside_the_subtree_answers_like_one_that_does_not_exist(tree, role):
    user = getattr(tree, role)
    outside = tree.town_b.code if role != "village_doctor" else tree.town_a.code
    before = counts()
    hidden = [(r.status_code, text_of(r)) for r in _not_found_bodies(user, outside)]
    absent = [(r.status_code, text_of(r)) for r in _not_found_bodies(user, "522799199")]
    assert hidden == absent and all(status == 404 for status, _ in hidden)
    client = page(user)
    for tail in ("", "export.xlsx"):
        a, b = (
            client.get(report_url(MCH, outside, PERIOD, tail)),
            client.get(report_url(MCH, "522799199", PERIOD, tail)),
        )
        assert a.status_code == b.status_code == 404 and error_page(a, outside) == error_page(b, "522799199")
    assert counts() == before


def test_a_village_doctor_cannot_mark_a_neighbour_missing_through_the_page(tree):
    """The ``unit`` of 缺报 is looked up in the caller's subtree too."""
    before = counts()
    client = page(tree.township_reviewer)
    for unit in (tree.village_b1.code, "\x00", "9" * 300):
        response = client.post(
            report_url(NUT, tree.town_a.code, PERIOD, "action/"), {"action": "missing", "unit": unit, "reason": "未报"}
        )
        assert response.status_code == 404
    assert counts()[1:] == before[1:]  # the township's own report may be opened (empty, unaudited); nothing else


# ---------------------------------------------------------------- periods


@pytest.mark.parametrize("period", BAD_MONTHS)
def test_bad_periods_of_a_monthly_form(tree, period):
    before = counts()
    user = tree.township_officer
    assert page(user).get(report_url(MCH, tree.town_a.code, period)).status_code in _gone(period)
    assert page(user).get("/reports/", {"dataset": MCH, "period": period}).status_code in (302, 400, 404)
    assert_chinese_refusal(api(user).get(api_url(MCH, tree.town_a.code, period)), 400, 404)
    response = post_json(
        api(user), api_url(MCH, tree.town_a.code, period, "values"), {"version": 0, "values": {"M01": 1}}
    )
    assert_chinese_refusal(response, 400, 404)
    assert_chinese_refusal(api(tree.county_mch).get("/api/reports/", {"dataset": MCH, "period": period}), 400)
    with pytest.raises(CommandError, match=CJK.pattern):
        call_command(
            "report",
            "show",
            "--dataset",
            MCH,
            "--unit",
            tree.town_a.code,
            "--period",
            period,
            "--user",
            "xz_officer",
            stdout=io.StringIO(),
        )
    assert counts() == before


@pytest.mark.parametrize("period", BAD_QUARTERS)
def test_bad_periods_of_a_quarterly_form(tree, period):
    before = counts()
    user = tree.township_officer
    assert page(user).get(report_url(PH, tree.town_a.code, period)).status_code in _gone(period)
    assert_chinese_refusal(api(user).get(api_url(PH, tree.town_a.code, period)), 400, 404)
    response = post_json(
        api(user), api_url(PH, tree.town_a.code, period, "values"), {"version": 0, "values": {"P01": 1}}
    )
    assert_chinese_refusal(response, 400, 404)
    if period not in ("2026H1", "2026"):  # a half or a year exports the quarters inside it
        assert_chinese_refusal(api(user).get("/api/reports/dataValueSets/", {"dataset": PH, "period": period}), 400)
    analysis = page(tree.township_reviewer).get(f"/summaries/quarterly/{tree.town_a.code}/{seg(period)}/")
    assert analysis.status_code in ((200,) if period == "2099Q1" else _gone(period))  # a future quarter: provisional
    assert counts() == before


@pytest.mark.parametrize("period", ["2026-13", "2026Q5", "99999", "\x00", "x" * 5000, "2026YTD13", "2026H3", "1999"])
def test_bad_periods_of_indicators_and_cli(tree, period):
    before = counts()
    assert_chinese_refusal(
        api(tree.county_mch).get("/api/indicators/", {"unit": tree.county.code, "period": period}), 400
    )
    response = page(tree.county_mch).get(f"/indicators/{tree.county.code}/", {"period": period})
    assert response.status_code in (200, 400, 404)
    out = io.StringIO()
    try:
        call_command("indicators", "--unit", tree.county.code, "--period", period, "--user", "fybj", stdout=out)
    except CommandError as exc:
        assert CJK.search(str(exc))
    assert counts()[1:] == before[1:]


@pytest.mark.parametrize(
    "params",
    [
        {"programme": "../../etc"},
        {"programme": "\x00"},
        {"indicator": "<script>alert(1)</script>"},
        {"indicator": "\x00" * 10},
        {"figures": "x" * 10000},
        {"period": "2026Q3", "format": "docx\x00"},
        {"programme": "mch", "indicator": "NUT_COVERAGE"},
    ],
)
def test_odd_query_params_on_indicators_and_the_quarterly_analysis(tree, params):
    before = counts()
    client = page(tree.county_mch)
    for url in (f"/indicators/{tree.county.code}/", f"/summaries/quarterly/{tree.county.code}/{QUARTER}/"):
        response = client.get(url, params)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
    response = api(tree.county_mch).get("/api/indicators/", {"unit": tree.county.code, "period": "2026", **params})
    assert response.status_code in (200, 400, 404)  # ?format= names a renderer: an unknown one is 404
    if response.status_code != 200:
        assert_chinese_refusal(response, 400, 404)
    assert counts()[1:] == before[1:] or counts()[2] >= before[2]  # an export is audited; nothing else


@pytest.mark.parametrize("year", ["abc", "", "99999", "-1", "\x00", "1e10"])
def test_odd_year_on_the_targets_page(tree, year):
    response = page(tree.county_bureau).get(f"/indicators/{tree.county.code}/targets/", {"year": year})
    assert response.status_code in (200, 400, 404)


@pytest.mark.parametrize(
    "params",
    [
        {"dataset": MCH, "period": PERIOD, "figures": "WORKING\x00"},
        {"dataset": MCH, "period": PERIOD, "format": "xml"},
        {"dataset": MCH, "period": ""},
        {"dataset": "", "period": PERIOD},
        {"dataset": MCH, "period": "2026-10-01/P1M"},
        {"dataset": MCH, "period": "2026-10-01/P9M"},
        {"dataset": MCH, "period": "202613"},
        {"dataset": PH, "period": "2026-10"},
        {"dataset": MCH, "period": "2099"},
        {"dataset": MCH, "period": PERIOD, "orgUnit": ""},
    ],
)
def test_odd_query_params_on_the_dhis2_export(tree, params):
    response = api(tree.county_mch).get("/api/reports/dataValueSets/", params)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_chinese_refusal(response, 400)


# ---------------------------------------------------------------- malformed API bodies


MALFORMED_BODIES = [
    "{",
    "[]",
    '"values"',
    "null",
    "1e400",
    "9" * 5000,
    "[" * 10000 + "]" * 10000,
    '{"version": 0, "values": ' + "[" * 10000 + "]" * 10000 + "}",
    {"version": 0, "values": []},
    {"version": 0, "values": "M01=1"},
    {"version": 0, "values": {}},
    {"version": 0, "values": {f"M{i:04d}": 1 for i in range(501)}},
    {"version": 0, "values": {"M01": [1]}},
    {"version": 0, "values": {"M01": {"v": 1}}},
    {"version": 0, "values": {"M01": True}},
    {"version": 0, "values": {"M01": False}},
    '{"version": 0, "values": {"M01": NaN}}',
    '{"version": 0, "values": {"M01": Infinity}}',
    '{"version": 0, "values": {"M01": -Infinity}}',
    '{"version": 0, "values": {"M01": 1e400}}',
    {"version": 0, "values": {"M01": "1e400"}},
    {"version": 0, "values": {"M01": "1e-400"}},
    {"version": 0, "values": {"M01": "NaN"}},
    {"version": 0, "values": {"M01": "12\x00"}},
    {"version": 0, "values": {"M01": -1}},
    {"version": 0, "values": {"M01": 1.005}},
    {"version": 0, "values": {"M01": 10**15}},
    {"version": 0, "values": {"M01": 10**400}},
    {"version": 0, "values": {"M01\x00": 1}},
    {"version": 0, "values": {"M01": 1, "ZZ": 2}},
    {"version": -1, "values": {"M01": 1}},
    {"version": "abc", "values": {"M01": 1}},
    {"version": "9" * 2000, "values": {"M01": 1}},
    {"version": 1.5, "values": {"M01": 1}},
    {"version": [0], "values": {"M01": 1}},
    {"version": None, "values": {"M01": 1}},
    {"values": {"M01": 1}},
    {"version": 0, "values": {"M01": 1}, "reason": "x" * 10000},
    {"version": 0, "values": {"M01": 1}, "reason": "x" * 201},
    {"version": 0, "values": {"M01": 1}, "reason": "原因\x00"},
    {"version": 0, "values": {"M01": 1}, "reason": ["a"]},
    {"version": 0, "values": {"M01": 1}, "reason": {"a": 1}},
    {"version": 0, "values": {"M01": 1}, "reason": "\x07\x1b[31m"},
]


@pytest.mark.parametrize("body", MALFORMED_BODIES, ids=range(len(MALFORMED_BODIES)))
def test_malformed_value_bodies_are_refused_in_chinese_and_save_nothing(tree, body):
    mch_report(tree)
    before = counts()
    response = post_json(api(tree.township_officer), api_url(MCH, tree.town_a.code, PERIOD, "values"), body)
    assert_chinese_refusal(response, 400, 409)
    assert counts() == before
    assert Report.objects.get(dataset=MCH, unit=tree.town_a).version == 0


@pytest.mark.parametrize(
    "content_type, body",
    [
        ("text/plain", "version=0"),
        ("application/x-www-form-urlencoded", "version=0&values=M01"),
        ("multipart/form-data; boundary=xx", "--xx\r\nbroken"),
        ("application/xml", "<a/>"),
        ("application/json; charset=latin-1", b'{"version": 0, "values": {"M01": "\xff"}}'),
        ("application/json", b"\xff\xfe{"),
    ],
)
def test_other_content_types_on_a_report_action(tree, content_type, body):
    mch_report(tree)
    before = counts()
    response = api(tree.township_officer).post(
        api_url(MCH, tree.town_a.code, PERIOD, "values"), data=body, content_type=content_type
    )
    assert_chinese_refusal(response, 400, 415)
    assert counts() == before


RETURN_BODIES = [
    {"reason": ""},
    {"reason": "   "},
    {"reason": "x" * 10000},
    {"reason": "退回\x00"},
    {"reason": "退回", "comments": {"M01": "x" * 301}},
    {"reason": "退回", "comments": {"M01": "意见\x00"}},
    {"reason": "退回", "comments": {"M01\x00": "意见"}},
    {"reason": "退回", "comments": {"\x00" * 50: "意见"}},
    {"reason": "退回", "comments": {"M01": ["a"]}},
    {"reason": "退回", "comments": ["M01"]},
    {"reason": "退回", "comments": {"x" * 10000: "意见"}},
    {"reason": "退回", "comments": {f"K{i}": "意见" for i in range(5000)}},
]


@pytest.mark.parametrize("body", RETURN_BODIES, ids=range(len(RETURN_BODIES)))
def test_malformed_return_bodies(tree, body):
    report = submitted(tree)
    before = counts()
    response = post_json(
        api(tree.county_mch), api_url(MCH, tree.town_a.code, PERIOD, "return"), {"version": report.version, **body}
    )
    assert_chinese_refusal(response, 400)
    assert counts() == before
    assert Report.objects.get(pk=report.pk).state == State.SUBMITTED


@pytest.mark.parametrize("reason", ["x" * 201, "x" * 2000, "x" * 10000, "缺报\x00", "\x1b[2J"])
def test_a_missing_reason_the_column_cannot_hold_is_refused(tree, reason):
    mch_report(tree)
    before = counts()
    response = post_json(api(tree.county_mch), api_url(MCH, tree.town_a.code, PERIOD, "missing"), {"reason": reason})
    assert_chinese_refusal(response, 400)
    assert counts() == before
    assert not Report.objects.get(dataset=MCH, unit=tree.town_a).missing


@pytest.mark.parametrize("note", ["x" * 301, "x" * 10000, "说明\x00"])
def test_a_warning_note_the_column_cannot_hold_is_refused(tree, note):
    report = typed(tree, {**GOOD, "M02": 12})  # MV01: 系统管理人数 > 分娩产妇数, a warning that needs a note
    before = counts()
    response = post_json(
        api(tree.township_reviewer),
        api_url(MCH, tree.town_a.code, PERIOD, "submit"),
        {"version": report.version, "warning_notes": {"MV01": note}},
    )
    assert_chinese_refusal(response, 400)
    assert counts() == before and Report.objects.get(pk=report.pk).state == State.OPEN


def test_a_warning_note_keyed_by_a_nul_is_refused(tree):
    report = typed(tree, {**GOOD, "M02": 12})
    before = counts()
    response = post_json(
        api(tree.township_reviewer),
        api_url(MCH, tree.town_a.code, PERIOD, "submit"),
        {"version": report.version, "warning_notes": {"MV01": "核实无误", "\x00": "x"}},
    )
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert_chinese_refusal(response, 400)
        assert counts() == before


# ---------------------------------------------------------------- the same through the page


@pytest.mark.parametrize(
    "post",
    [
        {"action": "save", "v_M01": "5", "reason": "x" * 10000},
        {"action": "save", "v_M01": "5", "reason": "x" * 201},
        {"action": "save", "v_M01": "5", "reason": "原因\x00"},
        {"action": "save", "v_M01": "5\x00"},
        {"action": "save", "v_M01": "1e400"},
        {"action": "save", "v_M01": "Infinity"},
        {"action": "save", "v_ZZZ": "1"},
        {"action": "save", "v_M01": "5", "version": "-1"},
        {"action": "save", "v_M01": "5", "version": "9" * 100},
    ],
)
def test_bad_saves_through_the_page_keep_what_was_typed_and_save_nothing(tree, post):
    report = mch_report(tree)
    before = counts()
    client = page(tree.township_officer)
    response = client.post(report_url(MCH, tree.town_a.code, PERIOD, "action/"), {"version": report.version, **post})
    assert response.status_code == 302
    messages = flash(response)
    assert messages and all(CJK.search(m) for m in messages), messages
    assert counts() == before
    assert client.get(report_url(MCH, tree.town_a.code, PERIOD)).status_code == 200  # the kept form renders


@pytest.mark.parametrize(
    "post",
    [
        {"action": "return", "reason": "x" * 100000},
        {"action": "return", "reason": "退回\x00"},
        {"action": "return", "reason": "退回", "comment_M01": "x" * 10000},
        {"action": "return", "reason": "退回", "comment_M01": "意见\x00"},
        {"action": "approve", "version": "abc"},
        {"action": "unknown"},
    ],
)
def test_bad_reviews_through_the_page(tree, post):
    report = submitted(tree)
    before = counts()
    response = page(tree.county_mch).post(
        report_url(MCH, tree.town_a.code, PERIOD, "action/"), {"version": report.version, **post}
    )
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        messages = flash(response)
        if post["action"] != "approve":
            assert messages and all(CJK.search(m) for m in messages), messages
    if post["action"] == "return":
        assert counts() == before and Report.objects.get(pk=report.pk).state == State.SUBMITTED


@pytest.mark.parametrize("note", ["x" * 10000, "说明\x00"])
def test_bad_warning_notes_through_the_page(tree, note):
    report = typed(tree, {**GOOD, "M02": 12})
    before = counts()
    response = page(tree.township_reviewer).post(
        report_url(MCH, tree.town_a.code, PERIOD, "action/"),
        {"action": "submit", "version": report.version, "note_MV01": note},
    )
    assert response.status_code == 302 and all(CJK.search(m) for m in flash(response))
    assert counts() == before and Report.objects.get(pk=report.pk).state == State.OPEN


@pytest.mark.parametrize("reason", ["x" * 10000, "缺报\x00"])
def test_bad_missing_reasons_through_the_page(tree, reason):
    mch_report(tree)
    county = actions.get_report(MCH, tree.county, PERIOD)
    before = counts()
    response = page(tree.county_mch).post(
        report_url(MCH, tree.county.code, PERIOD, "action/"),
        {"action": "missing", "unit": tree.town_a.code, "reason": reason, "version": county.version},
    )
    assert response.status_code == 302 and all(CJK.search(m) for m in flash(response))
    assert counts() == before


def test_a_reason_of_exactly_200_characters_is_kept(tree):
    report = mch_report(tree)
    reason = "原" * 200
    response = post_json(
        api(tree.township_officer),
        api_url(MCH, tree.town_a.code, PERIOD, "values"),
        {"version": report.version, "values": {"M01": 3}, "reason": reason},
    )
    assert response.status_code == 200
    assert DataValue.objects.get(report=report, element="M01").reason == reason


# ---------------------------------------------------------------- wrong roles, other subtrees, stale versions


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["values", "submit", "approve", "return", "missing"])
def test_every_role_and_action_on_a_township_report(tree, role, action):
    """Only the township's officer types, only its reviewer submits, only the county approves, returns or
    marks it missing; everyone else is 403 (inside the subtree) or 404 (outside) in Chinese."""
    report = typed(tree) if action in ("values", "submit", "missing") else submitted(tree)
    user = getattr(tree, role)
    body = {"version": report.version, "values": {"M01": 11}, "reason": "核实", "warning_notes": {}}
    allowed = {
        "values": {"township_officer"},
        "submit": {"township_reviewer"},
        "approve": {"county_mch"},
        "return": {"county_mch"},
        "missing": {"county_mch"},
    }[action]
    before = counts()
    response = post_json(api(user), api_url(MCH, tree.town_a.code, PERIOD, action), body)
    if role in allowed:
        assert response.status_code == 200, text_of(response)
        return
    expected = 404 if role == "village_doctor" else 403
    assert_chinese_refusal(response, expected)
    assert counts() == before


def test_neighbours_cannot_act_on_each_other(tree):
    report = submitted(tree)
    before = counts()
    for user in (tree.township_reviewer_b, tree.village_doctor_b):
        for action in ("values", "submit", "approve", "return", "missing"):
            response = post_json(
                api(user), api_url(MCH, tree.town_a.code, PERIOD, action), {"version": report.version, "reason": "x"}
            )
            assert_chinese_refusal(response, 404)
    assert counts() == before


def test_a_stale_version_is_409_and_saves_nothing(tree):
    report = typed(tree)
    before = counts()
    client = api(tree.township_officer)
    for version in (report.version - 1, report.version + 1, 10**30):
        response = post_json(
            client, api_url(MCH, tree.town_a.code, PERIOD, "values"), {"version": version, "values": {"M01": 99}}
        )
        body = assert_chinese_refusal(response, 409)
        assert "刷新" in body and response.json()["version"] == report.version
    assert counts() == before


def test_double_submit_is_409_then_locked(tree):
    report = typed(tree)
    client = api(tree.township_reviewer)
    first = post_json(client, api_url(MCH, tree.town_a.code, PERIOD, "submit"), {"version": report.version})
    assert first.status_code == 200
    before = counts()
    again = post_json(client, api_url(MCH, tree.town_a.code, PERIOD, "submit"), {"version": report.version})
    assert_chinese_refusal(again, 409)
    fresh = post_json(client, api_url(MCH, tree.town_a.code, PERIOD, "submit"), {"version": first.json()["version"]})
    assert "锁定" in assert_chinese_refusal(fresh, 400)
    assert counts() == before


def test_a_reviewer_cannot_approve_a_report_they_submitted(tree, registers):
    report = actions.get_report(NUT, tree.village_a1, PERIOD)
    client = api(tree.township_reviewer)
    before = counts()
    # the township's reviewer approves village reports, so may not submit one in the first place
    response = post_json(client, api_url(NUT, tree.village_a1.code, PERIOD, "submit"), {"version": report.version})
    assert "审核人不能自己提交" in assert_chinese_refusal(response, 403)
    assert counts() == before


def test_values_on_a_locked_report_are_refused(tree):
    report = submitted(tree)
    before = counts()
    response = post_json(
        api(tree.township_officer),
        api_url(MCH, tree.town_a.code, PERIOD, "values"),
        {"version": report.version, "values": {"M01": 1}},
    )
    assert "锁定" in assert_chinese_refusal(response, 400)
    assert counts() == before


def test_a_form_the_unit_does_not_fill(tree):
    before = counts()
    response = api(tree.village_doctor).get(api_url(MCH, tree.village_a1.code, PERIOD))
    assert_chinese_refusal(response, 400)
    assert counts() == before


# ---------------------------------------------------------------- the import page


def _import(user, data: dict):
    return page(user).post("/reports/import/", data)


def zip_bomb() -> bytes:
    """A small .xlsx whose sheet inflates to about 200 MB (a million rows of one cell each)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        rows = "".join(f'<row r="{i}"><c r="B{i}" t="n"><v>1</v></c></row>' for i in range(1, 1_000_001))
        z.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{rows}</sheetData></worksheet>",
        )
    return buffer.getvalue()


NOT_XLSX = [
    ("report.xlsx", b"this is not a spreadsheet"),
    ("report.xlsx", b""),
    ("report.xlsx", b"PK\x03\x04" + b"\x00" * 100),
    ("report.csv", "机构代码,活产数\n522799100,10\n".encode()),
    ("report.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500),
    ("..\\..\\evil.xlsx", b"<html><script>alert(1)</script></html>"),
    ("\x00.xlsx", b"x"),
]


@pytest.mark.parametrize("name, content", NOT_XLSX, ids=range(len(NOT_XLSX)))
@pytest.mark.parametrize("layout", ["", "MCH_PROVINCIAL_MONTHLY"])
def test_uploads_that_are_not_xlsx(tree, name, content, layout):
    mch_report(tree)
    before = counts()
    data = {"dataset": MCH, "unit": tree.town_a.code, "period": PERIOD, "file": upload(name, content)}
    if layout:
        data["layout"] = layout
    response = _import(tree.township_officer, data)
    assert response.status_code == 200
    assert "无法读取" in response.content.decode() or "文件为空" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize("layout", ["", "MCH_PROVINCIAL_MONTHLY"])
def test_a_zip_bomb_is_refused_quickly(tree, layout):
    import time

    mch_report(tree)
    before = counts()
    data = {"dataset": MCH, "unit": tree.town_a.code, "period": PERIOD, "file": upload("bomb.xlsx", zip_bomb())}
    if layout:
        data["layout"] = layout
    started = time.monotonic()
    response = _import(tree.township_officer, data)
    assert response.status_code == 200
    assert time.monotonic() - started < 30
    assert CJK.search(response.content.decode())
    assert counts() == before


def _layout_rows(tree, n: int) -> list[list]:
    header = ["机构代码", "机构名称", "统计月份", "活产数", "分娩产妇数"]
    return [header] + [[tree.town_a.code, "上坝乡", PERIOD, 1, 1] for _ in range(n)]


def test_a_sheet_of_5001_rows_is_refused(tree):
    before = counts()
    content = xlsx(_layout_rows(tree, 5001))
    response = _import(
        tree.township_officer, {"dataset": MCH, "layout": "MCH_PROVINCIAL_MONTHLY", "file": upload("big.xlsx", content)}
    )
    assert response.status_code == 200 and "行数过多" in response.content.decode()
    assert counts() == before


def test_formulas_in_an_import_are_not_numbers(tree):
    """A formula cell (no value computed by Excel) is not a number: the row is refused or left blank, never
    crashes, and nothing becomes a value by evaluating it."""
    header = ["机构代码", "机构名称", "统计月份", "活产数", "分娩产妇数"]
    content = xlsx(
        [header, [tree.town_a.code, "上坝乡", PERIOD, None, 5]],
        formula_cells={"D2": '=HYPERLINK("http://evil.example/","10")', "E1": "=1+1"},
    )
    before = counts()
    response = _import(
        tree.township_officer, {"dataset": MCH, "layout": "MCH_PROVINCIAL_MONTHLY", "file": upload("f.xlsx", content)}
    )
    assert response.status_code == 200
    assert not DataValue.objects.filter(element="M01", value=10).exists()
    assert counts()[1] <= before[1] + 1  # at most 分娩产妇数 = 5, never the formula


@pytest.mark.parametrize(
    "rows",
    [
        [["机构代码", "机构名称", "统计月份", "活产数"], ["522799100\u202e", "上坝乡", PERIOD, 1]],
        [["机构代码", "机构名称", "统计月份", "活产数"], ["522799101", "龙井镇", PERIOD, 1]],
        [["机构代码", "机构名称", "统计月份", "活产数"], ["522799100", "龙井镇", PERIOD, 1]],
        [["机构代码", "机构名称", "统计月份", "活产数"], ["522799100", "上坝乡", "2026Q5", 1]],
        [["机构代码", "机构名称", "统计月份", "活产数"], ["522799100", "上坝乡", "2099-01", 1]],
        [["机构代码", "机构名称", "统计月份", "活产数"], ["522799100", "上坝乡", PERIOD, "1e400"]],
        [["机构代码", "机构名称", "统计月份", "活产数"], ["522799100", "上坝乡", PERIOD, float("1e300")]],
        [["机构代码", "机构名称", "统计月份", "活产数"], ["522799100", "上坝乡", PERIOD, -1]],
        [["机构代码", "机构名称", "统计月份", "活产数"], ["5" * 500, "上坝乡", PERIOD, 1]],
        [["x" * 10000]],
    ],
)
def test_hostile_layout_rows(tree, rows):
    full = [list(r) + [None] * (len(rows[0]) - len(r)) for r in rows]
    header = full[0]
    if "活产数" in header:  # the rest of the layout's columns, blank
        extra = ["分娩产妇数", "早孕建册人数", "孕产妇系统管理人数", "产后访视人数", "住院分娩活产数", "高危孕产妇数",
                 "高危孕产妇管理人数", "孕产妇死亡数", "出生男婴数", "出生女婴数", "新生儿访视人数", "婴儿死亡数",
                 "3岁以下儿童数", "3岁以下儿童系统管理人数"]  # fmt: skip
        full = [header + extra] + [r + [None] * len(extra) for r in full[1:]]
    before = counts()
    response = _import(
        tree.township_officer,
        {"dataset": MCH, "layout": "MCH_PROVINCIAL_MONTHLY", "file": upload("h.xlsx", xlsx(full))},
    )
    assert response.status_code == 200
    assert "未保存" in response.content.decode() or "第" in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    "data",
    [
        {"dataset": MCH, "unit": "\x00", "period": PERIOD},
        {"dataset": MCH, "unit": "5" * 500, "period": PERIOD},
        {"dataset": MCH, "unit": "522799101", "period": PERIOD},
        {"dataset": MCH, "unit": "522799100", "period": "2026Q5"},
        {"dataset": MCH, "unit": "522799100", "period": "\x00"},
        {"dataset": MCH, "unit": "522799100", "period": PERIOD, "version": "-5"},
        {"dataset": MCH, "unit": "522799100", "period": PERIOD, "version": "x"},
        {"dataset": MCH, "layout": "MCH_PROVINCIAL_MONTHLY", "period": "2026-13"},
        {"dataset": MCH, "layout": "NOPE", "unit": "522799100", "period": PERIOD},
    ],
)
def test_hostile_import_form_fields(tree, data):
    before = counts()
    content = xlsx([["a"], ["b"], ["序号", "代码", "项目", "数值", "说明"], [1, "M01", "活产数", 1, ""]])
    response = _import(tree.township_officer, {**data, "file": upload("t.xlsx", content)})
    assert response.status_code in (200, 404)
    assert counts()[1:] == before[1:] or counts()[1] == before[1]


@pytest.mark.parametrize(
    "params",
    [
        {"template": "NOPE"},
        {"template": "\x00"},
        {"template": "../x"},
        {"dataset": PH, "template": "MCH_PROVINCIAL_MONTHLY"},
    ],
)
def test_odd_template_requests(tree, params):
    assert page(tree.township_officer).get("/reports/import/", {"dataset": MCH, **params}).status_code in (400, 404)


@pytest.mark.parametrize("role", ["county_mch", "county_bureau", "admin", "township_reviewer"])
def test_roles_that_do_not_fill_cannot_import(tree, role):
    before = counts()
    response = _import(
        getattr(tree, role),
        {"dataset": MCH, "unit": tree.town_a.code, "period": PERIOD, "file": upload("x.xlsx", b"x")},
    )
    assert response.status_code == 404
    assert counts() == before


# ---------------------------------------------------------------- DHIS2 import


def _dvs(values, **top) -> dict:
    return {"dataSet": MCH, **top, "dataValues": values}


def _one(**item) -> dict:
    return {"dataElement": "M01", "period": "202610", "orgUnit": "522799100", "value": "5", **item}


DVS_BODIES = [
    ("application/json", "[" * 10000 + "]" * 10000),
    ("application/json", '{"dataValues": ' + "[" * 10000 + "]" * 10000 + "}"),
    (
        "application/json",
        '{"dataSet": "MCH_MONTHLY", "dataValues": [{"dataElement": "M01", "period": "202610", "orgUnit": "522799100", "value": NaN}]}',
    ),
    (
        "application/json",
        '{"dataSet": "MCH_MONTHLY", "dataValues": [{"dataElement": "M01", "period": "202610", "orgUnit": "522799100", "value": Infinity}]}',
    ),
    (
        "application/json",
        '{"dataSet": "MCH_MONTHLY", "dataValues": [{"dataElement": "M01", "period": "202610", "orgUnit": "522799100", "value": -Infinity}]}',
    ),
    (
        "application/json",
        '{"dataSet": "MCH_MONTHLY", "dataValues": [{"dataElement": "M01", "period": "202610", "orgUnit": "522799100", "value": 1e400}]}',
    ),
    (
        "application/json",
        '{"dataSet": "MCH_MONTHLY", "dataValues": [{"dataElement": "M01", "period": "202610", "orgUnit": "522799100", "value": 1e300}]}',
    ),
    (
        "application/json",
        '{"dataSet": "MCH_MONTHLY", "dataValues": [{"dataElement": "M01", "period": "202610", "orgUnit": "522799100", "value": '
        + "9" * 5000
        + "}]}",
    ),
    ("application/json", json.dumps(_dvs([_one(value=[1])]))),
    ("application/json", json.dumps(_dvs([_one(value={"a": 1})]))),
    ("application/json", json.dumps(_dvs([_one(value=True)]))),
    ("application/json", json.dumps(_dvs([_one(orgUnit="522799101")]))),
    ("application/json", json.dumps(_dvs([_one(orgUnit="5" * 500)]))),
    ("application/json", json.dumps(_dvs([_one(orgUnit=["522799100"])]))),
    ("application/json", json.dumps(_dvs([_one(period="2026Q5")]))),
    ("application/json", json.dumps(_dvs([_one(period="209901")]))),
    ("application/json", json.dumps(_dvs([_one(period="2026Q3")]))),
    ("application/json", json.dumps(_dvs([_one(dataElement="m01\u202e")]))),
    ("application/json", json.dumps(_dvs([_one(), _one()]))),
    ("application/json", json.dumps(_dvs([_one(deleted=True)]))),
    ("application/json", json.dumps({"dataSet": "x" * 500, "dataValues": [_one()]})),
    ("application/json", json.dumps({"dataSet": {"a": 1}, "dataValues": [_one()]})),
    ("application/json", json.dumps({"dataValues": {"a": 1}})),
    ("application/json", "\ufeff"),
    ("application/json", b"\xff\xfe\x00{"),
    ("application/json", json.dumps(_dvs([_one(value="1\u0000")]))),
    ("application/adx+xml", ""),
    ("application/adx+xml", "<adx"),
    ("application/adx+xml", "<notadx/>"),
    (
        "application/adx+xml",
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-10-01/P1M">'
        '<dataValue dataElement="M01" value="&lol3;"/></group></adx>',
    ),
    (
        "application/xml",
        '<?xml version="1.0"?><!DOCTYPE adx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-10-01/P1M">'
        '<dataValue dataElement="M01" value="&xxe;"/></group></adx>',
    ),
    ("text/xml", "<adx xmlns='urn:ihe:qrph:adx:2015'>" + "<group>" * 5000 + "</group>" * 5000 + "</adx>"),
    (
        "application/adx+xml",
        '<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-10-01/P1M">'
        '<dataValue dataElement="M01" value="1e400"/><dataValue dataElement="M15" value="Infinity"/>'
        '<dataValue dataElement="M02" value="NaN"/></group></adx>',
    ),
    (
        "application/adx+xml",
        '<adx xmlns="urn:ihe:qrph:adx:2015"><group dataSet="MCH_MONTHLY" orgUnit="522799100" period="2026-02-30/P1M">'
        '<dataValue dataElement="M01" value="1"/></group></adx>',
    ),
    ("text/csv", "a,b"),
]


@pytest.mark.parametrize("content_type, body", DVS_BODIES, ids=range(len(DVS_BODIES)))
def test_hostile_dhis2_imports_are_refused_in_chinese(tree, content_type, body):
    mch_report(tree)
    before = counts()
    response = api(tree.township_officer).post("/api/reports/dataValueSets/", data=body, content_type=content_type)
    assert_chinese_refusal(response, 400)
    assert counts() == before


def test_a_too_large_dhis2_import_is_refused(tree):
    before = counts()
    body = json.dumps(_dvs([_one(value="1", comment="x" * 100)] * 60000))
    response = api(tree.township_officer).post(
        "/api/reports/dataValueSets/", data=body, content_type="application/json"
    )
    assert_chinese_refusal(response, 400)
    assert counts() == before


@pytest.mark.parametrize("role", ["county_mch", "county_bureau", "admin", "township_reviewer"])
def test_roles_that_do_not_fill_cannot_import_dhis2(tree, role):
    before = counts()
    body = json.dumps(_dvs([_one()]))
    response = api(getattr(tree, role)).post("/api/reports/dataValueSets/", data=body, content_type="application/json")
    assert_chinese_refusal(response, 400, 403)
    assert counts() == before


def test_exchange_parse_value_refuses_non_finite_numbers():
    from jiceng.documents.excel import CellError
    from jiceng.reporting.typed_import import parse_value

    for raw in (float("inf"), float("-inf"), float("nan"), 1e300):
        with pytest.raises(CellError, match=CJK.pattern):
            parse_value(raw)
    assert exchange.MAX_VALUES == 100_000


# ---------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    "args",
    [
        ["report", "show", "--dataset", "\x00", "--unit", "522799100", "--period", PERIOD, "--user", "xz_officer"],
        ["report", "show", "--dataset", MCH, "--unit", "522799100\x00", "--period", PERIOD, "--user", "xz_officer"],
        ["report", "show", "--dataset", MCH, "--unit", "522799101", "--period", PERIOD, "--user", "xz_officer"],
        ["report", "show", "--dataset", MCH, "--unit", "5" * 500, "--period", PERIOD, "--user", "xz_officer"],
        ["report", "show", "--dataset", PH, "--unit", "522799100", "--period", PERIOD, "--user", "xz_officer"],
        [
            "report",
            "export",
            "--dataset",
            MCH,
            "--unit",
            "522799100",
            "--period",
            "2026Q5",
            "--user",
            "xz_officer",
            "--out",
            "/tmp/x.xlsx",
        ],
        ["report", "status", "--dataset", "../etc", "--period", PERIOD, "--user", "fybj"],
        ["report", "status", "--dataset", MCH, "--period", "2026-13", "--user", "fybj"],
        ["report", "status", "--dataset", MCH, "--period", PERIOD, "--under", "\x00", "--user", "fybj"],
        ["report", "status", "--dataset", MCH, "--period", PERIOD, "--under", "522798", "--user", "fybj"],
        ["indicators", "--unit", "\x00", "--period", "2026", "--user", "fybj"],
        ["indicators", "--unit", "522799", "--period", "2026", "--programme", "\x00", "--user", "fybj"],
        ["indicators", "--unit", "522799", "--period", "2026", "--dataset", "x" * 500, "--user", "fybj"],
        [
            "datavalues",
            "export",
            "--dataset",
            MCH,
            "--period",
            "2026-13",
            "--under",
            "522799",
            "--user",
            "fybj",
            "--out",
            "/tmp/x.json",
        ],
        [
            "datavalues",
            "export",
            "--dataset",
            MCH,
            "--period",
            PERIOD,
            "--under",
            "\x00",
            "--user",
            "fybj",
            "--out",
            "/tmp/x.json",
        ],
        [
            "datavalues",
            "export",
            "--dataset",
            MCH,
            "--period",
            PERIOD,
            "--under",
            "522798",
            "--user",
            "fybj",
            "--out",
            "/tmp/x.json",
        ],
    ],
)
def test_hostile_cli_arguments_give_chinese_errors(tree, args):
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    assert CJK.search(str(caught.value)), str(caught.value)
    assert counts() == before


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01",
        b"[" * 10000 + b"]" * 10000,
        b'{"dataSet": "MCH_MONTHLY", "dataValues": [{"dataElement": "M01", "period": "202610", "orgUnit": "522799100", "value": Infinity}]}',
        b'{"dataSet": "MCH_MONTHLY", "dataValues": [{"dataElement": "M01", "period": "202610", "orgUnit": "522799101", "value": 1}]}',
    ],
)
def test_hostile_cli_datavalue_imports(tree, tmp_path, content):
    path = tmp_path / "values.json"
    path.write_bytes(content)
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command(
            "datavalues", "import", str(path), "--user", "xz_officer", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert CJK.search(str(caught.value))
    assert counts() == before
