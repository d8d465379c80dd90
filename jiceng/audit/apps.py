from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jiceng.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from jiceng.audit.masking import install_log_masking

        install_log_masking()  # no log line carries a full ID or phone number (PIPL)
