"""The bulletin (考核通报): issued for one scheme and period from the ranking (``assessment.scores``), it
names the best units (表扬) and the lagging ones with the items where they lost most, and opens a
rectification item (a finding with the bulletin's deadline) for each lagging unit; the recipients (the
units ranked) confirm they read it. The .docx is a GB/T 9704 document like the notice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.files import RenderedFile
from jiceng.documents.official import OfficialDocument, cn_numeral, date_text
from jiceng.errors import Conflict, DomainError
from jiceng.periods import Period
from jiceng.supervision import actions
from jiceng.supervision.assessment import Scheme, UnitScore, scores
from jiceng.supervision.models import Bulletin, BulletinRead, FindingEvent, Source

LOST_ITEMS = 3  # the items named as a lagging unit's problems


def lost_items(score: UnitScore) -> list[str]:
    """The items where the unit lost most points, in words, worst first."""
    lost = sorted(((s.item.points - s.points, s) for s in score.items if s.points < s.item.points), key=lambda x: -x[0])
    words = [f"{s.item.name}{s.figure}，得{s.points}分（满分{s.item.points}分）" for _gap, s in lost[:LOST_ITEMS]]
    words += [f"{d.item.name}{d.figure}，扣{d.points}分" for d in score.deductions]
    return words


@transaction.atomic
def issue_bulletin(scheme: Scheme, period: Period, *, root, deadline, acting_user) -> Bulletin:
    access.require(acting_user, "supervision.inspect")
    access.require_unit_in_scope(acting_user, root)
    issuer = access.scope_root(acting_user)
    errors: dict[str, str] = {}
    today = actions.today()
    deadline = actions._date(deadline, _("整改期限"), "deadline", errors)
    if deadline and not errors:
        if deadline < today:
            errors["deadline"] = _("整改期限：%(d)s 早于通报日期 %(t)s") % {"d": deadline, "t": today}
        elif (deadline - today).days > actions.MAX_DEADLINE_DAYS:
            errors["deadline"] = _("整改期限：距通报日期超过一年，请核对")
    actions._raise(errors)
    if period.start > today:
        raise DomainError({"period": [_("考核期尚未开始")]})
    if Bulletin.objects.filter(root=root, scheme=scheme.code, period=period.code).exists():
        raise Conflict(_("%(p)s的考核通报已下发") % {"p": period.label})
    ranked = scores(scheme, root, period)
    if not ranked:
        raise DomainError({"scheme": [_("没有可考核的单位")]})
    last = Bulletin.objects.select_for_update().filter(root=root, year=today.year).aggregate(n=Max("number"))["n"]
    bulletin = Bulletin.objects.create(
        scheme=scheme.code,
        period=period.code,
        root=root,
        issuer_unit=issuer,
        year=today.year,
        number=(last or 0) + 1,
        prefix=actions.notice_prefix(root).replace("卫整", "卫通"),
        issued_on=today,
        deadline=deadline,
        issued_by=acting_user,
        ranking=[
            {
                "unit": s.unit.code,
                "name": s.unit.name,
                "rank": s.rank,
                "total": str(s.total),
                "change": None if s.change is None else str(s.change),
                "lagging": s.lagging,
                "lost": lost_items(s),
            }
            for s in ranked
        ],
    )
    for s in ranked:
        if not s.lagging:
            continue
        text = f"{period.label}{scheme.name}排名第{s.rank}名（{s.total}分），排名落后：" + "；".join(lost_items(s))
        finding = actions._new_finding(
            unit=s.unit,
            inspector_unit=issuer,
            county=actions._county_of(s.unit),
            source=Source.BULLETIN,
            description=text[:1000],
            found_on=today,
            acting_user=acting_user,
            source_key=f"bulletin:{bulletin.pk}",
        )
        finding.bulletin, finding.deadline = bulletin, deadline
        finding.save(update_fields=["bulletin", "deadline"])
        actions._event(
            finding, FindingEvent.Kind.NOTICE, f"{bulletin.number_text}，限{deadline.isoformat()}前整改", acting_user
        )
    record(
        actor=acting_user,
        action=actions_catalog.BULLETIN_ISSUE,
        obj=bulletin,
        unit=root,
        after={
            "number": bulletin.number_text,
            "scheme": scheme.code,
            "period": period.code,
            "lagging": [r["unit"] for r in bulletin.ranking if r["lagging"]],
        },
    )
    return bulletin


@transaction.atomic
def confirm_read(bulletin: Bulletin, *, acting_user) -> BulletinRead:
    unit = access.scope_root(acting_user)
    if unit is None or unit.code not in {r["unit"] for r in bulletin.ranking}:
        raise DomainError({"bulletin": [_("只有通报中的单位需要确认已阅")]})
    if BulletinRead.objects.filter(bulletin=bulletin, unit=unit).exists():
        raise Conflict(_("本单位已确认已阅"))
    read = BulletinRead.objects.create(bulletin=bulletin, unit=unit, read_by=acting_user)
    record(
        actor=acting_user,
        action=actions_catalog.BULLETIN_READ,
        obj=bulletin,
        unit=unit,
        after={"number": bulletin.number_text},
    )
    return read


def render_bulletin(bulletin: Bulletin, scheme: Scheme, period: Period) -> RenderedFile:
    issuer = issuer_name(bulletin.issued_by, bulletin.issuer_unit)
    root = bulletin.root.display_name
    doc = OfficialDocument(
        title_lines(f"关于{period.label}", f"{scheme.name}情况的通报"), issuer=issuer, date=bulletin.issued_on
    )
    doc.notice(bulletin.number_text)
    recipients = "各乡镇卫生院" if scheme.level == "township" else "各村卫生室"
    doc.paragraph(f"{recipients}：").paragraph_format.first_line_indent = 0
    doc.paragraph(
        f"根据《{scheme.name}方案》，{issuer}对{root}{recipients[1:]}{period.label}工作进行了考核。"
        "现将考核结果通报如下："
    )
    doc.heading1("一、考核结果")
    rows = [
        [str(r["rank"]), r["name"], r["total"], _signed(r["change"]), "落后" if r["lagging"] else ""]
        for r in bulletin.ranking
    ]
    doc.table(
        ["名次", "单位", "总分", "较上期", "备注"],
        rows,
        caption=f"{period.label}考核得分排名（满分{scheme.total_points}分）",
        widths_cm=[2, 6, 3, 3, 2.6],
    )
    praised = [r for r in bulletin.ranking if not r["lagging"]][: scheme.praised]
    lagging = [r for r in bulletin.ranking if r["lagging"]]
    doc.heading1("二、通报表扬")
    if praised:
        doc.paragraph("、".join(r["name"] for r in praised) + "考核成绩位居前列，工作扎实，成效明显，予以通报表扬。")
    doc.heading1("三、排名落后单位及存在的问题")
    if not lagging:
        doc.paragraph("本期无排名落后单位。")
    for n, r in enumerate(lagging, start=1):
        doc.paragraph(
            f"（{cn_numeral(n)}）{r['name']}（第{r['rank']}名，{r['total']}分）：" + "；".join(r["lost"]) + "。"
        )
    doc.heading1("四、整改要求")
    doc.paragraph(
        f"请排名落后的单位认真分析原因，制定整改措施，于{date_text(bulletin.deadline)}前将整改情况通过基层卫健通"
        f"反馈{issuer}。各单位要对照考核方案查找差距，确保各项工作按期完成。"
    )
    return doc.to_file(f"{bulletin.root.name}_{period.code}_考核通报.docx")


TITLE_LINE = 20  # title characters a GB/T 9704 line holds (2号 on the type area)


def title_lines(head: str, rest: str) -> str:
    """A title broken where the sense allows (never in the middle of a word): after the head (关于…), or
    after 卫生院/卫生室 in the rest when that is still too long."""
    if len(head) + len(rest) <= TITLE_LINE:
        return head + rest
    for word in ("卫生院", "卫生室", "卫生健康局"):
        at = rest.find(word)
        if at >= 0 and len(head) + at + len(word) <= TITLE_LINE:
            cut = at + len(word)
            return f"{head}{rest[:cut]}\n{rest[cut:]}"
    return f"{head}\n{rest}"


def issuer_name(user, unit) -> str:
    """The issuing office as the document names it: the issuer's own unit (清溪县卫生健康局), not the county."""
    own = getattr(user, "unit", None) if user is not None else None
    return (own or unit).display_name


def _signed(change: str | None) -> str:
    if change is None:
        return "—"
    return change if change.startswith("-") else f"+{change}"


def visible(user, bulletin: Bulletin) -> bool:
    """The issuing side (the bulletin's unit is in the user's subtree) or a unit it ranks."""
    unit = access.scope_root(user)
    if unit is None:
        return False
    return bulletin.root.path.startswith(unit.path) or unit.code in {r["unit"] for r in bulletin.ranking}


def unread_for(user) -> list[Bulletin]:
    unit = access.scope_root(user)
    if unit is None:
        return []
    since = timezone.localdate() - dt.timedelta(days=120)
    candidates = Bulletin.objects.filter(root__path__lt=unit.path, issued_on__gte=since).exclude(reads__unit=unit)
    return [b for b in candidates if unit.path.startswith(b.root.path) and unit.code in {r["unit"] for r in b.ranking}]
