"""部门信息比对: another department's list (公安, 民政, 残联, birth certificates) matched against the benefit
rosters and the child register; each difference becomes a work item for the unit concerned.

- **Import** (the county health bureau): the columns of each source are in the pack
  (``jiceng/packs/family_planning/department_lists.yaml``); the file is opened through
  ``documents.excel.open_upload`` and read all or nothing — a header that is not the source's, an ID number
  failing GB 11643, an impossible date, an event word the source does not use or a village code outside the
  county refuses the whole file, per cell, and nothing is saved.
- **Matching**: by ID number (the list's number is hashed with the roster's key and compared with the
  people's keyed hashes; the child register's numbers directly), else by name and birth date.
  A benefit recipient who died or moved out → 停发并追回; a birth with no child in the register → 登记儿童;
  a recipient whose name or birth date differs, who married (民政) or whose child's disability grade differs
  (残联) → 核实. Each item is for the village concerned (the recipient's, or the list's village code).
- **Personal data**: a list's rows keep only masked and hashed ID numbers, are scoped to the county, and are
  deleted after ``JICENG_LIST_RETENTION_DAYS`` (default 180) by :func:`purge_expired` (run at every import and
  by ``jiceng benefits purge-lists``); work items keep a masked summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.masking import mask_id_number
from jiceng.audit.recorder import record
from jiceng.benefits import fieldkeys
from jiceng.benefits.models import DepartmentList, Enrolment, FamilyChild, ListRow, Person, WorkItem
from jiceng.documents import excel
from jiceng.documents.hostile import control_message
from jiceng.errors import Conflict, DomainError
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.standards.idnumber import IdNumberError, parse_id_number

LAYOUT_FILE = Path(__file__).resolve().parents[1] / "packs" / "family_planning" / "department_lists.yaml"
FIELDS = ("id_number", "mother_id_number", "name", "birth_date", "event", "event_date", "village_code", "grade")
EVENTS = ("death", "moved_out", "birth", "marriage", "disability")
RUNNING = (Enrolment.State.APPROVED, Enrolment.State.TOWNSHIP_REVIEWED, Enrolment.State.VILLAGE_CHECKED,
           Enrolment.State.DECLARED)  # fmt: skip


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    columns: tuple[tuple[str, str], ...]
    events: dict
    default_event: str

    def spec(self) -> excel.SheetSpec:
        kinds = {"birth_date": excel.DATE, "event_date": excel.DATE, "grade": excel.INT}
        return excel.SheetSpec(
            self.name,
            tuple(
                excel.Column(
                    header,
                    name,
                    kind=kinds.get(name, excel.TEXT),
                    required=name in ("name", "event"),
                    max_length=50,
                    text_only=name in ("id_number", "mother_id_number", "village_code"),
                    min_value=1 if name == "grade" else None,
                    max_value=10 if name == "grade" else None,
                )
                for header, name in self.columns
            ),
            max_rows=300_000,
        )


@cache
def sources(path: Path = LAYOUT_FILE) -> dict[str, Source]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["department_lists"]
    out = {}
    for code, item in raw.items():
        columns = tuple((str(c["header"]), c["field"]) for c in item["columns"])
        unknown = [f for _, f in columns if f not in FIELDS]
        if unknown:
            raise ValueError(f"{path.name}:{code} 的字段 {unknown} 未知(可用:{', '.join(FIELDS)})")
        events = {str(word): event for word, event in (item.get("events") or {}).items()}
        default = item.get("default_event", "")
        if any(e not in EVENTS for e in [*events.values(), *([default] if default else [])]):
            raise ValueError(f"{path.name}:{code} 的事项未知(可用:{', '.join(EVENTS)})")
        if "event" not in {f for _h, f in columns} and not default:
            raise ValueError(f"{path.name}:{code} 既没有事项列也没有 default_event")
        out[code] = Source(code, str(item["name"]), columns, events, default)
    return out


@dataclass
class Entry:
    """A row read and checked (the ID number in clear only in memory, during the import)."""

    row_number: int
    name: str
    birth_date: dt.date | None
    id_number: str
    event: str
    event_date: dt.date | None
    village_id: int | None
    grade: int | None
    mother_id_number: str = ""


@dataclass
class Found:
    kind: str
    unit_id: int
    summary: str
    person_id: int | None = None
    event_date: dt.date | None = None


@dataclass
class Indexes:
    """The county's rosters and register, indexed for matching (built once per import)."""

    person_by_hash: dict[str, tuple] = field(default_factory=dict)  # hash → (id, name, birth, village, running)
    person_by_name: dict[tuple, tuple] = field(default_factory=dict)
    child_ids: set[str] = field(default_factory=set)
    child_names: set[tuple] = field(default_factory=set)
    family_child_grades: dict[tuple, tuple] = field(default_factory=dict)  # (name, birth) → (grade, village)


def build_indexes(county: OrgUnit) -> Indexes:
    from jiceng.nutrition.models import Child

    index = Indexes()
    running = set(
        Enrolment.objects.filter(county=county, state__in=RUNNING, exit__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    people = Person.objects.filter(county=county).values_list(
        "pk", "id_number_hash", "name", "birth_date", "family__village_id", "died_on"
    )
    for pk, id_hash, name, birth, village_id, died_on in people:
        row = (pk, name, birth, village_id, pk in running and died_on is None)
        index.person_by_hash[id_hash] = row
        index.person_by_name[(name, birth)] = row
    for number, name, birth in Child.objects.filter(county=county, merged_into__isnull=True).values_list(
        "id_number", "name", "birth_date"
    ):
        if number:
            index.child_ids.add(number)
        index.child_names.add((name, birth))
    for name, birth, grade, village_id in FamilyChild.objects.filter(family__county=county).values_list(
        "name", "birth_date", "disability_grade", "family__village_id"
    ):
        index.family_child_grades[(name, birth)] = (grade, village_id)
    return index


def match(entries: list[Entry], index: Indexes, hash_of, county_id: int, source_name: str) -> tuple[list[Found], int]:
    """The work items the entries give, and how many entries matched someone (pure: no queries)."""
    found: list[Found] = []
    matched = 0
    for entry in entries:
        masked = mask_id_number(entry.id_number) if entry.id_number else ""
        who = f"{entry.name}({masked})" if masked else entry.name
        if entry.event == "birth":
            known = (entry.id_number and entry.id_number in index.child_ids) or (
                (entry.name, entry.birth_date) in index.child_names
            )
            if known:
                matched += 1
            else:
                found.append(
                    Found(
                        WorkItem.Kind.BIRTH_UNREGISTERED,
                        entry.village_id or county_id,
                        f"{source_name}:{who}{entry.birth_date or ''}出生,儿童登记中没有",
                        event_date=entry.birth_date,
                    )
                )
            continue
        if entry.event == "disability":
            child = index.family_child_grades.get((entry.name, entry.birth_date))
            if child is not None:
                matched += 1
                if child[0] != entry.grade:
                    found.append(
                        Found(
                            WorkItem.Kind.FACTS_DIFFER,
                            child[1],
                            f"{source_name}:{who}残疾等级为{entry.grade}级,计生家庭登记为{child[0] or '无'}",
                            event_date=entry.event_date,
                        )
                    )
            continue
        person = index.person_by_hash.get(hash_of(entry.id_number)) if entry.id_number else None
        by_id = person is not None
        if person is None:
            person = index.person_by_name.get((entry.name, entry.birth_date))
        if person is None:
            continue
        matched += 1
        pk, name, birth, village_id, running = person
        if by_id and (name != entry.name or (entry.birth_date and birth != entry.birth_date)):
            found.append(
                Found(
                    WorkItem.Kind.FACTS_DIFFER,
                    village_id,
                    f"{source_name}:{who}与登记的{name}({birth})姓名或出生日期不一致",
                    pk,
                    entry.event_date,
                )
            )
        if not running:
            continue
        if entry.event == "death":
            kind, words = WorkItem.Kind.RECIPIENT_DIED, "死亡"
        elif entry.event == "moved_out":
            kind, words = WorkItem.Kind.RECIPIENT_MOVED, "迁出"
        else:  # marriage
            kind, words = WorkItem.Kind.FACTS_DIFFER, "结婚登记,请核实家庭子女情况"
        date_words = entry.event_date.isoformat() if entry.event_date else ""
        found.append(Found(kind, village_id, f"{source_name}:扶助对象{who}{date_words}{words}", pk, entry.event_date))
    return found, matched


def _county_of(user) -> OrgUnit:
    node = access.scope_root(user)
    while node is not None and node.level != Level.COUNTY:
        node = node.parent
    if node is None:
        raise DomainError({"county": "部门信息比对在县级进行"})
    return node


@dataclass
class ListOutcome(excel.ImportOutcome):
    department_list: DepartmentList | None = None
    items: int = 0

    def done(self) -> str:
        dl = self.department_list
        return f"已比对 {dl.rows} 行,匹配 {dl.matched} 人,生成待办 {self.items} 条"


def _entries(source: Source, read: excel.SheetRead, county: OrgUnit, errors: list) -> list[Entry]:
    spec = source.spec()
    villages = dict(OrgUnit.objects.filter(path__startswith=county.path, level=Level.VILLAGE).values_list("code", "pk"))
    entries = []
    for row in read.rows:
        if row.bad:
            continue
        values = row.values

        def fail(message: str, name: str, row=row) -> None:
            column = spec.column_for(name)
            errors.append(excel.RowError(message, row.number, spec.letter(column), column.header))

        numbers = {}
        for name in ("id_number", "mother_id_number"):
            raw = str(values.get(name) or "").strip().upper()
            if raw:
                try:
                    raw = parse_id_number(raw).number
                except IdNumberError as error:
                    fail(str(error).split("：", 1)[-1], name)
            numbers[name] = raw
        name = str(values.get("name") or "")
        problem = control_message("姓名", name)
        if problem:
            fail("含有不允许的控制字符", "name")
        event = source.default_event
        if "event" in values:
            word = str(values.get("event") or "").strip()
            event = source.events.get(word, "")
            if not event:
                fail(f"应为{'、'.join(source.events)}之一,实际为“{word[:20]}”", "event")
        village_id = None
        code = str(values.get("village_code") or "").strip()
        if code:
            village_id = villages.get(code)
            if village_id is None:
                fail(f"{code[:20]} 不是本县的村", "village_code")
        entries.append(
            Entry(
                row.number,
                name,
                values.get("birth_date"),
                numbers["id_number"],
                event,
                values.get("event_date"),
                village_id,
                values.get("grade"),
                numbers["mother_id_number"],
            )
        )
    return entries


def retention_days() -> int:
    return int(getattr(settings, "LIST_RETENTION_DAYS", 180))


@transaction.atomic
def import_list(user, source_code: str, upload, file_name: str = "") -> ListOutcome:
    """Read, check and match one department list (all or nothing)."""
    access.require(user, "benefits.lists", "您的角色不能导入部门比对名单")
    if source_code not in sources():
        raise DomainError({"source": f"来源:应为{'、'.join(s.name for s in sources().values())}之一"})
    source = sources()[source_code]
    county = _county_of(user)
    purge_expired(user)
    file_name = (file_name or getattr(upload, "name", "") or "名单.xlsx")[:200]
    if control_message("文件名", file_name):
        file_name = "名单.xlsx"
    read = excel.read_sheet(source.spec(), upload)
    errors = list(read.errors)
    entries = [] if read.fatal else _entries(source, read, county, errors)
    outcome = ListOutcome(excel.ImportReport(rows=len(read.rows), saved=0, errors=errors))
    if errors:
        return outcome
    keys = fieldkeys.current()
    found, matched = match(entries, build_indexes(county), keys.search_hash, county.pk, source.name)
    department_list = DepartmentList.objects.create(
        county=county,
        source=source_code,
        file_name=file_name,
        uploaded_by=user,
        delete_after=timezone.localdate() + dt.timedelta(days=retention_days()),
        rows=len(entries),
        matched=matched,
    )
    ListRow.objects.bulk_create(
        (
            ListRow(
                department_list=department_list,
                row_number=e.row_number,
                name=e.name[:50],
                birth_date=e.birth_date,
                id_hash=keys.search_hash(e.id_number or e.mother_id_number),
                id_masked=mask_id_number(e.id_number or e.mother_id_number),
                event=e.event,
                event_date=e.event_date,
                village_id=e.village_id,
                grade=e.grade,
            )
            for e in entries
        ),
        batch_size=2000,
    )
    WorkItem.objects.bulk_create(
        (
            WorkItem(
                county=county,
                unit_id=f.unit_id,
                kind=f.kind,
                source=source_code,
                department_list=department_list,
                person_id=f.person_id,
                summary=f.summary[:300],
                event_date=f.event_date,
            )
            for f in found
        ),
        batch_size=2000,
    )
    outcome.department_list, outcome.items = department_list, len(found)
    outcome.report.saved = len(entries)
    record(
        actor=user,
        action=actions_catalog.BENEFIT_LIST_IMPORT,
        obj=department_list,
        unit=county,
        after={"source": source_code, "rows": len(entries), "matched": matched, "items": len(found)},
    )
    return outcome


def purge_expired(user=None, today: dt.date | None = None) -> int:
    """Delete the lists whose time is up (their rows go with them; work items keep their summary)."""
    today = today or timezone.localdate()
    expired = list(DepartmentList.objects.filter(delete_after__lt=today))
    for department_list in expired:
        rows = department_list.rows
        ListRow.objects.filter(department_list=department_list).delete()
        department_list.delete()
        record(
            actor=user,
            action=actions_catalog.BENEFIT_LIST_PURGE,
            object_type="benefits.departmentlist",
            object_repr=str(department_list)[:200],
            unit=department_list.county,
            after={"rows": rows},
        )
    return len(expired)


def work_items(user, *, open_only: bool = False):
    rows = access.scoped(user, WorkItem.objects.all(), unit_field="unit").select_related(
        "unit", "person", "resolved_by"
    )
    return rows.filter(resolved_at__isnull=True) if open_only else rows


def counts_by_unit(user) -> list[tuple[OrgUnit, int, int]]:
    """(unit, found, resolved) for every unit with work items in the user's subtree."""
    rows = (
        work_items(user)
        .order_by()
        .values("unit")
        .annotate(found=Count("id"), resolved=Count("id", filter=Q(resolved_at__isnull=False)))
    )
    units = OrgUnit.objects.in_bulk([r["unit"] for r in rows])
    return sorted(((units[r["unit"]], r["found"], r["resolved"]) for r in rows), key=lambda t: t[0].path)


def _may_resolve(user) -> bool:
    return any(access.can(user, c) for c in ("benefits.declare", "benefits.review", "benefits.approve"))


@transaction.atomic
def resolve(user, item: WorkItem, note: str) -> WorkItem:
    """处理 a work item with a note (what was done), by a named person."""
    if not _may_resolve(user):
        raise access.AccessDenied("您的角色不能处理比对待办")
    access.require_unit_in_scope(user, item.unit)
    note = (note or "").strip()
    problem = control_message("处理情况", note)
    if problem or not note or len(note) > 500:
        raise DomainError({"note": problem or "处理情况:必须填写,且不超过500字"})
    current = WorkItem.objects.select_for_update().get(pk=item.pk)
    if not current.is_open:
        raise Conflict(f"这条待办已由{current.resolved_by}处理")
    current.note, current.resolved_by, current.resolved_at = note, user, timezone.now()
    current.save(update_fields=["note", "resolved_by", "resolved_at"])
    record(actor=user, action=actions_catalog.BENEFIT_WORK_ITEM_RESOLVE, obj=current, unit=current.unit, reason=note)
    return current


@transaction.atomic
def stop_payment(user, item: WorkItem) -> WorkItem:
    """For a recipient who died or moved: record the exit from the list's date (payment stops from the next
    month, the overpayment is computed) and resolve the item saying so."""
    from jiceng.benefits import actions

    if item.kind not in (WorkItem.Kind.RECIPIENT_DIED, WorkItem.Kind.RECIPIENT_MOVED) or item.person is None:
        raise DomainError({"item": "只有扶助对象死亡或迁出的待办可以直接停发"})
    if item.event_date is None:
        raise DomainError({"item": "名单没有写明日期,请在对象页面登记退出"})
    reason = "death" if item.kind == WorkItem.Kind.RECIPIENT_DIED else "moved_out"
    exits = actions.record_exit(user, item.person, reason, item.event_date, f"部门信息比对:{item.summary}"[:500])
    total = sum((e.overpayment for e in exits), 0)
    note = f"已登记退出,{exits[0].stop_month:%Y-%m}起停发,应追回{total:.2f}元"
    return resolve(user, item, note)
