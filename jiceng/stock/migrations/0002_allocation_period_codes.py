"""Allocation plans are coded in the one period grammar of jiceng.periods: a quarter is "2026Q4", not
"2026-Q4" (months "2026-12" were already written that way). The conversion is here, not imported, so
the migration means the same thing whatever the application code becomes."""

import re

from django.db import migrations

OLD_QUARTER = re.compile(r"^\s*(\d{4})-[Qq]([1-4])\s*$")
NEW_QUARTER = re.compile(r"^\s*(\d{4})[Qq]([1-4])\s*$")
MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def new_period_code(old: str) -> str:
    """ "2026-Q4" → "2026Q4"; "2026-12" stays; anything else is returned as it was."""
    match = OLD_QUARTER.match(old or "")
    if match:
        return f"{match.group(1)}Q{match.group(2)}"
    match = MONTH.match(old or "")
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{match.group(1)}-{int(match.group(2)):02d}"
    return old


def old_period_code(new: str) -> str:
    """The reverse: "2026Q4" → "2026-Q4" (months stay)."""
    match = NEW_QUARTER.match(new or "")
    return f"{match.group(1)}-Q{match.group(2)}" if match else new


def _rewrite(apps, convert) -> None:
    AllocationPlan = apps.get_model("stock", "AllocationPlan")
    taken = set(AllocationPlan.objects.values_list("township_id", "period"))
    for plan in AllocationPlan.objects.only("pk", "township_id", "period").order_by("pk"):
        code = convert(plan.period)
        if code == plan.period:
            continue
        if (plan.township_id, code) in taken:
            raise RuntimeError(
                f"分配计划 {plan.pk}: 乡镇 {plan.township_id} 已有期间 {code} 的计划，无法把 {plan.period} 改写为 {code}"
            )
        taken.discard((plan.township_id, plan.period))
        taken.add((plan.township_id, code))
        plan.period = code
        plan.save(update_fields=["period"])


def forwards(apps, schema_editor):
    _rewrite(apps, new_period_code)


def backwards(apps, schema_editor):
    _rewrite(apps, old_period_code)


class Migration(migrations.Migration):
    dependencies = [("stock", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
