"""Issue 13, items 5, 6, 8 and 11: hashing under attack, session bloat, expiring tokens, the password
policy, and the actor named to the loser of a review race."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from jiceng.accounts.models import User
from tests.conftest import TEST_PASSWORD
from tests.reporting.conftest import PERIOD, REPORT_DAY, registers  # noqa: F401 - fixture

TOKEN_URL = "/api/token/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _token_request(client, username, password, address="10.1.1.1", **extra):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
        **extra,
    )


# -- 5. hashing under attack -------------------------------------------------------------------


def test_argon2_parameters_a_two_core_server_can_afford(db):
    from django.contrib.auth.hashers import identify_hasher, make_password

    encoded = make_password("Qingxi#Village7")
    assert encoded.startswith("argon2$argon2id$v=19$m=32768,t=2,p=1$")
    assert identify_hasher(encoded).memory_cost <= 64 * 1024


def test_an_old_100_mib_hash_still_verifies_and_is_upgraded_at_login(client, tree):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    old = Argon2PasswordHasher().encode(TEST_PASSWORD, "c2FsdHNhbHRzYWx0")
    assert "m=102400" in old
    User.objects.filter(pk=tree.village_doctor.pk).update(password=old)
    response = client.post("/login/", {"username": "cunyi", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert "m=32768,t=2,p=1" in User.objects.get(pk=tree.village_doctor.pk).password


def test_failed_attempts_are_limited_per_client_address(client, tree, settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    for _ in range(3):
        assert _token_request(client, uuid.uuid4().hex, "Wrong#pass2026").status_code == 400
    refused = _token_request(client, uuid.uuid4().hex, "Wrong#pass2026")
    assert refused.status_code == 429 and "请稍后再试" in refused.json()["detail"]
    assert int(refused["Retry-After"]) > 0
    # the login page counts the same attempts, and a forged X-Forwarded-For does not help
    page = client.post(
        "/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert page.status_code == 429 and "登录尝试过于频繁" in page.content.decode()
    # another address is not affected, and a right password from it gets a token
    assert _token_request(client, "cunyi", TEST_PASSWORD, address="10.1.1.2").status_code == 200


def test_successful_logins_do_not_use_up_an_office_address(client, tree, settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 2
    for _ in range(4):
        assert _token_request(client, "cunyi", TEST_PASSWORD).status_code == 200
    assert _token_request(client, "nobody", "Wrong#pass2026").status_code == 400


def test_a_trusted_proxy_names_the_client(client, tree, settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    via_proxy = {"address": "127.0.0.1"}
    assert (
        _token_request(client, "a", "Wrong#pass2026", HTTP_X_FORWARDED_FOR="10.2.2.1", **via_proxy).status_code == 400
    )
    assert (
        _token_request(client, "b", "Wrong#pass2026", HTTP_X_FORWARDED_FOR="10.2.2.1", **via_proxy).status_code == 429
    )
    assert (
        _token_request(client, "c", "Wrong#pass2026", HTTP_X_FORWARDED_FOR="10.2.2.2", **via_proxy).status_code == 400
    )


def test_concurrent_hashing_is_bounded_and_the_overflow_is_told_to_wait(client, tree, settings):
    from jiceng.accounts.hashers import bounded_hashing

    settings.PASSWORD_HASH_CONCURRENCY = 1
    settings.PASSWORD_HASH_WAIT = 0.05
    with bounded_hashing():  # another request is hashing
        busy = _token_request(client, uuid.uuid4().hex, "Wrong#pass2026")
        page = client.post("/login/", {"username": "cunyi", "password": TEST_PASSWORD}, REMOTE_ADDR="10.1.1.3")
    assert busy.status_code == 503 and busy.json()["detail"] == "系统繁忙，请稍后再试"
    assert page.status_code == 503 and "系统繁忙，请稍后再试" in page.content.decode()
    assert _token_request(client, "cunyi", TEST_PASSWORD).status_code == 200  # and afterwards all is well


# -- 6. the keep-the-form feature and anonymous clients ------------------------------------------


def test_an_anonymous_post_keeps_nothing_in_the_session(client, tree):
    url = f"/units/{tree.village_a1.code}/edit/"
    for _ in range(3):
        response = client.post(url, {"name": secrets.token_hex(100_000), "altitude_m": "1"})
        assert response.status_code == 302 and response.url.startswith("/login/")
    assert sum(len(s.session_data) for s in Session.objects.all()) < 2_000


def test_a_logged_in_form_over_the_cap_is_not_kept_and_the_user_is_told(client, tree):
    client.post("/login/", {"username": "admin", "password": TEST_PASSWORD})
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    url = f"/units/{tree.village_a1.code}/edit/"
    response = client.post(url, {"name": "大寨村", "altitude_m": "1777", "note": secrets.token_hex(40_000)})
    assert response.status_code == 302
    assert all(len(s.session_data) < 20_000 for s in Session.objects.all())
    page = client.post(response.url, {"username": "admin", "password": TEST_PASSWORD}, follow=True)
    text = page.content.decode()
    assert "未能保留" in text and 'value="1777"' not in text


def test_uploaded_files_and_passwords_are_never_kept(client, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post("/login/", {"username": "admin", "password": TEST_PASSWORD})
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    upload = SimpleUploadedFile("big.xlsx", b"x" * 50_000)
    client.post(f"/units/{tree.village_a1.code}/edit/", {"altitude_m": "1777", "password": "Secret#2026", "f": upload})
    data = "".join(s.session_data for s in Session.objects.all())
    assert len(data) < 5_000


# -- 8. API tokens that end ----------------------------------------------------------------------


def _auth(key):
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def test_token_endpoint_still_works_and_says_when_the_token_ends(client, tree):
    body = _token_request(client, "cunyi", TEST_PASSWORD).json()
    assert set(body) == {"token", "expires_at"}
    assert client.get("/api/me/", **_auth(body["token"])).status_code == 200
    assert _token_request(client, "cunyi", TEST_PASSWORD).json()["token"] == body["token"]


def test_a_token_ends_after_eight_idle_hours(client, tree):
    from rest_framework.authtoken.models import Token

    key = _token_request(client, "cunyi", TEST_PASSWORD).json()["token"]
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(hours=8, minutes=1))
    response = client.get("/api/me/", **_auth(key))
    assert response.status_code in (401, 403) and "过期" in response.json()["detail"]
    assert not Token.objects.filter(key=key).exists()
    # a new one is issued on request
    fresh = _token_request(client, "cunyi", TEST_PASSWORD).json()["token"]
    assert fresh != key and client.get("/api/me/", **_auth(fresh)).status_code == 200


def test_use_keeps_a_token_alive_but_not_past_thirty_days(client, tree):
    from rest_framework.authtoken.models import Token

    from jiceng.accounts.models import TokenActivity

    key = _token_request(client, "cunyi", TEST_PASSWORD).json()["token"]
    token = Token.objects.get(key=key)
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(days=20))
    TokenActivity.objects.update_or_create(token=token, defaults={"last_used": timezone.now() - dt.timedelta(hours=2)})
    assert client.get("/api/me/", **_auth(key)).status_code == 200
    assert TokenActivity.objects.get(token=token).last_used > timezone.now() - dt.timedelta(minutes=1)
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(days=30, minutes=1))
    assert client.get("/api/me/", **_auth(key)).status_code in (401, 403)


def test_revoke_endpoint(client, tree):
    key = _token_request(client, "cunyi", TEST_PASSWORD).json()["token"]
    assert client.post("/api/token/revoke/", **_auth(key)).status_code == 204
    assert client.get("/api/me/", **_auth(key)).status_code in (401, 403)
    assert client.post("/api/token/revoke/").status_code in (401, 403)


def test_logout_password_change_and_deactivation_end_tokens(client, tree):
    from jiceng.accounts import actions

    key = _token_request(client, "cunyi", TEST_PASSWORD).json()["token"]
    client.post("/login/", {"username": "cunyi", "password": TEST_PASSWORD})
    client.post("/logout/")
    assert client.get("/api/me/", **_auth(key)).status_code in (401, 403)

    key = _token_request(client, "cunyi", TEST_PASSWORD).json()["token"]
    actions.set_password(tree.village_doctor, password="Dazhai#Clinic77", acting_user=tree.admin)
    assert client.get("/api/me/", **_auth(key)).status_code in (401, 403)

    key = _token_request(client, "cunyi", "Dazhai#Clinic77").json()["token"]
    actions.set_active(tree.village_doctor, active=False, acting_user=tree.admin)
    assert client.get("/api/me/", **_auth(key)).status_code in (401, 403)


def test_token_endpoints_are_in_the_openapi_schema(client, tree):
    client.force_login(tree.admin)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/token/revoke/" in schema and "expires_at" in schema


# -- 11. the password policy ---------------------------------------------------------------------


def _set(user, password, acting):
    from jiceng.accounts import actions

    actions.set_password(user, password=password, acting_user=acting)


@pytest.mark.parametrize(
    "weak",
    [
        "Jiceng@2026",  # the product name
        "Jiceng@Admin2026",  # the product name and a common word
        "Zhangwei@1990",  # a pinyin name and a year
        "Wang@19851012",
        "Liuyang#2026",
        "Woaini@5201314",  # I love you, in pinyin and in numbers
        "Qwert@2026x",  # keyboard walks
        "1qaz@WSX2026",
        "Aa@123456789",  # digit runs
        "Weisheng@2026",  # a workplace word with a year
        "Admin@2026!",
    ],
)
def test_common_and_chinese_pattern_passwords_are_refused(tree, weak):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        _set(tree.village_doctor, weak, tree.admin)
    assert exc.value.message_dict["password"]


def test_a_password_containing_the_username_is_refused(tree):
    from django.core.exceptions import ValidationError

    for weak in ("Cunyi@Cunyi2026", "cunyi#2026Dazhai", "Iynuc#2026Dazhai"):
        with pytest.raises(ValidationError, match="用户名"):
            _set(tree.village_doctor, weak, tree.admin)


def test_the_current_and_last_five_passwords_cannot_be_reused(tree):
    from django.core.exceptions import ValidationError

    from jiceng.accounts.models import PasswordHistory

    with pytest.raises(ValidationError, match="最近5次"):
        _set(tree.village_doctor, TEST_PASSWORD, tree.village_doctor)
    used = [f"Dazhai#Clinic{n}x" for n in range(6)]
    for password in used:
        _set(tree.village_doctor, password, tree.admin)
    assert PasswordHistory.objects.filter(user=tree.village_doctor).count() == 5
    for password in used[1:]:
        with pytest.raises(ValidationError, match="最近5次"):
            _set(tree.village_doctor, password, tree.admin)
    _set(tree.village_doctor, used[0], tree.admin)  # six changes ago: allowed again


def test_good_passwords_still_pass_and_the_demo_password_works_for_demo_accounts(tree):
    from django.contrib.auth.hashers import check_password, make_password

    from jiceng.demo.generator import DEMO_PASSWORD

    for good in ("Xiangcun@2026", "Yanjiao@2026", "Strong@Pass2026", "Dazhai#Clinic77"):
        _set(tree.village_doctor, good, tree.admin)
    # the demo loader sets the demo password directly (make_password), and it also meets the policy
    assert check_password(DEMO_PASSWORD, make_password(DEMO_PASSWORD))
    _set(tree.village_doctor, DEMO_PASSWORD, tree.admin)


# -- 11. the loser of a review race is told who won --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_loser_of_a_review_race_is_told_who_returned_it(tree, registers):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    from jiceng.reporting import actions
    from jiceng.reporting.models import Report

    report = actions.get_report("NUT_MONTHLY", tree.village_a1, PERIOD)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    version = Report.objects.get(pk=report.pk).version
    locked, outcome = threading.Event(), []

    def winner():
        try:
            with transaction.atomic():
                actions.return_report(
                    report, reason="有误", acting_user=tree.township_reviewer, expected_version=version
                )
                locked.set()
                time.sleep(0.5)  # the loser is now waiting for the row lock
        finally:
            connection.close()

    def loser():
        locked.wait(5)
        try:
            actions.approve_report(report, acting_user=tree.township_reviewer_b_same_town, expected_version=version)
            outcome.append("ok")
        except actions.ReportConflict as exc:
            outcome.append(" ".join(exc.messages))
        finally:
            connection.close()

    tree.township_reviewer_b_same_town = User.objects.create(
        username="xz_reviewer3", role="township_reviewer", unit=tree.town_a, full_name="副院长"
    )
    threads = [threading.Thread(target=winner), threading.Thread(target=loser)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcome and "None" not in outcome[0]
    assert "已由 张院长 于" in outcome[0] and "退回" in outcome[0]


def test_issuing_and_revoking_an_api_token_are_in_the_audit_trail(tree):
    from rest_framework.test import APIClient

    from jiceng.audit.models import AuditEntry

    client = APIClient()
    token = client.post("/api/token/", {"username": "xz_officer", "password": TEST_PASSWORD}, format="json").json()
    issued = AuditEntry.objects.get(action="user.token_issue")
    assert issued.actor == tree.township_officer and token["token"] not in str(issued.after)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert client.post("/api/token/revoke/").status_code == 204
    assert AuditEntry.objects.get(action="user.token_revoke").after == {"revoked": 1}
