"""The year's figures (roster, 新增, 退出, persons and amount paid, 兑现率) and the seed-004 sentence."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.core.management import call_command

from jiceng.benefits import actions, figures, payments
from jiceng.benefits.models import Payment
from jiceng.standards.idnumber import make_id_number

from .test_notice_and_payment import approved, noticed

D = dt.date


def test_amounts_are_written_in_wan_like_seed_004():
    assert [figures.wan(Decimal(v)) for v in (785280, 1476480, 8400, 531000, 960)] == [
        "78.528",
        "147.648",
        "0.84",
        "53.1",
        "0.096",
    ]


def _scenario(tree, tefu_family):
    family = tefu_family()
    mother, father = approved(tree, family)
    data = actions.FamilyInput(
        village_code=tree.village_a1.code,
        people=[
            actions.PersonInput(
                "father", "罗老汉", "M", D(1950, 6, 1), make_id_number("522799", D(1950, 6, 1), 7, "M"),
                bank_account="6223000011112222333",
            )
        ],
        children=[actions.ChildInput("罗妹", "F", D(1978, 1, 1))],
    )  # fmt: skip
    (jiangfu,) = approved(tree, actions.register_family(tree.village_doctor, data), scheme="奖扶")
    noticed(tree)
    payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3)
    payments.create_batch(tree.county_bureau, "奖扶", 2026, 1, 12)
    Payment.objects.update(status=Payment.Status.PAID)  # as if the bank's return file said so
    Payment.objects.filter(enrolment=jiangfu).update(status=Payment.Status.FAILED, failure_reason="账户已销户")
    actions.record_exit(tree.village_doctor, father.person, "death", D(2026, 2, 10))
    return mother, father, jiangfu


def test_the_years_figures_and_sentence(tree, tefu_family):
    _scenario(tree, tefu_family)
    by_scheme = {f.scheme: f for f in figures.year_figures(tree.county, 2026)}
    tefu, jiangfu = by_scheme["特扶"], by_scheme["奖扶"]
    assert (tefu.roster, tefu.new, tefu.died, tefu.paid_people, tefu.paid_amount) == (2, 2, 1, 2, Decimal("1020.00"))
    assert tefu.fulfilment == Decimal("100.00")
    assert (jiangfu.roster, jiangfu.new, jiangfu.paid_people, jiangfu.paid_amount) == (1, 1, 0, Decimal(0))
    assert jiangfu.fulfilment == Decimal("0.00")
    assert figures.sentence(tree.county, 2026) == (
        "2026年农村部分计划生育家庭奖励扶助新增1人、死亡0人,完成0人0万元的奖励金发放;"
        "2026年特别扶助新增2人、死亡1人,完成2人0.102万元的奖励金发放,四项制度奖励金全部通过\u201c一卡通\u201d发放。"
    )
    assert all(f.roster == 0 for f in figures.year_figures(tree.village_b1, 2026))
    assert figures.sentence(tree.village_b1, 2026) == ""


def test_the_roster_page_and_the_cli_show_the_figures(client, tree, tefu_family, capsys):
    _scenario(tree, tefu_family)
    client.force_login(tree.township_reviewer)
    page = client.get("/benefits/?year=2026").content.decode()
    assert "2026年特别扶助新增2人、死亡1人,完成2人0.102万元的奖励金发放" in page
    call_command("benefits", "figures", "--year", "2026", "--user", "wjj", "--json")
    body = json.loads(capsys.readouterr().out)
    tefu = next(s for s in body["schemes"] if s["scheme"] == "特扶")
    assert tefu["paid_amount"] == "1020.00" and tefu["fulfilment"] == "100.00" and body["unit"] == "522799"
    call_command("benefits", "figures", "--year", "2026", "--user", "cunyi_b")
    assert "特扶: 名册0人" in capsys.readouterr().out
