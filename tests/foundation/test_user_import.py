"""Bulk import of users (批量导入用户): through create_user, all or nothing, audited, scoped."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from jiceng.accounts import bulk_import
from jiceng.accounts.access import AccessDenied
from jiceng.accounts.models import User
from jiceng.audit.models import AuditEntry

HEADERS = ["用户名", "姓名", "角色", "单位代码", "手机号", "初始密码"]
GOOD = [
    ["cunyi_yanjiao", "岩脚村医", "村医", "522799100202", "138 1234 5678", "Yanjiao@2026"],
    ["xz_officer_lj", "龙井管理员", "卫生院项目管理员", "522799101000", "", ""],  # 12-digit code, generated password
    ["fybj2", "妇幼二", "county_mch", 522799902, None, None],  # stored role value, number cell
]


def xlsx(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "用户"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers, rows, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


def messages(result) -> str:
    return "\n".join(str(e) for e in result.errors)


def state():
    return User.objects.count(), AuditEntry.objects.filter(action="user.create").count()


def test_good_import_creates_users_through_the_action(tree):
    result = bulk_import.import_users(tree.admin, xlsx(HEADERS, GOOD), filename="用户.xlsx")
    assert result.ok, messages(result)
    assert result.summary() == "用户导入完成：新建 3 个用户（其中 2 个的初始密码由系统生成）"
    doctor = User.objects.get(username="cunyi_yanjiao")
    assert (doctor.full_name, doctor.role, doctor.unit, doctor.phone) == (
        "岩脚村医",
        "village_doctor",
        tree.village_a2,
        "13812345678",
    )
    assert doctor.password.startswith("argon2$") and doctor.check_password("Yanjiao@2026")
    officer = User.objects.get(username="xz_officer_lj")
    assert (officer.role, officer.unit) == ("township_officer", tree.town_b)
    generated = {c.username: c.generated_password for c in result.created}
    assert generated["cunyi_yanjiao"] is None
    assert officer.check_password(generated["xz_officer_lj"])
    assert len(generated["fybj2"]) == 12
    assert User.objects.get(username="fybj2").unit == tree.mch
    entries = AuditEntry.objects.filter(action="user.create", actor=tree.admin)
    assert sorted(e.after["username"] for e in entries) == ["cunyi_yanjiao", "fybj2", "xz_officer_lj"]
    assert all(generated["xz_officer_lj"] not in str(e.after) for e in AuditEntry.objects.all())
    log = AuditEntry.objects.get(action="user.import")
    assert log.after == {"rows": 3, "created": 3, "errors": 0}


def test_csv_in_gbk_with_other_header_names(tree):
    headers = ["账号", "姓名", "角色", "所属单位代码"]
    rows = [["cunyi_gaopo", "高坡村医", "村医", "522799101201"]]
    result = bulk_import.import_users(tree.admin, csv_bytes(headers, rows, "gbk"), filename="users.csv")
    assert result.ok, messages(result)
    assert User.objects.get(username="cunyi_gaopo").unit == tree.village_b1


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["cunyi", "重名", "村医", "522799100202", "", ""], "第3行 用户名(A列)：用户名 cunyi 已存在"),
        (["cunyi_yanjiao", "重复", "村医", "522799100202", "", ""], "第3行 用户名(A列)：与第2行的用户名重复"),
        (["bad name", "空格", "村医", "522799100202", "", ""], "第3行 用户名(A列)：“bad name”含有不允许的字符"),
        (
            ["cunyi_x", "外县", "卫生院项目管理员", "522798100", "", ""],
            "第3行 单位代码(D列)：单位代码 522798100 不存在或不在您的管辖范围内",
        ),
        (["cunyi_x", "无此村", "村医", "522799100299", "", ""], "单位代码 522799100299 不存在或不在您的管辖范围内"),
        (["cunyi_x", "错层级", "村医", "522799100", "", ""], "第3行 单位代码(D列)：村医只能属于村/社区级单位"),
        (["cunyi_x", "无角色", "院长", "522799100202", "", ""], "第3行 角色(C列)：应为村医、卫生院项目管理员"),
        (["cunyi_x", "弱密码", "村医", "522799100202", "", "password1"], "第3行 初始密码(F列)："),
        (["cunyi_x", "坏电话", "村医", "522799100202", "12345", ""], "第3行 手机号(E列)：应为11位手机号"),
        (["cunyi_x", "坏\x00名", "村医", "522799100202", "", ""], "第3行 姓名(B列)：含有不可见的控制字符（U+0000"),
        (["cunyi_x", "", "村医", "522799100202", "", ""], "第3行 姓名(B列)：必填，不能为空"),
        (["cunyi_x", "短码", "村医", "5227991002", "", ""], "第3行 单位代码(D列)：应为12位统计用区划代码"),
    ],
    ids=[
        "existing-username",
        "duplicate-in-file",
        "bad-username",
        "unit-outside-scope",
        "unit-unknown",
        "role-for-level",
        "unknown-role",
        "weak-password",
        "bad-phone",
        "nul-byte",
        "blank-name",
        "bad-code",
    ],
)
def test_bad_rows_are_reported_in_chinese_and_nothing_is_saved(tree, row, expected):
    before = state()
    result = bulk_import.import_users(tree.admin, csv_bytes(HEADERS, [GOOD[0], row]))
    assert not result.ok
    assert expected in messages(result), messages(result)
    assert state() == before
    assert not User.objects.filter(username="cunyi_yanjiao").exists()
    assert AuditEntry.objects.get(action="user.import").after["created"] == 0


def test_weak_password_message_is_chinese(tree):
    result = bulk_import.import_users(
        tree.admin, csv_bytes(HEADERS, [["cunyi_x", "甲", "村医", "522799100202", "", "abcdefgh"]])
    )
    text = messages(result)
    assert "密码须包含大写字母、小写字母、数字、符号中的至少三类" in text and "第2行 初始密码(F列)" in text


def test_unreadable_and_oversized_files(tree):
    assert "不是有效的 Excel .xlsx 文件" in messages(
        bulk_import.import_users(tree.admin, b"nonsense", filename="u.xlsx")
    )
    big = b"x" * (bulk_import.MAX_BYTES + 1)
    assert "文件过大" in messages(bulk_import.import_users(tree.admin, big, filename="u.csv"))
    lines = "\n".join(
        ["用户名,姓名,角色,单位代码"] + [f"u{n},甲,村医,522799100202" for n in range(bulk_import.MAX_ROWS + 1)]
    )
    result = bulk_import.import_users(tree.admin, lines.encode(), filename="u.csv")
    assert f"行数超过 {bulk_import.MAX_ROWS} 行" in messages(result)
    assert not User.objects.filter(username="u0").exists()


def test_only_administrators_may_import_users(tree):
    for user in (tree.county_mch, tree.township_reviewer, tree.village_doctor):
        with pytest.raises(AccessDenied, match="只有系统管理员可以导入用户"):
            bulk_import.import_users(user, csv_bytes(HEADERS, GOOD[:1]))
    assert not User.objects.filter(username="cunyi_yanjiao").exists()


def test_generated_passwords_meet_the_rules():
    from django.contrib.auth.password_validation import validate_password

    passwords = {bulk_import.generate_password() for _ in range(20)}
    assert len(passwords) == 20
    for password in passwords:
        validate_password(password)


# ---------------------------------------------------------------- CLI


def test_cli_import_prints_summary_and_generated_passwords(tree, tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(csv_bytes(HEADERS, GOOD))
    out = io.StringIO()
    call_command("users", "import", str(path), "--user", "admin", stdout=out)
    text = out.getvalue()
    assert "用户导入完成：新建 3 个用户（其中 2 个的初始密码由系统生成）" in text
    line = next(line for line in text.splitlines() if "xz_officer_lj" in line)
    assert User.objects.get(username="xz_officer_lj").check_password(line.rsplit(" ", 1)[1])


def test_cli_import_failure_exits_1(tree, tmp_path):
    path = tmp_path / "users.csv"
    path.write_bytes(csv_bytes(HEADERS, [GOOD[0], ["cunyi", "重名", "村医", "522799100202", "", ""]]))
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("users", "import", str(path), "--user", "admin", stderr=err)
    assert exc.value.returncode == 1 and "整个文件未导入" in str(exc.value)
    assert "第3行 用户名(A列)：用户名 cunyi 已存在" in err.getvalue()
    assert not User.objects.filter(username="cunyi_yanjiao").exists()
    with pytest.raises(CommandError, match="只有系统管理员可以导入用户"):
        call_command("users", "import", str(path), "--user", "xz_reviewer")


def test_cli_exit_codes_from_the_command_line(tree, tmp_path, monkeypatch, capsys):
    from django.core.management import base, execute_from_command_line

    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(HEADERS, [["cunyi", "重名", "村医", "522799100202", "", ""]]))
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["jiceng", "users", "--skip-checks", "import", str(bad), "--user", "admin"])
    assert exc.value.code == 1
    assert "用户名 cunyi 已存在" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(HEADERS, GOOD[:1]))
    execute_from_command_line(["jiceng", "users", "--skip-checks", "import", str(good), "--user", "admin"])
    assert "新建 1 个用户" in capsys.readouterr().out


def test_cli_template(tree, tmp_path):
    path = tmp_path / "users.xlsx"
    call_command("users", "template", "--out", str(path), "--user", "admin")
    book = load_workbook(path)
    assert [c.value for c in book["用户"][1]] == HEADERS
    assert book.sheetnames == ["用户", "填写说明", "单位与角色"]


# ---------------------------------------------------------------- pages


def test_admin_imports_users_on_the_page(client, tree):
    client.force_login(tree.admin)
    assert client.get("/users/import/").status_code == 200
    template = client.get("/users/import/template.xlsx")
    assert template.status_code == 200 and "attachment" in template["Content-Disposition"]
    reference = load_workbook(io.BytesIO(template.content))["单位与角色"]
    assert ("522799100202", "岩脚村", "村/社区", "村医") in list(reference.iter_rows(min_row=2, values_only=True))

    bad = SimpleUploadedFile(
        "users.csv", csv_bytes(HEADERS, [GOOD[0], ["cunyi", "重名", "村医", "522799100202", "", ""]])
    )
    page = client.post("/users/import/", {"file": bad}).content.decode()
    assert "整个文件未导入" in page and "用户名 cunyi 已存在" in page
    assert not User.objects.filter(username="cunyi_yanjiao").exists()

    good = SimpleUploadedFile("users.xlsx", xlsx(HEADERS, GOOD))
    response = client.post("/users/import/", {"file": good})
    page = response.content.decode()
    assert "新建 3 个用户" in page and response["Cache-Control"] == "no-store"
    generated = next(c for c in User.objects.filter(username="xz_officer_lj"))
    assert generated.unit == tree.town_b
    assert "只显示这一次" in page


def test_user_import_pages_are_404_for_other_roles(client, tree):
    for user in (tree.village_doctor, tree.county_bureau):
        client.force_login(user)
        upload = SimpleUploadedFile("u.csv", csv_bytes(HEADERS, GOOD[:1]))
        assert client.get("/users/import/").status_code == 404
        assert client.post("/users/import/", {"file": upload}).status_code == 404
        assert client.get("/users/import/template.xlsx").status_code == 404
    assert not User.objects.filter(username="cunyi_yanjiao").exists()
