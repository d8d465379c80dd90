"""Writes to the benefit rosters. Each runs in a transaction, checks the role and the subtree, refuses bad
input with a Chinese message naming the field (nothing saved), and writes an audit row (masked numbers).

The yearly cycle of one enrolment (资格确认): :func:`declare` → :func:`village_check` →
:func:`township_review` → :func:`approve`; :func:`return_enrolment` sends it back with a reason from any
step before approval. Each step names who did it; a stale page (``version``) is told someone acted first.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.masking import mask_bank_account, mask_id_number
from jiceng.audit.recorder import record
from jiceng.benefits import fieldkeys
from jiceng.benefits.models import Certificate, Enrolment, Exit, Family, FamilyChild, Notice, Objection, Payment, Person
from jiceng.benefits.queries import decision_for
from jiceng.benefits.rules import schemes
from jiceng.benefits.rules.parameters import parameter
from jiceng.documents.hostile import control_message
from jiceng.errors import Conflict, DomainError
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.standards.idnumber import IdNumberError, validate_id_number_against

MAX_TEXT = {"name": 50, "address": 100, "bank_name": 50, "number": 40, "reason": 500}
_BANK_ACCOUNT = re.compile(r"^\d{12,30}$")
EARLIEST_BIRTH = dt.date(1900, 1, 1)
YEARS = (2004, 2100)  # the first year of 奖扶 … far enough
_CENT = Decimal("0.01")


@dataclass
class PersonInput:
    role: str  # father / mother
    name: str
    sex: str  # M / F
    birth_date: dt.date
    id_number: str
    rural: bool = True
    bank_name: str = ""
    bank_account: str = ""
    complication_grade: int | None = None
    gave_up_entitlement: bool = False
    long_acting_contraception: bool = False


@dataclass
class ChildInput:
    name: str
    sex: str
    birth_date: dt.date
    status: str = schemes.ALIVE
    died_on: dt.date | None = None
    disability_grade: int | None = None
    adopted: bool = False


@dataclass
class CertificateInput:
    kind: str
    number: str
    issued_on: dt.date


@dataclass
class FamilyInput:
    village_code: str
    address: str = ""
    people: list[PersonInput] = field(default_factory=list)
    children: list[ChildInput] = field(default_factory=list)
    certificates: list[CertificateInput] = field(default_factory=list)
    out_of_policy_birth_years: list[int] = field(default_factory=list)


def _text(errors: dict, key: str, label: str, value: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    problem = control_message(label, value)
    if problem:
        errors[key] = problem
    elif required and not value:
        errors[key] = f"{label}:必须填写"
    elif len(value) > limit:
        errors[key] = f"{label}:不能超过{limit}个字"
    return value


def _date(errors: dict, key: str, label: str, value, today: dt.date, earliest: dt.date = EARLIEST_BIRTH):
    if not isinstance(value, dt.date):
        errors[key] = f"{label}:不是有效日期"
    elif not earliest <= value <= today:
        errors[key] = f"{label}:{value.isoformat()} 不在 {earliest.isoformat()} 至今天之间"
    return value


def _check_person(errors: dict, prefix: str, person: PersonInput, today: dt.date) -> None:
    label = "父亲" if person.role == Person.Role.FATHER else "母亲"
    if person.role not in Person.Role.values:
        errors[f"{prefix}.role"] = "家庭角色:应为父亲或母亲"
    person.name = _text(errors, f"{prefix}.name", f"{label}姓名", person.name, MAX_TEXT["name"])
    if person.sex not in ("M", "F"):
        errors[f"{prefix}.sex"] = f"{label}性别:应为男或女"
    _date(errors, f"{prefix}.birth_date", f"{label}出生日期", person.birth_date, today)
    raw = (person.id_number or "").strip().upper() if isinstance(person.id_number, str) else ""
    problem = control_message(f"{label}身份证号", raw)
    if problem:
        errors[f"{prefix}.id_number"] = problem
    elif f"{prefix}.birth_date" not in errors and f"{prefix}.sex" not in errors:
        try:
            person.id_number = validate_id_number_against(raw, birth_date=person.birth_date, sex=person.sex).number
        except IdNumberError as error:
            errors[f"{prefix}.id_number"] = f"{label}{error}"
    person.bank_name = _text(errors, f"{prefix}.bank_name", f"{label}开户银行", person.bank_name, 50, False)
    account = (person.bank_account or "").replace(" ", "") if isinstance(person.bank_account, str) else ""
    if account and not _BANK_ACCOUNT.match(account):
        errors[f"{prefix}.bank_account"] = f"{label}银行账号:应为12至30位数字"
    person.bank_account = account
    if person.complication_grade is not None and person.complication_grade not in (1, 2, 3):
        errors[f"{prefix}.complication_grade"] = f"{label}手术并发症等级:应为一、二或三级"


def _check_child(errors: dict, prefix: str, child: ChildInput, today: dt.date) -> None:
    child.name = _text(errors, f"{prefix}.name", "子女姓名", child.name, MAX_TEXT["name"])
    if child.sex not in ("M", "F"):
        errors[f"{prefix}.sex"] = "子女性别:应为男或女"
    _date(errors, f"{prefix}.birth_date", "子女出生日期", child.birth_date, today)
    if child.status not in schemes.CHILD_STATUSES:
        errors[f"{prefix}.status"] = "子女状态:应为存活或死亡"
    if child.status == schemes.DIED:
        _date(errors, f"{prefix}.died_on", "子女死亡日期", child.died_on, today)
        both = isinstance(child.died_on, dt.date) and isinstance(child.birth_date, dt.date)
        if both and child.died_on < child.birth_date:
            errors[f"{prefix}.died_on"] = "子女死亡日期:早于出生日期"
    elif child.died_on is not None:
        errors[f"{prefix}.died_on"] = "子女死亡日期:状态为存活时不填"
    if child.disability_grade is not None and not 1 <= child.disability_grade <= 10:
        errors[f"{prefix}.disability_grade"] = "子女伤病残等级:应为一至十级"


def _village(user, code: str) -> OrgUnit:
    unit = access.unit_in_scope_or_404(user, code)
    if unit.level != Level.VILLAGE:
        raise DomainError({"village": "计生家庭登记在村"})
    return unit


@transaction.atomic
def register_family(user, data: FamilyInput) -> Family:
    """登记一户计生家庭: parents (ID numbers checked against birth date and sex), children, certificates."""
    access.require(user, "benefits.declare", "您的角色不能登记计生家庭")
    village = _village(user, data.village_code)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    address = _text(errors, "address", "住址", data.address, MAX_TEXT["address"], required=False)
    if not data.people:
        errors["people"] = "至少登记父亲或母亲一人"
    roles = [person.role for person in data.people]
    if len(roles) != len(set(roles)):
        errors["people"] = "一户只能各登记一位父亲和母亲"
    for position, person in enumerate(data.people):
        _check_person(errors, f"people[{position}]", person, today)
    for position, child in enumerate(data.children):
        _check_child(errors, f"children[{position}]", child, today)
    for position, certificate in enumerate(data.certificates):
        prefix = f"certificates[{position}]"
        if certificate.kind not in Certificate.Kind.values:
            errors[f"{prefix}.kind"] = "证件:未知的证件种类"
        certificate.number = _text(errors, f"{prefix}.number", "证件编号", certificate.number, MAX_TEXT["number"])
        _date(errors, f"{prefix}.issued_on", "发证日期", certificate.issued_on, today)
    years = data.out_of_policy_birth_years or []
    if not all(isinstance(y, int) and not isinstance(y, bool) and 1949 <= y <= today.year for y in years):
        errors["out_of_policy_birth_years"] = "违反政策生育的年份:应为1949年至今的年份"
    numbers = [person.id_number for person in data.people if isinstance(person.id_number, str)]
    if len(numbers) != len(set(numbers)):
        errors["people"] = "父亲和母亲的身份证号相同"
    if errors:
        raise DomainError(errors)
    keys = fieldkeys.current()
    for person in data.people:
        existing = Person.objects.filter(id_number_hash=keys.search_hash(person.id_number)).first()
        if existing is not None:
            if access.unit_is_visible(user, existing.family.village):
                raise DomainError({"id_number": f"身份证号 {mask_id_number(person.id_number)} 已登记({existing.name})"})
            record(
                actor=user,
                action=actions_catalog.BENEFIT_FAMILY_REGISTER_REFUSED,
                object_type="benefits.person",
                object_repr=mask_id_number(person.id_number),
                unit=village,
            )
            raise DomainError({"id_number": f"身份证号 {mask_id_number(person.id_number)} 已在其他辖区登记"})
    family = Family.objects.create(
        village=village,
        county=_county_of(village),
        address=address,
        out_of_policy_birth_years=sorted(years),
        created_by=user,
    )
    for person in data.people:
        row = Person(
            family=family,
            county=family.county,
            role=person.role,
            name=person.name,
            sex=person.sex,
            birth_date=person.birth_date,
            rural=person.rural,
            bank_name=person.bank_name,
            complication_grade=person.complication_grade,
            gave_up_entitlement=person.gave_up_entitlement,
            long_acting_contraception=person.long_acting_contraception,
        )
        row.set_id_number(person.id_number)
        row.set_bank_account(person.bank_account)
        row.save()
    for child in data.children:
        FamilyChild.objects.create(family=family, **child.__dict__)
    for certificate in data.certificates:
        Certificate.objects.create(family=family, **certificate.__dict__)
    record(
        actor=user,
        action=actions_catalog.BENEFIT_FAMILY_REGISTER,
        obj=family,
        unit=village,
        after={
            "people": [
                {
                    "name": p.name,
                    "role": p.role,
                    "id_number": mask_id_number(p.id_number),
                    "bank_account": mask_bank_account(p.bank_account),
                }
                for p in data.people
            ],
            "children": len(data.children),
            "certificates": [c.kind for c in data.certificates],
        },
    )
    return family


def _county_of(unit: OrgUnit) -> OrgUnit:
    node = unit
    while node is not None and node.level != Level.COUNTY:
        node = node.parent
    if node is None:
        raise DomainError({"village": "该村不属于任何县"})
    return node


def _year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not YEARS[0] <= year <= YEARS[1]:
        raise DomainError({"year": f"年度:应为{YEARS[0]}至{YEARS[1]}年"})
    return year


@transaction.atomic
def declare(user, person: Person, scheme: str, year: int, category: str = "") -> Enrolment:
    """申报: one person for one scheme and year; the rules' verdict is kept beside it."""
    access.require(user, "benefits.declare", "您的角色不能申报")
    village = person.family.village
    access.require_unit_in_scope(user, village)
    year = _year(year)
    if scheme not in schemes.SCHEMES:
        raise DomainError({"scheme": f"项目:应为{'、'.join(schemes.SCHEMES)}之一"})
    if category and (scheme != schemes.TEFU or category not in schemes.TEFU_CATEGORIES):
        raise DomainError({"category": f"类别只用于特扶:应为{'、'.join(schemes.TEFU_CATEGORIES)}之一"})
    if Enrolment.objects.filter(person=person, scheme=scheme, year=year).exists():
        raise DomainError({"scheme": f"{person.name}已申报{year}年{scheme},同一项目一年只能申报一次"})
    decision = decision_for(person, scheme, year, category)
    previous = Enrolment.objects.filter(
        person=person, scheme=scheme, year=year - 1, state=Enrolment.State.APPROVED
    ).exists()
    enrolment = Enrolment.objects.create(
        person=person,
        village=village,
        county=person.county,
        scheme=scheme,
        category=decision.category,
        year=year,
        eligible=decision.eligible,
        rules_says=decision.explain(),
        per_month=decision.per_month.quantize(_CENT),
        per_year=decision.per_year.quantize(_CENT),
        new_entrant=not previous,
        declared_by=user,
        declared_at=timezone.now(),
    )
    record(
        actor=user,
        action=actions_catalog.BENEFIT_DECLARE,
        obj=enrolment,
        unit=village,
        after={"scheme": scheme, "category": enrolment.category, "year": year, "eligible": decision.eligible},
        reason=decision.explain(),
    )
    return enrolment


def _locked(enrolment: Enrolment, version: int | None) -> Enrolment:
    current = Enrolment.objects.select_for_update(of=("self",)).select_related("village", "person").get(pk=enrolment.pk)
    if version is not None and current.version != version:
        who = current.approved_by or current.township_reviewed_by or current.village_checked_by or current.returned_by
        name = getattr(who, "display_name", "") or getattr(who, "username", "") or "他人"
        raise Conflict(
            f"{name}已先处理了这条申报(现为「{current.get_state_display()}」),请刷新后再操作",
            details={"state": current.state, "version": current.version},
        )
    return current


def _step(
    user,
    enrolment: Enrolment,
    *,
    capability: str,
    refusal: str,
    from_states: tuple,
    to_state: str,
    by: str,
    at: str,
    action: str,
    version: int | None,
    reason: str = "",
) -> Enrolment:
    access.require(user, capability, refusal)
    access.require_unit_in_scope(user, enrolment.village)
    current = _locked(enrolment, version)
    if current.state not in from_states:
        raise Conflict(f"这条申报现为「{current.get_state_display()}」,不能{refusal[-4:]}")
    before = current.state
    current.state = to_state
    setattr(current, by, user)
    setattr(current, at, timezone.now())
    current.version += 1
    current.save()
    record(
        actor=user,
        action=action,
        obj=current,
        unit=current.village,
        before={"state": before},
        after={"state": to_state},
        reason=reason,
    )
    return current


@transaction.atomic
def village_check(user, enrolment: Enrolment, version: int | None = None) -> Enrolment:
    """村初审: the village confirms the facts recorded."""
    return _step(
        user,
        enrolment,
        capability="benefits.village_check",
        refusal="您的角色不能做村初审",
        from_states=(Enrolment.State.DECLARED, Enrolment.State.RETURNED),
        to_state=Enrolment.State.VILLAGE_CHECKED,
        by="village_checked_by",
        at="village_checked_at",
        action=actions_catalog.BENEFIT_VILLAGE_CHECK,
        version=version,
    )


@transaction.atomic
def township_review(user, enrolment: Enrolment, version: int | None = None) -> Enrolment:
    """乡镇审核."""
    return _step(
        user,
        enrolment,
        capability="benefits.review",
        refusal="您的角色不能做乡镇审核",
        from_states=(Enrolment.State.VILLAGE_CHECKED,),
        to_state=Enrolment.State.TOWNSHIP_REVIEWED,
        by="township_reviewed_by",
        at="township_reviewed_at",
        action=actions_catalog.BENEFIT_TOWNSHIP_REVIEW,
        version=version,
    )


@transaction.atomic
def approve(user, enrolment: Enrolment, version: int | None = None, reason: str = "") -> Enrolment:
    """县审批. When the rules say the recorded facts do not qualify, the approver must say why."""
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", "理由", reason, MAX_TEXT["reason"], required=False)
    if errors:
        raise DomainError(errors)
    if not enrolment.eligible and not reason:
        raise DomainError({"reason": f"规则判断不符合条件({enrolment.rules_says}),如仍审批须填写理由"})
    approved = _step(
        user,
        enrolment,
        capability="benefits.approve",
        refusal="您的角色不能做县审批",
        from_states=(Enrolment.State.TOWNSHIP_REVIEWED,),
        to_state=Enrolment.State.APPROVED,
        by="approved_by",
        at="approved_at",
        action=actions_catalog.BENEFIT_APPROVE,
        version=version,
        reason=reason,
    )
    if reason:
        approved.override_reason = reason
        approved.save(update_fields=["override_reason"])
    return approved


@transaction.atomic
def return_enrolment(user, enrolment: Enrolment, reason: str, version: int | None = None) -> Enrolment:
    """退回 with a reason, by the village (its own declaration), the township or the county."""
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", "退回原因", reason, MAX_TEXT["reason"])
    if errors:
        raise DomainError(errors)
    capability = {
        Enrolment.State.DECLARED: "benefits.village_check",
        Enrolment.State.VILLAGE_CHECKED: "benefits.review",
        Enrolment.State.TOWNSHIP_REVIEWED: "benefits.approve",
    }.get(enrolment.state, "benefits.approve")
    returned = _step(
        user,
        enrolment,
        capability=capability,
        refusal="您的角色不能退回这条申报",
        from_states=(Enrolment.State.DECLARED, Enrolment.State.VILLAGE_CHECKED, Enrolment.State.TOWNSHIP_REVIEWED),
        to_state=Enrolment.State.RETURNED,
        by="returned_by",
        at="returned_at",
        action=actions_catalog.BENEFIT_RETURN,
        version=version,
        reason=reason,
    )
    returned.return_reason = reason
    returned.save(update_fields=["return_reason"])
    return returned


# --- the public notice (公示) and its objections -----------------------------------------------------

NOTICE_STATES = (Enrolment.State.TOWNSHIP_REVIEWED, Enrolment.State.APPROVED)


@transaction.atomic
def publish_notice(user, village_code: str, year: int, published_on: dt.date, ends_on: dt.date) -> Notice:
    """公示 one village's enrolments of a year (those reviewed by the township or approved), for at least the
    policy's notice period. Publishing again for the same village and year adds enrolments reviewed since."""
    access.require(user, "benefits.publish", "您的角色不能发布公示")
    village = _village(user, village_code)
    year = _year(year)
    minimum = int(parameter("notice_min_days", dt.date(year, 1, 1)))
    if not isinstance(published_on, dt.date) or not isinstance(ends_on, dt.date):
        raise DomainError({"published_on": "公示日期:不是有效日期"})
    if (ends_on - published_on).days + 1 < minimum:
        raise DomainError({"ends_on": f"公示时间不少于{minimum}天(现为{(ends_on - published_on).days + 1}天)"})
    if not dt.date(year - 1, 1, 1) <= published_on <= dt.date(year, 12, 31):
        raise DomainError({"published_on": f"公示开始日期应在{year - 1}年或{year}年内"})
    entries = Enrolment.objects.filter(village=village, year=year, state__in=NOTICE_STATES)
    if not entries.exists():
        raise DomainError({"village": f"{village.name}{year}年没有经乡镇审核的对象,无需公示"})
    notice, created = Notice.objects.get_or_create(
        village=village,
        year=year,
        defaults={
            "county": _county_of(village),
            "published_on": published_on,
            "ends_on": ends_on,
            "published_by": user,
        },
    )
    if not created:
        notice.published_on, notice.ends_on, notice.published_by = published_on, ends_on, user
        notice.save()
    count = entries.update(notice=notice)
    record(
        actor=user,
        action=actions_catalog.BENEFIT_NOTICE,
        obj=notice,
        unit=village,
        after={"published_on": published_on.isoformat(), "ends_on": ends_on.isoformat(), "entries": count},
    )
    return notice


@transaction.atomic
def record_objection(user, enrolment: Enrolment, objector: str, content: str, raised_on: dt.date) -> Objection:
    """公示异议: who raised what, on which day (during the notice)."""
    if not any(access.can(user, c) for c in ("benefits.declare", "benefits.review", "benefits.approve")):
        raise access.AccessDenied("您的角色不能登记公示异议")
    access.require_unit_in_scope(user, enrolment.village)
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    errors: dict[str, str] = {}
    objector = _text(errors, "objector", "反映人", objector, MAX_TEXT["name"])
    content = _text(errors, "content", "异议内容", content, MAX_TEXT["reason"])
    _date(errors, "raised_on", "提出日期", raised_on, timezone.localdate(), dt.date(2004, 1, 1))
    if enrolment.notice_id is None:
        errors["enrolment"] = "该对象尚未公示"
    if errors:
        raise DomainError(errors)
    objection = Objection.objects.create(
        enrolment=enrolment, raised_on=raised_on, objector=objector, content=content, recorded_by=user
    )
    record(actor=user, action=actions_catalog.BENEFIT_OBJECTION, obj=objection, unit=enrolment.village, reason=content)
    return objection


@transaction.atomic
def resolve_objection(user, objection: Objection, resolution: str, upheld: bool) -> Objection:
    """核实异议 with a note. An objection upheld returns the enrolment (it is not paid); one not upheld lets
    payment go ahead."""
    if not (access.can(user, "benefits.review") or access.can(user, "benefits.approve")):
        raise access.AccessDenied("您的角色不能处理公示异议")
    access.require_unit_in_scope(user, objection.enrolment.village)
    errors: dict[str, str] = {}
    resolution = _text(errors, "resolution", "核实结果", resolution, MAX_TEXT["reason"])
    if not isinstance(upheld, bool):
        errors["upheld"] = "请选择异议是否成立"
    if errors:
        raise DomainError(errors)
    current = Objection.objects.select_for_update().get(pk=objection.pk)
    if not current.is_open:
        raise Conflict(f"这条异议已由{current.resolved_by}处理")
    current.resolution, current.upheld = resolution, upheld
    current.resolved_by, current.resolved_at = user, timezone.now()
    current.save()
    enrolment = Enrolment.objects.select_for_update().get(pk=current.enrolment_id)
    if upheld and enrolment.state != Enrolment.State.EXITED:
        enrolment.state = Enrolment.State.RETURNED
        # the objection keeps the whole resolution; the enrolment's reason is cut to its column (PostgreSQL
        # refuses a longer value where SQLite would keep it)
        limit = Enrolment._meta.get_field("return_reason").max_length
        enrolment.return_reason = f"公示异议成立:{resolution}"[:limit]
        enrolment.returned_by, enrolment.returned_at = user, timezone.now()
        enrolment.version += 1
        enrolment.save()
    record(
        actor=user,
        action=actions_catalog.BENEFIT_OBJECTION_RESOLVE,
        obj=current,
        unit=enrolment.village,
        after={"upheld": upheld},
        reason=resolution,
    )
    return current


# --- exits (退出) ------------------------------------------------------------------------------------


def first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def overpayment_of(enrolment: Enrolment, stop_month: dt.date) -> Decimal:
    """What was paid (or is on its way) for months from ``stop_month`` on: per month × those months."""
    total = Decimal(0)
    for payment in enrolment.payments.exclude(status=Payment.Status.FAILED).select_related("batch"):
        year = payment.batch.year
        months = [m for m in range(payment.first_month, payment.last_month + 1) if dt.date(year, m, 1) >= stop_month]
        if not months:
            continue
        if enrolment.scheme == schemes.SSKF:  # a one-off reward is not recovered for later months
            continue
        span = payment.last_month - payment.first_month + 1
        total += (payment.amount / span * len(months)).quantize(_CENT)
    return total


@transaction.atomic
def record_exit(user, person: Person, reason: str, event_date: dt.date, note: str = "") -> list[Exit]:
    """退出: every running enrolment of the person stops from the month after the event; the amount paid
    for months after it is the overpayment to recover."""
    if not (access.can(user, "benefits.declare") or access.can(user, "benefits.approve")):
        raise access.AccessDenied("您的角色不能登记退出")
    access.require_unit_in_scope(user, person.family.village)
    errors: dict[str, str] = {}
    if reason not in Exit.Reason.values:
        errors["reason"] = "退出原因:应为死亡、迁出或不再符合条件"
    _date(errors, "event_date", "发生日期", event_date, timezone.localdate(), person.birth_date)
    note = _text(errors, "note", "说明", note, MAX_TEXT["reason"], required=False)
    if errors:
        raise DomainError(errors)
    stop_month = first_of_next_month(event_date)
    running = list(
        Enrolment.objects.select_for_update(of=("self",))
        .filter(person=person, year__gte=event_date.year)
        .exclude(state=Enrolment.State.EXITED)
        .filter(exit__isnull=True)
    )
    if not running:
        raise DomainError({"person": f"{person.name}没有在册的奖励扶助项目"})
    exits = []
    for enrolment in running:
        overpaid = overpayment_of(enrolment, stop_month)
        exits.append(
            Exit.objects.create(
                enrolment=enrolment,
                reason=reason,
                event_date=event_date,
                stop_month=stop_month,
                overpayment=overpaid,
                note=note,
                recorded_by=user,
            )
        )
        enrolment.state = Enrolment.State.EXITED
        enrolment.version += 1
        enrolment.save(update_fields=["state", "version"])
    if reason == Exit.Reason.DEATH:
        person.died_on = event_date
    elif reason == Exit.Reason.MOVED_OUT:
        person.moved_out_on = event_date
    person.save(update_fields=["died_on", "moved_out_on"])
    record(
        actor=user,
        action=actions_catalog.BENEFIT_EXIT,
        obj=person,
        unit=person.family.village,
        after={
            "reason": reason,
            "event_date": event_date.isoformat(),
            "stop_month": stop_month.strftime("%Y-%m"),
            "overpayment": str(sum((e.overpayment for e in exits), Decimal(0))),
        },
        reason=note,
    )
    return exits


# --- next year's roster ----------------------------------------------------------------------------


@transaction.atomic
def carry_forward(user, year: int) -> list[Enrolment]:
    """Next year's roster starts from this year's: every approved enrolment of ``year`` in the user's county
    that has not exited is declared again for ``year + 1`` (not a new entrant), with the rules' verdict for
    that year (a person who no longer qualifies shows why). A 少生快富 reward is paid once and not carried."""
    access.require(user, "benefits.approve", "您的角色不能生成下一年度名册")
    year = _year(year)
    _year(year + 1)
    scope = access.scoped(user, Enrolment.objects.all(), unit_field="village")
    source = scope.filter(year=year, state=Enrolment.State.APPROVED).exclude(scheme=schemes.SSKF)
    source = source.select_related("person", "person__family", "village")
    existing = set(scope.filter(year=year + 1).values_list("person_id", "scheme"))
    created = []
    for old in source:
        if (old.person_id, old.scheme) in existing:
            continue
        person = old.person
        decision = decision_for(person, old.scheme, year + 1, old.category)
        created.append(
            Enrolment.objects.create(
                person=person,
                village=old.village,
                county=old.county,
                scheme=old.scheme,
                category=decision.category,
                year=year + 1,
                eligible=decision.eligible,
                rules_says=decision.explain(),
                per_month=decision.per_month.quantize(_CENT),
                per_year=decision.per_year.quantize(_CENT),
                new_entrant=False,
                declared_by=user,
                declared_at=timezone.now(),
            )
        )
    record(
        actor=user,
        action=actions_catalog.BENEFIT_CARRY_FORWARD,
        object_type="benefits.enrolment",
        object_repr=f"{year + 1}年名册(由{year}年结转)",
        unit=user.unit,
        after={"created": len(created), "not_eligible": sum(not e.eligible for e in created)},
    )
    return created


@transaction.atomic
def register_and_declare(user, data: FamilyInput, scheme: str, year: int, category: str = ""):
    """登记一户并申报 in one step (the page's form): nothing is kept if either part is refused."""
    family = register_family(user, data)
    declared = [declare(user, person, scheme, year, category) for person in family.people.order_by("role")]
    return family, declared
