from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jiceng.accounts"
    label = "accounts"
    verbose_name = "用户与角色"

    def ready(self):
        from jiceng.accounts import signals  # noqa: F401 - connects the receivers
