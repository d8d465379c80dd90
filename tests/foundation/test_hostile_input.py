"""Hostile and careless input (issue 13, items 3, 4, 7, 10 and the ID probe of 11): a merged duplicate
takes no writes; control characters are refused on the way in and cannot break an export on the way
out; Excel bombs are refused before they are unpacked and a slow sheet is stopped; a NUL byte, an
absurd number or JSON nested 5,000 deep is a 400 in Chinese, never a 500; an ID number registered in
another county cannot be probed through the duplicate message, and the attempt is audited.

Every test runs on SQLite and on PostgreSQL (``scripts/test.sh``): several 500s happened only there."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from jiceng.audit.models import AuditEntry
from jiceng.documents import hostile
from jiceng.documents.excel import TEXT, CellError, Column, SheetSpec, parse_cell, read_sheet
from jiceng.documents.upload import read_table
from jiceng.nutrition import actions
from jiceng.nutrition.actions import ChildData
from jiceng.nutrition.forms import ChildForm, ConsentForm, FollowUpForm
from jiceng.nutrition.models import Child, Collection, Consent
from tests.excel.helpers import xlsx

TODAY = dt.date.today()
BIRTH = TODAY - dt.timedelta(days=400)
ID_NUMBER_F = "522799202503010024"  # a valid GB 11643 number: 2025-03-01, female


def auth(user):
    token, _created = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def post(client, user, url, data):
    return client.post(url, json.dumps(data), content_type="application/json", **auth(user))


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# ---------------------------------------------------------------------------------------------
# 3. A merged duplicate takes no more writes (pages, API and imports all go through the actions)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def merged(tree, make_child):
    keep = make_child(name="罗小一", birth_date=BIRTH)
    dup = make_child(name="罗小一", birth_date=BIRTH, village=tree.village_a2)
    actions.merge_children(keep, dup, acting_user=tree.township_officer)
    dup.refresh_from_db()
    assert dup.merged_into_id == keep.pk
    return keep, dup


def _refused_naming(exc_info, keep):
    text = " ".join(exc_info.value.messages)
    assert "已合并" in text and keep.name in text and str(keep.pk) in text, text


WRITES = {
    "consent": lambda c, u: actions.record_consent(
        c, signed_on=TODAY, signed_by="母亲甲", relation="母亲", acting_user=u
    ),
    "collection": lambda c, u: actions.record_collection(c, collected_on=TODAY, packs=30, acting_user=u),
    "assessment": lambda c, u: actions.record_assessment(
        c, assessed_on=TODAY, suitable=True, doctor="王医生", acting_user=u
    ),
    "followup": lambda c, u: actions.record_followup(c, visited_on=TODAY, weight_kg=9, acting_user=u),
    "move": lambda c, u: actions.move_child(c, kind="move_out", happened_on=TODAY, acting_user=u),
    "update": lambda c, u: actions.update_child(
        c, ChildData(name="罗小一改", sex=c.sex, birth_date=c.birth_date), acting_user=u
    ),
    "merge_into_it": lambda c, u: actions.merge_children(
        c,
        Child.objects.create(name="罗小一", sex=c.sex, birth_date=c.birth_date, village=c.village, county=c.county),
        acting_user=u,
    ),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_to_a_merged_record_is_refused_naming_the_record_it_went_into(tree, merged, write):
    keep, dup = merged
    with pytest.raises(ValidationError) as exc_info:
        WRITES[write](dup, tree.township_officer)
    _refused_naming(exc_info, keep)


def test_a_merged_record_cannot_be_merged_again_and_is_told_where_it_went(tree, merged, make_child):
    keep, dup = merged
    other = make_child(name="罗小一", birth_date=BIRTH)
    with pytest.raises(ValidationError) as exc_info:
        actions.merge_children(other, dup, acting_user=tree.township_officer)
    _refused_naming(exc_info, keep)


def test_a_merged_record_gets_no_consent_or_collection_through_the_api(client, tree, merged):
    keep, dup = merged
    consent = {"signed_on": TODAY.isoformat(), "signed_by": "母亲甲", "relation": "母亲"}
    response = post(client, tree.township_officer, f"/api/children/{dup.pk}/consents/", consent)
    assert response.status_code in (400, 404, 409), response.content
    assert not Consent.objects.filter(child=dup).exists()


def test_an_import_batch_refuses_a_merged_record(tree, merged):
    keep, dup = merged
    with pytest.raises(ValidationError) as exc_info:
        actions.CollectionBatch([dup], acting_user=tree.township_officer)
    _refused_naming(exc_info, keep)
    assert not Collection.objects.exists()


# ---------------------------------------------------------------------------------------------
# 4. Control characters: refused in every text input, stripped in every Excel writer
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "caregiver_name", "caregiver_relation", "special_condition_note"])
def test_registering_refuses_a_control_character_in_any_text(tree, field):
    data = ChildData(name="王小花", sex="F", birth_date=BIRTH)
    setattr(data, field, getattr(data, field) + "\u0007响铃" if field == "name" else "母\u0007亲")
    with pytest.raises(ValidationError) as exc_info:
        actions.register_child(data, village=tree.village_a1, acting_user=tree.village_doctor)
    message = exc_info.value.message_dict[field][0]
    assert "控制字符" in message and "U+0007" in message
    assert not Child.objects.exists()


def test_every_register_action_refuses_control_characters(tree, make_child):
    child = make_child(birth_date=BIRTH)
    user = tree.village_doctor
    calls = [
        ("signed_by", lambda: actions.record_consent(child, signed_on=TODAY, signed_by="母\x00亲", relation="母亲", acting_user=user)),
        ("relation", lambda: actions.record_consent(child, signed_on=TODAY, signed_by="母亲", relation="母\x1b亲", acting_user=user)),
        ("doctor", lambda: actions.record_assessment(child, assessed_on=TODAY, suitable=True, doctor="王\x07", acting_user=user)),
        ("note", lambda: actions.record_assessment(child, assessed_on=TODAY, suitable=True, doctor="王", note="a\x08", acting_user=user)),
        ("collected_by", lambda: actions.record_collection(child, collected_on=TODAY, packs=30, collected_by="李\x07", acting_user=user)),
        ("note", lambda: actions.move_child(child, kind="move_out", happened_on=TODAY, note="\x7f", acting_user=user)),
        ("notes", lambda: actions.record_followup(child, visited_on=TODAY, weight_kg=9, notes="好\x00", acting_user=user)),
    ]  # fmt: skip
    for field, call in calls:
        with pytest.raises(ValidationError) as exc_info:
            call()
        assert "控制字符" in exc_info.value.message_dict[field][0], field


def test_an_over_long_text_is_refused_by_the_action_not_by_postgresql(tree, make_child):
    child = make_child(birth_date=BIRTH)
    with pytest.raises(ValidationError) as exc_info:
        actions.record_consent(
            child, signed_on=TODAY, signed_by="甲" * 51, relation="母亲", acting_user=tree.village_doctor
        )
    assert "不能超过50个字" in exc_info.value.message_dict["signed_by"][0]
    with pytest.raises(ValidationError) as exc_info:
        actions.record_collection(
            child, collected_on=TODAY, packs=30, collected_by="乙" * 51, acting_user=tree.village_doctor
        )
    assert "不能超过50个字" in exc_info.value.message_dict["collected_by"][0]


def test_forms_refuse_control_characters_but_notes_keep_line_breaks(tree):
    form = ChildForm(
        {"village": tree.village_a1.code, "name": "王\u0007花", "sex": "F", "birth_date": BIRTH.isoformat(), "residence": "resident"},
        villages=[tree.village_a1],
    )  # fmt: skip
    assert not form.is_valid() and "控制字符" in form.errors["name"][0]
    consent = ConsentForm({"signed_on": TODAY.isoformat(), "signed_by": "母\t亲", "relation": "母亲"})
    assert not consent.is_valid() and "控制字符" in consent.errors["signed_by"][0]
    card = FollowUpForm({"visited_on": TODAY.isoformat(), "notes": "第一行\r\n第二行"})
    assert card.is_valid(), card.errors
    card = FollowUpForm({"visited_on": TODAY.isoformat(), "notes": "响\u0007铃"})
    assert not card.is_valid() and "控制字符" in card.errors["notes"][0]


def test_an_import_cell_with_a_control_character_is_refused_with_its_column():
    with pytest.raises(CellError, match="控制字符"):
        parse_cell("王\u0007花", Column("姓名", "name", TEXT))
    with pytest.raises(CellError, match="控制字符"):
        parse_cell("52279920250301002\x00", Column("身份证号", "id_number", TEXT, parser=str))


def test_a_control_character_already_in_the_register_does_not_break_the_exports(client, tree, make_child):
    """Saved before it was refused (or by an older version): every export writes it without it."""
    make_child(name="王\u0007小花", caregiver_name="李\x1b梅", birth_date=BIRTH)
    for user in (tree.village_doctor, tree.township_officer, tree.county_mch):
        client.force_login(user)
        response = client.get("/registers/excel/export/children.xlsx")
        assert response.status_code == 200, (user.username, response.status_code)
        book = load_workbook(
            io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
        )
        names = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
        assert "王小花" in names, names


def test_the_xlsx_writers_strip_what_a_cell_cannot_hold():
    from jiceng.documents.excel import write_table

    data, count = write_table("表", ["姓名", "备注"], [["王\u0007小花", "第一行\n第二行\x00"]])
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[2]] == ["王小花", "第一行\n第二行"] and count == 1
    assert hostile.clean_cell_text("a\tb\x1fc\x7f") == "a\tbc"


# ---------------------------------------------------------------------------------------------
# 7. Excel bombs: refused before openpyxl unpacks them; a slow or huge sheet is stopped
# ---------------------------------------------------------------------------------------------


def _with_member(base: bytes, name: str, chunks) -> bytes:
    """``base`` (an .xlsx) with member ``name`` replaced by the streamed ``chunks``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info.filename))
        with target.open(name, "w", force_zip64=True) as member:
            for chunk in chunks:
                member.write(chunk)
    return out.getvalue()


def string_bomb() -> bytes:
    """A 100 MB string in the shared strings of a ~100 KB file (the review's 104 KB file)."""
    base = xlsx(["姓名"], [["甲"]])
    head = b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>'
    block = b"A" * (1024 * 1024)
    return _with_member(base, "xl/sharedStrings.xml", [head, *([block] * 100), b"</t></si><si><t>x</t></si></sst>"])


def wide_sheet(columns: int = 16_000, rows: int = 200) -> bytes:
    """200 rows × 16,000 numeric cells: under 1 MB packed."""
    base = xlsx(["姓名"], [])
    row = b"<c><v>1</v></c>" * columns

    def chunks():
        yield (
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData>'
        )
        for r in range(1, rows + 1):
            yield f'<row r="{r}">'.encode() + row + b"</row>"
        yield b"</sheetData></worksheet>"

    return _with_member(base, "xl/worksheets/sheet1.xml", chunks())


SPEC = SheetSpec("Sheet1", (Column("姓名", "name", TEXT, max_length=50),))


def test_a_string_bomb_is_refused_before_it_is_unpacked():
    bomb = string_bomb()
    assert len(bomb) < 400 * 1024
    started = time.monotonic()
    assert hostile.check_workbook_archive(bomb) == hostile.BOMB
    read = read_sheet(SPEC, bomb)
    assert read.fatal and str(read.errors[0]) == hostile.BOMB
    table = read_table(SPEC.columns, bomb, title="Sheet1", filename="a.xlsx")
    assert table.read.fatal and hostile.BOMB in str(table.read.errors[0])
    assert time.monotonic() - started < 5


def test_the_reporting_readers_refuse_a_bomb(tree):
    from jiceng.periods import parse_period
    from jiceng.reporting.layout_import import LayoutImportResult, _read_rows, all_layouts
    from jiceng.reporting.packs import all_packs
    from jiceng.reporting.typed_import import read_typed_sheet

    bomb = string_bomb()
    ds = next(iter(next(iter(all_packs().values())).datasets.values()))
    typed = read_typed_sheet(ds, bomb, unit=tree.town_a, period=parse_period("2026-01"))
    assert [str(e) for e in typed.errors] == [hostile.BOMB]
    layout = next(iter(all_layouts().values()))
    result = LayoutImportResult(layout)
    assert _read_rows(bomb, layout, result) is None
    assert [str(e) for e in result.errors] == [hostile.BOMB]


def test_a_wide_sheet_is_refused_or_stopped_quickly(monkeypatch):
    """The review's 810 KB sheet of 200 × 16,000 cells held a worker 109 s."""
    wide = wide_sheet()
    assert len(wide) < 2 * 1024 * 1024
    started = time.monotonic()
    read = read_sheet(SPEC, wide)
    assert read.fatal and read.errors and all(chinese(str(e)) for e in read.errors)
    assert time.monotonic() - started < 10
    # past the archive check (a well-compressing sheet that is not a bomb): the time cap stops the read
    monkeypatch.setattr(hostile, "MAX_RATIO", 10**9)
    monkeypatch.setattr(hostile, "MAX_MEMBER_BYTES", 10**10)
    monkeypatch.setattr(hostile, "MAX_UNPACKED_BYTES", 10**10)
    monkeypatch.setattr(hostile, "MAX_READ_SECONDS", 0.5)
    header_first = xlsx(["姓名"], [])  # a good header, then 16,000-wide rows
    wide = _with_member(
        header_first,
        "xl/worksheets/sheet1.xml",
        [
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\xa7\x93\xe5\x90\x8d</t></is></c></row>',
            *(
                f'<row r="{r}">'.encode()
                + b"".join(b'<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(16_000))
                + b"</row>"
                for r in range(2, 202)
            ),
            b"</sheetData></worksheet>",
        ],
    )
    started = time.monotonic()
    read = read_sheet(SPEC, wide)
    assert read.fatal and "秒" in str(read.errors[-1]), [str(e) for e in read.errors]
    assert time.monotonic() - started < 10


def test_cells_beyond_the_template_are_not_read_and_a_huge_cell_is_refused():
    read = read_sheet(SPEC, xlsx(["姓名"], [["王小花", "多余"], ["李四"]]))
    assert not read.errors and [r["name"] for r in read.rows] == ["王小花", "李四"]
    with pytest.raises(CellError, match="内容过长"):
        parse_cell("甲" * (hostile.MAX_CELL_CHARS + 1), Column("姓名", "name", TEXT))


def test_a_normal_export_is_not_taken_for_a_bomb(tree, make_child):
    from jiceng.documents.excel import build_template
    from jiceng.nutrition.excel import CHILDREN

    assert hostile.check_workbook_archive(build_template(CHILDREN)) is None
    rows = [[f"儿童{i}", "女", "2025-03-01", "522799100201", "常住"] * 3 for i in range(5000)]
    data, _count = __import__("jiceng.documents.excel", fromlist=["write_table"]).write_table("表", ["a"] * 15, rows)
    assert hostile.check_workbook_archive(data) is None


# ---------------------------------------------------------------------------------------------
# 10. What fuzzing found: 400 with a Chinese message, never a 500
# ---------------------------------------------------------------------------------------------


PAGES = ["/children/?q=%00", "/audit/?actor=%00", "/children/?village=%00", "/units/%00/", "/audit/?unit=a%00b"]
API = [
    "/api/units/%00/",
    "/api/children/?q=%00",
    "/api/collections/?month=%00",
    "/api/units/?parent=%00",
    "/api/children/?limit=" + "9" * 31,
    "/api/children/?offset=" + "9" * 31,
]


@pytest.mark.parametrize("url", PAGES)
def test_a_nul_byte_in_a_page_filter_or_code_is_never_a_500(client, tree, make_child, url):
    """SQLite finds nothing for a NUL filter (200); PostgreSQL refuses it (a 400 in Chinese); a code: 404."""
    from django.db import connection

    make_child(birth_date=BIRTH)
    client.force_login(tree.county_mch)
    response = client.get(url)
    allowed = (400, 404) if connection.vendor == "postgresql" else (200, 400, 404)
    assert response.status_code in allowed, response.status_code
    assert chinese(response.content.decode())


@pytest.mark.parametrize("url", API)
def test_a_nul_byte_or_absurd_number_in_the_api_is_never_a_500(client, tree, make_child, url):
    make_child(birth_date=BIRTH)
    response = client.get(url, **auth(tree.county_mch))
    allowed = (400, 404) if "9" * 31 in url else (200, 400, 404)  # a filter that finds nothing may be a 200
    assert response.status_code in allowed, (response.status_code, response.content[:200])
    if response.status_code != 200:
        assert chinese(response.content.decode())


def test_deeply_nested_json_is_a_400_not_a_recursion_error(client, tree):
    for url in ("/api/children/", "/api/force-majeure/", "/api/reports/"):
        response = client.post(
            url, "[" * 5000 + "]" * 5000, content_type="application/json", **auth(tree.village_doctor)
        )
        assert response.status_code == 400, (url, response.status_code)
        assert "嵌套" in response.json()["detail"]
    # an ordinary body with brackets inside strings is not taken for nesting
    body = {"name": "[" * 40, "sex": "F", "birth_date": BIRTH.isoformat(), "village_code": tree.village_a1.code}
    response = post(client, tree.village_doctor, "/api/children/", body)
    assert response.status_code == 201, response.content


def test_a_year_that_is_not_a_number_is_a_400_in_chinese(client, tree):
    client.force_login(tree.county_mch)
    response = client.get(f"/indicators/{tree.county.code}/targets/?year=abc")
    assert response.status_code == 400 and "年度应为数字" in response.content.decode()


def test_a_database_refusal_that_no_check_caught_is_a_400_in_chinese(rf, tree):
    """The backstop: a DataError (text too long, a number out of range, a NUL byte) is the input's fault."""
    from django.db import DataError

    from jiceng.web.errors import DomainErrorMiddleware

    middleware = DomainErrorMiddleware(lambda request: None)
    for path in ("/api/children/", "/children/"):
        request = rf.post(path)
        request.user = tree.county_mch
        response = middleware.process_exception(request, DataError("value too long for type character varying(50)"))
        assert response.status_code == 400 and "超出了允许的范围" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# 11. An ID number of another county cannot be probed through the duplicate message
# ---------------------------------------------------------------------------------------------


def test_an_id_number_registered_elsewhere_is_refused_without_saying_where_and_audited(client, tree, make_child):
    far = make_child(village=tree.village_b1, name="远方儿童", id_number=ID_NUMBER_F, birth_date=dt.date(2025, 3, 1))
    data = ChildData(name="王小花", sex="F", birth_date=dt.date(2025, 3, 1), id_number=ID_NUMBER_F)
    with pytest.raises(ValidationError) as exc_info:
        actions.register_child(data, village=tree.village_a1, acting_user=tree.village_doctor)
    text = " ".join(exc_info.value.messages)
    assert "不能在此登记" in text
    for leak in (far.name, far.village.name, "其他辖区", "已登记", ID_NUMBER_F):
        assert leak not in text, leak
    entry = AuditEntry.objects.get(action="child.register.refused")
    assert entry.actor == tree.village_doctor and entry.unit == tree.village_a1
    # the same through the API: a 400 that says nothing more, and the audit row stays
    body = {
        "name": "王小花",
        "sex": "F",
        "birth_date": "2025-03-01",
        "id_number": ID_NUMBER_F,
        "village_code": tree.village_a1.code,
    }
    response = post(client, tree.village_doctor, "/api/children/", body)
    assert response.status_code == 400
    assert far.name not in response.content.decode() and far.village.name not in response.content.decode()
    assert AuditEntry.objects.filter(action="child.register.refused").count() == 2
    # within one's own subtree the message still helps: it names the village
    near = ChildData(name="王小花", sex="F", birth_date=dt.date(2025, 3, 1), id_number=ID_NUMBER_F)
    with pytest.raises(ValidationError) as exc_info:
        actions.register_child(near, village=tree.village_b1, acting_user=tree.village_doctor_b)
    assert far.village.name in " ".join(exc_info.value.messages)


def test_editing_to_an_id_number_registered_elsewhere_does_not_name_that_child(tree, make_child):
    make_child(village=tree.village_b1, name="远方儿童", id_number=ID_NUMBER_F, birth_date=dt.date(2025, 3, 1))
    mine = make_child(name="王小花", birth_date=dt.date(2025, 3, 1))
    data = ChildData(name="王小花", sex="F", birth_date=dt.date(2025, 3, 1), id_number=ID_NUMBER_F)
    with pytest.raises(ValidationError) as exc_info:
        actions.update_child(mine, data, acting_user=tree.village_doctor)
    assert "远方儿童" not in " ".join(exc_info.value.messages)
