"""The one way to write an audit row. Every action function calls :func:`record`."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable

from django.db import models

from jiceng.audit.models import AuditEntry


def _json_safe(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict:
    """A JSON-safe dict of the object's concrete field values (foreign keys as ids)."""
    names = fields or [f.attname for f in obj._meta.concrete_fields]
    return {name: _json_safe(getattr(obj, name)) for name in names}


def audit_entry(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    unit=None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """An unsaved audit row: who, what, which object and unit, before and after."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEntry(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(getattr(actor, "display_name", "") or getattr(actor, "username", "") or "系统")[:100],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        unit=unit,
        unit_path=unit.path if unit is not None else "",
        before=before,
        after=after,
        reason=reason,
    )


def record(**fields) -> AuditEntry:
    """Write one audit row (the fields of :func:`audit_entry`)."""
    entry = audit_entry(**fields)
    entry.save(force_insert=True)
    return entry


def record_many(entries: Iterable[AuditEntry]) -> int:
    """Write many audit rows built with :func:`audit_entry` (a batch import), many per statement."""
    from jiceng.bulk import insert_many

    rows = list(entries)
    insert_many(rows)
    return len(rows)
