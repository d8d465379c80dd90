import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiceng.accounts import actions
from jiceng.accounts.models import User
from tests.conftest import TEST_PASSWORD


def test_user_without_unit_is_refused(tree):
    with pytest.raises(ValidationError) as exc:
        actions.create_user(
            username="nounit",
            password="Abcdef@12345",
            full_name="无单位",
            role="village_doctor",
            unit=None,
            acting_user=tree.admin,
        )
    assert "每个用户必须属于一个单位" in exc.value.message_dict["unit"][0]
    assert not User.objects.filter(username="nounit").exists()


def test_role_must_match_unit_level(tree):
    with pytest.raises(ValidationError) as exc:
        actions.create_user(
            username="x",
            password="Abcdef@12345",
            full_name="某",
            role="village_doctor",
            unit=tree.town_a,
            acting_user=tree.admin,
        )
    assert "村医只能属于" in exc.value.message_dict["unit"][0]


@pytest.mark.parametrize("weak", ["abcdefghij", "short1!A", "abcdefghij123"])
def test_password_complexity(tree, weak):
    with pytest.raises(ValidationError) as exc:
        actions.create_user(
            username="newdoc",
            password=weak,
            full_name="新村医",
            role="village_doctor",
            unit=tree.village_a2,
            acting_user=tree.admin,
        )
    assert exc.value.message_dict["password"]


def test_passwords_are_hashed_with_argon2(tree):
    user = actions.create_user(
        username="newdoc",
        password="Xiangcun@2026",
        full_name="新村医",
        role="village_doctor",
        unit=tree.village_a2,
        acting_user=tree.admin,
    )
    assert user.password.startswith("argon2$")


def test_lockout_after_five_failures_for_fifteen_minutes(client, tree):
    for _ in range(5):
        response = client.post("/login/", {"username": "cunyi", "password": "wrong-password"})
    assert "用户名或密码错误" in response.content.decode() or response.status_code == 429
    # The sixth attempt, even with the right password, is refused while locked.
    response = client.post("/login/", {"username": "cunyi", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "账户已锁定15分钟" in response.content.decode()
    # Fifteen minutes later the account opens again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    response = client.post("/login/", {"username": "cunyi", "password": TEST_PASSWORD})
    assert response.status_code == 302 and response.url == "/"


def test_idle_session_expires_after_thirty_minutes(client, tree):
    client.post("/login/", {"username": "cunyi", "password": TEST_PASSWORD})
    assert client.get("/").status_code == 200
    session = Session.objects.get()
    assert session.expire_date - timezone.now() <= dt.timedelta(minutes=30)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_login_history_shows_successes_and_failures(client, tree):
    client.post("/login/", {"username": "cunyi", "password": "wrong-password"})
    client.post("/login/", {"username": "cunyi", "password": TEST_PASSWORD})
    client.post("/logout/")
    client.post("/login/", {"username": "fybj", "password": TEST_PASSWORD})
    page = client.get("/security/logins/").content.decode()
    assert page.count("cunyi") >= 2 and "失败" in page and "成功" in page


def test_every_form_has_csrf_protection(client, tree):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "cunyi", "password": TEST_PASSWORD})
    assert response.status_code == 403
    page = strict.get("/login/").content.decode()
    assert "csrfmiddlewaretoken" in page
