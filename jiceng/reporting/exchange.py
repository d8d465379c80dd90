"""Data values out and in as DHIS2 ``dataValueSets`` JSON and ADX (the IHE ADX profile, SDMX-based XML),
so that a county already on DHIS2 can exchange figures with Jiceng.

Out (:func:`export`): the values of every unit in the user's subtree under a root that has a report of the
data set, for the data set's report periods inside the periods asked (a quarter of a monthly form: its
three months), official (approved) or working figures — always from :func:`jiceng.reporting.aggregate.unit_values`,
never computed another way. Every export writes an audit row (``export.dhis2``) with its row count.

In (:func:`import_values`): all or nothing, like :mod:`jiceng.reporting.layout_import`. The payload is read
(at most 5 MB and 100,000 values, no control characters; XML through ``defusedxml`` with DTDs refused, so
entity expansion and external entities never happen), then every value is checked — a known data set, an
element of it, a unit in the user's subtree that reports the data set, a period of the data set's kind that
has begun, a number that is not negative, no value twice, no locked report — and only when all are valid
are the values saved, report by report through :func:`jiceng.reporting.actions.set_values`, in one
transaction, with one audit row (``report.dhis2_import``) per report. Every problem names the value.

Periods: DHIS2 writes a month ``202603`` and a quarter ``2026Q1``; ADX writes an ISO 8601 start and
duration, ``2026-03-01/P1M`` and ``2026-01-01/P3M``; Jiceng writes ``2026-03`` and ``2026Q1``.
Units are identified by their code (统计用区划代码), data elements by their pack code (DHIS2's
``idScheme=CODE``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET  # building ADX only: input is parsed with defusedxml
from dataclasses import dataclass, field
from decimal import Decimal

import defusedxml
from defusedxml import ElementTree as SafeET
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.excel import CellError
from jiceng.orgunits.models import INSTITUTION_KINDS, OrgUnit, subtree_q
from jiceng.periods import Period, PeriodError, parse_period, quarter_of
from jiceng.reporting import actions
from jiceng.reporting.aggregate import report_periods, unit_values
from jiceng.reporting.models import Report
from jiceng.reporting.packs import DataSet, find_dataset
from jiceng.reporting.typed_import import parse_value
from jiceng.reporting.values import current_cells

ADX_NS = "urn:ihe:qrph:adx:2015"
FORMATS = ("json", "adx")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "adx": "application/adx+xml; charset=utf-8"}
MAX_BYTES = 5 * 1024 * 1024
MAX_VALUES = 100_000
MAX_ERRORS = 200  # errors listed; the rest are counted
IMPORT_REASON = "导入DHIS2数据"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DHIS2_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_DHIS2_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_ADX_PERIOD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})/P([13])M$")
_ADX_VALUE_ATTRIBUTES = {"dataElement", "value"}


class ExchangeError(ValueError):
    """A request that cannot be answered (bad data set, period, format); the message is Chinese."""


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


def dhis2_period(code: str) -> str:
    """Jiceng's 2026-03 → DHIS2's 202603; a quarter 2026Q1 is written the same in both."""
    period = parse_period(code)
    if period.kind == "month":
        return f"{period.start.year:04d}{period.start.month:02d}"
    if period.kind == "quarter":
        return period.code
    raise ExchangeError(f"报告期 {code} 不是月份或季度")


def adx_period(code: str) -> str:
    """Jiceng's 2026-03 → ADX's 2026-03-01/P1M; 2026Q1 → 2026-01-01/P3M."""
    period = parse_period(code)
    if period.kind not in ("month", "quarter"):
        raise ExchangeError(f"报告期 {code} 不是月份或季度")
    return f"{period.start.isoformat()}/P{1 if period.kind == 'month' else 3}M"


def jiceng_period(text: str, fmt: str) -> Period:
    """A period as DHIS2 (202603, 2026Q1) or ADX (2026-03-01/P1M, 2026-01-01/P3M) writes it, as a Jiceng
    period; Jiceng's own 2026-03 is accepted too. Raises ExchangeError with a Chinese message."""
    text = (text or "").strip()
    hint = (
        "ADX 的报告期写作 起始日/时长，如月份 2026-03-01/P1M、季度 2026-01-01/P3M"
        if fmt == "adx"
        else "DHIS2 的报告期：月份写作 202603，季度写作 2026Q1"
    )
    try:
        match = _ADX_PERIOD.match(text)
        if match:
            year, month, day, months = (int(g) for g in match.groups())
            if day != 1 or not 1 <= month <= 12 or (months == 3 and month % 3 != 1):
                raise ExchangeError(f"报告期“{text[:30]}”不是自然月或自然季度的起始日：{hint}")
            if months == 1:
                return parse_period(f"{year:04d}-{month:02d}")
            return quarter_of(dt.date(year, month, 1))
        match = _DHIS2_MONTH.match(text)
        if match:
            return parse_period(f"{match.group(1)}-{match.group(2)}")
        match = _DHIS2_QUARTER.match(text)
        if match or re.match(r"^\d{4}-\d{1,2}$", text):
            return parse_period(text)
    except PeriodError:
        pass
    raise ExchangeError(f"报告期“{text[:30]}”无法识别：{hint}")


def export_periods(ds: DataSet, codes: list[str], *, today=None) -> list[str]:
    """The data set's report periods inside the periods asked (Jiceng codes: a month, a quarter, a year…;
    DHIS2's 202603 too), those that have begun; a ValidationError (``period``) in Chinese when there are none."""
    today = today or timezone.localdate()
    out: list[str] = []
    for code in codes:
        try:
            period = parse_period(code)
        except PeriodError as exc:
            try:  # DHIS2's 202603 (or ADX's 2026-03-01/P1M) for a month
                period = jiceng_period(code, "adx" if "/" in (code or "") else "json")
            except ExchangeError:
                raise ValidationError({"period": f"报告期：{exc}"}) from None
        inside = report_periods(ds, period)
        if not inside:
            raise ValidationError(
                {"period": f"报告期：{ds.name}是季报，{period.label}不含完整的季度；请写季度，如 2026Q1，或年度 2026"}
            )
        begun = [p for p in inside if parse_period(p).start <= today]
        if not begun:
            raise ValidationError({"period": f"报告期：{period.label}尚未开始，没有可导出的数据"})
        out.extend(p for p in begun if p not in out)
    return out


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


@dataclass
class ExportResult:
    content: bytes
    content_type: str
    rows: int  # data values written
    units: int
    periods: list[str]
    fmt: str

    @property
    def extension(self) -> str:
        return "json" if self.fmt == "json" else "adx.xml"


def _text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    return f"{value.normalize():f}"


def reporting_units(ds: DataSet, root: OrgUnit) -> list[OrgUnit]:
    """The units under ``root`` (inclusive) that have a report of ``ds``, in tree order."""
    candidates = (
        OrgUnit.objects.filter(subtree_q(root.path), active=True, level__in=ds.levels)
        .exclude(kind__in=INSTITUTION_KINDS)
        .order_by("path")
    )
    return [unit for unit in candidates if ds.is_reported_by(unit)]


def export_values(user, ds: DataSet, root: OrgUnit, periods: list[str], *, official: bool) -> list[dict]:
    """Every value of every reporting unit under ``root`` for the report periods ``periods`` (Jiceng codes),
    as DHIS2 data values, from the one aggregation. ``root`` outside the user's subtree is Http404."""
    access.require_unit_in_scope(user, root)
    units = reporting_units(ds, root)
    cells = unit_values(ds, units, periods, official=official, with_own=True)
    out = []
    for unit in units:
        for period in periods:
            unit_cells = cells.get((unit.pk, period), {})
            for element in ds.elements:
                cell = unit_cells.get(element.code)
                if cell is None or cell.value is None:
                    continue
                row = {
                    "dataElement": element.code,
                    "period": dhis2_period(period),
                    "orgUnit": unit.code,
                    "value": _text(cell.value),
                }
                if cell.overridden and cell.reason:
                    row["comment"] = cell.reason
                out.append(row)
    return out


def render_json(ds: DataSet, values: list[dict]) -> bytes:
    body = {"dataSet": ds.code, "dataValues": values}
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


def render_adx(ds: DataSet, values: list[dict]) -> bytes:
    # plain tags under an xmlns attribute: every element is in the ADX namespace, without touching
    # ElementTree's global prefix map
    root = ET.Element("adx", {"xmlns": ADX_NS, "exported": timezone.now().isoformat(timespec="seconds")})
    groups: dict[tuple[str, str], ET.Element] = {}
    for row in values:
        key = (row["orgUnit"], row["period"])
        group = groups.get(key)
        if group is None:
            period = jiceng_period(row["period"], "json")
            group = ET.SubElement(
                root,
                "group",
                {"dataSet": ds.code, "orgUnit": row["orgUnit"], "period": adx_period(period.code)},
            )
            groups[key] = group
        item = ET.SubElement(group, "dataValue", {"dataElement": row["dataElement"], "value": row["value"]})
        if row.get("comment"):
            ET.SubElement(item, "annotation").text = row["comment"]
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def export(
    user, ds: DataSet, root_unit: OrgUnit, periods: list[str], *, official: bool = True, fmt: str = "json"
) -> ExportResult:
    """The values of every unit under ``root_unit`` in the user's subtree that reports ``ds``, for the
    report periods inside ``periods`` (Jiceng codes), as dataValueSets JSON or ADX; audited."""
    if fmt not in FORMATS:
        raise ValidationError({"format": f"格式：只能是 json 或 adx（收到 {str(fmt)[:20]}）"})
    access.require_unit_in_scope(user, root_unit)
    report_codes = export_periods(ds, list(periods))
    values = export_values(user, ds, root_unit, report_codes, official=official)
    content = render_json(ds, values) if fmt == "json" else render_adx(ds, values)
    units = len({v["orgUnit"] for v in values})
    record(
        actor=user,
        action=actions_catalog.EXPORT_DHIS2,
        object_type="dataset",
        object_id=ds.code,
        object_repr=f"{ds.name} {root_unit.display_name} {'、'.join(report_codes)}"[:200],
        unit=root_unit,
        after={
            "rows": len(values),
            "units": units,
            "dataset": ds.code,
            "periods": report_codes,
            "figures": "official" if official else "working",
            "format": fmt,
        },
    )
    return ExportResult(content, CONTENT_TYPES[fmt], len(values), units, report_codes, fmt)


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@dataclass
class RawValue:
    """One data value as read from the payload (strings, not yet checked)."""

    number: int  # 1-based position in the payload
    dataset: str
    element: str
    unit: str
    period: str
    value: object

    def label(self) -> str:
        return (
            f"第{self.number}个数值（数据元 {_shown(self.element)}，单位 {_shown(self.unit)}，"
            f"报告期 {_shown(self.period)}）"
        )


@dataclass
class ImportResult:
    fmt: str
    errors: list[str] = field(default_factory=list)
    values: int = 0  # data values read
    reports: list[Report] = field(default_factory=list)  # reports saved
    changed: int = 0  # values that differed from what the reports held
    more_errors: int = 0  # errors beyond MAX_ERRORS, counted only

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)
        else:
            self.more_errors += 1

    def all_errors(self) -> list[str]:
        if self.more_errors:
            return [*self.errors, f"……另有 {self.more_errors} 个问题未列出"]
        return list(self.errors)

    def summary(self) -> str:
        if not self.ok:
            return f"导入未执行：发现 {len(self.errors) + self.more_errors} 个问题，未保存任何数值"
        return f"已导入 {self.values} 个数值（{len(self.reports)} 份报表，其中 {self.changed} 个数值有变化）"

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "detail": self.summary(),
            "format": self.fmt,
            "values": self.values,
            "reports": [{"dataset": r.dataset, "orgUnit": r.unit.code, "period": r.period} for r in self.reports],
            "changed": self.changed,
            "errors": self.all_errors(),
        }


class _Rollback(Exception):
    """Undo the whole import: some report could not be saved."""


def _shown(value) -> str:
    text = "" if value is None else str(value)
    return (text[:30] + "…") if len(text) > 30 else text


def _field(item: dict, key: str, default=None) -> str:
    value = item.get(key, default)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ExchangeError(f"{key} 应为文字，收到 {_shown(json.dumps(value, ensure_ascii=False))}")
    return str(value).strip()


def _read_json(payload: bytes, dataset_code: str | None) -> list[RawValue]:
    try:
        body = json.loads(payload.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ExchangeError("无法读取：JSON 应为 UTF-8 编码") from None
    except json.JSONDecodeError as exc:
        raise ExchangeError(f"JSON 格式错误（第{exc.lineno}行第{exc.colno}列），无法读取") from None
    except RecursionError:
        raise ExchangeError("JSON 嵌套过深，无法读取") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise ExchangeError("JSON 中的数字过长，无法读取") from None
    if not isinstance(body, dict):
        raise ExchangeError('JSON 应为一个对象：{"dataSet": …, "dataValues": […]}')
    items = body.get("dataValues")
    if not isinstance(items, list):
        raise ExchangeError('缺少 dataValues：应为数据值的列表 [{"dataElement", "period", "orgUnit", "value"}]')
    if len(items) > MAX_VALUES:
        raise ExchangeError(f"数值过多（{len(items)} 个，上限 {MAX_VALUES}）：请分批导入")
    top = {}
    for key in ("dataSet", "period", "orgUnit"):
        top[key] = _field(body, key)
    out = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ExchangeError(f'第{number}个数值应为对象 {{"dataElement", "period", "orgUnit", "value"}}')
        try:
            if item.get("deleted") is True:
                raise ExchangeError("不支持通过导入删除数值（deleted）")
            value = item.get("value")
            if isinstance(value, str) and _CONTROL.search(value):
                raise ExchangeError("含有控制字符")
            raw = RawValue(
                number,
                _field(item, "dataSet", top["dataSet"] or dataset_code),
                _field(item, "dataElement"),
                _field(item, "orgUnit", top["orgUnit"]),
                _field(item, "period", top["period"]),
                value,
            )
        except ExchangeError as exc:
            raise ExchangeError(f"第{number}个数值：{exc}") from None
        if any(_CONTROL.search(t) for t in (raw.dataset, raw.element, raw.unit, raw.period)):
            raise ExchangeError(f"第{number}个数值含有控制字符")
        out.append(raw)
    return out


def _local(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return None, tag


def _read_adx(payload: bytes, dataset_code: str | None) -> list[RawValue]:
    try:
        root = SafeET.fromstring(payload, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException:
        raise ExchangeError("XML 含有文档类型定义或实体（DOCTYPE/ENTITY），为安全起见拒绝导入") from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise ExchangeError(f"XML 格式错误（第{line}行），无法读取") from None
    namespace, name = _local(root.tag)
    if name != "adx" or namespace not in (ADX_NS, None):
        raise ExchangeError(f'不是 ADX 文件：根元素应为 <adx xmlns="{ADX_NS}">')
    out: list[RawValue] = []
    for group in root:
        if _local(group.tag)[1] != "group":
            continue
        for item in group:
            if _local(item.tag)[1] != "dataValue":
                continue
            number = len(out) + 1
            if number > MAX_VALUES:
                raise ExchangeError(f"数值过多（超过 {MAX_VALUES} 个）：请分批导入")
            extra = sorted(set(item.attrib) - _ADX_VALUE_ATTRIBUTES)
            raw = RawValue(
                number,
                (group.get("dataSet") or dataset_code or "").strip(),
                (item.get("dataElement") or "").strip(),
                (group.get("orgUnit") or "").strip(),
                (group.get("period") or "").strip(),
                item.get("value"),
            )
            if extra:
                raise ExchangeError(
                    f"{raw.label()}：带有分类维度 {'、'.join(_shown(a) for a in extra[:5])}，本系统的数据元没有分类，不能导入"
                )
            out.append(raw)
    return out


def read_payload(payload: bytes, fmt: str, dataset_code: str | None = None) -> list[RawValue]:
    """The data values of a payload, or ExchangeError (size, control characters, syntax, hostile XML)."""
    if fmt not in FORMATS:
        raise ExchangeError(f"格式：只能是 json 或 adx（收到 {_shown(fmt)}）")
    if len(payload) > MAX_BYTES:
        raise ExchangeError(f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）：请分批导入")
    if not payload.strip():
        raise ExchangeError("内容为空：没有可导入的数值")
    if _CONTROL_BYTES.search(payload):
        raise ExchangeError("含有控制字符（如 NUL），拒绝导入；请使用 UTF-8 编码的文本")
    return _read_json(payload, dataset_code) if fmt == "json" else _read_adx(payload, dataset_code)


@dataclass
class _Planned:
    ds: DataSet
    unit: OrgUnit
    period: str
    values: dict[str, Decimal] = field(default_factory=dict)


def _check_values(user, raws: list[RawValue], fmt: str, result: ImportResult) -> dict[tuple, _Planned]:
    codes = {raw.unit for raw in raws if raw.unit}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)} if codes else {}
    planned: dict[tuple, _Planned] = {}
    seen: dict[tuple, int] = {}
    today = timezone.localdate()
    for raw in raws:
        where = raw.label()
        if not raw.dataset:
            result.error(f"{where}：缺少报表代码（dataSet）")
            continue
        ds = find_dataset(raw.dataset)
        if ds is None:
            result.error(f"{where}：没有代码为“{_shown(raw.dataset)}”的报表（dataSet）")
            continue
        bad = False
        if not raw.element:
            result.error(f"{where}：缺少数据元代码（dataElement）")
            bad = True
        elif not ds.has_element(raw.element):
            result.error(f"{where}：数据元“{_shown(raw.element)}”不是{ds.name}（{ds.code}）的数据元")
            bad = True
        unit = units.get(raw.unit)
        if not raw.unit:
            result.error(f"{where}：缺少单位代码（orgUnit）")
            bad = True
        elif unit is None or not access.unit_is_visible(user, unit):
            result.error(f"{where}：单位代码 {_shown(raw.unit)} 不存在或不在您的管辖范围内")
            bad = True
        elif not ds.is_reported_by(unit):
            result.error(f"{where}：{unit.display_name}不填报{ds.name}（该表由{actions.who_fills(ds)}填报）")
            bad = True
        period = None
        try:
            period = jiceng_period(raw.period, fmt)
        except ExchangeError as exc:
            result.error(f"{where}：{exc}")
            bad = True
        if period is not None and period.kind != ds.period_kind:
            wanted = (
                ("季报", "季度", "2026Q1", "2026-01-01/P3M")
                if ds.period_kind == "quarter"
                else ("月报", "月份", "202603", "2026-03-01/P1M")
            )
            result.error(
                f"{where}：{ds.name}是{wanted[0]}，报告期应为{wanted[1]}"
                f"（{wanted[3] if fmt == 'adx' else wanted[2]}），收到{period.label}"
            )
            bad = True
        elif period is not None and period.start > today:
            result.error(f"{where}：{period.label}尚未开始，不能填报未来的报告期")
            bad = True
        value = None
        if raw.value is None or (isinstance(raw.value, str) and not raw.value.strip()):
            result.error(f"{where}：缺少数值（value）")
            bad = True
        else:
            try:
                value = parse_value(raw.value)
            except CellError as exc:
                result.error(f"{where}：数值{exc}")
                bad = True
        if bad:
            continue
        key = (ds.code, unit.pk, period.code, raw.element)
        if key in seen:
            result.error(f"{where}：重复（与第{seen[key]}个数值的报表、数据元、单位和报告期相同）")
            continue
        seen[key] = raw.number
        group = planned.setdefault((ds.code, unit.pk, period.code), _Planned(ds, unit, period.code))
        group.values[raw.element] = value
    return planned


def _check_locks(planned: dict[tuple, _Planned], result: ImportResult) -> None:
    if not planned:
        return
    wanted = set(planned)
    rows = (
        Report.objects.filter(
            dataset__in={k[0] for k in wanted},
            unit_id__in={k[1] for k in wanted},
            period__in={k[2] for k in wanted},
        )
        .select_related("unit", "unit__parent", "submitted_by", "reviewed_by", "returned_by")
        .order_by("unit__path", "period")
    )
    for report in rows:
        key = (report.dataset, report.unit_id, report.period)
        if key not in wanted:
            continue
        try:
            actions.refuse_if_locked(report)
        except ValidationError as exc:
            result.error(f"{report.unit.display_name}（{report.unit.code}）{report.period}：{' '.join(exc.messages)}")


def import_values(user, payload: bytes, fmt: str = "json", *, dataset: str | None = None) -> ImportResult:
    """Read, check and save a dataValueSets JSON or ADX payload: every value or none."""
    result = ImportResult(fmt)
    if not access.can(user, "reports.fill"):
        result.error("您的角色不能填报报表，不能导入数据")
        return result
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    try:
        raws = read_payload(bytes(payload), fmt, dataset)
    except ExchangeError as exc:
        result.error(str(exc))
        return result
    if not raws:
        result.error("没有可导入的数值（dataValues 为空）")
        return result
    result.values = len(raws)
    planned = _check_values(user, raws, fmt, result)
    if result.errors or result.more_errors:
        return result
    _check_locks(planned, result)
    if result.errors:
        return result
    _save(user, planned, fmt, result)
    return result


def _save(user, planned: dict[tuple, _Planned], fmt: str, result: ImportResult) -> None:
    label = "ADX" if fmt == "adx" else "dataValueSets JSON"
    try:
        with transaction.atomic():
            for item in sorted(planned.values(), key=lambda p: (p.ds.code, p.unit.path, p.period)):
                where = f"{item.unit.display_name}（{item.unit.code}）{item.period}"
                try:
                    report = actions.get_report(item.ds.code, item.unit, item.period)
                    actions.refuse_if_locked(report)
                    cells = current_cells(item.ds, report)
                    changed = {
                        code: value
                        for code, value in item.values.items()
                        if code not in cells or cells[code].value != value
                    }
                    if changed:
                        actions.set_values(
                            report,
                            {code: _text(v) for code, v in changed.items()},
                            reason=IMPORT_REASON,
                            acting_user=user,
                        )
                except ValidationError as exc:
                    for message in exc.messages:
                        result.error(f"{where}：{message}")
                    continue
                result.changed += len(changed)
                result.reports.append(report)
                record(
                    actor=user,
                    action=actions_catalog.REPORT_DHIS2_IMPORT,
                    obj=report,
                    unit=item.unit,
                    after={
                        "format": fmt,
                        "values": {code: _text(v) for code, v in item.values.items()},
                        "changed": sorted(changed),
                    },
                    reason=f"{IMPORT_REASON}（{label}）",
                )
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.reports, result.changed = [], 0
    except access.AccessDenied as exc:
        result.error(str(exc))
        result.reports, result.changed = [], 0


__all__ = [
    "ADX_NS",
    "ExchangeError",
    "ExportResult",
    "ImportResult",
    "adx_period",
    "dhis2_period",
    "export",
    "export_periods",
    "export_values",
    "import_values",
    "jiceng_period",
    "read_payload",
]
