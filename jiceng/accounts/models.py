"""Users and roles. A user works within one org unit's subtree (see ``jiceng.accounts.access``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_DOCTOR = "village_doctor", _("村医")
    TOWNSHIP_OFFICER = "township_officer", _("卫生院项目管理员")
    TOWNSHIP_REVIEWER = "township_reviewer", _("卫生院审核人")
    COUNTY_MCH = "county_mch", _("县妇幼保健中心")
    COUNTY_BUREAU = "county_bureau", _("县卫健局")
    ADMIN = "admin", _("系统管理员")


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices, blank=True)
    unit = models.ForeignKey(
        "orgunits.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("单位"),
    )
    phone = models.CharField(_("手机"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class PasswordHistory(models.Model):
    """The hashes of a user's last passwords (the newest is the current one): none may be set again."""

    KEEP = 5

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.set_at:%Y-%m-%d %H:%M}"


class TokenActivity(models.Model):
    """When an API token was last used: a token idle longer than API_TOKEN_IDLE stops working."""

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, primary_key=True, related_name="activity")
    last_used = models.DateTimeField()

    class Meta:
        verbose_name = _("API 令牌使用")
        verbose_name_plural = _("API 令牌使用")

    def __str__(self) -> str:
        return f"{self.token_id[:6]}… @ {self.last_used:%Y-%m-%d %H:%M}"
