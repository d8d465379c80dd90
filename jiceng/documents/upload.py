"""Reading an uploaded table (.xlsx or .csv) whose columns are found by their header names.

The register imports (``jiceng.documents.excel.read_sheet``) need the template's exact columns in
the template's order. Set-up files — the 统计用区划代码 list of a county, a list of users — come
from elsewhere (the statistics bureau's list, a spreadsheet the county office keeps) and are often
CSV saved by Excel in GBK. :func:`read_table` accepts both formats, finds the columns by their
Chinese headers in any order (with a few common other names), and returns the same
:class:`~jiceng.documents.excel.SheetRead` as ``read_sheet``, plus a :class:`SheetSpec` whose
columns are the file's own, so that ``check_rows``, ``run_import`` and ``errors_from_validation``
name the right column letter in every message.

What is refused, with a Chinese message and before anything else is read: a file over the size
cap, an old .xls, a file that is neither a real .xlsx nor text, an .xlsx whose unpacked size is
absurd or compressed suspiciously well (a "zip bomb", :func:`jiceng.documents.hostile.check_workbook_archive`),
more cells or reading time than :class:`~jiceng.documents.hostile.ReadBudget` allows, more data rows than the cap, unknown, repeated or missing columns, and in
every cell control characters (NUL bytes, line breaks, zero-width characters).
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from jiceng.documents import hostile
from jiceng.documents.excel import (
    INSTRUCTIONS_TITLE,
    CellError,
    Column,
    Row,
    RowError,
    SheetRead,
    SheetSpec,
    parse_cell,
)

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) format
HEADER_SEARCH_ROWS = 5  # a title line or two above the header ("2023年统计用区划代码") is skipped
_BLANK = str.maketrans("", "", " \t\r\n\u3000\u00a0")
_HEADER_NORMAL = str.maketrans({"（": "(", "）": ")", "＊": "*"})
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

NOT_A_TABLE = "无法读取该文件：请上传 Excel 的 .xlsx 文件或 .csv 文件"
OLD_XLS = "这是旧版 Excel .xls 文件：请在 Excel 中“另存为” .xlsx 或 .csv 后再上传"
NOT_XLSX = "该文件不是有效的 Excel .xlsx 文件（可能已损坏，或只是改了扩展名）：请在 Excel 中重新“另存为” .xlsx 后上传"


@dataclass(frozen=True)
class TableRead:
    spec: SheetSpec  # the file's own columns, in the file's order (unrecognised blank columns as placeholders)
    read: SheetRead
    present: frozenset[str]  # fields whose column is in the file


def control_characters(text: str) -> list[str]:
    """The control and invisible format characters in ``text``, as U+XXXX (NUL, line breaks, zero-width…)."""
    found = []
    for char in text:
        if unicodedata.category(char) in _BAD_CATEGORIES and char not in found:
            found.append(char)
    return [f"U+{ord(c):04X}" for c in found]


def check_no_control_characters(value) -> None:
    if isinstance(value, str):
        bad = control_characters(value.strip(" \u3000"))
        if bad:
            names = "、".join(bad[:3])
            raise CellError(f"含有不可见的控制字符（{names}，如空字符、换行符）：请删除后重新填写")


def normal_header(value) -> str:
    return "" if value is None else str(value).translate(_BLANK).translate(_HEADER_NORMAL).strip("*")


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.translate(_BLANK))


def _size(source) -> int | None:
    if isinstance(source, bytes | bytearray):
        return len(source)
    return getattr(source, "size", None)


def _read_bytes(source, limit: int) -> bytes | None:
    """The file's bytes, or None when it is larger than ``limit``."""
    if isinstance(source, bytes | bytearray):
        return bytes(source) if len(source) <= limit else None
    if hasattr(source, "seek"):
        source.seek(0)
    data = source.read(limit + 1)
    return data if len(data) <= limit else None


def _decode(data: bytes) -> str | None:
    """CSV text: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (what Excel on Chinese Windows writes)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(text: str) -> Iterator[tuple]:
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield tuple(cells)


def _xlsx_rows(data: bytes, title: str) -> tuple[Iterator[tuple] | None, object]:
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = None
    if title in workbook.sheetnames:
        sheet = workbook[title]
    else:
        sheet = next((s for s in workbook.worksheets if s.title != INSTRUCTIONS_TITLE), None)
    if sheet is None:
        return None, workbook
    sheet.reset_dimensions()
    return sheet.iter_rows(values_only=True), workbook


def _header_index(columns: Sequence[Column], aliases: dict[str, str]) -> dict[str, Column]:
    index = {normal_header(c.header): c for c in columns}
    for alias, header in aliases.items():
        index[normal_header(alias)] = index[normal_header(header)]
    return index


def read_table(
    columns: Sequence[Column],
    source,
    *,
    title: str,
    filename: str = "",
    aliases: dict[str, str] | None = None,
    max_bytes: int = 5 * 1024 * 1024,
    max_rows: int = 20_000,
) -> TableRead:
    """Read an .xlsx or .csv upload (bytes or a file object) into typed rows, every bad cell reported.

    ``columns`` are the columns a file may have (``required`` ones must be present), ``aliases``
    other header texts for them. Rows keep the numbers a spreadsheet shows."""
    result = SheetRead()
    empty_spec = SheetSpec(title, tuple(columns), max_rows=max_rows)

    def fatal(message: str) -> TableRead:
        result.errors.append(RowError(message))
        result.fatal = True
        return TableRead(empty_spec, result, frozenset())

    size = _size(source)
    cap = f"文件过大（超过 {max_bytes // 1024 // 1024} MB），请分成几个文件导入"
    if size is not None and size > max_bytes:
        return fatal(cap)
    data = _read_bytes(source, max_bytes)
    if data is None:
        return fatal(cap)
    if not data.strip():
        return fatal("文件为空")
    workbook = None
    try:
        if data.startswith(XLSX_MAGIC):
            bomb = hostile.check_workbook_archive(data)
            if bomb:
                return fatal(bomb)
            try:
                rows, workbook = _xlsx_rows(data, title)
            except Exception:  # openpyxl raises many kinds of errors on a damaged or foreign zip
                return fatal(NOT_XLSX)
            if rows is None:
                return fatal("文件中没有工作表")
        elif data.startswith(OLE_MAGIC):
            return fatal(OLD_XLS)
        elif filename.lower().endswith((".xlsx", ".xlsm")):
            return fatal(NOT_XLSX)
        else:
            text = _decode(data)
            if text is None:
                return fatal(NOT_A_TABLE)
            rows = _csv_rows(text)
        return _read_rows(columns, rows, title=title, aliases=aliases or {}, max_rows=max_rows, result=result)
    except (csv.Error, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        return fatal(f"{NOT_A_TABLE}（{str(exc)[:60]}）")
    finally:
        if workbook is not None:
            workbook.close()


def _read_rows(
    columns: Sequence[Column],
    rows: Iterable[tuple],
    *,
    title: str,
    aliases: dict[str, str],
    max_rows: int,
    result: SheetRead,
) -> TableRead:
    known = _header_index(columns, aliases)
    rows = iter(enumerate(rows, start=1))
    header: tuple | None = None
    header_number = 0
    for number, cells in rows:
        if any(normal_header(v) in known for v in cells):
            header, header_number = cells, number
            break
        if number >= HEADER_SEARCH_ROWS or sum(not _is_blank(v) for v in cells) > 1:
            break  # only a title line (one cell) may stand above the header
    expected = "、".join(c.header for c in columns if c.required)
    if header is None:
        result.errors.append(RowError(f"找不到表头：第1行应为列名，必需的列有：{expected}"))
        result.fatal = True
        return TableRead(SheetSpec(title, tuple(columns), max_rows=max_rows), result, frozenset())

    file_columns: list[Column] = []
    seen: dict[str, str] = {}
    header_errors: list[RowError] = []
    for index, value in enumerate(header):
        letter = get_column_letter(index + 1)
        name = normal_header(value)
        column = known.get(name)
        if column is None:
            if name:
                allowed = "、".join(c.header for c in columns)
                header_errors.append(
                    RowError(f"无法识别的列“{str(value)[:30]}”：可用的列有 {allowed}", None, letter, str(value)[:30])
                )
            column = Column("", f"_column_{index}")  # a blank header: its cells must stay empty
        elif column.field in seen:
            header_errors.append(
                RowError(f"与{seen[column.field]}列重复：每一列只能出现一次", None, letter, column.header)
            )
            column = Column("", f"_column_{index}")
        else:
            seen[column.field] = letter
        file_columns.append(column)
    for column in columns:
        if column.required and column.field not in seen:
            header_errors.append(RowError(f"缺少必需的列“{column.header}”（必需的列有：{expected}）"))
    spec = SheetSpec(title, tuple(file_columns), max_rows=max_rows)
    present = frozenset(seen)
    if header_errors:
        result.errors.extend(header_errors)
        result.fatal = True
        return TableRead(spec, result, present)

    width = len(file_columns)
    blanks: list[int] = []
    budget = hostile.ReadBudget()
    for number, cells in rows:
        cells = tuple(cells)
        stop = budget.spend(len(cells))
        if stop:
            result.errors.append(RowError(stop, number))
            result.fatal = True
            return TableRead(spec, result, present)
        extra = cells[width:]
        cells = cells[:width] + (None,) * (width - len(cells))
        if all(_is_blank(v) for v in cells) and all(_is_blank(v) for v in extra):
            blanks.append(number)
            continue
        for blank in blanks:
            result.errors.append(RowError("空行：数据中间不能有空行，请删除该行", blank))
        blanks = []
        if len(result.rows) >= max_rows:
            result.errors.append(RowError(f"行数超过 {max_rows} 行，请分成几个文件导入"))
            result.fatal = True
            return TableRead(spec, result, present)
        row = Row(number, {})
        if any(not _is_blank(v) for v in extra):
            row.bad = True
            result.errors.append(RowError("表头以外的列有内容：请删除，或补上列名", number))
        for column, value in zip(file_columns, cells, strict=True):
            try:
                if column.field.startswith("_column_"):
                    if not _is_blank(value):
                        raise CellError("该列没有列名：请删除该列的内容，或补上列名")
                    continue
                check_no_control_characters(value)
                row.values[column.field] = parse_cell(value, column)
            except CellError as exc:
                row.bad = True
                row.values[column.field] = None
                result.errors.append(RowError(str(exc), number, spec.letter(column), column.header))
        for column in columns:
            if column.field not in present:
                row.values[column.field] = parse_cell(None, column) if not column.required else None
        result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append(RowError(f"文件中没有数据：请从第{header_number + 1}行起填写"))
        result.fatal = True
    return TableRead(spec, result, present)
