"""The eligibility rules E1–E9 of the nutrition-pack programme, one small function per concept.

Each docstring quotes the clause (2020年贵州省儿童营养改善项目实施方案) and, where the text
is ambiguous, the *Reading* this system applies. Every number is a dated parameter
(``parameters/*.yaml``), read on the day being judged.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from .facts import ChildFacts
from .months import completed_months, month_date, month_start
from .parameters import get_parameter, parameter

# --- E1 age window (发放年龄段) -------------------------------------------------------------


def age_window_start(birth: date, on: date) -> date:
    """E1: the day a child may first receive packs, the 6-month date (inclusive).

    「常住人口6-36月龄婴幼儿,满6月龄的婴儿即纳入发放对象」
    """
    return month_date(birth, parameter("lower_age_months", on))


def upper_age_date(birth: date, on: date) -> date:
    """E1: the upper-age date under the rule in force on ``on`` (exclusive end of the window).

    「服满36月龄的幼儿即停止发放」. *Reading:* the upper age is a dated parameter:
    24 months before 2020-04-01, 36 months from then on (E3).
    """
    return month_date(birth, parameter("upper_age_months", on))


def in_age_window(birth: date, on: date) -> bool:
    """E1: from the 6-month date (inclusive) to the upper-age date in force that day (exclusive)."""
    return age_window_start(birth, on) <= on < upper_age_date(birth, on)


def leaves_age_window_on(birth: date, since: date) -> date:
    """E1: the first day on or after ``since`` on which the child is at or past the upper age in force.

    With 24 months until 2020-04-01 and 36 months after, a child born 2018-01-10 leaves on
    2020-01-10 (24-month date), one born 2018-06-10 on 2021-06-10 (36-month date).
    Returns ``since`` itself when the child is already past the upper age that day.
    """
    for segment_end, leaves_on in _upper_age_segments(birth):
        if segment_end is not None and segment_end <= since:
            continue
        if leaves_on < since:
            leaves_on = since
        if segment_end is None or leaves_on < segment_end:
            return leaves_on
    raise AssertionError("unreachable: the last segment is open-ended")


@lru_cache(maxsize=8192)
def _upper_age_segments(birth: date) -> tuple[tuple[date | None, date], ...]:
    """For each period of the dated upper age: (end of the period, the day this child would leave in it)."""
    changes = get_parameter("upper_age_months").changes()
    segments = []
    for position, (starts_on, upper_age) in enumerate(changes):
        segment_end = changes[position + 1][0] if position + 1 < len(changes) else None
        leaves_on = month_date(birth, upper_age)
        if position > 0 and leaves_on < starts_on:
            leaves_on = starts_on
        segments.append((segment_end, leaves_on))
    return tuple(segments)


def pack_cap(on: date, leaves_on: date) -> int:
    """E1/E6: the most packs one collection on ``on`` may give.

    「一月一领,每次限领一个月用量」, 「项目每天为婴幼儿免费提供1包营养包」.
    *Reading:* one month's supply is 30 packs (a parameter); a collection within 30 days of
    the upper-age date is capped at the days left before it (1 pack a day). ``leaves_on`` is
    the day the child actually leaves under the dated upper age (:func:`leaves_age_window_on`),
    so a child whose 24-month date fell on or after 2020-04-01 was never capped at 24 months.
    """
    month_supply = parameter("packs_per_month", on)
    days_left = (leaves_on - on).days
    return max(0, min(month_supply, days_left * parameter("packs_per_day", on)))


def collections_allowed_per_month(on: date) -> int:
    """E6: 「一月一领」 — collections allowed in one calendar month (1)."""
    return parameter("collections_per_month", on)


# --- E2 first enrolment (首次纳入) -----------------------------------------------------------


def first_enrolment_deadline(birth: date, on: date) -> date:
    """E2: the first day on which a never-enrolled child can no longer be enrolled.

    「超过30月龄从未服用的不再纳入首次发放对象」: enrolment only while completed months ≤ 30,
    i.e. before the 31-month date.
    """
    return month_date(birth, parameter("max_first_enrolment_age_months", on) + 1)


def within_first_enrolment_age(birth: date, on: date) -> bool:
    """E2: completed months on ``on`` are at most 30."""
    return completed_months(birth, on) <= parameter("max_first_enrolment_age_months", on)


# --- E3 the transition of 2020-04-01 (过渡) --------------------------------------------------


def reinclusion_date(birth: date, left_on: date) -> date | None:
    """E3: the day a child who left at the old upper age may be re-included, or None.

    「满24月龄已停服儿童,截止2020年4月1日未满30月龄的可以重新纳入服用至36月龄」.
    *Reading:* on each date the upper age was raised (2020-04-01), a child who completed
    the programme at the old upper age before that date becomes 可纳入 if their completed
    months on that date are below ``reinclusion_age_limit_months`` (30).
    """
    changes = get_parameter("upper_age_months").changes()
    for (_, old_upper), (raised_on, new_upper) in zip(changes, changes[1:], strict=False):
        if raised_on <= left_on or new_upper <= old_upper:
            continue
        age = completed_months(birth, raised_on)
        if age < parameter("reinclusion_age_limit_months", raised_on) and age < new_upper:
            return raised_on
    return None


def reinclusion_deadline(birth: date, on: date) -> date:
    """E3 with E7: the first day a re-included child who has not collected again can no longer do so.

    *Reading:* re-inclusion is 「再次服用」, so the E7 age limit applies on the day of the
    first collection after re-inclusion: completed months ≤ 30, i.e. before the 31-month date.
    """
    return month_date(birth, parameter("max_resumption_age_months", on) + 1)


# --- E4 priority (优先保障) -----------------------------------------------------------------

PRIORITY_GROUP_NAMES = {
    1: "第一优先(建档立卡贫困家庭/易地扶贫搬迁安置点)",
    2: "第二优先(6–23足月龄)",
    3: "第三优先(其他)",
}


def priority_group(child: ChildFacts, months: int, on: date) -> int:
    """E4: 1 for 建档立卡/易地扶贫搬迁安置点, 2 for completed months 6–23, 3 for the rest.

    「如出现营养包配量供应不充足的情况,则应优先保障建档立卡贫困家庭和易地扶贫搬迁安置点的婴幼儿,
    其次优先保障6-24月龄婴幼儿」. *Reading:* "6-24月龄" is completed months 6–23.
    """
    if child.poor_household or child.relocation_site:
        return 1
    if parameter("lower_age_months", on) <= months < parameter("priority_age_below_months", on):
        return 2
    return 3


# --- E5 stopping (停服) ---------------------------------------------------------------------


def stop_month(last_month: int, last_collection: date, force_majeure: frozenset[int]) -> int:
    """E5: the month index on whose first day a child whose last collection was in ``last_month`` stops.

    「除因疫情等不可抗因素外,两个月及以上未领营养包算停服」.
    *Reading:* last collection in month M, nothing in M+1 and M+2 → 停服 on the first day of
    M+3. Force-majeure months (不可抗力) are skipped: they neither count nor break the run.
    """
    months_needed = parameter("months_without_collection_for_stop", last_collection)
    if not force_majeure:
        return last_month + months_needed + 1
    month = last_month
    counted = 0
    while counted < months_needed:
        month += 1
        if month not in force_majeure:
            counted += 1
    return month + 1


def months_counted_for_stop(last_month: int, stop_at: int, force_majeure: frozenset[int]) -> list[int]:
    """E5: the months without collection that made the stop (force-majeure months left out)."""
    return [month for month in range(last_month + 1, stop_at) if month not in force_majeure]


def stop_day(stop_at_month: int) -> date:
    """E5: 停服 takes effect on the first day of the stop month."""
    return month_start(stop_at_month)


# --- E7 resumption and termination (续服与终止) ----------------------------------------------


def is_termination(stop_count: int, on: date) -> bool:
    """E7: 「连续两次停服的不予续服」 — the second stop ends the enrolment (终止).

    *Reading:* any second stop counts, whether or not the two stops were back to back.
    """
    return stop_count >= parameter("stops_before_termination", on)


def within_resumption_age(birth: date, on: date) -> bool:
    """E7: 「要求再次服用的必须满足月龄在30月龄以内,大于30月龄不予续服」 — completed months ≤ 30."""
    return completed_months(birth, on) <= parameter("max_resumption_age_months", on)


# --- E8 special conditions (特殊疾病) / E9 consent (知情同意) ---------------------------------


def awaits_assessment(child: ChildFacts, suitable_on: date | None, on: date) -> bool:
    """E8: a child with a special condition receives nothing until a doctor finds the packs suitable.

    「患有特殊疾病婴幼儿应在专业医生指导下确定是否适于服用营养包(如地中海贫血患儿)」.
    """
    return child.special_condition and (suitable_on is None or suitable_on > on)


def has_consent(consent_on: date | None, on: date) -> bool:
    """E9: 「签订知情同意书」 — no first distribution without a consent signed on or before that day."""
    return consent_on is not None and consent_on <= on
