"""Production as the README documents it: the waitress command behind a TLS proxy on 127.0.0.1, with
production settings — HTTPS redirect for plain requests, no redirect loop for the proxy's HTTPS ones,
HSTS, secure cookies, security headers, the API schema behind login, and a weak secret key refused."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k7Vq2mZp9XrT4bWn8HcJ1dLf6GsY3aUe5RiO0tKvQ-xN_yEw2pM9jB4hC7gD1fA8zS"
# the README's command (Running in production on PostgreSQL), with the port chosen by the test
WAITRESS = [
    "--threads",
    "4",
    "--trusted-proxy",
    "127.0.0.1",
    "--trusted-proxy-headers",
    "x-forwarded-proto",
    "--clear-untrusted-proxy-headers",
]


# the keys that encrypt ID numbers and bank accounts (required in production, jiceng/benefits/fieldkeys.py)
FIELD_KEYS = {
    "JICENG_FIELD_KEYS": "q1n8tW3kB5pX0yZ7cV2mR6sD9fG4hJ1kL8aQ3wE5rT0=",
    "JICENG_FIELD_HASH_KEY": "Zr8Wq2Lm5Xv9Tp3Nk7Jb1Hc6Gd4Fs0Ae-search-hash-key",
}


def _env(tmp_path, key=STRONG_KEY):
    env = {
        **os.environ,
        "JICENG_PRODUCTION": "1",
        "JICENG_SECRET_KEY": key,
        "JICENG_DATA_DIR": str(tmp_path),
        "JICENG_ALLOWED_HOSTS": "127.0.0.1,localhost",
        **FIELD_KEYS,
    }
    env.pop("DATABASE_URL", None)  # a fresh SQLite file: the smoke test checks the web layer
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.fixture
def server(tmp_path):
    env = _env(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "jiceng.cli", "migrate", "--noinput"], env=env, check=True, capture_output=True
    )
    port = _free_port()
    waitress = str(Path(sys.executable).with_name("waitress-serve"))
    process = subprocess.Popen(
        [waitress, *WAITRESS, "--listen", f"127.0.0.1:{port}", "jiceng.wsgi:application"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _get(port, "/login/")
            break
        except OSError:
            time.sleep(0.3)
    yield port
    process.terminate()
    process.wait(timeout=10)


def test_behind_the_proxy_pages_are_served_over_https_only(server):
    plain = _get(server, "/login/")
    assert plain.status == 301 and plain.getheader("Location") == "https://127.0.0.1/login/"
    proxied = _get(server, "/login/", {"X-Forwarded-Proto": "https"})
    assert proxied.status == 200  # no redirect loop: the proxy's header is trusted from 127.0.0.1
    assert "max-age=31536000" in proxied.getheader("Strict-Transport-Security")
    cookies = proxied.getheader("Set-Cookie") or ""
    assert "csrftoken" in cookies and "Secure" in cookies
    assert "default-src 'self'" in proxied.getheader("Content-Security-Policy")
    assert "camera=()" in proxied.getheader("Permissions-Policy")
    assert proxied.getheader("X-Frame-Options") == "DENY"


def test_the_api_schema_is_for_logged_in_users_in_production(server):
    for path in ("/api/schema/", "/api/docs/"):
        response = _get(server, path, {"X-Forwarded-Proto": "https"})
        assert response.status in (401, 403), path


@pytest.mark.parametrize(
    "key",
    ["", "short-key", "x" * 60, "jiceng-development-only-key-not-for-production-use-0123456789abcdef"],
)
def test_a_weak_secret_key_stops_the_server_at_start(tmp_path, key):
    result = subprocess.run(
        [sys.executable, "-m", "jiceng.cli", "check"], env=_env(tmp_path, key), capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "JICENG_SECRET_KEY" in result.stderr and "拒绝启动" in result.stderr
