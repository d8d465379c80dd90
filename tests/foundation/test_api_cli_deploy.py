import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token


def test_openapi_schema_is_served(client, tree):
    client.force_login(tree.village_doctor)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.") and "/api/units/" in schema["paths"]


def test_api_needs_authentication_and_accepts_tokens(client, tree):
    assert client.get("/api/units/").status_code in (401, 403)
    token = Token.objects.create(user=tree.village_doctor)
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and response.json()["scope_root"] == tree.village_a1.code


def test_api_call_for_another_townships_unit_is_404(client, tree):
    token = Token.objects.create(user=tree.township_reviewer)
    response = client.get(f"/api/units/{tree.village_b1.code}/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 404


def test_cli_units_json(tree):
    out = io.StringIO()
    call_command("units", "--json", "--user", "xz_reviewer", stdout=out)
    rows = json.loads(out.getvalue())
    assert [r["code"] for r in rows] == ["522799100", "522799100201", "522799100202"]
    assert rows[1] == {
        "code": "522799100201",
        "name": "大寨村",
        "level": "village",
        "kind": "village_clinic",
        "parent_code": "522799100",
        "altitude_m": 1250,
    }


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "JICENG_PRODUCTION": "1",
        "JICENG_SECRET_KEY": "k7Vq2mZp9XrT4bWn8HcJ1dLf6GsY3aUe5RiO0tKvQ-xN_yEw2pM9jB4hC7gD1fA8zS",
        "JICENG_DATA_DIR": str(tmp_path),
        "JICENG_ALLOWED_HOSTS": "jiceng.example.org",
        "JICENG_FIELD_KEYS": "q1n8tW3kB5pX0yZ7cV2mR6sD9fG4hJ1kL8aQ3wE5rT0=",
        "JICENG_FIELD_HASH_KEY": "Zr8Wq2Lm5Xv9Tp3Nk7Jb1Hc6Gd4Fs0Ae-search-hash-key",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set only for the browser tests
    result = subprocess.run(
        [sys.executable, "-m", "jiceng.cli", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("lang,expected", [("zh-hans", "登录"), ("en", "Log in")])
def test_interface_language(client, db, lang, expected):
    client.cookies["django_language"] = lang
    assert expected in client.get("/login/").content.decode()
