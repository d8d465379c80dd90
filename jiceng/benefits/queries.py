"""Reading the benefit rosters: the facts the rules need, the rules' decision, rosters and one person's
numbers as the reader may see them (full only for the roles that pay, :func:`shows_full_numbers`)."""

from __future__ import annotations

from django.db.models import QuerySet

from jiceng.accounts import access
from jiceng.audit.masking import mask_bank_account, mask_id_number
from jiceng.benefits.models import Certificate, Enrolment, Person
from jiceng.benefits.rules import schemes


def facts_of(person: Person) -> schemes.PersonFacts:
    """The rules' view of a person and their family."""
    family = person.family
    people = list(family.people.all())
    mother = next((p for p in people if p.role == Person.Role.MOTHER), None)
    certificates = {c.kind for c in family.certificates.all()}
    paid_once = Enrolment.objects.filter(
        person__family=family, scheme=schemes.SSKF, state=Enrolment.State.APPROVED
    ).exists()
    return schemes.PersonFacts(
        birth_date=person.birth_date,
        sex=person.sex,
        rural=person.rural,
        children=tuple(
            schemes.ChildFacts(c.birth_date, c.sex, c.status, c.disability_grade, c.adopted)
            for c in family.children.all()
        ),
        mother_birth_date=mother.birth_date if mother else None,
        out_of_policy_birth_years=tuple(family.out_of_policy_birth_years or ()),
        only_child_certificate=Certificate.Kind.ONLY_CHILD in certificates,
        complication_grade=person.complication_grade,
        gave_up_entitlement=person.gave_up_entitlement,
        long_acting_contraception=person.long_acting_contraception,
        already_paid_once=paid_once,
        died_on=person.died_on,
    )


def decision_for(person: Person, scheme: str, year: int, category: str = "") -> schemes.Decision:
    return schemes.decide(scheme, facts_of(person), year, category)


def shows_full_numbers(user) -> bool:
    """Full ID and bank-account numbers only for the roles that pay (the county health bureau)."""
    return access.can(user, "benefits.view_full_identity")


def numbers_for(user, person: Person) -> tuple[str, str]:
    """(ID number, bank account) as ``user`` may see them."""
    if shows_full_numbers(user):
        return person.id_number, person.bank_account
    return mask_id_number(person.id_number), mask_bank_account(person.bank_account)


def enrolments(user, *, year: int | None = None, scheme: str = "", state: str = "") -> QuerySet[Enrolment]:
    """The enrolments in the user's subtree."""
    rows = access.scoped(user, Enrolment.objects.all(), unit_field="village").select_related(
        "person",
        "person__family",
        "village",
        "declared_by",
        "village_checked_by",
        "township_reviewed_by",
        "approved_by",
        "returned_by",
    )
    if year:
        rows = rows.filter(year=year)
    if scheme:
        rows = rows.filter(scheme=scheme)
    if state:
        rows = rows.filter(state=state)
    return rows


def people(user) -> QuerySet[Person]:
    return access.scoped(user, Person.objects.all(), unit_field="family__village").select_related(
        "family", "family__village"
    )


def masked_id(person: Person) -> str:
    return mask_id_number(person.id_number)


def state_counts(user, year: int, scheme: str = "") -> list[tuple[str, str, int]]:
    """(state, label, count) of a year's enrolments in the user's subtree."""
    from django.db.models import Count

    rows = enrolments(user, year=year, scheme=scheme).order_by().values("state").annotate(n=Count("id"))
    found = {row["state"]: row["n"] for row in rows}
    return [(state, label, found.get(state, 0)) for state, label in Enrolment.State.choices]


# the step each role takes, the state it takes it from, and its label
STEPS = (
    ("village_check", "benefits.village_check", (Enrolment.State.DECLARED, Enrolment.State.RETURNED), "村初审通过"),
    ("township_review", "benefits.review", (Enrolment.State.VILLAGE_CHECKED,), "乡镇审核通过"),
    ("approve", "benefits.approve", (Enrolment.State.TOWNSHIP_REVIEWED,), "县审批通过"),
)
RETURNS = {
    Enrolment.State.DECLARED: "benefits.village_check",
    Enrolment.State.VILLAGE_CHECKED: "benefits.review",
    Enrolment.State.TOWNSHIP_REVIEWED: "benefits.approve",
}


def next_step_for(user) -> str:
    """The state whose enrolments wait for this user (for the roster's 待我处理 filter), or ''."""
    for _step, capability, states, _label in STEPS:
        if access.can(user, capability):
            return states[0]
    return ""


def steps_for(user, enrolment: Enrolment) -> list[tuple[str, str]]:
    """(step, label) the user may take on this enrolment now; 'return' needs a reason."""
    out = [
        (step, label)
        for step, capability, states, label in STEPS
        if enrolment.state in states and access.can(user, capability)
    ]
    capability = RETURNS.get(enrolment.state)
    if capability and access.can(user, capability):
        out.append(("return", "退回"))
    return out
