"""Family-planning benefits (计划生育奖励扶助): families, the people who receive, their children and
certificates, and each year's enrolments reviewed village → township → county.

ID numbers and bank accounts are stored encrypted (``*_token``, :mod:`jiceng.benefits.fieldkeys`) with a
keyed hash beside them (``*_hash``) for look-ups; the clear value is read through a property and never
stored. Tables that grow carry their county.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.benefits import fieldkeys
from jiceng.benefits.rules import schemes


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Family(models.Model):
    """一户计划生育家庭: the household in its village."""

    village = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("村"))
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("住址"), max_length=100, blank=True)
    out_of_policy_birth_years = models.JSONField(_("违反政策生育的年份"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["village_id", "id"]
        verbose_name = _("计生家庭")

    def __str__(self) -> str:
        names = "、".join(person.name for person in self.people.all())
        return f"{names or '家庭'}({self.village.name})"


class Person(models.Model):
    """父亲 or 母亲 of a family: the person a benefit is paid to."""

    class Role(models.TextChoices):
        FATHER = "father", _("父亲")
        MOTHER = "mother", _("母亲")

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="people")
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("家庭角色"), max_length=8, choices=Role.choices)
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number_token = models.TextField(_("身份证号(密文)"))
    id_number_hash = models.CharField(max_length=64, unique=True)
    rural = models.BooleanField(_("农业户口"), default=True)
    complication_grade = models.PositiveSmallIntegerField(_("手术并发症等级"), null=True, blank=True)
    gave_up_entitlement = models.BooleanField(_("自愿放弃再生育"), default=False)
    long_acting_contraception = models.BooleanField(_("已落实长效节育措施"), default=False)
    bank_name = models.CharField(_("开户银行"), max_length=50, blank=True)
    bank_account_token = models.TextField(_("银行账号(密文)"), blank=True)
    bank_account_hash = models.CharField(max_length=64, blank=True, db_index=True)
    died_on = models.DateField(_("死亡日期"), null=True, blank=True)
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["family_id", "role"]
        verbose_name = _("扶助对象")
        constraints = [models.UniqueConstraint(fields=["family", "role"], name="benefit_person_family_role")]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        return fieldkeys.current().decrypt(self.id_number_token)

    @property
    def bank_account(self) -> str:
        return fieldkeys.current().decrypt(self.bank_account_token)

    def set_id_number(self, number: str) -> None:
        keys = fieldkeys.current()
        self.id_number_token, self.id_number_hash = keys.encrypt(number), keys.search_hash(number)

    def set_bank_account(self, number: str) -> None:
        keys = fieldkeys.current()
        self.bank_account_token, self.bank_account_hash = keys.encrypt(number), keys.search_hash(number)


class FamilyChild(models.Model):
    """子女 of a family, with the facts the schemes need."""

    class Status(models.TextChoices):
        ALIVE = schemes.ALIVE, _("存活")
        DIED = schemes.DIED, _("死亡")

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    status = models.CharField(_("状态"), max_length=4, choices=Status.choices, default=Status.ALIVE)
    died_on = models.DateField(_("死亡日期"), null=True, blank=True)
    disability_grade = models.PositiveSmallIntegerField(_("伤病残等级"), null=True, blank=True)
    adopted = models.BooleanField(_("合法收养"), default=False)

    class Meta:
        ordering = ["family_id", "birth_date", "id"]
        verbose_name = _("子女")

    def __str__(self) -> str:
        return f"{self.name}({self.birth_date:%Y-%m-%d})"


class Certificate(models.Model):
    """A certificate the family holds (光荣证, 残疾证, 手术并发症鉴定, 放弃生育承诺书…)."""

    class Kind(models.TextChoices):
        ONLY_CHILD = "only_child", _("独生子女父母光荣证")
        DISABILITY = "disability", _("残疾证")
        COMPLICATION = "complication", _("计划生育手术并发症鉴定书")
        DEATH = "death", _("死亡证明")
        GIVE_UP = "give_up", _("自愿放弃再生育承诺书")

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="certificates")
    kind = models.CharField(_("证件"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("证件编号"), max_length=40)
    issued_on = models.DateField(_("发证日期"))

    class Meta:
        ordering = ["family_id", "issued_on"]
        verbose_name = _("证件")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Enrolment(models.Model):
    """一年一个项目的资格确认: declared, checked by the village, reviewed by the township, approved by the
    county, each step named; returned with a reason at any step."""

    class State(models.TextChoices):
        DECLARED = "declared", _("已申报")
        VILLAGE_CHECKED = "village_checked", _("村已初审")
        TOWNSHIP_REVIEWED = "township_reviewed", _("乡镇已审核")
        APPROVED = "approved", _("县已审批")
        RETURNED = "returned", _("已退回")
        EXITED = "exited", _("已退出")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    village = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    scheme = models.CharField(_("项目"), max_length=12, choices=[(s, s) for s in schemes.SCHEMES])
    category = models.CharField(_("类别"), max_length=8, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DECLARED)
    eligible = models.BooleanField(_("规则判断符合"), default=False)
    rules_says = models.TextField(_("规则说明"), blank=True)
    per_month = models.DecimalField(_("每月金额"), max_digits=9, decimal_places=2, default=0)
    per_year = models.DecimalField(_("年度金额"), max_digits=9, decimal_places=2, default=0)
    new_entrant = models.BooleanField(_("新增"), default=True)
    override_reason = models.CharField(_("规则不符仍审批的理由"), max_length=500, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    declared_at = models.DateTimeField(null=True)
    village_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    village_checked_at = models.DateTimeField(null=True)
    township_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    township_reviewed_at = models.DateTimeField(null=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    approved_at = models.DateTimeField(null=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    returned_at = models.DateTimeField(null=True)
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["village_id", "scheme", "person_id"]
        verbose_name = _("资格确认")
        constraints = [
            models.UniqueConstraint(fields=["person", "scheme", "year"], name="benefit_enrolment_once_a_year")
        ]
        indexes = [models.Index(fields=["county", "year", "scheme", "state"], name="benefit_enrol_county_year")]

    def __str__(self) -> str:
        return f"{self.year}年{self.scheme}{f'({self.category})' if self.category else ''} {self.person.name}"
