"""CLI commands act as a named user, and see only that user's subtree, like pages and the API."""

from __future__ import annotations

import os

from django.core.management.base import CommandError

from jiceng.accounts.models import User


def add_user_argument(parser) -> None:
    parser.add_argument(
        "--user",
        default=os.environ.get("JICENG_USER", ""),
        help="act as this user (default: $JICENG_USER); output is limited to the user's subtree",
    )


def acting_user(options) -> User:
    username = options.get("user") or ""
    if not username:
        raise CommandError("请用 --user 用户名 (或环境变量 JICENG_USER) 指定以哪个用户的身份执行")
    try:
        user = User.objects.select_related("unit").get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"用户 {username} 不存在或已停用") from None
    if user.unit_id is None:
        raise CommandError(f"用户 {username} 未分配单位，看不到任何数据")
    return user
