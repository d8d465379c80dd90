"""Writes to work summaries: generate, save the author's edits as a new version, refresh the figures."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit.recorder import record
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import PeriodError, parse_period
from jiceng.summaries import writer
from jiceng.summaries.models import Summary, SummaryVersion


def _check(unit: OrgUnit, period_code: str, acting_user):
    access.require(acting_user, "summaries.edit", _("您的角色不能编写工作总结"))
    access.require_unit_in_scope(acting_user, unit)
    if unit.level not in (Level.TOWNSHIP, Level.COUNTY) or unit.is_institution:
        raise ValidationError({"unit": _("单位：工作总结由乡镇卫生院或县编写")})
    try:
        period = parse_period(period_code)
    except PeriodError as exc:
        raise ValidationError({"period": str(exc)}) from None
    if period.kind not in ("year", "half", "quarter", "ytd"):
        raise ValidationError({"period": _("期间：工作总结按季度、半年或年度编写，如 2026Q3、2026H1、2026")})
    return period


@transaction.atomic
def create_summary(unit: OrgUnit, period_code: str, *, official: bool = True, acting_user) -> Summary:
    period = _check(unit, period_code, acting_user)
    draft = writer.write(unit, period, official=official)
    if not draft.has_data:
        raise ValidationError(
            _("%(unit)s %(period)s 没有%(kind)s数据，无法生成工作总结（可改用工作数，或选择其他期间）")
            % {"unit": unit.display_name, "period": period.label, "kind": "已审核的" if official else ""}
        )
    summary = Summary.objects.create(
        unit=unit,
        period=period.code,
        official=official,
        title=draft.title,
        opening=draft.opening,
        sections=draft.sections,
        generated=draft.sections,
        figures=draft.figures,
        created_by=acting_user,
    )
    SummaryVersion.objects.create(
        summary=summary,
        version=1,
        title=summary.title,
        opening=summary.opening,
        sections=summary.sections,
        note="生成初稿",
        saved_by=acting_user,
    )
    record(
        actor=acting_user,
        action="summary.create",
        obj=summary,
        unit=unit,
        after={"period": period.code, "official": official},
    )
    return summary


def _locked(summary: Summary, acting_user) -> Summary:
    access.require(acting_user, "summaries.edit", _("您的角色不能编写工作总结"))
    return access.object_in_scope_or_404(acting_user, Summary.objects.select_for_update(), pk=summary.pk)


@transaction.atomic
def save_summary(
    summary: Summary, *, title: str, opening: str, sections: dict[str, str], acting_user, note: str = ""
) -> Summary:
    summary = _locked(summary, acting_user)
    if not (title or "").strip():
        raise ValidationError({"title": _("标题：不能为空")})
    before = {"version": summary.version}
    summary.title, summary.opening = title.strip(), opening
    summary.sections = {key: sections.get(key, summary.sections.get(key, "")) for key, _h in writer.SECTIONS}
    summary.version += 1
    summary.save()
    SummaryVersion.objects.create(
        summary=summary,
        version=summary.version,
        title=summary.title,
        opening=summary.opening,
        sections=summary.sections,
        note=note or "修改",
        saved_by=acting_user,
    )
    record(
        actor=acting_user,
        action="summary.save",
        obj=summary,
        unit=summary.unit,
        before=before,
        after={"version": summary.version},
    )
    return summary


@transaction.atomic
def refresh_figures(summary: Summary, *, acting_user) -> tuple[Summary, list[str]]:
    """Regenerate from the data. Sections the author has not edited take the new text; edited sections
    keep the author's wording, and the changed figures are listed for the author to update."""
    summary = _locked(summary, acting_user)
    draft = writer.write(summary.unit, parse_period(summary.period), official=summary.official)
    changes = [
        f"{key}：{old} → {draft.figures[key]}"
        for key, old in summary.figures.items()
        if key in draft.figures and draft.figures[key] != old
    ]
    kept = []
    new_sections = {}
    for key, _heading in writer.SECTIONS:
        if summary.sections.get(key, "") == summary.generated.get(key, ""):
            new_sections[key] = draft.sections.get(key, "")
        else:
            new_sections[key] = summary.sections.get(key, "")
            kept.append(key)
    summary.sections, summary.generated, summary.figures = new_sections, draft.sections, draft.figures
    summary.version += 1
    summary.save()
    SummaryVersion.objects.create(
        summary=summary,
        version=summary.version,
        title=summary.title,
        opening=summary.opening,
        sections=summary.sections,
        note="更新数据",
        saved_by=acting_user,
    )
    record(
        actor=acting_user,
        action="summary.refresh",
        obj=summary,
        unit=summary.unit,
        after={"changed": changes, "kept_author_text": kept},
    )
    return summary, changes
