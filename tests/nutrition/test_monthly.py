import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jiceng.nutrition import actions, queries
from jiceng.nutrition.models import Collection, FollowUp
from tests.conftest import browser_login

TODAY = dt.date.today()


def months_ago(n: int, day: int = 10) -> dt.date:
    year, month = TODAY.year, TODAY.month - n
    while month <= 0:
        year, month = year - 1, month + 12
    return dt.date(year, month, day)


@pytest.fixture
def enrolled(tree, make_child):
    """A child of 12 months who has consent and collected last month."""

    def make(village=None, **fields):
        child = make_child(village=village or tree.village_a1, birth_date=months_ago(12, 1), **fields)
        actions.record_consent(
            child, signed_on=months_ago(3), signed_by="母亲", relation="母亲", acting_user=tree.township_officer
        )
        actions.record_collection(child, collected_on=months_ago(1), packs=30, acting_user=tree.township_officer)
        return child

    return make


def test_followup_computes_who_zscores_and_altitude_adjusted_anaemia(tree, make_child):
    # the example of the rules cases: a 34-month girl at 3750 m
    tree.village_a1.altitude_m = 3750
    tree.village_a1.save()
    child = make_child(sex="F", birth_date=dt.date(2022, 11, 2))
    card = actions.record_followup(
        child,
        visited_on=dt.date(2025, 9, 20),
        length_cm=Decimal("86.1"),
        position="standing",
        weight_kg=Decimal("10.2"),
        hb_g_l=Decimal("118"),
        packs_last_7d=6,
        acting_user=tree.village_doctor,
    )
    assert (round(card.haz, 2), round(card.waz, 2), round(card.whz, 2)) == (-2.13, -2.34, -1.55)
    assert card.stunting and card.underweight and not card.wasting
    assert card.hb_adjusted_g_l == 91 and card.anaemia == "中度"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"hb_g_l": Decimal("300")}, "hb_g_l", "30–250"),
        ({"length_cm": Decimal("200"), "position": "lying"}, "length_cm", "40–130"),
        ({"weight_kg": Decimal("0.5")}, "weight_kg", "1–35"),
        ({"packs_last_7d": 8}, "packs_last_7d", "7"),
        ({"visited_on": dt.date(2024, 1, 1)}, "visited_on", "早于出生日期"),
        ({"visited_on": TODAY + dt.timedelta(days=3)}, "visited_on", "晚于今天"),
    ],
)
def test_bad_followup_input_is_refused_with_chinese_message(tree, make_child, values, field, message):
    child = make_child(birth_date=dt.date(2024, 6, 1))
    data = {
        "visited_on": TODAY,
        "hb_g_l": Decimal("115"),
        "length_cm": Decimal("80"),
        "position": "standing",
        "weight_kg": Decimal("10"),
    }
    data.update(values)
    with pytest.raises(ValidationError) as exc:
        actions.record_followup(child, acting_user=tree.village_doctor, **data)
    assert message in " ".join(exc.value.message_dict[field])
    assert not FollowUp.objects.exists()


def test_lying_position_at_three_years_is_a_warning_not_an_error(tree, make_child):
    child = make_child(birth_date=months_ago(40, 1))
    card = actions.record_followup(
        child,
        visited_on=TODAY,
        length_cm=Decimal("95"),
        position="lying",
        weight_kg=Decimal("14"),
        acting_user=tree.village_doctor,
    )
    assert any("卧位" in w for w in card.warnings)


def test_distribution_lists_due_children_and_refuses_with_the_rule(client, tree, enrolled, make_child):
    due = enrolled(name="在服儿")
    no_consent = make_child(name="未签同意书", birth_date=months_ago(10, 1))
    too_young = make_child(name="太小", birth_date=months_ago(2, 1))
    dist = queries.distribution(tree.village_a1, TODAY)
    names = {r.child.name for r in dist.rows}
    assert "在服儿" in names and "未签同意书" in names and "太小" not in names
    client.force_login(tree.village_doctor)
    page = client.get(f"/distribution/{tree.village_a1.code}/").content.decode()
    assert "在服儿" in page and "未签订知情同意书" in page
    response = client.post(f"/distribution/{tree.village_a1.code}/collect/{due.pk}/", {"packs": "30"})
    assert response.status_code == 302
    assert Collection.objects.filter(child=due, month=f"{TODAY:%Y-%m}").count() == 1
    # a second collection this month is refused with E6's reason, via htmx
    response = client.post(
        f"/distribution/{tree.village_a1.code}/collect/{due.pk}/", {"packs": "30"}, HTTP_HX_REQUEST="true"
    )
    assert "E6" in response.content.decode() or "本月已领" in response.content.decode()
    assert Collection.objects.filter(child=due).count() == 2  # last month and this month
    response = client.post(
        f"/distribution/{tree.village_a1.code}/collect/{no_consent.pk}/", {"packs": "30"}, HTTP_HX_REQUEST="true"
    )
    assert "知情同意" in response.content.decode() and not no_consent.collections.exists()
    del too_young


def test_short_supply_follows_the_priority_plan(client, tree, enrolled):
    poor = enrolled(name="贫困户儿", poor_household=True)
    other = enrolled(name="普通儿")
    from tests.stock.conftest import stock_village

    stock_village(tree, 30)  # the county centre → 上坝乡 → 大寨村: 30 packs on the clinic's ledger
    dist = queries.distribution(tree.village_a1, TODAY)
    assert dist.shortage
    planned = {r.child.name: r.planned_packs for r in dist.rows}
    assert planned == {"贫困户儿": 30, "普通儿": 0}
    client.force_login(tree.village_doctor)
    page = client.get(f"/distribution/{tree.village_a1.code}/").content.decode()
    assert "库存不足：按优先顺序发放" in page and "等待下次到货" in page
    response = client.post(
        f"/distribution/{tree.village_a1.code}/collect/{other.pk}/", {"packs": "30"}, HTTP_HX_REQUEST="true"
    )
    assert "按优先顺序本次应发 0 包" in response.content.decode()
    assert other.collections.count() == 1  # only last month's
    client.post(f"/distribution/{tree.village_a1.code}/collect/{poor.pk}/", {"packs": "30"})
    assert poor.collections.count() == 2
    assert queries.clinic_stock(tree.village_a1) == 0  # the collection issued the packs from the ledger
    # with no packs left, the next child is refused by the ledger, and nothing is saved
    response = client.post(
        f"/distribution/{tree.village_a1.code}/collect/{other.pk}/", {"packs": "30"}, HTTP_HX_REQUEST="true"
    )
    assert "库存不足" in response.content.decode() and other.collections.count() == 1


def test_worklist_lists_low_adherence_and_due_followups(tree, enrolled):
    low = enrolled(name="依从差")
    ok = enrolled(name="依从好")
    actions.record_followup(low, visited_on=TODAY, packs_last_7d=2, acting_user=tree.village_doctor)
    actions.record_followup(ok, visited_on=TODAY, packs_last_7d=7, acting_user=tree.village_doctor)
    due = enrolled(name="待随访")
    lists = queries.follow_up_worklist(tree.town_a, TODAY)
    assert [e.child.name for e in lists["low_adherence"]] == ["依从差"]
    assert "待随访" in [e.child.name for e in lists["due"]] and "依从好" not in [e.child.name for e in lists["due"]]
    del due


@pytest.mark.browser
def test_village_doctor_records_a_month_for_five_children(page, tree, enrolled, make_child, screenshot_dir):
    for name in ("一号", "二号", "三号", "四号"):
        enrolled(name=name)
    refused = make_child(name="五号", birth_date=months_ago(10, 1))  # no consent form
    browser_login(page, "cunyi")
    page.goto(page.base_url + f"/distribution/{tree.village_a1.code}/")
    page.screenshot(path=f"{screenshot_dir}/test-distribution-before.png", full_page=True)
    for name in ("一号", "二号", "三号", "四号"):
        row = page.locator(".drow", has_text=name)
        row.locator("button", has_text="发放").click()
        page.locator(".drow", has_text=name).locator("text=本月已领 30 包").wait_for()
    refused_row = page.locator(".drow", has_text="五号")
    assert "未签订知情同意书" in refused_row.inner_text()
    assert refused_row.locator("button").count() == 0
    assert page.inner_text("#dist-summary").split()[2] == "4"  # 已领取, updated without a reload
    page.screenshot(path=f"{screenshot_dir}/test-distribution-after.png", full_page=True)
    assert Collection.objects.filter(month=f"{TODAY:%Y-%m}").count() == 4
    assert not refused.collections.exists()


def test_child_page_compares_baseline_with_latest_and_draws_the_chart(client, tree, make_child):
    child = make_child(sex="M", birth_date=months_ago(14, 1))
    actions.record_followup(
        child,
        visited_on=months_ago(6),
        length_cm=Decimal("66.0"),
        position="lying",
        weight_kg=Decimal("7.1"),
        hb_g_l=Decimal("98"),
        acting_user=tree.village_doctor,
    )
    actions.record_followup(
        child,
        visited_on=months_ago(1),
        length_cm=Decimal("74.5"),
        position="lying",
        weight_kg=Decimal("9.0"),
        hb_g_l=Decimal("112"),
        acting_user=tree.village_doctor,
    )
    client.force_login(tree.village_doctor)
    page = client.get(f"/children/{child.pk}/").content.decode()
    assert "基线（首次）" in page and "66.0" in page and "74.5" in page
    assert "<svg" in page and "polyline" in page  # three series with two points each
    assert "轻度" in page or "中度" in page  # baseline anaemia at 1250 m: 98 - 2 = 96 → 中度


def test_township_overview_counts_like_the_report(client, tree, enrolled):
    from jiceng.nutrition.report_figures import figures_for
    from jiceng.periods import month_period

    for name in ("甲", "乙"):
        child = enrolled(name=name)
        actions.record_collection(child, collected_on=TODAY, packs=30, acting_user=tree.village_doctor)
    row = next(r for r in queries.distribution_overview(tree.town_a, TODAY) if r["village"] == tree.village_a1)
    report = figures_for([tree.village_a1.pk], month_period(TODAY.year, TODAY.month))[tree.village_a1.pk]
    assert (
        (row["collected_children"], row["packs"]) == (report["collected_children"], report["packs_issued"]) == (2, 60)
    )
    client.force_login(tree.township_officer)
    page = client.get("/distribution/").content.decode()
    assert "大寨村卫生室" in page and ">60<" in page
