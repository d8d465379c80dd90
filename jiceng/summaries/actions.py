"""Writes to work summaries: generate, save the author's edits as a new version, refresh the figures."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.hostile import control_message
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
        action=actions_catalog.SUMMARY_CREATE,
        obj=summary,
        unit=unit,
        after={"period": period.code, "official": official},
    )
    return summary


def _locked(summary: Summary, acting_user, capability: str = "summaries.edit") -> Summary:
    if capability == "summaries.edit":
        access.require(acting_user, capability, _("您的角色不能编写工作总结"))
    else:
        access.require(acting_user, capability, _("您的角色不能审定工作总结（由院长或县卫健局审定）"))
    locked = access.object_in_scope_or_404(
        acting_user, Summary.objects.select_for_update(of=("self",)).select_related("approved_by"), pk=summary.pk
    )
    if capability == "summaries.edit" and locked.approved:
        raise ValidationError(
            _("工作总结已由 %(who)s 于 %(at)s 审定，不能再修改；如需修改，请审定人退回")
            % {"who": _who(locked.approved_by), "at": timezone.localtime(locked.approved_at).strftime("%Y-%m-%d %H:%M")}
        )
    return locked


def _who(user) -> str:
    return (getattr(user, "display_name", "") or getattr(user, "username", "")) if user else _("他人")


@transaction.atomic
def approve_summary(summary: Summary, *, acting_user) -> Summary:
    """审定: the director approves the drafted summary as it stands (its current version). The approver is not
    one of its authors (先起草、后审定)."""
    summary = _locked(summary, acting_user, "summaries.approve")
    if summary.approved:
        raise ValidationError(_("工作总结已由 %(who)s 审定") % {"who": _who(summary.approved_by)})
    if summary.created_by_id == acting_user.pk or summary.versions.filter(saved_by=acting_user).exists():
        raise ValidationError(_("审定人不能是起草人：请由院长（审核人）审定本人未起草的工作总结"))
    summary.approved_by, summary.approved_at, summary.approved_version = acting_user, timezone.now(), summary.version
    summary.save(update_fields=["approved_by", "approved_at", "approved_version"])
    record(
        actor=acting_user,
        action=actions_catalog.SUMMARY_APPROVE,
        obj=summary,
        unit=summary.unit,
        after={"version": summary.version},
    )
    return summary


@transaction.atomic
def reopen_summary(summary: Summary, *, reason: str, acting_user) -> Summary:
    """退回修改: the approver (or another approver of the same scope) reopens an approved summary, with a reason."""
    summary = _locked(summary, acting_user, "summaries.approve")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回原因：请写明需要修改的地方")})
    problem = control_message(_("退回原因"), reason, multiline=True)
    if problem is None and len(reason) > 200:
        problem = _("退回原因：不能超过200个字")
    if problem:
        raise ValidationError({"reason": problem})
    if not summary.approved:
        raise ValidationError(_("工作总结尚未审定，无需退回"))
    summary.approved_by, summary.approved_at, summary.approved_version = None, None, None
    summary.save(update_fields=["approved_by", "approved_at", "approved_version"])
    record(
        actor=acting_user,
        action=actions_catalog.SUMMARY_REOPEN,
        obj=summary,
        unit=summary.unit,
        before={"approved": True},
        after={"approved": False},
        reason=reason,
    )
    return summary


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
        action=actions_catalog.SUMMARY_SAVE,
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
        action=actions_catalog.SUMMARY_REFRESH,
        obj=summary,
        unit=summary.unit,
        after={"changed": changes, "kept_author_text": kept},
    )
    return summary, changes
