"""One domain error type, answered in one place each for pages, the API and the CLI — in Chinese."""

import io
import json

import pytest
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory
from rest_framework.test import APIClient

from jiceng.accounts.access import AccessDenied
from jiceng.errors import Conflict, DomainError, messages_of
from jiceng.reporting import actions
from jiceng.web.errors import DomainErrorMiddleware


def test_unknown_pages_and_bad_periods_are_chinese_pages_with_the_navigation(client, tree):
    client.force_login(tree.township_officer)
    for url in ("/no-such-page/", f"/reports/NUT_MONTHLY/{tree.village_a1.code}/2026-13/", "/reports/NOPE/x/y/"):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 404, url
        assert "未找到" in html and 'class="mainnav"' in html and "返回首页" in html, url
        assert "Not Found" not in html
    html = client.get(f"/reports/NUT_MONTHLY/{tree.village_a1.code}/2026-13/").content.decode()
    assert "报告期“2026-13”无法识别" in html  # the reason, in Chinese


def _request(method: str, referer: str = ""):
    factory = RequestFactory()
    request = (
        getattr(factory, method)("/reports/", HTTP_REFERER=referer)
        if referer
        else getattr(factory, method)("/reports/")
    )
    SessionMiddleware(lambda r: None).process_request(request)
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = type("Anon", (), {"is_authenticated": False})()
    return request


def test_a_refusal_that_escapes_a_page_is_answered_in_one_place():
    middleware = DomainErrorMiddleware(lambda r: None)
    response = middleware.process_exception(_request("get"), DomainError("报告期：请选择月份"))
    assert response.status_code == 400 and "报告期：请选择月份" in response.content.decode()
    response = middleware.process_exception(_request("post", "http://testserver/reports/x/"), DomainError("已锁定"))
    assert response.status_code == 302 and response["Location"] == "http://testserver/reports/x/"
    response = middleware.process_exception(_request("post", "http://evil.example/"), DomainError("已锁定"))
    assert response.status_code == 400  # never redirected off the site
    response = middleware.process_exception(_request("get"), AccessDenied("只有上级审核人可以审核"))
    assert response.status_code == 403 and "只有上级审核人可以审核" in response.content.decode()
    assert middleware.process_exception(_request("get"), KeyError("x")) is None  # not a domain error: a 500


def test_the_api_answers_refusals_and_conflicts_in_chinese(tree):
    client = APIClient()
    client.force_authenticate(tree.township_reviewer)
    report = actions.get_report("MCH_MONTHLY", tree.town_a, "2026-10")
    stale = client.post(
        f"/api/reports/MCH_MONTHLY/{tree.town_a.code}/2026-10/submit", {"version": report.version + 5}, format="json"
    )
    assert stale.status_code == 409 and "请刷新后查看" in stale.json()["detail"]
    assert stale.json()["state"] == "open" and stale.json()["version"] == report.version
    unknown = client.get("/api/reports/", {"dataset": "NOPE"})
    assert unknown.status_code == 400 and "没有代码为“NOPE”的报表" in unknown.json()["dataset"][0]
    outside = client.get(f"/api/reports/MCH_MONTHLY/{tree.town_b.code}/2026-10/")
    assert outside.status_code == 404 and outside.json()["detail"]


def test_the_cli_prints_the_refusal(tree):
    with pytest.raises(CommandError, match="没有代码为“NOPE”的报表"):
        call_command(
            "report",
            "show",
            "--dataset",
            "NOPE",
            "--unit",
            tree.town_a.code,
            "--period",
            "2026-10",
            "--user",
            "xz_officer",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="季报，报告期应为季度"):
        call_command(
            "report",
            "show",
            "--dataset",
            "PH_QUARTERLY",
            "--unit",
            tree.town_a.code,
            "--period",
            "2026-10",
            "--user",
            "xz_officer",
            stdout=io.StringIO(),
        )


def test_messages_of_keeps_fields_and_plain_messages():
    assert messages_of(ValidationError({"period": "报告期有误"})) == {"period": ["报告期有误"]}
    assert messages_of(ValidationError(["甲", "乙"])) == {"detail": ["甲", "乙"]}
    assert Conflict("已被他人处理", details={"version": 3}).details == {"version": 3}


def test_a_control_character_in_any_query_parameter_is_400_on_both_databases(client, tree):
    client.force_login(tree.county_mch)
    for url, params in (
        ("/children/", {"q": "王\x00"}),
        ("/audit/", {"actor": "\x00"}),
        ("/reports/", {"period": "\x07"}),
    ):
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert "含有控制字符" in response.content.decode() and 'class="mainnav"' in response.content.decode()
    api = APIClient()
    api.force_authenticate(tree.county_mch)
    response = api.get("/api/children/", {"village": "\x00"})
    assert response.status_code == 400 and "含有控制字符" in json.dumps(response.json(), ensure_ascii=False)


def test_busy_password_hashing_is_a_chinese_503_not_a_500():
    from jiceng.accounts.hashers import HashingBusy
    from jiceng.api.errors import exception_handler

    page = DomainErrorMiddleware(lambda r: None).process_exception(_request("post"), HashingBusy())
    assert page.status_code == 503 and "系统繁忙" in page.content.decode() and page["Retry-After"] == "5"
    api = exception_handler(HashingBusy(), {})
    assert api.status_code == 503 and "系统繁忙" in api.data["detail"]


def test_a_nul_byte_in_a_code_in_the_address_is_a_chinese_400(client, tree):
    api = APIClient()
    api.force_authenticate(tree.county_mch)
    response = api.get("/api/units/%00/")
    assert response.status_code == 400 and "控制字符" in json.dumps(response.json(), ensure_ascii=False)
    client.force_login(tree.county_mch)
    page = client.get("/reports/NUT_MONTHLY/%00/2026-10/")
    assert (
        page.status_code == 400 and "控制字符" in page.content.decode() and 'class="mainnav"' in page.content.decode()
    )
