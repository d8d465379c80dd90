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
