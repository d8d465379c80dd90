"""Supervision (督导检查) and rectification (整改): inspection plans and records filled against a pack
checklist, the findings (问题) they or the data produce, the rectification notice (整改通知书) and each
finding's closed loop 待整改 → 已反馈 → 已复查 → 已销号 (or back to 待整改 with a reason).

Nothing is deleted: a mistaken record is withdrawn (撤销) with a reason and counts nowhere; every step of a
finding is a row of its timeline (:class:`FindingEvent`) as well as an audit row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InspectionPlan(models.Model):
    """检查方案: a checklist, the units to inspect, the inspectors and the period."""

    name = models.CharField(_("方案名称"), max_length=200)
    checklist = models.CharField(_("检查表"), max_length=40)
    owner = models.ForeignKey(
        "orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("检查单位")
    )
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200)
    units = models.ManyToManyField("orgunits.OrgUnit", related_name="+", verbose_name=_("被检查单位"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("检查方案")
        indexes = [models.Index(fields=["county", "starts_on"], name="sup_plan_county_start")]

    def __str__(self) -> str:
        return self.name


class InspectionRecord(models.Model):
    """检查记录: one unit inspected on one day, each checklist item's result and score."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="records")
    checklist = models.CharField(_("检查表"), max_length=40)
    unit = models.ForeignKey(
        "orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("被检查单位")
    )
    inspector_unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200)
    representative = models.CharField(_("被检查单位负责人"), max_length=50)
    remarks = models.TextField(_("备注"), blank=True)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=1)
    max_score = models.DecimalField(_("满分"), max_digits=6, decimal_places=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn = models.BooleanField(_("已撤销"), default=False)
    withdrawn_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("检查记录")
        indexes = [models.Index(fields=["county", "inspected_on"], name="sup_record_county_day")]

    def __str__(self) -> str:
        return f"{self.inspected_on:%Y-%m-%d} {self.unit.name}"


class ItemResult(models.Model):
    """One checklist item of a record; the item's text and full score are copied from the checklist."""

    record = models.ForeignKey(InspectionRecord, on_delete=models.CASCADE, related_name="results")
    item_code = models.CharField(max_length=20)
    topic = models.CharField(max_length=100)
    text = models.CharField(max_length=300)
    max_score = models.DecimalField(max_digits=5, decimal_places=1)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    met = models.BooleanField(_("符合"), default=True)
    remark = models.CharField(_("情况说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.item_code} {self.score}/{self.max_score}"


class Notice(models.Model):
    """整改通知书: numbered per issuing unit and year (上坝卫整〔2026〕12号); the unit confirms receipt."""

    issuer_unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("整改单位"))
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    prefix = models.CharField(max_length=20)
    issued_on = models.DateField(_("下发日期"))
    deadline = models.DateField(_("整改期限"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    issuer_name = models.CharField(max_length=50)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["issuer_unit", "year", "number"], name="sup_notice_number")]

    def __str__(self) -> str:
        return self.number_text

    @property
    def number_text(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.number}号"


class State(models.TextChoices):
    OPEN = "open", _("待整改")
    REPLIED = "replied", _("已反馈")
    RECHECKED = "rechecked", _("已复查")
    CLOSED = "closed", _("已销号")


class Source(models.TextChoices):
    INSPECTION = "inspection", _("督导检查")
    ALERT = "alert", _("指标预警")
    REPORT = "report", _("报表迟报或退回")
    STOCK = "stock", _("库存问题")
    BULLETIN = "bulletin", _("考核通报")


class Escalation(models.TextChoices):
    NONE = "", _("未升级")
    CASE = "case", _("立案查处")
    PENALTY = "penalty", _("经济处罚")


class Finding(models.Model):
    """一个问题 and its rectification (整改事项): the unit that must rectify it, where it came from,
    the notice and deadline, and where it stands. 逾期 is not a state: an open finding past its deadline."""

    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("整改单位"))
    inspector_unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    source_key = models.CharField(max_length=120, blank=True)  # the alert / report it came from (no duplicates)
    record = models.ForeignKey(
        InspectionRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    item_code = models.CharField(max_length=20, blank=True)
    description = models.TextField(_("问题描述"))
    found_on = models.DateField(_("发现日期"))
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="findings")
    bulletin = models.ForeignKey("Bulletin", on_delete=models.PROTECT, null=True, blank=True, related_name="findings")
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    escalation = models.CharField(_("升级"), max_length=10, choices=Escalation.choices, blank=True, default="")
    escalated_on = models.DateField(null=True, blank=True)
    penalty_amount = models.DecimalField(_("罚款金额(元)"), max_digits=12, decimal_places=2, null=True, blank=True)
    case_outcome = models.CharField(_("处理结果"), max_length=500, blank=True)
    case_closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["-found_on", "-id"]
        verbose_name = _("整改事项")
        indexes = [
            models.Index(fields=["county", "found_on"], name="sup_finding_county_day"),
            models.Index(fields=["state", "deadline"], name="sup_finding_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}：{self.description[:40]}"

    def is_overdue(self, today) -> bool:
        """逾期: the deadline has passed and the unit has not replied (or its reply was sent back)."""
        return self.state == State.OPEN and self.deadline is not None and self.deadline < today

    @property
    def closed_on_time(self) -> bool | None:
        if self.state != State.CLOSED or self.closed_on is None or self.deadline is None:
            return None
        return self.closed_on <= self.deadline


class FindingEvent(models.Model):
    """One step of a finding's loop, in order: the timeline on its page."""

    class Kind(models.TextChoices):
        CREATE = "create", _("发现问题")
        NOTICE = "notice", _("下发整改通知书")
        RECEIPT = "receipt", _("确认收到通知书")
        REPLY = "reply", _("整改反馈")
        RETURN = "return", _("复查未通过，退回整改")
        RECHECK = "recheck", _("复查通过")
        CLOSE = "close", _("销号")
        ESCALATE = "escalate", _("升级处理")
        CASE_CLOSE = "case_close", _("结案")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.text[:40]}"


class Attachment(models.Model):
    """A photo (resized, EXIF stripped) or a file kept under the data directory; belongs to an inspection
    record or to one step of a finding (a reply's evidence)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        FILE = "file", _("文件")

    record = models.ForeignKey(
        InspectionRecord, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    event = models.ForeignKey(FindingEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    path = models.CharField(max_length=255)  # relative to the data directory
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Bulletin(models.Model):
    """考核通报: the ranking of one scheme and period, the units praised and the lagging ones, whose
    rectification it opens (findings with its deadline); recipients confirm they read it."""

    scheme = models.CharField(max_length=40)
    period = models.CharField(max_length=12)
    root = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    issuer_unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    prefix = models.CharField(max_length=20)
    issued_on = models.DateField(_("通报日期"))
    deadline = models.DateField(_("整改期限"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    ranking = models.JSONField(default=list)  # the ranking as issued: [{unit, name, total, change, lagging, lost}]

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["root", "year", "number"], name="sup_bulletin_number")]

    def __str__(self) -> str:
        return self.number_text

    @property
    def number_text(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.number}号"


class BulletinRead(models.Model):
    """A recipient unit confirmed it read the bulletin."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="reads")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bulletin", "unit"], name="sup_bulletin_read_once")]

    def __str__(self) -> str:
        return f"{self.bulletin} {self.unit.name}"


class DispatchTask(models.Model):
    """调度任务 (「一周一调度」): a task for a unit below, with a deadline; the unit reports its progress each
    week; a task past its deadline and not done is overdue."""

    title = models.CharField(_("任务"), max_length=200)
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位"))
    owner_name = models.CharField(_("责任人"), max_length=50)
    issuer_unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField(_("完成期限"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:
        return self.done_on is None and self.deadline < today


class DispatchProgress(models.Model):
    """One week's progress of a task, reported by its unit."""

    task = models.ForeignKey(DispatchTask, on_delete=models.CASCADE, related_name="progress")
    week = models.DateField()  # the Monday of the week reported
    text = models.CharField(_("本周进展"), max_length=1000)
    percent = models.PositiveSmallIntegerField(_("完成进度(%)"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week", "-id"]
        constraints = [models.UniqueConstraint(fields=["task", "week"], name="sup_dispatch_week_once")]

    def __str__(self) -> str:
        return f"{self.week} {self.percent}%"
