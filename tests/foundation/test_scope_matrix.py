"""For every role and every kind of endpoint: nothing outside the user's subtree can be read or
changed, and the answer is 404 (existence does not leak). Each case also checks that the same
endpoint works inside the subtree, so the test fails if an endpoint simply breaks."""

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from jiceng.accounts.models import Role

ROLES = list(Role.values)


def outside_unit(tree, role):
    """A unit the role must not see: the other township's village (or the neighbouring county)."""
    return tree.other_town if role in (Role.COUNTY_MCH, Role.COUNTY_BUREAU, Role.ADMIN) else tree.village_b1


def inside_unit(tree, role):
    return tree.village_a1


def get_page(client, url):
    return client.get(url).status_code


EDIT_PAGES = {"follow-up card form"}  # pages that exist only for roles that edit registers
# pages that exist only for roles with a capability (everyone else: 404, inside the subtree too)
CAPABILITY_PAGES = {
    "quarterly analysis": "analysis.view",
    "stock card": "stock.view",
    "stock card Excel export": "stock.view",
}

PAGE_ENDPOINTS = {
    "unit page": lambda unit, child: f"/units/{unit.code}/",
    "child page": lambda unit, child: f"/children/{child.pk}/",
    "child list filtered by village": lambda unit, child: f"/children/?village={unit.code}",
    "API unit": lambda unit, child: f"/api/units/{unit.code}/",
    "API child": lambda unit, child: f"/api/children/{child.pk}/",
    "API children of a village": lambda unit, child: f"/api/children/?village={child.village.code}",
    "distribution page": lambda unit, child: f"/distribution/{child.village.code}/",
    "follow-up card form": lambda unit, child: f"/children/{child.pk}/followup/",
    "monthly report": lambda unit, child: f"/reports/NUT_MONTHLY/{child.village.code}/2026-10/",
    "monthly report Excel export": lambda unit, child: f"/reports/NUT_MONTHLY/{child.village.code}/2026-10/export.xlsx",
    "indicator dashboard": lambda unit, child: f"/indicators/{child.village.code}/?period=2026",
    "API indicators": lambda unit, child: f"/api/indicators/?unit={child.village.code}&period=2026",
    "stock card": lambda unit, child: f"/stock/{child.village.code}/",
    "stock card Excel export": lambda unit, child: f"/stock/{child.village.code}/export.xlsx",
    "quarterly analysis": lambda unit, child: f"/summaries/quarterly/{child.village.parent.code}/2026Q3/",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(PAGE_ENDPOINTS))
def test_read_endpoints_refuse_outside_subtree(client, tree, make_child, role, endpoint):
    user = tree.roles[role]
    client.force_login(user)
    outside, inside = outside_unit(tree, role), inside_unit(tree, role)
    outside_child = make_child(village=tree.village_b1 if outside.level == "village" else tree.village_b2)
    if role in (Role.COUNTY_MCH, Role.COUNTY_BUREAU, Role.ADMIN):
        # the neighbouring county's register
        outside_village = type(tree.village_b1).objects.create(
            code="522798100201",
            name="邻村",
            level="village",
            kind="village_clinic",
            parent=tree.other_town,
            path=tree.other_town.path + "522798100201/",
            depth=5,
        )
        outside_child = make_child(village=outside_village)
    inside_child = make_child(village=inside)
    url_for = PAGE_ENDPOINTS[endpoint]
    assert get_page(client, url_for(outside, outside_child)) == 404
    from jiceng.accounts import access

    needs_edit = endpoint in EDIT_PAGES
    expected_inside = 200 if not needs_edit or access.can(user, "registers.edit") else 404
    if endpoint in CAPABILITY_PAGES and not access.can(user, CAPABILITY_PAGES[endpoint]):
        expected_inside = 404
    assert get_page(client, url_for(inside, inside_child)) == expected_inside


@pytest.mark.parametrize("role", ROLES)
def test_unit_lists_contain_only_subtree(client, tree, role):
    user = tree.roles[role]
    token = Token.objects.create(user=user)
    response = client.get("/api/units/?limit=1000", HTTP_AUTHORIZATION=f"Token {token.key}")
    codes = {row["code"] for row in response.json()["results"]}
    root = tree.county if role in (Role.COUNTY_MCH, Role.COUNTY_BUREAU, Role.ADMIN) else user.unit
    assert codes and all(code.startswith(root.code) for code in codes)
    assert tree.village_a1.code in codes
    assert "522798" not in codes

    out = io.StringIO()
    call_command("units", "--json", "--user", user.username, stdout=out)
    assert {row["code"] for row in json.loads(out.getvalue())} == codes

    client.force_login(user)
    page = client.get("/units/").content.decode()
    assert tree.village_a1.code in page and "522798100" not in page
    if role in (Role.VILLAGE_DOCTOR, Role.TOWNSHIP_OFFICER, Role.TOWNSHIP_REVIEWER):
        assert tree.village_b1.code not in page


@pytest.mark.parametrize("role", ROLES)
def test_change_endpoints_refuse_outside_subtree(client, tree, role):
    user = tree.roles[role]
    client.force_login(user)
    outside = outside_unit(tree, role)
    response = client.post(f"/units/{outside.code}/edit/", {"name": "改名", "altitude_m": 1, "year": 2026})
    assert response.status_code == 404
    outside.refresh_from_db()
    assert outside.name != "改名"
    inside = client.post(f"/units/{tree.village_a1.code}/edit/", {"name": "大寨村", "altitude_m": 1, "year": 2026})
    # only the administrator may edit units at all; to everyone else the edit page does not exist
    assert inside.status_code == (302 if role == Role.ADMIN else 404)


@pytest.mark.parametrize("role", [Role.TOWNSHIP_REVIEWER, Role.COUNTY_MCH, Role.COUNTY_BUREAU, Role.ADMIN])
def test_audit_trail_is_scoped(client, tree, role):
    from jiceng.orgunits import actions

    actions.update_unit(tree.village_a1, acting_user=tree.admin, altitude_m=1260)
    actions.update_unit(tree.other_town, acting_user=_province_admin(tree), altitude_m=999)
    client.force_login(tree.roles[role])
    page = client.get("/audit/").content.decode()
    assert "大寨村" in page and "邻县某乡" not in page
    page = client.get(f"/audit/?unit={tree.other_town.code}").content.decode()
    assert "不在您的管辖范围内" in page and "邻县某乡" not in page.split("不在您的管辖范围内")[1]


def _province_admin(tree):
    from jiceng.accounts.models import User

    return User.objects.create(username="province_admin", role=Role.ADMIN, unit=tree.province, full_name="省管理员")


def test_cli_requires_an_acting_user(tree):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--user"):
        call_command("units", "--json", "--user", "")
