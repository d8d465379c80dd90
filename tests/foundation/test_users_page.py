from axes.models import AccessAttempt

from jiceng.accounts.models import User
from jiceng.audit.models import AuditEntry


def test_admin_creates_deactivates_and_unlocks_users(client, tree):
    client.force_login(tree.admin)
    page = client.post(
        "/users/",
        {
            "action": "create",
            "username": "cunyi_new",
            "full_name": "新村医",
            "role": "village_doctor",
            "unit": tree.village_a2.code,
            "password": "weak",
        },
    ).content.decode()
    assert "密码" in page and not User.objects.filter(username="cunyi_new").exists()
    page = client.post(
        "/users/",
        {
            "action": "create",
            "username": "cunyi_new",
            "full_name": "新村医",
            "role": "village_doctor",
            "unit": "522798100",
            "password": "Strong@Pass2026",
        },
    ).content.decode()
    assert "每个用户必须属于一个单位" in page  # a unit outside the admin's scope is as good as none
    client.post(
        "/users/",
        {
            "action": "create",
            "username": "cunyi_new",
            "full_name": "新村医",
            "role": "village_doctor",
            "unit": tree.village_a2.code,
            "password": "Strong@Pass2026",
        },
    )
    new = User.objects.get(username="cunyi_new")
    assert new.unit == tree.village_a2 and new.password.startswith("argon2$")
    for _ in range(5):
        client.post("/login/", {"username": "cunyi_new", "password": "wrong"})
    client.force_login(tree.admin)
    client.post("/users/", {"action": "unlock", "user": new.pk})
    assert not AccessAttempt.objects.filter(username="cunyi_new").exists()
    client.post("/users/", {"action": "deactivate", "user": new.pk})
    new.refresh_from_db()
    assert not new.is_active
    assert {"user.create", "user.unlock", "user.deactivate"} <= set(AuditEntry.objects.values_list("action", flat=True))


def test_only_admins_see_the_users_page(client, tree):
    client.force_login(tree.county_bureau)
    assert client.get("/users/").status_code == 404
