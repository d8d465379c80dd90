"""Families, encrypted numbers and the review chain of one year's enrolment (declare → village → township
→ county), with the bad input of issue 15."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.http import Http404

from jiceng.accounts.access import AccessDenied
from jiceng.audit.models import AuditEntry
from jiceng.benefits import actions, fieldkeys, queries
from jiceng.benefits.models import Enrolment, Family, Person
from jiceng.errors import Conflict, DomainError
from jiceng.standards.idnumber import make_id_number

D = dt.date
GOOD_ID = make_id_number("522799", D(1972, 4, 1), 1, "F")


def _mother(family: Family) -> Person:
    return family.people.get(role="mother")


def test_numbers_are_stored_encrypted_and_found_by_their_keyed_hash(tree, tefu_family):
    family = tefu_family()
    mother = _mother(family)
    number = make_id_number("522799", D(1972, 4, 1), 1, "F")
    assert mother.id_number == number and mother.bank_account == "6223000000000000001"
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_token, id_number_hash, bank_account_token FROM benefits_person")
        rows = cursor.fetchall()
    stored = " ".join(" ".join(row) for row in rows)
    assert number not in stored and "6223000000000000001" not in stored
    found = Person.objects.get(id_number_hash=fieldkeys.current().search_hash(number.lower()))
    assert found == mother


def test_numbers_are_masked_except_for_the_role_that_pays(tree, tefu_family):
    mother = _mother(tefu_family())
    assert queries.numbers_for(tree.county_bureau, mother) == (mother.id_number, mother.bank_account)
    for user in (tree.village_doctor, tree.township_officer, tree.township_reviewer, tree.county_mch):
        id_number, account = queries.numbers_for(user, mother)
        assert id_number == mother.id_number[:6] + "********" + mother.id_number[-4:]
        assert account == "6223***********0001"
    entry = AuditEntry.objects.get(action="benefit.family_register")
    assert mother.id_number not in str(entry.after) and "*" in str(entry.after)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id_number": GOOD_ID[:-1] + ("1" if GOOD_ID[-1] != "1" else "2")}, "校验位"),
        ({"birth_date": D(1972, 4, 2)}, "与登记的出生日期 1972-04-02 不一致"),
        ({"sex": "M"}, "性别"),
        ({"name": "龙\x00秀英"}, "控制字符"),
        ({"name": "龙" * 51}, "不能超过50个字"),
        ({"bank_account": "6223-abc"}, "银行账号"),
        ({"birth_date": D(2999, 1, 1)}, "不在"),
    ],
)
def test_bad_person_input_is_refused_in_chinese_and_nothing_is_saved(tree, change, message):
    person = actions.PersonInput(
        role="mother",
        name="龙秀英",
        sex="F",
        birth_date=D(1972, 4, 1),
        id_number=make_id_number("522799", D(1972, 4, 1), 1, "F"),
    )
    for key, value in change.items():
        setattr(person, key, value)
    data = actions.FamilyInput(village_code=tree.village_a1.code, people=[person])
    with pytest.raises(DomainError) as caught:
        actions.register_family(tree.village_doctor, data)
    assert any(message in text for text in caught.value.messages), caught.value.messages
    assert not Family.objects.exists() and not Person.objects.exists()


def test_an_id_number_already_registered_is_refused(tree, tefu_family):
    tefu_family()
    with pytest.raises(DomainError, match="已登记"):
        tefu_family()
    assert Family.objects.count() == 1


def test_a_village_doctor_registers_only_in_their_village(tree, tefu_family):
    with pytest.raises(Http404):
        tefu_family(village=tree.village_b1)
    with pytest.raises(AccessDenied):
        tefu_family(user=tree.county_mch)


def test_the_yearly_cycle_names_each_reviewer(tree, tefu_family):
    mother = _mother(tefu_family())
    enrolment = actions.declare(tree.village_doctor, mother, "特扶", 2026)
    assert enrolment.eligible and enrolment.category == "死亡" and enrolment.per_month == 170
    assert "符合条件,每人每月170元" in enrolment.rules_says
    enrolment = actions.village_check(tree.village_doctor, enrolment, version=enrolment.version)
    enrolment = actions.township_review(tree.township_reviewer, enrolment, version=enrolment.version)
    enrolment = actions.approve(tree.county_bureau, enrolment, version=enrolment.version)
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.APPROVED
    assert (enrolment.village_checked_by, enrolment.township_reviewed_by, enrolment.approved_by) == (
        tree.village_doctor,
        tree.township_reviewer,
        tree.county_bureau,
    )
    actions_written = list(AuditEntry.objects.filter(action__startswith="benefit.").values_list("action", flat=True))
    for code in ("benefit.declare", "benefit.village_check", "benefit.township_review", "benefit.approve"):
        assert code in actions_written


def test_a_person_declared_twice_in_one_scheme_and_year_is_refused(tree, tefu_family):
    mother = _mother(tefu_family())
    actions.declare(tree.village_doctor, mother, "特扶", 2026)
    with pytest.raises(DomainError, match="已申报2026年特扶"):
        actions.declare(tree.township_officer, mother, "特扶", 2026)
    assert Enrolment.objects.count() == 1
    actions.declare(tree.village_doctor, mother, "特扶", 2027)  # next year is another declaration


def test_return_needs_a_reason_and_goes_back_to_the_village(tree, tefu_family):
    mother = _mother(tefu_family())
    enrolment = actions.declare(tree.village_doctor, mother, "特扶", 2026)
    enrolment = actions.village_check(tree.village_doctor, enrolment)
    with pytest.raises(DomainError, match="退回原因"):
        actions.return_enrolment(tree.township_reviewer, enrolment, "  ")
    returned = actions.return_enrolment(tree.township_reviewer, enrolment, "子女死亡证明未上传")
    assert returned.state == Enrolment.State.RETURNED and returned.returned_by == tree.township_reviewer
    assert returned.return_reason == "子女死亡证明未上传"
    again = actions.village_check(tree.village_doctor, returned)
    assert again.state == Enrolment.State.VILLAGE_CHECKED


def test_a_stale_page_is_told_who_acted_first(tree, tefu_family):
    mother = _mother(tefu_family())
    enrolment = actions.declare(tree.village_doctor, mother, "特扶", 2026)
    seen = enrolment.version
    actions.village_check(tree.village_doctor, enrolment, version=seen)
    with pytest.raises(Conflict, match="王村医已先处理"):
        actions.return_enrolment(tree.village_doctor, enrolment, "重复", version=seen)


def test_steps_are_refused_to_the_wrong_role_and_outside_the_subtree(tree, tefu_family):
    mother = _mother(tefu_family())
    enrolment = actions.declare(tree.village_doctor, mother, "特扶", 2026)
    with pytest.raises(AccessDenied):
        actions.township_review(tree.village_doctor, enrolment)
    with pytest.raises(Http404):
        actions.village_check(tree.village_doctor_b, enrolment)
    enrolment = actions.village_check(tree.village_doctor, enrolment)
    with pytest.raises(Http404):
        actions.township_review(tree.township_reviewer_b, enrolment)
    with pytest.raises(Conflict, match="村已初审"):
        actions.approve(tree.county_bureau, enrolment)


def test_approving_against_the_rules_needs_a_reason(tree, tefu_family):
    mother = _mother(tefu_family(mother_birth=D(1980, 4, 1)))  # 46 in 2026: 「女方年满49周岁」 fails
    enrolment = actions.declare(tree.village_doctor, mother, "特扶", 2026)
    assert not enrolment.eligible and "女方年满49周岁" in enrolment.rules_says
    enrolment = actions.township_review(tree.township_reviewer, actions.village_check(tree.village_doctor, enrolment))
    with pytest.raises(DomainError, match="如仍审批须填写理由"):
        actions.approve(tree.county_bureau, enrolment)
    approved = actions.approve(tree.county_bureau, enrolment, reason="县计生协会复核:户籍出生日期有误,已更正")
    assert approved.override_reason.startswith("县计生协会复核")


@pytest.mark.parametrize("year", [1999, 2101, True])
def test_an_impossible_year_is_refused(tree, tefu_family, year):
    mother = _mother(tefu_family())
    with pytest.raises(DomainError, match="年度"):
        actions.declare(tree.village_doctor, mother, "特扶", year)


def test_a_missing_field_key_stops_the_server_in_production(tmp_path):
    env = {
        **os.environ,
        "JICENG_PRODUCTION": "1",
        "JICENG_SECRET_KEY": "k7Vq2mZp9XrT4bWn8HcJ1dLf6GsY3aUe5RiO0tKvQ-xN_yEw2pM9jB4hC7gD1fA8zS",
        "JICENG_DATA_DIR": str(tmp_path),
    }
    env.pop("JICENG_FIELD_KEYS", None)
    env.pop("JICENG_FIELD_HASH_KEY", None)
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "jiceng.cli", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "JICENG_FIELD_KEYS is not set" in result.stderr and "拒绝启动" in result.stderr
    env["JICENG_FIELD_KEYS"] = "not-a-key"
    env["JICENG_FIELD_HASH_KEY"] = "h" * 40
    result = subprocess.run([sys.executable, "-m", "jiceng.cli", "check"], env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "is not a Fernet key" in result.stderr
    assert not (tmp_path / "field-keys.json").exists()  # production never writes a key file


def test_outside_production_a_key_file_is_made_once_under_the_data_directory(tmp_path):
    first = fieldkeys.load({}, tmp_path, production=False)
    second = fieldkeys.load({}, tmp_path, production=False)
    assert (tmp_path / "field-keys.json").stat().st_mode & 0o777 == 0o600
    assert second.decrypt(first.encrypt("522799197204010023")) == "522799197204010023"
    assert first.search_hash("x") == second.search_hash("X")


def test_the_cli_roster_is_scoped_masked_for_non_payers_and_logged(tree, tefu_family, capsys):
    from django.core.management import call_command

    mother = _mother(tefu_family())
    actions.declare(tree.village_doctor, mother, "特扶", 2026)
    call_command("benefits", "roster", "--year", "2026", "--user", "xz_reviewer", "--json")
    masked = capsys.readouterr().out
    assert mother.name in masked and mother.id_number not in masked and mother.id_number[-4:] in masked
    call_command("benefits", "roster", "--year", "2026", "--user", "wjj", "--json")
    assert mother.id_number in capsys.readouterr().out
    call_command("benefits", "roster", "--year", "2026", "--user", "cunyi_b")
    assert "共 0 人" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="export.benefit_roster").count() == 3


def test_rotate_keys_rewrites_every_token_under_the_newest_key(tree, tefu_family, monkeypatch, capsys):
    from django.core.management import call_command

    mother = _mother(tefu_family())
    number, token = mother.id_number, mother.id_number_token
    old = fieldkeys.current()
    new_key = Fernet.generate_key()
    rotated = fieldkeys.FieldKeys(fieldkeys.MultiFernet([Fernet(new_key), *old.fernet._fernets]), old.hash_key, 2)
    monkeypatch.setattr(fieldkeys, "_current", rotated)
    call_command("benefits", "rotate-keys")
    assert "重新加密 2 人" in capsys.readouterr().out
    mother.refresh_from_db()
    assert mother.id_number_token != token
    assert Fernet(new_key).decrypt(mother.id_number_token.encode()).decode() == number
