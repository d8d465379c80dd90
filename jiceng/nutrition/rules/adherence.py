"""Adherence (服用依从性): which children need extra follow-up.

「针对营养包服用方法掌握不好、有效服用率不高的服务对象应增加随访次数、开展个案分析」;
「服用营养包依从性差的婴幼儿应酌情增加随访次数」.
"""

from __future__ import annotations

from datetime import date

from .parameters import parameter


def min_packs_per_week(on: date) -> int:
    """「近一周服用≥4包」: the dated parameter ``adherence_min_packs_per_week`` in force on ``on``."""
    return int(parameter("adherence_min_packs_per_week", on))


def is_effective_use(packs_last_7_days: int, on: date) -> bool:
    """有效服用: at least ``adherence_min_packs_per_week`` (4) packs eaten in the last 7 days."""
    return packs_last_7_days >= min_packs_per_week(on)


def needs_extra_follow_up(packs_last_7_days: int | None, on: date) -> bool:
    """Flag for 增加随访次数 and 个案分析: the latest card shows fewer than ``adherence_min_packs_per_week``
    (4) packs in the last 7 days.

    A card without the number is not flagged (nothing to judge).
    """
    return packs_last_7_days is not None and not is_effective_use(packs_last_7_days, on)
