"""兑现: payment batches, the one-card payment file and the bank's return file (writes are actions: a
transaction, the role and subtree checked, an audit row).

A batch pays one scheme for some months of a year to the county's approved enrolments that may be paid:
approved by the county, listed on their village's public notice whose period is over, with no objection
still open, a bank account on file, not exited before those months, and not already paid (or on their way)
for them. A person whose earlier payment failed is paid again by the next batch for the same months.
The file's columns come from the pack (``jiceng/packs/family_planning/one_card_layout.yaml``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.masking import mask_id_number
from jiceng.audit.recorder import record
from jiceng.benefits import fieldkeys
from jiceng.benefits.models import Enrolment, Payment, PaymentBatch
from jiceng.benefits.rules import schemes
from jiceng.documents import excel
from jiceng.documents.hostile import control_message
from jiceng.errors import Conflict, DomainError
from jiceng.orgunits.models import Level

LAYOUT_FILE = Path(__file__).resolve().parents[1] / "packs" / "family_planning" / "one_card_layout.yaml"
PAYMENT_FIELDS = (
    "row",
    "name",
    "id_number",
    "bank_account",
    "bank_name",
    "amount",
    "scheme",
    "months",
    "village",
    "memo",
)
RETURN_FIELDS = ("id_number", "name", "amount", "result", "failure_reason")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Layout:
    payment_sheet: str
    payment_columns: tuple[tuple[str, str], ...]  # (header, field)
    return_sheet: str
    return_columns: tuple[tuple[str, str], ...]
    paid_word: str
    failed_word: str


@cache
def layout(path: Path = LAYOUT_FILE) -> Layout:
    """The one-card layout of the pack, checked: every field known, the return file's five fields present."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["one_card_layout"]

    def columns(part: dict, known: tuple[str, ...], where: str, required: tuple[str, ...] = ()):
        out = []
        for item in part["columns"]:
            if item.get("field") not in known:
                raise ValueError(f"{path.name}:{where} 的字段 {item.get('field')!r} 未知(可用:{', '.join(known)})")
            out.append((str(item["header"]), item["field"]))
        missing = set(required) - {f for _, f in out}
        if missing:
            raise ValueError(f"{path.name}:{where} 缺少字段 {', '.join(sorted(missing))}")
        return tuple(out)

    payment, back = raw["payment_file"], raw["return_file"]
    return Layout(
        payment.get("sheet", "代发明细"),
        columns(payment, PAYMENT_FIELDS, "payment_file", ("name", "id_number", "bank_account", "amount")),
        back.get("sheet", "回盘明细"),
        columns(back, RETURN_FIELDS, "return_file", RETURN_FIELDS),
        str(back["result"]["paid"]),
        str(back["result"]["failed"]),
    )


@dataclass
class Skipped:
    enrolment: Enrolment
    reason: str


@dataclass
class BatchPlan:
    payments: list[tuple[Enrolment, int, int, Decimal]] = field(default_factory=list)  # enrolment, months, amount
    skipped: list[Skipped] = field(default_factory=list)


def _months(scheme: str, first: int, last: int) -> tuple[int, int]:
    if schemes.PAID[scheme] != schemes.MONTHLY:
        return 1, 12  # yearly and one-off schemes are paid for the whole year at once
    return first, last


def why_not_payable(enrolment: Enrolment, first: int, last: int, today: dt.date) -> tuple[str, int, int]:
    """('' when payable, else the reason in words), and the months that can be paid."""
    exit_ = getattr(enrolment, "exit", None)
    exited_after_approval = exit_ is not None and enrolment.approved_at is not None
    if enrolment.state != Enrolment.State.APPROVED and not exited_after_approval:
        return f"未经县审批(现为「{enrolment.get_state_display()}」)", first, last
    notice = enrolment.notice
    if notice is None:
        return "未公示", first, last
    if notice.ends_on >= today:
        return f"公示期未满(至{notice.ends_on.isoformat()})", first, last
    if any(objection.is_open for objection in enrolment.objections.all()):
        return "有未处理的公示异议", first, last
    if not enrolment.person.bank_account_token:
        return "未登记一卡通账号", first, last
    if exit_ is not None:
        stop = exit_.stop_month
        if stop <= dt.date(enrolment.year, first, 1):
            return f"已退出({exit_.get_reason_display()},{stop:%Y-%m}起停发)", first, last
        if stop.year == enrolment.year:
            last = min(last, stop.month - 1)
    for payment in enrolment.payments.all():
        if payment.status != Payment.Status.FAILED and payment.first_month <= last and first <= payment.last_month:
            return f"{payment.batch}已发放或待回盘", first, last
    return "", first, last


def plan_batch(user, scheme: str, year: int, first: int, last: int, enrolment_ids=None) -> BatchPlan:
    first, last = _months(scheme, first, last)
    rows = access.scoped(user, Enrolment.objects.all(), unit_field="village").filter(scheme=scheme, year=year)
    if enrolment_ids is not None:
        rows = rows.filter(pk__in=list(enrolment_ids))
    rows = rows.select_related("person", "notice", "village", "exit").prefetch_related("objections", "payments__batch")
    plan = BatchPlan()
    today = timezone.localdate()
    for enrolment in rows:
        reason, from_month, to_month = why_not_payable(enrolment, first, last, today)
        if reason:
            plan.skipped.append(Skipped(enrolment, reason))
            continue
        months = to_month - from_month + 1
        if schemes.PAID[scheme] == schemes.MONTHLY:
            amount = (enrolment.per_month * months).quantize(_CENT)
        else:
            amount = enrolment.per_year.quantize(_CENT)
        plan.payments.append((enrolment, from_month, to_month, amount))
    return plan


@transaction.atomic
def create_batch(user, scheme: str, year: int, first_month: int, last_month: int, enrolment_ids=None):
    """A batch of everyone payable (or exactly ``enrolment_ids``: then anyone not payable refuses the whole
    batch, naming them). Returns (batch, skipped)."""
    access.require(user, "benefits.pay", "您的角色不能生成兑现批次")
    county = access.scope_root(user)
    while county is not None and county.level != Level.COUNTY:
        county = county.parent
    errors = {}
    if scheme not in schemes.SCHEMES:
        errors["scheme"] = f"项目:应为{'、'.join(schemes.SCHEMES)}之一"
    if isinstance(year, bool) or not isinstance(year, int) or not 2004 <= year <= 2100:
        errors["year"] = "年度:应为2004至2100年"
    months_ok = all(isinstance(m, int) and not isinstance(m, bool) and 1 <= m <= 12 for m in (first_month, last_month))
    if not months_ok or first_month > last_month:
        errors["months"] = "发放月份:起始月和截止月应为1至12月,且起始月不晚于截止月"
    if errors:
        raise DomainError(errors)
    if enrolment_ids is not None:
        enrolment_ids = list(enrolment_ids)
        visible = set(
            access.scoped(user, Enrolment.objects.filter(pk__in=enrolment_ids), unit_field="village").values_list(
                "pk", flat=True
            )
        )
        unknown = [pk for pk in enrolment_ids if pk not in visible]
        if unknown:
            raise DomainError({"enrolments": f"有{len(unknown)}条申报不存在或不在您的辖区内"})
    plan = plan_batch(user, scheme, year, first_month, last_month, enrolment_ids)
    if enrolment_ids is not None and plan.skipped:
        names = ";".join(f"{s.enrolment.person.name}:{s.reason}" for s in plan.skipped[:10])
        raise DomainError({"enrolments": f"以下对象不能发放,整批未生成 — {names}"})
    if not plan.payments:
        raise DomainError({"enrolments": f"{year}年{scheme}没有可发放的对象"})
    first, last = _months(scheme, first_month, last_month)
    batch = PaymentBatch.objects.create(
        county=county, scheme=scheme, year=year, first_month=first, last_month=last, created_by=user
    )
    Payment.objects.bulk_create(
        Payment(batch=batch, enrolment=e, first_month=a, last_month=b, amount=amount)
        for e, a, b, amount in plan.payments
    )
    total = sum((amount for *_rest, amount in plan.payments), Decimal(0))
    record(
        actor=user,
        action=actions_catalog.BENEFIT_BATCH_CREATE,
        obj=batch,
        unit=county,
        after={"people": len(plan.payments), "total": str(total), "skipped": len(plan.skipped)},
    )
    return batch, plan.skipped


def batch_totals(batch: PaymentBatch) -> dict:
    """People and amounts of a batch by status."""
    totals = {"people": 0, "amount": Decimal(0)}
    for status in Payment.Status.values:
        totals[status] = {"people": 0, "amount": Decimal(0)}
    for payment in batch.payments.all():
        totals["people"] += 1
        totals["amount"] += payment.amount
        totals[payment.status]["people"] += 1
        totals[payment.status]["amount"] += payment.amount
    return totals


def payment_file(user, batch: PaymentBatch) -> tuple[bytes, str]:
    """The one-card file of a batch (full numbers: only the role that pays), logged with its row count."""
    access.require(user, "benefits.pay", "您的角色不能导出代发文件")
    access.require_unit_in_scope(user, batch.county)
    spec = layout()
    rows = []
    payments = batch.payments.select_related("enrolment__person", "enrolment__village")
    for position, payment in enumerate(payments, start=1):
        person = payment.enrolment.person
        months = f"{batch.year}年{payment.first_month}-{payment.last_month}月"
        values = {
            "row": position,
            "name": person.name,
            "id_number": person.id_number,
            "bank_account": person.bank_account,
            "bank_name": person.bank_name,
            "amount": float(payment.amount),
            "scheme": schemes.SCHEME_TITLES[batch.scheme]
            + (f"({payment.enrolment.category})" if payment.enrolment.category else ""),
            "months": months,
            "village": payment.enrolment.village.name,
            "memo": f"{batch.scheme}{months}",
        }
        rows.append([values[f] for _, f in spec.payment_columns])
    totals = batch_totals(batch)
    content, count = excel.write_table(
        spec.payment_sheet,
        [header for header, _ in spec.payment_columns],
        rows,
        info=[("批次", str(batch)), ("人数", str(totals["people"])), ("金额合计(元)", f"{totals['amount']:.2f}")],
        widths=[8 if f == "row" else 22 if f in ("id_number", "bank_account") else 14 for _, f in spec.payment_columns],
    )
    record(
        actor=user,
        action=actions_catalog.EXPORT_BENEFIT_PAYMENT_FILE,
        obj=batch,
        unit=batch.county,
        after={"rows": count, "total": f"{totals['amount']:.2f}"},
    )
    return content, f"一卡通代发-{batch.year}-{batch.scheme}-第{batch.pk}批.xlsx"


@dataclass
class ReturnOutcome(excel.ImportOutcome):
    paid: int = 0
    failed: int = 0

    def done(self) -> str:
        return f"已读入回盘:发放成功 {self.paid} 人,失败 {self.failed} 人"


def _return_spec() -> excel.SheetSpec:
    spec = layout()
    kinds = {"amount": excel.DECIMAL}
    columns = tuple(
        excel.Column(
            header,
            name,
            kind=kinds.get(name, excel.TEXT),
            required=name != "failure_reason",
            max_length=200,
            decimal_places=2,
            text_only=name == "id_number",
        )
        for header, name in spec.return_columns
    )
    return excel.SheetSpec(spec.return_sheet, columns, max_rows=100_000)


@transaction.atomic
def read_return_file(user, batch: PaymentBatch, source) -> ReturnOutcome:
    """回盘: the bank's file read back, all or nothing. Every row must name a person of the batch with the
    batch's amount, once; the result is the bank's word for paid or failed, a failure with its reason."""
    access.require(user, "benefits.pay", "您的角色不能读入回盘文件")
    access.require_unit_in_scope(user, batch.county)
    current = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    spec = _return_spec()
    words = layout()
    read = excel.read_sheet(spec, source)
    errors = list(read.errors)
    keys = fieldkeys.current()
    payments = {p.enrolment.person.id_number_hash: p for p in current.payments.select_related("enrolment__person")}
    seen: set[str] = set()
    results = []
    for row in [] if read.fatal else read.rows:
        if row.bad:
            continue
        number = str(row["id_number"] or "").strip().upper()
        payment = payments.get(keys.search_hash(number)) if number else None

        def fail(message: str, field_name: str, row=row) -> None:
            column = spec.column_for(field_name)
            errors.append(excel.RowError(message, row.number, spec.letter(column), column.header))

        if payment is None:
            fail(f"{mask_id_number(number)} 不在本批次中", "id_number")
            continue
        if number in seen:
            fail(f"{mask_id_number(number)} 重复出现", "id_number")
            continue
        seen.add(number)
        if str(row["name"]).strip() != payment.enrolment.person.name:
            fail(f"姓名与本批次不一致(本批次为{payment.enrolment.person.name})", "name")
        try:
            amount = Decimal(str(row["amount"])).quantize(_CENT)
        except (InvalidOperation, ValueError):
            amount = None
        if amount != payment.amount:
            fail(f"金额 {row['amount']} 与本批次的 {payment.amount} 元不一致", "amount")
        result = str(row["result"]).strip()
        reason = str(row.values.get("failure_reason") or "").strip()
        if result not in (words.paid_word, words.failed_word):
            fail(f"应为“{words.paid_word}”或“{words.failed_word}”", "result")
        elif result == words.failed_word and not reason:
            fail("发放失败须写明原因", "failure_reason")
        elif control_message("失败原因", reason):
            fail("含有不允许的控制字符", "failure_reason")
        results.append((payment, result == words.paid_word, reason))
    outcome = ReturnOutcome(excel.ImportReport(rows=len(read.rows), saved=0, errors=errors))
    if errors:
        return outcome
    if current.state == PaymentBatch.State.RETURNED and any(p.status != Payment.Status.PENDING for p, *_ in results):
        raise Conflict(f"{current}的回盘已由{current.returned_by}读入")
    for payment, paid, reason in results:
        payment.status = Payment.Status.PAID if paid else Payment.Status.FAILED
        payment.failure_reason = "" if paid else reason[:200]
        payment.save(update_fields=["status", "failure_reason"])
        outcome.paid += paid
        outcome.failed += not paid
    current.state, current.returned_by, current.returned_at = PaymentBatch.State.RETURNED, user, timezone.now()
    current.save()
    outcome.report.saved = len(results)
    record(
        actor=user,
        action=actions_catalog.BENEFIT_BATCH_RETURN,
        obj=current,
        unit=current.county,
        after={"paid": outcome.paid, "failed": outcome.failed, "rows": len(results)},
    )
    return outcome


@transaction.atomic
def follow_up(user, payment: Payment, note: str) -> Payment:
    """跟进 a failed payment (card closed, account wrong…): a note by a named person; the next batch for the
    same months pays it again once the account is right."""
    access.require(user, "benefits.pay", "您的角色不能跟进发放失败")
    access.require_unit_in_scope(user, payment.batch.county)
    if payment.status != Payment.Status.FAILED:
        raise DomainError({"payment": "只有发放失败的记录需要跟进"})
    note = (note or "").strip()
    problem = control_message("跟进情况", note)
    if problem or not note or len(note) > 500:
        raise DomainError({"note": problem or "跟进情况:必须填写,且不超过500字"})
    payment.follow_up = note
    payment.save(update_fields=["follow_up"])
    record(
        actor=user,
        action=actions_catalog.BENEFIT_PAYMENT_FOLLOW_UP,
        obj=payment,
        unit=payment.batch.county,
        reason=note,
    )
    return payment
