"""An audit row in words: the field names of ``before`` / ``after`` in Chinese (a model field's verbose name, a
report element's name) and their values as people read them (a unit's name rather than its id, 是/否, a
choice's label), for the audit pages."""

from __future__ import annotations

from functools import lru_cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

# keys written by actions that are not model fields
COMMON = {
    "computed": "台账计算值",
    "reason": "原因",
    "cancelled": "已撤销",
    "status": "状态",
    "version": "版本",
    "rows": "行数",
    "masked": "已脱敏",
    "quantity": "数量",
    "packs": "包数",
    "child": "儿童",
    "kept": "保留记录",
    "duplicate": "重复记录",
    "approved": "已审定",
    "state": "状态",
    "period": "期间",
    "official": "正式数",
    "start": "起始日期",
    "end": "截止日期",
    "batches": "批号",
    "reversal": "冲正记录",
    "received_quantity": "实收数量",
    "difference_reason": "差异原因",
    "counts": "盘点数",
    "adjusted": "调整行数",
    "changed": "数据变化",
    "kept_author_text": "保留作者修改的段落",
    "first_month": "起始月份",
    "last_month": "截止月份",
    "to_village": "迁入村",
}


@lru_cache(maxsize=64)
def _model(object_type: str):
    try:
        app_label, name = object_type.split(".", 1)
        return apps.get_model(app_label, name)
    except (ValueError, LookupError):
        return None


def _field(object_type: str, key: str):
    model = _model(object_type)
    if model is None:
        return None
    for name in (key, key[:-3] if key.endswith("_id") else None):
        if not name:
            continue
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


@lru_cache(maxsize=512)
def _element_name(code: str) -> str | None:
    from jiceng.reporting.packs import all_datasets

    for dataset in all_datasets().values():
        if dataset.has_element(code):
            return dataset.element(code).name
    return None


def field_label(object_type: str, key: str) -> str:
    if object_type == "reporting.report":
        name = _element_name(key)
        if name:
            return f"{name}（{key}）"
    field = _field(object_type, key)
    if field is not None and getattr(field, "verbose_name", None) and str(field.verbose_name) != key.replace("_", " "):
        return str(field.verbose_name)
    return COMMON.get(key, key)


def value_text(object_type: str, key: str, value) -> object:
    if value is None or value in ("", "None"):  # "None": a missing number written as text
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    field = _field(object_type, key)
    if isinstance(field, models.ForeignKey) and isinstance(value, int):
        target = field.related_model.objects.filter(pk=value).first()
        if target is not None:
            return getattr(target, "display_name", None) or str(target)
    if field is not None and getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if key == "village_id" and isinstance(value, int):
        from jiceng.orgunits.models import OrgUnit

        unit = OrgUnit.objects.filter(pk=value).first()
        return unit.display_name if unit else value
    if isinstance(value, dict):
        return "，".join(f"{k}：{v}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


def readable_changes(entry) -> list[tuple[str, object, object]]:
    """(Chinese field name, before, after) for every field the row changed."""
    rows = []
    for key, before, after in entry.changed_fields():
        shown = (value_text(entry.object_type, key, before), value_text(entry.object_type, key, after))
        if shown[0] != shown[1]:
            rows.append((field_label(entry.object_type, key), *shown))
    return rows
