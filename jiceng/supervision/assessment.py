"""Assessment (考核): schemes as pack files (``assessment:`` key), scores of any unit for any period from
the same figures as the dashboard (``jiceng.indicators.compute``, the report timeliness of
``jiceng.reporting.queries``, inspection records, activity records), the ranking with each item's points,
the change since the previous period, the lagging units, and where each point comes from (drill-down).

A scheme is checked when it loads: an unknown indicator, form, rule or scoring, points that are not
positive, or bands out of order are refused with the file and line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import yaml

from jiceng.activities.queries import activity_totals_by_unit
from jiceng.indicators.compute import compute
from jiceng.orgunits.models import Level, OrgUnit, subtree_q
from jiceng.periods import Period, parse_period
from jiceng.reporting.aggregate import report_periods
from jiceng.reporting.packs import PACKS_DIR, PackError, _LineLoader, _where, all_indicators
from jiceng.reporting.packs import dataset as dataset_of
from jiceng.reporting.queries import review_levels, timeliness_many
from jiceng.supervision.models import InspectionRecord

RULES = ("indicator", "timeliness", "inspection", "activities")
SCORINGS = ("full", "proportional", "banded")


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    points: Decimal
    rule: str
    indicator: str = ""
    scoring: str = "proportional"
    target: Decimal | None = None
    bands: tuple[tuple[Decimal, Decimal], ...] = ()  # (share of target reached %, share of points), highest first
    dataset: str = ""
    planned: int = 0
    no_value_full: bool = False  # no figure (nothing was due): all points rather than none


@dataclass(frozen=True)
class Deduction:
    code: str
    name: str
    indicator: str
    points: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class Scheme:
    code: str
    name: str
    level: str  # the level of the units scored
    from_year: int
    items: tuple[Item, ...]
    deductions: tuple[Deduction, ...]
    lagging_bottom: int = 3
    lagging_below: Decimal | None = None
    praised: int = 3

    @property
    def total_points(self) -> Decimal:
        return sum((i.points for i in self.items), Decimal(0))


def _dec(value, where: str, what: str, positive: bool = True) -> Decimal:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise PackError(f"{where}：{what}应为数字，收到 {value!r}") from None
    if not number.is_finite() or (positive and number <= 0) or number < 0 or number > 1000:
        raise PackError(f"{where}：{what}应为{'大于0' if positive else '不小于0'}、不超过1000的数，收到 {value!r}")
    return number


def load_scheme_file(path: Path) -> Scheme:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (safe loader subclass)
    meta = raw.get("assessment") or {}
    where = _where(path, meta) if meta else path.name
    for key in ("code", "name", "level"):
        if not meta.get(key):
            raise PackError(f"{where}：考核方案缺少 {key}")
    if meta["level"] not in (Level.TOWNSHIP, Level.VILLAGE):
        raise PackError(f"{where}：level 只能是 township（县考核乡镇）或 village（乡镇考核村）")
    indicators = all_indicators()
    items, seen = [], set()
    for item in raw.get("items") or []:
        w = _where(path, item)
        for key in ("code", "name", "points", "rule"):
            if item.get(key) in (None, ""):
                raise PackError(f"{w}：考核项缺少 {key}")
        if item["code"] in seen:
            raise PackError(f"{w}：考核项代码 {item['code']} 重复")
        seen.add(item["code"])
        rule = item["rule"]
        if rule not in RULES:
            raise PackError(f"{w}：rule 只能是 {' '.join(RULES)}")
        scoring = item.get("scoring", "proportional")
        if scoring not in SCORINGS:
            raise PackError(f"{w}：scoring 只能是 {' '.join(SCORINGS)}")
        if rule == "indicator" and item.get("indicator") not in indicators:
            raise PackError(f"{w}：指标 {item.get('indicator')} 不存在")
        if rule == "timeliness":
            try:
                dataset_of(str(item.get("dataset")))
            except KeyError:
                raise PackError(f"{w}：报表 {item.get('dataset')} 不存在") from None
        bands = tuple(
            (_dec(b.get("reach"), w, "bands.reach", positive=False), _dec(b.get("share"), w, "bands.share", False))
            for b in item.get("bands") or []
        )
        if scoring == "banded" and (not bands or list(bands) != sorted(bands, reverse=True)):
            raise PackError(f"{w}：banded 需要从高到低排列的 bands")
        items.append(
            Item(
                str(item["code"]),
                str(item["name"]),
                _dec(item["points"], w, "分值"),
                rule,
                str(item.get("indicator", "")),
                scoring,
                _dec(item["target"], w, "target") if item.get("target") is not None else None,
                bands,
                str(item.get("dataset", "")),
                int(item.get("planned", 0) or 0),
                _no_value(item, w),
            )
        )
    if not items:
        raise PackError(f"{path.name}：考核方案没有考核项")
    deductions = []
    for item in raw.get("deductions") or []:
        w = _where(path, item)
        if item.get("indicator") not in indicators or not indicators[item["indicator"]].is_count:
            raise PackError(f"{w}：扣分项的 indicator 应为计数指标（如 SUP_OVERDUE）")
        deductions.append(
            Deduction(
                str(item["code"]),
                str(item["name"]),
                item["indicator"],
                _dec(item["points"], w, "扣分"),
                _dec(item.get("max", 100), w, "max"),
            )
        )
    lagging = meta.get("lagging") or {}
    return Scheme(
        str(meta["code"]),
        str(meta["name"]),
        meta["level"],
        int(meta.get("from_year", 2020)),
        tuple(items),
        tuple(deductions),
        int(lagging.get("bottom", 3)),
        _dec(lagging["below"], where, "lagging.below") if lagging.get("below") is not None else None,
        int(meta.get("praised", 3)),
    )


def _no_value(item: dict, where: str) -> bool:
    value = item.get("no_value", "zero")
    if value not in ("zero", "full"):
        raise PackError(f"{where}：no_value 只能是 zero（无数据不得分）或 full（无应考核事项得满分）")
    return value == "full"


def load_schemes(directory: Path) -> dict[str, Scheme]:
    found: dict[str, Scheme] = {}
    for path in sorted(directory.glob("*/*.yaml")):
        if not any(line.startswith("assessment:") for line in path.read_text(encoding="utf-8").splitlines()):
            continue
        scheme = load_scheme_file(path)
        if scheme.code in found:
            raise PackError(f"{path.name}：考核方案代码 {scheme.code} 重复")
        found[scheme.code] = scheme
    return found


@cache
def all_schemes() -> dict[str, Scheme]:
    return load_schemes(PACKS_DIR)


# --- scoring ---------------------------------------------------------------------------------------------


@dataclass
class ItemScore:
    item: Item | Deduction
    points: Decimal  # the points given (a deduction: the points taken off, positive)
    figure: str  # the figure behind it, in words (85.20%, 及时 45/48)
    link: str  # where the figure comes from (drill-down)


@dataclass
class UnitScore:
    unit: OrgUnit
    items: list[ItemScore]
    deductions: list[ItemScore]
    previous: Decimal | None = None
    rank: int = 0
    lagging: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        got = sum((s.points for s in self.items), Decimal(0)) - sum((s.points for s in self.deductions), Decimal(0))
        return max(got, Decimal(0)).quantize(Decimal("0.1"))

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.total - self.previous


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))


def _indicator_points(item: Item, value, target) -> Decimal:
    if value is None:
        return item.points if item.no_value_full else Decimal(0)
    target = item.target if item.target is not None else target
    value = Decimal(str(value))
    if target is None or target <= 0:
        return item.points if value > 0 else Decimal(0)
    lower = all_indicators()[item.indicator].direction == "lower"
    reach = (target / value if value else Decimal(1)) if lower else value / target
    reach = min(reach, Decimal(1))
    if item.scoring == "full":
        return item.points if reach >= 1 else Decimal(0)
    if item.scoring == "banded":
        percent = reach * 100
        share = next((s for r, s in item.bands if percent >= r), Decimal(0))
        return _round(item.points * share)
    return _round(item.points * reach)


def _link(path: str, **query) -> str:
    return f"{path}?{urlencode({k: v for k, v in query.items() if v})}"


def scores(scheme: Scheme, root: OrgUnit, period: Period, *, with_previous: bool = True) -> list[UnitScore]:
    """The score of every unit of the scheme's level directly under ``root`` (the townships of a county,
    the villages of a township), ranked; the same figures as the dashboard (official)."""
    units = (
        list(
            OrgUnit.objects.filter(
                subtree_q(root.path), level=scheme.level, active=True, parent__level__in=[root.level]
            )
            .exclude(kind__in=["health_bureau", "mch_centre"])
            .order_by("path")
        )
        if root.level != scheme.level
        else [root]
    )
    ranked = _score_units(scheme, root, units, period)
    if with_previous:
        before = {s.unit.pk: s.total for s in _score_units(scheme, root, units, period.previous())}
        for s in ranked:
            s.previous = before.get(s.unit.pk)
    ranked.sort(key=lambda s: (-s.total, s.unit.code))
    for n, s in enumerate(ranked, start=1):
        s.rank = n
    bottom = {s.unit.pk for s in ranked[-scheme.lagging_bottom :]} if len(ranked) > scheme.lagging_bottom else set()
    for s in ranked:
        s.lagging = s.unit.pk in bottom or (scheme.lagging_below is not None and s.total < scheme.lagging_below)
    return ranked


def _score_units(scheme: Scheme, root: OrgUnit, units: list[OrgUnit], period: Period) -> list[UnitScore]:
    if not units:
        return []
    codes = sorted(
        {i.indicator for i in scheme.items if i.rule == "indicator"} | {d.indicator for d in scheme.deductions}
    )
    values = compute(root, units, period, codes=codes, with_last_year=False) if codes else {}
    inspection = _inspection_scores(units, period)
    timelines = {}  # item → {(unit id, period): Timeliness}, every level whose reports the unit's subtree makes
    for item in scheme.items:
        if item.rule == "timeliness":
            ds = dataset_of(item.dataset)
            periods = [parse_period(code) for code in report_periods(ds, period)]
            timelines[item.code] = {}
            for level in review_levels(ds):
                for key, t in timeliness_many(ds, units, level, periods).items():
                    if t.due:
                        timelines[item.code][(key[0], f"{key[1]}:{level}")] = t
    activities = activity_totals_by_unit(units, period.start, period.end)
    months = len(period.months)
    out = []
    for unit in units:
        items = []
        for item in scheme.items:
            if item.rule == "indicator":
                v = values[(unit.pk, item.indicator)]
                link = _link(
                    f"/indicators/{unit.code}/",
                    programme=_programme(item.indicator),
                    indicator=item.indicator,
                    period=period.code,
                )
                items.append(ItemScore(item, _indicator_points(item, v.value, v.target), v.display, link))
            elif item.rule == "timeliness":
                ds = dataset_of(item.dataset)
                due = on_time = 0
                for (root_id, _period), t in timelines[item.code].items():
                    if root_id == unit.pk:
                        due, on_time = due + t.due, on_time + t.on_time
                share = Decimal(on_time) / Decimal(due) if due else None
                points = _round(item.points * share) if share is not None else Decimal(0)
                figure = f"{share * 100:.2f}%（{on_time}/{due}）" if share is not None else "—"
                items.append(ItemScore(item, points, figure, _link("/reports/", dataset=ds.code)))
            elif item.rule == "inspection":
                got = inspection.get(unit.pk)
                share = got[0] / got[1] if got and got[1] else None
                points = _round(item.points * share) if share is not None else Decimal(0)
                figure = f"{share * 100:.1f}%（{got[2]}次检查）" if share is not None else "未检查"
                items.append(ItemScore(item, points, figure, _link("/supervision/records/", unit=unit.code)))
            else:
                totals = activities.get(unit.code, {})
                held = int(totals.get("trainings", 0)) + int(totals.get("events", 0))
                planned = Decimal(item.planned) * months / 12 if item.planned else Decimal(0)
                share = min(Decimal(held) / planned, Decimal(1)) if planned else Decimal(1)
                items.append(
                    ItemScore(
                        item,
                        _round(item.points * share),
                        f"{held}次（计划{planned:.0f}次）",
                        _link("/activities/", unit=unit.code, start=period.start, end=period.end),
                    )
                )
        deductions = []
        for d in scheme.deductions:
            v = values[(unit.pk, d.indicator)]
            count = Decimal(str(v.value or 0))
            taken = min(d.points * count, d.maximum)
            if taken:
                deductions.append(
                    ItemScore(
                        d,
                        _round(taken),
                        v.display,
                        _link(
                            f"/indicators/{unit.code}/",
                            programme=_programme(d.indicator),
                            indicator=d.indicator,
                            period=period.code,
                        ),
                    )
                )
        out.append(UnitScore(unit, items, deductions))
    return out


def _programme(indicator: str) -> str:
    from jiceng.reporting.packs import all_packs

    return next((k for k, p in all_packs().items() if indicator in p.indicators), "")


def _inspection_scores(units: list[OrgUnit], period: Period) -> dict[int, tuple[Decimal, Decimal, int]]:
    """{unit id: (sum of scores, sum of full marks, records)} of the inspections in the unit's subtree."""
    out = {}
    for unit in units:
        rows = InspectionRecord.objects.filter(
            subtree_q(unit.path, "unit__path"),
            withdrawn=False,
            inspected_on__gte=period.start,
            inspected_on__lte=period.end,
        ).values_list("score", "max_score")
        rows = list(rows)
        if rows:
            out[unit.pk] = (sum(r[0] for r in rows), sum(r[1] for r in rows), len(rows))
    return out


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
