"""Children's status changes, stored as the rules engine decides them (``StoredStatusChange``).

The engine stays the one source of truth; this module is the only one that writes its output down:

- :func:`refresh` rewrites the rows of some children — called in the same transaction as every write that
  can change them (collection, its correction or cancellation, consent, assessment, move, merge, a change
  of birth date or residence) and, for a whole subtree, when a force-majeure month is declared or
  withdrawn; ``jiceng rules refresh`` rewrites everyone after a dated parameter changes;
- the engine is asked as of each child's horizon (the end of the age window, at least today), so changes
  that come with time — a stop two months after the last collection, completion at 36 months — are stored
  ahead, dated in the future, and replaced by the next write that changes them;
- :func:`differences` replays any subtree and lists every row that differs from the stored table
  (``jiceng rules verify``, nightly in production).

Each change is stored at the village the child lived in on its day (the move history), with the report
figure it counts for, so the report counts them with one grouped query (``report_figures``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from jiceng.nutrition import eligibility
from jiceng.nutrition.models import Child, Residence, StoredStatusChange
from jiceng.nutrition.rules.engine import month_date
from jiceng.nutrition.rules.facts import ACTIVE, COMPLETED, STOPPED, TERMINATED, UNSUITABLE
from jiceng.orgunits.models import OrgUnit, subtree_q
from jiceng.periods import month_code

HORIZON_MONTHS = 40  # past the 36-month upper age (a dated parameter) with a margin
CHUNK = eligibility.CHUNK

Row = tuple[int, dt.date, str, str, int, str]  # child, day, status, rule, village, figure


def _today() -> dt.date:
    return timezone.localdate()


def figure_of(status: str, rule_id: str, first_enrolment: bool) -> str:
    """The report figure a change counts for (N03, N06–N09), or "" for one no figure counts."""
    if status == ACTIVE:
        if rule_id == "E7":
            return "resumed"
        return "newly_enrolled" if first_enrolment else ""
    if status == STOPPED:
        return "stopped"
    if status in (TERMINATED, UNSUITABLE):
        return "terminated"
    if status == COMPLETED:
        return "completed"
    return ""


def computed_rows(children: list[Child]) -> list[Row]:
    """What the engine says now for ``children`` (``village`` select_related), as rows."""
    from jiceng.nutrition.report_figures import stays_for

    children = [c for c in children if c.merged_into_id is None and c.residence != Residence.FLOATING]
    if not children:
        return []
    today = _today()
    horizon = max([today, *(month_date(c.birth_date, HORIZON_MONTHS) for c in children)])
    histories = eligibility.histories_for(c.pk for c in children)
    with_events = [c for c in children if histories[c.pk].events]
    decisions = eligibility.decisions_for(with_events, horizon, histories)
    stays = stays_for(with_events)
    rows: list[Row] = []
    for child in with_events:
        enrolled_before = False
        for change in decisions[child.pk].history:
            first = change.status == ACTIVE and change.rule_id != "E7" and not enrolled_before
            if change.status == ACTIVE:
                enrolled_before = True
            village = stays[child.pk].village_on(change.date)
            rows.append(
                (
                    child.pk,
                    change.date,
                    change.status,
                    change.rule_id,
                    village,
                    figure_of(change.status, change.rule_id, first),
                )
            )
    return rows


def refresh(child_ids: Iterable[int]) -> int:
    """Rewrite the stored changes of these children (inside the caller's transaction). Returns the rows
    written."""
    ids = sorted(set(child_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            # locked like every writer locks them: a refresh never interleaves with a write to the same child
            children = list(
                Child.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk)
                .select_related("village")
                .order_by("pk")
            )
            rows = computed_rows(children)
            county_of = {c.pk: c.county_id for c in children}
            StoredStatusChange.objects.filter(child_id__in=chunk).delete()
            StoredStatusChange.objects.bulk_create(
                [
                    StoredStatusChange(
                        child_id=child_id,
                        county_id=county_of[child_id],
                        village_id=village,
                        changed_on=day,
                        month=month_code(day),
                        status=status,
                        rule_id=rule_id,
                        figure=figure,
                    )
                    for child_id, day, status, rule_id, village, figure in rows
                ],
                batch_size=2000,
            )
            written += len(rows)
    return written


def _children_under(root: OrgUnit | None):
    children = Child.objects.all()
    if root is not None:
        children = children.filter(subtree_q(root.path, "village__path"))
    return children


def refresh_under(root: OrgUnit | None = None) -> int:
    """Every child of a subtree (a force-majeure declaration) or of the whole database (``None``)."""
    return refresh(_children_under(root).values_list("pk", flat=True))


def differences(root: OrgUnit | None = None) -> list[str]:
    """Every stored row that differs from a replay of the engine, for the children of a subtree: what is
    missing and what is stored but should not be, one line each (empty when the table is right)."""
    out: list[str] = []
    ids = sorted(_children_under(root).values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        children = list(Child.objects.filter(pk__in=chunk).select_related("village"))
        expected = set(computed_rows(children))
        stored = set(
            StoredStatusChange.objects.filter(child_id__in=chunk).values_list(
                "child_id", "changed_on", "status", "rule_id", "village_id", "figure"
            )
        )
        names = {c.pk: c.name for c in children}
        villages = dict(OrgUnit.objects.filter(pk__in={r[4] for r in expected ^ stored}).values_list("pk", "name"))

        def line(row: Row, names=names, villages=villages) -> str:
            child_id, day, status, rule_id, village, figure = row
            counted = f"，计入{figure}" if figure else ""
            return f"儿童 {names.get(child_id, child_id)}(#{child_id}) {day} {status}（{rule_id}）于{villages.get(village, village)}{counted}"

        out += [f"缺少：{line(row)}" for row in sorted(expected - stored)]
        out += [f"多余或有误：{line(row)}" for row in sorted(stored - expected)]
    return out
