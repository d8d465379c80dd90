import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from jiceng.nutrition.excel import CHILDREN, COLLECTIONS, FOLLOWUPS

TODAY = dt.date.today()


def months_ago(n: int, day: int = 10) -> dt.date:
    year, month = TODAY.year, TODAY.month - n
    while month <= 0:
        year, month = year - 1, month + 12
    return dt.date(year, month, day)


def xlsx(headers, rows, title="Sheet1") -> bytes:
    """A workbook as a user would make it: header row, then rows (None = empty cell, [] = empty row)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row) if row else [None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def children_file(*rows) -> bytes:
    return xlsx(CHILDREN.headers, rows)


def collections_file(*rows) -> bytes:
    return xlsx(COLLECTIONS.headers, rows)


def followups_file(*rows) -> bytes:
    return xlsx(FOLLOWUPS.headers, rows)


def child_row(name="王小花", sex="女", birth=None, village="", id_number=None, signed_on=None, **extra):
    """One row of the children sheet, in the template's column order (所属村 … 签署人)."""
    birth = birth if birth is not None else months_ago(14, 1)
    return [
        village,
        name,
        sex,
        birth,
        id_number,
        extra.get("residence", "常住"),
        extra.get("poor", "否"),
        None,
        None,
        None,
        extra.get("caregiver", "李梅"),
        extra.get("relation", "母亲"),
        extra.get("phone", "13812345678"),
        signed_on,
        None,
    ]


def upload(data: bytes, name="导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def open_workbook(data: bytes):
    return load_workbook(io.BytesIO(data))
