"""Checks against hostile or careless input, shared by every reader, writer, action and request.

- **Text**: C0 control characters (U+0000–U+001F) and DEL are refused in every text a user types or
  imports (:func:`refuse_control_characters`); a one-line field refuses tab and line breaks too, a
  multi-line one keeps them. When a cell is written to Excel (:func:`clean_cell_text`) the characters
  the file format cannot hold are removed, so a bad value already in the database cannot break an export.
- **Uploaded workbooks**: :func:`check_workbook_archive` looks inside the .xlsx (a zip) before
  openpyxl opens it: too many members, too large once unpacked, or compressed suspiciously well
  (a "zip bomb": a 104 KB file holding a 100 MB string) is refused in Chinese. :class:`ReadBudget`
  bounds the cells and the time one read may take.
- **Requests**: a NUL byte or another control character in the path names nothing (404,
  :func:`path_has_control_characters`); :func:`request_problem` refuses JSON nested deeper than any real
  payload (which would otherwise end in a RecursionError) and a page size or offset of more than 18
  digits (an overflow in the database's LIMIT) with a 400 in Chinese.
"""

from __future__ import annotations

import io
import re
import time
import zipfile

from django.core.exceptions import ValidationError

# C0 control characters and DEL; the multi-line variant keeps tab, line feed and carriage return.
CONTROL = re.compile("[\x00-\x1f\x7f]")
CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# what an .xlsx cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE) plus DEL
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# uploaded workbooks
MAX_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # the whole archive, unpacked
MAX_MEMBER_BYTES = 100 * 1024 * 1024  # one part (a sheet, the shared strings)
MAX_RATIO = 100  # unpacked / packed for a part over RATIO_FLOOR: real sheets compress 5–30 times
RATIO_FLOOR = 1024 * 1024
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_READ_SECONDS = 60
MAX_CELLS = 2_000_000

# requests
MAX_JSON_DEPTH = 32
PAGING = ("limit", "offset", "page")
MAX_PAGING_DIGITS = 18  # fits a 64-bit integer (the LIMIT and OFFSET of both databases)

BOMB = "该 Excel 文件解压后过大或压缩比异常（可能是恶意构造的文件），已拒绝读取：请上传正常保存的 .xlsx 文件"
TOO_SLOW = "文件内容过多，读取超过 {seconds} 秒仍未完成，已停止：请删除多余的行和列，或分成几个文件导入"
TOO_MANY_CELLS = "文件的单元格过多（超过 {cells} 个），已停止读取：请删除多余的行和列，或分成几个文件导入"


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in ``text``, as U+XXXX, each once."""
    pattern = CONTROL_BUT_LINES if multiline else CONTROL
    found: list[str] = []
    for char in pattern.findall(text):
        name = f"U+{ord(char):04X}"
        if name not in found:
            found.append(name)
    return found


def control_message(label: str, text: str, *, multiline: bool = False) -> str | None:
    """A Chinese refusal naming the field when ``text`` holds a control character, else None."""
    if not isinstance(text, str):
        return None
    bad = control_characters(text, multiline=multiline)
    if not bad:
        return None
    kinds = "如空字符" if multiline else "如空字符、换行符、制表符"
    return f"{label}：含有不允许的控制字符（{'、'.join(bad[:3])}，{kinds}），请删除后重新填写"


def refuse_control_characters(fields: dict[str, tuple[str, object]], *, multiline: frozenset[str] = frozenset()):
    """Raise ValidationError {field: Chinese message} for every field whose text has a control character.

    ``fields`` maps a field name to (label, value)."""
    errors = {}
    for name, (label, value) in fields.items():
        message = control_message(label, value, multiline=name in multiline) if isinstance(value, str) else None
        if message:
            errors[name] = message
    if errors:
        raise ValidationError(errors)


def clean_cell_text(value):
    """A value as an .xlsx cell can hold it: control characters (except tab and line breaks) removed."""
    if isinstance(value, str) and _UNWRITABLE.search(value):
        return _UNWRITABLE.sub("", value)
    return value


# ---------------------------------------------------------------- uploaded workbooks


def _archive_source(source):
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source))
    return source


def check_workbook_archive(source) -> str | None:
    """A Chinese refusal when the .xlsx is a zip bomb (too many parts, too large unpacked, or a part
    compressed more than :data:`MAX_RATIO` times), else None. Only the zip directory is read; a file
    that is not a zip at all is left to the reader (which says it is not an Excel file)."""
    stream = _archive_source(source)
    position = stream.tell() if hasattr(stream, "tell") else None
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        if position is not None and hasattr(stream, "seek"):
            stream.seek(position)
    if len(members) > MAX_MEMBERS:
        return BOMB
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_UNPACKED_BYTES:
            return BOMB
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return BOMB
    return None


class ReadBudget:
    """Bounds one read of a sheet: call :meth:`spend` with the cells of every row read; it returns a
    Chinese refusal once the cells or the time run out (None while within budget)."""

    def __init__(self, *, seconds: float | None = None, cells: int | None = None):
        self.seconds = MAX_READ_SECONDS if seconds is None else seconds
        self.cells = MAX_CELLS if cells is None else cells
        self.deadline = time.monotonic() + self.seconds
        self.used = 0

    def spend(self, cells: int) -> str | None:
        self.used += cells
        if self.used > self.cells:
            return TOO_MANY_CELLS.format(cells=self.cells)
        if time.monotonic() > self.deadline:
            return TOO_SLOW.format(seconds=f"{self.seconds:g}")
        return None


def _dimensions_before_the_data(parser):
    """openpyxl's ``parse_dimensions`` waits for the *end* of ``<sheetData>`` when a sheet has no
    ``<dimension>`` element: opening such a workbook, even read-only, parses every cell of every sheet
    before a single row is returned (the review's 200 × 16,000 sheet: 109 s inside ``load_workbook``, out
    of reach of any row or time cap). Reading *start* events stops at ``<sheetData>`` instead."""
    from openpyxl.worksheet import _reader

    for _event, element in _reader.iterparse(parser.source, events=("start",)):
        if element.tag == _reader.DIMENSION_TAG:
            return _reader.SheetDimension.from_tree(element).boundaries
        if element.tag == _reader.DATA_TAG:
            return None
    return None


def _bound_openpyxl_open() -> None:
    from openpyxl.worksheet._reader import WorkSheetParser

    if WorkSheetParser.parse_dimensions is not _dimensions_before_the_data:
        WorkSheetParser.parse_dimensions = _dimensions_before_the_data


_bound_openpyxl_open()  # every reader imports this module before it opens a workbook


def cell_too_long(value) -> str | None:
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return f"内容过长（{len(value)} 个字符）：一个单元格最多 {MAX_CELL_CHARS} 个字符"
    return None


# ---------------------------------------------------------------- requests


def _json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether brackets outside strings nest deeper than ``limit`` (a cheap scan, no parsing)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def path_has_control_characters(request) -> bool:
    """A code in the path with a NUL or other control character names nothing: the answer is 404."""
    return bool(CONTROL.search(request.path))


def request_problem(request) -> str | None:
    """A Chinese reason to answer 400 before any view runs, or None: a control character (NUL …) in any
    query parameter — refused the same way on SQLite and PostgreSQL, before either database sees it —, a
    paging number too long for the database, JSON nested too deep."""
    for key, values in request.GET.lists():
        if any(control_characters(v) for v in [key, *values]):
            shown = "".join(ch for ch in key[:30] if ch.isprintable())
            return f"查询参数“{shown}”含有控制字符（如 NUL），请删除后重试"
    for key in PAGING:
        value = request.GET.get(key, "").strip().lstrip("+-")
        if len(value) > MAX_PAGING_DIGITS and value.isdigit():  # 31 digits overflow the database's LIMIT
            return f"{key}：数字过长（最多 {MAX_PAGING_DIGITS} 位），应为不大的正整数"
    content_type = request.META.get("CONTENT_TYPE", "")
    if request.method in ("POST", "PUT", "PATCH") and "json" in content_type:
        try:
            body = request.body
        except Exception:  # too large: Django's own check answers
            return None
        if _json_depth_exceeds(body, MAX_JSON_DEPTH):
            return f"请求内容的嵌套层次过深（超过 {MAX_JSON_DEPTH} 层）"
    return None


__all__ = [
    "ReadBudget",
    "cell_too_long",
    "check_workbook_archive",
    "clean_cell_text",
    "control_characters",
    "control_message",
    "refuse_control_characters",
    "path_has_control_characters",
    "request_problem",
]
