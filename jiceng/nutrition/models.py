"""The child nutrition-pack register (儿童营养改善项目台账).

Tables that grow with children carry their county, so a PostgreSQL cluster sharded by
county (e.g. Citus) remains possible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LiveManager(models.Manager):
    """Register entries that stand: a cancelled (撤销) or corrected (更正, replaced by a new entry) row stays in
    the table for the history and the audit trail, but no figure, rule, list, export or report counts it.
    ``all_objects`` reads every row."""

    def get_queryset(self):
        return super().get_queryset().filter(cancelled_at__isnull=True)


class Amendable(models.Model):
    """A register entry that can be corrected (更正) or cancelled (撤销) with a reason (原因), by the person who
    entered it or the level above, while its month's report is open (see jiceng/nutrition/amend.py)."""

    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (objects, the live rows, must stay the default manager)

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Residence(models.TextChoices):
    RESIDENT = "resident", _("常住")
    FLOATING = "floating", _("流动")
    MOVED_OUT = "moved_out", _("迁出")
    DECEASED = "deceased", _("死亡")


class Child(models.Model):
    """儿童登记: one child in one village's register."""

    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, default="")
    village = models.ForeignKey(
        "orgunits.OrgUnit", on_delete=models.PROTECT, related_name="children_registered", verbose_name=_("所属村")
    )
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    residence = models.CharField(_("居住状态"), max_length=12, choices=Residence.choices, default=Residence.RESIDENT)
    poor_household = models.BooleanField(_("建档立卡贫困户"), default=False)
    relocation_site = models.BooleanField(_("易地扶贫搬迁安置点"), default=False)
    special_condition = models.BooleanField(_("需专业医生评估的特殊疾病"), default=False)
    special_condition_note = models.CharField(_("特殊疾病说明"), max_length=200, blank=True)
    caregiver_name = models.CharField(_("看护人姓名"), max_length=50, blank=True)
    caregiver_relation = models.CharField(_("与儿童关系"), max_length=20, blank=True)
    caregiver_phone = models.CharField(_("看护人电话"), max_length=20, blank=True)
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("已合并至")
    )
    # 搜索: worked out from the name, ID number and phone on every save (jiceng.nutrition.search)
    search_initials = models.CharField(_("姓名拼音首字母"), max_length=100, blank=True, default="", editable=False)
    id_last4 = models.CharField(_("身份证号后4位"), max_length=4, blank=True, default="", editable=False)
    phone_last4 = models.CharField(_("电话后4位"), max_length=4, blank=True, default="", editable=False)

    class Meta:
        ordering = ["village_id", "name", "id"]
        verbose_name = _("儿童")
        verbose_name_plural = _("儿童")
        indexes = [
            models.Index(fields=["village", "birth_date"], name="child_village_birth"),
            models.Index(fields=["county", "birth_date"], name="child_county_birth"),
            models.Index(fields=["id_number"], name="child_id_number"),
            models.Index(fields=["id_last4"], name="child_id_last4"),
            models.Index(fields=["phone_last4"], name="child_phone_last4"),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.birth_date:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        self.fill_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_initials", "id_last4", "phone_last4"}
        super().save(*args, **kwargs)

    def fill_search_keys(self) -> None:
        from jiceng.nutrition.search import last_four, name_initials

        self.search_initials = name_initials(self.name)
        self.id_last4 = last_four(self.id_number)
        self.phone_last4 = last_four(self.caregiver_phone)


class Consent(Amendable):
    """知情同意书: who signed, relation to the child, date."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    signed_on = models.DateField(_("签署日期"))
    signed_by = models.CharField(_("签署人"), max_length=50)
    relation = models.CharField(_("与儿童关系"), max_length=20)
    scan = models.FileField(_("扫描件"), upload_to="consents/", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"知情同意书 {self.signed_by} {self.signed_on}"


class Collection(Amendable):
    """发放登记: one collection of packs. At most one per child per calendar month (E6), enforced by the database."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="collections")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")  # issuing clinic
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    collected_on = models.DateField(_("领取日期"))
    month = models.CharField(_("月份"), max_length=7)  # "YYYY-MM" of collected_on
    packs = models.PositiveSmallIntegerField(_("包数"))
    collected_by = models.CharField(_("领取人"), max_length=50, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # one tap on 发放 = one key: a retry over a weak network returns the first result, never a second issue
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta(Amendable.Meta):
        ordering = ["collected_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "month"],
                condition=models.Q(cancelled_at__isnull=True),
                name="one_live_collection_per_child_month",
            )
        ]
        indexes = [models.Index(fields=["unit", "month"], name="collection_unit_month")]

    def __str__(self) -> str:
        return f"{self.collected_on} {self.packs}包"


class Assessment(Amendable):
    """Doctor's assessment for a child with a special condition (E8): suitable (适宜) or not (不适宜)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField(_("评估日期"))
    suitable = models.BooleanField(_("适宜服用"))
    doctor = models.CharField(_("评估医生"), max_length=50)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"评估 {self.assessed_on} {'适宜' if self.suitable else '不适宜'}"


class Move(Amendable):
    """迁入/迁出 and death: changes of a child's residence, keeping the history."""

    class Kind(models.TextChoices):
        MOVE_IN = "move_in", _("迁入")
        MOVE_OUT = "move_out", _("迁出")
        TRANSFER = "transfer", _("村间转移")
        DEATH = "death", _("死亡")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="moves")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    happened_on = models.DateField(_("日期"))
    from_unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.happened_on}"


class ForceMajeure(models.Model):
    """不可抗力: months declared by a county or township for its subtree (E5 skips them)."""

    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    first_month = models.CharField(_("起始月份"), max_length=7)
    last_month = models.CharField(_("截止月份"), max_length=7)
    reason = models.CharField(_("原因"), max_length=200)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    declared_at = models.DateTimeField(auto_now_add=True)
    withdrawn = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"不可抗力 {self.first_month}~{self.last_month}"


class Position(models.TextChoices):
    LYING = "lying", _("卧位（身长）")
    STANDING = "standing", _("立位（身高）")


class FollowUp(Amendable):
    """个案随访卡: one follow-up visit, with the WHO z-scores and anaemia class computed on save.

    The first card of a child is the baseline (服用前)."""

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="followups")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("随访日期"))
    month = models.CharField(_("月份"), max_length=7)
    hb_g_l = models.DecimalField(_("血红蛋白(g/L)"), max_digits=5, decimal_places=1, null=True, blank=True)
    length_cm = models.DecimalField(_("身长/身高(cm)"), max_digits=5, decimal_places=1, null=True, blank=True)
    position = models.CharField(_("测量体位"), max_length=10, choices=Position.choices, blank=True)
    weight_kg = models.DecimalField(_("体重(kg)"), max_digits=5, decimal_places=2, null=True, blank=True)
    packs_last_7d = models.PositiveSmallIntegerField(_("近7天服用包数"), null=True, blank=True)
    complementary_feeding = models.BooleanField(_("已添加辅食"), default=False)
    counselling_given = models.BooleanField(_("已给予咨询指导"), default=False)
    caregiver_knows = models.BooleanField(_("看护人知晓项目"), default=False)
    notes = models.CharField(_("备注"), max_length=300, blank=True)
    # computed on save (WHO 2006; WS/T 441-2013)
    age_days = models.PositiveIntegerField(default=0)
    haz = models.FloatField(null=True, blank=True)
    waz = models.FloatField(null=True, blank=True)
    whz = models.FloatField(null=True, blank=True)
    haz_flag = models.BooleanField(default=False)
    waz_flag = models.BooleanField(default=False)
    whz_flag = models.BooleanField(default=False)
    stunting = models.BooleanField(null=True)
    underweight = models.BooleanField(null=True)
    wasting = models.BooleanField(null=True)
    hb_adjusted_g_l = models.FloatField(null=True, blank=True)
    anaemia = models.CharField(_("贫血"), max_length=4, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    # what the doctor enters on a card (the rest is computed on save): the form, the API and 更正 use these
    ENTERED_FIELDS = (
        "visited_on",
        "hb_g_l",
        "length_cm",
        "position",
        "weight_kg",
        "packs_last_7d",
        "complementary_feeding",
        "counselling_given",
        "caregiver_knows",
        "notes",
    )

    class Meta(Amendable.Meta):
        ordering = ["visited_on", "id"]
        indexes = [
            models.Index(fields=["unit", "month"], name="followup_unit_month"),
            models.Index(fields=["child", "visited_on"], name="followup_child_date"),
        ]

    def __str__(self) -> str:
        return f"随访 {self.visited_on}"


class StoredStatusChange(models.Model):
    """One dated status change of a child as the rules engine decides it (纳入、停服、续服、终止、服满、
    不适宜、迁出、死亡), stored so reports count them with SQL instead of replaying every history.

    The engine stays the one source of truth: ``jiceng.nutrition.status_store`` rewrites a child's rows in
    the same transaction as every write that can change them, and ``jiceng rules verify`` replays any
    subtree and reports every row that differs. Changes that come with time (a stop two months after the
    last collection, completion at 36 months) are stored ahead as projections dated in the future and
    replaced by the next write that changes them. ``figure``: the report figure the change counts for
    (``newly_enrolled``, ``resumed``, ``stopped``, ``terminated``, ``completed``), or empty."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="stored_changes")
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")  # lived there then
    changed_on = models.DateField(_("日期"))
    month = models.CharField(_("月份"), max_length=7)
    status = models.CharField(_("状态"), max_length=8)
    rule_id = models.CharField(_("规则"), max_length=4)
    figure = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["child_id", "changed_on", "id"]
        indexes = [
            models.Index(fields=["village", "month", "figure"], name="status_village_month"),
            models.Index(fields=["county", "month"], name="status_county_month"),
        ]

    def __str__(self) -> str:
        return f"{self.changed_on} {self.status}"
