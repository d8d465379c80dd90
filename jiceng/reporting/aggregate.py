"""The one aggregation: the value of every element of any data set for any unit and report period,
official or working. Report pages, exports, the API, the CLI, indicators, dashboards, summaries, the
quarterly analysis and the demo all read figures through :func:`unit_values` (or :func:`period_values`
for a period that spans several report periods).

A unit's value for one report period is, recursively:

- **official** (正式数据): its own report's frozen values if that report is approved (an approved
  report already holds its children's sums, and any override its submitter made with a reason);
  otherwise the sum of its children's official values. A unit at the data set's reporting level
  without an approved report has no official value.
- **working** (工作数据): its own report's frozen values if submitted or approved; nothing if the level
  above marked it 缺报; otherwise, at the reporting level, the register figures (``source``) or the
  typed values; above it, the sum of its children's working values — in both cases with the unit's own
  typed values and overrides applied over them.

``sum`` elements are summed upward; ``own`` elements (a unit's own stock) are never summed: they are the
unit's own register figure or stored value. Over several report periods (a quarter of monthly reports, a
year of quarterly ones) an element is summed (``period_aggregation: sum``), takes the latest period
that has a value (``last``: positions such as records built or people under management), or is counted
again over the whole period from the registers, each person once (``distinct``: children tested for
anaemia in a quarter, at their latest result) — :func:`period_values`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from jiceng.orgunits.models import INSTITUTION_KINDS, Level, OrgUnit, subtree_q
from jiceng.periods import Period, parse_period, quarter_of
from jiceng.reporting.models import DataValue, Report, State
from jiceng.reporting.packs import DataSet

LEVEL_ORDER = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
FROZEN_STATES = (State.SUBMITTED, State.APPROVED)
ENTERED = (DataValue.Origin.TYPED, DataValue.Origin.OVERRIDE)
CHUNK = 2000  # ids per IN (…) list: well under SQLite's and PostgreSQL's limits


@dataclass
class Cell:
    """One figure of a report as shown: the value used, the value it would have without the unit's own
    entry (register figure or children's sum), where the value came from, and the override's reason."""

    element: str
    value: Decimal | None
    computed: Decimal | None = None
    origin: str = DataValue.Origin.COMPUTED
    reason: str = ""

    @property
    def overridden(self) -> bool:
        return self.origin == DataValue.Origin.OVERRIDE

    @property
    def difference(self) -> Decimal | None:
        if self.value is None or self.computed is None:
            return None
        return self.value - self.computed


def report_periods(ds: DataSet, period: Period) -> list[str]:
    """The codes of the data set's report periods that lie inside ``period`` (the months of a quarter
    for a monthly form, the quarters of a year for a quarterly one; none of a month for a quarterly one)."""
    if ds.period_kind == "month":
        return period.months
    codes = []
    for month in period.months:
        start = parse_period(month)
        if start.start.month % 3 == 1:
            quarter = quarter_of(start.start)
            if quarter.end <= period.end:
                codes.append(quarter.code)
    return codes


class _Tree:
    """The units that hold or sum a data set's reports under some roots, loaded in one query."""

    def __init__(self, ds: DataSet, roots: list[OrgUnit]):
        self.ds = ds
        top = {r.pk: r for r in roots}
        lowest = LEVEL_ORDER.index(ds.reporting_level) if ds.reporting_level in LEVEL_ORDER else len(LEVEL_ORDER)
        levels = LEVEL_ORDER[: lowest + 1]
        outer = _outermost(roots)
        query = reduce(or_, (subtree_q(r.path) for r in outer)) if outer else None
        units = (
            list(OrgUnit.objects.filter(query, level__in=levels, active=True).exclude(kind__in=INSTITUTION_KINDS))
            if query is not None
            else []
        )
        self.units = {u.pk: u for u in units} | top
        self.children: dict[int, list[OrgUnit]] = defaultdict(list)
        for unit in units:
            if unit.parent_id in self.units and (unit.level != ds.reporting_level or ds.is_reported_by(unit)):
                self.children[unit.parent_id].append(unit)


def add_up(ds: DataSet, parts: Iterable[dict[str, Decimal | None]]) -> dict[str, Decimal]:
    """The upper-level value of the ``sum`` elements: the sum over the units below of the values they have
    (an element no unit has a value for is left out, never written as 0)."""
    sum_codes = _sum_codes(ds)
    totals: dict[str, Decimal] = {}
    for values in parts:
        for code, value in values.items():
            if code in sum_codes and value is not None:
                totals[code] = totals.get(code, Decimal(0)) + value
    return totals


def _outermost(roots: list[OrgUnit]) -> list[OrgUnit]:
    roots = sorted({r.pk: r for r in roots}.values(), key=lambda u: u.path)
    out: list[OrgUnit] = []
    for root in roots:
        if not out or not root.path.startswith(out[-1].path):
            out.append(root)
    return out


def unit_values(
    ds: DataSet,
    units: Iterable[OrgUnit],
    periods: Iterable[str],
    *,
    official: bool,
    with_own: bool = False,
) -> dict[tuple[int, str], dict[str, Cell]]:
    """{(unit id, report period code): {element: Cell}} for each unit and report period of ``ds``.

    ``with_own``: also the ``own`` elements of the requested units (a report page); dashboards skip them.
    Cells without a value are left out."""
    units, periods = list(units), list(periods)
    if not units or not periods:
        return {}
    if not ds.reported:
        official = False  # register figures only: no report is ever approved, the figures are the registers'
    tree = _Tree(ds, units)
    reports = _reports(ds, tree, periods)
    frozen_states = (State.APPROVED,) if official else FROZEN_STATES
    sum_codes = [e.code for e in ds.elements if e.aggregation == "sum"]
    own_codes = [e.code for e in ds.elements if e.aggregation == "own"] if with_own else []

    # which reports' stored values are needed, and which units' register figures
    used_frozen: set[int] = set()
    entered: set[int] = set()  # open or returned reports whose typed values and overrides apply (working)
    registers: dict[str, set[int]] = defaultdict(set)

    def marked_missing(unit: OrgUnit, period: str) -> bool:
        """缺报 and not submitted since: counts nothing in its parent's sum (its own page still shows it)."""
        report = reports.get((unit.pk, period))
        return report is not None and report[2] and report[1] not in FROZEN_STATES

    def visit(unit: OrgUnit, period: str, as_child: bool = False) -> None:
        report = reports.get((unit.pk, period))
        if report is not None and report[1] in frozen_states:
            used_frozen.add(report[0])
            return
        if not official:
            if as_child and marked_missing(unit, period):
                return
            if report is not None:
                entered.add(report[0])
            if unit.level == ds.reporting_level:
                if unit.keeps_registers:
                    registers[period].add(unit.pk)
                return
        for child in tree.children.get(unit.pk, ()):
            visit(child, period, as_child=True)

    for unit in units:
        for period in periods:
            visit(unit, period)
            if own_codes and not official and unit.keeps_registers:
                registers[period].add(unit.pk)  # its own stock, whatever its level
    stored = _stored_values(used_frozen, entered)
    figures = _register_figures(ds, tree, registers)

    memo: dict[tuple[int, str], dict[str, Cell]] = {}

    def value(unit: OrgUnit, period: str) -> dict[str, Cell]:
        key = (unit.pk, period)
        if key in memo:
            return memo[key]
        report = reports.get(key)
        if report is not None and report[0] in used_frozen:
            cells = {code: Cell(code, v, c, o, r) for code, (v, c, o, r) in stored.get(report[0], {}).items()}
            memo[key] = cells
            return cells
        cells: dict[str, Cell] = {}
        if unit.level == ds.reporting_level:
            if not official:
                own_figures = figures.get(period, {}).get(unit.pk, {})
                for element in ds.elements:
                    if element.aggregation == "sum" and element.source and element.source in own_figures:
                        v = _dec(own_figures[element.source])
                        cells[element.code] = Cell(element.code, v, v)
        else:
            totals = add_up(
                ds,
                (
                    {c: cell.value for c, cell in value(child, period).items()}
                    for child in tree.children.get(unit.pk, ())
                    if official or not marked_missing(child, period)
                ),
            )
            cells = {code: Cell(code, total, total) for code, total in totals.items()}
        if not official and report is not None:
            typed_here = typed_elements(ds, unit)
            for code, (v, _c, origin, reason) in stored.get(report[0], {}).items():
                if code not in sum_codes:
                    continue
                if origin in ENTERED:
                    computed = cells[code].computed if code in cells else None
                    cells[code] = Cell(code, v, computed, origin, reason)
                elif code in typed_here and v is not None:  # typed once, kept when the report is reopened
                    cells[code] = Cell(code, v, None, DataValue.Origin.TYPED)
        memo[key] = cells
        return cells

    result = {}
    for unit in units:
        for period in periods:
            cells = dict(value(unit, period))
            report = reports.get((unit.pk, period))
            frozen = report is not None and report[0] in used_frozen
            if own_codes and not frozen and not official:
                own_figures = figures.get(period, {}).get(unit.pk, {})
                entries = stored.get(report[0], {}) if report is not None else {}
                for element in ds.elements:
                    if element.code not in own_codes:
                        continue
                    computed = _dec(own_figures.get(element.source)) if element.source else None
                    cells[element.code] = Cell(element.code, computed, computed)
                    entry = entries.get(element.code)
                    if entry is not None and entry[2] in ENTERED:
                        cells[element.code] = Cell(element.code, entry[0], computed, entry[2], entry[3])
            result[(unit.pk, period)] = {
                k: c for k, c in cells.items() if c.value is not None or c.computed is not None
            }
    return result


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _reports(ds: DataSet, tree: _Tree, periods: list[str]) -> dict[tuple[int, str], tuple[int, str, bool]]:
    """{(unit id, period): (report id, state, missing)} for the tree's units."""
    out = {}
    ids = list(tree.units)
    for start in range(0, len(ids), CHUNK):
        rows = Report.objects.filter(dataset=ds.code, period__in=periods, unit_id__in=ids[start : start + CHUNK])
        for pk, unit_id, period, state, missing in rows.values_list("pk", "unit_id", "period", "state", "missing"):
            out[(unit_id, period)] = (pk, state, missing)
    return out


def typed_elements(ds: DataSet, unit: OrgUnit) -> frozenset[str]:
    """The ``sum`` elements whose values a unit types in: at the reporting level, those no register of the
    unit computes (no ``source``, or a unit without registers in the system); above it, none (they are sums)."""
    if unit.level != ds.reporting_level:
        return frozenset()
    return frozenset(
        e.code for e in ds.elements if e.aggregation == "sum" and (e.source is None or not unit.keeps_registers)
    )


def _stored_values(frozen: set[int], entered: set[int]) -> dict[int, dict[str, tuple]]:
    """{report id: {element: (value, computed, origin, reason)}} of the reports used: frozen reports' values
    count as they are; of an open or returned report, its typed values and overrides count (and values it
    holds for elements the unit types, whatever their origin, so a reopened report keeps what was typed)."""
    out: dict[int, dict[str, tuple]] = defaultdict(dict)
    fields = ("report_id", "element", "value", "computed_value", "origin", "reason")
    for ids in (sorted(frozen), sorted(entered)):
        for start in range(0, len(ids), CHUNK):
            rows = DataValue.objects.filter(report_id__in=ids[start : start + CHUNK])
            for report_id, element, v, computed, origin, reason in rows.values_list(*fields):
                out[report_id][element] = (v, computed, origin, reason)
    return out


def _register_figures(ds: DataSet, tree: _Tree, registers: dict[str, set[int]]) -> dict[str, dict[int, dict]]:
    from jiceng.reporting.sources import source_values_months

    if not registers or not any(e.source for e in ds.elements):
        return {}
    by_units: dict[frozenset, list[str]] = defaultdict(list)
    for period, ids in registers.items():
        by_units[frozenset(ids)].append(period)
    out: dict[str, dict[int, dict]] = {}
    for ids, periods in by_units.items():
        units = [tree.units[pk] for pk in sorted(ids) if pk in tree.units]
        out.update(source_values_months(ds, units, [parse_period(p) for p in periods]))
    return out


# ---------------------------------------------------------------------------------------------
# Over a period of several report periods (indicators, dashboards, summaries)
# ---------------------------------------------------------------------------------------------


def combine_periods(ds: DataSet, by_period: dict[str, dict[str, Decimal]], periods: list[str]) -> dict[str, Decimal]:
    """One unit's values over ``periods``: ``sum`` elements added, ``last`` elements from the latest
    period that has a value."""
    total: dict[str, Decimal] = {}
    last = {e.code for e in ds.elements if e.period_aggregation == "last"}
    for period in sorted(periods):
        for code, v in by_period.get(period, {}).items():
            if code in last:
                total[code] = v
            else:
                total[code] = total.get(code, Decimal(0)) + v
    return total


def official_sums(ds: DataSet, units: list[OrgUnit], periods: list[str]) -> dict[tuple[int, str], dict[str, Decimal]]:
    """{(unit id, period): {element: value}} of the ``sum`` elements, official figures — the same figures
    as :func:`unit_values` (``official=True``), with the heavy sums done by the database.

    The recursive definition, read with two grouped queries: the database sums the frozen values of the
    approved reports under each parent unit (one row per parent, period and element); a unit is then its
    own approved report, or the sum of its approved children plus, for each child above the reporting
    level whose report is not approved, that child's own figure (recursively). Leaves without an approved
    report count nothing."""
    from django.db.models import Sum

    out: dict[tuple[int, str], dict[str, Decimal]] = {}
    units = list({u.pk: u for u in units}.values())
    if not units or not periods:
        return out
    sum_codes = [e.code for e in ds.elements if e.aggregation == "sum"]
    roots = _outermost(units)
    in_roots = reduce(or_, (subtree_q(r.path) for r in roots))
    lowest = LEVEL_ORDER.index(ds.reporting_level) if ds.reporting_level in LEVEL_ORDER else len(LEVEL_ORDER)
    upper_levels = LEVEL_ORDER[:lowest]
    upper = {
        u.pk: u
        for u in OrgUnit.objects.filter(in_roots, level__in=upper_levels, active=True).exclude(
            kind__in=INSTITUTION_KINDS
        )
    }
    upper.update({u.pk: u for u in units if u.level in upper_levels and not u.is_institution})  # asked for: always
    children: dict[int, list[int]] = defaultdict(list)
    for unit in upper.values():
        if unit.parent_id in upper:
            children[unit.parent_id].append(unit.pk)
    approved = set(
        Report.objects.filter(
            subtree_q_any(roots, "unit__path"), dataset=ds.code, period__in=periods, state=State.APPROVED
        ).values_list("unit_id", "period")
    )
    # the database: approved reports' values summed per parent unit
    under: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(dict)
    rows = (
        DataValue.objects.filter(
            subtree_q_any(roots, "report__unit__path"),
            report__dataset=ds.code,
            report__period__in=periods,
            report__state=State.APPROVED,
            report__unit__active=True,
            element__in=sum_codes,
            value__isnull=False,
        )
        .values_list("report__unit__parent_id", "report__period", "element")
        .annotate(total=Sum("value"))
    )
    for parent_id, period, element, total in rows:
        under[(parent_id, period)][element] = total
    # the requested units' own approved reports
    own: dict[tuple[int, str], dict[str, Decimal]] = defaultdict(dict)
    asked = [u.pk for u in units if any((u.pk, p) in approved for p in periods)]
    if asked:
        for unit_id, period, element, value in DataValue.objects.filter(
            report__unit_id__in=asked,
            report__dataset=ds.code,
            report__period__in=periods,
            report__state=State.APPROVED,
            element__in=sum_codes,
            value__isnull=False,
        ).values_list("report__unit_id", "report__period", "element", "value"):
            own[(unit_id, period)][element] = value

    def value(unit_id: int, period: str) -> dict[str, Decimal]:
        total = dict(under.get((unit_id, period), {}))
        for child in children.get(unit_id, ()):
            if (child, period) not in approved:
                for element, v in value(child, period).items():
                    total[element] = total.get(element, Decimal(0)) + v
        return total

    for unit in units:
        for period in periods:
            if (unit.pk, period) in approved:
                figures = own.get((unit.pk, period), {})
            elif unit.pk in upper:
                figures = value(unit.pk, period)
            else:
                figures = {}
            if figures:
                out[(unit.pk, period)] = figures
    return out


def subtree_q_any(roots: list[OrgUnit], field: str):
    return reduce(or_, (subtree_q(r.path, field) for r in roots))


def period_values(
    ds: DataSet, units: list[OrgUnit], groups: list[list[str]], *, official: bool
) -> list[dict[int, dict[str, Decimal]]]:
    """For each group of report periods: {unit id: {element: value over the group}} — one pass.

    ``last`` elements (positions: records built, people under management) are taken per reporting unit —
    each unit's latest period that has a value — and then summed upward, so a county is never the sum of
    only the townships that have already reported the latest quarter."""
    wanted = sorted({p for group in groups for p in group})
    values = _values(ds, units, wanted, official)
    # ``last`` per reporting unit where units report on their own schedule; a figures-only data set (not
    # reported) has every unit's figure in every period, so its own latest period is already the sum of theirs
    last_codes = (
        {e.code for e in ds.elements if e.period_aggregation == "last" and e.aggregation == "sum"}
        if ds.reported
        else set()
    )
    distinct = {e.code: e.source for e in ds.elements if e.period_aggregation == "distinct" and e.aggregation == "sum"}
    recounted = [group for group in groups if len(group) > 1] if distinct else []
    leaves = _reporting_units_under(ds, units) if last_codes or recounted else []
    leaf_values = _values_of_many(ds, leaves, wanted, official) if last_codes else {}
    registers = [leaf for leaf in leaves if leaf.keeps_registers] if recounted else []
    out = []
    for group in groups:
        by_unit = {}
        recount = _recount(ds, registers, group, distinct, official) if group in recounted and registers else None
        typed = _typed_sums(ds, units, leaves, group, distinct, official) if recount is not None else {}
        for unit in units:
            by_period = {p: values.get((unit.pk, p), {}) for p in group}
            combined = combine_periods(ds, by_period, group)
            if last_codes:
                for code in last_codes:
                    combined.pop(code, None)
                for leaf in leaves:
                    if leaf.path.startswith(unit.path):
                        latest = combine_periods(ds, {p: leaf_values.get((leaf.pk, p), {}) for p in group}, group)
                        for code in last_codes & set(latest):
                            combined[code] = combined.get(code, Decimal(0)) + latest[code]
            if recount is not None:  # distinct: registers recounted, plus what units without registers typed
                for code in distinct:
                    combined.pop(code, None)
                for code, v in typed.get(unit.pk, {}).items():
                    combined[code] = combined.get(code, Decimal(0)) + v
                for leaf in registers:
                    if leaf.path.startswith(unit.path) and leaf.pk in recount:
                        for code, v in recount[leaf.pk].items():
                            combined[code] = combined.get(code, Decimal(0)) + v
            by_unit[unit.pk] = combined
        out.append(by_unit)
    return out


def _typed_sums(
    ds: DataSet, units: list[OrgUnit], leaves: list[OrgUnit], group: list[str], distinct: dict, official: bool
) -> dict[int, dict[str, Decimal]]:
    """{unit id: {element: value}}: the ``distinct`` elements of the reporting units without registers under
    each unit, summed over ``group`` (their months add up: there is nothing to recount) — one grouped query."""
    from django.db.models import Sum

    typed = {leaf.pk: leaf for leaf in leaves if not leaf.keeps_registers}
    if not typed:
        return {}
    rows = DataValue.objects.filter(
        subtree_q_any(_outermost(units), "report__unit__path"),
        report__dataset=ds.code,
        report__period__in=group,
        report__unit__level=ds.reporting_level,
        report__unit__keeps_registers=False,
        element__in=list(distinct),
        value__isnull=False,
    )
    rows = (
        rows.filter(report__state=State.APPROVED)
        if official
        else rows.exclude(report__missing=True, report__state__in=[State.OPEN, State.RETURNED])
    )
    per_leaf: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for unit_id, element, total in rows.values_list("report__unit_id", "element").annotate(total=Sum("value")):
        if unit_id in typed:
            per_leaf[unit_id][element] = total
    out: dict[int, dict[str, Decimal]] = {}
    for unit in units:
        sums: dict[str, Decimal] = {}
        for leaf_id, by_code in per_leaf.items():
            if typed[leaf_id].path.startswith(unit.path):
                for code, v in by_code.items():
                    sums[code] = sums.get(code, Decimal(0)) + v
        out[unit.pk] = sums
    return out


def _recount(
    ds: DataSet, leaves: list[OrgUnit], group: list[str], distinct: dict[str, str], official: bool
) -> dict[int, dict[str, Decimal]]:
    """{leaf id: {element: value}} of the ``distinct`` elements over ``group`` for the reporting units that
    keep registers: each person counted once, recounted from the registers (official: only the report
    periods the leaf's report is approved for — locked, so they cannot move). A unit that types its figures
    has only its per-period values: they add up."""
    from jiceng.reporting.sources import source_values_over

    registers = [leaf for leaf in leaves if leaf.keeps_registers]
    if not registers:
        return {}

    def counted(unit_ids: list[int]) -> dict[int, set[str]]:
        months: dict[int, set[str]] = defaultdict(set)
        for unit_id, period in _approved(ds, unit_ids, group):
            months[unit_id].add(period)
        return months

    approved_here = _approved_units(ds, [leaf.pk for leaf in registers], group) if official else None
    figures = source_values_over(ds, registers, [parse_period(p) for p in group], counted if official else None)
    out = {}
    for leaf in registers:
        if official and leaf.pk not in approved_here:
            continue  # nothing approved: no official value
        own = figures.get(leaf.pk, {})
        out[leaf.pk] = {code: Decimal(own.get(source) or 0) for code, source in distinct.items()}
    return out


def _approved_units(ds: DataSet, ids: list[int], periods: list[str]) -> set[int]:
    """The units among ``ids`` with at least one approved report in ``periods`` (one row per unit)."""
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            Report.objects.filter(
                dataset=ds.code, period__in=periods, unit_id__in=ids[start : start + CHUNK], state=State.APPROVED
            )
            .values_list("unit_id", flat=True)
            .distinct()
        )
    return found


def _approved(ds: DataSet, ids: list[int], periods: list[str]) -> list[tuple[int, str]]:
    found = []
    for start in range(0, len(ids), CHUNK):
        found += Report.objects.filter(
            dataset=ds.code, period__in=periods, unit_id__in=ids[start : start + CHUNK], state=State.APPROVED
        ).values_list("unit_id", "period")
    return found


ROOTS_PER_QUERY = 200  # subtrees OR-ed in one statement (SQLite refuses expression trees deeper than 1,000)


def _values_of_many(ds: DataSet, units: list[OrgUnit], periods: list[str], official: bool) -> dict:
    """:func:`_values` of many separate units (every village of a province), a few hundred at a time."""
    out: dict = {}
    for start in range(0, len(units), ROOTS_PER_QUERY):
        out.update(_values(ds, units[start : start + ROOTS_PER_QUERY], periods, official))
    return out


def _values(ds: DataSet, units: list[OrgUnit], periods: list[str], official: bool) -> dict:
    if official:
        return official_sums(ds, units, periods)
    cells = unit_values(ds, units, periods, official=False)
    sum_codes = _sum_codes(ds)
    return {
        key: {code: c.value for code, c in by_code.items() if c.value is not None and code in sum_codes}
        for key, by_code in cells.items()
    }


def _reporting_units_under(ds: DataSet, units: list[OrgUnit]) -> list[OrgUnit]:
    """The units of the data set's reporting level under ``units`` (or among them) that report it."""
    roots = _outermost(units)
    if not roots:
        return []
    found = OrgUnit.objects.filter(subtree_q_any(roots, "path"), level=ds.reporting_level, active=True).exclude(
        kind__in=INSTITUTION_KINDS
    )
    return [u for u in found if ds.is_reported_by(u)]


def _sum_codes(ds: DataSet) -> frozenset[str]:
    return frozenset(e.code for e in ds.elements if e.aggregation == "sum")
