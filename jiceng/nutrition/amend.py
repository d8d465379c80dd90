"""更正 and 撤销: correcting or cancelling any register entry — a collection, a follow-up card, a consent, a
doctor's assessment, a move — with a reason (原因).

* Who: the person who entered it, or a user of the level above (the township health centre for a village
  clinic's entry) with ``registers.edit``.
* When: while the month's report of the entry's village is open. Once it is submitted or approved the entry is
  locked; the reviewer returns (reopens) the report first.
* How: nothing is deleted. A cancelled entry keeps its row, marked cancelled with who, when and why
  (``Amendable``); no figure, rule, list, export or report counts it. A correction cancels the entry and
  records the corrected one through the same action as a new entry (the same checks, the rules against the
  rest of the history), in one transaction. A collection's issue on the stock ledger is reversed by a
  reversing line (the ledger is append-only) and the corrected collection issues again. A cancelled move
  gives the child back its village and residence. The child's status is computed from the entries that stand,
  so it follows at once.
* Every cancel and correction writes one audit row with the fields before → after and the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.errors import Conflict
from jiceng.nutrition import actions
from jiceng.nutrition.models import Assessment, Child, Collection, Consent, FollowUp, Move, Residence
from jiceng.orgunits.models import OrgUnit


@dataclass(frozen=True)
class Kind:
    model: type
    label: object  # what staff call the entry
    date_field: str
    recorder_field: str
    fields: tuple[str, ...]  # what a correction may change, in the record action's keyword names


KINDS: dict[str, Kind] = {
    "collection": Kind(
        Collection, gettext_lazy("领取记录"), "collected_on", "issued_by", ("collected_on", "packs", "collected_by")
    ),
    "consent": Kind(
        Consent, gettext_lazy("知情同意书"), "signed_on", "recorded_by", ("signed_on", "signed_by", "relation")
    ),
    "assessment": Kind(
        Assessment,
        gettext_lazy("医生评估"),
        "assessed_on",
        "recorded_by",
        ("assessed_on", "suitable", "doctor", "note"),
    ),
    "followup": Kind(
        FollowUp,
        gettext_lazy("随访卡"),
        "visited_on",
        "recorded_by",
        FollowUp.ENTERED_FIELDS,
    ),
    "move": Kind(
        Move, gettext_lazy("迁移/死亡登记"), "happened_on", "recorded_by", ("kind", "happened_on", "to_village", "note")
    ),
}

REASON_MAX = 200


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        from django.http import Http404

        raise Http404(_("未找到该记录")) from None


def entry_or_404(user, kind: str, pk: int, *, for_update: bool = False):
    """One entry (cancelled ones too) of a child in the user's subtree; 404 outside it."""
    model = kind_of(kind).model
    queryset = model.all_objects.select_related("child", "child__village")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    return access.object_in_scope_or_404(user, queryset, unit_field="child__village", pk=pk)


def entry_date(kind: str, entry) -> dt.date:
    return getattr(entry, KINDS[kind].date_field)


def current_values(kind: str, entry) -> dict[str, object]:
    """The entry's values under the record action's keyword names (what the correction form starts from)."""
    values = {}
    for name in KINDS[kind].fields:
        if name == "to_village":
            values[name] = entry.to_unit if entry.kind == Move.Kind.TRANSFER else None
        else:
            values[name] = getattr(entry, name)
    return values


def refusal(user, kind: str, entry) -> str | None:
    """Why ``user`` may not correct or cancel ``entry`` now (a Chinese sentence), or None."""
    if not access.can(user, "registers.edit"):
        return _("您的角色不能更正或撤销登记")
    if entry.cancelled:
        return _("该%(what)s已于 %(at)s 撤销") % {
            "what": KINDS[kind].label,
            "at": timezone.localtime(entry.cancelled_at).strftime("%Y-%m-%d %H:%M"),
        }
    if entry.child.merged_into_id:
        return _("该记录已合并到其他记录，请在合并后的记录上操作")
    village = entry.child.village
    recorder_id = getattr(entry, f"{KINDS[kind].recorder_field}_id")
    root = access.scope_root(user)
    above = root is not None and root.pk != village.pk and village.path.startswith(root.path)
    if recorder_id != user.pk and not above:
        return _("只有登记人或上级（乡镇卫生院）可以更正或撤销此记录")
    clinic = getattr(entry, "unit", None) or village  # collections and cards belong to the clinic of their day
    return locked_month(clinic, entry_date(kind, entry))


def locked_month(village: OrgUnit, day: dt.date) -> str | None:
    """The village's register report for the period of ``day`` is submitted or approved: its entries are
    locked until the level above returns it (the same lock as a new entry, ``reporting.queries``)."""
    from jiceng.reporting.actions import _who_reopens, describe_state
    from jiceng.reporting.queries import locked_report_for

    report = locked_report_for(village, actions.REGISTER_SOURCE, day)
    if report is None:
        return None
    return _("%(m)s 的月报表%(state)s，该月登记已锁定，不能更正或撤销；如需更正，请联系%(who)s退回报表") % {
        "m": report.period,
        "state": describe_state(report),
        "who": _who_reopens(report),
    }


def _check_reason(reason) -> str:
    from jiceng.documents.hostile import control_message

    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise ValidationError({"reason": _("原因：请写明更正或撤销的原因（如误点发放、数量填错）")})
    problem = control_message(_("原因"), reason, multiline=True)
    if problem is None and len(reason) > REASON_MAX:
        problem = _("原因：不能超过%(n)d个字") % {"n": REASON_MAX}
    if problem:
        raise ValidationError({"reason": problem})
    return reason


def _plain(value) -> object:
    if isinstance(value, (dt.date, OrgUnit)):
        return value.isoformat() if isinstance(value, dt.date) else value.name
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _lock(user, kind: str, pk: int, reason) -> tuple[object, str]:
    entry = entry_or_404(user, kind, pk, for_update=True)
    Child.objects.select_for_update().filter(pk=entry.child_id).first()  # the child's history changes
    why = refusal(user, kind, entry)
    if why is not None:
        error = Conflict if entry.cancelled else ValidationError
        raise error({"__all__": [why]})
    return entry, _check_reason(reason)


def _undo(user, kind: str, entry, reason: str) -> None:
    """Mark the entry cancelled and undo what it did outside its row (stock, the child's village/residence)."""
    if kind == "collection":
        from jiceng.stock.actions import reverse_collection_issue

        reverse_collection_issue(entry, reason=reason, acting_user=user)
    elif kind == "move":
        _undo_move(user, entry)
    entry.cancelled_at, entry.cancelled_by, entry.cancel_reason = timezone.now(), user, reason
    entry.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])


def _undo_move(user, move: Move) -> None:
    child = Child.objects.select_for_update().get(pk=move.child_id)
    later = Move.objects.filter(child=child).exclude(pk=move.pk)
    if (
        later.filter(happened_on__gt=move.happened_on).exists()
        or later.filter(happened_on=move.happened_on, pk__gt=move.pk).exists()
    ):
        raise ValidationError({"__all__": [_("只能撤销该儿童最近一次迁移/死亡登记；请先撤销之后的登记")]})
    if move.kind == Move.Kind.TRANSFER:
        access.require_unit_in_scope(user, move.from_unit)
        child.village = move.from_unit
        child.county = actions._county_of(move.from_unit)
    else:
        previous = later.order_by("-happened_on", "-pk").first()
        child.residence = {
            Move.Kind.MOVE_OUT: Residence.MOVED_OUT,
            Move.Kind.DEATH: Residence.DECEASED,
        }.get(getattr(previous, "kind", None), Residence.RESIDENT)
    child.save(update_fields=["village", "county", "residence"])


@transaction.atomic
def cancel_entry(kind: str, pk: int, *, reason: str, acting_user):
    """撤销: the entry stops counting; its row, who cancelled it, when and why stay."""
    entry, reason = _lock(acting_user, kind, pk, reason)
    before = {name: _plain(value) for name, value in current_values(kind, entry).items()}
    _undo(acting_user, kind, entry, reason)
    actions.statuses_changed(entry.child)
    record(
        actor=acting_user,
        action=actions_catalog.ENTRY_CANCEL[kind],
        obj=entry,
        object_repr=f"{entry.child.name} {KINDS[kind].label} {entry_date(kind, entry).isoformat()}",
        unit=entry.child.village,
        before=before,
        after={"cancelled": True},
        reason=reason,
    )
    return entry


RECORDERS = {
    "collection": actions.record_collection,
    "consent": actions.record_consent,
    "assessment": actions.record_assessment,
    "followup": actions.record_followup,
}


@transaction.atomic
def correct_entry(kind: str, pk: int, *, values: dict[str, object], reason: str, acting_user):
    """更正: the entry is replaced by the corrected one (``values`` override its fields), checked like a new entry;
    refused as a whole if the corrected entry would be refused."""
    entry, reason = _lock(acting_user, kind, pk, reason)
    old = current_values(kind, entry)
    new = {**old, **{k: v for k, v in values.items() if k in KINDS[kind].fields}}
    if new == old:
        raise ValidationError({"__all__": [_("没有修改任何内容；如要作废此记录，请使用撤销")]})
    new_date = new[KINDS[kind].date_field]
    if isinstance(new_date, dt.date):
        why = locked_month(entry.child.village, new_date)
        if why:
            raise ValidationError({"__all__": [why]})
    _undo(acting_user, kind, entry, _("更正：%(why)s") % {"why": reason})
    child = Child.objects.get(pk=entry.child_id)
    if kind == "move":
        data = dict(new)
        replacement = actions.move_child(child, acting_user=acting_user, **data)
    else:
        replacement = RECORDERS[kind](child, acting_user=acting_user, **new)
    changed = [name for name in old if _plain(old[name]) != _plain(new[name])]
    record(
        actor=acting_user,
        action=actions_catalog.ENTRY_CORRECT[kind],
        obj=replacement,
        object_repr=f"{child.name} {KINDS[kind].label} {entry_date(kind, replacement).isoformat()}",
        unit=child.village,
        before={name: _plain(old[name]) for name in changed},
        after={name: _plain(new[name]) for name in changed},
        reason=reason,
    )
    actions.statuses_changed(child)
    return replacement
