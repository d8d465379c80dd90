from django.apps import AppConfig
from django.db.models.signals import post_migrate


def fill_stored_status_changes(sender, using="default", **kwargs) -> None:
    """After ``migrate``: a database upgraded from before the stored status changes has registers but an
    empty table, and its reports would count no enrolment or stop — fill it once from the rules engine."""
    from jiceng.nutrition import status_store
    from jiceng.nutrition.models import Collection, StoredStatusChange

    if not StoredStatusChange.objects.using(using).exists() and Collection.all_objects.using(using).exists():
        status_store.refresh_under(None)


class NutritionConfig(AppConfig):
    name = "jiceng.nutrition"
    label = "nutrition"
    verbose_name = "儿童营养改善项目"

    def ready(self) -> None:
        post_migrate.connect(fill_stored_status_changes, sender=self)
