"""Shared fixtures. Django imports stay inside fixtures so that the pure-Python rule tests
can also run without Django (``-p no:django``)."""

from __future__ import annotations

import os
import shutil
from types import SimpleNamespace

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
TEST_PASSWORD = "Test@pass2026"


def missing_prerequisite(what: str):
    """Outside CI a missing prerequisite skips; with CI=true it fails."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"prerequisite missing in CI: {what}")
    pytest.skip(f"prerequisite missing: {what}")


@pytest.fixture(scope="session")
def password_hash():
    from django.contrib.auth.hashers import make_password

    return make_password(TEST_PASSWORD)


def _unit(code, name, level, kind, parent, altitude=None):
    from jiceng.orgunits.models import OrgUnit

    unit = OrgUnit(code=code, name=name, level=level, kind=kind, parent=parent, altitude_m=altitude)
    unit.path = unit.compute_path()
    unit.depth = unit.path.count("/") - 1
    unit.save()
    return unit


@pytest.fixture
def tree(db, password_hash):
    """A small county: 2 townships × 2 villages, county institutions, one user per role,
    and users in the second township for out-of-scope checks."""
    from jiceng.accounts.models import Role, User

    t = SimpleNamespace()
    t.province = _unit("520000", "贵州省", "province", "admin", None)
    t.city = _unit("522700", "黔南州", "city", "admin", t.province)
    t.county = _unit("522799", "清溪县", "county", "admin", t.city, 900)
    t.bureau = _unit("522799901", "清溪县卫生健康局", "county", "health_bureau", t.county)
    t.mch = _unit("522799902", "清溪县妇幼保健中心", "county", "mch_centre", t.county)
    t.town_a = _unit("522799100", "上坝乡", "township", "township_hc", t.county, 1200)
    t.town_b = _unit("522799101", "龙井镇", "township", "township_hc", t.county, 2100)
    t.village_a1 = _unit("522799100201", "大寨村", "village", "village_clinic", t.town_a, 1250)
    t.village_a2 = _unit("522799100202", "岩脚村", "village", "village_clinic", t.town_a, 1400)
    t.village_b1 = _unit("522799101201", "高坡村", "village", "village_clinic", t.town_b, 2300)
    t.village_b2 = _unit("522799101202", "水井村", "village", "village_clinic", t.town_b, 2600)
    t.other_county = _unit("522798", "邻县", "county", "admin", t.city)
    t.other_town = _unit("522798100", "邻县某乡", "township", "township_hc", t.other_county)

    def user(username, role, unit, full_name):
        return User.objects.create(username=username, role=role, unit=unit, full_name=full_name, password=password_hash)

    t.village_doctor = user("cunyi", Role.VILLAGE_DOCTOR, t.village_a1, "王村医")
    t.township_officer = user("xz_officer", Role.TOWNSHIP_OFFICER, t.town_a, "李管理员")
    t.township_reviewer = user("xz_reviewer", Role.TOWNSHIP_REVIEWER, t.town_a, "张院长")
    t.county_mch = user("fybj", Role.COUNTY_MCH, t.mch, "杨主任")
    t.county_bureau = user("wjj", Role.COUNTY_BUREAU, t.bureau, "吴科长")
    t.admin = user("admin", Role.ADMIN, t.county, "罗管理员")
    t.village_doctor_b = user("cunyi_b", Role.VILLAGE_DOCTOR, t.village_b1, "潘村医")
    t.township_reviewer_b = user("xz_reviewer_b", Role.TOWNSHIP_REVIEWER, t.town_b, "石院长")
    t.roles = {
        Role.VILLAGE_DOCTOR: t.village_doctor,
        Role.TOWNSHIP_OFFICER: t.township_officer,
        Role.TOWNSHIP_REVIEWER: t.township_reviewer,
        Role.COUNTY_MCH: t.county_mch,
        Role.COUNTY_BUREAU: t.county_bureau,
        Role.ADMIN: t.admin,
    }
    return t


@pytest.fixture
def make_child(tree):
    import datetime as dt

    from jiceng.nutrition.models import Child

    counter = {"n": 0}

    def make(village=None, **fields):
        counter["n"] += 1
        village = village or tree.village_a1
        county = village.parent.parent
        defaults = {
            "name": f"测试儿童{counter['n']}",
            "sex": "F",
            "birth_date": dt.date(2025, 3, 1),
            "caregiver_name": "母亲甲",
            "caregiver_relation": "母亲",
            "caregiver_phone": "13812345678",
        }
        defaults.update(fields)
        return Child.objects.create(village=village, county=county, **defaults)

    return make


@pytest.fixture(scope="session")
def chromium_browser():
    if not os.path.exists(CHROMIUM):
        missing_prerequisite("Debian chromium at /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_prerequisite("playwright (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def browser_login(page, username, password=TEST_PASSWORD):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture(scope="session")
def screenshot_dir():
    path = os.path.join(os.path.dirname(__file__), "..", "var", "screenshots")
    os.makedirs(path, exist_ok=True)
    return path


def has_libreoffice() -> bool:
    return shutil.which("soffice") is not None or shutil.which("libreoffice") is not None
