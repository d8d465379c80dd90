"""Excel in and out for the child register: children, collections (发放登记) and follow-up cards.

Imports go through the real actions (``register_child``, ``record_consent``,
``record_collection``, ``record_followup``), so every rule and every audit row is the same as
on the pages; :func:`jiceng.documents.excel.run_import` keeps them in one transaction and saves
nothing unless the whole file is valid. Exports cover the user's scope, mask the ID number and
phone for every role, and are logged in the audit trail with the row count.

Scope: each row names its village (所属村: name or 12-digit code). A village doctor may leave it
blank (their village) and cannot name another; a township officer may name any village of the
township. A village outside the scope is an error on that row, worded the same whether or not
the village exists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.excel import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    INT,
    XLSX_MIMETYPE,
    Column,
    ImportReport,
    Row,
    RowError,
    RowRejected,
    SheetSpec,
    build_template,
    check_rows,
    read_sheet,
    run_import,
    write_table,
)
from jiceng.documents.files import RenderedFile
from jiceng.nutrition import actions, eligibility, queries
from jiceng.nutrition.models import Child, Collection, FollowUp, Residence, Sex
from jiceng.orgunits.models import Level, OrgUnit, subtree_q
from jiceng.periods import month_code
from jiceng.standards.idnumber import mask_id_number, mask_phone

SEX_CHOICES = ((str(Sex.MALE.label), Sex.MALE.value), (str(Sex.FEMALE.label), Sex.FEMALE.value))
RESIDENCE_CHOICES = (
    (str(Residence.RESIDENT.label), Residence.RESIDENT.value),
    (str(Residence.FLOATING.label), Residence.FLOATING.value),
)
VILLAGE = Column(
    "所属村",
    "village",
    help="填写村名（如 大寨村）或12位村代码，见“村名单”工作表；村医可留空，默认为本村",
    example="大寨村",
    width=16,
    aliases=("village_id",),
)
CHILD_NAME = Column("儿童姓名", "name", required=True, max_length=50, example="王小花", labels=("姓名",))
BIRTH = Column("出生日期", "birth_date", DATE, required=True, example="2024-05-01", width=12)
ID_NUMBER = Column(
    "身份证号",
    "id_number",
    max_length=18,
    text_only=True,
    width=21,
    help="18位，最后一位可为X；单元格须为文本格式（模板已设好）；没有可留空",
    example="522799202405010022",
)


def _identity_columns() -> tuple[Column, ...]:
    """How a collection or follow-up row names its child: village + name + birth date, or ID number."""
    return (VILLAGE, CHILD_NAME, BIRTH, ID_NUMBER)


CHILDREN = SheetSpec(
    "儿童登记",
    (
        VILLAGE,
        Column("姓名", "name", required=True, max_length=50, example="王小花"),
        Column("性别", "sex", CHOICE, required=True, choices=SEX_CHOICES, example="女", width=8),
        BIRTH,
        ID_NUMBER,
        Column("居住状态", "residence", CHOICE, choices=RESIDENCE_CHOICES, default=Residence.RESIDENT, example="常住"),
        Column("建档立卡贫困户", "poor_household", BOOL, example="否"),
        Column("易地扶贫搬迁安置点", "relocation_site", BOOL, example="否"),
        Column("特殊疾病", "special_condition", BOOL, help="患需专业医生评估的特殊疾病（如地中海贫血）填“是”"),
        Column("特殊疾病说明", "special_condition_note", max_length=200),
        Column("看护人姓名", "caregiver_name", max_length=50, example="李梅"),
        Column("与儿童关系", "caregiver_relation", max_length=20, example="母亲", aliases=("relation",)),
        Column("看护人电话", "caregiver_phone", max_length=20, example="13812345678", width=14),
        Column(
            "知情同意书签署日期",
            "signed_on",
            DATE,
            labels=("签署日期",),
            help="已签订知情同意书的填写签署日期（E9：未签订不能首次发放）；未签可留空",
            example="2024-11-02",
            width=18,
        ),
        Column("签署人", "signed_by", max_length=50, help="留空则为看护人姓名", example="李梅"),
    ),
    instructions=(
        "同一儿童只登记一次：身份证号相同，或同村同名同出生日期，视为重复。",
        "“性别”“居住状态”从下拉列表选择；“是/否”列空白视为“否”。",
    ),
)

COLLECTIONS = SheetSpec(
    "营养包发放登记",
    (
        *_identity_columns(),
        Column("领取日期", "collected_on", DATE, required=True, example="2025-03-08", width=12),
        Column("包数", "packs", INT, required=True, min_value=1, max_value=999, example="30", width=8),
        Column("领取人", "collected_by", max_length=50, example="李梅"),
    ),
    instructions=(
        "儿童须已登记：按“所属村+儿童姓名+出生日期”查找；填写身份证号时按身份证号查找。",
        "一月一领（E6）：同一儿童同一月份只能有一条领取记录（文件内或系统中已有的都算）。",
        "导入时按领取日期先后依次登记，每条都按发放规则（E1–E9）检查。",
    ),
)

FOLLOWUPS = SheetSpec(
    "个案随访",
    (
        *_identity_columns(),
        Column("随访日期", "visited_on", DATE, required=True, example="2025-03-08", width=12, labels=("测量日期",)),
        Column("血红蛋白(g/L)", "hb_g_l", DECIMAL, decimal_places=1, example="112", labels=("血红蛋白",)),
        Column("身长/身高(cm)", "length_cm", DECIMAL, decimal_places=1, example="86.1", labels=("身长/身高",)),
        Column(
            "测量体位",
            "position",
            CHOICE,
            choices=(("卧位", "lying"), ("立位", "standing")),
            help="2岁以下卧位量身长，2岁及以上立位量身高",
            example="立位",
        ),
        Column("体重(kg)", "weight_kg", DECIMAL, decimal_places=2, example="10.2", labels=("体重",)),
        Column("近7天服用包数", "packs_last_7d", INT, min_value=0, max_value=7, example="6"),
        Column("已添加辅食", "complementary_feeding", BOOL, example="是"),
        Column("已给予咨询指导", "counselling_given", BOOL, example="是"),
        Column("看护人知晓项目", "caregiver_knows", BOOL, example="是"),
        Column("备注", "notes", max_length=300, width=24),
    ),
    instructions=("儿童须已登记：按“所属村+儿童姓名+出生日期”查找；填写身份证号时按身份证号查找。",),
)

SPECS = {"children": CHILDREN, "collections": COLLECTIONS, "followups": FOLLOWUPS}
TITLES = {"children": "儿童登记", "collections": "营养包发放登记", "followups": "个案随访"}


# ---------------------------------------------------------------- resolving villages and children


def _villages_in_scope(user) -> list[OrgUnit]:
    return list(access.visible_units(user).filter(level=Level.VILLAGE).select_related("parent").order_by("path"))


class Villages:
    """Village names and codes the user may import into."""

    def __init__(self, user):
        self.units = _villages_in_scope(user)
        self.by_code = {u.code: u for u in self.units}
        self.by_name: dict[str, list[OrgUnit]] = defaultdict(list)
        for unit in self.units:
            self.by_name[unit.name].append(unit)
            if unit.display_name != unit.name:
                self.by_name[unit.display_name].append(unit)
        self.only = self.units[0] if len(self.units) == 1 and access.scope_root(user).level == Level.VILLAGE else None

    def resolve(self, text: str) -> OrgUnit:
        text = (text or "").strip()
        if not text:
            if self.only is not None:
                return self.only
            raise RowRejected("必填：请填写村名或12位村代码", "village")
        found = self.by_code.get(text)
        if found is None:
            named = self.by_name.get(text, [])
            if len(named) > 1:
                raise RowRejected(f"“{text}”有{len(named)}个同名的村，请改填12位村代码", "village")
            found = named[0] if named else None
        if found is None:
            if self.only is not None:
                raise RowRejected(f"“{text}”不是本村：村医只能导入本村（{self.only.name}）的数据", "village")
            raise RowRejected(f"“{text}”不是您管辖范围内的村，请核对村名或代码（见模板“村名单”工作表）", "village")
        return found


class Children:
    """The children the user may see, loaded once, found by ID number or by village + name + birth date."""

    def __init__(self, user):
        rows = access.scoped(user, Child.objects.filter(merged_into__isnull=True), "village").only(
            "id", "name", "birth_date", "id_number", "village_id"
        )
        self.by_id_number: dict[str, Child] = {}
        self.by_person: dict[tuple, list[Child]] = defaultdict(list)
        for child in rows.iterator(chunk_size=5000):
            if child.id_number:
                self.by_id_number[child.id_number] = child
            self.by_person[(child.village_id, child.name, child.birth_date)].append(child)

    def find(self, village: OrgUnit, name: str, birth: dt.date, id_number: str) -> Child:
        name, id_number = name.strip(), (id_number or "").strip().upper()
        if id_number:
            child = self.by_id_number.get(id_number)
            if child is None:
                raise RowRejected(f"未找到身份证号为 {id_number} 的儿童：请先登记该儿童，或核对号码", "id_number")
            if child.village_id != village.pk:
                raise RowRejected("该身份证号的儿童不是登记在这个村，请核对所属村或身份证号", "village")
            if child.name != name:
                raise RowRejected(f"身份证号对应的儿童是“{child.name}”，与此处姓名“{name}”不一致", "name")
            if child.birth_date != birth:
                raise RowRejected(
                    f"身份证号对应的儿童出生日期为 {child.birth_date:%Y-%m-%d}，与此处不一致", "birth_date"
                )
            return child
        found = self.by_person.get((village.pk, name, birth), [])
        if not found:
            raise RowRejected(
                f"{village.name}没有登记“{name}”（出生日期 {birth:%Y-%m-%d}）：请先导入儿童登记，或核对姓名和出生日期",
                "name",
            )
        if len(found) > 1:
            raise RowRejected("有多名同名同出生日期的儿童，请填写身份证号区分", "id_number")
        return found[0]


def _audit_import(user, kind: str, report: ImportReport, filename: str) -> None:
    root = access.scope_root(user)
    record(
        actor=user,
        action=actions_catalog.IMPORT_ACTIONS[kind],
        object_type="documents.excel",
        object_repr=f"{TITLES[kind]}导入 {filename}"[:200],
        unit=root,
        after={"rows": report.rows, "saved": report.saved, "errors": len(report.errors)},
    )


# ---------------------------------------------------------------- imports


def import_children(user, source, *, filename: str = "") -> ImportReport:
    """儿童登记导入: register_child (and record_consent when a signing date is given) for every row."""
    access.require(user, "registers.edit")
    read = read_sheet(CHILDREN, source)
    villages = Villages(user)
    seen_ids: dict[str, int] = {}
    seen_people: dict[tuple, int] = {}

    def check(row: Row) -> None:
        village = villages.resolve(row["village"])
        row.values["village_unit"] = village
        id_number = (row["id_number"] or "").strip().upper()
        if id_number:
            if id_number in seen_ids:
                raise RowRejected(f"与第{seen_ids[id_number]}行的身份证号相同：同一儿童只能登记一次", "id_number")
            seen_ids[id_number] = row.number
        person = (village.pk, row["name"].strip(), row["birth_date"])
        if person in seen_people:
            raise RowRejected(f"与第{seen_people[person]}行重复：同村同名同出生日期，同一儿童只能登记一次")
        seen_people[person] = row.number

    def save(row: Row) -> None:
        v = row.values
        data = actions.ChildData(
            name=v["name"],
            sex=v["sex"],
            birth_date=v["birth_date"],
            id_number=v["id_number"],
            residence=v["residence"],
            poor_household=v["poor_household"],
            relocation_site=v["relocation_site"],
            special_condition=v["special_condition"],
            special_condition_note=v["special_condition_note"],
            caregiver_name=v["caregiver_name"],
            caregiver_relation=v["caregiver_relation"],
            caregiver_phone=v["caregiver_phone"],
        )
        child = actions.register_child(data, village=v["village_unit"], acting_user=user)
        if len(added) < ADDED_SHOWN:
            added.append(_added(child, f"{child.name}（{v['village_unit'].name}，{child.birth_date:%Y-%m-%d} 出生）"))
        if v["signed_on"] is not None:
            actions.record_consent(
                child,
                signed_on=v["signed_on"],
                signed_by=v["signed_by"] or v["caregiver_name"],
                relation=v["caregiver_relation"],
                acting_user=user,
            )
        elif v["signed_by"]:
            raise RowRejected("填写了签署人，请同时填写知情同意书签署日期", "signed_on")

    added: list[tuple[str, str]] = []
    check_rows(CHILDREN, read, check)
    report = run_import(CHILDREN, read, save)
    report.added = added if report.ok else []
    _audit_import(user, "children", report, filename)
    return report


ADDED_SHOWN = 200  # rows of what an import added that are listed (the page says how many more, from report.saved)


def _added(child: Child, text: str) -> tuple[str, str]:
    """One line of what an import added, with the child's page."""
    return text, reverse("child_detail", args=[child.pk])


def _existing_months(child_ids: set[int], model=Collection) -> dict[tuple[int, str], dt.date]:
    found: dict[tuple[int, str], dt.date] = {}
    ids = sorted(child_ids)
    for start in range(0, len(ids), 500):
        for child_id, month, day in model.objects.filter(child_id__in=ids[start : start + 500]).values_list(
            "child_id", "month", "collected_on"
        ):
            found[(child_id, month)] = day
    return found


def _by_date(field_name: str):
    """Apply rows in date order (the rules judge each collection against the earlier ones)."""

    def key(row: Row) -> tuple:
        return (row[field_name] or dt.date.min, row.number)

    return key


def _find_child(children: Children, villages: Villages, row: Row) -> Child:
    village = villages.resolve(row["village"])
    child = children.find(village, row["name"], row["birth_date"], row["id_number"])
    row.values["child"], row.values["village_unit"] = child, village
    return child


def import_collections(user, source, *, filename: str = "") -> ImportReport:
    """发放登记导入: record_collection for every row, in date order, all or nothing."""
    access.require(user, "registers.edit")
    read = read_sheet(COLLECTIONS, source)
    villages, children = Villages(user), Children(user)
    seen: dict[tuple[int, str], int] = {}
    resolved: list[Row] = []

    def check(row: Row) -> None:
        child = _find_child(children, villages, row)
        month = month_code(row["collected_on"])
        if (child.pk, month) in seen:
            raise RowRejected(
                f"与第{seen[(child.pk, month)]}行重复：{child.name} {month} 只能领取一次（一月一领，E6）",
                "collected_on",
            )
        seen[(child.pk, month)] = row.number
        resolved.append(row)

    check_rows(COLLECTIONS, read, check)
    existing = _existing_months({row["child"].pk for row in resolved})
    for row in resolved:
        child, month = row["child"], month_code(row["collected_on"])
        if (child.pk, month) in existing:
            earlier = existing[(child.pk, month)]
            read.errors.append(
                _row_error(
                    COLLECTIONS,
                    row,
                    "collected_on",
                    f"{child.name} {month} 已于 {earlier:%Y-%m-%d} 领取（系统中已有记录），一月一领（E6）",
                )
            )
            row.bad = True

    batch = None

    def save(row: Row) -> None:
        nonlocal batch
        if batch is None:  # inside the import's transaction: lock and load every child of the file once
            batch = actions.CollectionBatch([r["child"] for r in resolved if not r.bad], acting_user=user)
        try:
            actions.record_collection(
                row["child"],
                collected_on=row["collected_on"],
                packs=row["packs"],
                collected_by=row["collected_by"],
                acting_user=user,
                batch=batch,
            )
        except actions.CollectionRefused as exc:
            raise RowRejected(f"不予发放：{exc.reason.text}（{exc.reason.rule_id}）") from None
        if len(added) < ADDED_SHOWN:
            child = row["child"]
            added.append(
                _added(
                    child,
                    f"{child.name}（{row['village_unit'].name}）{row['collected_on']:%Y-%m-%d} 领取 {row['packs']} 包",
                )
            )

    def finish() -> None:
        if batch is not None:
            batch.flush()

    # one atomic action per row: its own savepoint undoes a refused row (a row of a clinic without a stock
    # ledger writes nothing until the batch is flushed, once every row has passed)
    added: list[tuple[str, str]] = []
    report = run_import(COLLECTIONS, read, save, order=_by_date("collected_on"), row_savepoint=False, finish=finish)
    report.added = added if report.ok else []
    _audit_import(user, "collections", report, filename)
    return report


def import_followups(user, source, *, filename: str = "") -> ImportReport:
    """个案随访导入: record_followup for every row (z-scores and anaemia computed as on the page)."""
    access.require(user, "registers.edit")
    read = read_sheet(FOLLOWUPS, source)
    villages, children = Villages(user), Children(user)
    seen: dict[tuple[int, dt.date], int] = {}

    def check(row: Row) -> None:
        child = _find_child(children, villages, row)
        key = (child.pk, row["visited_on"])
        if key in seen:
            raise RowRejected(f"与第{seen[key]}行重复：同一儿童同一天只能有一张随访卡", "visited_on")
        seen[key] = row.number

    def save(row: Row) -> None:
        v = row.values
        actions.record_followup(
            v["child"],
            visited_on=v["visited_on"],
            hb_g_l=v["hb_g_l"],
            length_cm=v["length_cm"],
            position=v["position"],
            weight_kg=v["weight_kg"],
            packs_last_7d=v["packs_last_7d"],
            complementary_feeding=v["complementary_feeding"],
            counselling_given=v["counselling_given"],
            caregiver_knows=v["caregiver_knows"],
            notes=v["notes"],
            acting_user=user,
        )
        child = v["child"]
        if len(added) < ADDED_SHOWN:
            added.append(_added(child, f"{child.name}（{v['village_unit'].name}）{v['visited_on']:%Y-%m-%d} 随访卡"))

    added: list[tuple[str, str]] = []
    check_rows(FOLLOWUPS, read, check)
    report = run_import(FOLLOWUPS, read, save, order=_by_date("visited_on"), row_savepoint=False)
    report.added = added if report.ok else []
    _audit_import(user, "followups", report, filename)
    return report


def _row_error(spec: SheetSpec, row: Row, field: str, message: str) -> RowError:
    column = spec.column_for(field)
    return RowError(message, row.number, spec.letter(column), column.header)


IMPORTS = {"children": import_children, "collections": import_collections, "followups": import_followups}


# ---------------------------------------------------------------- templates


def render_template(kind: str, user) -> RenderedFile:
    """The import template of ``kind``, with the villages the user may import into."""
    access.require(user, "registers.edit")
    spec = SPECS[kind]
    villages = [(u.code, u.name, u.parent.name if u.parent else "") for u in _villages_in_scope(user)]
    data = build_template(spec, reference=("村名单", ("村代码", "村名", "乡镇"), villages))
    return RenderedFile(f"{spec.title}导入模板.xlsx", XLSX_MIMETYPE, data)


# ---------------------------------------------------------------- exports


@dataclass(frozen=True)
class ExportParams:
    user: object
    unit: OrgUnit | None = None  # default: the user's whole scope
    start: dt.date | None = None  # collections and follow-ups: default 1 January of this year
    end: dt.date | None = None  # default today


def _export_scope(params: ExportParams) -> tuple[OrgUnit, bool]:
    access.require(params.user, "registers.view")
    unit = params.unit or access.scope_root(params.user)
    if unit is None:
        raise access.AccessDenied("您没有管辖范围")
    access.require_unit_in_scope(params.user, unit)
    # masked for every role (PIPL minimum necessary; README "Personal data"): a file travels, and no role
    # needs a whole register's full ID and phone numbers on paper or a USB stick
    return unit, False


def _period(params: ExportParams) -> tuple[dt.date, dt.date]:
    today = actions.today()
    start = params.start or dt.date(today.year, 1, 1)
    end = params.end or today
    return (start, end) if start <= end else (end, start)


def _info(params: ExportParams, unit: OrgUnit, full: bool, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    user = params.user
    return [
        ("单位", f"{unit.display_name}（{unit.code}）"),
        *extra,
        ("导出人", f"{getattr(user, 'display_name', '') or user.get_username()}"),
        ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ("身份信息", "完整" if full else "已脱敏（身份证号、电话部分隐藏）"),
        ("说明", "本文件含个人信息，仅限本辖区工作使用，不得外传；本次导出已记入审计日志。"),
    ]


def _log_export(params: ExportParams, kind: str, unit: OrgUnit, count: int, full: bool, **period) -> None:
    record(
        actor=params.user,
        action=actions_catalog.EXPORT_ACTIONS[kind],
        object_type="documents.excel",
        object_repr=f"{unit.display_name} {TITLES[kind]}导出（{count}行）",
        unit=unit,
        after={"rows": count, "masked": not full, **{k: v.isoformat() for k, v in period.items()}},
    )


def _yes(value: bool) -> str:
    return "是" if value else "否"


CHILD_EXPORT_HEADERS = (
    "登记编号",
    "所属村",
    "村代码",
    "姓名",
    "性别",
    "出生日期",
    "身份证号",
    "居住状态",
    "建档立卡贫困户",
    "易地扶贫搬迁安置点",
    "特殊疾病",
    "看护人姓名",
    "与儿童关系",
    "看护人电话",
    "知情同意书签署日期",
    "当前状态",
    "月龄",
)


def render_children_export(params: ExportParams) -> RenderedFile:
    """儿童登记 of the unit's subtree, masked unless the role may see full identity; logged."""
    unit, full = _export_scope(params)
    today = actions.today()
    pks = list(queries.children_in(unit).order_by("village__path", "name", "id").values_list("pk", flat=True))

    def rows():
        for start in range(0, len(pks), 2000):
            chunk = pks[start : start + 2000]
            listed = eligibility.with_history(Child.objects.filter(pk__in=chunk)).select_related("village")
            by_pk = {c.pk: c for c in listed}
            decisions = eligibility.decisions_for(by_pk.values(), today)
            for pk in chunk:
                child, decision = by_pk[pk], decisions[pk]
                consents = sorted(c.signed_on for c in child.consents.all())
                yield (
                    child.pk,
                    child.village.name,
                    child.village.code,
                    child.name,
                    child.get_sex_display(),
                    child.birth_date,
                    child.id_number if full else mask_id_number(child.id_number),
                    child.get_residence_display(),
                    _yes(child.poor_household),
                    _yes(child.relocation_site),
                    _yes(child.special_condition),
                    child.caregiver_name,
                    child.caregiver_relation,
                    child.caregiver_phone if full else mask_phone(child.caregiver_phone),
                    consents[0] if consents else None,
                    decision.status,
                    decision.completed_months,
                )

    data, count = write_table(
        "儿童登记",
        CHILD_EXPORT_HEADERS,
        rows(),
        info=_info(params, unit, full, ("截至", today.isoformat())),
        widths=[10, 12, 15, 10, 6, 12, 21, 9, 9, 9, 9, 10, 9, 14, 12, 8, 6],
    )
    _log_export(params, "children", unit, count, full)
    filename = f"儿童登记_{unit.name}_{today:%Y%m%d}.xlsx"
    return RenderedFile(filename, XLSX_MIMETYPE, data, personal_data=True, rows=count, audited=True)


COLLECTION_EXPORT_HEADERS = (
    "所属村",
    "村代码",
    "儿童姓名",
    "性别",
    "出生日期",
    "身份证号",
    "领取日期",
    "月份",
    "包数",
    "领取人",
    "发放人",
)


def render_collections_export(params: ExportParams) -> RenderedFile:
    """发放登记 of the unit's subtree between two dates, masked per role; logged."""
    unit, full = _export_scope(params)
    start, end = _period(params)
    collections = (
        Collection.objects.filter(subtree_q(unit.path, "unit__path"), collected_on__gte=start, collected_on__lte=end)
        .select_related("child", "unit", "issued_by")
        .order_by("unit__path", "collected_on", "id")
    )

    def rows():
        for c in collections.iterator(chunk_size=2000):
            child = c.child
            yield (
                c.unit.name,
                c.unit.code,
                child.name,
                child.get_sex_display(),
                child.birth_date,
                child.id_number if full else mask_id_number(child.id_number),
                c.collected_on,
                c.month,
                c.packs,
                c.collected_by,
                c.issued_by.display_name if c.issued_by else "",
            )

    data, count = write_table(
        "营养包发放登记",
        COLLECTION_EXPORT_HEADERS,
        rows(),
        info=_info(params, unit, full, ("期间", f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}")),
        widths=[12, 15, 10, 6, 12, 21, 12, 9, 6, 10, 10],
    )
    _log_export(params, "collections", unit, count, full, start=start, end=end)
    filename = f"营养包发放登记_{unit.name}_{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return RenderedFile(filename, XLSX_MIMETYPE, data, personal_data=True, rows=count, audited=True)


FOLLOWUP_EXPORT_HEADERS = (
    "所属村",
    "村代码",
    "儿童姓名",
    "性别",
    "出生日期",
    "身份证号",
    "随访日期",
    "血红蛋白(g/L)",
    "海拔校正后血红蛋白(g/L)",
    "贫血",
    "身长/身高(cm)",
    "测量体位",
    "体重(kg)",
    "HAZ",
    "WAZ",
    "WHZ",
    "生长迟缓",
    "低体重",
    "消瘦",
    "近7天服用包数",
    "已添加辅食",
    "已给予咨询指导",
    "看护人知晓项目",
    "备注",
)


def _z(value: float | None, flagged: bool) -> object:
    if value is None:
        return None
    return "异常值" if flagged else round(value, 2)


def _flag(value: bool | None) -> str:
    return "" if value is None else _yes(value)


def render_followups_export(params: ExportParams) -> RenderedFile:
    """个案随访 of the unit's subtree between two dates, with the computed z-scores; masked per role; logged."""
    unit, full = _export_scope(params)
    start, end = _period(params)
    cards = (
        FollowUp.objects.filter(subtree_q(unit.path, "unit__path"), visited_on__gte=start, visited_on__lte=end)
        .select_related("child", "unit")
        .order_by("unit__path", "visited_on", "id")
    )

    def rows():
        for card in cards.iterator(chunk_size=2000):
            child = card.child
            yield (
                card.unit.name,
                card.unit.code,
                child.name,
                child.get_sex_display(),
                child.birth_date,
                child.id_number if full else mask_id_number(child.id_number),
                card.visited_on,
                card.hb_g_l,
                card.hb_adjusted_g_l,
                card.anaemia,
                card.length_cm,
                card.get_position_display(),
                card.weight_kg,
                _z(card.haz, card.haz_flag),
                _z(card.waz, card.waz_flag),
                _z(card.whz, card.whz_flag),
                _flag(card.stunting),
                _flag(card.underweight),
                _flag(card.wasting),
                card.packs_last_7d,
                _yes(card.complementary_feeding),
                _yes(card.counselling_given),
                _yes(card.caregiver_knows),
                card.notes,
            )

    data, count = write_table(
        "个案随访",
        FOLLOWUP_EXPORT_HEADERS,
        rows(),
        info=_info(params, unit, full, ("期间", f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}")),
        widths=[12, 15, 10, 6, 12, 21, 12, 10, 12, 6, 10, 10, 8, 7, 7, 7, 8, 8, 6, 10, 9, 10, 10, 20],
    )
    _log_export(params, "followups", unit, count, full, start=start, end=end)
    filename = f"个案随访_{unit.name}_{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    return RenderedFile(filename, XLSX_MIMETYPE, data, personal_data=True, rows=count, audited=True)


EXPORTS = {
    "children": render_children_export,
    "collections": render_collections_export,
    "followups": render_followups_export,
}
