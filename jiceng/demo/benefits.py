"""Three years of family-planning benefit rosters for the demo county, through the benefits' own actions.

The township of the demo's township users (xz_officer, xz_reviewer) registers its villages' families in
2024 — 奖扶 parents of 60 and over, 特扶 families (an only child died or disabled), 独生子女 families and a few
少生快富 — and every year declares, checks, reviews, approves (the county, wjj), posts the notice per village,
pays (特扶 by quarter, the others once a year) through one-card files read back with a few failures, and
records the year's deaths with their overpayments; each next year starts from the last year's roster, with
new entrants (parents turning 60, new 特扶 families). In 2026 the first village (cunyi's) also has a family
just declared, one checked by the village, one returned with a reason and an objection still open.
Deterministic: the same county gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from jiceng.accounts.models import Role, User
from jiceng.benefits import actions, payments
from jiceng.benefits.models import Enrolment, Payment, Person
from jiceng.benefits.rules import schemes
from jiceng.demo.generator import _adult_name
from jiceng.errors import DomainError
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.standards.idnumber import make_id_number

D = dt.date
YEARS = (2024, 2025, 2026)
FAILURES = ("账户已销户", "户名与账号不符", "账户冻结")


class _Ids:
    """Unique valid ID numbers for the demo's parents."""

    def __init__(self, area: str):
        self.area, self.used = area, set()

    def make(self, rng: random.Random, birth: D, sex: str) -> str:
        while True:
            number = make_id_number(self.area, birth, rng.randrange(500), sex)
            if number not in self.used:
                self.used.add(number)
                return number


def _day(rng: random.Random, first: D, last: D) -> D:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _account(rng: random.Random) -> str:
    return "6223" + "".join(str(rng.randrange(10)) for _ in range(15))


def _family(rng, ids, village, kind: str, year: int) -> actions.FamilyInput:
    surname = _adult_name(rng, "man")[0]
    if kind == "jiangfu":
        father_birth = _day(rng, D(1944, 1, 1), D(year - 60, 12, 31))
        mother_birth = _day(rng, father_birth, min(D(father_birth.year + 6, 12, 31), D(year - 55, 12, 31)))
        shape = rng.choice(("one", "one", "two_girls", "died"))
        first = _day(rng, D(mother_birth.year + 21, 1, 1), D(mother_birth.year + 27, 12, 31))
        children = [
            actions.ChildInput(_adult_name(rng, "woman", surname), "F" if shape != "one" else rng.choice("MF"), first)
        ]
        if shape == "two_girls":
            children.append(actions.ChildInput(_adult_name(rng, "woman", surname), "F", first + dt.timedelta(days=900)))
        if shape == "died":
            children[0].status, children[0].died_on = (
                schemes.DIED,
                _day(rng, first + dt.timedelta(days=3650), D(2015, 1, 1)),
            )
        certificates = []
    elif kind == "tefu":
        mother_birth = _day(rng, D(1950, 1, 1), D(year - 49, 12, 31))
        father_birth = mother_birth - dt.timedelta(days=rng.randrange(0, 1500))
        birth = _day(rng, D(mother_birth.year + 22, 1, 1), D(mother_birth.year + 30, 12, 31))
        child = actions.ChildInput(_adult_name(rng, rng.choice(("man", "woman")), surname), rng.choice("MF"), birth)
        if rng.random() < 0.7:
            child.status, child.died_on = schemes.DIED, _day(rng, birth + dt.timedelta(days=2000), D(year - 1, 6, 30))
        else:
            child.disability_grade = rng.choice((1, 2, 2, 3))
        children, certificates = (
            [child],
            [actions.CertificateInput("only_child", f"黔独{rng.randrange(10**6):06d}", D(birth.year + 1, 3, 1))],
        )
    elif kind == "only_child":
        mother_birth = _day(rng, D(1980, 1, 1), D(1992, 12, 31))
        father_birth = mother_birth - dt.timedelta(days=rng.randrange(0, 1500))
        birth = _day(rng, D(max(mother_birth.year + 22, 2009), 1, 1), D(2020, 12, 31))
        children = [
            actions.ChildInput(_adult_name(rng, rng.choice(("man", "woman")), surname), rng.choice("MF"), birth)
        ]
        certificates = [actions.CertificateInput("only_child", f"黔独{rng.randrange(10**6):06d}", D(birth.year, 12, 1))]
    else:  # sskf
        mother_birth = _day(rng, D(1982, 1, 1), D(1992, 12, 31))
        father_birth = mother_birth - dt.timedelta(days=rng.randrange(0, 1500))
        first = _day(rng, D(mother_birth.year + 21, 1, 1), D(mother_birth.year + 25, 12, 31))
        children = [
            actions.ChildInput(_adult_name(rng, "woman", surname), "F", first),
            actions.ChildInput(_adult_name(rng, "woman", surname), "F", first + dt.timedelta(days=1100)),
        ]
        certificates = [actions.CertificateInput("give_up", f"放弃{rng.randrange(10**5):05d}", D(year - 1, 11, 1))]
    rural = kind != "only_child" or rng.random() < 0.3
    people = [
        actions.PersonInput(
            "mother",
            _adult_name(rng, "woman"),
            "F",
            mother_birth,
            ids.make(rng, mother_birth, "F"),
            rural,
            "农村信用社",
            _account(rng),
            gave_up_entitlement=kind == "sskf",
            long_acting_contraception=kind == "sskf",
        ),
        actions.PersonInput(
            "father",
            surname + _adult_name(rng, "man")[1:],
            "M",
            father_birth,
            ids.make(rng, father_birth, "M"),
            rural,
            "农村信用社",
            _account(rng),
            gave_up_entitlement=kind == "sskf",
            long_acting_contraception=kind == "sskf",
        ),
    ]
    return actions.FamilyInput(village.code, f"{village.name}{rng.randrange(1, 9)}组", people, children, certificates)


def _return_file(batch, rng: random.Random, failure_rate: float) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "回盘明细"
    sheet.append(["身份证号码", "姓名", "发放金额", "处理结果", "失败原因"])
    for payment in batch.payments.select_related("enrolment__person"):
        person = payment.enrolment.person
        failed = rng.random() < failure_rate
        sheet.append(
            [
                person.id_number,
                person.name,
                float(payment.amount),
                "失败" if failed else "成功",
                rng.choice(FAILURES) if failed else "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _pay(wjj, rng, scheme: str, year: int, first: int, last: int) -> None:
    try:
        batch, _skipped = payments.create_batch(wjj, scheme, year, first, last)
    except DomainError:  # nobody payable: nothing to pay this time
        return
    outcome = payments.read_return_file(wjj, batch, _return_file(batch, rng, 0.03))
    if not outcome.ok:
        raise RuntimeError("; ".join(str(error) for error in outcome.errors[:5]))
    for failed in batch.payments.filter(status=Payment.Status.FAILED)[:2]:
        payments.follow_up(wjj, failed, "已通知本人到信用社核实账户,下批补发")


def _review_year(officer, reviewer, wjj, year: int) -> None:
    for enrolment in Enrolment.objects.filter(year=year, state=Enrolment.State.DECLARED).select_related(
        "village", "person"
    ):
        enrolment = actions.village_check(officer, enrolment)
        enrolment = actions.township_review(reviewer, enrolment)
        if enrolment.eligible:
            actions.approve(wjj, enrolment)
        else:
            actions.return_enrolment(wjj, enrolment, f"规则判断不符合:{enrolment.rules_says}")


@transaction.atomic  # one commit: every action inside would otherwise commit (and sync) on its own
def load_benefit_history(county_code: str, as_of: D) -> dict[str, int]:
    county = OrgUnit.objects.get(code=county_code)
    officer = User.objects.filter(role=Role.TOWNSHIP_OFFICER, unit__parent=county).order_by("username").first()
    if officer is None:
        return {}
    township = officer.unit
    reviewer = User.objects.filter(role=Role.TOWNSHIP_REVIEWER, unit=township).first()
    wjj = User.objects.filter(role=Role.COUNTY_BUREAU, unit__parent=county).first()
    if reviewer is None or wjj is None:
        return {}
    doctor = User.objects.filter(role=Role.VILLAGE_DOCTOR, unit__parent=township).order_by("username").first()
    villages = list(OrgUnit.objects.filter(parent=township, level=Level.VILLAGE, active=True).order_by("code"))
    first_village = doctor.unit if doctor else villages[0]
    rng = random.Random(f"jiceng-demo/benefits/{county_code}")
    ids = _Ids(county_code[:6])
    today = timezone.localdate()
    families = 0
    for year in YEARS:
        if year > as_of.year:
            break
        if year == YEARS[0]:
            for village in villages:
                for kind, count in (
                    ("jiangfu", rng.randint(4, 7)),
                    ("tefu", rng.randint(1, 3)),
                    ("only_child", rng.randint(2, 4)),
                    ("sskf", rng.randint(0, 1)),
                ):
                    for _ in range(count):
                        family = actions.register_family(officer, _family(rng, ids, village, kind, year))
                        families += 1
                        _declare_family(officer, family, kind, year)
        else:
            actions.carry_forward(wjj, year - 1)
            for village in rng.sample(villages, k=max(1, len(villages) // 3)):  # new 特扶 families
                family = actions.register_family(officer, _family(rng, ids, village, "tefu", year))
                families += 1
                _declare_family(officer, family, "tefu", year)
            turning = Person.objects.filter(
                family__village__in=villages, birth_date__year=year - 60, died_on__isnull=True
            )
            for person in turning.exclude(enrolments__scheme=schemes.JIANGFU):  # 新增: turning 60 this year
                if schemes.decide(schemes.JIANGFU, _facts(person), year).eligible:
                    actions.declare(officer, person, schemes.JIANGFU, year)
        _review_year(officer, reviewer, wjj, year)
        for village in villages:
            if Enrolment.objects.filter(village=village, year=year, state=Enrolment.State.APPROVED).exists():
                actions.publish_notice(reviewer, village.code, year, D(year, 1, 5), D(year, 1, 14))
        approved = list(Enrolment.objects.filter(year=year, state=Enrolment.State.APPROVED).select_related("person"))
        objected = rng.choice(approved)
        objection = actions.record_objection(officer, objected, "村民", "反映其子女在外地务工,并非死亡", D(year, 1, 9))
        actions.resolve_objection(reviewer, objection, "经入户核实并查验死亡证明,情况属实,异议不成立", False)
        _pay(wjj, rng, schemes.JIANGFU, year, 1, 12)
        _pay(wjj, rng, schemes.ONLY_CHILD, year, 1, 12)
        if year == YEARS[0]:
            _pay(wjj, rng, schemes.SSKF, year, 1, 12)
        for quarter in range(4):
            first, last = quarter * 3 + 1, quarter * 3 + 3
            if D(year, last, 28) > min(as_of, today):
                break
            _pay(wjj, rng, schemes.TEFU, year, first, last)
            living = [e for e in approved if e.scheme in (schemes.JIANGFU, schemes.TEFU) and e.person.died_on is None]
            for enrolment in rng.sample(living, k=max(1, len(living) // 60)):  # about 6–7% a year die
                person = Person.objects.get(pk=enrolment.person_id)
                if person.died_on is None:
                    day = _day(rng, D(year, first, 1), D(year, last, 28))
                    if day <= today:
                        actions.record_exit(officer, person, "death", day, "村委会报告,已核实死亡证明")
    _current_year_work(rng, ids, officer, doctor, first_village, as_of.year)
    _gongan_list(rng, wjj, county, villages, first_village, min(as_of, today))
    return {"families": families, "enrolments": Enrolment.objects.filter(county=county).count()}


def _facts(person):
    from jiceng.benefits.queries import facts_of

    return facts_of(person)


def _declare_family(user, family, kind: str, year: int) -> None:
    scheme = {"jiangfu": schemes.JIANGFU, "tefu": schemes.TEFU, "only_child": schemes.ONLY_CHILD, "sskf": schemes.SSKF}[
        kind
    ]
    for person in family.people.all():
        if scheme == schemes.JIANGFU and year - person.birth_date.year < 60:
            continue  # declared in the year they turn 60
        actions.declare(user, person, scheme, year)


def _current_year_work(rng, ids, officer, doctor, village, year: int) -> None:
    """This year's work in cunyi's village, at every step of the chain."""
    declarer = doctor or officer
    states = []
    for _ in range(3):
        family = actions.register_family(declarer, _family(rng, ids, village, "tefu", year))
        states.append([actions.declare(declarer, p, schemes.TEFU, year) for p in family.people.all()])
    for enrolment in states[1]:
        actions.village_check(declarer, enrolment)
    for enrolment in states[2]:
        actions.return_enrolment(declarer, enrolment, "缺少独生子女死亡证明,请补充后重新申报")
    approved = Enrolment.objects.filter(village=village, year=year, state=Enrolment.State.APPROVED).first()
    if approved is not None and approved.notice_id:
        actions.record_objection(officer, approved, "同组村民", "反映其已再婚并收养子女", D(year, 1, 12))


def _gongan_list(rng, wjj, county, villages, first_village, day: D) -> None:
    """The 公安 list of the last month: two recipients who died (one in cunyi's village), births of which
    some are not in the child register, and people on no roster; imported and matched like any list."""
    from jiceng.benefits import lists
    from jiceng.nutrition.models import Child

    book = Workbook()
    sheet = book.active
    sheet.title = "公安户籍变动"
    sheet.append(["公民身份号码", "姓名", "出生日期", "变动类型", "变动日期", "户籍地村代码"])
    running = Enrolment.objects.filter(county=county, year=day.year, state=Enrolment.State.APPROVED)
    died = [running.filter(village=first_village).first(), running.exclude(village=first_village).first()]
    event = day.replace(day=1) - dt.timedelta(days=12)
    for enrolment in filter(None, died):
        person = enrolment.person
        sheet.append([person.id_number, person.name, person.birth_date, "死亡", event, ""])
    for child in Child.objects.filter(county=county).exclude(id_number="").order_by("-birth_date")[:3]:
        sheet.append([child.id_number, child.name, child.birth_date, "出生", child.birth_date, child.village.code])
    for n in range(4):
        birth = event - dt.timedelta(days=rng.randrange(40))
        village = first_village if n == 0 else rng.choice(villages)
        name = _adult_name(rng, rng.choice(("man", "woman")))
        sheet.append(["", name, birth, "出生", birth + dt.timedelta(days=20), village.code])
    for _ in range(20):
        birth = _day(rng, D(1940, 1, 1), D(2000, 12, 31))
        sex = rng.choice("MF")
        sheet.append(
            [
                make_id_number(county.code[:6], birth, rng.randrange(500), sex),
                _adult_name(rng, "man"),
                birth,
                rng.choice(("死亡", "迁出")),
                event,
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    outcome = lists.import_list(wjj, "gongan", buffer, f"公安户籍变动{event:%Y年%m月}.xlsx")
    if not outcome.ok:
        raise RuntimeError("; ".join(str(error) for error in outcome.errors[:5]))
