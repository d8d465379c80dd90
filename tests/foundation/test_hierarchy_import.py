"""Import of the hierarchy (组织机构导入): 统计用区划代码 files, all or nothing, audited, scoped."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from jiceng.accounts.access import AccessDenied
from jiceng.audit.models import AuditEntry
from jiceng.orgunits import importing
from jiceng.orgunits.models import OrgUnit, UnitDenominator

HEADERS = ["统计用区划代码", "名称", "城乡分类代码", "海拔(米)", "年份", "常住人口", "6-36月龄儿童估计数"]
# A new township (its 12-digit code) with two villages, listed child first, and the county institution.
NEW_TOWN = [
    ["522799102201", "坝子村", "220", 1500, 2026, 1800, 60],
    ["522799102000", "新寨乡", "210", 1400, 2026, 3500, 120],
    ["522799102202", "河边村", "220", 1350, 2026, 1700, 55],
]


def xlsx(headers, rows, title="组织机构") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
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


def counts():
    return (
        OrgUnit.objects.count(),
        UnitDenominator.objects.count(),
        AuditEntry.objects.filter(action__in=["unit.create", "unit.update", "unit.denominator"]).count(),
    )


def messages(result) -> str:
    return "\n".join(str(e) for e in result.errors)


# ---------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("raw", "code", "level"),
    [
        ("522799100201", "522799100201", "village"),
        ("522799100000", "522799100", "township"),
        ("522799000000", "522799", "county"),
        ("522700000000", "522700", "city"),
        ("520000000000", "520000", "province"),
        ("522799100", "522799100", "township"),
        ("522799", "522799", "county"),
        (522799100201, "522799100201", "village"),  # a number cell in Excel
        (522799100201.0, "522799100201", "village"),
    ],
)
def test_division_codes_are_read_as_the_system_stores_them(raw, code, level):
    assert importing.parse_division_code(raw) == (code, level)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("52279910020", "实际为11位"),
        ("5227991002AB", "只能由数字0-9组成"),
        ("５２２７９９１００２０１", "只能由数字0-9组成"),  # full-width digits
        ("522799000201", "第7-9位（乡级）不能为000"),
        ("000000", "前2位（省级）不能为00"),
    ],
)
def test_bad_division_codes_are_refused_in_chinese(raw, message):
    with pytest.raises(ValueError, match=message):
        importing.parse_division_code(raw)


# ---------------------------------------------------------------- good imports


def test_good_import_creates_the_tree_with_denominators_and_audit(tree):
    result = importing.import_units(tree.admin, xlsx(HEADERS, NEW_TOWN), filename="新寨乡.xlsx")
    assert result.ok, messages(result)
    assert result.summary() == "组织机构导入完成：新建 3 个单位，更新 0 个，未变 0 个"
    town = OrgUnit.objects.get(code="522799102")
    assert (town.name, town.level, town.kind, town.parent, town.altitude_m) == (
        "新寨乡",
        "township",
        "township_hc",
        tree.county,
        1400,
    )
    village = OrgUnit.objects.get(code="522799102201")
    assert (village.level, village.kind, village.parent, village.path) == (
        "village",
        "village_clinic",
        town,
        "520000/522700/522799/522799102/522799102201/",
    )
    assert village.depth == 4
    assert {(d.unit.code, d.year, d.key, d.value) for d in UnitDenominator.objects.filter(unit__parent=town)} == {
        ("522799102201", 2026, "resident_population", 1800),
        ("522799102201", 2026, "children_6_36_months", 60),
        ("522799102202", 2026, "resident_population", 1700),
        ("522799102202", 2026, "children_6_36_months", 55),
    }
    created = AuditEntry.objects.filter(action="unit.create")
    assert sorted(created.values_list("object_repr", flat=True)) == [
        "坝子村(522799102201)",
        "新寨乡(522799102)",
        "河边村(522799102202)",
    ]
    assert AuditEntry.objects.filter(action="unit.denominator").count() == 6
    assert all(e.actor == tree.admin for e in created)
    log = AuditEntry.objects.get(action="unit.import")
    assert log.after == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "errors": 0}
    assert log.unit == tree.county


def test_county_institutions_and_header_variants(tree):
    """Columns in another order, a title line above the header, other header names, 类型 for institutions."""
    headers = ["名称", "类型", "单位代码", "海拔（米）", "年度", "目标人口"]
    rows = [
        ["清溪县疾病预防控制中心", "县卫生健康局", "522799903", 900, 2026, None],
        ["新寨乡", "", "522799102", 1400, 2026, 120],
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026年清溪县统计用区划代码"])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = importing.import_units(tree.admin, buffer.getvalue())
    assert result.ok, messages(result)
    bureau = OrgUnit.objects.get(code="522799903")
    assert (bureau.level, bureau.kind, bureau.parent) == ("county", "health_bureau", tree.county)
    town = OrgUnit.objects.get(code="522799102")
    assert town.denominators.get().key == "children_6_36_months"


def test_the_downloaded_template_filled_in_imports(client, tree):
    client.force_login(tree.admin)
    book = load_workbook(io.BytesIO(client.get("/units/import/template.xlsx").content))
    sheet = book["组织机构"]
    headers = [c.value for c in sheet[1]]
    for number, values in enumerate(
        [
            {"统计用区划代码": "522799102000", "名称": "新寨乡", "海拔(米)": 1400},
            {"统计用区划代码": "522799102201", "名称": "坝子村", "年份": 2026, "常住人口": 1800},
            # an existing county institution, as listed on the 现有单位 sheet: blank 类型 keeps it as it is
            {"统计用区划代码": "522799902", "名称": "清溪县妇幼保健中心", "海拔(米)": 910},
        ],
        start=2,
    ):
        for header, value in values.items():
            sheet.cell(row=number, column=headers.index(header) + 1, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    result = importing.import_units(tree.admin, buffer.getvalue(), filename="模板.xlsx")
    assert result.ok, messages(result)
    assert (result.created, result.updated) == (["522799102", "522799102201"], ["522799902"])
    tree.mch.refresh_from_db()
    assert (tree.mch.kind, tree.mch.altitude_m) == ("mch_centre", 910)


def test_reimport_updates_by_code_and_keeps_blank_cells(tree):
    first = importing.import_units(tree.admin, csv_bytes(HEADERS, NEW_TOWN))
    assert first.ok, messages(first)
    changed = [
        ["522799102201", "坝子村", "220", None, 2026, 1850, None],  # population changed; blanks keep values
        ["522799102000", "新寨镇", "", 1400, 2026, 3500, 120],  # renamed
        ["522799102202", "河边村", "", 1350, 2026, 1700, 55],  # unchanged
        ["522799102202", "河边村", "", None, 2025, 1650, 50],  # another year of the same unit
        ["522799102203", "新村", "", 1600, 2026, 900, 30],  # new
        ["522799100201", "大寨村", "", 1260, None, None, None],  # an existing unit of the fixture: altitude
    ]
    # A CSV saved by Excel on Chinese Windows is GBK.
    result = importing.import_units(tree.admin, csv_bytes(HEADERS, changed, "gbk"), filename="清溪县.csv")
    assert result.ok, messages(result)
    assert result.created == ["522799102203"]
    assert sorted(result.updated) == ["522799100201", "522799102", "522799102201", "522799102202"]
    assert result.summary() == "组织机构导入完成：新建 1 个单位，更新 4 个，未变 0 个"
    village = OrgUnit.objects.get(code="522799102201")
    assert village.altitude_m == 1500
    assert village.denominators.get(year=2026, key="resident_population").value == 1850
    assert village.denominators.get(year=2026, key="children_6_36_months").value == 60
    assert OrgUnit.objects.get(code="522799102").name == "新寨镇"
    assert OrgUnit.objects.get(code="522799102202").denominators.filter(year=2025).count() == 2
    tree.village_a1.refresh_from_db()
    assert tree.village_a1.altitude_m == 1260
    rename = AuditEntry.objects.get(action="unit.update", object_id=str(OrgUnit.objects.get(code="522799102").pk))
    assert rename.before["name"] == "新寨乡" and rename.after["name"] == "新寨镇"
    population = AuditEntry.objects.filter(action="unit.denominator", object_repr__contains="2026 resident_population")
    assert population.filter(before__value=1800).count() == 1

    again = importing.import_units(tree.admin, csv_bytes(HEADERS, changed, "gbk"))
    assert again.ok and again.created == [] and again.updated == []
    assert len(again.unchanged) == 5


# ---------------------------------------------------------------- bad input: nothing saved


GOOD = ["522799102000", "新寨乡", "210", 1400, 2026, 3500, 120]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [GOOD, ["522799109201", "无主村", "220", 1500, 2026, 100, 5]],
            "第3行 统计用区划代码(A列)：上级单位代码 522799109 不存在",
        ),
        (
            [GOOD, ["52279910220", "短码村", "220", 1500, 2026, 100, 5]],
            "第3行 统计用区划代码(A列)：应为12位统计用区划代码",
        ),
        ([GOOD, ["5227991022O1", "字母村", "220", 1500, 2026, 100, 5]], "只能由数字0-9组成"),
        ([GOOD, GOOD], "第3行 统计用区划代码(A列)：代码 522799102 与第2行重复"),
        (
            [GOOD, ["522799102201", "高山村", "220", 7000, 2026, 100, 5]],
            "第3行 海拔(米)(D列)：应在0至6000米之间，实际为 7000",
        ),
        ([GOOD, ["522799102201", "低谷村", "220", -5, 2026, 100, 5]], "应在0至6000米之间，实际为 -5"),
        (
            [GOOD, ["522799102201", "坝子村", "220", 1500, None, 100, 5]],
            "第3行 年份(E列)：填写了年度基数时必须填写年份",
        ),
        (
            [GOOD, ["522799102201", "坝子村", "999", 1500, 2026, 100, 5]],
            "第3行 城乡分类代码(C列)：应为3位城乡分类代码之一",
        ),
        ([GOOD, ["522799102201", "坝子村", "220", 1500, 2026, "很多", 5]], "第3行 常住人口(F列)：应为整数"),
        ([GOOD, ["522799102201", "", "220", 1500, 2026, 100, 5]], "第3行 名称(B列)：必填，不能为空"),
        (
            [GOOD, ["522799102201", "坝子\x00村", "220", 1500, 2026, 100, 5]],
            "第3行 名称(B列)：含有不可见的控制字符（U+0000",
        ),
        ([GOOD, ["522799102201", "坝子\u200b村", "220", 1500, 2026, 100, 5]], "控制字符（U+200B"),
        (
            [GOOD, ["522799101", "龙井镇", "", 2100, 2026, 100, 5], ["522799101", "龙井镇", "", 2100, 2026, 100, 5]],
            "与第3行重复",
        ),
    ],
    ids=[
        "unknown-parent",
        "code-length",
        "code-digits",
        "duplicate-code",
        "altitude-high",
        "altitude-negative",
        "denominator-without-year",
        "urban-rural-code",
        "denominator-not-a-number",
        "blank-name",
        "nul-byte",
        "zero-width",
        "duplicate-existing",
    ],
)
def test_bad_rows_are_reported_in_chinese_and_nothing_is_saved(tree, rows, expected):
    before = counts()
    result = importing.import_units(tree.admin, csv_bytes(HEADERS, rows))
    assert not result.ok
    assert expected in messages(result)
    assert "整个文件未导入" in result.summary()
    assert counts() == before
    assert not OrgUnit.objects.filter(code="522799102").exists()
    log = AuditEntry.objects.get(action="unit.import")
    assert log.after["created"] == 0 and log.after["errors"] >= 1


def test_control_characters_in_an_xlsx_name_are_refused(tree):
    before = counts()
    result = importing.import_units(
        tree.admin, xlsx(HEADERS, [GOOD, ["522799102201", "坝子\n村", "", 1500, 2026, 1, 1]])
    )
    assert "第3行 名称(B列)：含有不可见的控制字符（U+000A" in messages(result)
    assert counts() == before


def test_every_error_of_the_file_is_listed(tree):
    rows = [
        ["522799102201", "坝子村", "220", 9000, 2026, 100, 5],
        ["12345", "短码村", "", 1500, 2026, 100, 5],
        ["522799102202", "河边村", "", 1500, None, 100, 5],
    ]
    result = importing.import_units(tree.admin, xlsx(HEADERS, rows))
    assert [(e.row, e.letter) for e in result.errors] == [(2, "D"), (3, "A"), (4, "E")]


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"this is not a spreadsheet" * 10, "units.xlsx", "不是有效的 Excel .xlsx 文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "units.xls", "旧版 Excel .xls 文件"),
        (None, "units.xlsx", "不是有效的 Excel .xlsx 文件"),  # a zip that is not a workbook
        (b"\x80\xff\xfe\x81\x00\x01" * 50, "units.csv", "无法读取该文件"),
        (b"", "units.csv", "文件为空"),
        ("名称,海拔(米)\n坝子村,1500\n".encode(), "units.csv", "缺少必需的列“统计用区划代码”"),
        ("统计用区划代码,名称,人口\n522799102201,坝子村,1500\n".encode(), "units.csv", "无法识别的列“人口”"),
        ("统计用区划代码,名称\n".encode(), "units.csv", "文件中没有数据"),
    ],
    ids=["not-xlsx", "old-xls", "zip-not-workbook", "binary", "empty", "missing-column", "unknown-column", "no-rows"],
)
def test_unreadable_files_are_refused(tree, data, filename, expected):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("readme.txt", "hello")
        data = buffer.getvalue()
    before = counts()
    result = importing.import_units(tree.admin, data, filename=filename)
    assert not result.ok and expected in messages(result), messages(result)
    assert counts() == before


def test_file_size_and_row_caps(tree):
    big = b"522799102201," + b"x" * (importing.MAX_BYTES + 10)
    result = importing.import_units(tree.admin, big, filename="big.csv")
    assert "文件过大（超过 5 MB）" in messages(result)
    upload = SimpleUploadedFile("big.csv", big, content_type="text/csv")
    assert "文件过大" in messages(importing.import_units(tree.admin, upload, filename="big.csv"))
    lines = ["统计用区划代码,名称"] + [f"522799102{n:03d},村{n}" for n in range(1, 1000)] * 21
    many = "\n".join(lines[: importing.MAX_ROWS + 2]).encode()
    result = importing.import_units(tree.admin, many, filename="many.csv")
    assert "行数超过 20000 行" in messages(result)
    assert not OrgUnit.objects.filter(code__startswith="522799102").exists()


# ---------------------------------------------------------------- scope


def test_units_outside_the_importers_subtree_are_refused(tree):
    before = counts()
    rows = [
        GOOD,
        ["522798102000", "邻县新乡", "", 1000, None, None, None],  # new, under another county
        ["522798100000", "邻县某乡（改名）", "", 1000, None, None, None],  # exists, in another county
        ["522700000000", "黔南州", "", None, None, None, None],  # the admin's own ancestor
    ]
    result = importing.import_units(tree.admin, csv_bytes(HEADERS, rows))
    text = messages(result)
    assert text.count("不在您的管辖范围内：只能导入清溪县（522799）及其下级单位") == 3
    assert [e.row for e in result.errors] == [3, 4, 5]
    assert counts() == before
    assert OrgUnit.objects.get(code="522798100").name == "邻县某乡"


def test_only_administrators_may_import_units(tree):
    for user in (tree.county_bureau, tree.township_reviewer, tree.village_doctor):
        with pytest.raises(AccessDenied, match="只有系统管理员可以导入组织机构"):
            importing.import_units(user, csv_bytes(HEADERS, [GOOD]))
    assert not OrgUnit.objects.filter(code="522799102").exists()


def test_kind_rules(tree):
    rows = [
        ["522799102000", "新寨乡", "", None, None, None, None, "村卫生室"],
        ["522799100201", "大寨村", "", None, None, None, None, "乡镇卫生院"],
    ]
    result = importing.import_units(tree.admin, csv_bytes([*HEADERS, "类型"], rows))
    text = messages(result)
    assert "第2行 类型(H列)：乡/镇/街道不能是“村卫生室”" in text
    assert "第3行 类型(H列)：村/社区不能是“乡镇卫生院”" in text


# ---------------------------------------------------------------- CLI


def test_cli_import_prints_a_chinese_summary(tree, tmp_path):
    path = tmp_path / "清溪县.xlsx"
    path.write_bytes(xlsx(HEADERS, NEW_TOWN))
    out = io.StringIO()
    call_command("units", "import", str(path), "--user", "admin", stdout=out)
    assert "组织机构导入完成：新建 3 个单位，更新 0 个，未变 0 个" in out.getvalue()
    assert OrgUnit.objects.filter(code__startswith="522799102").count() == 3
    listing = io.StringIO()
    call_command("units", "--json", "--user", "admin", stdout=listing)
    assert "522799102201" in listing.getvalue()


def test_cli_import_failure_exits_1_with_the_errors(tree, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(HEADERS, [GOOD, ["52279910220", "短码村", "", 1500, 2026, 1, 1]]))
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("units", "import", str(path), "--user", "admin", stderr=err)
    assert exc.value.returncode == 1
    assert "发现 1 处错误，整个文件未导入" in str(exc.value)
    assert "第3行 统计用区划代码(A列)：应为12位统计用区划代码" in err.getvalue()
    assert not OrgUnit.objects.filter(code="522799102").exists()
    with pytest.raises(CommandError, match="只有系统管理员"):
        call_command("units", "import", str(path), "--user", "wjj")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("units", "import", str(tmp_path / "missing.csv"), "--user", "admin")


def test_cli_exit_codes_from_the_command_line(tree, tmp_path, monkeypatch, capsys):
    """Through run_from_argv, as the `jiceng` script runs it (its closing of connections is held back,
    since the test's transaction must survive)."""
    from django.core.management import base, execute_from_command_line

    monkeypatch.setattr(base.connections, "close_all", lambda: None)
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(HEADERS, NEW_TOWN))
    bad.write_bytes(csv_bytes(HEADERS, [["12345", "短码村", "", 1, 2026, 1, 1]]))
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["jiceng", "units", "--skip-checks", "import", str(bad), "--user", "admin"])
    assert exc.value.code == 1
    assert "第2行 统计用区划代码(A列)" in capsys.readouterr().err
    execute_from_command_line(["jiceng", "units", "--user", "admin", "--skip-checks", "import", str(good)])
    assert "新建 3 个单位" in capsys.readouterr().out
    execute_from_command_line(["jiceng", "units", "--user", "cunyi", "--json", "--skip-checks"])
    assert '"code": "522799100201"' in capsys.readouterr().out


def test_cli_template(tree, tmp_path):
    path = tmp_path / "template.xlsx"
    call_command("units", "template", "--out", str(path), "--user", "admin")
    book = load_workbook(path)
    assert [c.value for c in book["组织机构"][1]][:2] == ["统计用区划代码", "名称"]


# ---------------------------------------------------------------- pages


def test_admin_imports_units_on_the_page(client, tree):
    client.force_login(tree.admin)
    users_page = client.get("/users/").content.decode()
    assert "/units/import/" in users_page and "/users/import/" in users_page
    assert client.get("/units/import/").status_code == 200
    template = client.get("/units/import/template.xlsx")
    assert template.status_code == 200 and "attachment" in template["Content-Disposition"]
    book = load_workbook(io.BytesIO(template.content))
    assert book.sheetnames == ["组织机构", "填写说明", "现有单位"]
    assert [c.value for c in book["组织机构"][1]] == [c.header for c in importing.COLUMNS]
    assert ("522799100201", "大寨村") in [r[1:3] for r in book["现有单位"].iter_rows(min_row=2, values_only=True)]

    bad = SimpleUploadedFile("bad.csv", csv_bytes(HEADERS, [GOOD, ["1234567", "坏码", "", 1, 2026, 1, 1]]))
    page = client.post("/units/import/", {"file": bad}).content.decode()
    assert "整个文件未导入" in page and "实际为7位" in page
    assert not OrgUnit.objects.filter(code="522799102").exists()

    good = SimpleUploadedFile("新寨乡.xlsx", xlsx(HEADERS, NEW_TOWN))
    page = client.post("/units/import/", {"file": good}).content.decode()
    assert "新建 3 个单位" in page
    assert OrgUnit.objects.filter(code__startswith="522799102").count() == 3


def test_import_pages_are_404_for_other_roles(client, tree):
    for user in (tree.village_doctor, tree.county_bureau):
        client.force_login(user)
        upload = SimpleUploadedFile("u.csv", csv_bytes(HEADERS, [GOOD]))
        assert client.get("/units/import/").status_code == 404
        assert client.post("/units/import/", {"file": upload}).status_code == 404
        assert client.get("/units/import/template.xlsx").status_code == 404
    assert not OrgUnit.objects.filter(code="522799102").exists()
    client.logout()
    assert client.get("/units/import/").status_code == 302  # to the login page
