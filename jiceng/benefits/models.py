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
    notice = models.ForeignKey("Notice", on_delete=models.SET_NULL, null=True, blank=True, related_name="entries")
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


class Notice(models.Model):
    """公示: the list of one village's enrolments of a year, posted for a notice period before payment."""

    village = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    published_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "village_id"]
        verbose_name = _("公示")
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="benefit_notice_village_year")]

    def __str__(self) -> str:
        return f"{self.village.name}{self.year}年奖励扶助对象公示"


class Objection(models.Model):
    """公示期间的异议 about one enrolment, resolved (upheld or not) with a note by a named person."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="objections")
    raised_on = models.DateField(_("提出日期"))
    objector = models.CharField(_("反映人"), max_length=50)
    content = models.CharField(_("异议内容"), max_length=500)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("核实结果"), max_length=500, blank=True)
    upheld = models.BooleanField(_("异议成立"), null=True)

    class Meta:
        ordering = ["raised_on", "id"]
        verbose_name = _("公示异议")

    def __str__(self) -> str:
        return f"{self.enrolment} 的异议({self.raised_on})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class PaymentBatch(models.Model):
    """一批兑现: one scheme's payments for some months of a year, sent to the bank as a one-card file and
    read back from the bank's return file."""

    class State(models.TextChoices):
        DRAFT = "draft", _("待发送")
        RETURNED = "returned", _("银行已回盘")

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    scheme = models.CharField(_("项目"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    first_month = models.PositiveSmallIntegerField(_("起始月"))
    last_month = models.PositiveSmallIntegerField(_("截止月"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("兑现批次")

    def __str__(self) -> str:
        months = (
            f"{self.first_month}月"
            if self.first_month == self.last_month
            else f"{self.first_month}-{self.last_month}月"
        )
        return f"{self.year}年{months}{self.scheme}兑现(第{self.pk}批)"


class Payment(models.Model):
    """One person's payment in a batch: pending until the bank's return file says paid or failed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待回盘")
        PAID = "paid", _("已发放")
        FAILED = "failed", _("发放失败")

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="payments")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="payments")
    first_month = models.PositiveSmallIntegerField()
    last_month = models.PositiveSmallIntegerField()
    amount = models.DecimalField(_("金额"), max_digits=11, decimal_places=2)
    status = models.CharField(_("结果"), max_length=8, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    follow_up = models.CharField(_("跟进情况"), max_length=500, blank=True)

    class Meta:
        ordering = ["batch_id", "enrolment__village_id", "id"]
        verbose_name = _("兑现明细")
        constraints = [models.UniqueConstraint(fields=["batch", "enrolment"], name="benefit_payment_once_a_batch")]

    def __str__(self) -> str:
        return f"{self.enrolment.person.name} {self.amount}元"


class Exit(models.Model):
    """退出: death, moving out or the end of eligibility; payment stops from ``stop_month`` and whatever was
    paid for later months is an overpayment to recover."""

    class Reason(models.TextChoices):
        DEATH = "death", _("死亡")
        MOVED_OUT = "moved_out", _("迁出")
        ENDED = "ended", _("不再符合条件")

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="exit")
    reason = models.CharField(_("退出原因"), max_length=10, choices=Reason.choices)
    event_date = models.DateField(_("发生日期"))
    stop_month = models.DateField(_("停发月份"))  # the first day of the first month not payable
    overpayment = models.DecimalField(_("应追回金额"), max_digits=11, decimal_places=2, default=0)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-event_date"]
        verbose_name = _("退出")

    def __str__(self) -> str:
        return f"{self.enrolment} {self.get_reason_display()}({self.event_date})"


class DepartmentList(models.Model):
    """部门信息比对: one list from another department (公安, 民政, 残联, the hospitals' birth certificates),
    imported by the county and matched against the benefit rosters and the child register. Personal data:
    its rows are deleted after ``delete_after`` (the work items it produced keep a masked summary)."""

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=20)
    file_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    delete_after = models.DateField(_("删除日期"))
    rows = models.PositiveIntegerField(_("行数"), default=0)
    matched = models.PositiveIntegerField(_("匹配人数"), default=0)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("部门比对名单")

    def __str__(self) -> str:
        return f"{self.file_name}({self.uploaded_at:%Y-%m-%d})"


class ListRow(models.Model):
    """One row of a department list, kept until the list is deleted; the ID number only as its keyed hash
    and masked."""

    department_list = models.ForeignKey(DepartmentList, on_delete=models.CASCADE, related_name="entries")
    row_number = models.PositiveIntegerField()
    name = models.CharField(max_length=50)
    birth_date = models.DateField(null=True)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    id_masked = models.CharField(max_length=18, blank=True)
    event = models.CharField(max_length=12)
    event_date = models.DateField(null=True)
    village = models.ForeignKey("orgunits.OrgUnit", on_delete=models.SET_NULL, null=True, related_name="+")
    grade = models.PositiveSmallIntegerField(null=True)

    class Meta:
        ordering = ["department_list_id", "row_number"]

    def __str__(self) -> str:
        return f"{self.name} {self.event}"


class WorkItem(models.Model):
    """A difference found by a list check, for the unit concerned, resolved with a note by a named person."""

    class Kind(models.TextChoices):
        RECIPIENT_DIED = "recipient_died", _("扶助对象已死亡:停发并追回")
        RECIPIENT_MOVED = "recipient_moved", _("扶助对象已迁出:停发并追回")
        BIRTH_UNREGISTERED = "birth_unregistered", _("新生儿未登记:登记儿童")
        FACTS_DIFFER = "facts_differ", _("信息不一致:核实")

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=20)
    department_list = models.ForeignKey(DepartmentList, on_delete=models.SET_NULL, null=True, related_name="items")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, related_name="work_items")
    summary = models.CharField(_("情况"), max_length=300)  # masked: no full ID number
    event_date = models.DateField(null=True)
    found_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("处理情况"), max_length=500, blank=True)

    class Meta:
        ordering = ["resolved_at", "-found_at"]
        verbose_name = _("比对待办")
        indexes = [models.Index(fields=["county", "resolved_at"], name="benefit_workitem_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}:{self.summary}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
