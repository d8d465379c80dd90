"""The one pagination of every API list (``REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]``).

``?limit=`` defaults to 100 and is capped at :data:`MAX_LIMIT` (200): a larger number gets 200 rows and
the ``next`` link, so no request pulls a whole county's register at once. A limit or offset that is not
a whole number, a limit below 1, or an offset beyond :data:`MAX_OFFSET` is a 400 with a Chinese message.

Lists of personal data (children, collections, follow-up cards, stock-ledger lines, whose lines name the
children issued to) write one audit row per request with the number of rows read (PIPL, README
"Personal data").
"""

from __future__ import annotations

import datetime as dt

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record

DEFAULT_LIMIT = 100
MAX_LIMIT = 200
MAX_OFFSET = 2**31 - 1  # well inside every database's integer range

#: model (``app_label.model``) → what the audit row says was read (a key of ``API_READ_ACTIONS``)
PERSONAL_DATA_LISTS = {
    "nutrition.child": "children",
    "nutrition.collection": "collections",
    "nutrition.followup": "followups",
    "stock.stockline": "stock_ledger",
    "benefits.enrolment": "benefit_enrolments",
}


def _whole_number(request, name: str, *, minimum: int, maximum: int | None, message: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit():
        raise ValidationError({name: [message]})
    value = 10**12 if len(text) > 12 else int(text)  # no 31-digit integer needed to know it is too big
    if value < minimum:
        raise ValidationError({name: [message]})
    if maximum is not None and value > maximum:
        raise ValidationError({name: [message]})
    return value


class CappedLimitOffsetPagination(LimitOffsetPagination):
    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        value = _whole_number(
            request,
            self.limit_query_param,
            minimum=1,
            maximum=None,
            message=f"limit：每页条数应为 1 到 {MAX_LIMIT} 的整数",
        )
        return self.default_limit if value is None else min(value, self.max_limit)

    def get_offset(self, request):
        value = _whole_number(
            request,
            self.offset_query_param,
            minimum=0,
            maximum=MAX_OFFSET,
            message="offset：起始位置应为不小于 0 的整数",
        )
        return value or 0

    def paginate_queryset(self, queryset, request, view=None):
        page = super().paginate_queryset(queryset, request, view)
        model = getattr(queryset, "model", None)
        what = PERSONAL_DATA_LISTS.get(model._meta.label_lower) if model is not None else None
        if what is not None and page is not None:
            log_bulk_read(request, what, len(page))
        return page


def log_bulk_read(request, what: str, count: int) -> None:
    """PIPL: reading personal data in bulk through the API is logged like an export."""
    record(
        actor=request.user,
        action=actions_catalog.API_READ_ACTIONS[what],
        object_type=what,
        object_repr=f"{count} 条",
        unit=access.scope_root(request.user),
        after={"count": count, "path": request.path, "at": dt.datetime.now().isoformat()},
    )
