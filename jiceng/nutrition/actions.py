"""Writes to the child register. Each runs in a transaction, checks access, validates with a
Chinese message naming the field, and writes an audit row. Nothing is saved when a check fails."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import audit_entry, record, record_many, snapshot
from jiceng.bulk import insert_many
from jiceng.documents.hostile import control_message
from jiceng.errors import Conflict
from jiceng.nutrition.eligibility import decide
from jiceng.nutrition.models import (
    Assessment,
    Child,
    Collection,
    Consent,
    FollowUp,
    ForceMajeure,
    Move,
    Residence,
    Sex,
)
from jiceng.nutrition.rules.engine import check_collection
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import month_code, months_between, parse_period
from jiceng.standards.idnumber import IdNumberError, validate_id_number_against

FLUSH_EVERY = 2000  # deferred batch collections written together (with their audit rows)
MAX_AGE_YEARS = 6  # the register holds children under 6 (0–6岁儿童)
CHILD_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "village_id",
    "residence",
    "poor_household",
    "relocation_site",
    "special_condition",
    "special_condition_note",
    "caregiver_name",
    "caregiver_relation",
    "caregiver_phone",
)


TEXT_FIELDS = (
    "name",
    "id_number",
    "special_condition_note",
    "caregiver_name",
    "caregiver_relation",
    "caregiver_phone",
)


class DuplicateChild(ValidationError):
    """The child is already in the register; ``existing`` is the record found."""

    def __init__(self, message: str, existing: Child):
        super().__init__({"__all__": [message]})
        self.existing = existing


logger = logging.getLogger(__name__)


def check_texts(model, values: dict[str, object], *, multiline: tuple[str, ...] = ()) -> dict[str, str]:
    """{field: Chinese message} for every text of ``values`` with a control character (C0, DEL) or longer
    than the model's column: a page, the API and an import are refused the same way, before the database
    (PostgreSQL refuses NUL bytes and over-long text with a 500) or an export (a control character
    cannot be written into an .xlsx) sees it."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        field = model._meta.get_field(name)
        label = str(field.verbose_name)
        message = control_message(label, value, multiline=name in multiline)
        if message is None and field.max_length and len(value) > field.max_length:
            message = _("%(label)s：不能超过%(n)d个字") % {"label": label, "n": field.max_length}
        if message:
            errors[name] = message
    return errors


def refuse_bad_texts(model, values: dict[str, object], *, multiline: tuple[str, ...] = ()) -> None:
    errors = check_texts(model, values, multiline=multiline)
    if errors:
        raise ValidationError(errors)


def refuse_if_merged(child: Child) -> None:
    """A record merged into another takes no more writes: its history lives on the record it was merged
    into, and a consent or a collection here would count the same child twice (60 packs in a month)."""
    if child.merged_into_id:
        target = Child.objects.filter(pk=child.merged_into_id).only("name").first()
        raise MergedRecord(
            _("该记录已合并到“%(name)s”（记录号 %(pk)d），不能再登记或修改；请在“%(name)s”的记录上操作")
            % {"name": target.name if target else "", "pk": child.merged_into_id}
        )


class MergedRecord(Conflict):
    """A write to a record merged into another: a conflict with the record's state (the API answers 409)."""

    def __init__(self, message: str):
        super().__init__({"__all__": [message]})


def age_in_years(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def today() -> dt.date:
    return timezone.localdate()


@dataclass
class ChildData:
    name: str
    sex: str
    birth_date: dt.date
    id_number: str = ""
    residence: str = Residence.RESIDENT
    poor_household: bool = False
    relocation_site: bool = False
    special_condition: bool = False
    special_condition_note: str = ""
    caregiver_name: str = ""
    caregiver_relation: str = ""
    caregiver_phone: str = ""


def validate_child_data(data: ChildData, *, on: dt.date | None = None) -> ChildData:
    """Normalise and check a child's fields; raise ValidationError {field: Chinese message}."""
    on = on or today()
    errors: dict[str, str] = {}
    data.name = (data.name or "").strip()
    if not data.name:
        errors["name"] = _("姓名：不能为空或只有空格")
    elif len(data.name) > 50:
        errors["name"] = _("姓名：不能超过50个字")
    if data.sex not in Sex.values:
        errors["sex"] = _("性别：请选择男或女")
    if not isinstance(data.birth_date, dt.date):
        errors["birth_date"] = _("出生日期：请填写有效日期（如 2025-03-08）")
    elif data.birth_date > on:
        errors["birth_date"] = _("出生日期：%(d)s 晚于今天，不可能") % {"d": data.birth_date.isoformat()}
    elif age_in_years(data.birth_date, on) >= MAX_AGE_YEARS:
        errors["birth_date"] = _("出生日期：儿童已满%(n)d岁，不属于本项目登记范围") % {"n": MAX_AGE_YEARS}
    data.id_number = (data.id_number or "").strip().upper()
    if data.id_number and "birth_date" not in errors and "sex" not in errors:
        try:
            validate_id_number_against(data.id_number, birth_date=data.birth_date, sex=data.sex)
        except IdNumberError as exc:
            errors["id_number"] = str(exc)
    data.caregiver_phone = (data.caregiver_phone or "").strip()
    if data.caregiver_phone and not (data.caregiver_phone.isdigit() and 7 <= len(data.caregiver_phone) <= 12):
        errors["caregiver_phone"] = _("看护人电话：应为7至12位数字")
    if data.residence not in Residence.values:
        errors["residence"] = _("居住状态：无效的选项")
    data.caregiver_name = (data.caregiver_name or "").strip()
    texts = {name: getattr(data, name) for name in TEXT_FIELDS}
    for name, message in check_texts(Child, texts).items():
        errors.setdefault(name, message)
    if errors:
        raise ValidationError(errors)
    return data


def find_duplicate(data: ChildData, village: OrgUnit, *, exclude_pk: int | None = None) -> Child | None:
    """Same ID number anywhere, or same name + birth date in the same village."""
    candidates = Child.objects.filter(merged_into__isnull=True).exclude(pk=exclude_pk)
    if data.id_number:
        found = candidates.filter(id_number=data.id_number).select_related("village").first()
        if found:
            return found
    return candidates.filter(name=data.name, birth_date=data.birth_date, village=village).first()


def _require_village(village: OrgUnit) -> None:
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": _("所属村：儿童只能登记在村级单位")})


class ForeignIdNumber(ValidationError):
    """The ID number is registered outside the caller's subtree: the caller is told only that it cannot be
    registered here (not where, not whether), and the attempt is logged."""

    def __init__(self, id_number: str, village: OrgUnit, existing: Child):
        super().__init__({"id_number": [_("身份证号：该身份证号不能在此登记，请核对；如有疑问请联系县妇幼保健中心")]})
        self.id_number, self.village, self.existing_pk = id_number, village, existing.pk


def _log_foreign_id_number(exc: ForeignIdNumber, acting_user) -> None:
    """An audit row (outside the refused transaction) and a log line: who tried which number where."""
    logger.warning(
        "ID number registered elsewhere refused: user=%s village=%s existing_child=%s",
        getattr(acting_user, "username", ""),
        exc.village.code,
        exc.existing_pk,
    )
    record(
        actor=acting_user,
        action=actions_catalog.CHILD_REGISTER_REFUSED,
        object_type="nutrition.child",
        object_id=str(exc.existing_pk),
        object_repr=_("身份证号已在其他辖区登记"),
        unit=exc.village,
        after={"id_number": exc.id_number},
        reason=_("身份证号已在其他辖区登记，拒绝登记"),
    )


def register_child(data: ChildData, *, village: OrgUnit, acting_user) -> Child:
    """登记儿童. An ID number registered outside the caller's subtree is refused without saying where,
    and the attempt is written to the audit trail (after the refused transaction, so it stays)."""
    try:
        return _register_child(data, village=village, acting_user=acting_user)
    except ForeignIdNumber as exc:
        _log_foreign_id_number(exc, acting_user)
        raise


@transaction.atomic
def _register_child(data: ChildData, *, village: OrgUnit, acting_user) -> Child:
    access.require(acting_user, "registers.edit")
    access.require_unit_in_scope(acting_user, village)
    _require_village(village)
    data = validate_child_data(data)
    duplicate = find_duplicate(data, village)
    if duplicate is not None:
        if data.id_number and duplicate.id_number == data.id_number:
            if not access.unit_is_visible(acting_user, duplicate.village):
                raise ForeignIdNumber(data.id_number, village, duplicate)
            message = _("身份证号：%(id)s 已登记（%(where)s），请勿重复登记；如为同一儿童请办理迁入") % {
                "id": data.id_number,
                "where": duplicate.village.name,
            }
        else:
            message = _("重复登记：本村已有同名同出生日期的儿童“%(name)s”，如确为两人请核对姓名") % {"name": data.name}
        raise DuplicateChild(message, duplicate)
    child = Child(village=village, county=_county_of(village), registered_by=acting_user, **data.__dict__)
    child.save()
    record(
        actor=acting_user,
        action=actions_catalog.CHILD_REGISTER,
        obj=child,
        unit=village,
        after=snapshot(child, CHILD_FIELDS),
    )
    return child


def _county_of(unit: OrgUnit) -> OrgUnit:
    codes = unit.ancestor_codes()
    return OrgUnit.objects.get(code=codes[2]) if len(codes) > 2 else unit


@transaction.atomic
def update_child(child: Child, data: ChildData, *, acting_user) -> Child:
    access.require(acting_user, "registers.edit")
    child = access.object_in_scope_or_404(
        acting_user, Child.objects.select_for_update(), unit_field="village", pk=child.pk
    )
    refuse_if_merged(child)
    data = validate_child_data(data)
    duplicate = find_duplicate(data, child.village, exclude_pk=child.pk)
    if duplicate is not None:
        if not access.unit_is_visible(acting_user, duplicate.village):
            raise ValidationError(
                {"id_number": [_("身份证号：该身份证号不能在此登记，请核对；如有疑问请联系县妇幼保健中心")]}
            )
        raise DuplicateChild(
            _("重复登记：与已登记儿童“%(name)s”重复，请使用合并功能") % {"name": duplicate.name}, duplicate
        )
    before = snapshot(child, CHILD_FIELDS)
    for field, value in data.__dict__.items():
        setattr(child, field, value)
    child.save(update_fields=list(data.__dict__))
    record(
        actor=acting_user,
        action=actions_catalog.CHILD_UPDATE,
        obj=child,
        unit=child.village,
        before=before,
        after=snapshot(child, CHILD_FIELDS),
    )
    statuses_changed(child)  # the birth date or the residence decides the age window and eligibility
    return child


def _child_for_update(acting_user, child: Child, *, merged_ok: bool = False) -> Child:
    access.require(acting_user, "registers.edit")
    locked = access.object_in_scope_or_404(
        acting_user, Child.objects.select_for_update().select_related("village"), unit_field="village", pk=child.pk
    )
    if not merged_ok:
        refuse_if_merged(locked)
    return locked


REGISTER_SOURCE = "nutrition"  # the prefix of the report figures this register computes (packs/nutrition)


def _check_event_date(
    child: Child, day: dt.date, field: str, label: str, unit: OrgUnit | None = None, lookup=None
) -> None:
    """A register date: after birth, not in the future, and not in a month whose report has gone up
    (``unit``: the village clinic whose report counts the entry — the child's village at the time)."""
    if not isinstance(day, dt.date):
        raise ValidationError({field: _("%(label)s：请填写有效日期") % {"label": label}})
    if day < child.birth_date:
        raise ValidationError(
            {
                field: _("%(label)s：%(d)s 早于出生日期 %(b)s")
                % {"label": label, "d": day.isoformat(), "b": child.birth_date.isoformat()}
            }
        )
    if day > today():
        raise ValidationError({field: _("%(label)s：%(d)s 晚于今天") % {"label": label, "d": day.isoformat()}})
    from jiceng.reporting.queries import refuse_if_locked

    if unit is None:  # an import (``lookup``) files rows under the child's village, asked once per clinic
        unit = child.village if lookup is not None else village_at(child, day)
    refuse_if_locked(unit, REGISTER_SOURCE, day, field, label, lookup)


def _county_id(child: Child, clinic: OrgUnit) -> int:
    """The county of an entry filed at ``clinic`` (the child's own, unless typed for a village it left)."""
    return child.county_id if clinic.pk == child.village_id else _county_of(clinic).pk


def village_at(child: Child, day: dt.date) -> OrgUnit:
    """The village the child lived in on ``day`` (from the move history): an entry typed from paper after a
    transfer belongs to the clinic of that day, its report, its stock and its lock."""
    from jiceng.nutrition.report_figures import stays_for

    village_id = stays_for([child])[child.pk].village_on(day)
    return child.village if village_id == child.village_id else OrgUnit.objects.get(pk=village_id)


def statuses_changed(*children: Child) -> None:
    """Rewrite the stored status changes of these children (same transaction as the write)."""
    from jiceng.nutrition import status_store

    status_store.refresh(c.pk for c in children)


@transaction.atomic
def record_consent(child: Child, *, signed_on: dt.date, signed_by: str, relation: str, acting_user) -> Consent:
    child = _child_for_update(acting_user, child)
    _check_event_date(child, signed_on, "signed_on", _("签署日期"))
    if not (signed_by or "").strip():
        raise ValidationError({"signed_by": _("签署人：不能为空")})
    if not (relation or "").strip():
        raise ValidationError({"relation": _("与儿童关系：不能为空")})
    refuse_bad_texts(Consent, {"signed_by": signed_by.strip(), "relation": relation.strip()})
    consent = Consent.objects.create(
        child=child,
        signed_on=signed_on,
        signed_by=signed_by.strip(),
        relation=relation.strip(),
        recorded_by=acting_user,
    )
    record(
        actor=acting_user,
        action=actions_catalog.CHILD_CONSENT,
        obj=child,
        unit=child.village,
        after={"signed_on": signed_on.isoformat(), "signed_by": consent.signed_by, "relation": consent.relation},
    )
    statuses_changed(child)
    return consent


@transaction.atomic
def record_assessment(
    child: Child, *, assessed_on: dt.date, suitable: bool, doctor: str, note: str = "", acting_user
) -> Assessment:
    child = _child_for_update(acting_user, child)
    _check_event_date(child, assessed_on, "assessed_on", _("评估日期"))
    if not (doctor or "").strip():
        raise ValidationError({"doctor": _("评估医生：不能为空")})
    refuse_bad_texts(Assessment, {"doctor": doctor.strip(), "note": note or ""}, multiline=("note",))
    assessment = Assessment.objects.create(
        child=child,
        assessed_on=assessed_on,
        suitable=suitable,
        doctor=doctor.strip(),
        note=note,
        recorded_by=acting_user,
    )
    record(
        actor=acting_user,
        action=actions_catalog.CHILD_ASSESSMENT,
        obj=child,
        unit=child.village,
        after={"assessed_on": assessed_on.isoformat(), "suitable": suitable, "doctor": assessment.doctor},
    )
    statuses_changed(child)
    return assessment


class CollectionBatch:
    """Many collections in one transaction (an Excel import): the children are locked and their
    histories and force-majeure months loaded once, instead of once per row."""

    def __init__(self, children: list[Child], *, acting_user):
        from jiceng.nutrition import eligibility

        access.require(acting_user, "registers.edit")
        ids = sorted({c.pk for c in children})
        locked = Child.objects.select_for_update().select_related("village").filter(pk__in=ids)
        self._children = {c.pk: c for c in access.scoped(acting_user, locked, "village")}
        if len(self._children) != len(ids):
            raise access.AccessDenied(_("导入的儿童不在您的管辖范围内"))
        for locked_child in self._children.values():
            refuse_if_merged(locked_child)
        self._histories = eligibility.histories_for(ids)
        self._declared = eligibility.force_majeure_months_by_path()
        self._months: dict[int, frozenset[str]] = {}
        self._on_ledger: dict[int, bool] = {}
        self._locked: dict[tuple, object] = {}
        self._pending: list[Collection] = []
        self._user = acting_user
        self.touched: set[int] = set()  # children whose stored status changes are rewritten at flush()

    def child(self, pk: int) -> Child:
        return self._children[pk]

    def events(self, pk: int):
        return self._histories[pk].events

    def months(self, child: Child) -> frozenset[str]:
        from jiceng.nutrition.eligibility import force_majeure_months_for

        if child.village_id not in self._months:
            self._months[child.village_id] = force_majeure_months_for(child.village, self._declared)
        return self._months[child.village_id]

    def add(self, pk: int, event) -> None:
        self._histories[pk].events.append(event)

    def locked_report(self, unit: OrgUnit, source_prefix: str, day: dt.date):
        """The report of ``unit`` that locks ``day`` (reporting.queries.locked_report_for), asked once per
        clinic and month: nothing in an import submits or reopens a report."""
        key = (unit.pk, source_prefix, month_code(day))
        if key not in self._locked:
            from jiceng.reporting.queries import locked_report_for

            self._locked[key] = locked_report_for(unit, source_prefix, day)
        return self._locked[key]

    def on_ledger(self, unit: OrgUnit) -> bool:
        """Whether the clinic keeps a stock ledger (asked once per clinic, not once per row)."""
        if unit.pk not in self._on_ledger:
            from jiceng.stock.queries import is_on_ledger

            self._on_ledger[unit.pk] = is_on_ledger(unit)
        return self._on_ledger[unit.pk]

    def defer(self, collection: Collection) -> None:
        """Keep a judged collection of a clinic without a stock ledger until :meth:`flush` (at the latest
        when ``FLUSH_EVERY`` are waiting: memory stays flat however long the file)."""
        self._pending.append(collection)
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> int:
        """Insert the deferred collections and their audit rows, many per statement, inside the
        import's transaction (the rows and audit rows are the ones ``record_collection`` writes one
        by one). A month taken meanwhile by someone else is refused by the unique constraint."""
        pending, self._pending = self._pending, []
        self.touched.update(c.child_id for c in pending)
        try:
            with transaction.atomic():
                insert_many(pending)
        except IntegrityError:
            raise ValidationError(
                {
                    "collected_on": _(
                        "领取日期：导入期间有人登记了同一儿童同一月份的领取记录，请重新导入（一月一领，E6）"
                    )
                }
            ) from None
        record_many(
            audit_entry(
                actor=self._user,
                action=actions_catalog.COLLECTION_CREATE,
                obj=c,
                object_repr=f"{self._children[c.child_id].name} {c.packs}包",
                unit=self._children[c.child_id].village,
                after={"child": c.child_id, "collected_on": c.collected_on.isoformat(), "packs": c.packs},
            )
            for c in pending
        )
        from jiceng.nutrition import status_store

        touched, self.touched = self.touched, set()
        status_store.refresh(touched)
        return len(pending)


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def check_idempotency_key(key) -> str | None:
    if key in (None, ""):
        return None
    if not isinstance(key, str) or not IDEMPOTENCY_KEY.match(key):
        raise ValidationError({"idempotency_key": _("请求编号：应为8–64位字母、数字、-或_")})
    return key


def _replayed(key: str, child: Child) -> Collection | None:
    first = Collection.all_objects.filter(idempotency_key=key).first()
    if first is None:
        return None
    if first.child_id != child.pk:
        raise Conflict({"idempotency_key": [_("请求编号已用于另一名儿童的发放，请刷新页面后重试")]})
    first.replayed = True
    return first


class CollectionRefused(ValidationError):
    """The rules refuse this collection; ``reason`` is the engine's Reason (rule id and Chinese text)."""

    def __init__(self, reason):
        super().__init__({"packs": [f"{reason.text}（{reason.rule_id}）"]})
        self.reason = reason


def record_collection(
    child: Child,
    *,
    collected_on: dt.date,
    packs: int,
    collected_by: str = "",
    acting_user,
    batch: CollectionBatch | None = None,
    idempotency_key: str | None = None,
) -> Collection:
    """发放登记: the rules decide (E1–E9); the database refuses a second row for the same month.

    ``batch`` (for imports) holds the file's children locked and their histories loaded once; the checks
    and the audit row are the same as for a single collection. A batch collection at a clinic without a
    stock ledger is judged now and inserted with the others at ``batch.flush()``: nothing is written
    for it before then, so it needs no savepoint of its own.

    ``idempotency_key`` (one per tap on 发放): a request repeated with the same key (a retry after the
    network dropped the answer) returns the collection the first one recorded (``replayed`` is True)
    and issues nothing again."""
    if batch is not None and not batch.on_ledger(batch.child(child.pk).village):
        from jiceng.nutrition.rules.engine import Event

        child = batch.child(child.pk)
        collected_by = _judge_collection(
            child, batch.events(child.pk), batch.months(child), collected_on, packs, collected_by, batch.locked_report
        )
        batch.add(child.pk, Event(collected_on, "collect", packs=packs))
        collection = Collection(  # by ids: the same row, without the related-object bookkeeping per row
            child_id=child.pk,
            unit_id=child.village_id,
            county_id=child.county_id,
            collected_on=collected_on,
            month=month_code(collected_on),
            packs=packs,
            collected_by=collected_by,
            issued_by_id=acting_user.pk,
        )
        batch.defer(collection)
        return collection
    return _record_collection_now(
        child,
        collected_on=collected_on,
        packs=packs,
        collected_by=collected_by,
        acting_user=acting_user,
        batch=batch,
        idempotency_key=idempotency_key,
    )


def _judge_collection(
    child: Child, events, months, collected_on: dt.date, packs: int, collected_by: str, lookup=None
) -> str:
    """The checks of every collection, single or in a batch; returns the cleaned 领取人."""
    _check_event_date(child, collected_on, "collected_on", _("领取日期"), lookup=lookup)
    if not isinstance(packs, int) or packs <= 0:
        raise ValidationError({"packs": _("包数：应为正整数")})
    collected_by = (collected_by or "").strip()
    refuse_bad_texts(Collection, {"collected_by": collected_by})
    from jiceng.nutrition.eligibility import child_facts

    refusal = check_collection(child_facts(child), events, collected_on, packs, months)
    if refusal is not None:
        raise CollectionRefused(refusal)
    return collected_by


@transaction.atomic
def _record_collection_now(
    child: Child,
    *,
    collected_on: dt.date,
    packs: int,
    collected_by: str,
    acting_user,
    batch: CollectionBatch | None,
    idempotency_key: str | None = None,
) -> Collection:
    from jiceng.nutrition.eligibility import child_events, force_majeure_months_for
    from jiceng.nutrition.rules.engine import Event

    key = check_idempotency_key(idempotency_key)
    if batch is None:
        child = _child_for_update(acting_user, child)
        if key:  # the child row is locked: a concurrent retry waits here and then finds the first result
            first = _replayed(key, child)
            if first is not None:
                return first
        events, months = child_events(child), force_majeure_months_for(child.village)
    else:
        child = batch.child(child.pk)
        events, months = batch.events(child.pk), batch.months(child)
    lookup = batch.locked_report if batch is not None else None
    collected_by = _judge_collection(child, events, months, collected_on, packs, collected_by, lookup)
    if batch is not None:
        batch.add(child.pk, Event(collected_on, "collect", packs=packs))
    clinic = child.village if batch is not None else village_at(child, collected_on)
    try:
        with transaction.atomic():
            collection = Collection.objects.create(
                child=child,
                unit=clinic,
                county_id=_county_id(child, clinic),
                collected_on=collected_on,
                month=month_code(collected_on),
                packs=packs,
                collected_by=collected_by,
                issued_by=acting_user,
                idempotency_key=key,
            )
    except IntegrityError:
        first = _replayed(key, child) if key else None
        if first is not None:
            return first
        raise ValidationError(
            {"collected_on": _("领取日期：%(m)s 已有领取记录，一月一领（E6）") % {"m": month_code(collected_on)}}
        ) from None
    from jiceng.stock.actions import issue_for_collection

    issue_for_collection(collection, acting_user=acting_user)  # the same event on the stock ledger (FEFO)
    record(
        actor=acting_user,
        action=actions_catalog.COLLECTION_CREATE,
        obj=collection,
        object_repr=f"{child.name} {packs}包",
        unit=clinic,  # the audit row is filed where the entry is
        after={"child": child.pk, "collected_on": collected_on.isoformat(), "packs": packs},
    )
    if batch is None:
        statuses_changed(child)
    else:
        batch.touched.add(child.pk)
    return collection


@transaction.atomic
def move_child(
    child: Child, *, kind: str, happened_on: dt.date, to_village: OrgUnit | None = None, note: str = "", acting_user
) -> Move:
    """迁入/迁出/村间转移/死亡. A transfer keeps every record: the child's history travels with it."""
    child = _child_for_update(acting_user, child)
    _check_event_date(child, happened_on, "happened_on", _("日期"))
    refuse_bad_texts(Move, {"note": note or ""}, multiline=("note",))
    before = snapshot(child, ("village_id", "residence"))
    from_unit = child.village
    if kind == Move.Kind.TRANSFER:
        if to_village is None:
            raise ValidationError({"to_village": _("迁入村：请选择")})
        _require_village(to_village)
        access.require_unit_in_scope(acting_user, to_village)
        if to_village.pk == child.village_id:
            raise ValidationError({"to_village": _("迁入村：与现所属村相同")})
        from jiceng.reporting.queries import refuse_if_locked

        refuse_if_locked(to_village, REGISTER_SOURCE, happened_on, "happened_on", _("日期"))
        child.village = to_village
        child.county = _county_of(to_village)
    elif kind == Move.Kind.MOVE_OUT:
        child.residence = Residence.MOVED_OUT
    elif kind == Move.Kind.DEATH:
        child.residence = Residence.DECEASED
    elif kind == Move.Kind.MOVE_IN:
        child.residence = Residence.RESIDENT
    else:
        raise ValidationError({"kind": _("类型：无效的选项")})
    child.save(update_fields=["village", "county", "residence"])
    move = Move.objects.create(
        child=child,
        kind=kind,
        happened_on=happened_on,
        from_unit=from_unit,
        to_unit=to_village or from_unit,
        note=note,
        recorded_by=acting_user,
    )
    record(
        actor=acting_user,
        action=actions_catalog.CHILD_MOVE_ACTIONS[kind],
        obj=child,
        unit=from_unit,
        before=before,
        after=snapshot(child, ("village_id", "residence")),
        reason=note,
    )
    statuses_changed(child)
    return move


@transaction.atomic
def merge_children(keep: Child, duplicate: Child, *, acting_user) -> Child:
    """Merge a duplicate record into ``keep``: every consent, collection, assessment, move and
    follow-up card of both is kept on ``keep``; the duplicate stays in the database, marked merged,
    with nothing left on it. The audit row lists what moved (counts and ids).

    A follow-up card's z-scores depend on the child's sex and birth date: when the two records
    disagree on them, the moved cards are recomputed against ``keep``."""
    keep = _child_for_update(acting_user, keep)
    duplicate = _child_for_update(acting_user, duplicate, merged_ok=True)
    if keep.pk == duplicate.pk:
        raise ValidationError({"__all__": [_("不能与自身合并")]})
    if duplicate.merged_into_id:
        target = Child.objects.filter(pk=duplicate.merged_into_id).only("name").first()
        raise ValidationError(
            {
                "__all__": [
                    _("该记录已合并到“%(name)s”（记录号 %(pk)d），不能再次合并")
                    % {"name": target.name if target else "", "pk": duplicate.merged_into_id}
                ]
            }
        )
    clash = sorted(
        set(keep.collections.values_list("month", flat=True))
        & set(duplicate.collections.values_list("month", flat=True))
    )
    if clash:
        raise ValidationError(
            {
                "__all__": [
                    _("两条记录在 %(m)s 都有领取记录，违反一月一领，请先核实并冲正其中一条") % {"m": "、".join(clash)}
                ]
            }
        )
    if (keep.sex, keep.birth_date) != (duplicate.sex, duplicate.birth_date):
        _recompute_followups_for(keep, FollowUp.objects.filter(child=duplicate).select_related("unit"))
    moved_ids = {
        name: list(model.all_objects.filter(child=duplicate).order_by("pk").values_list("pk", flat=True))
        for name, model in MERGED_HISTORIES.items()
    }  # cancelled entries move too: the history stays whole
    moved = {
        name: model.all_objects.filter(child=duplicate).update(child=keep) for name, model in MERGED_HISTORIES.items()
    }
    if not keep.id_number and duplicate.id_number:
        keep.id_number = duplicate.id_number
        keep.save(update_fields=["id_number"])
    duplicate.merged_into = keep
    duplicate.save(update_fields=["merged_into"])
    record(
        actor=acting_user,
        action=actions_catalog.CHILD_MERGE,
        obj=keep,
        unit=keep.village,
        before={"duplicate": duplicate.pk},
        after={"kept": keep.pk, **moved, "ids": moved_ids},
    )
    statuses_changed(keep, duplicate)
    return keep


# Everything of a child's history keyed to the child: merge_children moves all of it.
MERGED_HISTORIES = {
    "consents": Consent,
    "collections": Collection,
    "assessments": Assessment,
    "moves": Move,
    "followups": FollowUp,
}


def _recompute_followups_for(keep: Child, cards) -> None:
    """The cards of a duplicate whose sex or birth date differ from ``keep``: z-scores again, as ``keep``'s."""
    from jiceng.nutrition.rules.anthropometry import Measurement, MeasurementError, assess_measurement

    for card in cards:
        measurement = Measurement(
            sex=keep.sex,
            birth_date=keep.birth_date,
            measured_on=card.visited_on,
            length_cm=card.length_cm,
            position=card.position or None,
            weight_kg=card.weight_kg,
            hb_g_l=card.hb_g_l,
            altitude_m=card.unit.altitude_m,
            packs_last_7d=card.packs_last_7d,
        )
        try:
            result = assess_measurement(measurement, today=max(today(), card.visited_on))
        except MeasurementError as exc:
            raise ValidationError(
                {
                    "__all__": [
                        _("%(d)s 的随访卡按保留记录的性别和出生日期无法计算（%(why)s），请先核实两条记录")
                        % {"d": card.visited_on.isoformat(), "why": exc.message}
                    ]
                }
            ) from None
        for name, value in computed_fields(result).items():
            setattr(card, name, value)
        card.save(update_fields=list(computed_fields(result)))


@transaction.atomic
def declare_force_majeure(
    unit: OrgUnit, *, first_month: str, last_month: str, reason: str, acting_user
) -> ForceMajeure:
    """不可抗力: a county or township declares months that E5 skips for its whole subtree."""
    access.require(acting_user, "force_majeure.declare")
    access.require_unit_in_scope(acting_user, unit)
    if unit.level not in (Level.COUNTY, Level.TOWNSHIP) or unit.is_institution:
        raise ValidationError({"unit": _("单位：只有县或乡镇可以认定不可抗力")})
    for field, value, label in (("first_month", first_month, _("起始月份")), ("last_month", last_month, _("截止月份"))):
        try:
            is_month = parse_period(value).kind == "month"
        except (ValueError, TypeError):
            is_month = False
        if not is_month:
            raise ValidationError({field: _("%(f)s：请选择年月，如 2026年3月") % {"f": label}})
    months = months_between(first_month, last_month)
    if not months:
        raise ValidationError({"last_month": _("截止月份：不能早于起始月份")})
    first_month, last_month = months[0], months[-1]  # 2026-3 → 2026-03
    if not (reason or "").strip():
        raise ValidationError({"reason": _("原因：请写明不可抗力的原因（如疫情封控）")})
    refuse_bad_texts(ForceMajeure, {"reason": reason.strip()})
    row = ForceMajeure.objects.create(
        unit=unit, first_month=first_month, last_month=last_month, reason=reason.strip(), declared_by=acting_user
    )
    record(
        actor=acting_user,
        action=actions_catalog.FORCE_MAJEURE_DECLARE,
        obj=row,
        object_repr=f"{unit.name} {first_month}~{last_month}",
        unit=unit,
        after={"first_month": first_month, "last_month": last_month, "reason": row.reason},
    )
    from jiceng.nutrition import status_store

    status_store.refresh_under(unit)  # E5 skips these months now: stops in the subtree move
    return row


def status_now(child: Child, as_of: dt.date | None = None):
    return decide(child, as_of or today())


MEASUREMENT_FIELDS = {"measured_on": "visited_on"}


def computed_fields(result) -> dict:
    """The follow-up card's computed columns from a MeasurementResult (WHO z-scores, flags, anaemia)."""
    return {
        "age_days": result.age_days,
        "haz": result.haz,
        "waz": result.waz,
        "whz": result.whz,
        "haz_flag": result.haz_flag,
        "waz_flag": result.waz_flag,
        "whz_flag": result.whz_flag,
        "stunting": result.stunting,
        "underweight": result.underweight,
        "wasting": result.wasting,
        "hb_adjusted_g_l": result.hb_adjusted_g_l,
        "anaemia": result.anaemia or "",
        "warnings": list(result.warnings),
    }  # the measurement module's names → the card's


def _measurement_errors(exc) -> ValidationError:
    errors: dict[str, list[str]] = {}
    for field, message in exc.errors:
        errors.setdefault(MEASUREMENT_FIELDS.get(field, field), []).append(message)
    return ValidationError(errors)


@transaction.atomic
def record_followup(
    child: Child,
    *,
    visited_on: dt.date,
    hb_g_l=None,
    length_cm=None,
    position: str = "",
    weight_kg=None,
    packs_last_7d: int | None = None,
    complementary_feeding: bool = False,
    counselling_given: bool = False,
    caregiver_knows: bool = False,
    notes: str = "",
    acting_user,
) -> FollowUp:
    """个案随访卡: validate the measurements, compute WHO z-scores and the altitude-adjusted anaemia
    class, and save the card with its results. Warnings (e.g. lying position at 3 years) are kept on the card."""
    child = _child_for_update(acting_user, child)
    _check_event_date(child, visited_on, "visited_on", _("随访日期"))
    refuse_bad_texts(FollowUp, {"notes": (notes or "").strip()}, multiline=("notes",))
    from jiceng.nutrition.rules.anthropometry import Measurement, MeasurementError, assess_measurement

    clinic = village_at(child, visited_on)  # a card typed from paper belongs to the clinic of that day
    measurement = Measurement(
        sex=child.sex,
        birth_date=child.birth_date,
        measured_on=visited_on,
        length_cm=length_cm,
        position=position or None,
        weight_kg=weight_kg,
        hb_g_l=hb_g_l,
        altitude_m=clinic.altitude_m,
        packs_last_7d=packs_last_7d,
    )
    try:
        result = assess_measurement(measurement, today=today())
    except MeasurementError as exc:
        raise _measurement_errors(exc) from None
    card = FollowUp.objects.create(
        child=child,
        unit=clinic,
        county_id=_county_id(child, clinic),
        visited_on=visited_on,
        month=month_code(visited_on),
        hb_g_l=hb_g_l,
        length_cm=length_cm,
        position=position or "",
        weight_kg=weight_kg,
        packs_last_7d=packs_last_7d,
        complementary_feeding=complementary_feeding,
        counselling_given=counselling_given,
        caregiver_knows=caregiver_knows,
        notes=(notes or "").strip(),
        **computed_fields(result),
        recorded_by=acting_user,
    )
    record(
        actor=acting_user,
        action=actions_catalog.FOLLOWUP_CREATE,
        obj=card,
        object_repr=f"{child.name} 随访 {visited_on}",
        unit=clinic,  # the audit row is filed where the entry is
        after=snapshot(
            card,
            (
                "visited_on",
                "hb_g_l",
                "length_cm",
                "position",
                "weight_kg",
                "packs_last_7d",
                "haz",
                "waz",
                "whz",
                "anaemia",
            ),
        ),
    )
    return card
