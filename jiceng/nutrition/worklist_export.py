"""随访提醒名单 to Excel: the children of the follow-up worklist (poor adherence, due a visit) of a unit, as the
page lists them (:func:`jiceng.nutrition.queries.follow_up_worklist`); names and villages only, no ID or phone
numbers; the export writes its audit row with the row count."""

from __future__ import annotations

from django.utils import timezone

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.excel import XLSX_MIMETYPE, write_table
from jiceng.documents.files import RenderedFile
from jiceng.nutrition.queries import WorklistEntry
from jiceng.orgunits.models import OrgUnit

LIST_TITLES = {"low_adherence": "服用依从性差", "due": "本月应随访"}
HEADERS = ("名单", "乡镇", "村", "村代码", "姓名", "性别", "出生日期", "最近随访", "近7天服用（包）", "提示")


def render_worklist_export(
    user, unit: OrgUnit, lists: dict[str, list[WorklistEntry]], which: tuple[str, ...]
) -> RenderedFile:
    access.require(user, "registers.view")
    access.require_unit_in_scope(user, unit)
    today = timezone.localdate()

    parents = {e.child.village.parent_id for key in which for e in lists[key]}
    townships = dict(OrgUnit.objects.filter(pk__in=parents).values_list("pk", "name"))

    def rows():
        for key in which:
            for e in lists[key]:
                village = e.child.village
                yield (
                    LIST_TITLES[key],
                    townships.get(village.parent_id, ""),
                    village.name,
                    village.code,
                    e.child.name,
                    e.child.get_sex_display(),
                    e.child.birth_date,
                    e.last_card_on,
                    e.packs_last_7d,
                    e.why,
                )

    info = [
        ("单位", f"{unit.display_name}（{unit.code}）"),
        ("名单", "、".join(LIST_TITLES[k] for k in which)),
        ("截至", today.isoformat()),
        ("导出人", getattr(user, "display_name", "") or user.get_username()),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ("说明", "本文件含儿童姓名，仅限本辖区工作使用，不得外传；本次导出已记入审计日志。"),
    ]
    data, count = write_table("随访提醒", HEADERS, rows(), info=info, widths=[12, 12, 12, 15, 10, 6, 12, 12, 10, 40])
    record(
        actor=user,
        action=actions_catalog.EXPORT_WORKLIST,
        object_type="documents.excel",
        object_repr=f"{unit.display_name} 随访提醒名单导出（{count}行）",
        unit=unit,
        after={"rows": count, "lists": list(which)},
    )
    return RenderedFile(
        f"随访提醒_{unit.name}_{today:%Y%m%d}.xlsx", XLSX_MIMETYPE, data, personal_data=True, rows=count, audited=True
    )
