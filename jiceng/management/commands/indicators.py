import json

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.http import Http404

from jiceng.accounts import access
from jiceng.indicators.service import indicator_table
from jiceng.management.acting_user import acting_user, add_user_argument
from jiceng.management.domain_command import DomainCommand


class Command(DomainCommand):
    help = "Indicators of a unit for a period (2026-03, 2026Q1, 2026H1, 2026, 2026YTD10): value, target, last year."

    def add_arguments(self, parser):
        add_user_argument(parser)
        parser.add_argument("--unit", required=True, help="unit code")
        parser.add_argument("--period", required=True)
        parser.add_argument("--working", action="store_true", help="working figures (default: official)")
        parser.add_argument("--programme", help="nutrition, mch, public_health, … (default: all)")
        parser.add_argument("--dataset", help="only the indicators of one form, e.g. MCH_MONTHLY")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        user = acting_user(options)
        try:
            unit = access.unit_in_scope_or_404(user, options["unit"])
            table = indicator_table(
                unit,
                options["period"],
                official=not options["working"],
                programme=options.get("programme"),
                dataset=options.get("dataset"),
            )
        except Http404:
            raise CommandError(
                f"未找到该单位：{options['unit']}（不存在或不在 {user.username} 的管辖范围内）"
            ) from None
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        if options["json"]:
            self.stdout.write(json.dumps(table, ensure_ascii=False, indent=1))
            return
        self.stdout.write(
            f"{table['unit']['name']} {table['period']['label']}（{'正式数' if table['figures'] == 'official' else '工作数'}）"
        )
        for row in table["indicators"]:
            value = "—" if row["value"] is None else row["display"]
            target = "" if row["target"] is None else f"  目标 {row['target']}"
            self.stdout.write(f"  {row['code']:<26} {row['name']:<14} {value:>12}{target}")
