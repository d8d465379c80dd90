"""Many rows into one table quickly: what ``bulk_create`` writes, without its per-object SQL compiler.

An import of 50,000 collections writes 100,000 rows (each collection and its audit row); Django's
``bulk_create`` spends most of that time preparing each value through the SQL compiler. Here each
field's conversion to the database value is looked up once and the rows go in as multi-row
``INSERT … RETURNING id`` statements (SQLite ≥ 3.35 and PostgreSQL), so the objects get their
primary keys as ``bulk_create`` would give them. No signals, no ``save()``: only for plain models
whose rows need nothing else (the caller validated them; the database constraints still hold), with
their related objects already saved (a foreign key is read from its ``<name>_id``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def insert_many(objs: Sequence[models.Model], *, batch_size: int = 500) -> None:
    """INSERT ``objs`` (all of one model) and set their primary keys; ``auto_now_add`` fields are filled."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    using = router.db_for_write(model)
    connection = connections[using]
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    pk = meta.pk
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 999
    batch_size = max(1, min(batch_size, limit // len(fields)))
    # how each value reaches the database, decided once per field: plain numbers, texts, booleans and
    # foreign keys go as they are; dates, times, JSON, decimals and UUIDs through the field's own conversion
    # (auto_now_add fields get their time from pre_save, as in save())
    plain = {
        "AutoField",
        "BigAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "CharField",
        "TextField",
        "BooleanField",
        "PositiveSmallIntegerField",
        "PositiveIntegerField",
        "ForeignKey",
    }
    ways = []
    for f in fields:
        kind = f.target_field.get_internal_type() if f.many_to_one else f.get_internal_type()
        if kind in plain:
            ways.append((f.attname, None))
        else:
            ways.append((f.attname, f))
    for start in range(0, len(objs), batch_size):
        chunk = objs[start : start + batch_size]
        params: list = []
        for obj in chunk:
            values = obj.__dict__
            for attname, f in ways:
                if f is None:
                    params.append(values[attname])
                else:
                    params.append(f.get_db_prep_save(f.pre_save(obj, True), connection))
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))} "
            f"RETURNING {connection.ops.quote_name(pk.column)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        for obj, pk_value in zip(chunk, ids, strict=True):
            setattr(obj, pk.attname, pk_value)
            obj._state.adding = False
            obj._state.db = using
