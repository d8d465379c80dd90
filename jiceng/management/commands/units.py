import json

from django.core.management.base import BaseCommand

from jiceng.accounts import access
from jiceng.management.acting_user import acting_user, add_user_argument


class Command(BaseCommand):
    help = "List the org units the user may see (code, name, level, parent code)."

    def add_arguments(self, parser):
        add_user_argument(parser)
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--level", help="only this level (province/city/county/township/village)")

    def handle(self, *args, **options):
        user = acting_user(options)
        units = access.visible_units(user).select_related("parent").order_by("path")
        if options.get("level"):
            units = units.filter(level=options["level"])
        rows = [
            {
                "code": u.code,
                "name": u.name,
                "level": u.level,
                "kind": u.kind,
                "parent_code": u.parent.code if u.parent_id else None,
                "altitude_m": u.altitude_m,
            }
            for u in units
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
        else:
            for r in rows:
                self.stdout.write(f"{r['code']:<12}  {r['level']:<9}  {r['name']}")
