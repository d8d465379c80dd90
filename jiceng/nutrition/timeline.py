"""A child's timeline: what was recorded (consent, collections, assessments, moves) and what the
rules concluded from it (enrolled, stopped, resumed, terminated, completed), in date order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from jiceng.nutrition.models import Child, Move
from jiceng.nutrition.rules.engine import Decision


@dataclass(frozen=True)
class TimelineEntry:
    date: dt.date
    kind: str  # "record" (what was entered) or "status" (what the rules concluded)
    title: str
    detail: str = ""
    rule_id: str = ""
    entry_kind: str = ""  # for a record: its kind in jiceng.nutrition.amend.KINDS and its id (更正/撤销)
    entry_pk: int | None = None


def child_timeline(child: Child, decision: Decision) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(c.signed_on, "record", _("签订知情同意书"), f"{c.signed_by}（{c.relation}）", "", "consent", c.pk)
        for c in child.consents.all()
    ]
    entries += [
        TimelineEntry(
            c.collected_on,
            "record",
            _("领取营养包 %(n)d 包") % {"n": c.packs},
            _("领取人：%(who)s") % {"who": c.collected_by} if c.collected_by else "",
            entry_kind="collection",
            entry_pk=c.pk,
        )
        for c in child.collections.all()
    ]
    entries += [
        TimelineEntry(
            a.assessed_on,
            "record",
            _("医生评估：适宜") if a.suitable else _("医生评估：不适宜"),
            f"{a.doctor} {a.note}".strip(),
            entry_kind="assessment",
            entry_pk=a.pk,
        )
        for a in child.assessments.all()
    ]
    for card in child.followups.all():
        found = [
            label
            for flag, label in ((card.stunting, "生长迟缓"), (card.underweight, "低体重"), (card.wasting, "消瘦"))
            if flag
        ]
        if card.anaemia and card.anaemia != "无":
            found.append(f"{card.anaemia}贫血")
        detail = "、".join(found) or _("未见异常")
        if card.packs_last_7d is not None:
            detail += _("；近7天服用%(n)d包") % {"n": card.packs_last_7d}
        entries.append(TimelineEntry(card.visited_on, "record", _("随访"), detail, "", "followup", card.pk))
    for move in child.moves.select_related("from_unit", "to_unit"):
        detail = move.note
        if move.kind == Move.Kind.TRANSFER:
            detail = f"{move.from_unit.name} → {move.to_unit.name} {move.note}".strip()
        entries.append(TimelineEntry(move.happened_on, "record", move.get_kind_display(), detail, "", "move", move.pk))
    entries += _cancelled(child)
    entries += [
        TimelineEntry(change.date, "status", change.status, change.text, change.rule_id) for change in decision.history
    ]
    entries.sort(key=lambda e: (e.date, e.kind != "record"))
    return entries


def _cancelled(child: Child) -> list[TimelineEntry]:
    """Cancelled (撤销) and corrected (更正) entries stay visible, struck through, with who and why."""
    from jiceng.nutrition.amend import KINDS

    found = []
    for spec in KINDS.values():
        for entry in spec.model.all_objects.filter(child=child, cancelled_at__isnull=False).select_related(
            "cancelled_by"
        ):
            who = entry.cancelled_by.display_name if entry.cancelled_by else ""
            found.append(
                TimelineEntry(
                    getattr(entry, spec.date_field),
                    "cancelled",
                    f"{spec.label}：{entry}",
                    _("已撤销（%(who)s %(at)s）：%(why)s")
                    % {"who": who, "at": entry.cancelled_at.strftime("%Y-%m-%d"), "why": entry.cancel_reason},
                )
            )
    return found
