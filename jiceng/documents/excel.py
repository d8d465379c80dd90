"""Generic Excel machinery: a declarative sheet spec, templates, a validating reader, an
all-or-nothing import runner and table exports.

A register sheet is described once, as a :class:`SheetSpec` of :class:`Column` s (header text,
field, type, required, parser). From that one description come

- :func:`build_template`: the downloadable template (header row, a 填写说明 sheet, cell formats
  and data validation so Excel itself helps the user type valid values);
- :func:`read_sheet`: header check, then every row parsed into typed values, with every bad
  cell reported by row and column in Chinese (``第5行 出生日期(C列)：…``);
- :func:`run_import`: calls a row handler (which calls the real action) for every row inside
  **one** transaction, each row in its own savepoint, collects every row's errors, and rolls
  everything back unless the whole file was valid;
- :func:`write_table`: an export of rows in the same columns.

Dates. A date cell (openpyxl gives ``datetime``) is accepted. A date typed as text is refused
with a message saying so, with one exception: a clean ISO text date ``2025-03-08`` (or
``2025-3-8``) is accepted, because it is unambiguous and is what WPS and CSV conversions
produce in text-formatted cells. ``2025.3.8``, ``2025/3/8``, ``2025年3月8日``, ``20250308`` and
Excel serial numbers in a cell without date format are refused: the user is told to format the
cell as a date or type ``2025-03-08``.

Every generated file shares one contract: ``render(params) -> RenderedFile`` (:mod:`jiceng.documents.files`),
handed out by :func:`jiceng.documents.responses.file_response`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from jiceng import progress
from jiceng.documents import hostile

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INSTRUCTIONS_TITLE = "填写说明"
TEMPLATE_ROWS = 1000  # rows pre-formatted in a template (dates as dates, ID numbers as text)
MAX_FILE_BYTES = 30 * 1024 * 1024
UNREADABLE = "无法读取该文件：请上传 Excel 的 .xlsx 文件（.xls 或 .csv 请先在 Excel 中另存为 .xlsx）"

# shares of an import's progress bar (jiceng.progress): reading, checking references, saving, writing
READ_SPAN, CHECK_SPAN, SAVE_SPAN, FINISH_SPAN = (0.0, 0.15), (0.15, 0.25), (0.25, 0.92), (0.92, 1.0)

TEXT, INT, DECIMAL, DATE, BOOL, CHOICE = "text", "int", "decimal", "date", "bool", "choice"
TRUE_WORDS = frozenset({"是", "有", "Y", "YES", "TRUE", "1", "√"})
FALSE_WORDS = frozenset({"否", "无", "N", "NO", "FALSE", "0", "×"})
# a date as people type it in a cell: 2026-11-21, 2026.11.21, 2026/11/21, 2026年11月21日 (full-width too)
_ISO_DATE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_BLANK = str.maketrans("", "", " \t\r\n\u3000\u00a0")


class CellError(ValueError):
    """A cell cannot be read; the message is Chinese, without the row/column prefix."""


class RowRejected(Exception):
    """A row handler refuses a row. ``field`` names the column (None: the whole row)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (label written in the file, stored value)
    parser: Callable[[object], object] | None = None  # replaces the type's parser; raises CellError
    help: str = ""
    example: str = ""
    width: int = 14
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    decimal_places: int = 1
    text_only: bool = False  # a number here is refused (an 18-digit ID number loses digits as a number)
    aliases: tuple[str, ...] = ()  # other field names (of actions) whose errors belong to this column
    labels: tuple[str, ...] = ()  # other labels actions put before "：" in their messages for this column
    default: object = None

    @property
    def choice_labels(self) -> list[str]:
        return [label for label, _value in self.choices]

    def describe(self) -> str:
        """What the 填写说明 sheet says about the column's format."""
        if self.kind == DATE:
            return "日期，如 2025-03-08（单元格设为日期格式）"
        if self.kind == INT:
            bounds = ""
            if self.min_value is not None and self.max_value is not None:
                bounds = f"，{self.min_value}～{self.max_value}"
            return f"整数{bounds}"
        if self.kind == DECIMAL:
            return f"数字，最多{self.decimal_places}位小数"
        if self.kind == BOOL:
            return "填“是”或“否”，空白视为“否”"
        if self.kind == CHOICE:
            return "从下拉列表选择：" + "、".join(self.choice_labels)
        text = "文本"
        if self.max_length:
            text += f"，不超过{self.max_length}个字"
        return text


@dataclass(frozen=True)
class SheetSpec:
    title: str  # the data sheet's name, e.g. "儿童登记"
    columns: tuple[Column, ...]
    instructions: tuple[str, ...] = ()
    max_rows: int = 100_000

    def letter(self, column: Column) -> str:
        return get_column_letter(self.columns.index(column) + 1)

    def column_for(self, field_name: str) -> Column | None:
        for column in self.columns:
            if field_name == column.field or field_name in column.aliases:
                return column
        return None

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


@dataclass(frozen=True)
class RowError:
    """One problem, with its place in the file. ``row`` None: about the file or the header."""

    message: str
    row: int | None = None
    letter: str = ""
    header: str = ""

    def __str__(self) -> str:
        place = f"{self.header}({self.letter}列)" if self.letter else ""
        if self.row is None:
            return f"表头 {place}：{self.message}" if place else self.message
        return f"第{self.row}行 {place}：{self.message}" if place else f"第{self.row}行：{self.message}"


@dataclass
class Row:
    number: int  # the row number Excel shows
    values: dict[str, object]
    bad: bool = False  # some cell could not be read: the row handler is not called

    def __getitem__(self, key: str):
        return self.values[key]


@dataclass
class SheetRead:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    fatal: bool = False  # the file or its header is unusable: no row was read


@dataclass
class ImportReport:
    rows: int
    saved: int
    errors: list[RowError]
    # what a successful import added, one line a row: (what, the address of the record) — listed to the user
    added: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


REFUSED = "发现 %(n)d 处错误，整个文件未导入（没有保存任何数据）"


@dataclass
class ImportOutcome:
    """What an all-or-nothing import did: its :class:`ImportReport` and, in subclasses, what it made."""

    report: ImportReport

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def errors(self) -> list[RowError]:
        return self.report.errors

    def summary(self) -> str:
        if not self.ok:
            return _(REFUSED) % {"n": len(self.errors)}
        return self.done()

    def done(self) -> str:  # the sentence of a successful import
        raise NotImplementedError


# ---------------------------------------------------------------- reading


def _strip_message(column: Column, message: str) -> str:
    """Action messages start with their field's label ("出生日期：…"); the place already names it."""
    head, sep, rest = message.partition("：")
    if sep and head in (column.header, *column.labels):
        return rest
    return message


def _shown(value) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.translate(_BLANK))


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError("请填写有效日期（如 2025-03-08）")
    if isinstance(value, int | float):
        raise CellError(f"“{_shown(value)}”是数字而不是日期：请把单元格设为日期格式，或按 2025-03-08 填写")
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _ISO_DATE.match(text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise CellError(f"“{text}”不是有效日期（该月没有这一天）") from None
    raise CellError(f"“{_shown(text)}”是文本而不是日期：请把单元格设为日期格式，或按 2025-03-08 填写")


def parse_int(value, column: Column) -> int:
    if isinstance(value, bool):
        raise CellError("应为整数")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise CellError(f"应为整数，实际为“{_shown(value)}”")
    if column.min_value is not None and value < column.min_value:
        if column.min_value == 1:
            raise CellError(f"应为正整数，实际为 {value}")
        raise CellError(f"不能小于 {column.min_value}，实际为 {value}")
    if column.max_value is not None and value > column.max_value:
        raise CellError(f"不能大于 {column.max_value}，实际为 {value}")
    return value


def parse_decimal(value, column: Column) -> decimal.Decimal:
    if isinstance(value, bool):
        raise CellError("应为数字")
    if isinstance(value, str):
        value = value.strip().replace("，", ".")
        if not _DECIMAL.match(value):
            raise CellError(f"应为数字，实际为“{_shown(value)}”")
    if not isinstance(value, int | float | str):
        raise CellError(f"应为数字，实际为“{_shown(value)}”")
    number = decimal.Decimal(str(value))
    step = decimal.Decimal(1).scaleb(-column.decimal_places)
    rounded = number.quantize(step, rounding=decimal.ROUND_HALF_UP)
    if rounded != number:
        raise CellError(f"最多{column.decimal_places}位小数，实际为 {value}")
    if column.min_value is not None and rounded < column.min_value:
        raise CellError(f"不能小于 {column.min_value}，实际为 {value}")
    if column.max_value is not None and rounded > column.max_value:
        raise CellError(f"不能大于 {column.max_value}，实际为 {value}")
    return rounded


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).translate(_BLANK).upper()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"应填“是”或“否”，实际为“{_shown(value)}”")


def parse_choice(value, column: Column) -> str:
    word = str(value).translate(_BLANK)
    for label, stored in column.choices:
        if word in (label, stored):
            return stored
    raise CellError(f"应为{'、'.join(column.choice_labels)}之一，实际为“{_shown(value)}”")


def parse_text(value, column: Column) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if column.text_only:
            raise CellError("是数字格式：请把单元格设为文本格式后重新填写（数字格式会丢失末几位）")
        text = str(int(value)) if float(value).is_integer() else str(value)
    elif isinstance(value, dt.datetime | dt.date):
        text = value.strftime("%Y-%m-%d")
    else:
        text = str(value).strip()
    if column.max_length and len(text) > column.max_length:
        raise CellError(f"不能超过{column.max_length}个字")
    return text


def parse_cell(value, column: Column):
    """Typed value of one cell, or CellError with a Chinese message."""
    if _is_blank(value):
        if column.required:
            raise CellError("必填，不能为空")
        if column.default is not None:
            return column.default
        return False if column.kind == BOOL else (None if column.kind in (DATE, INT, DECIMAL) else "")
    too_long = hostile.cell_too_long(value)
    if too_long:
        raise CellError(too_long)
    # a control character breaks exports and PostgreSQL refuses NUL (a one-line field's action also refuses line breaks)
    problem = hostile.control_message(column.header, value, multiline=True)
    if problem:
        raise CellError(problem.partition("：")[2])
    if column.parser is not None:
        return column.parser(value)
    if column.kind == DATE:
        return parse_date(value)
    if column.kind == INT:
        return parse_int(value, column)
    if column.kind == DECIMAL:
        return parse_decimal(value, column)
    if column.kind == BOOL:
        return parse_bool(value)
    if column.kind == CHOICE:
        return parse_choice(value, column)
    return parse_text(value, column)


def _normal_header(value) -> str:
    return "" if value is None else str(value).translate(_BLANK).rstrip("*＊")


def _check_header(spec: SheetSpec, found: Sequence) -> list[RowError]:
    errors = []
    found = [_normal_header(v) for v in found]
    expected = [c.header for c in spec.columns]
    for index, column in enumerate(spec.columns):
        actual = found[index] if index < len(found) else ""
        if actual == column.header:
            continue
        letter = get_column_letter(index + 1)
        if not actual:
            message = f"应为“{column.header}”，实际为空"
        elif actual in expected:
            message = f"应为“{column.header}”，实际为“{actual}”（列的顺序不能改变，请使用下载的模板）"
        else:
            message = f"应为“{column.header}”，实际为“{_shown(actual)}”"
        errors.append(RowError(message, None, letter, column.header))
    for index in range(len(spec.columns), len(found)):
        if found[index]:
            letter = get_column_letter(index + 1)
            errors.append(RowError(f"多出的列“{_shown(found[index])}”：请删除该列，或使用最新的模板", None, letter, ""))
    if errors:
        errors.insert(0, RowError(f"表头与模板不一致，未读取任何数据。第1行应依次为：{'、'.join(expected)}"))
    return errors


def _open(source) -> Workbook:
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    return load_workbook(source, read_only=True, data_only=True)


def open_upload(source, too_big: str) -> Workbook | str:
    """An uploaded workbook opened read-only, or the Chinese reason it is refused: larger than
    ``MAX_FILE_BYTES`` (``too_big`` says what to do), a zip bomb (checked before openpyxl unpacks
    anything), or not a readable .xlsx. Every Excel import opens its file through here."""
    size = getattr(source, "size", None) or (len(source) if isinstance(source, bytes | bytearray) else None)
    if size is not None and size > MAX_FILE_BYTES:
        return f"文件过大（超过 {MAX_FILE_BYTES // 1024 // 1024} MB）：{too_big}"
    bomb = hostile.check_workbook_archive(source)
    if bomb:
        return bomb
    try:
        return _open(source)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        return UNREADABLE


def _data_sheet(workbook, spec: SheetSpec):
    if spec.title in workbook.sheetnames:
        return workbook[spec.title]
    for sheet in workbook.worksheets:
        if sheet.title != INSTRUCTIONS_TITLE:
            return sheet
    return None


def is_large(spec: SheetSpec | None, source, rows: int, *, most: int) -> bool:
    """Whether an uploaded file has more than ``rows`` data rows (on ``spec``'s sheet, or the first sheet)
    and at most ``most`` (beyond that the import refuses it at once), judged from the sheet's own
    <dimension> (written by Excel and WPS), or by counting its <row> elements without parsing them. A file
    that cannot be opened is not large: the import itself reads it and says what is wrong at once."""
    workbook = open_upload(source, "")
    if hasattr(source, "seek"):
        source.seek(0)
    if isinstance(workbook, str):
        return False
    try:
        sheet = _data_sheet(workbook, spec) if spec is not None else workbook.worksheets[0]
        counted = sheet.max_row if sheet is not None else None
        if sheet is not None and counted is None:  # no <dimension> (openpyxl's write-only files): count <row>s
            counted = _count_rows(sheet, most + 2)
    except (ValueError, TypeError, KeyError, IndexError, OSError, zipfile.BadZipFile):
        counted = None
    finally:
        workbook.close()
        if hasattr(source, "seek"):
            source.seek(0)
    return counted is not None and rows < counted - 1 <= most


def _count_rows(sheet, stop: int) -> int:
    """The <row> elements of a read-only sheet's XML, counted in the unpacked stream without parsing it;
    counting stops at ``stop`` (a sheet that long is refused anyway)."""
    found, tail = 0, b""
    with sheet.parent._archive.open(sheet._worksheet_path) as stream:
        while found < stop:
            block = stream.read(1 << 20)
            if not block:
                break
            data = tail + block
            found += data.count(b"<row ") + data.count(b"<row>")
            tail = data[-5:]
            found -= tail.count(b"<row ") + tail.count(b"<row>")
    return found


def read_sheet(spec: SheetSpec, source) -> SheetRead:
    """Check the header, then read every row into typed values, reporting every bad cell.

    Blank rows at the end are ignored; a blank row followed by data is an error (rows below it
    would otherwise be silently lost by people who stop reading at the first gap)."""
    result = SheetRead()
    workbook = open_upload(source, "请分成几个文件导入")
    if isinstance(workbook, str):
        result.errors.append(RowError(workbook))
        result.fatal = True
        return result
    try:
        sheet = _data_sheet(workbook, spec)
        if sheet is not None:
            sheet.reset_dimensions()  # some tools (WPS, exporters) write a wrong <dimension>: read every cell
        width = len(spec.columns)
        # only the template's columns (and a few beyond them, to name an extra column in the header)
        header = (
            next(sheet.iter_rows(max_row=1, max_col=width + 20, values_only=True), None) if sheet is not None else None
        )
        rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True) if sheet is not None else iter(())
        budget = hostile.ReadBudget()
        if header is None or all(_is_blank(v) for v in header):
            result.errors.append(RowError(f"文件为空：第1行应为表头（{'、'.join(spec.headers)}）"))
            result.fatal = True
            return result
        header_errors = _check_header(spec, header)
        if header_errors:
            result.errors.extend(header_errors)
            result.fatal = True
            return result
        blanks: list[int] = []
        progress.phase("读取文件", None, READ_SPAN)
        for number, cells in enumerate(rows, start=2):
            if number % 500 == 0:
                progress.advance(500)
            stop = budget.spend(width)
            if stop:
                result.errors.append(RowError(stop, number))
                result.fatal = True
                return result
            cells = tuple(cells[:width]) + (None,) * (width - len(cells))
            if all(_is_blank(v) for v in cells):
                blanks.append(number)
                continue
            for blank in blanks:
                result.errors.append(RowError("空行：数据中间不能有空行，请删除该行", blank))
            blanks = []
            if len(result.rows) >= spec.max_rows:
                result.errors.append(RowError(f"行数超过 {spec.max_rows} 行，请分成几个文件导入"))
                result.fatal = True
                return result
            row = Row(number, {})
            for column, value in zip(spec.columns, cells, strict=True):
                try:
                    row.values[column.field] = parse_cell(value, column)
                except CellError as exc:
                    row.bad = True
                    row.values[column.field] = None
                    result.errors.append(RowError(str(exc), number, spec.letter(column), column.header))
            result.rows.append(row)
        if not result.rows and not result.errors:
            result.errors.append(RowError("文件中没有数据：请从第2行起填写"))
            result.fatal = True
    finally:
        workbook.close()
    return result


# ---------------------------------------------------------------- importing


def _rejection(spec: SheetSpec, row: Row, exc: RowRejected) -> RowError:
    column = spec.column_for(exc.field) if exc.field else None
    if column is None:
        return RowError(exc.message, row.number)
    return RowError(exc.message, row.number, spec.letter(column), column.header)


def check_rows(spec: SheetSpec, read: SheetRead, check: Callable[[Row], object]) -> None:
    """A first pass over the rows in file order, before anything is saved: ``check`` resolves
    references (which village, which child) and spots duplicates within the file, raising
    :class:`RowRejected`. A rejected row gets its error and is not passed to the import."""
    if read.fatal:
        return
    progress.phase("核对每一行", len(read.rows), CHECK_SPAN)
    for row in read.rows:
        progress.advance()
        if row.bad:
            continue
        try:
            check(row)
        except RowRejected as exc:
            read.errors.append(_rejection(spec, row, exc))
            row.bad = True
        except ValidationError as exc:
            read.errors.extend(errors_from_validation(spec, row, exc))
            row.bad = True


def errors_from_validation(spec: SheetSpec, row: Row, exc: ValidationError) -> list[RowError]:
    """Place an action's ValidationError ({field: [Chinese message]}) on the row's cells."""
    found = []
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    for field_name, messages in items:
        column = spec.column_for(field_name)
        for message in messages:
            if column is None:
                found.append(RowError(message, row.number))
            else:
                found.append(RowError(_strip_message(column, message), row.number, spec.letter(column), column.header))
    return found


def run_import(
    spec: SheetSpec,
    read: SheetRead,
    handle: Callable[[Row], object],
    *,
    order: Callable[[Row], object] | None = None,
    row_savepoint: bool = True,
    finish: Callable[[], object] | None = None,
) -> ImportReport:
    """Save every row through ``handle`` (which calls the real action) in one transaction.

    Each row runs in its own savepoint so one refused row does not stop the others from being
    checked; at the end, if any row (or any cell read earlier) had an error, the whole
    transaction is rolled back: nothing is half-saved. ``order`` sorts the rows before they are
    applied (e.g. collections by date, so that the rules see them in time order); errors keep
    their row numbers. ``row_savepoint=False`` leaves out the per-row savepoint when ``handle``
    makes a single call to an action that is itself atomic (its own savepoint already undoes a
    refused row); this saves about a tenth of the time of a large import. ``finish`` runs inside the
    transaction after every row passed (a batch writing what its rows judged, many rows per statement);
    its refusal is an error about the whole file and rolls everything back.
    """
    errors = list(read.errors)
    if read.fatal:
        return ImportReport(rows=0, saved=0, errors=errors)
    saved = 0
    rows = sorted(read.rows, key=order) if order else read.rows
    progress.phase("逐行检查并保存", len(rows), SAVE_SPAN)
    with transaction.atomic():
        for row in rows:
            if row.bad:
                continue
            try:
                with transaction.atomic() if row_savepoint else nullcontext():
                    handle(row)
            except RowRejected as exc:
                errors.append(_rejection(spec, row, exc))
            except ValidationError as exc:
                errors.extend(errors_from_validation(spec, row, exc))
            except (Http404, PermissionError) as exc:
                errors.append(RowError(str(exc) or "不在您的管辖范围内", row.number))
            except DatabaseError as exc:  # the row's savepoint was rolled back; the transaction goes on
                errors.append(RowError(f"数据库拒绝保存该行：{_shown(exc)}", row.number))
            else:
                saved += 1
            progress.advance()
        if not errors and finish is not None:
            progress.phase("写入数据库", None, FINISH_SPAN)
            try:
                with transaction.atomic():
                    finish()
            except RowRejected as exc:
                errors.append(RowError(exc.message))
            except ValidationError as exc:
                errors.extend(RowError(message) for message in exc.messages)
            except DatabaseError as exc:
                errors.append(RowError(f"数据库拒绝保存：{_shown(exc)}"))
        if errors:
            transaction.set_rollback(True)
            saved = 0
    errors.sort(key=lambda e: (e.row or 0, e.letter.rjust(3)))
    return ImportReport(rows=len(read.rows), saved=saved, errors=errors)


# ---------------------------------------------------------------- writing

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
DATE_FORMAT = "yyyy-mm-dd"


def _validation_for(column: Column, cells: str) -> DataValidation | None:
    prompt = (column.help or column.describe())[:250]
    if column.kind in (CHOICE, BOOL):
        labels = column.choice_labels if column.kind == CHOICE else ["是", "否"]
        check = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
        check.error = f"请从下拉列表选择：{'、'.join(labels)}"
    elif column.kind == DATE:
        # 36526 = 2000-01-01, 73051 = 2099-12-31 as Excel serial numbers
        check = DataValidation(type="date", operator="between", formula1="36526", formula2="73051", allow_blank=True)
        check.error = "请填写日期，如 2025-03-08"
    elif column.kind == INT:
        low = column.min_value if column.min_value is not None else -(10**9)
        high = column.max_value if column.max_value is not None else 10**9
        check = DataValidation(
            type="whole", operator="between", formula1=str(low), formula2=str(high), allow_blank=True
        )
        check.error = f"请填写整数（{low}～{high}）" if column.max_value is not None else "请填写整数"
    elif column.kind == DECIMAL:
        low = column.min_value if column.min_value is not None else 0
        high = column.max_value if column.max_value is not None else 10**6
        check = DataValidation(
            type="decimal", operator="between", formula1=str(low), formula2=str(high), allow_blank=True
        )
        check.error = f"请填写数字（{low}～{high}）"
    else:
        check = DataValidation(allow_blank=True)
    check.errorTitle = column.header
    check.promptTitle = column.header
    check.prompt = prompt
    check.showInputMessage = True
    check.showErrorMessage = column.kind != TEXT
    check.add(cells)
    return check


def build_template(spec: SheetSpec, *, reference: tuple[str, Sequence[str], Iterable[Sequence]] | None = None) -> bytes:
    """A template: the data sheet (header, formats, drop-downs), 填写说明, and an optional
    reference sheet (title, headers, rows), e.g. the villages the user may import into."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.title
    last = TEMPLATE_ROWS + 1
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        note = ("必填。" if column.required else "选填。") + (column.help or column.describe())
        cell.comment = Comment(note, "基层卫健通")
        sheet.column_dimensions[letter].width = column.width
        number_format = DATE_FORMAT if column.kind == DATE else ("@" if column.kind == TEXT else None)
        if number_format:
            for row in range(2, last + 1):
                sheet.cell(row=row, column=index).number_format = number_format
        sheet.add_data_validation(_validation_for(column, f"{letter}2:{letter}{last}"))
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 30

    notes = workbook.create_sheet(INSTRUCTIONS_TITLE)
    notes.column_dimensions["A"].width = 8
    notes.column_dimensions["B"].width = 22
    notes.column_dimensions["C"].width = 10
    notes.column_dimensions["D"].width = 60
    notes.column_dimensions["E"].width = 22
    general = [
        f"在“{spec.title}”工作表中从第2行起每行填写一条记录；不要修改第1行表头，不要增删或调换列。",
        "数据中间不要留空行。日期请填成日期格式（如 2025-03-08）。",
        "导入时会检查每一个单元格：只要有一处错误，整个文件都不会导入，并列出所有错误的行和列；改正后重新上传整个文件即可。",
        *spec.instructions,
    ]
    notes.append([f"{spec.title} 导入模板 · 填写说明"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in general:
        notes.append([line])
    notes.append([])
    notes.append(["列", "表头", "是否必填", "填写要求", "示例"])
    for cell in notes[notes.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in spec.columns:
        notes.append(
            [
                spec.letter(column),
                column.header,
                "必填" if column.required else "选填",
                column.help or column.describe(),
                column.example,
            ]
        )
        notes.cell(row=notes.max_row, column=4).alignment = Alignment(wrap_text=True, vertical="top")
    if reference is not None:
        title, headers, rows = reference
        ref = workbook.create_sheet(title)
        ref.append(list(headers))
        for cell in ref[1]:
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
        for number, values in enumerate(rows, start=2):
            for index, value in enumerate(values, start=1):
                cell = ref.cell(row=number, column=index, value=hostile.clean_cell_text(value))
                cell.number_format = "@"
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"
        for index in range(1, len(headers) + 1):
            ref.column_dimensions[get_column_letter(index)].width = 22
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet, value):
    """A cell for an export. Text that Excel would take for a formula stays text, so a name
    typed as "=HYPERLINK(…)" in the register cannot run as a formula in the exported file."""
    value = hostile.clean_cell_text(value)  # a control character saved before it was refused cannot break an export
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    elif isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    return cell


def write_table(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    info: Sequence[tuple[str, str]] = (),
    widths: Sequence[int] | None = None,
) -> tuple[bytes, int]:
    """An export: one data sheet (header row + rows, streamed) and an 导出信息 sheet.

    Returns the file's bytes and the number of data rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [14] * len(headers), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for values in rows:
        sheet.append([_cell(sheet, v) for v in values])
        count += 1
    meta = workbook.create_sheet("导出信息")
    meta.column_dimensions["A"].width = 14
    meta.column_dimensions["B"].width = 50
    for key, value in [*info, ("行数", str(count))]:
        meta.append([_cell(meta, key), _cell(meta, value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), count
