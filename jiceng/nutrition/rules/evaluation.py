"""Replaying a child's events: what the rules allow on a day (``evaluate``, ``check_collection``).

Import the public names from :mod:`jiceng.nutrition.rules.engine`.

How it works: the events up to ``as_of`` are split by type; consent, assessment, move-out
and death are single dates; collections are replayed in date order through a small state
machine (never enrolled → 在服 → 停服 → 在服 → 终止, 服满, …). Time-driven changes — a stop
on the first day of M+3 (E5), reaching the upper age (E1), the re-inclusion of 2020-04-01
(E3) — are applied lazily, only when the next collection or the end date passes them.

Readings (choices where the source is silent; the numbers are parameters):

* Same-day order: an assessment is taken into account before a collection on the same
  day, a consent likewise; a move-out or death on the day of a collection comes after it.
  A stop falls at the start of its day, so a collection on the first day of M+3 is a
  resumption (E7), not a continuation.
* A recorded collection the rules would have refused (no consent, second one in a month,
  after termination, …) is not counted and is listed in ``Decision.warnings``; a collection
  over the pack cap is counted (it happened) with a warning.
* Residence (常住) is a present-day fact: the history is replayed without it, and a
  non-resident child cannot collect now. A never-enrolled non-resident child is 不符合;
  an enrolled one keeps their status (在服/停服) with ``can_collect`` false.
* A child with a special condition (E8) or without consent (E9) but of the right age is
  可纳入 with ``can_collect`` false, the missing step being the reason.
* An assessment of "not suitable" (不适宜) ends the enrolment, whether or not the child was
  flagged; a later "suitable" does not reopen it. Move-out and death are recorded from any
  status; death after move-out is recorded too.
* A second stop is recorded as two status changes on the same day, 停服 (E5) then 终止 (E7),
  so a monthly report counts it both as a stop and as a termination.
* A stopped child who reaches the upper age stays 停服 (can no longer collect): only an
  enrolled child who reaches it has completed (服满).
* E3: a child who completed at the old upper age (24) becomes 可纳入 on 2020-04-01 if their
  completed months that day were < 30; they must collect again while completed months
  ≤ 30 (the E7 limit for 再次服用), otherwise they revert to 服满 on their 31-month date.
  The stop count is kept across a re-inclusion.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter

from . import eligibility as rules
from .facts import (
    ACTIVE,
    ASSESSMENT,
    COLLECT,
    COMPLETED,
    CONSENT,
    DEAD,
    DEATH,
    ELIGIBLE,
    INELIGIBLE,
    MOVE_OUT,
    MOVED_OUT,
    STOPPED,
    TERMINATED,
    UNSUITABLE,
    ChildFacts,
    Decision,
    Event,
    Reason,
    StatusChange,
    reason,
)
from .months import completed_months, month_date, month_index, month_key, parse_month_key
from .parameters import get_parameter, parameter

__all__ = ["check_collection", "evaluate"]

_NEVER = ""  # internal status: never enrolled (reported as 可纳入 or 不符合)
_REINCLUDABLE = "可纳入(E3)"  # internal status: left at the old upper age, may be re-included (E3)
_TERMINAL = frozenset({TERMINATED, UNSUITABLE, MOVED_OUT, DEAD})
_BY_DATE = attrgetter("date")
_NO_MONTHS: frozenset[int] = frozenset()


@lru_cache(maxsize=256)
def _force_majeure_months(months: frozenset[str]) -> frozenset[int]:
    return frozenset(parse_month_key(month) for month in months)


def _fast_path_bounds() -> tuple[int, int, timedelta]:
    """Safe lower bounds that let the replay skip exact checks for ordinary collections."""
    min_stop_gap = get_parameter("months_without_collection_for_stop").smallest + 1
    min_packs = get_parameter("packs_per_month").smallest
    cap_days = -(-get_parameter("packs_per_month").largest // get_parameter("packs_per_day").smallest)
    return min_stop_gap, min_packs, timedelta(days=cap_days)


_ISO_DATES: dict[date, str] = {}


def _ymd(day: date) -> str:
    """``day.isoformat()``, memoised: explanations repeat the same few thousand dates."""
    text = _ISO_DATES.get(day)
    if text is None:
        if len(_ISO_DATES) > 100_000:
            _ISO_DATES.clear()
        text = _ISO_DATES[day] = day.isoformat()
    return text


class _Replay:
    """The state of one child while their collections are replayed in date order."""

    __slots__ = (
        "child",
        "birth",
        "force_majeure",
        "consent_on",
        "suitable_on",
        "status",
        "history",
        "warnings",
        "status_reasons",
        "enrolled_on",
        "last_collection",
        "last_month",
        "month_count",
        "stop_count",
        "leaves_on",
        "fast_until",
        "reinclude_on",
        "reinclude_until",
    )

    def __init__(self, child: ChildFacts, force_majeure: frozenset[int], consent_on, suitable_on):
        self.child = child
        self.birth = child.birth_date
        self.force_majeure = force_majeure
        self.consent_on = consent_on
        self.suitable_on = suitable_on
        self.status = _NEVER
        self.history: list[StatusChange] = []
        self.warnings: list[Reason] = []
        self.status_reasons: list[Reason] = []
        self.enrolled_on = None
        self.last_collection = None
        self.last_month = -1
        self.month_count = 0
        self.stop_count = 0
        self.leaves_on = None
        self.fast_until = None
        self.reinclude_on = None
        self.reinclude_until = None

    # --- recording ---------------------------------------------------------------------------

    def _change(self, day: date, status: str, why: Reason, shown: str | None = None) -> None:
        """Record a status change (``shown`` is the status reported, if not ``status``)."""
        self.status = status
        self.history.append(StatusChange(day, shown or status, why.rule_id, why.text))
        self.status_reasons = [why]

    def _age(self, day: date) -> int:
        return completed_months(self.birth, day)

    # --- collections -------------------------------------------------------------------------

    def collect(self, event: Event) -> None:
        """Replay one recorded collection."""
        day = event.date
        month = day.year * 12 + day.month - 1
        packs = event.packs
        if (
            self.status is ACTIVE
            and month != self.last_month
            and month - self.last_month < _MIN_STOP_GAP
            and day < self.fast_until
            and (packs is None or 0 < packs <= _MIN_PACKS)
        ):
            # The usual case: an enrolled child's collection in a later month, within the stop gap,
            # far from the upper age, of no more than a month's supply. Nothing to check.
            self.last_month = month
            self.month_count = 1
            self.last_collection = day
            return
        self._collect_slow(event, day, month)

    def _collect_slow(self, event: Event, day: date, month: int) -> None:
        self.advance(day)
        packs = event.packs
        if packs is not None and packs <= 0:
            self.warnings.append(reason("E6", f"{_ymd(day)} 的发放记录数量为 {packs} 包,不是有效领取,未计入"))
            return
        refusals = self.refusals(day, check_residence=False)
        if refusals:
            first = refusals[0]
            ignored = f"{_ymd(day)} 的发放记录不符合规则,未计入:{first.text}"
            self.warnings.append(Reason(first.rule_id, ignored, first.clause))
            return
        status = self.status
        if status is ACTIVE:
            if month == self.last_month:
                self.month_count += 1
            else:
                self.last_month = month
                self.month_count = 1
        else:
            self._start(day, status)
            self.last_month = month
            self.month_count = 1
        self.last_collection = day
        if packs is not None and (packs > _MIN_PACKS or day >= self.fast_until):
            self._check_packs(day, packs)

    def _start(self, day: date, status: str) -> None:
        """A collection that enrols (E2), resumes (E7) or re-includes (E3) the child."""
        age = self._age(day)
        leaves_on = rules.leaves_age_window_on(self.birth, day)
        if status is _NEVER:
            self.enrolled_on = day
            why = reason("E2", f"{_ymd(day)} 首次领取营养包,纳入项目(时 {age} 足月龄,已签知情同意书)")
        elif status is STOPPED:
            limit = parameter("max_resumption_age_months", day)
            why = reason("E7", f"{_ymd(day)} 续服(第 {self.stop_count} 次停服后,时 {age} 足月龄,未超过{limit}月龄)")
        else:
            upper = completed_months(self.birth, leaves_on)
            why = reason("E3", f"{_ymd(day)} 重新纳入并领取(时 {age} 足月龄),可服用至满{upper}月龄({_ymd(leaves_on)})")
            self.reinclude_until = None
        self._change(day, ACTIVE, why)
        self._set_leaves_on(leaves_on)

    def _set_leaves_on(self, leaves_on: date) -> None:
        self.leaves_on = leaves_on
        self.fast_until = leaves_on - _CAP_WINDOW

    def _check_packs(self, day: date, packs: int) -> None:
        cap = rules.pack_cap(day, self.leaves_on)
        if packs > cap:
            self.warnings.append(
                reason("E6", f"{_ymd(day)} 领取 {packs} 包,超过本次限领的 {cap} 包(已计入领取,请核实)")
            )

    # --- what a collection on a day would be refused for ----------------------------------

    def refusals(self, day: date, check_residence: bool) -> list[Reason]:
        """Why a collection on ``day`` is not allowed, given the state after ``advance(day)``."""
        birth = self.birth
        if day < birth:
            return [reason("E1", f"领取日期 {_ymd(day)} 早于出生日期 {_ymd(birth)}")]
        status = self.status
        if status in _TERMINAL or status is COMPLETED:
            return [self._ended_reason()]
        found: list[Reason] = []
        if check_residence and not self.child.resident:
            found.append(reason("E1", "非常住人口,不属于发放对象"))
        if status is ACTIVE:
            if self.last_month == month_index(day) and self.month_count >= rules.collections_allowed_per_month(day):
                found.append(
                    reason("E6", f"本月({month_key(self.last_month)})已于 {_ymd(self.last_collection)} 领取,一月一领")
                )
            return found
        window = self._window_refusal(day)
        if window is not None:
            return [*found, window]
        if status is _NEVER:
            if not rules.within_first_enrolment_age(birth, day):
                limit = parameter("max_first_enrolment_age_months", day)
                text = f"从未领取,{_ymd(day)} 已 {self._age(day)} 足月龄,超过{limit}月龄不再纳入首次发放"
                found.append(reason("E2", text))
                return found
        elif status is STOPPED and not rules.within_resumption_age(birth, day):
            limit = parameter("max_resumption_age_months", day)
            found.append(reason("E7", f"{_ymd(day)} 已 {self._age(day)} 足月龄,大于{limit}月龄,不予续服"))
            return found
        if rules.awaits_assessment(self.child, self.suitable_on, day):
            found.append(reason("E8", "患特殊疾病,须经专业医生评估为适宜后方可发放,尚无适宜的评估"))
        if status is _NEVER and not rules.has_consent(self.consent_on, day):
            found.append(reason("E9", "未签订知情同意书,不能首次发放"))
        return found

    def _window_refusal(self, day: date) -> Reason | None:
        """E1 age window for a child who is not currently enrolled."""
        birth = self.birth
        start = rules.age_window_start(birth, day)
        if day < start:
            lower = parameter("lower_age_months", day)
            age = self._age(day)
            return reason("E1", f"{_ymd(day)} 时 {age} 足月龄,未满{lower}月龄;满{lower}月龄之日为 {_ymd(start)}")
        leaves_on = rules.leaves_age_window_on(birth, day)
        if leaves_on <= day:
            upper = parameter("upper_age_months", day)
            return reason(
                "E1",
                f"{_ymd(day)} 时 {self._age(day)} 足月龄,已满{upper}月龄({_ymd(month_date(birth, upper))}),"
                f"不在发放年龄段内",
            )
        return None

    def _ended_reason(self) -> Reason:
        """The reason of a status in which nothing more can be collected."""
        return self.status_reasons[-1] if self.status_reasons else reason("E1", "不在发放对象内")

    # --- time-driven changes -------------------------------------------------------------------

    def advance(self, until: date) -> None:
        """Apply the changes that happen by themselves on or before ``until``."""
        while True:
            status = self.status
            if status is ACTIVE:
                stop_at = rules.stop_month(self.last_month, self.last_collection, self.force_majeure)
                stop_on = rules.stop_day(stop_at)
                if self.leaves_on <= stop_on:
                    if self.leaves_on > until:
                        return
                    self._complete(self.leaves_on)
                else:
                    if stop_on > until:
                        return
                    self._stop(stop_on, stop_at)
            elif status is COMPLETED and self.reinclude_on is not None:
                if self.reinclude_on > until:
                    return
                self._reinclude(self.reinclude_on)
            elif status is _REINCLUDABLE:
                if self.reinclude_until > until:
                    return
                self._lapse_reinclusion(self.reinclude_until)
            else:
                return

    def _complete(self, day: date) -> None:
        """E1: an enrolled child reaches the upper age → 服满."""
        upper = parameter("upper_age_months", day)
        self._change(day, COMPLETED, reason("E1", f"{_ymd(day)} 满{upper}月龄,服满停止发放"))
        self.reinclude_on = rules.reinclusion_date(self.birth, day)

    def _stop(self, day: date, stop_at: int) -> None:
        """E5: two months without collection → 停服; E7: the second stop → 终止."""
        self.stop_count += 1
        missed = "、".join(
            month_key(month) for month in rules.months_counted_for_stop(self.last_month, stop_at, self.force_majeure)
        )
        skipped = [month_key(m) for m in range(self.last_month + 1, stop_at) if m in self.force_majeure]
        skipped_text = f"({'、'.join(skipped)} 为不可抗力月份,不计)" if skipped else ""
        why = reason(
            "E5",
            f"最后一次领取在 {_ymd(self.last_collection)},{missed} 未领取{skipped_text},"
            f"自 {_ymd(day)} 起停服(第 {self.stop_count} 次)",
        )
        self._change(day, STOPPED, why)
        if rules.is_termination(self.stop_count, day):
            ended = reason("E7", f"不予续服:第 {self.stop_count} 次停服,{_ymd(day)} 起终止")
            self._change(day, TERMINATED, ended)
            self.status_reasons = [why, ended]

    def _reinclude(self, day: date) -> None:
        """E3: the upper age is raised; a child who left at the old one and is < 30 months may return."""
        age = self._age(day)
        self.reinclude_on = None
        self.reinclude_until = rules.reinclusion_deadline(self.birth, day)
        upper = parameter("upper_age_months", day)
        below = parameter("reinclusion_age_limit_months", day)
        limit = parameter("max_resumption_age_months", day)
        why = reason(
            "E3",
            f"{_ymd(day)} 发放上限提高至{upper}月龄,当日 {age} 足月龄(未满{below}月龄),可重新纳入;"
            f"须在 {_ymd(self.reinclude_until)} 前(不超过{limit}月龄)重新领取",
        )
        self._change(day, _REINCLUDABLE, why, shown=ELIGIBLE)
        self._set_leaves_on(rules.leaves_age_window_on(self.birth, day))

    def _lapse_reinclusion(self, day: date) -> None:
        """E3/E7: a re-included child who has not collected by the 31-month date cannot return."""
        self.reinclude_until = None
        limit = parameter("max_resumption_age_months", day)
        why = reason("E3", f"重新纳入期限已过:至 {_ymd(day)} 已超过{limit}月龄仍未重新领取,不再纳入")
        self._change(day, COMPLETED, why)
        self.reinclude_on = rules.reinclusion_date(self.birth, day)

    # --- registry events ----------------------------------------------------------------------

    def end(self, day: date, status: str, why: Reason) -> None:
        """Not suitable (E8), move-out or death: the enrolment ends (nothing is recorded after a death)."""
        if self.status is DEAD or (status is UNSUITABLE and self.status is MOVED_OUT):
            return
        self.advance(day)
        self._change(day, status, why)
        self.reinclude_on = None
        self.reinclude_until = None


_MIN_STOP_GAP, _MIN_PACKS, _CAP_WINDOW = _fast_path_bounds()

# Registry events that end an enrolment, with their order against a collection on the same day.
_BEFORE_COLLECTION, _AFTER_COLLECTION = 0, 2


def _registry_events(unsuitable_on, moved_on, died_on) -> list[tuple[date, int, str, Reason]]:
    found = []
    if unsuitable_on is not None:
        why = reason("E8", f"{_ymd(unsuitable_on)} 经专业医生评估不适宜服用营养包,停止发放")
        found.append((unsuitable_on, _BEFORE_COLLECTION, UNSUITABLE, why))
    if moved_on is not None:
        found.append((moved_on, _AFTER_COLLECTION, MOVED_OUT, reason("E1", f"{_ymd(moved_on)} 迁出,不再是常住人口")))
    if died_on is not None:
        found.append((died_on, _AFTER_COLLECTION + 1, DEAD, reason("E1", f"{_ymd(died_on)} 死亡,停止发放")))
    found.sort(key=lambda item: (item[0], item[1]))
    return found


def _replay(child: ChildFacts, events: Iterable[Event], until: date, force_majeure_months: Collection[str]) -> _Replay:
    """Replay every event on or before ``until`` and advance the state to ``until``."""
    force_majeure = _force_majeure_months(frozenset(force_majeure_months)) if force_majeure_months else _NO_MONTHS
    collects: list[Event] = []
    consent_on = suitable_on = unsuitable_on = moved_on = died_on = None
    for event in events:
        day = event.date
        if day > until:
            continue
        kind = event.type
        if kind == COLLECT:
            collects.append(event)
        elif kind == CONSENT:
            if consent_on is None or day < consent_on:
                consent_on = day
        elif kind == ASSESSMENT:
            if event.suitable is True and (suitable_on is None or day < suitable_on):
                suitable_on = day
            elif event.suitable is False and (unsuitable_on is None or day < unsuitable_on):
                unsuitable_on = day
        elif kind == MOVE_OUT:
            if moved_on is None or day < moved_on:
                moved_on = day
        elif kind == DEATH:
            if died_on is None or day < died_on:
                died_on = day
        else:
            raise ValueError(f"未知事件类型 {kind!r} (unknown event type)")
    replay = _Replay(child, force_majeure, consent_on, suitable_on)
    collects.sort(key=_BY_DATE)
    registry = _registry_events(unsuitable_on, moved_on, died_on) if (unsuitable_on or moved_on or died_on) else []
    if registry:
        _replay_with_registry(replay, collects, registry)
    else:
        for event in collects:
            replay.collect(event)
    replay.advance(until)
    return replay


def _replay_with_registry(replay: _Replay, collects: list[Event], registry: list) -> None:
    """Replay collections interleaved with the events that end an enrolment."""
    position = 0
    for event in collects:
        while position < len(registry) and (registry[position][0], registry[position][1]) < (event.date, 1):
            day, _, status, why = registry[position]
            replay.end(day, status, why)
            position += 1
        replay.collect(event)
    for day, _, status, why in registry[position:]:
        replay.end(day, status, why)


def evaluate(
    child: ChildFacts,
    events: Iterable[Event],
    as_of: date,
    force_majeure_months: Collection[str] = (),
) -> Decision:
    """What the rules say about ``child`` on ``as_of``, given their events (any order; later ones ignored).

    ``force_majeure_months`` are "YYYY-MM" months declared 不可抗力 for the child's area (E5).
    """
    replay = _replay(child, events, as_of, force_majeure_months)
    return _decide(replay, as_of)


def _decide(replay: _Replay, as_of: date) -> Decision:
    child = replay.child
    birth = replay.birth
    age = completed_months(birth, as_of)
    status = replay.status
    refusals = replay.refusals(as_of, check_residence=True)
    can_collect = not refusals
    if status is _NEVER:
        reported, reasons = _never_enrolled(replay, as_of, age, refusals)
    elif status is _REINCLUDABLE:
        reported, reasons = ELIGIBLE, [*replay.status_reasons, *refusals]
    elif status is ACTIVE:
        reported, reasons = ACTIVE, _active_reasons(replay, as_of, refusals)
    elif status is STOPPED:
        reported, reasons = STOPPED, _stopped_reasons(replay, as_of, age, refusals)
    else:
        reported, reasons = status, list(replay.status_reasons)
    max_packs = 0
    priority = None
    if can_collect:
        leaves_on = replay.leaves_on if status is ACTIVE else rules.leaves_age_window_on(birth, as_of)
        max_packs = rules.pack_cap(as_of, leaves_on)
        if max_packs < parameter("packs_per_month", as_of):
            reasons.append(_cap_reason(birth, as_of, leaves_on, max_packs))
        priority = rules.priority_group(child, age, as_of)
        reasons.append(reason("E4", f"配量不足时的优先级:{rules.PRIORITY_GROUP_NAMES[priority]}"))
    last = replay.last_collection
    return Decision(
        status=reported,
        can_collect=can_collect,
        max_packs=max_packs,
        priority=priority,
        reasons=reasons,
        history=replay.history,
        as_of=as_of,
        completed_months=age,
        enrolled_on=replay.enrolled_on,
        last_collection=last,
        stop_count=replay.stop_count,
        collected_this_month=last is not None and replay.last_month == month_index(as_of),
        blocked_by=refusals[0] if refusals else None,
        warnings=replay.warnings,
    )


def _cap_reason(birth: date, on: date, leaves_on: date, cap: int, asked: int | None = None) -> Reason:
    """E1: a collection close to the upper-age date gives only the days left (1 pack a day)."""
    upper = completed_months(birth, leaves_on)
    text = f"距满{upper}月龄({_ymd(leaves_on)})仅剩 {(leaves_on - on).days} 天,本次最多领取 {cap} 包"
    return reason("E1", text if asked is None else f"{text},不能领取 {asked} 包")


def _never_enrolled(replay: _Replay, as_of: date, age: int, refusals: list[Reason]) -> tuple[str, list[Reason]]:
    """可纳入 if only paperwork (consent E9, assessment E8) stands in the way, else 不符合."""
    if any(item.rule_id in ("E1", "E2") for item in refusals):
        return INELIGIBLE, refusals
    birth = replay.birth
    lower = parameter("lower_age_months", as_of)
    upper = parameter("upper_age_months", as_of)
    limit = parameter("max_first_enrolment_age_months", as_of)
    deadline = rules.first_enrolment_deadline(birth, as_of)
    reasons = [
        reason("E1", f"{_ymd(as_of)} 时 {age} 足月龄,在发放年龄段内(满{lower}月龄至满{upper}月龄)"),
        reason("E2", f"从未领取,须在 {_ymd(deadline)} 前(不超过{limit}月龄)首次纳入"),
        *refusals,
    ]
    return ELIGIBLE, reasons


def _active_reasons(replay: _Replay, as_of: date, refusals: list[Reason]) -> list[Reason]:
    reasons = list(replay.status_reasons)
    if not any(item.rule_id == "E6" for item in refusals):
        stop_at = rules.stop_month(replay.last_month, replay.last_collection, replay.force_majeure)
        stop_on = rules.stop_day(stop_at)
        if stop_on < replay.leaves_on:
            missed = "、".join(
                month_key(m) for m in rules.months_counted_for_stop(replay.last_month, stop_at, replay.force_majeure)
            )
            reasons.append(
                reason(
                    "E5",
                    f"最后一次领取在 {_ymd(replay.last_collection)};若 {missed} 均未领取,将于 {_ymd(stop_on)} 停服",
                )
            )
    return [*reasons, *refusals]


def _stopped_reasons(replay: _Replay, as_of: date, age: int, refusals: list[Reason]) -> list[Reason]:
    reasons = list(replay.status_reasons)
    if not refusals:
        limit = parameter("max_resumption_age_months", as_of)
        text = f"第 {replay.stop_count} 次停服,{_ymd(as_of)} 时 {age} 足月龄(不超过{limit}月龄),可以续服"
        reasons.append(reason("E7", text))
    return [*reasons, *refusals]


def check_collection(
    child: ChildFacts,
    events: Iterable[Event],
    on_date: date,
    packs: int,
    force_majeure_months: Collection[str] = (),
) -> Reason | None:
    """None if a collection of ``packs`` on ``on_date`` is allowed; otherwise the refusal, in Chinese.

    *Reading:* records are checked against the whole history, in any order of entry (a county moving from
    paper enters last year's cards after this month's). A collection dated before ones already recorded is
    checked against the events before it, and every later collection is checked again with it in place:
    it is refused only when the rules refuse it, or when a later collection would no longer be allowed —
    naming that collection. 「停服未领取的营养包不予补领」 is about packs: a child who resumes gets one month's
    use, never the months missed (the cap below).
    """
    events = list(events)
    refusal = _collection_refusal(child, events, on_date, packs, force_majeure_months)
    if refusal is not None:
        return refusal
    later = sorted((e for e in events if e.type == COLLECT and e.date > on_date), key=_BY_DATE)
    if not later:
        return None
    earlier = [e for e in events if not (e.type == COLLECT and e.date > on_date)]
    history = [*earlier, Event(on_date, COLLECT, packs=packs)]
    without = list(earlier)  # the same history without the new collection
    for event in later:
        conflict = _collection_refusal(child, history, event.date, event.packs or 0, force_majeure_months)
        if conflict is not None:
            already = _collection_refusal(child, without, event.date, event.packs or 0, force_majeure_months)
            if already is None:  # only a record this entry would break; one already out of rule is not its doing
                return reason(
                    conflict.rule_id,
                    f"补登 {_ymd(on_date)} 的发放后,已有的 {_ymd(event.date)} 发放记录将不再符合规则:{conflict.text}",
                )
        history.append(event)
        without.append(event)
    return None


def _collection_refusal(
    child: ChildFacts, events: list[Event], on_date: date, packs: int, force_majeure_months: Collection[str]
) -> Reason | None:
    """The refusal of a collection on ``on_date`` given the events up to that day (later ones ignored)."""
    if on_date < child.birth_date:
        return reason("E1", f"领取日期 {_ymd(on_date)} 早于出生日期 {_ymd(child.birth_date)}")
    if isinstance(packs, bool) or not isinstance(packs, int) or packs <= 0:
        return reason("E6", f"领取数量须为正整数,收到 {packs!r}")
    before = [e for e in events if not (e.type == COLLECT and e.date > on_date)]
    replay = _replay(child, before, on_date, force_majeure_months)
    refusals = replay.refusals(on_date, check_residence=True)
    if refusals:
        return refusals[0]
    leaves_on = replay.leaves_on if replay.status is ACTIVE else rules.leaves_age_window_on(child.birth_date, on_date)
    cap = rules.pack_cap(on_date, leaves_on)
    if packs > cap:
        if cap < parameter("packs_per_month", on_date):
            return _cap_reason(child.birth_date, on_date, leaves_on, cap, packs)
        return reason("E6", f"每次限领一个月用量({cap} 包),不能领取 {packs} 包")
    return None
